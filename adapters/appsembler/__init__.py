"""Open edX through the Appsembler API (``/appsembler_api/v0/``), with Open edX's OAuth tokens."""
