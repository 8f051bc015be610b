"""OpenID Connect sign-in: the provider adapter (``provider``), its health probe (``probe``) and
its declaration as an upstream (``upstream``); the provider simulator lives in ``simulators/oidc``.
"""
