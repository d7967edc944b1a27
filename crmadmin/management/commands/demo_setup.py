"""Prepare the demo: a staff login, an Editors group, and a live connection to the sandbox CRM.

The connection goes through the real code path: a self-client grant code minted by the sandbox's
own CLI (crmadmin never imports the sandbox), exchanged with updater.oauth.token_exchange_code,
then the org and user read back over HTTP. Idempotent: run it every time the demo starts.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crmadmin.forms.connections import ConnectionForm
from crmadmin.models import Connection, ConnectionGrant
from crmadmin.services.connections import (
    connection_test,
    error_text,
    profile_fill_or_note,
    tokens_exchange,
)
from crmadmin.zoho import DEFAULT_SCOPES
from updater.errors import ZohoError

CONNECTION_NAME = "Sandbox CRM"
# The sandbox's published demo client (sandbox/settings.py): fake credentials for local use only.
SANDBOX_CLIENT_ID = "1000.SANDBOXDEMOCLIENT"
SANDBOX_CLIENT_SECRET = "sandbox-demo-secret"  # noqa: S105
PASSWORD_FILE = settings.BASE_DIR / "var" / "demo-password"


class Command(BaseCommand):
    help = "Create the demo staff user and connect the sandbox CRM (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--redirect-uri", default="", help="This app's OAuth callback URL.")
        parser.add_argument("--sandbox-url", default=settings.SANDBOX_URL)
        parser.add_argument(
            "--sandbox-db", default=str(settings.BASE_DIR / "var" / "sandbox.sqlite3")
        )
        parser.add_argument("--wait-seconds", type=float, default=60.0)
        parser.add_argument("--password-file", default=str(PASSWORD_FILE))

    def handle(self, *args: object, **options: str) -> None:
        password = self._staff_user(Path(options["password_file"]))
        editors = self._editors_group()
        connection = self._sandbox_connection(options)
        ConnectionGrant.objects.get_or_create(connection=connection, group=editors)
        base = (options["redirect_uri"] or "http://127.0.0.1:8000/").split("/connections/")[0]
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Open {base.rstrip('/')}/   user: demo   password: {password}\n"
                f"  Connection “{connection.name}”: {connection.get_status_display()} "
                f"({connection.org_name or 'org unknown'})\n"
            )
        )

    def _staff_user(self, password_file: Path) -> str:
        """The demo login; its password is kept in var/demo-password so it survives restarts."""
        password_file.parent.mkdir(parents=True, exist_ok=True)
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(username="demo")
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        return password

    def _editors_group(self) -> Group:
        group, _ = Group.objects.get_or_create(name="Editors")
        group.permissions.add(Permission.objects.get(codename="use_connection"))
        return group

    def _sandbox_connection(self, options: dict[str, str]) -> Connection:
        url = options["sandbox_url"].rstrip("/")
        self._sandbox_wait(url, float(options["wait_seconds"]))
        connection = Connection.objects.filter(name=CONNECTION_NAME).first()
        if connection is not None and self._healthy(connection):
            return connection
        form = ConnectionForm(
            data={
                "name": CONNECTION_NAME,
                "data_centre": Connection.DataCentre.CUSTOM,
                "environment": Connection.Environment.SANDBOX,
                "accounts_server": url,
                "api_domain": url,
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "scopes": ",".join(DEFAULT_SCOPES),
            },
            instance=connection or Connection(),
        )
        if not form.is_valid():
            raise CommandError(f"Cannot set up the sandbox connection: {form.errors.as_text()}")
        connection = form.save()
        code = self._grant_mint(options["sandbox_db"], connection.scope_list)
        try:
            tokens_exchange(connection, code=code, redirect_uri="")
        except ZohoError as error:
            raise CommandError(
                f"The sandbox refused the grant code. {error_text(error)}"
            ) from error
        if note := profile_fill_or_note(connection):
            self.stderr.write(note)
        return connection

    def _healthy(self, connection: Connection) -> bool:
        if connection.status != Connection.Status.CONNECTED:
            return False
        try:
            connection_test(connection)
        except ZohoError:
            return False
        return True

    def _sandbox_wait(self, url: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                requests.get(f"{url}/", timeout=2)
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise CommandError(f"The sandbox CRM at {url} did not answer.") from None
                time.sleep(0.3)
            else:
                return

    def _grant_mint(self, db_path: str, scopes: list[str]) -> str:
        if not Path(db_path).exists():
            raise CommandError(f"No sandbox database at {db_path}; is the sandbox running?")
        command = [
            sys.executable,
            "-m",
            "sandbox",
            "mint-grant",
            "--db",
            db_path,
            "--client-id",
            SANDBOX_CLIENT_ID,
            "--scopes",
            ",".join(scopes),
        ]
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            command, capture_output=True, text=True, check=False, cwd=settings.BASE_DIR
        )
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        if result.returncode != 0 or not lines:
            raise CommandError(f"Could not mint a sandbox grant code: {result.stderr.strip()}")
        return lines[-1]
