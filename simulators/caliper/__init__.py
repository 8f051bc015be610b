"""A simulator of TimeBack's Caliper endpoint: ingestion jobs, validation, stored events."""

from simulators.caliper.app import CaliperSimulator

__all__ = ["CaliperSimulator"]
