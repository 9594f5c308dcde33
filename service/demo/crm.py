"""Demo data for 代理店CRM: three agencies with sales staff, two operators, 360 requests in every status, bill images.

Logins (password `daicho-demo`): crm-sales (営業, デモ第一代理店: sees their own cases), crm-sales-manager
(営業マネージャー of デモ第一代理店: sees the agency's cases), crm-sales-1-1 … crm-sales-3-2, crm-operator,
crm-operator-2, crm-admin. Requests are inserted in bulk (one summary audit entry); agencies and users go through
the services and are audited one by one. Loading twice adds nothing: the first agency's code marks the data as present.
"""

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from PIL import Image as PilImage
from PIL import ImageDraw, ImageFont
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.crm import auditing, crypto, storage
from service.crm.agencies import service as agencies
from service.crm.agencies.schemas import AgencyFields
from service.crm.masters import ensure_masters
from service.crm.models import (
    BACK_OFFICE,
    CANCELLED,
    COMMENT,
    DEFICIENCY,
    DEFICIENT,
    IN_PROGRESS,
    RESUBMISSION,
    SALES_SIDE,
    SUBMITTED,
    Agency,
    Comment,
    Corporation,
    Image,
    Notification,
    ReadMark,
    Request,
    Site,
)
from service.crm.ocr import reading
from service.crm.storage import CheckedUpload
from service.crm.users import service as users
from service.crm.validation import check_digit
from service.database import utcnow
from service.demo.framework import DemoLogin, DemoProgress, demo_hook, ensure_demo_user, grant_demo_user
from service.demo.platform import DEMO_PASSWORD, PEOPLE
from service.documents import japanese_font_path

SEED = 20260212
DemoRow = Corporation | Request | Site | Image | Comment | Notification  # what a batch inserts
REQUESTS_PER_AGENCY = 120
DAYS = 120
AGENCIES = (
    ("DEMO1", "デモ第一代理店株式会社", "RS1001", "第一紹介店", "佐藤 一郎"),
    ("DEMO2", "株式会社デモ第二代理店", "RS1002", "第二紹介店", "鈴木 花子"),
    ("DEMO3", "個人 デモ田中代理店", "RS1003", "田中紹介店", "田中 次郎"),
)
SALES_PER_AGENCY = 2
SALES_MANAGER = "crm-sales-manager"  # sees the whole agency's cases (visibility.py)
OPERATOR = "crm-operator"
OPERATORS = (("crm-operator-2", "清水 香織"),)
# the sales people's names: family names in turn, the given name moving on once they have gone round
FAMILY_NAMES = ("青木", "石井", "上田", "岡田", "斎藤", "近藤", "坂本", "前田", "藤田", "村上", "西村", "福田")
GIVEN_NAMES = ("健一", "明美", "悠斗", "彩", "剛", "千尋", "和也", "真央", "修", "愛")
# status of the request -> weight
MIX = ((IN_PROGRESS, 35), (DEFICIENT, 20), (SUBMITTED, 35), (CANCELLED, 10))
COMPANIES = (
    "サクラ",
    "アオバ",
    "ミドリ",
    "ヒカリ",
    "ソラ",
    "ウミ",
    "ヤマト",
    "ミナト",
    "ハルカ",
    "コスモ",
    "ツバサ",
    "アサヒ",
)
COMPANY_KANJI = ("桜", "青葉", "緑", "光", "空", "海", "大和", "港", "遥", "コスモ", "翼", "朝日")
KINDS = (("株式会社", "カブシキガイシャ"), ("有限会社", "ユウゲンガイシャ"), ("合同会社", "ゴウドウガイシャ"))
TRADES = (
    ("食品", "ショクヒン", "1"),
    ("商事", "ショウジ", "2"),
    ("サービス", "サービス", "3"),
    ("不動産", "フドウサン", "8"),
)
PLACES = (
    ("東京都", "渋谷区", "神宮前", "150-0001"),
    ("大阪府", "大阪市北区", "梅田", "530-0001"),
    ("愛知県", "名古屋市中区", "栄", "460-0008"),
    ("福岡県", "福岡市博多区", "博多駅前", "812-0011"),
)
BRANCHES = ("本店", "駅前店", "第二工場", "倉庫", "北口店", "南口店", "事務所")
PLANS = ("低圧電力プランA", "従量電灯B", "動力プラン", "ガス一般契約")
DEFICIENCY_REASONS = (
    "明細画像が不鮮明で供給地点特定番号が読めません",
    "お客様番号が明細と一致しません",
    "法人番号が登記と異なります",
)
AREA_OF = {"東京都": "03", "大阪府": "06", "愛知県": "04", "福岡県": "09"}
DEMO_CONFIDENCE = 0.95  # of each value the demo's bills are read with


