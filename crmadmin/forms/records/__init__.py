"""Zoho field and layout metadata → a Django form (each type's field: ``crmadmin.datatypes``)."""
