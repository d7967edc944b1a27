from django.urls import path

from crmadmin.views.connections import oauth, pages

app_name = "connections"
urlpatterns = [
    path("", pages.connection_list, name="list"),
    path("add/", pages.connection_add, name="add"),
    path("callback/", oauth.oauth_callback, name="callback"),
    path("<int:connection_id>/", pages.connection_detail, name="detail"),
    path("<int:connection_id>/edit/", pages.connection_edit, name="edit"),
    path("<int:connection_id>/delete/", pages.connection_delete, name="delete"),
    path("<int:connection_id>/connect/", oauth.connection_connect, name="connect"),
    path("<int:connection_id>/test/", oauth.connection_test_view, name="test"),
    path("<int:connection_id>/revoke/", oauth.connection_revoke, name="revoke"),
]
