"""Create or update a connection from a Zoho self-client grant code (servers without a browser).

    ZOHO_CLIENT_SECRET=... manage.py connect_selfclient --name "Acme" --data-centre eu \\
        --client-id 1000.XXXX --code 1000.grant... [--scopes ZohoCRM.modules.ALL,...]

The client secret never goes on the command line: it is read from the environment variable named
by --client-secret-env (default ZOHO_CLIENT_SECRET) or prompted for without echo.
"""

from __future__ import annotations

import os
from getpass import getpass

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crmadmin.forms.connections import ConnectionForm
from crmadmin.models import Connection
from crmadmin.services.connections import error_text, profile_fill_or_note, tokens_exchange
from crmadmin.zoho import DEFAULT_SCOPES
from updater.errors import ZohoError


class Command(BaseCommand):
    help = "Create or update a Zoho connection from a self-client grant code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--data-centre", default="us", choices=[c.value for c in Connection.DataCentre]
        )
        parser.add_argument(
            "--environment", default="production", choices=[e.value for e in Connection.Environment]
        )
        parser.add_argument("--accounts-server", default="", help="Custom host only.")
        parser.add_argument("--api-domain", default="", help="Custom host only.")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret-env", default="ZOHO_CLIENT_SECRET")
        parser.add_argument("--code", required=True, help="The self-client grant code.")
        parser.add_argument("--scopes", default=",".join(DEFAULT_SCOPES))

    def handle(self, *args: object, **options: str) -> None:
        connection = Connection.objects.filter(name=options["name"]).first() or Connection()
        form = ConnectionForm(data=self._form_data(options), instance=connection)
        if not form.is_valid():
            problems = "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items())
            raise CommandError(f"The connection settings are not valid: {problems}")
        connection = form.save()
        try:
            tokens_exchange(connection, code=options["code"], redirect_uri="")
        except ZohoError as error:
            raise CommandError(f"Zoho refused the grant code. {error_text(error)}") from error
        if note := profile_fill_or_note(connection):
            self.stderr.write(note)
        self.stdout.write(
            self.style.SUCCESS(
                f"Connected “{connection.name}” (id {connection.pk}) to "
                f"{connection.org_name or 'the Zoho org'} as "
                f"{connection.zoho_user_email or 'the granting user'}."
            )
        )

    def _form_data(self, options: dict[str, str]) -> dict[str, str]:
        secret = os.environ.get(options["client_secret_env"], "")
        if not secret:
            secret = getpass(f"Client secret ({options['client_secret_env']} is not set): ")
        return {
            "name": options["name"],
            "data_centre": options["data_centre"],
            "environment": options["environment"],
            "accounts_server": options["accounts_server"],
            "api_domain": options["api_domain"],
            "client_id": options["client_id"],
            "client_secret": secret,
            "scopes": options["scopes"],
        }
