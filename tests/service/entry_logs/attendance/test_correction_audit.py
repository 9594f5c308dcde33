"""The 監査ログ of attendance corrections a nursery's staff and 園長 read: their own nursery's records only (another
nursery's path is a 404, its entries never listed), with who corrected which child's day and the before and after."""

import pytest

from tests.factories import auth_headers, make_user
from tests.service.entry_logs.world import staff_headers

pytestmark = pytest.mark.dialect


def corrections(client, nursery_id: int, headers: dict):
    return client.get(f"/api/entry-logs/nurseries/{nursery_id}/attendance-corrections", headers=headers)


def test_the_nursery_admin_reads_their_own_nurserys_corrections_only(client, db, sakura, himawari):
    sakura_staff = staff_headers(db, sakura)
    himawari_staff = staff_headers(db, himawari, "staff-h")
    director = make_user(db, "encho-a", name="園長 花子", grants={"entry_logs": ("admin", str(sakura.nursery.id))})
    db.commit()
    director_headers = auth_headers(director)
    child, other = sakura.children[1], himawari.children[1]
    url = f"/api/attendance/{child.id}/2026-01-14"
    client.put(url, json={"status": "present"}, headers=sakura_staff)
    client.put(url, json={"status": "absent", "note": "発熱"}, headers=sakura_staff)
    client.put(f"/api/attendance/{other.id}/2026-01-14", json={"status": "absent"}, headers=himawari_staff)
    client.delete(url, headers=director_headers)

    for headers in (director_headers, sakura_staff):
        answer = corrections(client, sakura.nursery.id, headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["total"] == 3
        items = body["items"]
        assert [(i["childName"], i["date"], i["entry"]["action"]) for i in items] == [
            ("sakura園児1", "2026-01-14", "clear_attendance"),
            ("sakura園児1", "2026-01-14", "set_attendance"),
            ("sakura園児1", "2026-01-14", "set_attendance"),
        ]
        assert items[0]["entry"]["actor_label"] == "園長 花子"
        changed = {c["field"]: (c["before_label"], c["after_label"]) for c in items[1]["entry"]["changed_fields"]}
        assert changed["status"] == ("出席", "欠席") and changed["note"][1] == "発熱"

    assert corrections(client, himawari.nursery.id, director_headers).status_code == 404
    assert corrections(client, himawari.nursery.id, sakura_staff).status_code == 404
    theirs = corrections(client, himawari.nursery.id, himawari_staff).json()
    assert [(i["childName"], i["entry"]["action"]) for i in theirs["items"]] == [("himawari園児1", "set_attendance")]
