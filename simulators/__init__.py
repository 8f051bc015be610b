"""Simulated upstreams: faithful fakes of TimeBack, Appsembler (Open edX), Zoho and an OpenID
Connect provider, each a small ASGI app over seedable state that speaks the real wire format,
quirks included.

They give sandbox mode its upstreams, the tests their counterparts and the benchmarks their load.
Nothing here imports the BFF (``api``, ``domain``, ``adapters``): a simulator that shared the BFF's
parsers would mirror its bugs instead of catching them. Only the sandbox wiring of the composition
root and the tests import this package (import-linter checks both directions).

    kit/          what every simulator is built from (ASGI base, seeding, faults, tokens, transport)
    sandbox.py    all of them together, for sandbox mode and ``bff simulate``
    timeback/  appsembler/  zoho/  oidc/
"""
