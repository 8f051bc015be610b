"""Zoho: the accounts server (OAuth 2 per user), Projects v2 and Desk v1."""
