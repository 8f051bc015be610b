"""A TimeBack QTI 3 simulator: items, stimuli, tests and response processing."""

from simulators.qti.app import QtiSimulator

__all__ = ["QtiSimulator"]
