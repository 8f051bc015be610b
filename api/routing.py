"""Routing by an index of static path prefixes instead of a scan of every route.

FastAPI 0.165 matches a request against its routes one by one and, for a router added with
``include_router``, matches that router's routes twice (once to choose it, once to handle it). With
this app's ~150 routes, routing was most of ``/health``'s cost and a large share of a cached roster
page's (docs/performance.md). Two changes fix it without touching what a route does:

- :func:`add_routes` puts each router's routes straight on the app's router (their paths already
  carry the router's prefix), so there is one level to match, not two;
- :class:`IndexedRouter` looks a request up by its first path segments: only routes whose static
  prefix agrees with the request's can match it, so only those are tried, in the app's own order.
  Whatever the index does not settle (a redirect to the other slash form, a 404, a mount) goes to
  FastAPI's own matching, which therefore still defines the answer. A 405 is settled here: its
  ``Allow`` names the methods of every route on the path, where Starlette names the first's only.

``_update_scope`` and ``_route_selected`` are FastAPI's own helpers for what its router does on a
match; ``tests/unit/api/test_routing.py`` checks that every route is found as FastAPI finds it.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import chain

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, _update_scope
from fastapi.telemetry._api import _route_selected
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Route
from starlette.types import Receive, Scope, Send

from api.strict_json import StrictJsonRoute

#: how many leading path segments the index keys on
DEPTH = 3
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _order(method: str) -> tuple[int, str]:
    return (_METHOD_ORDER.index(method) if method in _METHOD_ORDER else 99, method)


Entry = tuple[int, BaseRoute]


def _static_prefix(path: str) -> tuple[str, ...]:
    """The leading segments of a route's path that hold no parameter, at most ``DEPTH``."""
    prefix: list[str] = []
    for segment in path.split("/")[1 : DEPTH + 1]:
        if "{" in segment:
            break
        prefix.append(segment)
    return tuple(prefix)


class _Index:
    def __init__(self, routes: list[BaseRoute]) -> None:
        self.size = len(routes)
        by_prefix: dict[tuple[str, ...], list[Entry]] = defaultdict(list)
        for position, route in enumerate(routes):
            # Anything but a plain route (a mount, a host) is left to FastAPI's own matching.
            if isinstance(route, Route):
                by_prefix[_static_prefix(route.path)].append((position, route))
        self._by_prefix = dict(by_prefix)
        self._merged: dict[tuple[str, ...], list[BaseRoute]] = {}

    def candidates(self, path: str) -> list[BaseRoute]:
        segments = tuple(path.split("/")[1 : DEPTH + 1])
        found = self._merged.get(segments)
        if found is None:
            groups = (self._by_prefix.get(segments[:n], ()) for n in range(len(segments) + 1))
            found = [route for _, route in sorted(chain.from_iterable(groups))]
            if len(self._merged) < 4096:  # ids in a path make the keys unbounded
                self._merged[segments] = found
        return found


class IndexedRouter(APIRouter):
    """The app's root router (see the module docs); set with :func:`use_indexed_routing`."""

    _route_index: _Index | None = None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            allowed: set[str] = set()
            template: str | None = None
            for route in self._index().candidates(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.setdefault("router", self)
                    _update_scope(scope, child_scope)
                    _route_selected(scope=scope, path=getattr(route, "path_format", None))
                    await route.handle(scope, receive, send)
                    return
                if match is Match.PARTIAL:  # the path, not the method
                    # The methods of the path template the first such route has (as documented
                    # in the OpenAPI): `/integrations/kinds` is not also `/integrations/{id}`.
                    path = getattr(route, "path", None)
                    template = path if template is None else template
                    if path == template:
                        allowed |= getattr(route, "methods", None) or set()
            if allowed:
                # Starlette would let the first of these routes answer, naming its methods only.
                raise HTTPException(405, headers={"Allow": ", ".join(sorted(allowed, key=_order))})
        await super().app(scope, receive, send)

    def _index(self) -> _Index:
        index = self._route_index
        if index is None or index.size != len(self.routes):  # routes are added before serving
            index = self._route_index = _Index(self.routes)
        return index


def use_indexed_routing(app: FastAPI) -> None:
    """Give ``app`` the indexed root router. Its class is swapped rather than the router replaced:
    FastAPI builds the root router with ~20 arguments of its own, all of which stay as they are."""
    router = app.router
    stack = router.middleware_stack
    # Starlette captured the bound ``app`` of the old class as the router's middleware stack; with
    # no router middleware (the app has none), it is that method alone and is re-bound here.
    if getattr(stack, "__func__", None) is not APIRouter.app:
        raise RuntimeError("the root router has middleware of its own; cannot index its routing")
    router.__class__ = IndexedRouter
    router.middleware_stack = router.app


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """``router``'s routes on the app's own router. Unlike ``include_router`` this takes no
    prefix, tags or dependencies of its own: the routers here carry theirs.

    Every route reads its body strictly (:mod:`api.strict_json`): a router made without
    ``route_class=StrictJsonRoute`` (or a subclass) is refused here rather than left lenient."""
    for route in router.routes:
        if isinstance(route, APIRoute) and not isinstance(route, StrictJsonRoute):
            raise TypeError(f"{route.path}: give its router route_class=StrictJsonRoute")
    app.router.routes.extend(router.routes)
