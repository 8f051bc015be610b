"""Implementations of the domain's ports: one package per upstream, plus the database and jobs."""
