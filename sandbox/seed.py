"""Deterministic demo data: the same rng_seed always yields the same org, ids and values."""

from __future__ import annotations

import itertools
import json
import os
import random
from typing import Any

from sandbox.clock import to_iso
from sandbox.metadata import org
from sandbox.metadata.layouts import layout_id
from sandbox.metadata.modules import registry
from sandbox.seed_values import CITIES, STREETS, Values
from sandbox.settings import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandbox.store import ID_BASE, Store

# Share of `records` per module; generation order matters (lookups point at earlier modules).
SHARES = [
    ("Accounts", 0.08),
    ("Products", 0.02),
    ("Listings", 0.03),
    ("Contacts", 0.30),
    ("Leads", 0.24),
    ("Deals", 0.20),
    ("Calls", 0.08),
    ("Events", 0.05),
]
WIDE_RECORDS = 20
SKIP_GENERIC = {
    "Owner",
    "Created_By",
    "Modified_By",
    "Created_Time",
    "Modified_Time",
    "Tag",
    "Full_Name",
}


def _ref(record: dict[str, Any], display: str) -> dict[str, Any]:
    return {"name": record.get(display) or record.get("Full_Name"), "id": record["id"]}


class Seeder:
    def __init__(self, rng_seed: int) -> None:
        self.rng = random.Random(rng_seed)
        self.ids = itertools.count(10_000_001, 3)
        self.values = Values(self.rng, self.next_id)
        self.refs: dict[str, list[dict[str, Any]]] = {}
        self.rows: list[tuple[int, str, int, int, str]] = []
        self.links: list[tuple[int, int, str]] = []
        self.special: dict[str, dict[str, str]] = {}

    def next_id(self) -> str:
        return str(ID_BASE + next(self.ids))

    def record(self, module_api: str, index: int) -> dict[str, Any]:
        module = registry()[module_api]
        rec: dict[str, Any] = {"id": self.next_id()}
        for field in module.fields:
            api = field["api_name"]
            if api in SKIP_GENERIC or field["data_type"] in {
                "formula",
                "rollup_summary",
                "autonumber",
                "subform",
                "multiselectlookup",
                "multiuserlookup",
            }:
                continue
            # Sparse optional data, like a real CRM: about one optional value in six is empty.
            empty = not field["system_mandatory"] and self.rng.random() < 0.15
            rec[api] = None if empty else self.values.generic(field, self.refs)
        created = self.values.timestamp()
        modified = created + self.rng.randrange(0, 30_000_000)
        owner = self.values.user()
        rec.update(
            {
                "Owner": {**owner, "email": org.user_by_id(owner["id"])["email"]},
                "Created_By": owner,
                "Modified_By": self.values.user(),
                "Created_Time": to_iso(created),
                "Modified_Time": to_iso(modified),
                "Tag": [],
                "Layout": {"name": "Standard", "id": layout_id(module_api)},
                "$approval_state": "approved",
                "$editable": True,
                "Locked__s": False,
                "Record_Status__s": "Available",
            }
        )
        for field in module.fields:
            if field["data_type"] == "autonumber":
                rec[field["api_name"]] = f"{field['auto_number']['prefix']}{index + 1:05d}"
        getattr(self, f"fill_{module_api.lower()}", lambda r, i: None)(rec, index)
        self.rows.append((int(rec["id"]), module_api, created, modified, json.dumps(rec)))
        display = module.spec.display_field
        self.refs.setdefault(module_api, []).append(_ref(rec, display))
        return rec

    def fill_accounts(self, rec: dict[str, Any], index: int) -> None:
        rec["Account_Name"] = f"{self.values.company()} {index + 1}"

    def fill_products(self, rec: dict[str, Any], index: int) -> None:
        rec["Product_Name"] = (
            f"{self.rng.choice(['Cloud', 'Edge', 'Core', 'Pro'])} "
            f"{self.rng.choice(['Suite', 'Sensor', 'License', 'Kit'])} {index}"
        )

    def fill_listings(self, rec: dict[str, Any], index: int) -> None:
        rec["City"] = self.rng.choice(CITIES)
        rec["Name"] = f"{self.rng.randint(1, 250)} {self.rng.choice(STREETS)}, {rec['City']}"

    def _person(self, rec: dict[str, Any], index: int, domain: str) -> None:
        first, last = self.values.person()
        rec.update(
            {
                "First_Name": first,
                "Last_Name": last,
                "Full_Name": f"{first} {last}",
                "Email": f"{first}.{last}.{index}@{domain}".lower(),
            }
        )

    def fill_leads(self, rec: dict[str, Any], index: int) -> None:
        self._person(rec, index, "leads.example")
        rec["Company"] = self.values.company()

    def fill_contacts(self, rec: dict[str, Any], index: int) -> None:
        self._person(rec, index, "contacts.example")
        rec["External_Contact_ID"] = f"extcontact{index + 1}"
        rec["Engagement_Score"] = round((rec.get("Loyalty_Points") or 0) * 1.5, 2)
        rec["Open_Deals_Amount"] = 0.0
        rec["Addresses"] = [
            {
                "id": self.next_id(),
                "Address_Type": "Work",
                "Street": self.rng.choice(STREETS),
                "City": self.rng.choice(CITIES),
                "Is_Primary": n == 0,
                "Since": self.values.date(),
            }
            for n in range(self.rng.randint(0, 2))
        ]
        listings = self.refs.get("Listings", [])
        rec["Favourite_Listings"] = [
            {"Favourite_Listing": ref, "id": self.next_id()}
            for ref in self.rng.sample(listings, min(2, len(listings)))
        ]
        rec["Team_Members"] = [{"Team_Member": self.values.user(), "id": self.next_id()}]
        self._flag("Contacts", rec, index)

    def fill_deals(self, rec: dict[str, Any], index: int) -> None:
        rec["Deal_Name"] = (
            f"{self.values.company()} - {self.rng.choice(['Renewal', 'Pilot', 'Expansion', 'New Logo'])}"  # noqa: E501
        )
        rec["External_Deal_ID"] = f"extdeal{index + 1}"
        rec["Pipeline"] = "Standard (Standard)"
        amount, probability = rec.get("Amount") or 0.0, rec.get("Probability") or 0.0
        rec["Expected_Revenue"] = round(amount * probability / 100, 2)
        rec["Line_Items"] = [
            {
                "id": self.next_id(),
                "Product": self.rng.choice(self.refs["Products"]),
                "Quantity": self.rng.randint(1, 20),
                "Unit_Price": round(self.rng.uniform(10, 900), 2),
                "Line_Note": None,
            }
            for _ in range(self.rng.randint(0, 3))
        ]
        rec["Line_Items_Total"] = round(sum(r["Unit_Price"] for r in rec["Line_Items"]), 2)
        rec["Listings"] = [
            {"Interested_Listings": self.rng.choice(self.refs["Listings"]), "id": self.next_id()}
        ]
        rec["AssociatedUser"] = [{"User": self.values.user(), "id": self.next_id()}]
        contact = rec.get("Contact_Name")
        if contact:
            role = self.rng.choice(org.CONTACT_ROLES)["id"]
            self.links.append((int(rec["id"]), int(contact["id"]), role))
        self._flag("Deals", rec, index)

    def fill_calls(self, rec: dict[str, Any], index: int) -> None:
        seconds = self.rng.randint(30, 3600)
        rec["Call_Duration"] = f"{seconds // 60:02d}:{seconds % 60:02d}"
        rec["Call_Duration_in_seconds"] = seconds

    def fill_events(self, rec: dict[str, Any], index: int) -> None:
        start = self.values.timestamp()
        rec.update(
            {
                "Start_DateTime": to_iso(start),
                "End_DateTime": to_iso(start + 3600),
                "Remind_At": {"ALARM": "ACTION=EMAIL;TRIGGER=-P1D;TRIGGER_TIME=09:00"},
                "Recurring_Activity": None,
            }
        )
        contacts = self.refs.get("Contacts", [])
        rec["Participants"] = [
            {
                "type": "contact",
                "participant": ref["id"],
                "name": ref["name"],
                "Email": None,
                "invited": False,
                "status": "not_known",
            }
            for ref in self.rng.sample(contacts, min(2, len(contacts)))
        ]

    def _flag(self, module: str, rec: dict[str, Any], index: int) -> None:
        """Records 3, 4, 5 of Contacts/Deals are locked, awaiting approval, and in a merge."""
        if index == 3:
            rec["Locked__s"], rec["$locked_for_me"] = True, True
            self.special.setdefault("locked", {})[module] = rec["id"]
        elif index == 4:
            rec["$approval_state"] = "approval_process_pending"
            self.special.setdefault("awaiting_approval", {})[module] = rec["id"]
        elif index == 5:
            rec["$in_merge"] = True
            self.special.setdefault("in_merge", {})[module] = rec["id"]
        elif index == 6 and module == "Deals":
            # On a layout that hides Pipeline, and without one: a Stage change is refused.
            rec["Layout"] = {"name": "Partner deals", "id": layout_id(module, 3)}
            rec["Pipeline"] = None
            self.special.setdefault("hidden_mandatory", {})[module] = rec["id"]

    def run(self, records: int) -> None:
        for module_api, share in SHARES:
            for index in range(max(6, round(records * share))):
                rec = self.record(module_api, index)
                if module_api == "Listings" and index == 1:
                    # A locked listing: linking it through a multi-select lookup is refused.
                    rec["Locked__s"] = True
                    self.rows[-1] = (*self.rows[-1][:4], json.dumps(rec))
                    self.special.setdefault("locked", {})["Listings"] = rec["id"]
        for index in range(WIDE_RECORDS):
            self.record("Wide_Module", index)


