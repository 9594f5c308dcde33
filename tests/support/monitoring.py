"""The monitoring stack of docker-compose.yml run natively: Debian's Prometheus, Alertmanager and node_exporter, each
on a free loopback port with a folder of its own, configured from ops/prometheus and ops/alertmanager with what only
a test changes (the targets' addresses, seconds instead of minutes, the sinks' addresses); and a Slack sink, a small
HTTP server taking what Alertmanager's slack_configs post."""

import json
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from service.config import REPO_ROOT
from tests.support.ports import free_port
from tests.support.waiting import wait_until

PROMETHEUS_DIR = REPO_ROOT / "ops" / "prometheus"
ALERTMANAGER_DIR = REPO_ROOT / "ops" / "alertmanager"
BINARIES = {
    "prometheus": shutil.which("prometheus"),
    "alertmanager": shutil.which("prometheus-alertmanager"),
    "node_exporter": shutil.which("prometheus-node-exporter"),
    "promtool": shutil.which("promtool"),
    "amtool": shutil.which("amtool"),
}
MISSING = sorted(name for name, path in BINARIES.items() if path is None)
START_TIMEOUT = 60  # a deadline, not a wait: seconds on a loaded machine
STOP_TIMEOUT = 10
TICK = "1s"  # the test's rule evaluation interval, and Alertmanager's waits
# how often the test's Prometheus scrapes, and so how long it waits for an answer: a loaded machine's API takes a second
SCRAPE = "3s"
# a rule's `for:` in the test: two scrapes, so one slow answer of a loaded machine is no alert (as in production, where
# each `for:` spans several scrapes)
HOLD = "5s"


def read_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


