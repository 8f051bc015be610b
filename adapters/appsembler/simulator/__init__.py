"""An Appsembler/Open edX simulator: the DOT token endpoint plus the Appsembler API."""

from adapters.appsembler.simulator.app import AppsemblerSimulator

__all__ = ["AppsemblerSimulator"]
