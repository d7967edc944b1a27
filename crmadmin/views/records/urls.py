from django.urls import path
from django.views.generic import TemplateView

app_name = "records"
urlpatterns = [
    path("", TemplateView.as_view(template_name="crmadmin/home.html"), name="modules"),
]
