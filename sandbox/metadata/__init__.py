"""Org metadata (modules, fields, layouts, roles, users) built deterministically in Python.

Metadata never changes at runtime, so it lives in code rather than the database; records and tokens
live in SQLite.
"""
