"""HTTP plumbing the upstream adapters share: the OAuth client-credentials client, the error
families every adapter sorts failures into, ``Retry-After`` parsing and the health-probe frame."""
