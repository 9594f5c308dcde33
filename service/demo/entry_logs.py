"""Demo data for 入退管理: two nurseries, each with its parents, children, three weeks of scans and its own staff login,
so tenant isolation can be seen: さくら保育園 (code `sakura`, entry-exit password `sakura-demo`, 45 parents, 55
children, staff `nursery-staff`; its stations in 自動 mode, 「カードを忘れた方」 PIN `1234`) and もみじ保育園
(`momiji` / `momiji-demo`, 12 families, staff `nursery-staff-2`; 手動 mode, PIN `5678`)."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.database import utcnow
from service.demo.framework import DemoLogin, DemoProgress, demo_hook, ensure_demo_user, grant_demo_user
from service.demo.platform import DEMO_PASSWORD
from service.entry_logs import counts
from service.entry_logs.lookups import local_today, local_zone
from service.entry_logs.models import (
    ABSENT,
    AUTO,
    ENTRY,
    EXIT,
    MANUAL,
    PRESENT,
    Attendance,
    EntryLog,
    Nursery,
    Parent,
)
from service.entry_logs.roster import service as roster
from service.entry_logs.roster.schemas import ChildCreate, NurseryCreate, ParentCreate


@dataclass(frozen=True)
class DemoNursery:
    code: str
    name: str
    password: str
    staff_login: str
    staff_name: str
    families: int
    first_surname: int  # the families' surnames are SURNAMES from here on
    entry_mode: str  # how its stations' scans get their 入/出
    pin: str  # staff unlock its stations' 「カードを忘れた方」 with it


NURSERIES = (
    DemoNursery("sakura", "さくら保育園", "sakura-demo", "nursery-staff", "山口 真由美", 40, 0, AUTO, "1234"),
    DemoNursery("momiji", "もみじ保育園", "momiji-demo", "nursery-staff-2", "井上 陽子", 12, 40, MANUAL, "5678"),
)
TWO_PARENT_FAMILIES = 5
SIBLING_FAMILIES = 15
DAYS = 21
SEED = 20260114
STATION = "demo-gate"
STATION_NAME = "玄関"  # what the logs show the demo's station by

# (name, reading): the readings are the parents' ふりがな, found at the station's 「カードを忘れた方」
SURNAMES = (
    ("山田", "やまだ"),
    ("佐藤", "さとう"),
    ("鈴木", "すずき"),
    ("高橋", "たかはし"),
    ("田中", "たなか"),
    ("伊藤", "いとう"),
    ("渡辺", "わたなべ"),
    ("中村", "なかむら"),
    ("小林", "こばやし"),
    ("加藤", "かとう"),
    ("吉田", "よしだ"),
    ("山本", "やまもと"),
    ("松本", "まつもと"),
    ("井上", "いのうえ"),
    ("木村", "きむら"),
    ("林", "はやし"),
    ("斎藤", "さいとう"),
    ("清水", "しみず"),
    ("山口", "やまぐち"),
    ("森", "もり"),
    ("池田", "いけだ"),
    ("橋本", "はしもと"),
    ("阿部", "あべ"),
    ("石川", "いしかわ"),
    ("前田", "まえだ"),
    ("藤田", "ふじた"),
    ("後藤", "ごとう"),
    ("岡田", "おかだ"),
    ("長谷川", "はせがわ"),
    ("村上", "むらかみ"),
    ("近藤", "こんどう"),
    ("石井", "いしい"),
    ("坂本", "さかもと"),
    ("遠藤", "えんどう"),
    ("青木", "あおき"),
    ("藤井", "ふじい"),
    ("西村", "にしむら"),
    ("福田", "ふくだ"),
    ("太田", "おおた"),
    ("三浦", "みうら"),
    ("藤原", "ふじわら"),
    ("岡本", "おかもと"),
    ("松田", "まつだ"),
    ("中川", "なかがわ"),
    ("中野", "なかの"),
    ("原田", "はらだ"),
    ("小野", "おの"),
    ("田村", "たむら"),
    ("竹内", "たけうち"),
    ("金子", "かねこ"),
    ("和田", "わだ"),
    ("中山", "なかやま"),
)
MOTHERS = (
    ("花子", "はなこ"),
    ("美咲", "みさき"),
    ("陽子", "ようこ"),
    ("由美", "ゆみ"),
    ("恵", "めぐみ"),
    ("真由美", "まゆみ"),
    ("智子", "ともこ"),
    ("直美", "なおみ"),
    ("裕子", "ゆうこ"),
    ("愛", "あい"),
)
FATHERS = (("太郎", "たろう"), ("健一", "けんいち"), ("誠", "まこと"), ("大輔", "だいすけ"), ("拓也", "たくや"))
CHILDREN = (
    ("陽翔", "はると"),
    ("結衣", "ゆい"),
    ("蓮", "れん"),
    ("陽葵", "ひまり"),
    ("湊", "みなと"),
    ("凛", "りん"),
    ("蒼", "あおい"),
    ("紬", "つむぎ"),
    ("樹", "いつき"),
    ("咲良", "さくら"),
    ("大和", "やまと"),
    ("芽依", "めい"),
)
CLASSES = ("ひよこ組", "うさぎ組", "きりん組", "ぞう組", "ぱんだ組")
ABSENCE_NOTES = ("風邪のため", "家庭の都合", "通院のため")


def _roster(db: Session, nursery: Nursery, spec: DemoNursery, progress: DemoProgress) -> list[list[Parent]]:
    """The nursery's families: a parent each (the first five with two), one child each (the first fifteen with a
    sibling)."""
    families = []
    for i, (surname, reading) in enumerate(SURNAMES[spec.first_surname : spec.first_surname + spec.families]):
        given = [MOTHERS[i % len(MOTHERS)]] + ([FATHERS[i]] if i < TWO_PARENT_FAMILIES else [])
        parents = [
            roster.create_parent(
                db,
                nursery=nursery,
                data=ParentCreate(
                    nursery_id=nursery.id,
                    name=f"{surname} {name}",
                    name_kana=f"{reading} {kana}",
                    phone=f"090-{1000 + i:04d}-{5000 + j:04d}",
                ),
                actor=progress.actor,
            )
            for j, (name, kana) in enumerate(given)
        ]
        for k in range(2 if i < SIBLING_FAMILIES else 1):
            name, kana = CHILDREN[(i + 5 * k) % len(CHILDREN)]
            child = ChildCreate(
                nursery_id=nursery.id,
                name=f"{surname} {name}",
                name_kana=f"{reading} {kana}",
                class_name=CLASSES[(i + 2 * k) % len(CLASSES)],
                parent_ids=[p.id for p in parents],
            )
            roster.create_child(db, nursery=nursery, data=child, actor=progress.actor)
        families.append(parents)
        progress.advance()
    return families


def _at(day: date, hour: int, minute: int, rng: random.Random) -> datetime:
    return datetime.combine(day, time(hour, minute, rng.randrange(60)), tzinfo=local_zone())


def _visit(parent: Parent, nursery: Nursery, enter: datetime, stay_minutes: int) -> list[dict]:
    common = {"parent_id": parent.id, "nursery_id": nursery.id, "station_id": STATION}
    leave = enter + timedelta(minutes=stay_minutes, seconds=17)
    return [
        common | {"entry_type": ENTRY, "occurred_at": enter, "created_at": enter},
        common | {"entry_type": EXIT, "occurred_at": leave, "created_at": leave},
    ]


def day_of_scans(
    nursery: Nursery, families: list[list[Parent]], day: date, rng: random.Random
) -> tuple[list[dict], set[int]]:
    """One weekday: each family's drop-off and pick-up visits (entry and exit), and which families stayed home."""
    logs, absent = [], set()
    for index, parents in enumerate(families):
        if rng.random() < 0.06:
            absent.add(index)
            continue
        drop_off = _at(day, 7 + rng.randrange(2), rng.randrange(60), rng)
        pick_up = _at(day, 16 + rng.randrange(3), rng.randrange(60), rng)
        logs += _visit(rng.choice(parents), nursery, drop_off, rng.randrange(3, 9))
        logs += _visit(rng.choice(parents), nursery, pick_up, rng.randrange(4, 12))
    return logs, absent


