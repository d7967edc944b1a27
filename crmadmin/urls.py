from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crmadmin.views import connections, jobs, links
from crmadmin.views.home import home
from crmadmin.views.records import browse, create, edit, history

# One list of routes per part of the app, all here: the URL names are "<namespace>:<name>".
record = "<int:connection_id>/<str:module>/<str:record_id>/"
record_urls = [
    path("", browse.module_list, name="modules"),
    path("<int:connection_id>/<str:module>/", browse.record_list, name="list"),
    path("<int:connection_id>/<str:module>/lookup/", browse.lookup_search, name="lookup"),
    path("<int:connection_id>/<str:module>/refresh/", browse.metadata_refresh, name="refresh"),
    # Before the record routes: "new" is no record id.
    path("<int:connection_id>/<str:module>/new/", create.record_new, name="new"),
    path(record, edit.record_edit, name="edit"),
    path(record + "clone/", create.record_new, name="clone"),
    path(record + "delete/", create.record_delete_confirm, name="delete"),
    path(record + "field/<str:api_name>/", edit.field_check, name="field"),
    path(record + "history/", history.record_history, name="history"),
    path(record + "file/<str:file_id>/", edit.record_file, name="file"),
]

connection_urls = [
    path("", connections.connection_list, name="list"),
    path("add/", connections.connection_add, name="add"),
    path("callback/", connections.oauth_callback, name="callback"),
    path("<int:connection_id>/", connections.connection_detail, name="detail"),
    path("<int:connection_id>/edit/", connections.connection_edit, name="edit"),
    path("<int:connection_id>/delete/", connections.connection_delete, name="delete"),
    path("<int:connection_id>/connect/", connections.connection_connect, name="connect"),
    path("<int:connection_id>/test/", connections.connection_test_view, name="test"),
    path("<int:connection_id>/revoke/", connections.connection_revoke, name="revoke"),
    path("<int:connection_id>/access/", connections.connection_access, name="access"),
    path(
        "<int:connection_id>/access/<int:grant_id>/remove/",
        connections.connection_access_remove,
        name="access_remove",
    ),
]

link_urls = [
    path("", links.link_page, name="link"),
    path("bulk/", links.bulk_page, name="bulk"),
    path("<int:connection_id>/<str:module>/<str:record_id>/", links.related_panel, name="related"),
    path(
        "<int:connection_id>/Contacts/<str:record_id>/unlink/<str:deal_id>/",
        links.related_unlink,
        name="unlink",
    ),
]

job_urls = [
    path("", jobs.job_list, name="list"),
    path("new/<int:connection_id>/<str:module>/", jobs.bulk_new, name="new"),
    path("upload/<int:connection_id>/<str:module>/", jobs.bulk_upload, name="upload"),
    path("uploads/<int:upload_id>/", jobs.bulk_upload_map, name="upload_map"),
    path("<int:job_id>/", jobs.job_detail, name="detail"),
    path("<int:job_id>/start/", jobs.job_start, name="start"),
    path("<int:job_id>/cancel/", jobs.job_cancel, name="cancel"),
    path("<int:job_id>/retry/", jobs.job_retry, name="retry"),
    path("<int:job_id>/resume/", jobs.job_resume, name="resume"),
    path("<int:job_id>/results.csv", jobs.job_results, name="results"),
]

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("connections/", include((connection_urls, "connections"))),
    path("records/", include((record_urls, "records"))),
    path("links/", include((link_urls, "links"))),
    path("jobs/", include((job_urls, "jobs"))),
    path("admin/", admin.site.urls),
]
