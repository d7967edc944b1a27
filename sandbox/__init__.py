"""A stand-in for Zoho CRM (accounts server + CRM API v8) as a plain WSGI app over SQLite.

Built from the API reference alone (/work/shared/reference), sharing no code with `updater`, so the
client and this sandbox check each other. Entry points: `sandbox.app.create_app`,
`sandbox.seed.seed`, `sandbox.testing.running_sandbox`, `python -m sandbox`.
"""
