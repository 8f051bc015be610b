"""The simulation kit: what every upstream simulator is built from.

A simulator is an ASGI app over seedable, inspectable state, with a request log, scripted faults
(``fail_next``, ``add_latency``, ``timeout_next``) and a ``/_sim/`` control API. Adapters reach it
in-process through :class:`SimulatorTransport`, or over a socket when it runs standalone.

The simulators themselves live with their adapters (``adapters/<system>/simulator/``);
:mod:`adapters.simulation.sandbox` assembles them. This package does not import it, to keep the
kit free of any one upstream.
"""

from adapters.simulation.clock import SimClock
from adapters.simulation.faults import FaultPlan
from adapters.simulation.requestlog import RequestLog, RequestRecord
from adapters.simulation.seed import SeedGenerator
from adapters.simulation.simulator import SeedSpec, Simulator
from adapters.simulation.tokens import TokenStatus, TokenStore
from adapters.simulation.transport import HostRouter, SimulatorTransport

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
