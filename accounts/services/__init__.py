"""Writes on accounts: sign-up and codes, representative links, login signals and flags, blocks, staff, tokens."""
