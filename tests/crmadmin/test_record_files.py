"""File and image upload fields: new files go to the Files API on save, their ids out as
File_Id__s in the PUT; refusals sit next to the field; previews come through crmadmin's file view
with the user's grant checked."""

from __future__ import annotations

import pytest
import responses
from django.core.files.uploadedfile import SimpleUploadedFile
from responses import matchers

from tests.crmadmin.record_support import (
    API,
    RECORD_ID,
    edit_url,
    field_row,
    form_data,
    mock_get,
    record_url,
    sent_json,
    success,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
FILES_URL = f"{API}/files"  # a custom-host connection uploads to its own host


def uploaded(file_id, name):
    return {
        "data": [
            {
                "code": "SUCCESS",
                "details": {"name": name, "id": file_id},
                "message": "file uploaded.",
                "status": "success",
            }
        ]
    }


def open_form(client, zoho):
    mock_get(zoho)
    response = client.get(edit_url(zoho.connection))
    assert response.status_code == 200
    return response.content.decode()


def post(client, zoho, html, **extra):
    data = form_data(html)
    data.update(extra)
    return client.post(edit_url(zoho.connection), data)


def test_file_and_image_rows_show_name_size_preview_and_an_upload_input(editor_client, zoho):
    html = open_form(editor_client, zoho)

    assert 'enctype="multipart/form-data"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    photos = field_row(html, "Photos")
    assert 'type="file" name="Photos__upload" id="id_Photos-upload" multiple accept="image/*"' in (
        photos
    )
    preview = f"/records/{zoho.connection.pk}/Leads/{RECORD_ID}/file/abc/"
    assert f'<img class="file-preview" src="{preview}" alt="Preview of front.png"' in photos
    assert '<label for="id_Photos-upload"' in photos  # the row's label names the file input
    # Choosing a file swaps no row in (a swap would empty the file input): checked on save.
    assert "hx-post" not in photos.split(">", 1)[0]
    files = field_row(html, "Files")
    assert 'type="file" name="Files__upload" id="id_Files-upload" multiple>' in files
    assert "None yet." in files


def test_a_files_name_links_to_the_file_view_a_documents_as_a_download(editor_client, zoho):
    from tests.crmadmin.record_support import record

    document = {"File_Name__s": "terms.pdf", "File_Id__s": "doc9", "id": "4150868000000800002"}
    mock_get(zoho, record(Files=[document]))
    html = editor_client.get(edit_url(zoho.connection)).content.decode()

    base = f"/records/{zoho.connection.pk}/Leads/{RECORD_ID}/file/"
    files = field_row(html, "Files")
    assert f'<span class="row-label"><a href="{base}doc9/" download>terms.pdf</a></span>' in files
    assert "<img" not in files  # no preview for a document
    photos = field_row(html, "Photos")  # an image's name opens it (inline), its preview beside
    assert f'<span class="row-label"><a href="{base}abc/">front.png</a></span>' in photos


def test_a_new_file_is_uploaded_on_save_then_its_id_goes_out_as_file_id(editor_client, zoho):
    html = open_form(editor_client, zoho)
    upload = zoho.post(FILES_URL, json=uploaded("2cxx2fa", "terms.pdf"))
    put = zoho.put(record_url(), json=success())
    zoho.get(record_url(), json={"data": [{}]})

    response = post(
        editor_client,
        zoho,
        html,
        Files__upload=SimpleUploadedFile("terms.pdf", b"%PDF-1.4 terms", "application/pdf"),
    )

    assert response.status_code == 200, response.content.decode()[:2000]
    sent = upload.calls[0].request
    assert sent.headers["Authorization"] == "Zoho-oauthtoken 1000.access"
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="terms.pdf"' in sent.body
    assert b"Content-Type: application/pdf" in sent.body
    assert b"%PDF-1.4 terms" in sent.body
    body = sent_json(put.calls[0])["data"][0]
    assert body["Files"] == [{"File_Id__s": "2cxx2fa"}]
    assert "Photos" not in body  # only fields with a new file (or a removal) are sent


def test_a_new_image_and_a_removed_one_go_out_in_one_put(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.post(FILES_URL, json=uploaded("img2", "back.png"))
    put = zoho.put(record_url(), json=success())
    zoho.get(record_url(), json={"data": [{}]})

    post(
        editor_client,
        zoho,
        html,
        Photos__remove="4150868000000800001",
        Photos__upload=SimpleUploadedFile("back.png", PNG, "image/png"),
    )

    body = sent_json(put.calls[0])["data"][0]
    assert body["Photos"] == [
        {"File_Id__s": "img2"},
        {"id": "4150868000000800001", "_delete": None},
    ]


def test_an_image_field_refuses_a_file_that_is_not_an_image_next_to_the_field(editor_client, zoho):
    html = open_form(editor_client, zoho)

    response = post(
        editor_client,
        zoho,
        html,
        Photos__upload=SimpleUploadedFile("terms.pdf", b"%PDF", "application/pdf"),
    )

    assert response.status_code == 422
    row = field_row(response.content.decode(), "Photos")
    assert "terms.pdf is not an image" in row
    assert 'aria-invalid="true"' in row
    assert not [c for c in zoho.calls if c.request.method in ("POST", "PUT")]


def test_a_file_over_20_mb_is_refused_before_anything_is_sent(editor_client, zoho, settings):
    html = open_form(editor_client, zoho)
    big = SimpleUploadedFile("big.zip", b"x" * (20 * 1024 * 1024 + 1), "application/zip")

    response = post(editor_client, zoho, html, Files__upload=big)

    assert response.status_code == 422
    row = field_row(response.content.decode(), "Files")
    assert "big.zip is 20.0 MB: Zoho takes files up to 20 MB." in row
    assert not [c for c in zoho.calls if c.request.method in ("POST", "PUT")]


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            400,
            {
                "code": "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
                "details": {},
                "message": "file size exceeds the maximum size allowed",
                "status": "error",
            },
            "terms.pdf: A file is too large. Zoho takes files up to 20 MB each.",
        ),
        (
            413,
            {"code": "", "details": {}, "message": "", "status": "error"},
            "terms.pdf: A file is too large.",
        ),
        (
            415,
            {"code": "", "details": {}, "message": "", "status": "error"},
            "terms.pdf: Zoho does not take this kind of file.",
        ),
    ],
)
def test_zohos_refusal_of_an_upload_is_shown_next_to_the_field_and_nothing_is_saved(
    editor_client, zoho, status, body, words
):
    html = open_form(editor_client, zoho)
    zoho.post(FILES_URL, status=status, json=body)
    put = zoho.put(record_url(), json=success())

    response = post(
        editor_client,
        zoho,
        html,
        Files__upload=SimpleUploadedFile("terms.pdf", b"%PDF", "application/pdf"),
    )

    assert response.status_code == 422
    row = field_row(response.content.decode(), "Files")
    assert words in row
    assert 'aria-invalid="true"' in row
    assert len(put.calls) == 0


