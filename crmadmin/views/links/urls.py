from django.urls import path

from crmadmin.views.links import bulk, link, related

app_name = "links"
urlpatterns = [
    path("", link.link_page, name="link"),
    path("bulk/", bulk.bulk_page, name="bulk"),
    path("bulk/failures.csv", bulk.bulk_report, name="bulk_report"),
    path(
        "<int:connection_id>/<str:module>/<str:record_id>/",
        related.related_panel,
        name="related",
    ),
    path(
        "<int:connection_id>/Contacts/<str:record_id>/unlink/<str:deal_id>/",
        related.related_unlink,
        name="unlink",
    ),
]
