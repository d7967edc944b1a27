from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crmadmin.views import connections, links
from crmadmin.views.home import home

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
]

link_urls = [
    path("", links.link_page, name="link"),
    path("bulk/", links.bulk_page, name="bulk"),
    path("bulk/failures.csv", links.bulk_report, name="bulk_report"),
    path("<int:connection_id>/<str:module>/<str:record_id>/", links.related_panel, name="related"),
    path(
        "<int:connection_id>/Contacts/<str:record_id>/unlink/<str:deal_id>/",
        links.related_unlink,
        name="unlink",
    ),
]

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("connections/", include((connection_urls, "connections"))),
    path("records/", include("crmadmin.views.records.urls")),
    path("links/", include((link_urls, "links"))),
    path("jobs/", include(("crmadmin.views.jobs", "jobs"))),
    path("admin/", admin.site.urls),
]