@dataclass
class Batch:
    """Rows of one agency's requests, gathered before the bulk inserts."""

    corporations: list[dict] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    sites: list[list[dict]] = field(default_factory=list)
    comments: list[list[dict]] = field(default_factory=list)
    images: list[int] = field(default_factory=list)


def _font(size: int) -> Any:
    try:
        return ImageFont.truetype(str(japanese_font_path()), size)
    except (OSError, RuntimeError):
        return ImageFont.load_default()


BILLS = (  # title, 明細料金 (円), 電力使用量
    ("電気ご使用量のお知らせ", 48210, 1520),
    ("電気ご使用量のお知らせ", 128400, 4210),
    ("ガスご使用量のお知らせ", 22150, 310),
    ("電気ご使用量のお知らせ", 9870, 260),
    ("電気料金請求書", 310500, 9800),
    ("ガス料金のお知らせ", 15400, 190),
)
BILL_SIZE, LINE_LEFT, LINE_TOP, LINE_STEP, LINE_FONT = (480, 640), 30, 120, 50, 20


def bill_lines(i: int) -> tuple[tuple[str, str, str | int], ...]:
    """Bill i's lines under its title: each line's text, the site field it carries and that field's value."""
    _, amount, usage = BILLS[i]
    customer, location = f"{1000 + i}-{2000 + i * 7}", f"03{i:02d} 1112 2233 3444 5556 66"
    return (
        (f"ご請求金額  {amount:,} 円", "latest_charges", amount),
        (f"ご使用量  {usage:,} kWh", "latest_power_usage", usage),
        (f"お客様番号  {customer}", "power_customer_number", customer),
        (f"供給地点特定番号  {location}", "power_customer_location_number", location.replace(" ", "")),
        ("2026年01月分", "latest_date", "2026-01"),
    )


def sample_bills() -> list[tuple[CheckedUpload, bytes]]:
    """Six small statement images (電気・ガスのご使用量のお知らせ), PNG and JPEG, with their thumbnails."""
    bills = []
    for i, (title, _, _) in enumerate(BILLS):
        picture = PilImage.new("RGB", BILL_SIZE, "white")
        draw = ImageDraw.Draw(picture)
        draw.rectangle((10, 10, 469, 629), outline="#1f4e79", width=4)
        draw.text((30, 40), title, fill="#1f4e79", font=_font(26))
        for row, (line, _, _) in enumerate(bill_lines(i)):
            draw.text((LINE_LEFT, LINE_TOP + row * LINE_STEP), line, fill="black", font=_font(LINE_FONT))
        out = io.BytesIO()
        kind, content_type, extension = ("PNG", storage.PNG, "png") if i % 2 else ("JPEG", storage.JPEG, "jpg")
        picture.save(out, kind)
        upload = CheckedUpload(f"明細_{i + 1}.{extension}", out.getvalue(), content_type, extension, *BILL_SIZE)
        bills.append((upload, storage.make_thumbnail(upload)))
    return bills