def _write(store: Store, seeder: Seeder) -> None:
    with store.write() as conn:
        conn.executemany(
            "INSERT INTO records (id, module, created_ts, modified_ts, data)"
            " VALUES (?, ?, ?, ?, ?)",
            seeder.rows,
        )
        conn.executemany(
            "INSERT OR REPLACE INTO contact_roles_links (deal_id, contact_id,"
            " role_id) VALUES (?, ?, ?)",
            seeder.links,
        )
        conn.executemany(
            "INSERT INTO files (id, name, content_type, size, content) VALUES (?, ?, ?, ?, ?)",
            [
                (file_id, name, content_type, len(content), content)
                for file_id, (name, content_type, content) in seeder.values.files.items()
            ],
        )
        conn.execute(
            "INSERT OR REPLACE INTO clients (client_id, secret, redirect_uris) VALUES (?, ?, '*')",
            (DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        )
        Store.kv_set(conn, "id_seq", str(next(seeder.ids)))
        Store.kv_set(conn, "special", json.dumps(seeder.special))
        Store.kv_set(conn, "seeded", "1")


def seed(*, db_path: str | os.PathLike[str], records: int = 5000, rng_seed: int = 42) -> None:
    """Fill an empty database with the demo org. Existing data is left alone (see `reset`)."""
    store = Store(db_path)
    try:
        if store.kv_get("seeded"):
            return
        seeder = Seeder(rng_seed)
        seeder.run(records)
        _write(store, seeder)
    finally:
        store.close()


def reset(*, db_path: str | os.PathLike[str], records: int = 5000, rng_seed: int = 42) -> None:
    """Drop all records and tokens, then seed again."""
    path = os.fspath(db_path)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    seed(db_path=path, records=records, rng_seed=rng_seed)
