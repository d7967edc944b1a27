"""Being built: see the records issue."""

from crmadmin.views.records.browse import module_list as record_edit

field_check = record_edit
