"""A Zoho simulator: one app for the accounts, Projects and Desk hosts, told apart by host."""

from adapters.zoho.simulator.app import ZohoSimulator

__all__ = ["ZohoSimulator"]
