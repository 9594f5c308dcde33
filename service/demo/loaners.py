"""Demo data for 代替機: the §8.1 locations and models (plus two 関東 locations and a server and a UPS model),
about 300 devices, and up to four years of status answers ending in every status and every 預かり機のステータス.

Masters and devices go through the service (numbers generated, audited); the answers are checked against the forms
and bulk-inserted with their past timestamps, then every device's current state is computed from its history.
Some answers are older than three years, so the rotation has something to archive. `loaners-staff` is granted the
staff role scoped to 関西 (the §8.1 locations): it sees none of 関東's (東京, 横浜) locations and devices, which
`loaners-admin` sees next to them.
"""

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.database import utcnow
from service.demo.framework import DemoProgress, demo_hook, grant_demo_user
from service.loaners.devices import devices
from service.loaners.devices.schemas import DeviceCreate
from service.loaners.masters import masters
from service.loaners.masters.schemas import LocationCreate, ModelCreate
from service.loaners.models import Device, Form, Location, Model, Submission
from service.loaners.seed import ensure_initial_data
from service.loaners.submissions import forms, submissions
from service.tenancy import TenantScope

SEED = 20240702
DEVICES_PER_LOCATION = 60
EXTRA_LOCATIONS = (
    LocationCreate(
        id="tokyo",
        code="TOKYO",
        name="東京",
        jurisdiction="関東",
        group_email="kanto-group@example.com",
        notify_status_change=True,
    ),
    LocationCreate(
        id="yokohama", code="YOKOHAMA", name="横浜", jurisdiction="関東", group_email="kanto-group@example.com"
    ),
)
EXTRA_MODELS = (
    ModelCreate(name="PowerEdge-T150", maker="Dell", category="Server"),
    ModelCreate(name="Smart-UPS-500", maker="APC", category="Other"),
)
PEOPLE = ("山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲", "田中健", "伊藤由美")
CUSTOMERS = ("○○商事株式会社", "△△工業株式会社", "□□病院", "株式会社サンプル物流", "みなと会計事務所", "ひかり歯科")
HELD = (
    "1.返却可能",
    "2.商談や金額の問題で返却不可",
    "3.お客様による返却拒否",
    "4.HW延長保守中(OS入れ替えやサービス終了を含む)",
)
IN_HOUSE = ("1.貸出可能", "2.初期化待ち", "3.修理中")
STAFF_LOGIN, STAFF_JURISDICTION = "loaners-staff", "関西"
ALL = TenantScope("loaners", "jurisdiction", None)


def _answers(rng: random.Random, status: str, at: datetime, kind: str) -> dict[str, str]:
    """A plausible answer set for a status (the form's required questions answered, the held status sometimes)."""
    answers = {"0-1.担当者": rng.choice(PEOPLE), "0-4.ステータス": status}
    day = at.date().isoformat()
    if status == "1.貸出中":
        custody = rng.random() < 0.7
        answers |= {
            "1-1.貸出先": rng.choice(CUSTOMERS),
            "1-2.貸出日": day,
            "1-4.ユーザー機の預り有無": "有り" if custody else "無し",
            "1-5.お預かり証No.": f"R-{rng.randrange(10000):04d}",
        }
        if custody and rng.random() < 0.85:
            answers["預かり機のステータス"] = rng.choice(HELD)
    elif status == "2.回収後社内保管":
        answers |= {"2-1.回収日": day, "2-2.回収時の状態": rng.choice(("正常", "正常", "破損あり", "付属品欠品"))}
        answers |= {"2-3.データ消去": "未実施"} if kind == "terminal" else {}
    elif status == "3.社内にて保管中":
        inner = rng.choice(IN_HOUSE)
        answers |= {"3-0.社内ステータス": inner}
        answers |= (
            {"3-3-1.修理依頼先": "メーカー修理センター", "3-3-2.修理依頼日": day} if inner.startswith("3.") else {}
        )
        answers |= {"3-1-1.保管場所": rng.choice(("倉庫A", "倉庫B", "事務所"))} if inner.startswith("1.") else {}
    else:
        answers |= {"4-1.廃棄日": day, "4-2.廃棄理由": "経年劣化"}
    if rng.random() < 0.15:
        answers["0-5.備考"] = "付属品（ACアダプタ）あり"
    return answers


