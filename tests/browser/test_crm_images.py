"""代理店CRM's statement images in a real browser, on 不備確認・修正: an iPhone's HEIC photo chosen and sent with the
one button 「修正して再提出」 arrives with the resubmission (stored and shown as a JPEG); a file of another kind chosen
beside it refuses the whole resubmission, naming the file, instead of being left out."""

import pytest
from playwright.sync_api import Page, expect

from service.crm.models import DEFICIENT, IN_PROGRESS
from tests.factories import DEFAULT_PASSWORD
from tests.service.crm.conftest import masters_and_storage, picture, set_status, world  # noqa: F401 - fixtures
from tests.service.crm.requests.test_workflow import detail, request_with_sites
from tests.support.streamlit_browser import choose, drawn, sign_in

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
# An image's width once it has loaded: an <img> is visible (it has its box) before its picture has arrived, and its
# naturalWidth is 0 until then
LOADED_WIDTH = "img => img.decode().then(() => img.naturalWidth)"


def choose_files(page: Page, label: str, files: dict[str, bytes]) -> None:
    """Choose files in the uploader of that label, as a person picks them in the file dialog, and wait until they are
    uploaded: the uploader lists a file as soon as it is chosen, with a spinner until its upload has ended, and gives
    the page the files (a run, outside a form) only then; a form sent before that is sent without them."""
    uploader = page.get_by_test_id("stFileUploader").filter(has_text=label)
    uploader.locator("input[type=file]").set_input_files(
        [{"name": name, "mimeType": "application/octet-stream", "buffer": data} for name, data in files.items()]
    )
    for name in files:
        expect(uploader.get_by_text(name)).to_be_visible()
    expect(uploader.get_by_test_id("stFileChipIconSpinner")).to_have_count(0)
    drawn(page)


def fix_page(client, world, dashboards_url, new_page) -> tuple[Page, int]:  # noqa: F811
    """The sales person's 不備確認・修正 of a request sent back for 不備, and the request's id."""
    request_id, (site, _) = request_with_sites(client, world)
    set_status(client, world, site, DEFICIENT, reason="明細画像が読めません")
    page = new_page()
    sign_in(page, dashboards_url, "sales-a", DEFAULT_PASSWORD, "マイ依頼一覧")
    page.goto(f"{dashboards_url}/crm-fix?id={request_id}")
    expect(page.get_by_role("button", name="修正して再提出")).to_be_visible()
    drawn(page)
    return page, request_id


def test_a_heic_photo_chosen_on_the_fix_page_arrives_with_the_resubmission_and_is_shown(
    client,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    page, request_id = fix_page(client, world, dashboards_url, new_page)
    choose_files(page, "明細画像を追加", {"IMG_0001.HEIC": picture("HEIF", (320, 240))})
    page.get_by_role("button", name="修正して再提出").click()

    expect(page.get_by_text(f"明細画像を1枚追加し、依頼 #{request_id} を再提出しました。")).to_be_visible()
    after = detail(client, world, request_id)
    assert after["request"]["status"] == IN_PROGRESS
    assert [(i["file_name"], i["content_type"]) for i in after["images"][-1:]] == [("IMG_0001.jpg", "image/jpeg")]
    drawn(page)  # the run that showed the message has ended: one page, no stale copy of its tabs
    page.get_by_role("tab", name="明細画像・備考").click()
    drawn(page)
    choose(page, "拡大表示する画像", "IMG_0001.jpg")
    shown = page.get_by_role("img", name="IMG_0001.jpg")
    expect(shown).to_be_visible()
    assert shown.evaluate(LOADED_WIDTH) == 320


def test_a_file_of_another_kind_refuses_the_whole_resubmission_by_its_name(
    client,
    world,  # noqa: F811
    dashboards_url,
    new_page,
):
    page, request_id = fix_page(client, world, dashboards_url, new_page)
    choose_files(page, "明細画像を追加", {"IMG_0002.HEIC": picture("HEIF"), "scan.tiff": picture("TIFF")})
    page.get_by_role("button", name="修正して再提出").click()

    expect(page.get_by_text("scan.tiff: JPEG・PNG・HEIC・PDFのいずれかを選んでください")).to_be_visible()
    after = detail(client, world, request_id)
    assert after["request"]["status"] == DEFICIENT and len(after["images"]) == 1  # the request's first image only
