from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crmadmin.views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("connections/", include("crmadmin.views.connections.urls")),
    path("records/", include("crmadmin.views.records.urls")),
    path("links/", include("crmadmin.views.links.urls")),
    path("jobs/", include(("crmadmin.views.jobs", "jobs"))),
    path("admin/", admin.site.urls),
]