def bill_reading(i: int, *, now: datetime) -> dict[str, Any]:
    """Bill i as OCR would have read it (the image's `ocr_result`, ocr/reading.py): each line's value proposed, boxed
    where the line is drawn; for the demo's history, which runs no engine."""
    font, lines = _font(LINE_FONT), bill_lines(i)
    fields = {}
    for row, (line, name, value) in enumerate(lines):
        left, top, right, bottom = font.getbbox(line)
        at = LINE_TOP + row * LINE_STEP
        fields[name] = {
            "value": value,
            "confidence": DEMO_CONFIDENCE,
            "box": [LINE_LEFT + left, at + top, LINE_LEFT + right, at + bottom],
            "chars": [[char, DEMO_CONFIDENCE] for char in str(value)],
        }
    return {
        "status": reading.DONE,
        "engine": "demo",
        "version": "1",
        "read_at": now.isoformat(),
        "page_size": list(BILL_SIZE),
        "text": "\n".join(line for line, _, _ in lines),
        "fields": fields,
        "withheld": [],
    }


def _corporation_number(rng: random.Random) -> str:
    base = str(rng.randrange(10**11, 10**12))
    return f"{check_digit(base)}{base}"


def _corporation(rng: random.Random, agency_id: int, now: datetime, closed: bool) -> dict:
    index = rng.randrange(len(COMPANIES))
    kind, kind_kana = rng.choice(KINDS)
    trade, trade_kana, job = rng.choice(TRADES)
    prefecture, city, town, zip_code = rng.choice(PLACES)
    card = rng.random() < 0.4
    number = "4111111111111111" if card else ""
    name = f"{kind}{COMPANY_KANJI[index]}{trade}"
    return {
        "agency_id": agency_id,
        "display_name": name,
        "customer_type": "2",
        "corporation_number": _corporation_number(rng),
        "last_name": name,
        "first_name": "",
        "last_name_kana": f"{kind_kana}{COMPANIES[index]}{trade_kana}",
        "first_name_kana": "",
        "representative_last_name": rng.choice(("山田", "佐藤", "高橋", "伊藤")),
        "representative_first_name": rng.choice(("太郎", "花子", "健")),
        "representative_last_name_kana": "ヤマダ",
        "representative_first_name_kana": "タロウ",
        "zip_code": zip_code,
        "prefecture": prefecture,
        "city": city,
        "town": town,
        "street": f"{rng.randrange(1, 5)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}",
        "building_name": "",
        "phone1": f"03-{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}",
        "phone2": "",
        "mail_address": f"info{rng.randrange(10000)}@example.jp",
        "job_type": job,
        "payment_type": "1" if card else rng.choice("23"),
        "card_number_encrypted": crypto.encrypt(number) if card else None,
        "card_last4": number[-4:],
        "card_security_code_encrypted": crypto.encrypt("123") if card and not closed else None,
        "card_revision": 2 if card else 0,
        "credit_card_expire_month": "12" if card else "",
        "credit_card_expire_year": "2030" if card else "",
        "credit_card_name": "DEMO TARO" if card else "",
        "invoice": "0",
        "payment_certificate": "0",
        "billing_address_same": True,
        "sales_channel_id": rng.choice("123567"),
        "created_at": now,
        "updated_at": now,
    }


def _site(rng: random.Random, status: str, corporation: dict, created: datetime, done: datetime) -> dict:
    gas = rng.random() < 0.15
    return {
        "status": status,
        "submitted_at": done if status == SUBMITTED else None,
        "pps_business_number": "gas" if gas else "electric",
        "application_type": rng.choice("1245"),
        "power_plan_name": PLANS[3] if gas else rng.choice(PLANS[:3]),
        "contract_capacity": f"{rng.choice((6, 10, 30, 50))}kVA",
        "power_area": AREA_OF[corporation["prefecture"]],
        "power_supplier_type": AREA_OF[corporation["prefecture"]],
        "power_customer_number": f"{rng.randrange(10**9, 10**10)}",
        "power_customer_location_number": f"{rng.randrange(10**21, 10**22)}",
        "power_zip_code": corporation["zip_code"],
        "power_prefecture": corporation["prefecture"],
        "power_city": corporation["city"],
        "power_town": corporation["town"],
        "power_street": corporation["street"],
        "power_branch_name": rng.choice(BRANCHES),
        "power_customer_name": corporation["display_name"],
        "power_customer_name_kana": corporation["last_name_kana"],
        "latest_charges": rng.randrange(5000, 400000),
        "latest_power_usage": rng.randrange(100, 12000),
        "latest_date": "2026-01",
        "service_type": "gas" if gas else "electric",
        "option_plans": rng.sample(("OPT013234", "OPT032000", "OPT055248", "OPT030245"), rng.randrange(0, 3)),
        "created_at": created,
        "updated_at": done,
    }


