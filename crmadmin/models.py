"""Zoho connections (one OAuth grant to one Zoho org), which groups may use them, their API
budget (edition, calls at once, credits; leases and hourly usage) and daily call counts, the audit
trail of every write (save, link, unlink) made through crmadmin, and bulk jobs with one row per
record they touch."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from crmadmin.fields import EncryptedTextField


class Connection(models.Model):
    class Edition(models.TextChoices):
        # Calls at once and credits per 24 h per edition: crmadmin/budget.py (EDITIONS).
        FREE = "free", "Free"
        STANDARD = "standard", "Standard / Starter"
        PROFESSIONAL = "professional", "Professional"
        ENTERPRISE = "enterprise", "Enterprise / Zoho One"
        ULTIMATE = "ultimate", "Ultimate / CRM Plus"

    class DataCentre(models.TextChoices):
        US = "us", "United States (zoho.com)"
        EU = "eu", "Europe (zoho.eu)"
        IN = "in", "India (zoho.in)"
        AU = "au", "Australia (zoho.com.au)"
        JP = "jp", "Japan (zoho.jp)"
        CA = "ca", "Canada (zohocloud.ca)"
        CN = "cn", "China (zoho.com.cn)"
        SA = "sa", "Saudi Arabia (zoho.sa)"
        CUSTOM = "custom", "Custom host (sandbox CRM or test double)"

    class Environment(models.TextChoices):
        PRODUCTION = "production", "Production"
        SANDBOX = "sandbox", "Sandbox"
        DEVELOPER = "developer", "Developer"

    class Status(models.TextChoices):
        NEW = "new", "Not connected yet"
        CONNECTED = "connected", "Connected"
        NEEDS_RECONNECT = "needs_reconnect", "Needs reconnect"
        THROTTLED = "throttled", "Throttled"
        REVOKED = "revoked", "Revoked"

    name = models.CharField(max_length=100, unique=True)
    data_centre = models.CharField(max_length=10, choices=DataCentre, default=DataCentre.US)
    environment = models.CharField(
        max_length=12, choices=Environment, default=Environment.PRODUCTION
    )
    # Filled from the data centre, or from the callback's `accounts-server` / token `api_domain`.
    accounts_server = models.URLField(blank=True)
    api_domain = models.URLField(blank=True)

    client_id = models.CharField(max_length=200)
    client_secret = EncryptedTextField(blank=True)
    scopes = models.TextField(help_text="Comma-separated OAuth scopes to request.")
    granted_scopes = models.TextField(blank=True)

    refresh_token = EncryptedTextField(blank=True)
    access_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)

    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    org_id = models.CharField(max_length=50, blank=True)
    org_name = models.CharField(max_length=200, blank=True)
    zoho_user_name = models.CharField(max_length=200, blank=True)
    zoho_user_email = models.CharField(max_length=254, blank=True)
    time_zone = models.CharField(max_length=64, blank=True, help_text="The org's time zone.")

    # The API budget crmadmin keeps to (crmadmin/budget.py): blank numbers mean the edition's.
    edition = models.CharField(max_length=20, choices=Edition, default=Edition.STANDARD)
    max_concurrency = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Calls in flight at once to this org, from every crmadmin process together. "
        "Blank: the edition's limit (Free 5, Standard 10, Professional 15, Enterprise 20, "
        "Ultimate 25).",
    )
    job_share = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(10), MaxValueValidator(100)],
        help_text="The most of those calls bulk jobs may use, in percent; the rest stays free "
        "for people editing.",
    )
    daily_credits = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="API credits per rolling 24 hours. Blank: the edition's base (Free 5,000, "
        "others 50,000; Zoho adds more per user licence).",
    )
    credit_reserve = models.PositiveIntegerField(
        default=1000,
        help_text="Bulk jobs pause when fewer credits than this are left; people's edits go on.",
    )
    # What Zoho last said in X-API-CREDITS-REMAINING (sent once half the day's credits are used).
    credits_remaining = models.PositiveIntegerField(null=True, blank=True)
    credits_remaining_at = models.DateTimeField(null=True, blank=True)
    last_rate_limited_at = models.DateTimeField(null=True, blank=True)

    last_refresh_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # Managing connections is split into Django's view / add / change / delete permissions
        # and `revoke_connection`, so "see health" can be given without "revoke".
        permissions = [
            ("use_connection", "Can edit CRM records through granted connections"),
            ("revoke_connection", "Can revoke a connection's tokens at Zoho"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def scope_list(self) -> list[str]:
        return [s.strip() for s in self.scopes.split(",") if s.strip()]

    @property
    def granted_scope_list(self) -> list[str]:
        return [s.strip() for s in self.granted_scopes.replace(" ", ",").split(",") if s.strip()]


class ConnectionGrant(models.Model):
    """Which group may edit which modules through a connection (staff may use all)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="grants")
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="crm_grants")
    modules = models.TextField(
        blank=True, help_text="Comma-separated module API names; empty means every module."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "group"], name="one_grant_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.group} → {self.connection}"

    @property
    def module_list(self) -> list[str]:
        return [m.strip() for m in self.modules.split(",") if m.strip()]


class ApiCallLog(models.Model):
    """Daily API call counts per connection, for the credit meter."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="call_days")
    day = models.DateField()
    calls = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "day"], name="one_count_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.day}: {self.calls}"


class ApiUsageHour(models.Model):
    """Credits spent, calls made and 429s received per connection per clock hour (UTC): the
    rolling 24 h budget is the sum of the last 24 rows."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="usage")
    hour = models.DateTimeField()
    credits = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    rate_limited = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["hour"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "hour"], name="one_usage_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.connection} {self.hour:%Y-%m-%d %H}h: {self.credits} credits"