@dataclass
class Daemon:
    """One of the stack's binaries, run in a folder of its own with its output in a log file there."""

    name: str
    command: list[str]
    folder: Path
    address: str  # host:port it listens on
    ready_path: str
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def __enter__(self) -> "Daemon":
        """Start it and return once it answers; stopped when the block ends."""
        with (self.folder / f"{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            wait_until(self.ready, timeout=START_TIMEOUT, message=f"{self.name} to answer", interval=0.1)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
        try:
            return httpx.get(self.url + self.ready_path, timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return (self.folder / f"{self.name}.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def loopback_daemon(name: str, folder: Path, arguments: list[str], ready_path: str) -> Daemon:
    """The binary `name` with its arguments and a free loopback port to listen on, in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    address = f"127.0.0.1:{free_port()}"
    command = [str(BINARIES[name]), *arguments, f"--web.listen-address={address}"]
    return Daemon(name, command, folder, address, ready_path)


def node_exporter(folder: Path) -> Daemon:
    """node_exporter with only what the rules read (CPU and memory)."""
    arguments = ["--collector.disable-defaults", "--collector.cpu", "--collector.meminfo"]
    return loopback_daemon("node_exporter", folder, arguments, "/metrics")


def local_targets(scrape: dict[str, Any], addresses: dict[str, str]) -> list[dict[str, Any]]:
    """A scrape job's targets as static ones at the local addresses of the compose services it names. A service
    found through DNS keeps its name in `__meta_dns_name`, so the job's relabelling runs as in compose."""
    targets = []
    for discovery in scrape.get("dns_sd_configs", []):
        for name in discovery["names"]:
            targets.append({"targets": [addresses[name]], "labels": {"__meta_dns_name": name}})
    for group in scrape.get("static_configs", []):
        targets.append({"targets": [addresses[target.rpartition(":")[0]] for target in group["targets"]]})
    return targets


def local_rules(folder: Path, rule_file: str) -> None:
    """A copy of a rule file in `folder`, each `for:` shortened to HOLD (the promtool cases cover the durations; this
    run proves the wiring)."""
    rules = read_yaml(PROMETHEUS_DIR / rule_file)
    for rule in (rule for group in rules["groups"] for rule in group["rules"] if "for" in rule):
        rule["for"] = HOLD
    (folder / rule_file).write_text(yaml.safe_dump(rules, allow_unicode=True))


def local_prometheus_config(addresses: dict[str, str], alertmanager: str) -> dict[str, Any]:
    """ops/prometheus/prometheus.yml with the compose services at their local addresses, evaluating every second."""
    config = read_yaml(PROMETHEUS_DIR / "prometheus.yml")
    config["global"] = {"scrape_interval": SCRAPE, "evaluation_interval": TICK}
    config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]}
    for scrape in config["scrape_configs"]:
        scrape["static_configs"] = local_targets(scrape, addresses)
        scrape.pop("dns_sd_configs", None)
    return config


@dataclass
class Prometheus:
    """Prometheus scraping the local targets. Its rules are loaded once it has scraped every target, so that no rule
    takes a target it has not scraped yet for one gone (QrvWorkerDown's `absent`)."""

    daemon: Daemon
    config: dict[str, Any]

    @property
    def url(self) -> str:
        return self.daemon.url

    def write_config(self, rule_files: list[str]) -> None:
        (self.daemon.folder / "prometheus.yml").write_text(yaml.safe_dump(self.config | {"rule_files": rule_files}))

    def targets_up(self) -> bool:
        answered = httpx.get(f"{self.url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        groups = [group for job in self.config["scrape_configs"] for group in job["static_configs"]]
        return len(answered) == sum(len(group["targets"]) for group in groups) and all(
            target["health"] == "up" for target in answered
        )

    def rules_loaded(self) -> bool:
        return bool(httpx.get(f"{self.url}/api/v1/rules", timeout=5).json()["data"]["groups"])

    def load_rules(self) -> None:
        for rule_file in self.config["rule_files"]:
            local_rules(self.daemon.folder, rule_file)
        self.write_config(self.config["rule_files"])
        assert self.daemon.process is not None
        self.daemon.process.send_signal(signal.SIGHUP)  # Prometheus reads its configuration again
        wait_until(self.rules_loaded, timeout=START_TIMEOUT, message="Prometheus to load its rules")


@contextmanager
def prometheus(folder: Path, addresses: dict[str, str], alertmanager: str) -> Iterator[Prometheus]:
    """Prometheus once it has scraped every target, with its rules loaded; stopped at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    arguments = [f"--config.file={folder / 'prometheus.yml'}", f"--storage.tsdb.path={folder / 'data'}"]
    daemon = loopback_daemon("prometheus", folder, arguments, "/-/ready")
    running = Prometheus(daemon, local_prometheus_config(addresses, alertmanager))
    running.write_config([])
    with daemon:
        wait_until(running.targets_up, timeout=START_TIMEOUT, message="Prometheus to scrape every target")
        running.load_rules()
        yield running


def local_alertmanager_config(folder: Path, slack_url: str, smtp_port: int) -> Path:
    """ops/alertmanager/alertmanager.yml sending to the sinks at once: the Slack webhook (a secret file, as compose
    makes it) is the Slack sink's address, the mail server the SMTP sink (plain SMTP, no login)."""
    config = read_yaml(ALERTMANAGER_DIR / "alertmanager.yml")
    webhook = folder / "slack_webhook_url"
    webhook.write_text(slack_url)
    config["global"] |= {
        "smtp_smarthost": f"127.0.0.1:{smtp_port}",
        "smtp_require_tls": False,
        "slack_api_url_file": str(webhook),
    }
    for secret in ("smtp_auth_username", "smtp_auth_password_file"):
        del config["global"][secret]
    config["templates"] = [str(ALERTMANAGER_DIR / template) for template in config["templates"]]
    config["route"] |= {"group_wait": TICK, "group_interval": TICK}
    path = folder / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True))
    return path


def alertmanager(folder: Path, slack_url: str, smtp_port: int) -> Daemon:
    folder.mkdir(parents=True, exist_ok=True)
    config = local_alertmanager_config(folder, slack_url, smtp_port)
    arguments = [f"--config.file={config}", f"--storage.path={folder / 'data'}", "--cluster.listen-address="]
    return loopback_daemon("alertmanager", folder, arguments, "/-/ready")


@dataclass
class SlackSink:
    """Every JSON body posted to it, in order; `url` is what a Slack incoming webhook would be."""

    posts: list[dict[str, Any]] = field(default_factory=list)
    received: threading.Condition = field(default_factory=threading.Condition)
    url: str = ""

    def texts(self) -> list[str]:
        """Each post's attachments' title and text, one string per post."""
        with self.received:
            posts = list(self.posts)
        return [
            "\n".join(f"{a.get('title', '')}\n{a.get('text', '')}" for a in p.get("attachments", [])) for p in posts
        ]


@contextmanager
def running_slack_sink() -> Iterator[SlackSink]:
    sink = SlackSink()

    class Webhook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with sink.received:
                sink.posts.append(json.loads(body))
                sink.received.notify_all()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            """Quiet: the test reads the posts."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/XXXX"
    thread = threading.Thread(target=server.serve_forever, name="slack-sink", daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
