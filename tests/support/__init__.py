"""Harnesses shared by tests and benches; pytest fixtures live in tests/fixtures."""
