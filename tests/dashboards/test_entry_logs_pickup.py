"""入退管理 › お迎え管理: the red alert of a restricted guardian's exit until staff acknowledge it, a 「本日のみ」
person registered with their barcode PDF, and a guardian made お迎え不可 for one child."""

from sqlalchemy import select

from service.audit.service import SYSTEM
from service.entry_logs.models import Parent, PickupAlert, PickupRule
from service.entry_logs.pickup import service as pickup
from tests.dashboards.conftest import button, open_page, texts
from tests.dashboards.test_entry_logs_logs import sakura, staff_of  # noqa: F401 - fixtures
from tests.service.entry_logs.attendance.test_closing import today_at
from tests.service.entry_logs.world import World, add_log

PICKUP = "app_pages/entry_logs/pickup.py"
WARNING = "sakura園児3ちゃんのお迎えは登録されていません — 職員が確認してください"


def restricted_exit(db, world: World) -> None:
    """Parent 0 must not collect 園児3, and left with a scan: the alert staff see."""
    parent, child = world.parents[0], world.children[3]
    pickup.restrict(db, child=child, parent=parent, note="", actor=SYSTEM)
    log = add_log(db, world, parent, "Exit", today_at(0.5))
    db.add(PickupAlert(nursery_id=world.nursery.id, log_id=log.id, parent_id=parent.id, child_names=child.name))
    db.commit()


def test_staff_acknowledge_the_red_alert_register_a_one_day_person_and_restrict_a_guardian(
    db,
    sakura,  # noqa: F811
    open_app,
):
    restricted_exit(db, sakura)
    at = open_page(open_app, staff_of(db, sakura), PICKUP)
    [alert] = at.error
    assert "sakura保護者0さんの退出" in alert.value and WARNING in alert.value

    at = button(at, "確認しました").click().run()
    assert texts(at.success) == ["お迎えの警告を確認済みにしました。"] and not at.error
    assert db.scalar(select(PickupAlert.acknowledged_by)) == "sakura-staff"
    db.commit()

    prefix = "entry_logs_pickup_pass_0"
    at.text_input(key=f"{prefix}_name").input("山田 祖母")
    at.text_input(key=f"{prefix}_relation").input("祖母")
    at.multiselect(key=f"{prefix}_children").set_value([sakura.children[1].id])
    at = button(at, "登録する").click().run()
    assert not at.exception, at.exception
    assert texts(at.success)[0].startswith("「本日のみ」のお迎え（山田 祖母さん、")
    assert at.text_input(key="entry_logs_pickup_pass_1_name").value == ""  # the form starts empty again
    [person] = db.scalars(select(Parent).where(Parent.is_pass)).all()
    db.commit()
    assert [b.label for b in at.get("download_button")] == ["バーコードPDF"]

    child = sakura.children[0]
    at.selectbox(key="entry_logs_pickup_child").set_value(child.id).run()
    at.selectbox(key=f"entry_logs_pickup_restrict_{child.id}_parent").set_value(sakura.parents[0].id)
    at.text_input(key=f"entry_logs_pickup_restrict_{child.id}_note").input("家庭の申し出")
    at = button(at, "お迎え不可にする").click().run()
    assert texts(at.success) == ["sakura保護者0さんをsakura園児0（ひよこ組）のお迎え不可にしました。"]
    rules = db.execute(select(PickupRule.child_id, PickupRule.parent_id, PickupRule.kind).order_by(PickupRule.child_id))
    assert sorted(rules.all()) == sorted(
        [
            (child.id, sakura.parents[0].id, "restricted"),
            (sakura.children[1].id, person.id, "one_day"),
            (sakura.children[3].id, sakura.parents[0].id, "restricted"),
        ]
    )
    db.commit()
    shown = at.dataframe[0].value
    assert list(zip(shown["名前"], shown["区分"], shown["お迎え不可の理由"], strict=True)) == [
        ("sakura保護者0", "お迎え不可", "家庭の申し出")
    ]
