"""TimeBack PowerPath: lesson plans, placement, adaptive practice (``/powerpath`` on OneRoster's
host), reached with TimeBack's own token."""
