"""HTTP edge of the BFF: app factory, routers, schemas, request wiring and the composition root."""
