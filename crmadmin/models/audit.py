"""The audit trail of every save made through crmadmin."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from crmadmin.models.connections import Connection


class AuditEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="audit")
    module = models.CharField(max_length=100)
    record_id = models.CharField(max_length=40)
    record_name = models.CharField(max_length=255, blank=True)
    # [{"api_name", "label", "before", "after"}, ...]
    changes = models.JSONField(default=list)
    # Zoho's answer, e.g. "SUCCESS", "ALREADY_MODIFIED", "INVALID_DATA".
    response_code = models.CharField(max_length=50)
    succeeded = models.BooleanField(default=False)
    # Set when the change came from a bulk job: the history page links to it.
    job = models.ForeignKey(
        "crmadmin.BulkJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="audit"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["connection", "module", "record_id"])]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.module}/{self.record_id} by {self.user} ({self.response_code})"
