"""Demo data for 端末管理: nine customers, about 2,850 TC-200 terminals at their stores, and their last month.

The service's own functions make whatever has rules (customers, rollouts, the offline sweep and its incident, alert
work, maintenance, the roll-up, the digest); bulk inserts make the volume. Terminals shown online get an offline
deadline a year ahead, so the offline sweep leaves the picture as it was loaded."""

import hashlib
import math
import random
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from service.audit.service import Actor
from service.config import get_settings
from service.database import utcnow
from service.demo.framework import DemoProgress, demo_hook
from service.dialect import insert_rows, update_rows
from service.fleet import auditing, labels, retention
from service.fleet.agent.credentials import hash_secret
from service.fleet.agent.schemas import ProgressIn
from service.fleet.alerting import alerts, escalations, monitoring
from service.fleet.models import (
    Alert,
    Command,
    Customer,
    FirmwareRelease,
    MetricHourly,
    MetricSample,
    Rollout,
    Terminal,
    TerminalEvent,
    UpdateTask,
)
from service.fleet.registry import customers
from service.fleet.registry.schemas import CustomerCreate, TerminalFilter
from service.fleet.registry.terminals import set_maintenance
from service.fleet.rollouts import firmware
from service.fleet.rollouts.schemas import RolloutCreate, RolloutTarget
from service.identity import service as identity
from service.roles import DOMAINS
from service.tenancy import TenantScope

SEED = 20260301
AGENT_VERSION = "0.1.0"
FACTORY_FIRMWARE = "1.0.0"
SAMPLE_MINUTES = 5
HOURLY_DAYS = 30
ONLINE_DEADLINE = timedelta(days=365)
EVERYONE = TenantScope("fleet", DOMAINS["fleet"].scope_kind, None)


@dataclass(frozen=True)
class Size:
    """FULL for `make run`; tests may load less."""

    share: float = 1.0  # of each customer's terminal count
    history_terminals: int = 100
    raw_days: int = 3  # of five-minute samples (older hours exist only as roll-ups)
    past_alerts: int = 160


FULL = Size()


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    person: str
    email: str
    phone: str
    contract: str
    terminals: int
    till: str


CUSTOMERS = (
    CustomerSpec("ABC商事", "佐藤 健一", "sato@abc-shoji.example.jp", "03-5201-1180", "premium", 760, "レジ"),
    CustomerSpec("XYZ商店", "鈴木 由美", "suzuki@xyz-shoten.example.jp", "06-6345-2201", "standard", 520, "レジ"),
    CustomerSpec(
        "さくらドラッグ株式会社", "高橋 誠", "takahashi@sakura-drug.example.jp", "03-3981-4410", "premium", 480, "レジ"
    ),
    CustomerSpec(
        "北斗フードサービス株式会社",
        "伊藤 真由美",
        "ito@hokuto-food.example.jp",
        "011-221-3305",
        "standard",
        340,
        "会計",
    ),
    CustomerSpec(
        "青葉ホームセンター株式会社",
        "渡辺 大輔",
        "watanabe@aoba-hc.example.jp",
        "022-262-7781",
        "standard",
        300,
        "レジ",
    ),
    CustomerSpec(
        "富士見ベーカリー株式会社", "中村 恵", "nakamura@fujimi-bakery.example.jp", "045-314-6620", "basic", 180, "レジ"
    ),
    CustomerSpec("みなと書店", "小林 拓也", "kobayashi@minato-shoten.example.jp", "078-391-5512", "basic", 120, "レジ"),
    CustomerSpec("田中ストア", "田中 一郎", "tanaka@tanaka-store.example.jp", "092-711-0034", "basic", 89, "レジ"),
    CustomerSpec(
        "東和モータース株式会社", "山本 浩二", "yamamoto@towa-motors.example.jp", "052-951-8870", "premium", 60, "受付"
    ),
)
NEW_STORE = (0, "横浜みなとみらい店", 8)  # customer index, store, tills: installed today, no agent yet
PAUSED_CUSTOMER = 2  # さくらドラッグ tries 1.3.0 first
INCIDENT_CUSTOMER = 8  # 東和モータース loses a group of stores at once

AREAS = (
    "新宿",
    "渋谷",
    "池袋",
    "品川",
    "上野",
    "銀座",
    "秋葉原",
    "吉祥寺",
    "立川",
    "町田",
    "八王子",
    "横浜",
    "川崎",
    "武蔵小杉",
    "大宮",
    "浦和",
    "千葉",
    "船橋",
    "柏",
    "札幌",
    "仙台",
    "宇都宮",
    "高崎",
    "新潟",
    "金沢",
    "静岡",
    "浜松",
    "名古屋",
    "栄",
    "岐阜",
    "京都",
    "四条河原町",
    "梅田",
    "なんば",
    "天王寺",
    "堺",
    "神戸三宮",
    "姫路",
    "岡山",
    "広島",
    "高松",
    "松山",
    "福岡天神",
    "博多",
    "小倉",
    "熊本",
    "鹿児島",
    "那覇",
)
BRANCHES = ("店", "駅前店", "東口店", "西口店", "北店", "南店", "中央店")

