"""Bulk jobs: one row per job, one row per record it touches.

A job's rows are its journal. The task marks a batch of rows in flight and commits that before it
sends the batch, then stores each record's outcome; so after a crash the rows say exactly which
records may have reached Zoho (in flight) and which certainly did not (pending).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from crmadmin.models.connections import Connection


class BulkJob(models.Model):
    class Kind(models.TextChoices):
        EDIT = "edit", "Bulk edit"

    class Status(models.TextChoices):
        PREVIEW = "preview", "Preview"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting for Zoho"
        FINISHED = "finished", "Finished"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Stopped by an error"

    ACTIVE = (Status.QUEUED, Status.RUNNING, Status.WAITING)

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="jobs")
    module = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EDIT)
    # [{"api_name", "label", "action": set|clear|append|remove, "value"}]: what the user asked for.
    change = models.JSONField(default=list)
    # Zoho's `trigger` list; None means Zoho's default (every automation runs).
    trigger = models.JSONField(null=True, blank=True)
    # When the records were read for the preview: sent as If-Unmodified-Since with every batch.
    preview_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PREVIEW)
    total = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    set_aside = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    put_calls = models.PositiveIntegerField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # Why the job waits (429, 5xx, timeout) or why it stopped: always in words for the job page.
    wait_reason = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    # Which task run holds the job, and when it last showed it is alive (see jobs.job_run).
    runner = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("run_bulk_job", "Can run bulk jobs on granted modules")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} on {self.module}"

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.set_aside + self.skipped

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class JobRecord(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        IN_FLIGHT = "in_flight", "Sending"
        SUCCEEDED = "succeeded", "Updated"
        FAILED = "failed", "Failed"
        SET_ASIDE = "set_aside", "Changed since your preview"
        SKIPPED = "skipped", "Not sent"
        UNKNOWN = "unknown", "Unknown"

    FINAL = (State.SUCCEEDED, State.FAILED, State.SET_ASIDE, State.SKIPPED)

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="records")
    record_id = models.CharField(max_length=40)
    record_name = models.CharField(max_length=255, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # The changed fields' values when read for the preview, and the JSON the PUT carries.
    before = models.JSONField(default=dict)
    payload = models.JSONField(default=dict)
    code = models.CharField(max_length=60, blank=True)
    message = models.CharField(max_length=500, blank=True)
    field = models.CharField(max_length=100, blank=True)
    batch = models.PositiveIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["job", "record_id"], name="job_record_once")]
        indexes = [models.Index(fields=["job", "state"])]

    def __str__(self) -> str:
        return f"{self.record_id} in job {self.job_id}: {self.state}"
