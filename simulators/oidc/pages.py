"""The provider's one browser page: choose who signs in (OIDC Core §3.1.2.3 leaves how the user
authenticates to the provider; this one asks no password). The form submits to ``authorize`` again,
relative to where the page was served, so it works under any prefix (the BFF's
``/_sandbox/upstreams/idp.sim/``)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING

from starlette.responses import HTMLResponse

if TYPE_CHECKING:
    from simulators.oidc.state import SimUser


def sign_in_page(params: Sequence[tuple[str, str]], users: Sequence[SimUser]) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
        for k, v in params
        if k != "login_hint"
    )
    options = "".join(
        f'<option value="{escape(u.email or u.subject)}">'
        f"{escape(u.name or u.subject)} ({escape(u.email or u.subject)})</option>"
        for u in users
    )
    body = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Sign in: simulated provider"
        "</title></head><body><h1>Sign in</h1><p>The sandbox's simulated identity provider: "
        "choose who you are.</p>"
        f'<form method="get" action="authorize">{hidden}'
        f'<label>Account <select name="login_hint" id="login_hint">{options}</select></label> '
        '<button type="submit" id="sign-in">Sign in</button></form></body></html>'
    )
    return HTMLResponse(body)
