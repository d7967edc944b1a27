from django.urls import path
from django.views.generic import TemplateView

app_name = "links"
urlpatterns = [
    path("", TemplateView.as_view(template_name="crmadmin/home.html"), name="link"),
]
