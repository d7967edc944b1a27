"""Users, profiles, contact roles and the organization record."""

from __future__ import annotations

from typing import Any

from sandbox.clock import ORG_TIME_ZONE
from sandbox.store import ID_BASE

ORG_ID = "60012345678"

PROFILES = {
    "Administrator": str(ID_BASE + 9001),
    "Standard": str(ID_BASE + 9002),
    "Read Only": str(ID_BASE + 9003),
}
ROLES = {
    "CEO": str(ID_BASE + 8001),
    "Manager": str(ID_BASE + 8002),
    "Sales Rep": str(ID_BASE + 8003),
}

# `edit`: "all", "none" (the read-only user: 403 NO_PERMISSION on every write), or "all_but"
# with modules the user may not update (400 AUTHORIZATION_FAILED, zoho-update-records).
USERS: list[dict[str, Any]] = [
    {
        "id": str(ID_BASE + 235011),
        "first_name": "Patricia",
        "last_name": "Boyle",
        "email": "patricia.boyle@sandbox.test",
        "profile": "Administrator",
        "role": "CEO",
        "status": "active",
        "edit": "all",
        "denied": [],
    },
    {
        "id": str(ID_BASE + 235017),
        "first_name": "Morgan",
        "last_name": "Lee",
        "email": "morgan.lee@sandbox.test",
        "profile": "Administrator",
        "role": "Manager",
        "status": "active",
        "edit": "all",
        "denied": [],
    },
    {
        "id": str(ID_BASE + 235023),
        "first_name": "Sam",
        "last_name": "Rivera",
        "email": "sam.rivera@sandbox.test",
        "profile": "Standard",
        "role": "Sales Rep",
        "status": "active",
        "edit": "all_but",
        "denied": ["Products"],
    },
    {
        "id": str(ID_BASE + 235029),
        "first_name": "Riley",
        "last_name": "Reader",
        "email": "riley.reader@sandbox.test",
        "profile": "Read Only",
        "role": "Sales Rep",
        "status": "active",
        "edit": "none",
        "denied": [],
    },
    {
        "id": str(ID_BASE + 235035),
        "first_name": "Ivan",
        "last_name": "Former",
        "email": "ivan.former@sandbox.test",
        "profile": "Standard",
        "role": "Sales Rep",
        "status": "disabled",
        "edit": "none",
        "denied": [],
    },
]
ADMIN_EMAIL = USERS[0]["email"]
READ_ONLY_EMAIL = USERS[3]["email"]
STANDARD_EMAIL = USERS[2]["email"]

CONTACT_ROLES = [
    {"id": str(ID_BASE + 26002), "name": "Purchasing", "sequence_number": 1},
    {"id": str(ID_BASE + 26005), "name": "Decision Maker", "sequence_number": 2},
    {"id": str(ID_BASE + 26008), "name": "Evaluator", "sequence_number": 3},
    {"id": str(ID_BASE + 26011), "name": "Executive Sponsor", "sequence_number": 4},
    {"id": str(ID_BASE + 26014), "name": "Technical Buyer", "sequence_number": 5},
]


def full_name(user: dict[str, Any]) -> str:
    return f"{user['first_name']} {user['last_name']}"


def user_by_id(user_id: str) -> dict[str, Any] | None:
    return next((u for u in USERS if u["id"] == user_id), None)


def user_by_email(email: str) -> dict[str, Any] | None:
    return next((u for u in USERS if u["email"].lower() == email.lower()), None)


def user_ref(user: dict[str, Any], *, with_email: bool = False) -> dict[str, Any]:
    ref = {"name": full_name(user), "id": user["id"]}
    if with_email:
        ref["email"] = user["email"]
    return ref


def active_users() -> list[dict[str, Any]]:
    return [u for u in USERS if u["status"] == "active"]


def user_json(user: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": user["id"],
        "first_name": user["first_name"],
        "last_name": user["last_name"],
        "full_name": full_name(user),
        "email": user["email"],
        "status": user["status"],
        "role": {"name": user["role"], "id": ROLES[user["role"]]},
        "profile": {"name": user["profile"], "id": PROFILES[user["profile"]]},
        "time_zone": ORG_TIME_ZONE,
        "locale": "en_US",
        "country": "IN",
        "language": "en_US",
        "confirm": True,
        "zuid": str(int(user["id"]) % 10**9),
        "isonline": False,
        "date_format": "MMM d, yyyy",
        "time_format": "hh:mm a",
        "Isonline": False,
        "Modified_By": {
            "name": full_name(USERS[0]),
            "id": USERS[0]["id"],
            "first_name": USERS[0]["first_name"],
            "last_name": USERS[0]["last_name"],
        },
        "Modified_Time": "2024-01-02T10:00:00+05:30",
        "created_time": "2024-01-02T10:00:00+05:30",
    }


def org_json(base_url: str) -> dict[str, Any]:
    return {
        "id": str(ID_BASE + 1),
        "company_name": "Zylker Sandbox Ltd",
        "alias": "zylker",
        "primary_email": ADMIN_EMAIL,
        "time_zone": ORG_TIME_ZONE,
        "iso_code": "INR",
        "currency_symbol": "₹",
        "currency": "Indian Rupee - INR",
        "country_code": "IN",
        "country": "India",
        "zgid": ORG_ID,
        "domain_name": "org" + ORG_ID,
        "type": "Production",
        "mc_status": False,
        "gapps_enabled": False,
        "currency_locale": "en_IN",
        "phone": "+91 44 6744 7000",
        "website": base_url,
        "employee_count": "50",
        "description": None,
        "photo_id": None,
        "street": "Estancia IT Park, Vallancheri",
        "city": "Chennai",
        "state": "Tamil Nadu",
        "zip": "603202",
        "fax": None,
        "mobile": None,
        "primary_zuid": str(int(USERS[0]["id"]) % 10**9),
        "zia_portal_id": None,
        "translation_enabled": False,
        "deletable_org_account": False,
        "hierarchy_preferences": {"type": "Role_Hierarchy", "strictly_reporting": False},
        "privacy_settings": False,
        "hipaa_compliance_enabled": False,
        "lite_users_enabled": False,
        "max_per_page": 200,
        "ezgid": "a1b2c3d4e5f6" + ORG_ID,
        "call_icon": "enabled",
        "oauth_presence": True,
        "zia_zgid": 0,
        "checkin_preferences": {"restricted_event_types": None},
        "created_time": "2024-01-02T10:00:00+05:30",
        "license_details": {
            "paid": True,
            "paid_type": "enterprise",
            "users_license_purchased": 10,
            "trial_type": None,
            "trial_expiry": None,
            "paid_expiry": "2027-01-02T00:00:00+05:30",
            "trial_action": "",
        },
    }
