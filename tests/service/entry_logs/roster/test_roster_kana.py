"""The roster's readings (ふりがな) of parents and children: typed in hiragana or katakana (half-width too) and stored
in hiragana, refused in the rule's words otherwise, found by the lists' search either way, in both lists' CSV and Excel
downloads, and carried by the roster CSV import (保護者ふりがな, 園児ふりがな), which fills in or replaces a stored
reading as the form's edit would, audited."""

import pytest
from sqlalchemy import select

from service.audit.models import AuditEntry
from service.entry_logs.models import Child, Parent
from tests.service.entry_logs.roster.test_roster_import import run, upload
from tests.support.downloads import csv_download, xlsx_download

CHILDREN = "/api/entry-logs/children"
PARENTS = "/api/entry-logs/parents"
RULE = "形式が正しくありません（ひらがな・カタカナと空白で入力してください）"


def readings(db, model, nursery_id: int) -> dict[str, str]:
    stmt = select(model.name, model.name_kana).where(model.nursery_id == nursery_id)
    found = dict(db.execute(stmt).tuples().all())
    db.commit()
    return found


def audited(db, action: str, target_type: str) -> list[dict]:
    where = (AuditEntry.action == action, AuditEntry.target_type == target_type, AuditEntry.domain == "entry_logs")
    changes = [entry.changes for entry in db.scalars(select(AuditEntry).where(*where).order_by(AuditEntry.seq))]
    db.commit()
    return changes


def test_a_childs_reading_is_stored_in_hiragana_edited_audited_and_found_by_the_search(client, db, staff, sakura):
    body = {"nurseryId": sakura.nursery.id, "name": "山田 太郎", "nameKana": "ﾔﾏﾀﾞ　タロウ", "className": "きりん組"}
    created = client.post(CHILDREN, json=body, headers=staff)
    assert created.status_code == 201, created.text
    child = created.json()
    assert child["nameKana"] == "やまだ たろう"

    edited = client.patch(f"{CHILDREN}/{child['id']}", json={"nameKana": "やまだ たろ"}, headers=staff).json()
    assert (edited["nameKana"], edited["name"], edited["className"]) == ("やまだ たろ", "山田 太郎", "きりん組")
    assert audited(db, "update", "child") == [{"name_kana": {"before": "やまだ たろう", "after": "やまだ たろ"}}]
    assert audited(db, "create", "child")[-1]["name_kana"] == {"before": None, "after": "やまだ たろう"}

    for typed in ("ヤマダ", "やまだ", "山田"):  # katakana typed finds the hiragana stored
        found = client.get(CHILDREN, params={"nurseryId": sakura.nursery.id, "q": typed}, headers=staff).json()
        assert [item["name"] for item in found["items"]] == ["山田 太郎"], typed


def test_a_reading_that_is_not_kana_is_refused_in_the_rules_words(client, db, staff, sakura):
    for url, body in (
        (CHILDREN, {"nurseryId": sakura.nursery.id, "name": "山田 太郎", "nameKana": "Yamada"}),
        (PARENTS, {"nurseryId": sakura.nursery.id, "name": "山田 花子", "nameKana": "山田はなこ"}),
    ):
        refused = client.post(url, json=body, headers=staff)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0]["message"] == f"ふりがな: {RULE}"
    parent = sakura.parents[0]
    refused = client.patch(f"{PARENTS}/{parent.id}", json={"nameKana": "hanako"}, headers=staff)
    assert refused.status_code == 422


def test_both_lists_downloads_carry_the_readings_in_csv_and_excel(client, db, staff, sakura):
    parent, child = sakura.parents[0], sakura.children[0]
    assert client.patch(f"{PARENTS}/{parent.id}", json={"nameKana": "サクラ ハハ"}, headers=staff).status_code == 200
    assert client.patch(f"{CHILDREN}/{child.id}", json={"nameKana": "さくら こ"}, headers=staff).status_code == 200
    params = {"nurseryId": sakura.nursery.id}
    for path, header, name, reading in (
        (PARENTS, ["保護者ID", "保護者名", "ふりがな", "電話番号", "園児"], parent.name, "さくら はは"),
        (CHILDREN, ["園児ID", "園児名", "ふりがな", "クラス", "保護者"], child.name, "さくら こ"),
    ):
        rows = csv_download(client.get(f"{path}/export", params=params, headers=staff))
        sheet = xlsx_download(client.get(f"{path}/export", params=params | {"format": "xlsx"}, headers=staff))
        for read in (rows, sheet):
            assert read[0] == header
            assert {row[1]: row[2] for row in read[1:]}[name] == reading


ROSTER = (
    "保護者名,保護者ふりがな,電話番号,園児名,園児ふりがな,クラス\n"
    "山田花子,ヤマダ ハナコ,090-1111-2222,山田太郎,やまだ たろう,ひよこ組\n"
    "山田花子,ヤマダ ハナコ,090-1111-2222,山田次郎,,うさぎ組\n"
    "佐藤一郎,Sato,,佐藤子,さとう こ,ひよこ組\n"
)


@pytest.mark.dialect
def test_the_import_stores_readings_and_refuses_a_row_whose_reading_breaks_the_rule(client, db, staff, sakura):
    job = upload(client, staff, sakura.nursery.id, ROSTER.encode("cp932")).json()
    run(job["id"])
    done = client.get(f"/api/entry-logs/nurseries/{sakura.nursery.id}/roster-imports/{job['id']}", headers=staff)
    body = done.json()
    assert (body["status"], body["parentsCreated"], body["childrenCreated"]) == ("done", 1, 2)
    assert [(row["row"], row["reason"]) for row in body["rejected"]] == [(4, f"保護者ふりがな: {RULE}")]
    assert readings(db, Parent, sakura.nursery.id)["山田花子"] == "やまだ はなこ"
    children = readings(db, Child, sakura.nursery.id)
    assert (children["山田太郎"], children["山田次郎"]) == ("やまだ たろう", "")
    assert audited(db, "create", "parent")[-1]["name_kana"] == {"before": None, "after": "やまだ はなこ"}


@pytest.mark.dialect
def test_importing_the_roster_again_with_readings_fills_them_in_as_the_forms_edit_would(client, db, staff, sakura):
    without = "保護者名,電話番号,園児名,クラス\n山田花子,090-1111-2222,山田太郎,ひよこ組\n"
    run(upload(client, staff, sakura.nursery.id, without.encode()).json()["id"])
    assert readings(db, Parent, sakura.nursery.id)["山田花子"] == ""

    for attempt in range(2):  # the second import finds the readings stored: nothing changes, nothing is audited
        job = upload(client, staff, sakura.nursery.id, ROSTER.encode()).json()
        run(job["id"])
        assert readings(db, Parent, sakura.nursery.id)["山田花子"] == "やまだ はなこ"
        assert readings(db, Child, sakura.nursery.id)["山田太郎"] == "やまだ たろう"
        assert audited(db, "update", "parent") == [{"name_kana": {"before": "", "after": "やまだ はなこ"}}], attempt
        assert audited(db, "update", "child") == [{"name_kana": {"before": "", "after": "やまだ たろう"}}], attempt

    run(upload(client, staff, sakura.nursery.id, without.encode()).json()["id"])  # a blank reading erases none
    assert readings(db, Parent, sakura.nursery.id)["山田花子"] == "やまだ はなこ"
