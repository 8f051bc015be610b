"""An Appsembler/Open edX simulator: the DOT token endpoint plus the Appsembler API."""

from simulators.appsembler.app import AppsemblerSimulator

__all__ = ["AppsemblerSimulator"]
