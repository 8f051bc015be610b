"""A TimeBack simulator: Cognito-style token endpoint plus the OneRoster rostering API."""

from simulators.timeback.app import TimebackSimulator

__all__ = ["TimebackSimulator"]
