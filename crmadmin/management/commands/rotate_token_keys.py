"""Re-encrypt every encrypted column with the newest key in TOKEN_ENCRYPTION_KEYS.

Rotation: put a new Fernet key first in TOKEN_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then drop the old keys. Ciphertext is read and written as stored (the
ORM would decrypt it) and re-encrypted with MultiFernet.rotate, one row at a time inside a
transaction with a row lock, so a token refresh running meanwhile is not overwritten.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection as db
from django.db import transaction

from crmadmin.fields import EncryptedTextField
from crmadmin.models import Connection


class Command(BaseCommand):
    help = "Re-encrypt stored tokens and client secrets with the newest TOKEN_ENCRYPTION_KEYS key."

    def handle(self, *args: object, **options: object) -> None:
        fields = [f for f in Connection._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        quote = db.ops.quote_name
        table = quote(Connection._meta.db_table)
        columns = ", ".join(quote(f.column) for f in fields)
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
        lock = " FOR UPDATE" if db.features.has_select_for_update else ""
        rotated = 0
        for pk in Connection.objects.values_list("pk", flat=True):
            with transaction.atomic(), db.cursor() as cursor:
                cursor.execute(f"SELECT {columns} FROM {table} WHERE id = %s{lock}", [pk])  # noqa: S608
                stored = cursor.fetchone()
                if stored is None:
                    continue
                fresh = [
                    field.rotate(value or "") for field, value in zip(fields, stored, strict=True)
                ]
                cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*fresh, pk])  # noqa: S608
                rotated += 1
        self.stdout.write(
            self.style.SUCCESS(f"Re-encrypted {rotated} connection(s) with the newest key.")
        )
