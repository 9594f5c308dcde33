"""不備履歴: 不備確認・修正 and 案件詳細 show every round — each reason with who and when, and what each resubmission
changed — not only the latest reason."""

from tests.dashboards.conftest import open_page, texts
from tests.dashboards.test_crm_access import as_user, masters_and_storage, world  # noqa: F401 - fixtures
from tests.service.crm.conftest import add_site, made, submit

FIRST, SECOND = "お客様番号が明細と一致しません", "明細画像が不鮮明です"


def _send_back(client, world, site_id: int, reason: str) -> None:
    version = made(client.get(f"/api/crm/sites/{site_id}", headers=world.operator))["version"]
    body = {"status": "deficient", "version": version, "reason": reason}
    made(client.post(f"/api/crm/sites/{site_id}/status", json=body, headers=world.operator))


def _two_rounds(client, world) -> int:
    """Sent back, phone fixed and resubmitted, sent back again."""
    request = made(submit(client, world.sales_a))
    request_id, corporation = request["request"]["id"], request["corporation"]
    site = add_site(client, world, request_id)
    _send_back(client, world, site["id"], FIRST)
    made(
        client.patch(
            f"/api/crm/corporations/{corporation['id']}",
            json={"phone1": "03-9999-0000", "version": corporation["version"]},
            headers=world.sales_a,
        )
    )
    detail = made(client.get(f"/api/crm/requests/{request_id}", headers=world.sales_a))
    body = {"message": "電話番号を直しました", "version": detail["request"]["version"]}
    made(client.post(f"/api/crm/requests/{request_id}/resubmit", json=body, headers=world.sales_a))
    _send_back(client, world, site["id"], SECOND)
    return request_id


def _history(at) -> tuple[str, str, list[dict]]:
    history = next(e for e in at.expander if e.label.startswith("不備履歴"))
    shown = "\n".join(m.value for m in history.markdown)
    return history.label, shown, [row for table in history.dataframe for row in table.value.to_dict("records")]


def test_both_sides_see_every_round(db, world, client, open_app):  # noqa: F811
    request_id = _two_rounds(client, world)
    fix = open_page(open_app, as_user(db, world, "sales_a"), "app_pages/crm/fix.py", id=str(request_id))
    assert texts(fix.error) == [f"不備理由: {SECOND}"]
    case = open_page(open_app, as_user(db, world, "operator"), "app_pages/crm/case.py", id=str(request_id))
    for at in (fix, case):
        label, shown, changes = _history(at)
        assert label == "不備履歴（不備 2回）"
        assert shown.index(FIRST) < shown.index("電話番号を直しました") < shown.index(SECOND)
        assert "投入担当" in shown and "営業A" in shown
        assert {"項目": "連絡先番号1", "変更前": "03-1234-5678", "変更後": "03-9999-0000"} in changes