def test_the_file_view_streams_the_records_image_inline(editor_client, zoho):
    mock_get(zoho)
    zoho.get(
        FILES_URL,
        body=PNG,
        content_type="application/x-download",
        headers={"Content-Disposition": 'attachment; filename="front.png"'},
        match=[matchers.query_param_matcher({"id": "abc"})],
    )

    response = editor_client.get(edit_url(zoho.connection) + "file/abc/")

    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="front.png"'


def test_the_file_view_serves_other_files_as_downloads_never_as_html(editor_client, zoho):
    mock_get(zoho)
    zoho.get(
        FILES_URL,
        body=b"<script>alert(1)</script>",
        content_type="application/x-download",
        headers={"Content-Disposition": 'attachment; filename="page.html"'},
    )

    response = editor_client.get(edit_url(zoho.connection) + "file/abc/")

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'


def test_the_file_view_answers_404_for_a_file_the_record_does_not_hold(editor_client, zoho):
    mock_get(zoho)

    response = editor_client.get(edit_url(zoho.connection) + "file/someone-elses/")

    assert response.status_code == 404
    assert not [c for c in zoho.calls if "/files" in c.request.url]


def test_the_file_view_needs_the_users_grant(client, django_user_model, zoho):
    stranger = django_user_model.objects.create_user("stranger", password="x")
    client.force_login(stranger)

    response = client.get(edit_url(zoho.connection) + "file/abc/")

    assert response.status_code in (403, 404)
    assert not [c for c in zoho.calls if "/files" in c.request.url]


def test_a_sandbox_seeded_photo_shows_through_the_file_view_as_a_png(
    editor_client, shared_sandbox_connection, shared_sandbox
):
    contact = next(r for r in shared_sandbox.app.store.all_records("Contacts") if r.get("Photos"))
    row = contact["Photos"][0]
    page_url = edit_url(shared_sandbox_connection, "Contacts", contact["id"])
    photos = field_row(editor_client.get(page_url).content.decode(), "Photos")
    preview = f"{page_url}file/{row['File_Id__s']}/"
    assert f'<img class="file-preview" src="{preview}"' in photos

    response = editor_client.get(preview)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f'inline; filename="{row["File_Name__s"]}"'
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(response.content) == int(row["Size__s"])


