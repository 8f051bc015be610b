"""OpenID Connect sign-in: the provider adapter (``provider``) and an in-tree provider simulator
(``simulator``) that signs its own id_tokens, so the flow runs without a real identity provider.
"""
