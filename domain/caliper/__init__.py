"""Caliper 1.2 learning events: validation against the spec and TimeBack's profile."""
