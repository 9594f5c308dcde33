"""Pick-up safety at the door, in Chromium on an iPad's screen (1024×768): an exit scanned by a guardian who must not
collect one of the children is stored, and the station shows a red warning naming the child with the guardian's photo.
The screenshot is saved under the test's tmp_path (run with --basetemp to keep it)."""

import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect
from sqlalchemy import select

from service.audit.service import SYSTEM
from service.database import session_scope, utcnow
from service.entry_logs.models import Child, EntryLog, Parent, PickupAlert
from service.entry_logs.pickup import service as pickup
from tests.browser.test_crm_images import LOADED_WIDTH
from tests.browser.test_station import log_in, nursery, scan, station  # noqa: F401  (fixtures)
from tests.service.entry_logs.world import STATION_PASSWORD, World

# browser tests check pages, not the backend: each module runs in one pass of `make check` (docs/testing.md)
pytestmark = [pytest.mark.slow, pytest.mark.embedded_only, pytest.mark.outside]
WARNING = "sakura園児7ちゃんのお迎えは登録されていません — 職員が確認してください"
ALARM_RED = "rgb(185, 28, 28)"


def portrait() -> bytes:
    """A stand-in for a guardian's photo: a face-like drawing, 600×800."""
    image = Image.new("RGB", (600, 800), "#cbd5e1")
    draw = ImageDraw.Draw(image)
    draw.ellipse((150, 150, 450, 550), fill="#f5d0a9", outline="#334155", width=8)
    draw.rectangle((120, 580, 480, 800), fill="#1d4ed8")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def restricted_with_photo(world: World) -> Parent:
    """Parent 0 (園児0 and 園児7) must not collect 園児7, and has a photo."""
    parent = world.parents[0]
    with session_scope() as db:
        child = db.scalar(select(Child).where(Child.name == "sakura園児7"))
        adult = db.get(Parent, parent.id)
        pickup.restrict(db, child=child, parent=adult, note="家庭の申し出", actor=SYSTEM)
        pickup.set_photo(db, parent=adult, data=portrait(), actor=SYSTEM, now=utcnow())
    return parent


def test_a_restricted_exit_shows_a_red_warning_with_the_childs_name_and_the_guardians_photo(
    nursery: World,  # noqa: F811
    station,  # noqa: F811
    tmp_path: Path,
):
    parent = restricted_with_photo(nursery)
    page: Page = station(width=1024, height=768)
    log_in(page, "sakura", STATION_PASSWORD)
    page.get_by_role("button", name="出", exact=True).click()

    scan(page, parent.id)

    message = page.locator("#message")
    expect(message).to_contain_text(WARNING)
    expect(message).to_contain_text(f"{parent.name}さん。\nお疲れ様でした。\n（画面をタップすると閉じます）")
    expect(message).to_have_class("message alarm")
    assert message.evaluate("(m) => getComputedStyle(m).backgroundColor") == ALARM_RED
    photo = page.get_by_role("img", name=f"{parent.name}さんの写真")
    expect(photo).to_be_visible()
    assert photo.evaluate(LOADED_WIDTH) == 360  # the kept photo: 480 px on its longest side
    box = message.bounding_box()
    assert box is not None and box["width"] >= 0.75 * 1024 and box["height"] >= 0.65 * 768
    page.screenshot(path=tmp_path / "station_pickup_warning.png")

    with session_scope() as db:
        [log] = db.scalars(select(EntryLog).where(EntryLog.nursery_id == nursery.nursery.id)).all()
        [alert] = db.scalars(select(PickupAlert)).all()
        assert (log.entry_type, log.parent_id, alert.log_id, alert.child_names) == (
            "Exit",
            parent.id,
            log.id,
            "sakura園児7",
        )
    message.click()  # staff tap it away
    expect(message).to_be_hidden()