def _comment(kind: str, audience: str, author: int, message: str, at: datetime, read: bool, **extra: Any) -> dict:
    """A comment's row and whether its side has read it (`read`: the request's sales person, or the back office)."""
    return (
        {"type": kind, "audience": audience, "author_id": author, "message": message, "created_at": at}
        | extra
        | {"read": read}
    )


def _times(status: str, created: datetime, done: datetime, resubmitted: tuple[datetime, datetime] | None) -> dict:
    """When the request entered its status, when it closed and its earlier time in 不備 (a resubmission's wait)."""
    since = {
        DEFICIENT: created + timedelta(hours=3),
        IN_PROGRESS: resubmitted[1] if resubmitted else created,
        SUBMITTED: done,
        CANCELLED: done,
    }[status]
    waited = (resubmitted[1] - resubmitted[0]).total_seconds() if resubmitted else 0
    return {
        "status_since": min(since, done) if status == DEFICIENT else since,
        "closed_at": done if status in (SUBMITTED, CANCELLED) else None,
        "deficient_seconds": round(waited),
    }


def _assignee(status: str, index: int, back_office: list[int], resubmitted: bool) -> int | None:
    """Done work is its operator's; half the open work has been taken (a resubmitted request is back in the
    queue)."""
    if status == SUBMITTED or (status == IN_PROGRESS and not resubmitted and index % 2 == 0):
        return back_office[index % len(back_office)]
    return None


def _request(
    rng: random.Random, batch: Batch, agency_id: int, sales: list[int], back_office: list[int], now: datetime
) -> None:
    """One request of a random status with its corporation, sites, comment history, assignee and status times."""
    operator = back_office[0]
    status = rng.choices([s for s, _ in MIX], weights=[w for _, w in MIX])[0]
    created = now - timedelta(days=rng.uniform(0, DAYS))
    done = min(now, created + timedelta(days=rng.uniform(0.2, 6)))
    corporation = _corporation(rng, agency_id, created, closed=status in (SUBMITTED, CANCELLED))
    count = rng.choice((1, 1, 1, 2, 3))
    requested_by = rng.choice(sales)
    site_statuses = {
        IN_PROGRESS: [IN_PROGRESS] * count if rng.random() < 0.7 else [],
        DEFICIENT: [DEFICIENT] + [IN_PROGRESS] * (count - 1) if rng.random() < 0.7 else [],
        SUBMITTED: [SUBMITTED] * count,
        CANCELLED: [CANCELLED] * count if rng.random() < 0.6 else [],
    }[status]
    comments = []
    resubmitted = status in (IN_PROGRESS, SUBMITTED) and rng.random() < 0.15
    # a resubmitted request was sent back a tenth of its way and resubmitted at six tenths
    wait = (created + (done - created) * 0.1, created + (done - created) * 0.6) if resubmitted else None
    if status == DEFICIENT or resubmitted:
        reason = rng.choice(DEFICIENCY_REASONS)
        comments.append(
            _comment(
                DEFICIENCY,
                SALES_SIDE,
                operator,
                reason,
                wait[0] if wait else created + timedelta(hours=3),
                resubmitted or rng.random() < 0.5,
            )
        )
    if wait:
        changes: dict[str, Any] = {"corporation": {}, "request": {}, "images_added": [], "images_removed": []}
        comments.append(
            _comment(RESUBMISSION, BACK_OFFICE, requested_by, "画像を差し替えました", wait[1], True, changes=changes)
        )
    if rng.random() < 0.2:
        comments.append(
            _comment(
                COMMENT,
                BACK_OFFICE,
                requested_by,
                "お急ぎでお願いします",
                created + timedelta(minutes=5),
                rng.random() < 0.5,
            )
        )
    batch.corporations.append(corporation)
    batch.requests.append(
        {
            "agency_id": agency_id,
            "requested_by": requested_by,
            "status": status,
            "whole_deficiency": status == DEFICIENT and not site_statuses,
            "ever_deficient": status == DEFICIENT or resubmitted,
            "cancelled_at": done if status == CANCELLED else None,
            "remarks": rng.choice(("", "支払は分割でお願いします", "明細画像がない地点は備考に記載")),
            "site_count": max(1, count),
            "created_at": created,
            "updated_at": done,
        }
        | _times(status, created, done, wait)
    )
    assignee = _assignee(status, len(batch.requests), back_office, resubmitted)
    batch.requests[-1] |= {"assigned_to": assignee, "assigned_at": created if assignee else None}
    batch.sites.append([_site(rng, s, corporation, created, done) for s in site_statuses])
    batch.comments.append(comments)
    batch.images.append(rng.choice((1, 1, 2)))