def _attendance(
    db: Session, nursery: Nursery, families: list[list[Parent]], day: date, absent: set[int], rng: random.Random
) -> None:
    for index, parents in enumerate(families):
        for child in parents[0].children:
            status = ABSENT if index in absent else PRESENT
            note = rng.choice(ABSENCE_NOTES) if status == ABSENT else ""
            db.add(Attendance(child_id=child.id, nursery_id=nursery.id, attendance_date=day, status=status, note=note))


def _history(db: Session, nursery: Nursery, families: list[list[Parent]], now: datetime) -> None:
    """Three weeks of weekday scans up to now, with a few parents still inside today."""
    rng = random.Random(SEED)
    today = local_today(now)
    rows: list[dict] = []
    for offset in range(DAYS, -1, -1):
        day = today - timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        logs, absent = day_of_scans(nursery, families, day, rng)
        rows += [row for row in logs if row["occurred_at"] <= now]
        _attendance(db, nursery, families, day, absent, rng)
    rows += [row for parents in families[-3:] for row in _visit(parents[0], nursery, now - timedelta(minutes=4), 0)[:1]]
    db.execute(insert(EntryLog), rows)
    counts.rebuild(db, nursery_id=nursery.id)


def _nursery(db: Session, spec: DemoNursery, progress: DemoProgress) -> Nursery:
    """The demo nursery with its roster and history, created the first time only; its staff login scoped to it."""
    nursery = db.scalar(select(Nursery).where(Nursery.code == spec.code))
    if nursery is None:
        data = NurseryCreate(code=spec.code, name=spec.name, entry_exit_password=spec.password)
        nursery = roster.create_nursery(db, data=data, actor=progress.actor)
        nursery.entry_mode = spec.entry_mode
        roster.set_station_pin(db, nursery=nursery, pin=spec.pin, actor=progress.actor)
        roster.name_station(db, nursery=nursery, station_id=STATION, name=STATION_NAME, actor=progress.actor)
        families = _roster(db, nursery, spec, progress)
        db.expire_all()
        _history(db, nursery, families, utcnow())
    else:
        progress.advance(spec.families)
    ensure_demo_user(db, spec.staff_login, name=spec.staff_name, password=DEMO_PASSWORD, actor=progress.actor)
    grant_demo_user(db, spec.staff_login, "entry_logs", "staff", scope=str(nursery.id), actor=progress.actor)
    return nursery


@demo_hook("entry_logs", logins=(DemoLogin(spec.staff_login, "entry_logs", DEMO_PASSWORD) for spec in NURSERIES))
def load_entry_logs(db: Session, progress: DemoProgress) -> None:
    progress.start("入退管理", total=sum(spec.families for spec in NURSERIES) + 1)
    for spec in NURSERIES:
        _nursery(db, spec, progress)
    progress.advance()
