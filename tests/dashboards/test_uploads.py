"""Each file uploader says its route's limit in Japanese and refuses a larger file itself; Streamlit's own limit is the
largest file the API takes."""

import tomllib

import pytest

from dashboards.components import uploaders
from service.config import get_settings
from tests.dashboards.conftest import DASHBOARDS, open_page
from tests.factories import make_user

MB = 1024 * 1024
# page, uploader key, what the help says (the kinds of file it takes, where it names them), the limit in MB
UPLOADERS = [
    ("app_pages/loaners/import.py", "loaners_import_file", ".xlsx・.csvのファイル、1ファイル32MBまで", 32),
    ("app_pages/fleet/customers.py", "fleet_customers_import_file", ".xlsx・.csvのファイル、1ファイル10MBまで", 10),
    ("app_pages/crm/new_request.py", "crm_new_request_form_0_images", "1ファイル10MBまで・20ファイルまで", 10),
]


def test_the_limits_are_the_services():
    settings = get_settings()
    assert uploaders.BODY_MB * MB == settings.max_body_bytes
    assert uploaders.FIRMWARE_MB * MB == settings.max_upload_bytes
    assert uploaders.ANSWER_SHEET_MB * MB == settings.loaners_max_sheet_bytes
    assert uploaders.CRM_IMAGE_MB * MB == settings.crm_max_image_bytes
    assert uploaders.CRM_IMAGES == settings.crm_max_images_per_upload


def test_streamlit_takes_the_largest_file_the_api_takes():
    config = tomllib.loads((DASHBOARDS.parent / ".streamlit" / "config.toml").read_text())
    limits = (uploaders.BODY_MB, uploaders.FIRMWARE_MB, uploaders.ANSWER_SHEET_MB, uploaders.CRM_IMAGE_MB)
    assert config["server"]["maxUploadSize"] == max(limits)


@pytest.mark.parametrize(("page", "key", "help_text", "limit_mb"), UPLOADERS)
def test_an_uploader_says_and_keeps_its_limit(db, open_app, page, key, help_text, limit_mb):
    admin = make_user(db, "root", grants={"platform": "admin"})
    db.commit()

    at = open_page(open_app, admin, page)

    proto = at.file_uploader(key=key).proto
    assert (proto.help, proto.max_upload_size_mb) == (help_text, limit_mb)
    styles = [element.proto.body for element in at.get("html") if key in element.proto.body]
    assert styles == [
        f"<style>.st-key-{key} [data-testid='stFileUploaderDropzoneInstructions'] > div::after "
        f'{{ content: "ここにファイルをドラッグ＆ドロップ（{help_text.split("、")[-1]}）"; }}</style>'
    ]
