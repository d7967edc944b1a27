from crmadmin.models.audit import AuditEntry
from crmadmin.models.connections import ApiCallLog, Connection, ConnectionGrant

__all__ = ["ApiCallLog", "AuditEntry", "Connection", "ConnectionGrant"]