def _statuses(rng: random.Random, count: int) -> list[str]:
    """A device's life: mostly lent and back in-house, discarded at the end now and then."""
    path = [rng.choice(("1.貸出中", "3.社内にて保管中", "3.社内にて保管中", "2.回収後社内保管")) for _ in range(count)]
    if rng.random() < 0.05:
        path[-1] = "4.廃棄済み"
    elif rng.random() < 0.55:
        path[-1] = "1.貸出中"
    return path


def _masters(db: Session, progress: DemoProgress) -> tuple[list[Location], list[Model]]:
    """The two 関東 locations and two more models, next to the §8.1 ones."""
    for location in EXTRA_LOCATIONS:
        if db.get(Location, location.id) is None:
            masters.create_location(db, data=location, actor=progress.actor)
    for model in EXTRA_MODELS:
        if db.scalar(select(Model).where(Model.name == model.name)) is None:
            masters.create_model(db, data=model, actor=progress.actor)
    places = list(db.scalars(select(Location).where(Location.status == "active").order_by(Location.id)))
    return places, list(db.scalars(select(Model).order_by(Model.id)))


def _register(
    db: Session, progress: DemoProgress, rng: random.Random, place: Location, models: list[Model]
) -> list[Device]:
    registered = []
    for index in range(DEVICES_PER_LOCATION):
        model = models[(index + rng.randrange(len(models))) % len(models)]
        serial = f"{model.number_section[:3].upper()}{rng.randrange(10**6):06d}"
        data = DeviceCreate(
            location_id=place.id,
            model_id=model.id,
            serial_number=serial,
            asset_number=f"ASSET-{place.code[:3]}-{index:04d}",
            software=rng.choice(("", "Office 2021")),
            os=rng.choice(("Windows 11", "Windows 10")) if model.category in ("Laptop", "Desktop") else "",
            confirm=True,  # random serials may repeat
        )
        registered.append(devices.create_device(db, data=data, scope=ALL, actor=progress.actor))
    progress.advance()
    return registered


def _history(db: Session, registered: list[Device], rng: random.Random, now: datetime) -> None:
    form_ids = {kind: form_id for kind, form_id in db.execute(select(Form.kind, Form.id))}
    question_sets = {kind: forms.question_set(db, kind) for kind in form_ids}
    rows = []
    for device in registered:
        count = rng.randint(1, 6)
        start = now - timedelta(days=rng.randint(30, 4 * 365))
        times = sorted(start + (now - start) * rng.random() for _ in range(count))
        for at, status in zip(times, _statuses(rng, count), strict=True):
            answers = forms.clean_answers(question_sets[device.kind], _answers(rng, status, at, device.kind))
            rows.append(
                submissions.submission_row(
                    device_id=device.id,
                    form_id=form_ids[device.kind],
                    answers=answers,
                    submitted_at=at,
                    email=f"{rng.choice(('osaka', 'kobe', 'tokyo'))}-staff@example.jp",
                    created_at=at,
                )
            )
    db.execute(insert(Submission), rows)
    submissions.recompute_states(db, (device.id for device in registered))


@demo_hook("loaners")
def load_loaners(db: Session, progress: DemoProgress) -> None:
    now = utcnow()
    ensure_initial_data(db, now=now)
    grant_demo_user(db, STAFF_LOGIN, "loaners", "staff", scope=STAFF_JURISDICTION, actor=progress.actor)
    if db.scalar(select(Device.id).limit(1)) is not None:
        progress.start("代替機", total=1)
        progress.advance()
        return
    places, models = _masters(db, progress)
    progress.start("代替機", total=len(places) + 1)
    rng = random.Random(SEED)
    registered = [device for place in places for device in _register(db, progress, rng, place, models)]
    _history(db, registered, rng, now)
    progress.advance()
