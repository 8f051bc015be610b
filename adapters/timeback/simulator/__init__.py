"""A TimeBack simulator: Cognito-style token endpoint plus the OneRoster rostering API."""

from adapters.timeback.simulator.app import TimebackSimulator

__all__ = ["TimebackSimulator"]
