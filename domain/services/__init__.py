"""Use cases, one module per area. They take ports and never build them."""
