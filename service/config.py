"""One Settings object for the service, the jobs and the clients that share this repo."""

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from pydantic import NonNegativeInt, PositiveInt, field_validator, model_validator
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
PROCESS_SECRETS = {
    "api": ("database_url", "secret_key", "audit_key", "crm_card_key"),
    "worker": ("database_url", "secret_key", "audit_key"),
    "scheduler": (),
}

# The addresses every link the service hands out starts with (service/links.py): pages the API serves, and the
# dashboards' pages. The api and the workers build links; beat and Flower (`scheduler`) build none.
LINK_BASES = {"public_base_url": "APP_PUBLIC_BASE_URL", "dashboard_url": "APP_DASHBOARD_URL"}
LINKING_PROCESSES = ("api", "worker")
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
    """Every knob is an environment variable prefixed APP_ (see README)."""

    model_config = SettingsConfigDict(env_prefix="APP_", env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    process: Literal["api", "worker", "scheduler"] = "api"
    data_dir: Path = REPO_ROOT / "var"
    # free space below which the data folder's or the SQLite database's file system counts as full (service/storage.py)
    storage_min_free_mb: PositiveInt = 1024
    database_url: str = ""
    # A read-only copy (streaming replica) for the dashboards' aggregate and list reads; empty: the primary
    database_read_url: str = ""
    redis_url: str = ""
    # host:port a Celery worker serves its own /metrics on (jobs/worker_metrics.py); empty: none
    worker_metrics_address: str = ""
    secret_key: str = DEV_SECRET
    audit_key: str = DEV_AUDIT_KEY  # keys the audit chain's HMAC; kept outside the database
    jwt_algorithm: Literal["HS256"] = "HS256"
    jwt_expiry_minutes: int = 8 * 60
    jwt_leeway_seconds: int = 10
    bcrypt_rounds: int = 12
    login_max_failures: int = 5
    login_lockout_minutes: int = 10
    # A client address may fail this often within the window before it is throttled (service/identity/lockout.py)
    login_address_max_failures: PositiveInt = 20
    login_address_window_minutes: PositiveInt = 10
    # A browser or station that signed in keeps a device token this long (service/identity/lockout.py)
    login_device_days: PositiveInt = 180
    # Sign-ins' bcrypt checks an API process runs at once (service/identity/security.py PasswordChecks)
    login_checks_at_once: PositiveInt = 2
    admin_password: str = ""
    # Request bodies (service.body_guard.BodyGuard): every route and every caller without a valid token get
    # max_body_bytes; an upload route declares its own limit for signed-in callers (`upload_limit`)
    max_body_bytes: int = 10 * 1024 * 1024
    max_upload_bytes: int = 200 * 1024 * 1024  # a firmware file (POST /api/fleet/firmware/releases)
    timezone: str = "Asia/Tokyo"
    api_url: str = "http://127.0.0.1:8000"
    cors_origins: str = ""
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDRs, comma-separated)
    trusted_proxies: str = ""
    # Shared by the API and the dashboards: a request carrying it (X-Dashboards-Key) is known by the browser address
    # the dashboards forward (X-Dashboards-Client, service/access.py); empty: no forwarded address is believed
    dashboards_key: str = ""
    # §5.1 access restriction, off when empty: host names answered, client networks (CIDR) let in (service/access.py)
    allowed_hosts: str = ""
    allowed_ips: str = ""
    # Generated documents (service/documents.py): kept this long after they were asked for
    document_retention_hours: int = 24
    # Pages a document job draws per task (one part file each), so other work runs between its chunks
    document_chunk_pages: int = 50
    # Tasks recorded by a request (service/broker.py PendingTask) are sent again by the sweep when not started this
    # long after their send (the message was lost), or when the worker that started one held it past its lease
    pending_task_grace_seconds: int = 300
    pending_task_lease_seconds: int = 900
    # A list's CSV download (service/exports.py) reads this many rows per short session
    export_batch: int = 2000
    # The API's access log (logger daicho.access, service/metrics.py: a line per request but the fast lanes'
    # successes); `make run` turns it off unless APP_ACCESS_LOG=1 is set (or `make run ACCESS_LOG=1`)
    access_log: bool = True
    # `make run`'s simulated store agents (tools/run.py); false (APP_DEMO_AGENTS=0): none run, and the fleet
    # dashboards say that is why no heartbeat arrives instead of reporting a stalled intake
    demo_agents: bool = True

    # Outbox and providers: "sandbox" records and simulates; the others talk to the real thing.
    # PostgreSQL connections per API worker for the fast lanes' database work (service/lanes.py)
    lane_connections: int = 4
    outbox_max_attempts: int = 8
    outbox_backoff_base_seconds: int = 30
    outbox_backoff_cap_seconds: int = 3600
    outbox_lease_seconds: int = 120
    outbox_send_timeout_seconds: int = 30
    outbox_dispatch_limit: int = 500
    email_provider: Literal["sandbox", "smtp"] = "sandbox"
    email_from: str = "daicho@example.jp"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    sms_provider: Literal["sandbox", "twilio"] = "sandbox"
    # SMS to one phone number per day (Japan time) beyond which the outbox sends none (SMS pumping)
    sms_per_phone_per_day: PositiveInt = 10
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    slack_provider: Literal["sandbox", "webhook"] = "sandbox"
    slack_webhook_url: str = ""
    payment_provider: Literal["sandbox", "stripe"] = "sandbox"
    stripe_api_key: str = ""
    stripe_webhook_secret: str = ""
    voice_provider: Literal["sandbox", "http"] = "sandbox"
    voice_api_url: str = ""
    voice_api_key: str = ""
    voice_webhook_secret: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    sandbox_voice_odds: str = "accept=60,decline=15,ambiguous=10,change_request=10,no_answer=5,machine=5"

    # fleet
    fleet_heartbeat_interval_seconds: int = 300
    fleet_offline_missed_intervals: PositiveInt = 2  # a terminal's own interval (+ the grace) missed this often
    fleet_offline_grace_seconds: NonNegativeInt = 60  # added to each interval: a late beat, a slow network
    fleet_offline_flap_intervals: PositiveInt = 3  # back for fewer of its intervals, silent again: the alert reopens
    fleet_high_usage_percent: float = 90.0
    fleet_high_usage_consecutive: PositiveInt = 3  # heartbeats in a row at the threshold before a CPU/memory alert
    fleet_incident_min_terminals: int = 5
    fleet_incident_ratio: float = 0.2
    fleet_incident_window_minutes: int = 10
    fleet_ingest_gap_seconds: int = 120
    fleet_ingest_gap_expected_heartbeats: int = 20
    fleet_alert_recipients: str = ""
    fleet_alert_group_wait_seconds: int = 30
    fleet_alert_group_interval_seconds: int = 300
    fleet_token_cache_seconds: float = 5.0
    fleet_enrollment_code_hours: int = 24
    fleet_batch_max: int = 500
    fleet_raw_metric_days: int = 7
    fleet_history_days: int = 365
    fleet_prune_batch: int = 5000
    fleet_rollout_timeout_minutes: int = 30
    fleet_rollout_failure_threshold_pct: float = 10.0
    # §4.2 steps past due are escalated to the fleet admins by e-mail and to this Slack channel (the webhook's)
    fleet_escalation_slack_channel: str = "#tms-escalations"

    # entry_logs
    entry_logs_token_hours: int = 8
    entry_logs_double_scan_seconds: int = 10
    entry_logs_late_minutes: int = 10
    entry_logs_retention_days: int = 365
    entry_logs_archive_batch: int = 5000
    entry_logs_cards_batch: int = 200  # parents read per short session while a card PDF is drawn
    entry_logs_photo_max_bytes: int = 8 * 1024 * 1024  # an adult's photo as uploaded (kept only as a small JPEG)
    entry_logs_photo_max_pixels: int = 60_000_000
    entry_logs_photo_px: int = 480  # the longest side of the photo kept and shown at the station

    # loaners
    # Where the dashboards are for the links mails, posts and QR codes carry: APP_DASHBOARD_URL, else this machine at
    # APP_DASHBOARD_PORT (the port `make run` starts them on, tools/run.py).
    dashboard_port: int = 8501
    dashboard_url: str = ""
    loaners_rotation_years: int = 3
    loaners_return_due_days: int = 14  # the weekly 返却待ち digest lists devices this many days in their status
    loaners_rotation_interval_days: int = 28
    loaners_rotation_batch: int = 10000
    loaners_max_sheet_bytes: int = 32 * 1024 * 1024  # a Google Forms export of up to 100,000 rows (imports.MAX_ROWS)

    # reservations
    reservations_payment_window_seconds: int = 600
    reservations_cancel_deadline_hours: int = 48
    reservations_call_timeout_minutes: int = 15
    reservations_reminder_hour: int = 10
    reservations_slack_channel: str = "#qrv-alerts"
    reservations_queue_alert_threshold: int = 100
    reservations_error_rate_alert_pct: float = 5.0
    reservations_memory_alert_pct: float = 80.0  # host memory in use above which QrvHostMemoryHigh fires
    reservations_error_rate_window_minutes: int = 5
    reservations_error_rate_min_attempts: int = 20
    reservations_alert_repeat_minutes: int = 30
    # bookings one MCP client may make per clock minute and per day (Japan time) before it is told to wait
    reservations_client_bookings_per_minute: PositiveInt = 5
    reservations_client_bookings_per_day: PositiveInt = 50
    # §4.2.1 「社内IPのみ」: internal networks (CIDR) the operator console is reached from; empty: no restriction
    reservations_console_ips: str = ""

    # backups (service/backup)
    backup_dir: Path | None = None
    backup_keep_daily: int = 7
    backup_keep_weekly: int = 4
    backup_pg_bin_dir: Path | None = None

    # crm
    crm_storage_dir: Path | None = None
    crm_max_image_bytes: int = 10 * 1024 * 1024
    crm_max_images_per_upload: int = 20
    crm_max_image_pixels: int = 60_000_000
    crm_max_pixels_per_upload: int = 120_000_000
    crm_thumbnail_px: int = 320
    crm_card_key: str = ""

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
