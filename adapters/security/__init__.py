"""Password hashing, access-token signing, secrets at rest and the common-password list."""
