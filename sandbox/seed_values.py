"""Realistic-looking, deterministic values for each data type (used by the seeder)."""

from __future__ import annotations

import random
from typing import Any

from sandbox.clock import to_iso
from sandbox.metadata import org

FIRST = [
    "Aarav",
    "Amelia",
    "Benjamin",
    "Chloe",
    "Diego",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Isaac",
    "Julia",
    "Kenji",
    "Layla",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quentin",
    "Rosa",
    "Stefan",
    "Tara",
    "Umar",
    "Vera",
    "William",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Anderson",
    "Bose",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Iyer",
    "Johansson",
    "Kowalski",
    "Lopez",
    "Martin",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ulrich",
    "Varga",
    "Williams",
    "Xu",
    "Young",
    "Zhang",
]
COMPANY_A = [
    "Acme",
    "Blue Harbor",
    "Crescent",
    "Delta Ridge",
    "Evergreen",
    "Falcon",
    "Granite",
    "Helix",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lumen",
    "Meridian",
    "Northwind",
    "Orion",
    "Pinnacle",
    "Quartz",
    "Redwood",
    "Summit",
    "Trident",
    "Zylker",
]
COMPANY_B = [
    "Analytics",
    "Bank",
    "Consulting",
    "Dynamics",
    "Foods",
    "Health",
    "Industries",
    "Labs",
    "Logistics",
    "Media",
    "Motors",
    "Partners",
    "Retail",
    "Systems",
    "Ventures",
]
CITIES = [
    "Austin",
    "Bengaluru",
    "Berlin",
    "Chennai",
    "Chicago",
    "Dublin",
    "Lisbon",
    "London",
    "Melbourne",
    "Mumbai",
    "Paris",
    "Seattle",
    "Singapore",
    "Tokyo",
    "Toronto",
]
STREETS = ["Main St", "Oak Avenue", "Park Road", "Lake View", "Hill Street", "Station Road"]
WORDS = [
    "quarterly",
    "renewal",
    "pilot",
    "expansion",
    "upgrade",
    "priority",
    "follow-up",
    "onboarding",
    "evaluation",
    "integration",
    "budget",
    "review",
]
TS_START = 1_672_531_200  # 2023-01-01
TS_SPAN = 78_000_000  # about 2.5 years


class Values:
    def __init__(self, rng: random.Random, next_id: Any) -> None:
        self.rng = rng
        self.next_id = next_id

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST), self.rng.choice(LAST)

    def company(self) -> str:
        return f"{self.rng.choice(COMPANY_A)} {self.rng.choice(COMPANY_B)}"

    def phone(self) -> str:
        return (
            f"+1 {self.rng.randint(201, 989)}-{self.rng.randint(200, 999)}-"
            f"{self.rng.randint(1000, 9999)}"
        )

    def sentence(self, words: int = 8) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(words)).capitalize() + "."

    def timestamp(self) -> int:
        return TS_START + self.rng.randrange(TS_SPAN)

    def date(self) -> str:
        return to_iso(self.timestamp())[:10]

    def user(self) -> dict[str, Any]:
        return org.user_ref(self.rng.choice(org.active_users()[:3]))

    def file_rows(self, image: bool) -> list[dict[str, Any]]:
        rows = []
        for n in range(self.rng.randint(0, 2)):
            row_id = self.next_id()
            row = {
                "File_Id__s": f"f{row_id[-8:]}",
                "File_Name__s": f"file-{n + 1}.png" if image else f"document-{n + 1}.pdf",
                "Size__s": str(self.rng.randint(10_000, 900_000)),
                "id": row_id,
            }
            if image:
                row.update(
                    {
                        "Preview_Id__s": f"p{row_id[-8:]}",
                        "Description__s": None,
                        "State__s": "active",
                        "Sequence_Number__s": n + 1,
                    }
                )
            rows.append(row)
        return rows

    def generic(self, field: dict[str, Any], refs: dict[str, list[dict[str, Any]]]) -> Any:  # noqa: C901
        """A value for any field the seeder has no specific rule for."""
        data_type, rng = field["data_type"], self.rng
        if data_type == "text":
            return self.sentence(3)[: min(field["length"], 60)]
        if data_type == "textarea":
            text = self.sentence(rng.randint(6, 20))
            if field.get("textarea", {}).get("type") == "rich_text":
                return f"<p><b>{text}</b></p><p>{self.sentence(30)}</p>"
            return text
        if data_type == "email":
            first, last = self.person()
            return f"{first}.{last}{rng.randint(1, 999)}@example.com".lower()
        if data_type == "phone":
            return self.phone()
        if data_type == "website":
            return f"https://www.{self.company().split()[0].lower()}.example"
        if data_type in {"picklist", "multiselectpicklist"}:
            values = [
                v["actual_value"]
                for v in field["pick_list_values"]
                if v["actual_value"] != "-None-"
            ]
            if data_type == "picklist":
                return rng.choice(values)
            return sorted(rng.sample(values, rng.randint(0, min(3, len(values)))))
        if data_type == "integer":
            return rng.randint(0, 5000)
        if data_type == "bigint":
            return str(rng.randrange(10**11, 10**13))
        if data_type in {"double", "decimal"}:
            return round(rng.uniform(0, 1000), 2)
        if data_type == "currency":
            return round(rng.uniform(500, 250_000), 2)
        if data_type == "percent":
            return float(rng.choice([0, 5, 10, 12.5, 20, 25, 50]))
        if data_type == "boolean":
            return rng.random() < 0.5
        if data_type == "date":
            return self.date()
        if data_type == "datetime":
            return to_iso(self.timestamp())
        if data_type == "userlookup":
            return self.user()
        if data_type == "lookup":
            pool = refs.get(field["lookup"]["module"]["api_name"]) or []
            return rng.choice(pool) if pool else None
        if data_type in {"imageupload", "fileupload"}:
            return self.file_rows(data_type == "imageupload")
        return None
