"""The PowerPath simulator (TimeBack's lesson plans, placement and adaptive practice)."""

from simulators.powerpath.app import PowerPathSimulator

__all__ = ["PowerPathSimulator"]
