"""The Files API: POST /crm/v8/files stores files, GET answers them, file fields take their ids."""

from __future__ import annotations

import struct
import zlib

from tests.sandbox.conftest import ids, session_for

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(api, *files):
    return api.post(f"{api.base}/files", files=[("file", item) for item in files])


def test_upload_answers_each_file_id_and_get_file_answers_the_bytes(api):
    response = upload(
        api, ("front.png", PNG, "image/png"), ("terms.pdf", b"%PDF-1.4", "application/pdf")
    )
    assert response.status_code == 200
    answers = response.json()["data"]
    assert [(a["code"], a["status"], a["details"]["name"]) for a in answers] == [
        ("SUCCESS", "success", "front.png"),
        ("SUCCESS", "success", "terms.pdf"),
    ]
    got = api.get(f"{api.base}/files", params={"id": answers[0]["details"]["id"]})
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["Content-Type"].startswith("application/x-download")
    assert 'filename="front.png"' in got.headers["Content-Disposition"]


def test_a_file_over_20_mb_is_refused_with_zohos_code(api):
    response = upload(api, ("big.bin", b"x" * (20 * 1024 * 1024 + 1), "application/octet-stream"))
    assert response.status_code == 400
    assert response.json()["code"] == "FILE_SIZE_MORE_THAN_ALLOWED_SIZE"


def test_more_than_ten_files_or_none_are_invalid_data(api):
    too_many = upload(api, *[(f"{n}.txt", b"x", "text/plain") for n in range(11)])
    assert (too_many.status_code, too_many.json()["code"]) == (400, "INVALID_DATA")
    none = api.post(f"{api.base}/files", files=[("other", ("a.txt", b"x", "text/plain"))])
    assert (none.status_code, none.json()["code"]) == (400, "INVALID_DATA")


def test_a_body_that_is_not_multipart_is_415(api):
    response = api.post(f"{api.base}/files", json={"file": "x"})
    assert response.status_code == 415
    assert response.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_upload_needs_the_files_scope(sb):
    narrow = session_for(sb, scopes=["ZohoCRM.modules.ALL"])
    response = upload(narrow, ("a.txt", b"x", "text/plain"))
    assert (response.status_code, response.json()["code"]) == (401, "OAUTH_SCOPE_MISMATCH")


def test_a_file_field_takes_an_uploaded_id_and_shows_its_name_and_size(api, sb):
    file_id = upload(api, ("terms.pdf", b"%PDF-1.4 terms", "application/pdf")).json()["data"][0][
        "details"
    ]["id"]
    contact = ids(api, "Contacts", 1)[0]
    before = sb.get_record("Contacts", contact).get("Documents") or []
    response = api.put(
        f"{api.base}/Contacts",
        json={"data": [{"id": contact, "Documents": [{"File_Id__s": file_id}]}]},
    )
    assert response.status_code == 200, response.text
    rows = sb.get_record("Contacts", contact)["Documents"]
    assert len(rows) == len(before) + 1
    assert {k: rows[-1][k] for k in ("File_Id__s", "File_Name__s", "Size__s")} == {
        "File_Id__s": file_id,
        "File_Name__s": "terms.pdf",
        "Size__s": str(len(b"%PDF-1.4 terms")),
    }


def test_an_image_field_refuses_a_file_that_is_not_an_image(api):
    file_id = upload(api, ("terms.pdf", b"%PDF", "application/pdf")).json()["data"][0]["details"][
        "id"
    ]
    deal = ids(api, "Deals", 1)[0]
    response = api.put(
        f"{api.base}/Deals",
        json={"data": [{"id": deal, "Image_Upload": [{"File_Id__s": file_id}]}]},
    )
    entry = response.json()["data"][0]
    assert (entry["code"], entry["details"]["api_name"]) == ("INVALID_DATA", "Image_Upload")
    assert entry["details"]["expected_data_type"] == "image"


# -- seeded file and image rows point at files the Files API answers ---------------------------


def png_size(content: bytes) -> tuple[int, int]:
    """The width and height of a PNG whose chunks all check out (CRCs, IDAT inflating to one
    filter byte and three bytes a pixel per line); AssertionError otherwise."""
    assert content[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(content):
        (length,) = struct.unpack(">I", content[at : at + 4])
        kind, data = content[at + 4 : at + 8], content[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", content[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + data), kind
        chunks.append((kind, data))
        at += 12 + length
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    assert (depth, colour) == (8, 2)  # 8-bit RGB
    assert len(zlib.decompress(chunks[1][1])) == height * (1 + width * 3)
    return width, height


def seeded_rows(sb, api, module: str, field: str) -> list[dict]:
    """The rows of ``field`` of the module's first seeded records that have some."""
    for record_id in ids(api, module, 100, 0):
        rows = sb.get_record(module, record_id).get(field)
        if rows:
            return rows
    raise AssertionError(f"no seeded {module} record has {field}")


def test_a_seeded_photo_downloads_as_the_png_its_row_names_and_sizes(api, sb):
    row = seeded_rows(sb, api, "Contacts", "Photos")[0]

    got = api.get(f"{api.base}/files", params={"id": row["File_Id__s"]})

    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("application/x-download")  # as Zoho's OAS
    assert got.headers["Content-Disposition"] == f'attachment; filename="{row["File_Name__s"]}"'
    assert row["File_Name__s"].endswith(".png")
    assert png_size(got.content) == (96, 96)
    assert len(got.content) == int(row["Size__s"])
    preview = api.get(f"{api.base}/files", params={"id": row["Preview_Id__s"]})
    assert (preview.status_code, preview.content) == (200, got.content)


def test_a_seeded_photo_is_stored_as_an_image_an_image_field_takes_back(api, sb):
    row = seeded_rows(sb, api, "Contacts", "Photos")[0]
    deal = ids(api, "Deals", 1, 20)[0]

    response = api.put(
        f"{api.base}/Deals",
        json={"data": [{"id": deal, "Image_Upload": [{"File_Id__s": row["File_Id__s"]}]}]},
    )

    assert response.json()["data"][0]["code"] == "SUCCESS", response.text
    added = sb.get_record("Deals", deal)["Image_Upload"][-1]
    assert {k: added[k] for k in ("File_Id__s", "File_Name__s", "Size__s")} == {
        "File_Id__s": row["File_Id__s"],
        "File_Name__s": row["File_Name__s"],
        "Size__s": row["Size__s"],
    }


def test_a_seeded_document_downloads_as_a_one_page_pdf_its_row_names_and_sizes(api, sb):
    row = seeded_rows(sb, api, "Contacts", "Documents")[0]

    got = api.get(f"{api.base}/files", params={"id": row["File_Id__s"]})

    assert got.status_code == 200
    assert got.headers["Content-Disposition"] == f'attachment; filename="{row["File_Name__s"]}"'
    assert row["File_Name__s"].endswith(".pdf")
    assert len(got.content) == int(row["Size__s"])
    pdf = got.content
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.endswith(b"%%EOF\n")
    xref_at = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    table = pdf[xref_at:].split(b"trailer", 1)[0].splitlines()
    assert table[:2] == [b"xref", b"0 6"]
    for number, entry in enumerate(table[3:], start=1):
        offset = int(entry.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj\n" % number)
    assert b"/Type /Pages /Kids [3 0 R] /Count 1" in pdf