class ApiLease(models.Model):
    """One call in flight to a connection's org: slot ``n`` of its K, held until ``expires_at``.

    The unique (connection, slot) pair is the semaphore: at most K rows can exist, whichever
    process inserts them, and a crashed process's row is deleted once it has expired.
    """

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="leases")
    slot = models.PositiveSmallIntegerField()
    token = models.CharField(max_length=32)
    background = models.BooleanField(default=False)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "slot"], name="one_lease_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.connection} slot {self.slot}"


class AuditEntry(models.Model):
    """One write to Zoho made through crmadmin: a save of a record's fields, a new record, a
    deleted one (its values kept in ``changes`` as "before"), or a link or unlink between a
    contact and a deal (one entry on each side whose record id is known)."""

    class Action(models.TextChoices):
        SAVE = "save", "Saved"
        LINK = "link", "Linked"
        UNLINK = "unlink", "Unlinked"
        CREATE = "create", "Created"
        DELETE = "delete", "Deleted"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="audit")
    module = models.CharField(max_length=100)
    record_id = models.CharField(max_length=40)
    record_name = models.CharField(max_length=255, blank=True)
    action = models.CharField(max_length=10, choices=Action, default=Action.SAVE)
    # Saves: [{"api_name", "label", "before", "after"}, ...]. Links and unlinks: one item per
    # related record, with "related_id" and Zoho's answer for it ("code", "message").
    changes = models.JSONField(default=list)
    # Zoho's answer, e.g. "SUCCESS", "ALREADY_MODIFIED", "INVALID_DATA".
    response_code = models.CharField(max_length=50)
    succeeded = models.BooleanField(default=False)
    # False when Zoho's answer never came and reading the record again could not tell whether
    # the write landed (issue #10 item 4): neither "saved" nor "not saved" would be true.
    confirmed = models.BooleanField(default=True)
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


# -- Bulk jobs ------------------------------------------------------------------------------------
# Bulk jobs: one row per job, one row per record it touches.
#
# A job's rows are its journal. The task marks a batch of rows in flight and commits that before it
# sends the batch, then stores each record's outcome; so after a crash the rows say exactly which
# records may have reached Zoho (in flight) and which certainly did not (pending).


class BulkJob(models.Model):
    class Kind(models.TextChoices):
        EDIT = "edit", "Bulk edit"
        LINK = "link", "Bulk link"

    class Status(models.TextChoices):
        # A CSV's lines are cleaned and their records found by a task (crmadmin/planning.py).
        FINDING = "finding", "Finding the records"
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
    # Edit: [{"api_name", "label", "action": set|clear|append|remove|csv, "value"}], what the user
    # asked for ("csv": each row carries its own value in its payload).
    # Link: [{"contact_field", "deal_field"}], the external ID fields the pairs are given in.
    change = models.JSONField(default=list)
    # Zoho's `trigger` list; None means Zoho's default (every automation runs).
    trigger = models.JSONField(null=True, blank=True)
    # When the records were read for the preview: sent as If-Unmodified-Since with every batch.
    preview_at = models.DateTimeField()
    # A CSV job's records are found in the background: until its plan is stored, the job keeps
    # its upload and how the columns were mapped ({"key_column", "key_field", "key_label",
    # "mapped": [[column, api_name], ...]}, and "problem" when finding them failed); both go
    # once the plan is stored. `looked_up` of `to_look_up` key values have been searched so far.
    # A bulk edit chosen on the record list keeps {"record_ids": [...]} (the rows ticked) or
    # {"list_query": "..."} (every record the list's search matches) instead, and no upload;
    # `looked_up` of `to_look_up` records have been read so far.
    upload = models.OneToOneField(
        "crmadmin.BulkUpload",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job",
    )
    plan_input = models.JSONField(default=dict, blank=True)
    looked_up = models.PositiveIntegerField(default=0)
    to_look_up = models.PositiveIntegerField(default=0)
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

    @property
    def is_finding(self) -> bool:
        return self.status == self.Status.FINDING

    @property
    def plan_failed(self) -> bool:
        """Finding a CSV's records stopped with an error: there is nothing to start yet."""
        return self.status == self.Status.FAILED and bool(self.plan_input)

    @property
    def is_from_csv(self) -> bool:
        return any(item.get("action") == "csv" for item in self.change if isinstance(item, dict))


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
    # The record's id; in a link job the contact's external ID, with the deal's in `target`.
    record_id = models.CharField(max_length=255)
    target = models.CharField(max_length=255, blank=True)
    # The line of the uploaded or pasted CSV the row came from (None: chosen on the list).
    line = models.PositiveIntegerField(null=True, blank=True)
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
        # One row that may be sent per record (per pair in a link job); a CSV's repeated lines
        # stay as rows not sent, so each is reported on its own line.
        constraints = [
            models.UniqueConstraint(
                fields=["job", "record_id", "target"],
                condition=~models.Q(state="skipped"),
                name="job_record_once",
            )
        ]
        indexes = [models.Index(fields=["job", "state"])]

    def __str__(self) -> str:
        return f"{self.record_id} in job {self.job_id}: {self.state}"


class BulkUpload(models.Model):
    """A CSV uploaded or pasted for a bulk edit, kept between the upload and the mapping step
    (the file is decoded once; the job's rows replace it when the preview is built)."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="uploads")
    module = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    file_name = models.CharField(max_length=255, blank=True)
    encoding = models.CharField(max_length=20)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Upload #{self.pk} for {self.module} ({self.file_name or 'pasted'})"
