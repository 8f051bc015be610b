"""TimeBack's Caliper endpoint: learning events sent in envelopes, ingestion jobs followed."""
