"""Helpers shared by test packages: a live BFF server on a real socket, a headless Chromium."""
