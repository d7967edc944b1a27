"""Metadata endpoints: modules, fields, layouts, related lists, contact roles, users, org."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from sandbox.clock import parse_iso
from sandbox.crm.context import Ctx
from sandbox.http import ApiError, json_response, no_content
from sandbox.metadata import org
from sandbox.metadata.fields import ADMIN
from sandbox.metadata.layouts import layouts_for, related_lists_meta
from sandbox.metadata.modules import Module, get_module, registry

METADATA_TIME = "2024-01-02T10:00:00+05:30"


def module_json(module: Module) -> dict[str, Any]:
    spec = module.spec
    return {
        "api_name": spec.api_name,
        "module_name": spec.module_name,
        "singular_label": spec.singular,
        "plural_label": spec.plural,
        "actual_singular_label": spec.singular,
        "actual_plural_label": spec.plural,
        "id": module.id,
        "api_supported": spec.api_supported,
        "editable": True,
        "creatable": spec.api_supported,
        "deletable": spec.api_supported,
        "viewable": True,
        "convertable": spec.api_name == "Leads",
        "quick_create": True,
        "show_as_tab": spec.generated_type in {"default", "custom"},
        "sub_menu_available": False,
        "presence_sub_menu": False,
        "generated_type": spec.generated_type,
        "status": "visible",
        "visibility": 1,
        "access_type": "org_based",
        "profiles": [{"name": "Administrator", "id": org.PROFILES["Administrator"]}],
        "profile_count": 1,
        "has_more_profiles": False,
        "modified_time": METADATA_TIME,
        "modified_by": ADMIN,
        "description": None,
        "recycle_bin_on_delete": True,
        "business_card_field_limit": 5,
        "parent_module": {},
        "arguments": [],
        "web_link": None,
        "feeds_required": False,
        "private_profile": None,
        "sequence_number": spec.no,
        "display_field": {"api_name": spec.display_field},
        "per_page": 10,
        "filter_supported": True,
        "webform_supported": False,
        # The rest of the keys of OAS8 modules.json's module, with the values a fresh org sends.
        "visible": True,
        "common.search_supported": spec.api_supported,
        "inventory_template_supported": False,
        "triggers_supported": spec.api_supported,
        "chart_view": False,
        "chart_view_supported": spec.api_supported,
        "isBlueprintSupported": spec.api_supported,
        "emailTemplate_support": spec.api_name in {"Leads", "Contacts", "Accounts", "Deals"},
        "email_parser_supported": spec.api_name in {"Leads", "Contacts"},
        "scoring_supported": spec.api_name in {"Leads", "Contacts", "Accounts", "Deals"},
        "track_current_data": False,
        "activity_badge": "Enabled" if spec.api_supported else "Disabled",
        "$field_states": [],
        "business_card_fields": [],
        "$properties": ["$approval_state", "$editable", "$review_process"],
        "$on_demand_properties": ["$client_portal_permission"],
        "search_layout_fields": [spec.display_field],
        "kanban_view_supported": spec.api_supported,
        "kanban_view": False,
        "filter_status": True,
        "zia_view": False,
    }


def module_detail_json(module: Module) -> dict[str, Any]:
    """GET /settings/modules/{api_name}: the module with its fields, layouts and related lists."""
    display = module.by_name.get(module.spec.display_field) or module.fields[0]
    return module_json(module) | {
        "fields": module.fields,
        "layouts": layouts_for(module.api_name),
        "related_lists": related_lists_meta(module.api_name),
        "related_list_properties": {
            "sort_by": None,
            "fields": [display["api_name"]],
            "sort_order": None,
        },
        "lookup_field_properties": {
            "fields": [{"sequence_number": 1, "api_name": display["api_name"], "id": display["id"]}]
        },
        "layout_associations": [
            {"api_name": lay["api_name"], "name": lay["name"], "id": lay["id"]}
            for lay in layouts_for(module.api_name)
        ],
    }


# The details of a missing or unknown `module` parameter differ per endpoint (OAS8: fields.json
# MandatoryParamError / InvalidParamError, layouts.json and related_lists.json their own).
MODULE_PARAM_DETAILS = {
    "fields": ({"param_name": "module"}, {"api_name": "module"}),
    "layouts": ({"param": "module"}, {"param": "module"}),
    "related_lists": ({"param_name": "module", "param": "module"}, {"param": "module"}),
}


def _module_param(ctx: Ctx, endpoint: str) -> Module:
    missing, unknown = MODULE_PARAM_DETAILS[endpoint]
    name = ctx.request.args.get("module")
    if not name:
        raise ApiError("REQUIRED_PARAM_MISSING", dict(missing))
    module = get_module(name)
    if module is None:
        raise ApiError("INVALID_MODULE", dict(unknown))
    return module


def modules(ctx: Ctx, api_name: str | None = None) -> Response:
    ctx.require_settings("modules")
    if api_name is not None:
        module = get_module(api_name)
        if module is None:
            raise ApiError("INVALID_MODULE", {"resource_path_index": 2})
        return json_response({"modules": [module_detail_json(module)]})
    since = parse_iso(ctx.request.headers.get("If-Modified-Since", ""))
    # Metadata is fixed at startup, so any If-Modified-Since after it is "not modified".
    if since is not None and since >= (parse_iso(METADATA_TIME) or 0):
        return Response(status=304)
    return json_response({"modules": [module_json(m) for m in registry().values()]})


def fields(ctx: Ctx, field_id: str | None = None) -> Response:
    ctx.require_settings("fields")
    module = _module_param(ctx, "fields")
    found = module.fields
    if field_id is not None:
        found = [f for f in module.fields if f["id"] == field_id]
        if not found:
            return no_content()
    if ctx.request.args.get("type") == "unused":
        return no_content()
    return json_response({"fields": found})


def layouts(ctx: Ctx, lay_id: str | None = None) -> Response:
    ctx.require_settings("layouts")
    module = _module_param(ctx, "layouts")
    found = layouts_for(module.api_name)
    if lay_id is not None:
        found = [lay for lay in found if lay["id"] == lay_id]
        if not found:
            return no_content()
    return json_response({"layouts": found})


def related_lists(ctx: Ctx) -> Response:
    ctx.require_settings("related_lists")
    module = _module_param(ctx, "related_lists")
    return json_response({"related_lists": related_lists_meta(module.api_name)})


def contact_roles(ctx: Ctx, role_id: str | None = None) -> Response:
    ctx.require(
        "ZohoCRM.settings.ALL",
        "ZohoCRM.settings.contact_roles.READ",
        "ZohoCRM.settings.contact_roles.ALL",
        "ZohoCRM.modules.ALL",
        "ZohoCRM.modules.contacts.ALL",
        "ZohoCRM.modules.contacts.READ",
    )
    roles = org.CONTACT_ROLES
    if role_id is not None:
        roles = [r for r in roles if r["id"] == role_id]
        if not roles:
            raise ApiError(
                "INVALID_DATA", {"resource_path_index": 2}, "the id given seems to be invalid"
            )
    return json_response({"contact_roles": roles})


def users(ctx: Ctx, user_id: str | None = None) -> Response:
    ctx.require("ZohoCRM.users.ALL", "ZohoCRM.users.READ")
    kind = ctx.request.args.get("type", "AllUsers")
    chosen = org.USERS
    if user_id is not None:
        chosen = [u for u in org.USERS if u["id"] == user_id]
    elif kind == "ActiveUsers":
        chosen = org.active_users()
    elif kind == "AdminUsers":
        chosen = [u for u in org.USERS if u["profile"] == "Administrator"]
    elif kind == "CurrentUser":
        chosen = [ctx.user]
    elif kind == "DeactiveUsers":
        chosen = [u for u in org.USERS if u["status"] != "active"]
    if not chosen:
        return no_content()
    return json_response(
        {
            "users": [org.user_json(u) for u in chosen],
            "info": {"per_page": 200, "count": len(chosen), "page": 1, "more_records": False},
        }
    )


def organization(ctx: Ctx) -> Response:
    ctx.require("ZohoCRM.org.ALL", "ZohoCRM.org.READ")
    return json_response({"org": [org.org_json(ctx.settings.base_url)]})
