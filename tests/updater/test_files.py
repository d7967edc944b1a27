"""updater.files: uploads go to the data centre's Files API host, answers give the file id."""

from __future__ import annotations

import pytest
from responses import matchers

from tests.updater.conftest import ACCESS, API, client_make, tokens_make
from updater.errors import UnsafeDomainError, ValidationError
from updater.files import file_get, file_upload
from updater.oauth import upload_host_for
from updater.tokens import InMemoryTokenStore

UPLOADED = {
    "data": [
        {
            "code": "SUCCESS",
            "details": {"name": "front.png", "id": "b9e0c3f0e4a1"},
            "message": "file uploaded.",
            "status": "success",
        }
    ]
}


@pytest.mark.parametrize(
    ("api_domain", "upload_host"),
    [
        ("https://www.zohoapis.com", "https://content.zohoapis.com"),
        ("https://sandbox.zohoapis.com", "https://content.zohoapis.com"),
        ("https://www.zohoapis.eu", "https://content.zohoapis.eu"),
        ("https://developer.zohoapis.in", "https://content.zohoapis.in"),
        ("https://www.zohoapis.com.au", "https://content.zohoapis.com.au"),
        ("https://www.zohoapis.jp", "https://content.zohoapis.jp"),
        ("https://www.zohoapis.com.cn", "https://content.zohoapis.com.cn"),
        ("https://www.zohoapis.ca", "https://upload.zohocloud.ca"),
        ("https://www.zohoapis.sa", "https://files.zoho.sa"),
    ],
)
def test_upload_host_is_the_data_centres_files_host(api_domain, upload_host):
    assert upload_host_for(api_domain=api_domain, allow_custom=False) == upload_host


def test_upload_host_of_a_custom_host_is_that_host_only_when_custom_hosts_are_allowed():
    local = "http://127.0.0.1:8001"
    assert upload_host_for(api_domain=local, allow_custom=True) == local
    with pytest.raises(UnsafeDomainError):
        upload_host_for(api_domain=local, allow_custom=False)


def test_file_upload_posts_one_multipart_part_to_the_eu_upload_host(mocked):
    store = InMemoryTokenStore(tokens=tokens_make(api_domain="https://www.zohoapis.eu"))
    mocked.post(
        "https://content.zohoapis.eu/crm/v8/files",
        json=UPLOADED,
        match=[matchers.header_matcher({"Authorization": f"Zoho-oauthtoken {ACCESS}"})],
    )

    file_id = file_upload(
        client=client_make(store), name="front.png", content=b"\x89PNG", content_type="image/png"
    )

    assert file_id == "b9e0c3f0e4a1"
    request = mocked.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    body = request.body
    assert b'Content-Disposition: form-data; name="file"; filename="front.png"' in body
    assert b"Content-Type: image/png" in body
    assert b"\x89PNG" in body


def test_file_upload_raises_zohos_code_when_the_file_is_refused(client, mocked):
    mocked.post(
        "https://content.zohoapis.com/crm/v8/files",
        status=400,
        json={
            "code": "FILE_SIZE_MORE_THAN_ALLOWED_SIZE",
            "details": {},
            "message": "file size exceeds the maximum size allowed",
            "status": "error",
        },
    )
    with pytest.raises(ValidationError) as raised:
        file_upload(client=client, name="big.bin", content=b"x", content_type="text/plain")
    assert raised.value.code == "FILE_SIZE_MORE_THAN_ALLOWED_SIZE"


@pytest.mark.parametrize("status", [413, 415])
def test_file_upload_maps_413_and_415_to_a_validation_error(client, mocked, status):
    mocked.post(
        "https://content.zohoapis.com/crm/v8/files",
        status=status,
        json={"code": "", "details": {}, "message": "refused", "status": "error"},
    )
    with pytest.raises(ValidationError) as raised:
        file_upload(client=client, name="a.exe", content=b"x", content_type="text/plain")
    assert raised.value.status == status


def test_file_get_answers_bytes_name_and_type_from_the_api_domain(client, mocked):
    mocked.get(
        f"{API}/files",
        body=b"\x89PNG",
        content_type="application/x-download",
        headers={"Content-Disposition": 'attachment; filename="front.png"'},
        match=[matchers.query_param_matcher({"id": "b9e0c3f0e4a1"})],
    )
    found = file_get(client=client, file_id="b9e0c3f0e4a1")
    assert (found.content, found.name, found.content_type) == (
        b"\x89PNG",
        "front.png",
        "application/x-download",
    )
