"""Realistic-looking, deterministic values for each data type (used by the seeder)."""

from __future__ import annotations

import functools
import random
import struct
import zlib
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
# Calm two-tone pictures for image fields: a background and a head-and-shoulders silhouette.
PHOTO_COLOURS = [
    ((0xDC, 0xE8, 0xF2), (0x6B, 0x8C, 0xAE)),
    ((0xE4, 0xEF, 0xE4), (0x6E, 0x9A, 0x78)),
    ((0xF3, 0xE9, 0xDC), (0xB0, 0x84, 0x5C)),
    ((0xEC, 0xE4, 0xF1), (0x8A, 0x74, 0xA6)),
    ((0xF4, 0xE1, 0xE1), (0xB3, 0x6F, 0x6F)),
    ((0xE0, 0xEE, 0xEE), (0x5E, 0x94, 0x94)),
    ((0xF2, 0xF0, 0xDA), (0xA3, 0x9A, 0x55)),
    ((0xE6, 0xE6, 0xE6), (0x7A, 0x7A, 0x84)),
]
PHOTO_SIDE = 96
TS_START = 1_672_531_200  # 2023-01-01
TS_SPAN = 78_000_000  # about 2.5 years


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def photo_png(variant: int) -> bytes:
    """A PHOTO_SIDE-pixel square RGB PNG in PHOTO_COLOURS[variant] (made once per variant)."""
    background, figure = (bytes(c) for c in PHOTO_COLOURS[variant % len(PHOTO_COLOURS)])
    side = PHOTO_SIDE
    centre, head, shoulders = side / 2, side * 0.19, side * 0.36
    lines = []
    for y in range(side):
        line = bytearray(b"\0")  # filter type None
        for x in range(side):
            dx = x + 0.5 - centre
            in_head = dx * dx + (y + 0.5 - side * 0.38) ** 2 <= head * head
            in_body = y >= side * 0.62 and dx * dx + (y + 0.5 - side) ** 2 <= shoulders**2 * 1.6
            line += figure if in_head or in_body else background
        lines.append(bytes(line))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"".join(lines), 9))
        + _png_chunk(b"IEND", b"")
    )


@functools.cache
def document_pdf(title: str) -> bytes:
    """A one-page PDF showing ``title`` (plain words: no parentheses or backslashes), made once
    per title: its objects, the xref table of their byte offsets, the trailer."""
    stream = f"BT /F1 24 Tf 72 760 Td ({title}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


class Values:
    def __init__(self, rng: random.Random, next_id: Any) -> None:
        self.rng = rng
        self.next_id = next_id
        # The seeded file rows' files, for the Files API's store: id → (name, type, bytes).
        self.files: dict[str, tuple[str, str, bytes]] = {}

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
        """0-2 file rows whose files exist in the Files API's store (an image row's preview id
        too), so previews show and downloads work; sizes are the files' real sizes."""
        rows: list[dict[str, Any]] = []
        last_variant = -1
        for n in range(self.rng.randint(0, 2)):
            row_id = self.next_id()
            # One draw per row, the one that used to make up a size: every later seeded value
            # (names, dates, ids) stays as it was.
            pick = self.rng.randint(10_000, 900_000)
            if image:
                variant = pick % len(PHOTO_COLOURS)
                if variant == last_variant:  # two photos side by side differ
                    variant = (variant + 1) % len(PHOTO_COLOURS)
                last_variant = variant
                name, content_type = f"file-{n + 1}.png", "image/png"
                content = photo_png(variant)
            else:
                variant = pick % len(WORDS)
                name, content_type = f"document-{n + 1}.pdf", "application/pdf"
                content = document_pdf(f"{WORDS[variant].capitalize()} document")
            row = {
                "File_Id__s": f"f{row_id[-8:]}",
                "File_Name__s": name,
                "Size__s": str(len(content)),
                "id": row_id,
            }
            self.files[row["File_Id__s"]] = (name, content_type, content)
            if image:
                row.update(
                    {
                        "Preview_Id__s": f"p{row_id[-8:]}",
                        "Description__s": None,
                        "State__s": "active",
                        "Sequence_Number__s": n + 1,
                    }
                )
                self.files[row["Preview_Id__s"]] = (name, content_type, content)
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