def _insert(db: Session, model: type[DemoRow], rows: list[dict]) -> list[int]:
    if not rows:
        return []
    return list(db.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows))


def _read_marks(comments: list[dict], ids: list[int], back_office: list[int], now: datetime) -> list[dict]:
    """Each reader's mark per request: the last comment they read (the sales person's side: the request's sales
    person; the back office's: every back-office user)."""
    marks: dict[tuple[int, int], int] = {}
    for comment, comment_id in zip(comments, ids, strict=True):
        if comment["read"]:
            readers = [comment["requested_by"]] if comment["audience"] == SALES_SIDE else back_office
            for reader in readers:
                key = (reader, comment["request_id"])
                marks[key] = max(marks.get(key, 0), comment_id)
    return [
        {"user_id": user, "request_id": request, "read_through": through, "read_at": now}
        for (user, request), through in marks.items()
    ]


def _store(db: Session, batch: Batch, agency_id: int, bills: list, back_office: list[int], rng: random.Random) -> int:
    """Insert one agency's batch; returns how many requests were added."""
    corporation_ids = _insert(db, Corporation, batch.corporations)
    request_ids = _insert(
        db, Request, [r | {"corporation_id": c} for r, c in zip(batch.requests, corporation_ids, strict=True)]
    )
    site_rows, comment_rows, image_rows, notes = [], [], [], []
    for request_id, corporation_id, sites, comments, images, request in zip(
        request_ids, corporation_ids, batch.sites, batch.comments, batch.images, batch.requests, strict=True
    ):
        site_rows += [
            s | {"request_id": request_id, "corporation_id": corporation_id, "agency_id": agency_id} for s in sites
        ]
        comment_rows += [
            c | {"request_id": request_id, "agency_id": agency_id, "requested_by": request["requested_by"]}
            for c in comments
        ]
        notes += [(request["requested_by"], request_id, c) for c in comments if c["type"] == DEFICIENCY]
        for _ in range(images):
            upload, thumbnail = rng.choice(bills)
            stored, thumb = storage.store(db, upload, agency_id=agency_id, request_id=request_id, thumbnail=thumbnail)
            image_rows.append(
                {
                    "request_id": request_id,
                    "agency_id": agency_id,
                    "file_name": upload.file_name,
                    "stored_path": stored,
                    "thumbnail_path": thumb,
                    "content_type": upload.content_type,
                    "size_bytes": len(upload.data),
                    "width": upload.width,
                    "height": upload.height,
                    "sha256": upload.sha256,
                    "uploaded_by": request["requested_by"],
                    "uploaded_at": request["created_at"],
                }
            )
    _insert(db, Site, site_rows)
    _insert(db, Image, image_rows)
    read = ("read", "requested_by")
    comment_ids = _insert(db, Comment, [{k: v for k, v in c.items() if k not in read} for c in comment_rows])
    marks = _read_marks(comment_rows, comment_ids, back_office, utcnow())
    if marks:
        db.execute(insert(ReadMark), marks)
    by_key = {(row["request_id"], row["created_at"]): cid for row, cid in zip(comment_rows, comment_ids, strict=True)}
    _insert(
        db,
        Notification,
        [
            {
                "user_id": user,
                "request_id": rid,
                "comment_id": by_key[(rid, c["created_at"])],
                "kind": DEFICIENCY,
                "message": f"依頼 #{rid} に不備があります: {c['message']}",
                "read_at": c["created_at"] if c["read"] else None,
                "created_at": c["created_at"],
            }
            for user, rid, c in notes
        ],
    )
    return len(request_ids)


