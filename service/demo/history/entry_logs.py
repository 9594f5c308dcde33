"""入退管理's chapter: stations, scans, pick-ups, forgotten cards, care hours, corrections and earlier days' scans."""

import io
from datetime import date, timedelta

from PIL import Image
from sqlalchemy import select

from service.database import session_scope, utcnow
from service.demo import entry_logs as demo_entry_logs
from service.demo.history.office import Office
from service.dialect import insert_rows
from service.entry_logs import counts
from service.entry_logs.lookups import local_today
from service.entry_logs.models import EntryLog, Nursery, Parent
from service.entry_logs.roster import roster_import


def _earlier_scans(office: Office) -> None:
    today = local_today(utcnow())
    with session_scope() as db:
        for nursery in db.scalars(select(Nursery).order_by(Nursery.id).limit(2)):
            families = [[parent] for parent in db.scalars(select(Parent).where(Parent.nursery_id == nursery.id))]
            rows: list[dict] = []
            for offset in range(office.days, demo_entry_logs.DAYS, -1):
                day = today - timedelta(days=offset)
                if day.weekday() < 5:
                    rows += demo_entry_logs.day_of_scans(nursery, families, day, office.rng)[0]
            insert_rows(db, EntryLog, rows)
            counts.rebuild(db, nursery_id=nursery.id)


def _portrait() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), "#cbd5e1").save(out, "PNG")
    return out.getvalue()


def _pickup_history(office: Office, nid: int, token: str) -> None:
    admin = "nursery-admin"
    child = office.get(admin, "/api/entry-logs/children", nurseryId=nid, page_size=1)["items"][0]
    guardian = child["parents"][0]["id"]
    restriction = f"/api/entry-logs/children/{child['id']}/pickup/restrictions/{guardian}"
    office.call(admin, "PUT", restriction, json={"note": "家庭の申し出"})
    exit_scan = {"parentId": str(guardian), "entryType": "Exit", "clientScanId": f"history-exit-{nid}"}
    office.client.post("/api/entry-exit-logs", json=exit_scan, headers={"Authorization": f"Bearer {token}"})
    for alert in office.get(admin, f"/api/entry-logs/nurseries/{nid}/pickup-alerts"):
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-alerts/{alert['id']}/acknowledge")
    office.call(admin, "DELETE", restriction)
    today = local_today(utcnow()).isoformat()
    one_day = {"name": "履歴 祖母", "relation": "祖母", "date": today, "childIds": [child["id"]]}
    office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-passes", one_day)
    person = office.post(admin, f"/api/entry-logs/nurseries/{nid}/pickup-passes", one_day | {"name": "履歴 シッター"})
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{nid}/pickup-passes/{person['parentId']}")
    photo = {"file": ("photo.png", _portrait())}
    office.call(admin, "PUT", f"/api/entry-logs/parents/{guardian}/photo", files=photo)
    office.call(admin, "DELETE", f"/api/entry-logs/parents/{guardian}/photo")
    first = office.get(admin, "/api/entry-logs/parents", nurseryId=nid, page_size=1)["items"][0]["id"]
    office.call(admin, "PUT", f"/api/entry-logs/parents/{first}/photo", files=photo)


def _forgotten_card(office: Office, code: str, token: str, parent: dict) -> None:
    url = "/api/entry-exit-logs/forgotten-card"
    pin = next(spec.pin for spec in demo_entry_logs.NURSERIES if spec.code == code)
    wrong = {"pin": "0000", "staffName": "履歴 保育士"}
    office.post(None, f"{url}/unlock", wrong, bearer=token, expect=(401,))
    unlock = office.post(None, f"{url}/unlock", wrong | {"pin": pin}, bearer=token)["token"]
    found = office.call(None, "GET", f"{url}/people", params={"q": parent["nameKana"]}, bearer=unlock)["people"]
    chosen = next(person for person in found if person["parentId"] == parent["id"])
    record = {"parentId": chosen["parentId"], "entryType": "Entry", "reason": "カードを忘れたため"}
    office.post(None, f"{url}/logs", record, bearer=unlock)


