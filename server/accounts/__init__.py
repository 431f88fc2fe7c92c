"""Accounts, roles, phones (devices) and pairing."""
