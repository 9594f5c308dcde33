"""One Settings object for the service, the jobs and the clients that share this repo."""

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.networks import parse_networks, split_list

REPO_ROOT = Path(__file__).resolve().parent.parent
# 32+ bytes, as PyJWT wants of an HMAC key (it warns otherwise); refused in production all the same
DEV_SECRET = "dev-secret-change-me-for-local-use-only"
PLACEHOLDER_SECRETS = {"", "change-me", "changeme", "dev-secret-change-me", "secret", DEV_SECRET}
DEV_AUDIT_KEY = "dev-audit-key-change-me"
PROVIDER_CREDENTIALS = {
    ("sms_provider", "twilio"): ("twilio_account_sid", "twilio_auth_token", "twilio_from_number"),
    ("slack_provider", "webhook"): ("slack_webhook_url",),
    ("payment_provider", "stripe"): ("stripe_api_key",),
    ("voice_provider", "http"): ("voice_api_url", "voice_api_key"),
}


# The secrets each kind of process holds and checks at start-up in production: docker-compose.yml gives each container
# only its own. Beat and Flower (`scheduler`) only schedule and watch tasks: they never sign, encrypt or audit anything.
class Process(StrEnum):
    API = "api"
    WORKER = "worker"
    SCHEDULER = "scheduler"


PROCESS_SECRETS = {
    Process.API: ("database_url", "secret_key", "audit_key", "crm_card_key"),
    Process.WORKER: ("database_url", "secret_key", "audit_key"),
    Process.SCHEDULER: (),
}


class OcrEngine(StrEnum):
    """What reads statement images (service/crm/ocr/engine.py's ENGINES)."""

    PPOCRV6 = "ppocrv6"
    TESSERACT = "tesseract"
    NONE = "none"


# The addresses every link the service hands out starts with (service/links.py): pages the API serves, and the
# dashboards' pages. The api and the workers build links; beat and Flower (`scheduler`) build none.
LINK_BASES = {"public_base_url": "APP_PUBLIC_BASE_URL", "dashboard_url": "APP_DASHBOARD_URL"}
LINKING_PROCESSES = (Process.API, Process.WORKER)
LOOPBACK_NAMES = {"localhost": "localhost", "127.0.0.1": "127.0.0.1", "::1": "[::1]"}  # a machine's own: as in a URL

FLEET_MIN_INTERVAL_SECONDS, FLEET_MAX_INTERVAL_SECONDS = 30, 3600  # a terminal's own heartbeat interval
VOICE_OUTCOMES = ("accept", "decline", "ambiguous", "change_request", "no_answer", "machine")


def parse_fernet_keys(setting: str) -> list[bytes]:
    """The comma-separated Fernet keys of a setting (APP_CRM_CARD_KEY); raises ValueError for a malformed one."""
    keys = [part.strip().encode() for part in setting.split(",") if part.strip()]
    for key in keys:
        Fernet(key)
    return keys


def parse_odds(text: str) -> dict[str, int]:
    """'accept=60,decline=40' -> {"accept": 60, "decline": 40}; every outcome a known one, the weights not all zero."""
    odds: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        if name.strip() not in VOICE_OUTCOMES or not weight.strip().isdigit():
            raise ValueError(
                f"APP_SANDBOX_VOICE_ODDS: '{part}' is not outcome=weight with outcome one of {VOICE_OUTCOMES}"
            )
        odds[name.strip()] = int(weight)
    if not any(odds.values()):
        raise ValueError("APP_SANDBOX_VOICE_ODDS needs at least one outcome with a weight above zero")
    return odds


