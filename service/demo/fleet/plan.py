"""What the fleet demo holds (its size, customers, stores, releases and the work done on its alerts), and the
state the loader carries from one step to the next."""

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.audit.service import Actor
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

    @classmethod
    def of_terminals(cls, terminals: int) -> "Size":
        """The demo with about this many terminals in all (each customer's count scaled alike)."""
        return cls(share=terminals / sum(customer.terminals for customer in CUSTOMERS))


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
    told: str = "端末の通信が途絶えていることをお伝えし、復旧の見込みを追ってご連絡すると案内"  # at 顧客連絡


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
