from django.apps import AppConfig


class CrmadminConfig(AppConfig):
    name = "crmadmin"
    verbose_name = "CRM admin"