def test_a_sandbox_seeded_document_downloads_through_the_file_view_as_its_pdf(
    editor_client, shared_sandbox_connection, shared_sandbox
):
    contact = next(
        r for r in shared_sandbox.app.store.all_records("Contacts") if r.get("Documents")
    )
    row = contact["Documents"][0]
    url = edit_url(shared_sandbox_connection, "Contacts", contact["id"])

    response = editor_client.get(f"{url}file/{row['File_Id__s']}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="{row["File_Name__s"]}"'
    assert response.content.startswith(b"%PDF-1.4\n")
    assert len(response.content) == int(row["Size__s"])


def _kept(row: str) -> list[str]:
    """The kept-file tokens a field row carries (hidden inputs)."""
    import re

    return re.findall(r'name="Files__kept" value="([^"]+)"', row)


def test_a_file_chosen_beside_a_field_to_correct_is_kept_and_attached_on_the_next_save(
    editor_client, zoho
):
    html = open_form(editor_client, zoho)
    upload = zoho.post(FILES_URL, json=uploaded("2cxx2fa", "terms.pdf"))
    put = zoho.put(record_url(), json=success())
    zoho.get(record_url(), json={"data": [{}]})
    terms = SimpleUploadedFile("terms.pdf", b"%PDF-1.4 terms", "application/pdf")

    refused = post(editor_client, zoho, html, Files__upload=terms, Last_Name="")

    assert refused.status_code == 422
    page = refused.content.decode()
    assert "This field is required." in field_row(page, "Last_Name")
    row = field_row(page, "Files")
    # Uploaded now, shown with its name and size, to attach when the user saves again.
    assert len(upload.calls) == 1 and len(put.calls) == 0
    assert "terms.pdf" in row and "(14 bytes; uploaded, attached when you save)" in row
    assert len(_kept(row)) == 1

    saved = post(editor_client, zoho, page, Last_Name="Stewart")

    assert saved.status_code == 200, saved.content.decode()[:2000]
    assert len(upload.calls) == 1  # not uploaded twice
    assert sent_json(put.calls[0])["data"][0]["Files"] == [{"File_Id__s": "2cxx2fa"}]


def test_a_file_uploaded_for_a_save_zoho_refused_is_kept_and_can_be_removed(editor_client, zoho):
    html = open_form(editor_client, zoho)
    zoho.post(FILES_URL, json=uploaded("2cxx2fa", "terms.pdf"))
    refusal = {
        "data": [
            {
                "code": "INVALID_DATA",
                "details": {"api_name": "Company", "expected_data_type": "text"},
                "message": "invalid data",
                "status": "error",
            }
        ]
    }
    put = zoho.put(record_url(), json=refusal, status=400)
    terms = SimpleUploadedFile("terms.pdf", b"%PDF-1.4 terms", "application/pdf")

    refused = post(editor_client, zoho, html, Files__upload=terms, Company="Zylker Ltd")

    assert refused.status_code == 422
    page = refused.content.decode()
    assert 'value="Zylker Ltd"' in field_row(page, "Company")
    row = field_row(page, "Files")
    assert "terms.pdf" in row and len(_kept(row)) == 1
    assert sent_json(put.calls[0])["data"][0]["Files"] == [{"File_Id__s": "2cxx2fa"}]

    # The user removes it and saves the other change alone: the file is not attached.
    zoho.replace(responses.PUT, record_url(), json=success())
    zoho.get(record_url(), json={"data": [{}]})
    again = post(editor_client, zoho, page, Company="Zylker GmbH", Files__kept_remove="2cxx2fa")
    assert again.status_code == 200, again.content.decode()[:2000]
    last_put = [call for call in zoho.calls if call.request.method == "PUT"][-1]
    assert sent_json(last_put)["data"][0] == {"Company": "Zylker GmbH", "id": RECORD_ID}


def test_a_kept_file_token_of_another_record_or_altered_is_ignored(editor_client, zoho):
    html = open_form(editor_client, zoho)
    put = zoho.put(record_url(), json=success())
    zoho.get(record_url(), json={"data": [{}]})
    from django.core import signing

    forged = signing.dumps({"id": "someone-elses-file", "name": "x.pdf", "size": "1"}, salt="x")

    response = post(editor_client, zoho, html, Company="Zylker Ltd", Files__kept=forged)

    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Files" not in sent_json(put.calls[0])["data"][0]


def test_a_file_uploaded_for_a_save_that_met_someone_elses_change_is_kept_on_the_merge(
    editor_client, zoho
):
    from tests.crmadmin.record_support import record

    html = open_form(editor_client, zoho)
    zoho.post(FILES_URL, json=uploaded("2cxx2fa", "terms.pdf"))
    already_modified = {
        "data": [
            {
                "code": "ALREADY_MODIFIED",
                "message": "record updated time has already passed if-unmodified-since time",
                "status": "error",
                "details": {"Modified_Time": "2024-01-15T16:00:00+05:30", "id": RECORD_ID},
            }
        ]
    }
    zoho.put(record_url(), status=412, json=already_modified)
    theirs = record(Modified_Time="2024-01-15T16:00:00+05:30", Phone="+1 555 0777")
    zoho.replace(responses.GET, record_url(), json={"data": [theirs]})
    terms = SimpleUploadedFile("terms.pdf", b"%PDF-1.4 terms", "application/pdf")

    merged = post(editor_client, zoho, html, Files__upload=terms)

    assert merged.status_code == 409
    row = field_row(merged.content.decode(), "Files")
    assert "terms.pdf" in row and len(_kept(row)) == 1
