"""Errors of the PowerPath adapter. PowerPath is a TimeBack service: same imsx error bodies, same
token, so its errors are TimeBack's (:mod:`adapters.timeback.errors`), named for it here so its
callers need not know that."""

from __future__ import annotations

from adapters.timeback.errors import (
    FAMILY,
    TimebackAuthError,
    TimebackError,
    TimebackNotFound,
    TimebackRateLimited,
    TimebackRejected,
    TimebackTimeout,
    TimebackUnavailable,
    as_timeback_error,
    error_from_response,
    raise_for_status,
    to_domain_error,
)

PowerPathError = TimebackError
PowerPathUnavailable = TimebackUnavailable
PowerPathTimeout = TimebackTimeout
PowerPathAuthError = TimebackAuthError
PowerPathNotFound = TimebackNotFound
PowerPathRejected = TimebackRejected
PowerPathRateLimited = TimebackRateLimited
as_powerpath_error = as_timeback_error

__all__ = [
    "FAMILY",
    "PowerPathAuthError",
    "PowerPathError",
    "PowerPathNotFound",
    "PowerPathRateLimited",
    "PowerPathRejected",
    "PowerPathTimeout",
    "PowerPathUnavailable",
    "as_powerpath_error",
    "error_from_response",
    "raise_for_status",
    "to_domain_error",
]
