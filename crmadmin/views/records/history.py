"""Being built: see the records issue."""

from crmadmin.views.records.browse import module_list as record_history  # noqa: F401
