from crmadmin.models.audit import AuditEntry
from crmadmin.models.connections import ApiCallLog, Connection, ConnectionGrant
from crmadmin.models.jobs import BulkJob, JobRecord

__all__ = ["ApiCallLog", "AuditEntry", "BulkJob", "Connection", "ConnectionGrant", "JobRecord"]
