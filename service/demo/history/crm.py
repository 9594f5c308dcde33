"""代理店CRM's chapter: requests sent back, entered, confirmed from OCR, cancelled and merged; masters and
assignees changed."""

import json
import random
from typing import Any

from service.crm.models import Image
from service.crm.ocr import reading
from service.crm.validation import check_digit
from service.database import session_scope, utcnow
from service.demo.crm import bill_reading, sample_bills
from service.demo.history.office import Office

# Each its own 法人番号 (passing the check digit): one company is one corporation
HISTORY_COMPANIES = tuple(
    (name, f"{check_digit(base)}{base}")
    for name, base in (("株式会社履歴商事", "900000000001"), ("株式会社取消商事", "900000000002"))
)


def crm_history(office: Office) -> None:
    sales, operator, admin = "crm-sales", "crm-operator", "crm-admin"
    me = office.get(sales, "/api/crm/me")
    bill = sample_bills()[0][0]
    kept = 0
    for number, (name, corporation_number) in enumerate(HISTORY_COMPANIES):
        corporation = _corporation(office.rng, name, corporation_number)
        payload = {"agency_id": me.get("agency_id"), "corporation": corporation, "remarks": "履歴"}
        created = office.call(
            sales,
            "POST",
            "/api/crm/requests",
            data={"payload": json.dumps(payload, ensure_ascii=False)},
            files=[("images", (bill.file_name, bill.data, bill.content_type))],
        )
        path = f"/api/crm/requests/{created['request']['id']}"
        if number == 0:
            kept = created["corporation"]["id"]
            _sent_back_twice(office, path, sales, operator)
            _entered(office, created, operator)
            added = _another_site(office, sales, kept, bill)
            _confirmed_from_ocr(office, added, operator, bill)
        else:
            version = office.get(sales, path)["request"]["version"]
            office.post(sales, f"{path}/cancel", {"version": version})
    _merged_duplicate(office, sales, admin, kept, bill)
    option = {"code": "OPT098000", "name": "履歴オプション", "price_label": "100円/月(税込)", "sort_order": 50}
    office.post(admin, "/api/crm/masters/options", option)
    office.post(admin, "/api/crm/masters/choices/job_type", {"code": "13", "label": "教育"})
    taken = office.post(operator, "/api/crm/requests/next")["request"]
    other = office.get(admin, "/api/crm/users", role="operator", q="crm-operator-2")["items"][0]["user_id"]
    office.call(admin, "PUT", f"/api/crm/requests/{taken['id']}/assignee", json={"assigned_to": other})


def _sent_back_twice(office: Office, path: str, sales: str, operator: str) -> None:
    for message in ("書類の不足", "住所の誤り"):
        version = office.get(operator, path)["request"]["version"]
        office.post(operator, f"{path}/deficiencies", {"message": message, "version": version})
        version = office.get(sales, path)["request"]["version"]
        office.post(sales, f"{path}/resubmit", {"message": "修正しました", "version": version})


def _entered(office: Office, created: dict, operator: str) -> None:
    site = office.post(operator, f"/api/crm/requests/{created['request']['id']}/sites", SITE)
    office.call(operator, "PATCH", f"/api/crm/images/{created['images'][0]['id']}", json={"site_id": site["id"]})
    office.post(operator, f"/api/crm/corporations/{created['corporation']['id']}/card/reveal")
    status = {"status": "submitted", "version": site["version"], "reason": ""}
    office.post(operator, f"/api/crm/sites/{site['id']}/status", status)


def _another_site(office: Office, sales: str, corporation_id: int, bill: Any) -> dict:
    """The corporation's security code was deleted with its entry, so the sales person gives it again."""
    payload = {"corporation_id": corporation_id, "credit_card_security_code": "123", "remarks": "履歴: 2地点目"}
    return office.call(
        sales,
        "POST",
        "/api/crm/requests",
        data={"payload": json.dumps(payload, ensure_ascii=False)},
        files=[("images", (bill.file_name, bill.data, bill.content_type))],
    )


def _confirmed_from_ocr(office: Office, created: dict, operator: str, bill: Any) -> None:
    """Its reading recorded as the job records one: the history runs no engine."""
    image_id = created["images"][0]["id"]
    read = bill_reading(0, now=utcnow())
    with session_scope() as db:
        reading.record(db, db.get_one(Image, image_id), reading.Result(bill.data, read))
    proposed = {name: proposal["value"] for name, proposal in read["fields"].items()}
    site = office.post(operator, f"/api/crm/requests/{created['request']['id']}/sites", _without(SITE, proposed))
    saved = proposed | {"power_customer_number": OCR_CORRECTED_CUSTOMER_NUMBER}
    body = {"version": site["version"], "ocr_image_id": image_id} | saved
    office.call(operator, "PATCH", f"/api/crm/sites/{site['id']}", json=body)


def _without(fields: dict[str, Any], names: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if name not in names}


def _merged_duplicate(office: Office, sales: str, admin: str, kept: int, bill: Any) -> None:
    typed = _corporation(office.rng, HISTORY_COMPANIES[0][0], "") | {"payment_type": "2"}
    typed = {key: value for key, value in typed.items() if not key.startswith("credit_card")}
    files = [("images", (bill.file_name, bill.data, bill.content_type))]

    def sent(confirm: bool, expect: tuple[int, ...]) -> Any:
        payload = {"corporation": typed, "remarks": "履歴: 重複", "confirm": confirm}
        data = {"payload": json.dumps(payload, ensure_ascii=False)}
        return office.call(sales, "POST", "/api/crm/requests", data=data, files=files, expect=expect)

    sent(False, (409,))
    duplicate = sent(True, (201,))["corporation"]["id"]
    office.post(admin, f"/api/crm/corporations/{kept}/merge", {"duplicate_id": duplicate})


def _corporation(rng: random.Random, name: str, number: str) -> dict[str, str]:
    return {
        "customer_type": "2",
        "corporation_number": number,
        "last_name": name,
        "last_name_kana": "カブシキガイシャリレキショウジ",
        "representative_last_name": "山田",
        "representative_first_name": "太郎",
        "representative_last_name_kana": "ヤマダ",
        "representative_first_name_kana": "タロウ",
        "zip_code": "150-0001",
        "prefecture": "東京都",
        "city": "渋谷区",
        "town": "神宮前",
        "street": f"1-2-{rng.randint(1, 30)}",
        "phone1": "03-1234-5678",
        "mail_address": "info@example.jp",
        "job_type": "1",
        "payment_type": "1",
        "credit_card_number": "4111111111111111",
        "credit_card_expire_month": "12",
        "credit_card_expire_year": "2030",
        "credit_card_name": "TARO YAMADA",
        "credit_card_security_code": "123",
        "sales_channel_id": "1",
    }


OCR_CORRECTED_CUSTOMER_NUMBER = "1000-2001"
SITE = {
    "power_branch_name": "渋谷店",
    "pps_business_number": "electric",
    "application_type": "1",
    "power_plan_name": "低圧電力プランA",
    "contract_capacity": "30kVA",
    "power_supplier_type": "03",
    "power_customer_number": "12-3456-7890",
    "power_customer_location_number": "0300111234567890123456",
    "power_zip_code": "1500002",
    "power_prefecture": "東京都",
    "power_city": "渋谷区",
    "power_street": "2-21-1",
    "power_customer_name": "株式会社履歴商事",
    "power_customer_name_kana": "カブシキガイシャリレキショウジ",
    "latest_charges": 12000,
    "latest_power_usage": 800,
    "latest_date": "2026-01",
}
