"""Adapters subclass the ports they implement, so mypy checks them where they are defined.

A class under ``adapters`` implements a port (a ``Protocol`` under ``domain``) when it has every
method the port declares, each async where the port's is and with the same return annotation. The
annotation keeps a one-method port from claiming a look-alike: ``HttpProbe.check`` answers an
``UpstreamCheck``, not the ``ComponentStatus`` of ``DatabaseProbe.check``. An adapter that repeats
a port's methods in other words (a narrower return type, say) is not caught here, but it is at the
composition root, where mypy sees it handed to the port.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest

import adapters
import domain
from adapters.oidc.provider import OidcIdentityProvider
from adapters.zoho.desk import ZohoDeskTracker
from adapters.zoho.oauth import ZohoOAuth
from adapters.zoho.projects import ZohoProjectsTracker
from domain.ports.sso import IdentityProvider
from domain.ports.time_tracker import TimeTracker, TrackerAuth

#: adapters found implementing their ports only structurally (issue 11); each must be recognised
#: by the search below, which also shows the search finds real adapters
FIXED = [
    (ZohoProjectsTracker, TimeTracker),
    (ZohoDeskTracker, TimeTracker),
    (ZohoOAuth, TrackerAuth),
    (OidcIdentityProvider, IdentityProvider),
]


def _modules(package: ModuleType) -> list[ModuleType]:
    found = pkgutil.walk_packages(package.__path__, package.__name__ + ".")
    return [importlib.import_module(info.name) for info in found]


def _classes(package: ModuleType) -> list[type]:
    return [
        value
        for module in _modules(package)
        for value in vars(module).values()
        if isinstance(value, type) and value.__module__ == module.__name__
    ]


def _is_protocol(cls: type) -> bool:
    # typing sets _is_protocol on every class it builds: True on protocols, False on subclasses
    return bool(cls.__dict__.get("_is_protocol"))


def _declared_methods(port: type) -> dict[str, Callable[..., Any]]:
    """The methods written in the port's body and its parent ports', without typing's helpers."""
    methods: dict[str, Callable[..., Any]] = {}
    for cls in reversed(port.__mro__):
        if not _is_protocol(cls):
            continue
        for name, value in vars(cls).items():
            # typing adds functions of its own (__init__, __subclasshook__) named elsewhere
            if inspect.isfunction(value) and value.__qualname__ == f"{cls.__qualname__}.{name}":
                methods[name] = value
    return methods


def _returns(method: Callable[..., Any]) -> str:
    answer = inspect.signature(method).return_annotation
    return answer if isinstance(answer, str) else getattr(answer, "__qualname__", repr(answer))


def _implements(cls: type, port: type) -> bool:
    methods = _declared_methods(port)
    for name, declared in methods.items():
        own = getattr(cls, name, None)
        if not inspect.isfunction(own):
            return False
        if inspect.iscoroutinefunction(own) != inspect.iscoroutinefunction(declared):
            return False
        if _returns(own) != _returns(declared):
            return False
    return bool(methods)


PORTS = [cls for cls in _classes(domain) if _is_protocol(cls)]
ADAPTERS = [cls for cls in _classes(adapters) if not _is_protocol(cls)]


def test_every_adapter_subclasses_the_ports_it_implements() -> None:
    structural = [
        f"{cls.__module__}.{cls.__qualname__} implements {port.__module__}.{port.__qualname__}"
        for cls in ADAPTERS
        for port in PORTS
        if _implements(cls, port) and port not in cls.__mro__
    ]
    assert structural == [], "subclass the port explicitly"


@pytest.mark.parametrize(("adapter", "port"), FIXED, ids=lambda c: c.__qualname__)
def test_fixed_adapters_subclass_their_port_and_are_recognised(adapter: type, port: type) -> None:
    assert port in adapter.__mro__  # issubclass refuses protocols that are not runtime-checkable
    assert adapter in ADAPTERS
    assert port in PORTS
    assert _implements(adapter, port)
