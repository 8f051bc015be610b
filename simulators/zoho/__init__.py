"""A Zoho simulator: one app for the accounts server, Projects v2 and Desk v1, told apart by host.

Modules: ``accounts`` (OAuth), ``projects`` + ``projects_wire`` (Projects v2), ``desk`` (Desk v1),
``state`` + ``seed`` (data), ``throttle`` (per-token limits), ``control`` (``/_sim/zoho/``).
"""

from simulators.zoho.app import ZohoSimulator

__all__ = ["ZohoSimulator"]
