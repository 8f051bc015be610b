"""Schemathesis hooks for ``bench.fuzz_live`` (loaded through ``SCHEMATHESIS_HOOKS``): the CLI
would otherwise fill the custom ``oneroster-filter`` format with arbitrary text and report every
refusal of it as schema-valid data rejected."""

import schemathesis

from tests.support.oneroster_filters import oneroster_fields, oneroster_filters

schemathesis.openapi.format("oneroster-filter", oneroster_filters())
schemathesis.openapi.format("oneroster-fields", oneroster_fields())
