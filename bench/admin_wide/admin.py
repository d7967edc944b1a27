from django.contrib import admin

from bench.admin_wide.models import Account, WideRecord

admin.site.register(Account)
admin.site.register(WideRecord)
