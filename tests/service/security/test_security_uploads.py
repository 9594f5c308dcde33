"""Uploaded files are downloaded, not opened, unless they are pictures; active PDFs are refused."""

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

from tests.service.crm.conftest import (  # noqa: F401 - fixtures
    PDF,
    made,
    masters_and_storage,
    picture,
    storage_root,
    submit,
    world,
)


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def one_page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def action(kind: str, **entries: str) -> DictionaryObject:
    fields = {NameObject(f"/{k}"): TextStringObject(v) for k, v in entries.items()}
    return DictionaryObject({NameObject("/S"): NameObject(f"/{kind}"), **fields})


def with_javascript() -> bytes:
    """Document-level JavaScript: the catalog's /Names /JavaScript name tree, run when the file opens."""
    writer = one_page()
    script = writer._add_object(action("JavaScript", JS="app.alert('x');"))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("x"), script])})
    writer._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): tree})
    return written(writer)


def with_open_action() -> bytes:
    writer = one_page()
    writer._root_object[NameObject("/OpenAction")] = action("URI", URI="https://evil.example/")
    return written(writer)


def with_launch_link() -> bytes:
    """A link annotation on the page whose action starts a program."""
    writer = one_page()
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(0), FloatObject(0), FloatObject(100), FloatObject(100)]),
            NameObject("/A"): action("Launch", F="cmd.exe"),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    return written(writer)


def with_embedded_file() -> bytes:
    writer = one_page()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    return written(writer)


def with_javascript_in_a_hex_escaped_name() -> bytes:
    """`/J#61vaScript` is `/JavaScript` to a viewer: a byte search would miss it."""
    return with_javascript().replace(b"/JavaScript", b"/J#61vaScript")


def opening_on_a_page() -> bytes:
    """A plain OpenAction destination (which page to show) is not an action and is fine."""
    writer = one_page()
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/Fit")]
    )
    return written(writer)


def encrypted(user_password: str) -> bytes:
    writer = one_page()
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    return written(writer)


ACTIVE = {
    "javascript": (with_javascript, ["javascript"], "JavaScript"),
    "hex-escaped javascript": (with_javascript_in_a_hex_escaped_name, ["javascript"], "JavaScript"),
    "open action": (with_open_action, ["open_action"], "OpenAction"),
    "launch": (with_launch_link, ["launch"], "Launch"),
    "embedded file": (with_embedded_file, ["embedded_file"], "埋め込みファイル"),
}


def files(pdf: bytes) -> list:
    return [("images", ("ok.png", picture(), "image/png")), ("images", ("bill.pdf", pdf, "application/pdf"))]


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize("case", list(ACTIVE))
def test_a_pdf_carrying_active_content_is_refused_naming_what_it_carries(client, world, storage_root, case):  # noqa: F811
    make, found, word = ACTIVE[case]
    response = submit(client, world.sales_a, files=files(make()))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["details"] == {"field": "images[1]", "rule": "pdf_active_content", "found": found}
    assert error["message"].startswith("bill.pdf: ") and word in error["message"]
    assert "アップロードできません" in error["message"]
    assert client.get("/api/crm/requests", headers=world.sales_a).json()["total"] == 0
    assert stored_files(storage_root) == []


@pytest.mark.dialect
def test_adding_an_active_pdf_to_an_existing_request_is_refused_too(client, world, storage_root):  # noqa: F811
    request_id = made(submit(client, world.sales_a))["request"]["id"]
    before = stored_files(storage_root)
    response = client.post(
        f"/api/crm/requests/{request_id}/images",
        files=[("images", ("bill.pdf", with_embedded_file(), "application/pdf"))],
        headers=world.sales_a,
    )
    assert response.status_code == 422 and response.json()["error"]["details"]["rule"] == "pdf_active_content"
    assert stored_files(storage_root) == before


@pytest.mark.dialect
def test_a_password_protected_pdf_is_refused_but_one_that_opens_without_a_password_is_checked(client, world):  # noqa: F811
    locked = submit(client, world.sales_a, files=files(encrypted("user-secret")))
    assert locked.status_code == 422
    assert locked.json()["error"]["details"] == {"field": "images[1]", "rule": "pdf_encrypted"}
    assert made(submit(client, world.sales_a, files=files(encrypted(""))))["images"][1]["content_type"] == (
        "application/pdf"
    )


@pytest.mark.dialect
@pytest.mark.parametrize("pdf", [PDF, opening_on_a_page()], ids=["plain", "opening destination"])
def test_a_plain_pdf_is_accepted(client, world, pdf):  # noqa: F811
    assert [i["file_name"] for i in made(submit(client, world.sales_a, files=files(pdf)))["images"]] == [
        "ok.png",
        "bill.pdf",
    ]


@pytest.mark.dialect
def test_pictures_are_shown_inline_and_anything_else_is_only_downloaded(client, world):  # noqa: F811
    uploads = [
        ("images", ("電気.png", picture(), "image/png")),
        ("images", ("gas.jpg", picture("JPEG"), "image/jpeg")),
        ("images", ("明細.pdf", PDF, "application/pdf")),
    ]
    png, jpeg, pdf = made(submit(client, world.sales_a, files=uploads))["images"]

    def disposition(image: dict, part: str = "file") -> str:
        response = client.get(f"/api/crm/images/{image['id']}/{part}", headers=world.operator)
        assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
        return response.headers["content-disposition"]

    assert disposition(png) == "inline; filename*=UTF-8''%E9%9B%BB%E6%B0%97.png"
    assert disposition(jpeg) == "inline; filename*=UTF-8''gas.jpg"
    assert disposition(pdf) == "attachment; filename*=UTF-8''%E6%98%8E%E7%B4%B0.pdf"
    assert disposition(pdf, "thumbnail").startswith("inline; ")  # the JPEG placeholder
