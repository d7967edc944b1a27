"""Being built: see the records issue."""

from django.http import HttpResponse


def module_list(request, **kwargs):
    return HttpResponse("Records: being built.")


record_list = lookup_search = metadata_refresh = module_list
