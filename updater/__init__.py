"""The Zoho CRM API service: plain Python, no Django. See docs/updater-api.md."""
