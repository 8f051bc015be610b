"""The simulation kit: what every upstream simulator is built from.

A simulator is an ASGI app over seedable, inspectable state, with a request log, scripted faults
(``fail_next``, ``add_latency``, ``timeout_next``) and a ``/_sim/`` control API. Adapters reach it
in-process through :class:`SimulatorTransport`, or over a socket when it runs standalone.

The simulators themselves are the sibling packages (``simulators/<system>/``) and
:mod:`simulators.sandbox` assembles them. The kit imports none of them, to stay free of any one
upstream.
"""

from simulators.kit.clock import SimClock
from simulators.kit.faults import FaultPlan
from simulators.kit.requestlog import RequestLog, RequestRecord
from simulators.kit.seed import SeedGenerator
from simulators.kit.simulator import SeedSpec, Simulator
from simulators.kit.tokens import TokenStatus, TokenStore
from simulators.kit.transport import HostRouter, SimulatorTransport

__all__ = [
    "FaultPlan",
    "HostRouter",
    "RequestLog",
    "RequestRecord",
    "SeedGenerator",
    "SeedSpec",
    "SimClock",
    "Simulator",
    "SimulatorTransport",
    "TokenStatus",
    "TokenStore",
]
