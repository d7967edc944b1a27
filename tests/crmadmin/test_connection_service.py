"""crmadmin.services.connections: which scopes a connection lacks."""

from __future__ import annotations

import pytest

from crmadmin.models import Connection
from crmadmin.services.connections import missing_scopes, scope_covers


@pytest.fixture
def connection(db):
    return Connection.objects.create(
        name="Test org",
        client_id="1000.CLIENT",
        client_secret="client-secret-value",
        scopes="ZohoCRM.modules.ALL,ZohoCRM.org.READ",
    )


@pytest.mark.parametrize(
    ("granted", "needed", "covered"),
    [
        (["ZohoCRM.settings.ALL"], "ZohoCRM.settings.fields.READ", True),
        (["ZohoCRM.modules.ALL"], "ZohoCRM.modules.ALL", True),
        (["ZohoCRM.modules.READ"], "ZohoCRM.modules.ALL", False),
        (["ZohoCRM.org.READ"], "ZohoCRM.users.READ", False),
    ],
)
def test_scope_covers_reads_broader_all_scopes(granted, needed, covered):
    assert scope_covers(granted, needed) is covered


def test_missing_scopes_lists_needed_scopes_not_granted(connection):
    connection.granted_scopes = "ZohoCRM.modules.ALL"

    assert missing_scopes(connection) == ["ZohoCRM.org.READ"]
