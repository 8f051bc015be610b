"""Request parsing every Zoho host shares."""

from __future__ import annotations

from starlette.requests import Request


async def request_params(request: Request) -> dict[str, str]:
    """Query string and form fields together (the form wins): Zoho reads either, and callers put
    everything in the query string of an empty-body POST as often as in a form."""
    params = dict(request.query_params)
    if request.method in ("POST", "PUT", "PATCH"):
        form = await request.form()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def oauth_token(request: Request) -> str | None:
    """The value of ``Authorization: Zoho-oauthtoken <t>``; any other scheme is no token at all."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    return value if scheme == "Zoho-oauthtoken" and value else None