def entry_logs_history(office: Office) -> None:
    admin = "nursery-admin"
    for nursery in office.get(admin, "/api/entry-logs/nurseries")[:2]:
        nid, code = nursery["id"], nursery["code"]
        parents = office.get(admin, "/api/entry-logs/parents", nurseryId=nid, page_size=5)["items"]
        parent = parents[0]
        station = {"nurseryCode": code, "password": "wrong-password"}
        office.post(None, "/api/auth/entry-exit-login", station, expect=(401,))
        token = office.post(None, "/api/auth/entry-exit-login", station | {"password": code + "-demo"})["token"]
        scan = {"parentId": str(parent["id"]), "entryType": "Entry", "clientScanId": f"history-{nid}"}
        office.client.post("/api/entry-exit-logs", json=scan, headers={"Authorization": f"Bearer {token}"})
        _pickup_history(office, nid, token)
        this_month = local_today(utcnow()).replace(day=1).isoformat()
        hours = {"effectiveFrom": this_month, "openingTime": "08:00", "closingTime": "17:30", "unitMinutes": 30}
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/care-hours", hours)
        _forgotten_card(office, code, token, parents[2])
        inside = office.get(admin, f"/api/entry-logs/nurseries/{nid}/present-parents")["parents"]
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/parents/{inside[0]['parentId']}/exit")
        yesterday = (utcnow() - timedelta(days=1)).isoformat()
        missed = {"entryType": "Entry", "occurredAt": yesterday, "reason": "スキャン忘れ"}
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/parents/{parents[1]['id']}/logs", missed)
        logs = office.get(admin, "/api/entry-exit-logs", nurseryId=nid)["logs"]
        office.call(admin, "DELETE", f"/api/entry-exit-logs/{logs[0]['id']}", params={"reason": "誤読"})
        stations = f"/api/entry-logs/nurseries/{nid}/stations"
        for session in office.get(admin, stations)[:1]:
            office.post(admin, f"{stations}/{session['id']}/sign-out")
        roster = {"file": ("roster.csv", "保護者名,園児名\n履歴花子,履歴太郎\n".encode(), "text/csv")}
        imported = office.call(admin, "POST", f"/api/entry-logs/nurseries/{nid}/roster-import", files=roster)
        with session_scope() as db:
            roster_import.import_batch(db, import_id=imported["id"], start=0, now=utcnow(), retry=False)
        password = f"/api/entry-logs/nurseries/{nid}/entry-exit-password"
        office.call(admin, "PUT", password, json={"password": code + "-demo"})
        office.post(admin, f"/api/entry-logs/nurseries/{nid}/stations/sign-out")
        child = office.get(admin, "/api/entry-logs/children", nurseryId=nid, page_size=1)["items"][0]
        day = (date.today() - timedelta(days=1)).isoformat()
        office.call(admin, "PUT", f"/api/attendance/{child['id']}/{day}", json={"status": "absent"})
        office.call(admin, "DELETE", f"/api/attendance/{child['id']}/{day}")
        office.post(admin, f"/api/entry-logs/parents/{parent['id']}/barcode-link")
        office.call(admin, "DELETE", f"/api/entry-logs/parents/{parent['id']}/barcode-link")
    _earlier_scans(office)
    first = office.get(admin, "/api/entry-logs/nurseries")[0]
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{first['id']}/station-pin")
    office.call(admin, "PUT", f"/api/entry-logs/nurseries/{first['id']}/station-pin", json={"pin": "1234"})
    office.call(admin, "DELETE", f"/api/entry-logs/nurseries/{first['id']}/entry-exit-password")
    office.call(
        admin,
        "PUT",
        f"/api/entry-logs/nurseries/{first['id']}/entry-exit-password",
        json={"password": first["code"] + "-demo"},
    )