RELEASES = (
    ("1.1.0", 120, "決済処理の安定性向上。レシート印字の改行不具合を修正。"),
    ("1.2.0", 19, "ICカード読み取りの高速化。通信断からの自動復帰を改善。セキュリティ修正を含みます。"),
    ("1.3.0", 3, "新しいQRコード決済に対応。メモリ使用量を削減。"),
)
FULL_ROLLOUT_DAYS_AGO = 18
PAUSED_ROLLOUT_DAYS_AGO = 2
COMING_BACK_PER_MINUTE = 500  # terminals verified in one run of the rollout job
INSTALL_FAILURE = "書き込みエラー: フラッシュ領域の検証に失敗しました"

ERROR_DETAILS = (
    "カードリーダー応答なし",
    "レシートプリンター用紙切れ",
    "ICチップ読み取りエラーが連続しています",
    "決済センターとの通信がタイムアウトしました",
    "タッチパネル応答なし",
)


@dataclass(frozen=True)
class Work:
    """Minutes after it opened for each §4.2 step (None: not yet)."""

    who: str
    acknowledged: int | None = None
    diagnosed: int | None = None
    contacted: int | None = None
    resolved: int | None = None
    note: str = ""


# (minutes since they began, how they have been worked)
OFFLINE_NOW = (
    (3, None),
    (9, None),
    (16, None),
    (22, Work("fleet-support", 4)),
    (48, Work("fleet-support", 3, contacted=20, note="店舗に電話。停電のため復旧待ちとのこと")),
    (95, Work("fleet-operator", 5, 14, 28, note="店舗PCの電源断。店長様に再起動を依頼済み")),
    (240, Work("fleet-support", 8, 18, 35, note="改装工事のため一時休業中（店舗より連絡あり）")),
    (1500, Work("fleet-support", 4, 12, 26, note="閉店後にブレーカーが落ちた可能性。明朝の開店時に確認予定")),
    (2900, Work("fleet-operator", 6, 13, 31, note="回線事業者の障害。復旧見込みは未定")),
    (4300, Work("fleet-support", 7, 25, 50, note="店舗移転に伴い撤去予定。顧客と撤去日を調整中")),
)
ERRORS_NOW = (
    (2, None),
    (7, None),
    (18, Work("fleet-support", 3)),
    (45, Work("fleet-operator", 4, 11, note="リモート診断で決済センターへの経路断を確認。ルーター再起動を依頼")),
    (130, Work("fleet-support", 6, 14, 25, note="カードリーダーの交換品を発送手配済み")),
    (300, Work("fleet-support", 9, 20, 41, note="現地保守員の訪問を手配（本日17時予定）")),
)
HIGH_CPU_NOW = (
    (4, None),
    (9, None),
    (26, Work("fleet-operator", 3, 12, note="診断ログで決済連携プロセスの高負荷を確認")),
)
HIGH_MEMORY_NOW = ((14, None), (48, Work("fleet-operator", 5, 16, 30, note="既知のメモリリーク。閉店後に再起動予定")))
INCIDENT_MINUTES_AGO = 35
INCIDENT_WORK = Work(
    "fleet-support", 4, contacted=12, note="東和モータース様本社に連絡済み。同一回線事業者の障害の可能性"
)
UPDATE_FAILED_WORK = Work(
    "fleet-operator", 20, 45, note="1.3.0 の書き込みエラーをメーカーに問い合わせ中。ロールアウトは停止のまま"
)
TIMED_OUT_WORK = Work("fleet-support", 15, 40, 90, 240, note="店舗が休業日で電源断。次回の配信で対応")
MAINTENANCE_TERMINALS = 40

PAST_KINDS = (
    (
        "offline",
        45,
        (
            "店舗PCのLANケーブル抜けを店長様に確認いただき復旧",
            "回線工事による一時的な切断。工事後に自動復旧",
            "閉店後の電源断。開店時に復旧を確認",
        ),
    ),
    (
        "error",
        20,
        (
            "リモート診断でカードリーダーの応答なしを確認。再接続で復旧",
            "端末再起動で復旧。再発時は交換を検討",
            "レシートプリンターの用紙補充で解消",
        ),
    ),
    (
        "high_cpu",
        25,
        ("夜間バッチと営業時間の重なりによる高負荷。バッチ時刻を変更", "セキュリティスキャンの実行時刻を閉店後に変更"),
    ),
    ("high_memory", 10, ("既知のメモリリーク。再起動で解消、1.3.0 で修正予定",)),
)
STAFF = ("fleet-support", "fleet-operator", "fleet-admin")


