"""Implementations of the domain's ports: one package per upstream, plus the database and jobs."""

import warnings

# authlib warns at import that plain httpx is deprecated in favour of httpx2, and installs an
# "always" filter for its warnings first. We pin httpx on purpose (docs/decisions.md, D3), so that one
# message is silenced here, ahead of any authlib client import, instead of greeting every user.
from authlib.deprecate import AuthlibDeprecationWarning  # type: ignore[import-untyped]

warnings.filterwarnings(
    "ignore", message="The httpx module is deprecated", category=AuthlibDeprecationWarning
)
