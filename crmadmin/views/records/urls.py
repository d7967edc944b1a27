from django.urls import path

from crmadmin.views.records import browse, edit, history

app_name = "records"
record = "<int:connection_id>/<str:module>/<str:record_id>/"
urlpatterns = [
    path("", browse.module_list, name="modules"),
    path("<int:connection_id>/<str:module>/", browse.record_list, name="list"),
    path("<int:connection_id>/<str:module>/lookup/", browse.lookup_search, name="lookup"),
    path("<int:connection_id>/<str:module>/refresh/", browse.metadata_refresh, name="refresh"),
    path(record, edit.record_edit, name="edit"),
    path(record + "field/<str:api_name>/", edit.field_check, name="field"),
    path(record + "history/", history.record_history, name="history"),
]