def _agency(db: Session, spec: tuple, progress: DemoProgress) -> Agency:
    code, name, shop_code, shop_name, contact = spec
    agency = db.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        data = AgencyFields(
            name=name, code=code, referral_shop_code=shop_code, referral_shop_name=shop_name, contact_name=contact
        )
        agency = agencies.create_agency(db, data=data, actor=progress.actor)
    return agency


def sales_logins(number: int) -> list[str]:
    """The logins of agency `number`'s sales people (the first agency's include crm-sales and crm-sales-manager)."""
    return [f"crm-sales-{number}-{i}" for i in range(1, SALES_PER_AGENCY + 1)] + (
        ["crm-sales", SALES_MANAGER] if number == 1 else []
    )


def crm_logins() -> list[DemoLogin]:
    """Every login load_crm makes: the operators and each agency's sales people."""
    operators = [OPERATOR, *(login for login, _ in OPERATORS)]
    sales = [login for number in range(1, len(AGENCIES) + 1) for login in sales_logins(number)]
    return [DemoLogin(login, "crm", DEMO_PASSWORD) for login in operators + sales]


def sales_name(agency_number: int, index: int) -> str:
    """A made-up person's name, no two the same among the demo's sales people."""
    k = (agency_number - 1) * (SALES_PER_AGENCY + 2) + index
    return f"{FAMILY_NAMES[k % len(FAMILY_NAMES)]} {GIVEN_NAMES[k // len(FAMILY_NAMES) % len(GIVEN_NAMES)]}"


def _sales_staff(db: Session, agency: Agency, number: int, progress: DemoProgress) -> list[int]:
    """The agency's sales people, with their CRM profiles."""
    ids = []
    for i, login in enumerate(sales_logins(number)):
        user = ensure_demo_user(db, login, name=sales_name(number, i), password=DEMO_PASSWORD, actor=progress.actor)
        grant_demo_user(db, login, "crm", "sales", scope=str(agency.id), actor=progress.actor)
        code = f"LCK{number}{i:02d}DM"
        users.ensure_profile(
            db,
            user=user,
            agency_id=agency.id,
            sales_staff_code=code,
            l_code=f"L{number}{i:03d}",
            actor=progress.actor,
            is_sales_manager=login == SALES_MANAGER,
        )
        ids.append(user.id)
    return ids


@demo_hook("crm", logins=crm_logins())
def load_crm(db: Session, progress: DemoProgress) -> None:
    progress.start("代理店CRM", total=len(AGENCIES))
    ensure_masters(db)
    fresh = db.scalar(select(Agency.id).where(Agency.code == AGENCIES[0][0])) is None
    operator = ensure_demo_user(db, OPERATOR, name=PEOPLE[OPERATOR], password=DEMO_PASSWORD, actor=progress.actor)
    back_office = []
    for login, name in ((OPERATOR, operator.name), *OPERATORS):
        back_office.append(ensure_demo_user(db, login, name=name, password=DEMO_PASSWORD, actor=progress.actor).id)
        grant_demo_user(db, login, "crm", "operator", actor=progress.actor)
    rng, bills, now, added = random.Random(SEED), sample_bills() if fresh else [], utcnow(), 0
    for number, spec in enumerate(AGENCIES, start=1):
        agency = _agency(db, spec, progress)
        sales = _sales_staff(db, agency, number, progress)
        if fresh:
            batch = Batch()
            for _ in range(REQUESTS_PER_AGENCY):
                _request(rng, batch, agency.id, sales, back_office, now)
            added += _store(db, batch, agency.id, bills, back_office, rng)
        progress.advance()
    if added:
        auditing.record(
            db, progress.actor, "demo_load", "request", None, {"requests": added, "agencies": len(AGENCIES)}
        )
