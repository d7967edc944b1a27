"""The CRM API (/crm/v8/...): routing, metadata, records, search, writes, related records."""
