"""The BFF's business core: models, ports (typing.Protocol) and use cases.

Nothing here imports a web framework, an HTTP client, an ORM or a driver; import-linter enforces it.
"""