@dataclass(frozen=True)
class Problem:
    kind: str
    since: datetime
    work: Work | None
    detail: str = ""


@dataclass
class DemoTerminal:
    id: int
    customer: int
    enrolled: bool
    rng: random.Random
    last_seen: datetime | None = None
    reading: tuple[float, float, float] = (0.0, 0.0, 0.0)
    problem: Problem | None = None

    def __post_init__(self) -> None:
        self.cpu_base, self.cpu_busy = self.rng.uniform(8, 22), self.rng.uniform(10, 35)
        self.memory_base, self.disk_now = self.rng.uniform(30, 50), self.rng.uniform(30, 70)
        self.disk_growth = self.rng.uniform(0.02, 0.15)  # points a day

    @property
    def heard_at(self) -> datetime:
        if self.last_seen is None:
            raise ValueError(f"demo terminal {self.id} has sent no heartbeat")
        return self.last_seen

    @property
    def streak(self) -> int:
        if self.problem is None or not self.problem.kind.startswith("high_"):
            return 0
        return 2 + int((self.heard_at - self.problem.since).total_seconds() // (SAMPLE_MINUTES * 60))


@dataclass
class Fleet:
    now: datetime
    size: Size
    rng: random.Random
    zone: ZoneInfo
    actor: Actor
    staff: dict[str, tuple[Actor, int | None]]
    customer_ids: list[int] = field(default_factory=list)
    terminals: list[DemoTerminal] = field(default_factory=list)
    taken: set[int] = field(default_factory=set)  # a problem, history, maintenance
    events: list[dict] = field(default_factory=list)
    utc_offset: timedelta = field(init=False)  # cheaper than converting every sample

    def __post_init__(self) -> None:
        offset = self.now.astimezone(self.zone).utcoffset()
        if offset is None:
            raise ValueError(f"{self.zone} gives no UTC offset")
        self.utc_offset = offset

    def pick(self, count: int) -> list[DemoTerminal]:
        free = [t for t in self.terminals if t.enrolled and t.id not in self.taken]
        chosen = self.rng.sample(free, max(0, min(count, len(free))))
        self.taken |= {t.id for t in chosen}
        return chosen

    def worker(self, login: str) -> tuple[Actor, int | None]:
        """The loader itself when the account is missing."""
        return self.staff.get(login, (self.actor, None))

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)


@demo_hook("fleet")
def load_fleet(db: Session, progress: DemoProgress) -> None:
    build_fleet(db, progress, FULL)


def build_fleet(db: Session, progress: DemoProgress, size: Size) -> None:
    """Nothing is added when its first customer exists already."""
    steps = len(CUSTOMERS) + size.history_terminals + 8
    progress.start("端末管理", total=steps)
    if db.scalar(select(Customer.id).where(Customer.company_name == CUSTOMERS[0].name)):
        progress.advance(steps)
        return
    now = utcnow()
    fleet = Fleet(now, size, random.Random(SEED), ZoneInfo(get_settings().timezone), progress.actor, _staff(db))
    _customers(db, fleet, progress)
    _terminals(db, fleet)
    progress.advance()
    releases = [_release(db, fleet, *spec) for spec in RELEASES]
    _full_rollout(db, fleet, releases[1])
    progress.advance()
    update_failed = _paused_rollout(db, fleet, releases[2])
    progress.advance()
    _past_alerts(db, fleet)
    monitoring.record_as_mailed(db, at=now - timedelta(hours=1))
    escalations.record_as_escalated(db, at=now)
    progress.advance()
    history = _problems(fleet) + [t for t in fleet.terminals if t.id in {a.terminal_id for a in update_failed}]
    history += fleet.pick(size.history_terminals - len(history))
    for terminal in history:
        _series(db, fleet, terminal)
        progress.advance()
    _snapshot(db, fleet, {t.id for t in history})
    _maintenance(db, fleet)
    _current_alerts(db, fleet, update_failed)
    progress.advance()
    _metrics(db, fleet)
    progress.advance()
    _events(db, fleet, history)
    progress.advance()
    monitoring.fleet_state(db).last_ingest_at = now
    monitoring.send_digest(db, now=now)
    db.flush()
    progress.advance()


def _staff(db: Session) -> dict[str, tuple[Actor, int | None]]:
    found: dict[str, tuple[Actor, int | None]] = {}
    for login in STAFF:
        user = identity.find_user_by_login(db, login)
        if user is not None:
            found[login] = (Actor(type="user", id=str(user.id), label=user.login_id), user.id)
    return found