def link_base_problem(url: str, *, production: bool) -> str | None:
    """What keeps a URL from being a link base: None for an absolute http(s) URL without a query or fragment (in
    production, not on a loopback name)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
    if host is None or parts.scheme not in ("http", "https") or parts.query or parts.fragment:
        return "must be an absolute http(s) URL such as https://daicho.example.jp"
    if production and host in LOOPBACK_NAMES:
        return "must be the address people open in production, not this machine's loopback"
    return None


class Settings(BaseSettings):
    """Every knob is an environment variable prefixed APP_ (docs/configuration.md)."""

    # Each field's docstring is its description: docs/configuration.md is generated from them (tools/settings_doc.py)
    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore", use_attribute_docstrings=True)

    env: Literal["development", "test", "production"] = "development"
    """`development`, `test` or `production`; production refuses placeholder secrets and SQLite"""
    process: Process = Process.API
    """which secrets this process must hold in production: `api` (database, `APP_SECRET_KEY`, `APP_AUDIT_KEY`,
    `APP_CRM_CARD_KEY`), `worker` (database, `APP_SECRET_KEY`, `APP_AUDIT_KEY`) or `scheduler` (beat, Flower: none); a
    secret given anyway is still checked"""
    data_dir: Path = REPO_ROOT / "var"
    """embedded database, filesystem broker and beat schedule"""
    storage_min_free_mb: PositiveInt = 1024
    """free space (MB) below which the data folder's or the SQLite database's file system counts as full: `/api/ready`
    answers 503 and the dashboards' pages say 「保存領域がいっぱいです」 (`service/storage.py`)"""
    database_url: str = ""
    """PostgreSQL URL (`postgres://` and `postgresql://` are accepted); empty: SQLite `var/daicho.db`"""
    database_read_url: str = ""
    """a read-only copy (PostgreSQL streaming replica) serving the dashboards' aggregates and lists
    (`routers.DASHBOARD_READS`); empty: the primary"""
    redis_url: str = ""
    """Redis URL for the Celery broker; empty: filesystem broker"""
    worker_metrics_address: str = ""
    """`host:port` a Celery worker serves `/metrics` (Prometheus: tasks executing, reserved, accepted) and `/health` on
    (`jobs/worker_metrics.py`); docker-compose.yml: `0.0.0.0:9808`; empty: none"""
    secret_key: str = DEV_SECRET
    """signs the login tokens; 32+ characters in production"""
    audit_key: str = DEV_AUDIT_KEY
    """keys the audit chain's HMAC; kept outside the database, 32+ characters and not `APP_SECRET_KEY` in production"""
    jwt_algorithm: Literal["HS256"] = "HS256"
    """token signature algorithm"""
    jwt_expiry_minutes: int = 8 * 60
    """lifetime of a login token"""
    jwt_leeway_seconds: int = 10
    """clock skew tolerated when checking a token"""
    bcrypt_rounds: Annotated[int, Field(ge=4, le=31)] = 11
    """cost of password hashing (4–31); a password at another is rehashed at its next sign-in"""
    login_max_failures: int = 5
    """failed logins before the account (or nursery code) is locked for unknown devices, and before a known device (its
    device token's) is locked itself (the identity README's rules)"""
    login_lockout_minutes: int = 10
    """how long a lock lasts"""
    login_address_max_failures: PositiveInt = 20
    """distinct login ids (or nursery codes) a client address fails on within `APP_LOGIN_ADDRESS_WINDOW_MINUTES`
    before its unknown devices' logins are refused unchecked (429 `address_throttled`; the identity README's rules)"""
    login_address_window_minutes: PositiveInt = 10
    """the address throttle's window: one login id stops counting every window ÷ max failures, none older than the
    window counts"""
    login_refusal_hold_seconds: NonNegativeFloat = 1.0
    """how long, on average, a login refused ahead of the app is held before its 429 (no CPU): a flood's connection gets
    one refusal per hold"""
    login_spread_addresses: PositiveInt = 3
    """a login id failing from this many addresses waits after each failure (429 `key_delayed`), not locked"""
    login_delay_max_seconds: PositiveInt = 120
    """the longest such wait (1 s, doubling)"""
    login_device_days: PositiveInt = 180
    """how long a browser's or station's device token lasts (renewed at each sign-in)"""
    login_checks_at_once: PositiveInt = 2
    """passwords an API process checks (bcrypt) at once; a sign-in waits its turn, never refused for it"""
    admin_password: str = ""
    """password of the first platform admin created by `bootstrap-admin`"""
    max_body_bytes: int = 10 * 1024 * 1024
    """largest request body on every route but the uploads below, and on any route for a caller without a valid token,
    whatever the content type (refused before it is read)"""
    max_upload_bytes: int = 200 * 1024 * 1024
    """largest firmware file a signed-in caller uploads (`POST /api/fleet/firmware/releases`); a CRM upload takes
    `APP_CRM_MAX_IMAGES_PER_UPLOAD` × `APP_CRM_MAX_IMAGE_BYTES` + `APP_MAX_BODY_BYTES`"""
    timezone: str = "Asia/Tokyo"
    """time zone of dates shown and of daily boundaries"""
    api_url: str = "http://127.0.0.1:8000"
    """where the dashboards and clients find the API (`http://api:8000` in the compose file); no link a person follows
    is built from it"""
    cors_origins: str = ""
    """comma-separated browser origins allowed to call the API"""
    trusted_proxies: str = ""
    """comma-separated addresses or networks (`10.0.0.0/8`) of reverse proxies whose `X-Forwarded-For` and
    `X-Forwarded-Proto` are believed, by the API and by the dashboards; anyone else is
    known by the connection's own address; empty: none"""
    dashboards_key: str = ""
    """a secret the API and the dashboards share: a request carrying it in
    `X-Dashboards-Key` is known by the browser address the dashboards forward in `X-Dashboards-Client`; anyone else's is
    ignored; empty: none"""
    oidc_issuer: str = ""
    """the company's OpenID Connect provider (its issuer URL, e.g. `https://accounts.google.com`): set with the two
    below, the dashboards' sign-in page offers 「会社のアカウントでログイン」 (docs/identity.md); empty: passwords
    only"""
    oidc_client_id: str = ""
    """the client id the provider gave this product when IT registered it"""
    oidc_client_secret: SecretStr = SecretStr("")
    """the client secret the provider gave with the client id; never logged or audited"""
    password_sign_in: Literal["all", "admins", "off"] = "all"
    """who may sign in with a password: `all`, `admins` (platform administrators only: the break-glass account) or
    `off` (nobody; the company's account only); `admins` and `off` need the provider above"""
    allowed_hosts: str = ""
    """comma-separated host names the API answers to (`*.example.jp` for subdomains); others get 400; empty: any"""
    allowed_ips: str = ""
    """comma-separated client networks (`203.0.113.0/24`) let into the API; others get 403; empty: any"""
    document_retention_hours: int = 24
    """how long a document made by a job (the barcode card PDF) can be downloaded after it was asked for;
    `platform.purge_documents` then deletes it"""
    document_chunk_pages: int = 50
    """pages a document job draws per task (one part file each, merged at the end), so other work runs between its
    chunks"""
    pending_task_grace_seconds: int = 300
    """a job a request queued whose worker has not started it this long after its send while its message waits in no
    queue (it was lost) is sent again by `platform.send_pending_tasks`"""
    pending_task_lease_seconds: int = 900
    """how long a worker holds a job it started; past it (the worker died) the sweep sends the job again"""
    export_batch: int = 2000
    """rows a list's CSV download (`GET …/export`) reads per short session"""
    access_log: bool = True
    """the API's access log (logger `daicho.access`: a line per request but the successes of heartbeats and scans, its
    path without the query string and a secret path parameter as `[REDACTED]`); `make run` turns it off unless this is
    set (`make run ACCESS_LOG=1`)"""
    demo_agents: bool = True
    """`0` starts `make run` without its five simulated store agents; the service then says on the 端末管理 pages
    that this is why no heartbeat arrives, instead of reporting a stalled intake"""

    # Outbox and providers: "sandbox" records and simulates; the others talk to the real thing.
    outbox_max_attempts: int = 8
    """tries of one outgoing message before it is given up"""
    outbox_backoff_base_seconds: int = 30
    """first retry delay (doubles each time)"""
    outbox_backoff_cap_seconds: int = 3600
    """longest retry delay"""
    outbox_lease_seconds: int = 120
    """how long a worker holds a message it is sending"""
    outbox_send_timeout_seconds: int = 30
    """time allowed for one send; must be below the lease"""
    outbox_dispatch_limit: int = 500
    """messages taken per dispatch run"""
    email_provider: Literal["sandbox", "smtp"] = "sandbox"
    """`sandbox` (recorded, not sent) or `smtp`"""
    email_from: str = "daicho@example.jp"
    """sender address"""
    smtp_host: str = "127.0.0.1"
    """SMTP server"""
    smtp_port: int = 25
    """SMTP port"""
    smtp_username: str = ""
    """SMTP login"""
    smtp_password: str = ""
    """SMTP password"""
    smtp_starttls: bool = False
    """use STARTTLS"""
    sms_provider: Literal["sandbox", "twilio"] = "sandbox"
    """`sandbox` or `twilio`"""
    sms_per_phone_per_day: PositiveInt = 10
    """SMS one phone number may be sent per day (Japan time); the outbox sends none beyond it (failed as
    「同じ電話番号へのSMSが1日の上限に達したため送信していません」), against SMS pumping"""
    twilio_account_sid: str = ""
    """Twilio account (needed with `twilio`)"""
    twilio_auth_token: str = ""
    """Twilio token (needed with `twilio`)"""
    twilio_from_number: str = ""
    """sending number (needed with `twilio`)"""
    slack_provider: Literal["sandbox", "webhook"] = "sandbox"
    """`sandbox` or `webhook`"""
    slack_webhook_url: str = ""
    """incoming-webhook URL (needed with `webhook`)"""
    payment_provider: Literal["sandbox", "stripe"] = "sandbox"
    """`sandbox` or `stripe`"""
    stripe_api_key: str = ""
    """Stripe secret key (needed with `stripe`)"""
    stripe_webhook_secret: str = ""
    """verifies Stripe's webhook calls"""
    voice_provider: Literal["sandbox", "http"] = "sandbox"
    """automated partner calls: `sandbox` or `http`"""
    voice_api_url: str = ""
    """voice service endpoint (needed with `http`)"""
    voice_api_key: str = ""
    """voice service key (needed with `http`)"""
    voice_webhook_secret: str = ""
    """verifies the voice service's callbacks"""
    public_base_url: str = "http://127.0.0.1:8000"
    """where people and providers reach the API: the base of every link to a page it serves (`service/links.py`) and
    of the dashboards' CSV download links; required in production for the api and the workers, an absolute http(s) URL
    not on a loopback name"""
    sandbox_voice_odds: str = "accept=60,decline=15,ambiguous=10,change_request=10,no_answer=5,machine=5"
    """weights of the sandbox call outcomes"""

    # fleet
    fleet_heartbeat_interval_seconds: int = 300
    """expected interval between a terminal's heartbeats"""
    fleet_offline_missed_intervals: PositiveInt = 2
    """times a terminal may miss its own interval (+ the grace) before it is offline"""
    fleet_offline_grace_seconds: NonNegativeInt = 60
    """added to a terminal's interval before a heartbeat counts as missed; with the above, 30 s + this must keep the
    threshold at least `APP_FLEET_INGEST_GAP_SECONDS`"""
    fleet_offline_flap_intervals: PositiveInt = 3
    """a terminal back for fewer of its intervals than this before it goes silent again reopens its offline alert
    instead of a new one"""
    fleet_high_usage_percent: float = 90.0
    """store-PC CPU/memory use that counts as high (the agent reports the PC's load: the TC-200 reports none)"""
    fleet_high_usage_consecutive: PositiveInt = 3
    """heartbeats in a row at or above that before a CPU/memory alert opens (one below starts the count again and
    resolves an open alert); at least 1"""
    fleet_incident_min_terminals: int = 5
    """terminals failing together that make an incident"""
    fleet_incident_ratio: float = 0.2
    """share of a customer's terminals failing together that makes an incident"""
    fleet_incident_window_minutes: int = 10
    """window in which failures count as together"""
    fleet_ingest_gap_seconds: int = 120
    """silence of all heartbeats that means our intake stalled (no mass offline then)"""
    fleet_ingest_gap_expected_heartbeats: int = 20
    """heartbeats expected in that time before the gap rule applies"""
    fleet_alert_recipients: str = ""
    """comma-separated addresses for alert mail"""
    fleet_alert_group_wait_seconds: int = 30
    """how long new alert news waits to gather what comes with it before it is mailed"""
    fleet_alert_group_interval_seconds: int = 300
    """least time between two alert emails"""
    fleet_enrollment_code_hours: int = 24
    """validity of an agent enrolment code"""
    fleet_batch_max: int = 500
    """most heartbeats written in one transaction (concurrent ones share it: `service/group_commit.py`)"""
    fleet_raw_metric_days: int = 7
    """days raw metrics are kept before roll-up"""
    fleet_history_days: int = 365
    """days of history kept"""
    fleet_prune_batch: int = 5000
    """rows deleted per pruning step"""
    fleet_rollout_timeout_minutes: int = 30
    """time a terminal has to report a firmware update"""
    fleet_rollout_failure_threshold_pct: float = 10.0
    """failure rate that halts a firmware rollout"""
    fleet_escalation_slack_channel: str = "#tms-escalations"
    """where each escalation run (§4.2 steps past due) is posted, naming whom each line was mailed to"""

    # entry_logs
    entry_logs_token_hours: int = 8
    """lifetime of a scan station's login"""
    entry_logs_double_scan_seconds: int = 10
    """a second scan of the same parent within this is ignored"""
    entry_logs_late_minutes: int = 10
    """a scan stored this long after it happened (queued offline) is flagged 遅延 in the log list and CSV; queued scans
    are accepted back to `APP_ENTRY_LOGS_RETENTION_DAYS`"""
    entry_logs_retention_days: int = 365
    """days entry logs stay online before archiving"""
    entry_logs_archive_batch: int = 5000
    """rows archived per step"""
    entry_logs_cards_batch: int = 200
    """parents the card PDF job reads per short transaction (its progress is committed after each)"""
    entry_logs_photo_max_bytes: int = 8 * 1024 * 1024
    """largest adult's photo (お迎え管理) staff may upload, in bytes"""
    entry_logs_photo_max_pixels: int = 60_000_000
    """most pixels of an uploaded photo, read from its header before it is decoded"""
    entry_logs_photo_px: int = 480
    """longest side of the photo kept (a JPEG) and shown at the station"""

    # loaners
    dashboard_port: int = 8501
    """dashboards port of `make run`; `APP_DASHBOARD_URL` follows it unless set (so does the demo's first alert digest,
    mailed before the launcher starts)"""
    dashboard_url: str = ""
    """where people open the dashboards: the base of every link to a dashboards page (`service/links.py`); required in
    production for the api and the workers, an absolute http(s) URL not on a loopback name"""
    loaners_rotation_years: int = 3
    """submissions older than this are archived and removed (each device's latest is kept)"""
    loaners_return_due_days: int = 14
    """the weekly 返却待ち digest lists the devices this many days (or more) in 返却可能, 商談中 or 返却拒否"""
    loaners_rotation_interval_days: int = 28
    """how often the rotation runs (the daily job checks whether it is due)"""
    loaners_rotation_batch: int = 10000
    """submissions archived and deleted per transaction"""
    loaners_max_sheet_bytes: int = 32 * 1024 * 1024
    """largest Google Forms export a signed-in caller imports (`POST /api/loaners/imports`)"""

    # reservations
    reservations_payment_window_seconds: int = 600
    """the service expires a payment link this long after sending it (Stripe's own minimum is 30 minutes)"""
    reservations_cancel_deadline_hours: int = 48
    """the requester can cancel by the link until this long before the reservation (moves with an operator's date
    change)"""
    reservations_call_timeout_minutes: int = 15
    """a shop call without an answer after this long counts as no answer"""
    reservations_round_two_wait_minutes: NonNegativeInt = 30
    """round 2's wait before calling a shop again"""
    reservations_shop_calls_per_hour: PositiveInt = 2
    """automated calls one partner shop gets in any 60 minutes, over all requests: one request's two rounds (§2.1
    電話代行 最大2周); a shop at it is skipped (the call goes to the next shop or waits)"""
    reservations_shop_calls_per_day: PositiveInt = 6
    """automated calls one partner shop gets per day (Japan time), over all requests: three requests' two rounds"""
    reservations_shop_wait_max_minutes: NonNegativeInt = 60
    """a request whose remaining shops are all out of budget waits this long at most for one to be callable; beyond it
    the request goes to 手動対応キュー (`shops_unavailable`); shops closed now are waited for until they open before its
    time"""
    reservations_shop_no_answer_alert_pct: float = 50.0
    """a shop whose calls of the month went unanswered at this share or more is flagged and #qrv-alerts told once"""
    reservations_shop_no_answer_min_calls: PositiveInt = 4
    """fewer calls in the month than this flag no shop"""
    reservations_reminder_hour: int = 10
    """local hour of the day before the reservation when the reminder SMS goes out"""
    reservations_slack_channel: str = "#qrv-alerts"
    """Slack channel of the reservations alerts and manual operations"""
    reservations_queue_alert_threshold: int = 100
    """Celery queue length above which #qrv-alerts is told"""
    reservations_error_rate_alert_pct: float = 5.0
    """share of failed reservations deliveries (SMS, calls, payment links, email) above which #qrv-alerts is told"""
    reservations_memory_alert_pct: float = 80.0
    """host memory in use (%) above which Prometheus's QrvHostMemoryHigh tells #qrv-alerts"""
    reservations_error_rate_window_minutes: int = 5
    """window of that error rate"""
    reservations_error_rate_min_attempts: int = 20
    """fewer deliveries than this in the window raise no error-rate alert"""
    reservations_alert_repeat_minutes: int = 30
    """a monitoring alert of one kind is repeated at most this often while it lasts"""
    reservations_client_bookings_per_minute: PositiveInt = 5
    """bookings one MCP client may make per clock minute; beyond it the booking is refused with how long to wait, and
    #qrv-alerts is told once per minute"""
    reservations_client_bookings_per_day: PositiveInt = 50
    """bookings one MCP client may make per day (Japan time), likewise"""
    reservations_console_ips: str = ""
    """internal networks (CIDR) the operator console's and manual operations' routes answer; others get 403;
    empty: any"""

    backup_dir: Path | None = None
    """where `backup create` and the daily backup job write, and where `backup list` and the `/metrics` backup age look;
    empty: `APP_DATA_DIR/backups`"""
    backup_keep_daily: int = 7
    """the daily job keeps the newest backup of each of this many most recent days that have one"""
    backup_keep_weekly: int = 4
    """the daily job also keeps the newest backup of each of this many most recent weeks (Monday to
    Sunday, `APP_TIMEZONE`); the rest are deleted"""
    backup_pg_bin_dir: Path | None = None
    """folder of `pg_dump`, `pg_restore` and `psql`; they must be of the server's major version; empty:
    `/usr/lib/postgresql/<server major>/bin`, then `PATH`"""

    # crm
    crm_storage_dir: Path | None = None
    """folder holding the CRM statement images and their thumbnails; empty: `APP_DATA_DIR/crm`"""
    crm_max_image_bytes: int = 10 * 1024 * 1024
    """largest statement image accepted (JPEG, PNG or PDF)"""
    crm_max_images_per_upload: int = 20
    """most images in one upload"""
    crm_max_image_pixels: int = 60_000_000
    """largest image (width × height) decoded, against decompression bombs"""
    crm_max_pixels_per_upload: int = 120_000_000
    """most pixels (width × height, read from the headers) of all the pictures of one upload together; the decoding runs
    in a child process"""
    crm_thumbnail_px: int = 320
    """longest side of a statement thumbnail"""
    ocr_engine: OcrEngine = OcrEngine.PPOCRV6
    """what reads uploaded statement images on the bulk queue (`service/crm/ocr`): `ppocrv6` (PP-OCRv6 on ONNX
    Runtime; it read the held-out bills best),
    `tesseract` (Debian's tesseract-ocr, -jpn and -script-jpan; without them OCR is unavailable), or `none`"""
    ocr_readers: PositiveInt = 1
    """bill images read at once (service/crm/ocr/turns.py)"""
    crm_card_key: str = ""
    """Fernet key(s) encrypting card data, comma-separated (first encrypts, all decrypt); required in production; empty:
    a public development-only key"""

    @model_validator(mode="after")
    def _check_crm_card_key(self) -> "Settings":
        try:
            keys = parse_fernet_keys(self.crm_card_key)
        except ValueError as exc:
            raise ValueError(
                "APP_CRM_CARD_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated"
            ) from exc
        if self.env == "production" and not keys and self.holds("crm_card_key"):
            raise ValueError("APP_CRM_CARD_KEY must be set in production (card data is encrypted with it)")
        return self

    def holds(self, secret: str) -> bool:
        """Whether this process needs a real value of the secret in production (its kind uses it, or it was given)."""
        return secret in PROCESS_SECRETS[self.process] or secret in self.model_fields_set

    @property
    def trusted_proxy_hosts(self) -> list[str]:
        return [host.strip() for host in self.trusted_proxies.split(",") if host.strip()]

    @property
    def backup_root(self) -> Path:
        return self.backup_dir or self.data_dir / "backups"

    @property
    def crm_storage_root(self) -> Path:
        return self.crm_storage_dir or self.data_dir / "crm"

    @property
    def crm_max_upload_bytes(self) -> int:
        """A CRM request's body: the most images it takes, each at its largest, and an ordinary body's worth beside."""
        return self.crm_max_images_per_upload * self.crm_max_image_bytes + self.max_body_bytes

    @field_validator("database_url", "database_read_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+psycopg://" + value[len(prefix) :]
        return value

    @field_validator("allowed_ips", "reservations_console_ips")
    @classmethod
    def _check_networks(cls, value: str) -> str:
        parse_networks(split_list(value))
        return value

    @field_validator("sandbox_voice_odds")
    @classmethod
    def _check_voice_odds(cls, value: str) -> str:
        parse_odds(value)
        return value

    @model_validator(mode="after")
    def _check_outbox(self) -> "Settings":
        if self.outbox_send_timeout_seconds >= self.outbox_lease_seconds:
            raise ValueError(
                "APP_OUTBOX_LEASE_SECONDS must exceed APP_OUTBOX_SEND_TIMEOUT_SECONDS, or a slow send is sent twice"
            )
        for (choice, value), needed in PROVIDER_CREDENTIALS.items():
            missing = [
                f"APP_{name.upper()}" for name in needed if getattr(self, choice) == value and not getattr(self, name)
            ]
            if missing:
                raise ValueError(f"APP_{choice.upper()}={value} needs {', '.join(missing)}")
        return self

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer)

    @model_validator(mode="after")
    def _check_oidc(self) -> "Settings":
        """All three of the provider's settings or none; without a provider, passwords are the only way in."""
        given = {
            "APP_OIDC_ISSUER": self.oidc_issuer,
            "APP_OIDC_CLIENT_ID": self.oidc_client_id,
            "APP_OIDC_CLIENT_SECRET": self.oidc_client_secret.get_secret_value(),
        }
        missing = [name for name, value in given.items() if not value]
        if missing and len(missing) < len(given):
            raise ValueError(f"the company's sign-in (OpenID Connect) needs {', '.join(missing)} as well")
        if self.oidc_issuer and (problem := link_base_problem(self.oidc_issuer, production=self.env == "production")):
            raise ValueError(f"APP_OIDC_ISSUER {problem} (it is {self.oidc_issuer!r})")
        if self.password_sign_in != "all" and not self.oidc_issuer:
            raise ValueError(
                f"APP_PASSWORD_SIGN_IN={self.password_sign_in} needs the company's sign-in (APP_OIDC_ISSUER, "
                "APP_OIDC_CLIENT_ID, APP_OIDC_CLIENT_SECRET): nobody else could sign in"
            )
        return self

    @model_validator(mode="after")
    def _dashboards_address(self) -> "Settings":
        """The dashboards' address follows their port when it is not given, in every process alike: also in one the
        launcher did not start (`make run` loads the demo first, whose alert digest is the first mail sent)."""
        if not self.dashboard_url:  # derived, not set: model_fields_set keeps saying so (tools/run.py reads it)
            self.__dict__["dashboard_url"] = f"http://127.0.0.1:{self.dashboard_port}"
        return self

    @model_validator(mode="after")
    def _check_link_bases(self) -> "Settings":
        """Each link base given is an absolute http(s) URL; in production each process that builds links is given
        both, neither this machine's loopback: a parent's phone or a mail reader elsewhere opens what they start."""
        production = self.env == "production"
        for name, variable in LINK_BASES.items():
            url, given = getattr(self, name), name in self.model_fields_set
            if not given and not (production and self.process in LINKING_PROCESSES):
                continue
            if not given:
                raise ValueError(
                    f"{variable} must be set in production: the links people follow (mail, SMS, QR codes) start with it"
                )
            if problem := link_base_problem(url, production=production):
                raise ValueError(f"{variable} {problem} (it is {url!r})")
        return self

    @model_validator(mode="after")
    def _check_fleet_offline_threshold(self) -> "Settings":
        """An intake stall must be recognised before terminals go offline, or it marks the whole fleet offline: the
        offline threshold of the shortest interval a terminal may have (`set_interval`'s least, or the configured
        interval if shorter) is at least the gap window."""
        interval = min(FLEET_MIN_INTERVAL_SECONDS, self.fleet_heartbeat_interval_seconds)
        threshold = self.fleet_offline_missed_intervals * (interval + self.fleet_offline_grace_seconds)
        if threshold < self.fleet_ingest_gap_seconds:
            raise ValueError(
                f"APP_FLEET_OFFLINE_MISSED_INTERVALS × ({interval} s, the shortest heartbeat interval, + "
                f"APP_FLEET_OFFLINE_GRACE_SECONDS) (the shortest offline threshold, {threshold} s) must be at least "
                f"APP_FLEET_INGEST_GAP_SECONDS ({self.fleet_ingest_gap_seconds} s): a shorter threshold marks "
                "terminals offline before a stalled heartbeat intake is recognised"
            )
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_in_production(self) -> "Settings":
        if self.env == "production":
            if self.holds("secret_key") and (self.secret_key in PLACEHOLDER_SECRETS or len(self.secret_key) < 32):
                raise ValueError("APP_SECRET_KEY must be a real secret of 32+ characters in production")
            placeholder = self.audit_key in PLACEHOLDER_SECRETS | {DEV_AUDIT_KEY} or len(self.audit_key) < 32
            if self.holds("audit_key") and placeholder:
                raise ValueError("APP_AUDIT_KEY must be a real secret of 32+ characters in production")
            if self.holds("audit_key") and self.audit_key == self.secret_key:
                raise ValueError("APP_AUDIT_KEY must differ from APP_SECRET_KEY")
            weak = self.dashboards_key in PLACEHOLDER_SECRETS or len(self.dashboards_key) < 32
            if self.dashboards_key and (weak or self.dashboards_key == self.secret_key):
                raise ValueError(
                    "APP_DASHBOARDS_KEY must be a real secret of 32+ characters in production, not APP_SECRET_KEY"
                )
            if self.holds("database_url") and not self.database_url.startswith("postgresql"):
                raise ValueError("APP_DATABASE_URL must point at PostgreSQL in production")
            if self.database_read_url and not self.database_read_url.startswith("postgresql"):
                raise ValueError("APP_DATABASE_READ_URL must point at PostgreSQL (a replica) in production")
        return self

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'daicho.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"


@lru_cache
def get_settings() -> Settings:
    return Settings()
