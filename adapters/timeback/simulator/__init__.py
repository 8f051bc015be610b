"""A TimeBack simulator: Cognito-style token endpoint plus the OneRoster rostering API."""

from adapters.timeback.simulator.app import TimebackSimulator
from adapters.timeback.simulator.clients import sandbox_client

__all__ = ["TimebackSimulator", "sandbox_client"]
