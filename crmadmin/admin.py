"""Django admin for connections: grants are edited here; tokens and secrets never appear.

The encrypted fields are excluded from every form, list and search, so the admin cannot show,
change or export them. Connecting, reconnecting and revoking happen on the Connections pages.
"""

from __future__ import annotations

from django.contrib import admin

from crmadmin.models import ApiCallLog, AuditEntry, Connection, ConnectionGrant

SECRET_FIELDS = ("client_secret", "refresh_token", "access_token")


class ConnectionGrantInline(admin.TabularInline):
    model = ConnectionGrant
    extra = 1


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("name", "org_name", "data_centre", "environment", "status", "last_success_at")
    list_filter = ("status", "data_centre", "environment")
    search_fields = ("name", "org_name", "zoho_user_email")
    exclude = SECRET_FIELDS
    # Changing what the tokens are bound to happens on the Connections pages (which ask for a
    # reconnect); here only the name, scopes and group grants are edited.
    readonly_fields = (
        "data_centre",
        "environment",
        "accounts_server",
        "api_domain",
        "client_id",
        "status",
        "granted_scopes",
        "access_token_expires_at",
        "org_id",
        "org_name",
        "zoho_user_name",
        "zoho_user_email",
        "time_zone",
        "last_refresh_at",
        "last_success_at",
        "last_error",
        "last_error_at",
        "created_at",
        "updated_at",
    )
    inlines = (ConnectionGrantInline,)

    def has_add_permission(self, request) -> bool:
        # A connection needs a client secret and an OAuth sign-in: use the Connections pages.
        return False


@admin.register(ApiCallLog)
class ApiCallLogAdmin(admin.ModelAdmin):
    list_display = ("connection", "day", "calls")
    list_filter = ("connection",)
    date_hierarchy = "day"

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "connection", "module", "record_id", "response_code")
    list_filter = ("connection", "module", "succeeded")
    search_fields = ("record_id", "record_name")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