# --- customers and terminals -------------------------------------------------------------------


def _customers(db: Session, fleet: Fleet, progress: DemoProgress) -> None:
    for spec in CUSTOMERS:
        data = CustomerCreate(
            company_name=spec.name,
            contact_person=spec.person,
            contact_email=spec.email,
            contact_phone=spec.phone,
            contract_type=spec.contract,
        )
        fleet.customer_ids.append(customers.create_customer(db, data=data, actor=fleet.actor).id)
        progress.advance()


def _stores(spec: CustomerSpec, count: int, rng: random.Random, offset: int) -> Iterator[str]:
    """「新宿店 レジ1番」: two to six tills a store."""
    named = 0
    for number in range(len(AREAS) * len(BRANCHES)):
        area = AREAS[(offset + number * 7) % len(AREAS)]
        store = area + BRANCHES[number // len(AREAS)]
        for till in range(1, rng.randint(2, 6) + 1):
            if named == count:
                return
            named += 1
            yield f"{store} {spec.till}{till}番"


def _terminals(db: Session, fleet: Fleet) -> None:
    rows: list[dict] = []
    owners: list[int] = []
    for index, spec in enumerate(CUSTOMERS):
        count = max(1, round(spec.terminals * fleet.size.share))
        for store in _stores(spec, count, fleet.rng, offset=index * 5):
            installed = (fleet.now - timedelta(days=fleet.rng.randint(60, 1100))).date()
            rows.append(_terminal_row(fleet, index, len(rows) + 1, store, installed, enrolled=True))
            owners.append(index)
    index, store, tills = NEW_STORE
    for till in range(1, tills + 1):
        name = f"{store} {CUSTOMERS[index].till}{till}番"
        rows.append(_terminal_row(fleet, index, len(rows) + 1, name, fleet.local(fleet.now).date(), enrolled=False))
        owners.append(index)
    db.execute(insert(Terminal), rows)
    serials = [row["serial_number"] for row in rows]
    ids = dict(db.execute(select(Terminal.serial_number, Terminal.id).where(Terminal.serial_number.in_(serials))).all())
    fleet.terminals = [
        DemoTerminal(
            ids[row["serial_number"]],
            owner,
            row["token_hash"] is not None,
            random.Random(f"{SEED}-{row['serial_number']}"),
        )
        for row, owner in zip(rows, owners, strict=True)
    ]
    auditing.record(
        db, fleet.actor, "demo_load", "terminal", None, {"terminals": {"before": 0, "after": len(rows)}}, at=fleet.now
    )


def _terminal_row(fleet: Fleet, customer: int, serial: int, store: str, installed: date, *, enrolled: bool) -> dict:
    at = min(datetime(installed.year, installed.month, installed.day, 1, tzinfo=fleet.zone), fleet.now)
    return {
        "serial_number": f"TC200-{serial:06d}",
        "customer_id": fleet.customer_ids[customer],
        "store_name": store,
        "installed_date": installed,
        "status": "online" if enrolled else "offline",
        "reported_status": "online" if enrolled else "offline",
        "firmware_version": "1.1.0" if enrolled else FACTORY_FIRMWARE,
        "agent_version": AGENT_VERSION if enrolled else "",
        "cpu_usage": 20.0 if enrolled else 0.0,
        "memory_usage": 40.0 if enrolled else 0.0,
        "disk_usage": 40.0 if enrolled else 0.0,
        "last_heartbeat_at": at if enrolled else None,
        "offline_deadline_at": fleet.now + ONLINE_DEADLINE if enrolled else None,
        "token_hash": hash_secret(secrets.token_urlsafe(32)) if enrolled else None,
        "token_issued_at": at if enrolled else None,
        "created_at": at,
        "updated_at": at,
    }


# --- firmware ------------------------------------------------------------------------------------


def firmware_image(version: str) -> bytes:
    """The same bytes on every load."""
    return f"TC-200 FIRMWARE {version}\n".encode() + random.Random(f"firmware-{version}").randbytes(64 * 1024)


def _release(db: Session, fleet: Fleet, version: str, days_ago: int, notes: str) -> FirmwareRelease:
    data = firmware_image(version)
    return firmware.create_release(
        db,
        version=version,
        sha256=hashlib.sha256(data).hexdigest(),
        notes=notes,
        filename=f"tc200-{version}.bin",
        data=data,
        actor=fleet.worker("fleet-admin")[0],
        now=fleet.now - timedelta(days=days_ago),
    )


def _wave_tasks(rollout: Rollout):
    return select(UpdateTask.terminal_id, UpdateTask.command_id).where(
        UpdateTask.rollout_id == rollout.id,
        UpdateTask.wave == rollout.current_wave,
        UpdateTask.status.in_(firmware.ACTIVE),
    )


def _deliver(db: Session, rollout: Rollout, at: datetime) -> None:
    commands = select(_wave_tasks(rollout).subquery().c.command_id)
    db.execute(
        update(Command)
        .where(Command.id.in_(commands))
        .values(status="sent", sent_at=at)
        .execution_options(synchronize_session=False)
    )


def _come_back(db: Session, terminal_ids: list[int], version: str, at: datetime) -> None:
    db.execute(
        update(Terminal)
        .where(Terminal.id.in_(terminal_ids))
        .values(firmware_version=version, status="online", last_heartbeat_at=at)
        .execution_options(synchronize_session=False)
    )


def _full_rollout(db: Session, fleet: Fleet, release: FirmwareRelease) -> None:
    """Terminals come back a few hundred a minute, and the rollout job verifies them as they do."""
    at = fleet.now - timedelta(days=FULL_ROLLOUT_DAYS_AGO)
    target = RolloutTarget(filter=TerminalFilter())
    rollout = firmware.create_rollout(
        db,
        data=RolloutCreate(release_id=release.id, target=target),
        scope=EVERYONE,
        actor=fleet.worker("fleet-admin")[0],
        now=at,
    )
    while rollout.status == "running":
        started = at
        wave = list(db.scalars(select(_wave_tasks(rollout).subquery().c.terminal_id)))
        last = rollout.current_wave == len(rollout.waves)
        failing = set(fleet.rng.sample(wave, len(wave) // 400 + 1)) if last else set()
        _deliver(db, rollout, started + timedelta(minutes=2))
        back = [t for t in wave if t not in failing]
        for minute, first in enumerate(range(0, len(back), COMING_BACK_PER_MINUTE)):
            at = started + timedelta(minutes=10 + minute)
            _come_back(db, back[first : first + COMING_BACK_PER_MINUTE], release.version, at - timedelta(minutes=1))
            firmware.advance(db, rollout=rollout, now=at)
        if failing:
            at = started + timedelta(minutes=rollout.timeout_minutes + 5)
            firmware.advance(db, rollout=rollout, now=at)
    timed_out = db.scalars(select(Alert).where(Alert.alert_type == "update_failed", Alert.status != alerts.RESOLVED))
    for alert in timed_out.all():
        _work(db, fleet, alert, TIMED_OUT_WORK)


def _paused_rollout(db: Session, fleet: Fleet, release: FirmwareRelease) -> list[Alert]:
    at = fleet.now - timedelta(days=PAUSED_ROLLOUT_DAYS_AGO)
    target = RolloutTarget(customer_id=fleet.customer_ids[PAUSED_CUSTOMER])
    rollout = firmware.create_rollout(
        db,
        data=RolloutCreate(release_id=release.id, target=target, waves=[5, 25, 100]),
        scope=EVERYONE,
        actor=fleet.worker("fleet-admin")[0],
        now=at,
    )
    wave = db.execute(_wave_tasks(rollout)).all()
    failing = fleet.rng.sample(wave, max(1, len(wave) // 6))
    _deliver(db, rollout, at + timedelta(minutes=2))
    _come_back(
        db, [task.terminal_id for task in wave if task not in failing], release.version, at + timedelta(minutes=12)
    )
    for task in failing:
        body = ProgressIn(state="failed", message=INSTALL_FAILURE)
        firmware.report_progress(
            db, terminal_id=task.terminal_id, command_id=task.command_id, body=body, now=at + timedelta(minutes=14)
        )
    firmware.advance(db, rollout=rollout, now=at + timedelta(minutes=20))
    fleet.taken |= {task.terminal_id for task in failing}
    return list(db.scalars(select(Alert).where(Alert.alert_type == "update_failed", Alert.status != alerts.RESOLVED)))


# --- alerts ----------------------------------------------------------------------------------------


def _open(db: Session, fleet: Fleet, terminal: DemoTerminal, kind: str, message: str, at: datetime) -> Alert:
    new = alerts.NewAlert(terminal.id, fleet.customer_ids[terminal.customer], kind, message)
    alerts.open_alerts(db, [new], now=at)
    return _open_alert(db, terminal, kind)


def _open_alert(db: Session, terminal: DemoTerminal, kind: str) -> Alert:
    return db.scalars(
        select(Alert).where(Alert.terminal_id == terminal.id, Alert.alert_type == kind, Alert.status != alerts.RESOLVED)
    ).one()


def _work(db: Session, fleet: Fleet, alert: Alert, work: Work) -> None:
    actor, user_id = fleet.worker(work.who)

    def at(minutes: int) -> datetime:
        return alert.created_at + timedelta(minutes=minutes)

    if work.acknowledged is not None:
        if user_id is not None:
            alerts.assign(db, alert=alert, assignee_id=user_id, actor=actor, now=at(work.acknowledged))
        alerts.acknowledge(db, alert=alert, actor=actor, now=at(work.acknowledged))
    for step, minutes in (("diagnosed", work.diagnosed), ("customer_contacted", work.contacted)):
        if minutes is not None:
            alerts.mark_step(db, alert=alert, step=step, actor=actor, now=at(minutes))
    if work.resolved is not None:
        alerts.resolve(db, alert=alert, note=work.note, actor=actor, now=at(work.resolved))
    elif work.note:
        done = max(m for m in (work.acknowledged, work.diagnosed, work.contacted) if m is not None)
        alerts.add_note(db, alert=alert, body=work.note, actor=actor, now=at(done))


def _message(fleet: Fleet, kind: str, detail: str, at: datetime) -> str:
    if kind == "offline":
        last = fleet.local(at - monitoring.offline_threshold()).strftime("%Y-%m-%d %H:%M")
        return labels.OFFLINE_MESSAGE.format(last=last)
    if kind == "error":
        return labels.ERROR_MESSAGE.format(detail=detail)
    settings = get_settings()
    return labels.HIGH_USAGE_MESSAGE.format(
        label=labels.USAGE_LABELS[kind],
        value=fleet.rng.uniform(90.5, 97),
        count=settings.fleet_high_usage_consecutive,
        threshold=settings.fleet_high_usage_percent,
    )


def _past_work(fleet: Fleet, notes: tuple[str, ...]) -> Work | None:
    rng = fleet.rng
    if rng.random() < 0.35:
        return None
    acknowledged = rng.choice((1, 2, 3, 3, 4, 4, 5, 7, 9))
    diagnosed = acknowledged + rng.randint(3, 12)
    contacted = diagnosed + rng.randint(4, 20)
    resolved = contacted + rng.randint(5, 40)
    return Work(rng.choice(STAFF[:2]), acknowledged, diagnosed, contacted, resolved, rng.choice(notes))


def _past_alerts(db: Session, fleet: Fleet) -> None:
    rng = fleet.rng
    kinds = rng.choices(PAST_KINDS, weights=[k[1] for k in PAST_KINDS], k=fleet.size.past_alerts)
    healthy = [t for t in fleet.terminals if t.enrolled]
    terminals = rng.sample(healthy, min(len(kinds), len(healthy)))
    starts = sorted(fleet.now - timedelta(minutes=rng.randint(36 * 60, HOURLY_DAYS * 24 * 60)) for _ in terminals)
    for (kind, _, notes), terminal, at in zip(kinds, terminals, starts, strict=False):
        detail = rng.choice(ERROR_DETAILS)
        alert = _open(db, fleet, terminal, kind, _message(fleet, kind, detail, at), at)
        work = _past_work(fleet, notes)
        if work is None:
            alerts.resolve_alerts(db, [(terminal.id, kind)], now=at + timedelta(minutes=rng.randint(6, 50)))
        else:
            _work(db, fleet, alert, work)
        if kind == "error":
            fleet.events.append(_event(fleet, terminal.id, at, "error", "device_error", f"端末エラー: {detail}"))


def _problems(fleet: Fleet) -> list[DemoTerminal]:
    """Returns the troubled terminals."""
    settings = get_settings()
    group = [t for t in fleet.terminals if t.customer == INCIDENT_CUSTOMER and t.enrolled]
    needed = max(settings.fleet_incident_min_terminals, math.ceil(settings.fleet_incident_ratio * len(group))) + 1
    incident = sorted(group, key=lambda t: t.id)[:needed]
    fleet.taken |= {t.id for t in incident}
    since = fleet.now - timedelta(minutes=INCIDENT_MINUTES_AGO)
    troubled = []
    for number, terminal in enumerate(incident):
        troubled.append(_place(terminal, Problem("offline", since, INCIDENT_WORK if number == 0 else None)))
    for kind, plan in (
        ("offline", OFFLINE_NOW),
        ("error", ERRORS_NOW),
        ("high_cpu", HIGH_CPU_NOW),
        ("high_memory", HIGH_MEMORY_NOW),
    ):
        for terminal, (minutes, work) in zip(fleet.pick(len(plan)), plan, strict=False):
            detail = fleet.rng.choice(ERROR_DETAILS) if kind == "error" else ""
            troubled.append(_place(terminal, Problem(kind, fleet.now - timedelta(minutes=minutes), work, detail)))
    for terminal, problem in troubled:
        if problem.kind == "offline":
            silence = monitoring.offline_threshold() + timedelta(seconds=fleet.rng.randint(10, 240))
            terminal.last_seen = problem.since - silence
        else:
            terminal.last_seen = fleet.now - timedelta(seconds=fleet.rng.randint(5, 50))
    for terminal in fleet.terminals:
        if terminal.enrolled and terminal.last_seen is None:
            terminal.last_seen = fleet.now - timedelta(seconds=fleet.rng.randint(5, 295))
    return [terminal for terminal, _ in troubled]


def _place(terminal: DemoTerminal, problem: Problem) -> tuple[DemoTerminal, Problem]:
    terminal.problem = problem
    return terminal, problem


def _current_alerts(db: Session, fleet: Fleet, update_failed: list[Alert]) -> None:
    placed = [(terminal, terminal.problem) for terminal in fleet.terminals if terminal.problem is not None]
    troubled = sorted(placed, key=lambda pair: pair[1].since)
    for since in sorted({problem.since for _, problem in troubled if problem.kind == "offline"}):
        monitoring.sweep_offline(db, now=since)
    for terminal, problem in troubled:
        if problem.kind == "offline":
            alert = _open_alert(db, terminal, "offline")
        else:
            alert = _open(
                db,
                fleet,
                terminal,
                problem.kind,
                _message(fleet, problem.kind, problem.detail, problem.since),
                problem.since,
            )
        if problem.kind == "error":
            fleet.events.append(
                _event(fleet, terminal.id, problem.since, "error", "device_error", f"端末エラー: {problem.detail}")
            )
        if problem.work is not None:
            _work(db, fleet, alert, problem.work)
    for number, alert in enumerate(update_failed):
        _work(db, fleet, alert, UPDATE_FAILED_WORK if number == 0 else Work("fleet-operator", 20, note=""))


def _maintenance(db: Session, fleet: Fleet) -> None:
    actor = fleet.worker("fleet-operator")[0]
    count = max(1, round(MAINTENANCE_TERMINALS * fleet.size.share))
    starts = sorted(fleet.now - timedelta(minutes=fleet.rng.randint(60, 10 * 24 * 60)) for _ in range(count))
    for terminal, at in zip(fleet.pick(count), starts, strict=False):
        set_maintenance(db, terminal=db.get_one(Terminal, terminal.id), enabled=True, actor=actor, now=at)


# --- state, metrics and events --------------------------------------------------------------------


def _busy(fleet: Fleet, at: datetime) -> float:
    """Idle at night, peaks at lunch and in the evening."""
    local = at + fleet.utc_offset
    hour = local.hour + local.minute / 60
    if hour < 9 or hour >= 22:
        return 0.0
    return 0.5 + 0.5 * max(math.exp(-((hour - 12.5) ** 2) / 2), math.exp(-((hour - 18.5) ** 2) / 3))


def _reading(fleet: Fleet, terminal: DemoTerminal, at: datetime, noise: float = 1.0) -> tuple[float, float, float]:
    busy, rng = _busy(fleet, at), terminal.rng
    days = (fleet.now - at).total_seconds() / 86400
    cpu = terminal.cpu_base + terminal.cpu_busy * busy + rng.gauss(0, 3) * noise
    memory = terminal.memory_base + 12 * busy + rng.gauss(0, 1.5) * noise
    disk = terminal.disk_now - terminal.disk_growth * days
    return _percent(cpu), _percent(memory), _percent(disk)


def _percent(value: float) -> float:
    """Within 0.5-99.5, to one decimal."""
    return round(min(max(value, 0.5), 99.5), 1)


def _hourly(fleet: Fleet, terminal: DemoTerminal, hour: datetime) -> dict:
    cpu, memory, disk = _reading(fleet, terminal, hour + timedelta(minutes=30), noise=0.5)
    rng = terminal.rng
    spread = {
        "cpu": (rng.uniform(2, 6), rng.uniform(4, 20)),
        "memory": (rng.uniform(0.5, 3), rng.uniform(1, 5)),
        "disk": (0.1, 0.1),
    }
    row = {"terminal_id": terminal.id, "hour": hour, "samples": 60 // SAMPLE_MINUTES}
    for name, avg in (("cpu", cpu), ("memory", memory), ("disk", disk)):
        below, above = spread[name]
        row |= {
            f"{name}_min": round(max(avg - below, 0.0), 1),
            f"{name}_avg": avg,
            f"{name}_max": round(min(avg + above, 100.0), 1),
        }
    return row


def _series(db: Session, fleet: Fleet, terminal: DemoTerminal) -> None:
    raw_start = fleet.now - timedelta(days=fleet.size.raw_days)
    hour = _floor_hour(fleet.now - timedelta(days=HOURLY_DAYS))
    hourly = []
    while hour < _floor_hour(raw_start) and hour < terminal.heard_at:
        hourly.append(_hourly(fleet, terminal, hour))
        hour += timedelta(hours=1)
    samples: list[dict] = []
    at, high = terminal.heard_at, terminal.streak
    kind = terminal.problem.kind if terminal.problem else ""
    while at >= raw_start:
        cpu, memory, disk = _reading(fleet, terminal, at)
        if len(samples) < high:
            cpu = round(terminal.rng.uniform(90.5, 97), 1) if kind == "high_cpu" else cpu
            memory = round(terminal.rng.uniform(90.5, 96), 1) if kind == "high_memory" else memory
        samples.append({"terminal_id": terminal.id, "recorded_at": at, "cpu": cpu, "memory": memory, "disk": disk})
        at -= timedelta(minutes=SAMPLE_MINUTES)
    insert_rows(db, MetricHourly, hourly)
    insert_rows(db, MetricSample, samples)
    if samples:
        first = samples[0]
        terminal.reading = (first["cpu"], first["memory"], first["disk"])


def _floor_hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _snapshot(db: Session, fleet: Fleet, history: set[int]) -> None:
    rows = []
    for terminal in (t for t in fleet.terminals if t.enrolled):
        if terminal.id not in history:
            terminal.reading = _reading(fleet, terminal, terminal.heard_at)
        problem = terminal.problem.kind if terminal.problem else ""
        detail = terminal.problem.detail if terminal.problem else ""
        offline = problem == "offline"
        cpu, memory, disk = terminal.reading
        rows.append(
            {
                "id": terminal.id,
                "status": "error" if problem == "error" else "online",
                "reported_status": "error" if problem == "error" else "online",
                "error_message": detail if problem == "error" else "",
                "last_heartbeat_at": terminal.heard_at,
                "offline_deadline_at": terminal.heard_at + monitoring.offline_threshold()
                if offline
                else fleet.now + ONLINE_DEADLINE,
                "cpu_usage": cpu,
                "memory_usage": memory,
                "disk_usage": disk,
                "high_cpu_streak": terminal.streak if problem == "high_cpu" else 0,
                "high_memory_streak": terminal.streak if problem == "high_memory" else 0,
            }
        )
    update_rows(db, Terminal.__table__, rows, constants={"updated_at": fleet.now})
    db.expire_all()


def _metrics(db: Session, fleet: Fleet) -> None:
    """With the service's own job, leaving its watermark where the job will carry on."""
    state = monitoring.fleet_state(db)
    state.rolled_until = _floor_hour(fleet.now - timedelta(days=fleet.size.raw_days))
    db.flush()
    while retention.rollup_hours(db, now=fleet.now):
        pass


def _event(fleet: Fleet, terminal_id: int, at: datetime, level: str, kind: str, message: str) -> dict:
    return {
        "terminal_id": terminal_id,
        "client_event_id": f"{fleet.rng.getrandbits(128):032x}",
        "occurred_at": at,
        "received_at": at + timedelta(seconds=fleet.rng.randint(1, 290)),
        "level": level,
        "kind": kind,
        "message": message,
    }


def _events(db: Session, fleet: Fleet, history: list[DemoTerminal]) -> None:
    today = fleet.local(fleet.now).date()
    started = f"エージェント {AGENT_VERSION} が起動しました"
    for terminal in history:
        for days in range(HOURLY_DAYS):
            day = today - timedelta(days=days)
            at = datetime(day.year, day.month, day.day, 8, fleet.rng.randint(0, 59), tzinfo=fleet.zone)
            if fleet.now - timedelta(days=HOURLY_DAYS) <= at <= terminal.heard_at:
                fleet.events.append(_event(fleet, terminal.id, at, "info", "agent_started", started))
    tasks = db.execute(
        select(
            UpdateTask.terminal_id,
            UpdateTask.command_id,
            UpdateTask.status,
            UpdateTask.started_at,
            FirmwareRelease.version,
        )
        .join(Rollout, Rollout.id == UpdateTask.rollout_id)
        .join(FirmwareRelease, FirmwareRelease.id == Rollout.release_id)
        .where(UpdateTask.status.in_(("succeeded", "failed")))
    ).all()
    for task in tasks:
        at = task.started_at + timedelta(minutes=10)
        if task.status == "succeeded":
            message = f"firmware_update #{task.command_id}: ファームウェア {task.version} をインストールしました"
            fleet.events.append(_event(fleet, task.terminal_id, at, "info", "command_succeeded", message))
        else:
            message = f"firmware_update #{task.command_id}: {INSTALL_FAILURE}"
            fleet.events.append(_event(fleet, task.terminal_id, at, "error", "command_failed", message))
    insert_rows(db, TerminalEvent, fleet.events)
