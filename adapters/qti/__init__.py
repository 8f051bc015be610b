"""TimeBack's QTI 3 service: its own host, TimeBack's identity provider and token."""
