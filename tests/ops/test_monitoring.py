"""The monitoring stack for real (ops/prometheus, ops/alertmanager): Debian's Prometheus scrapes the running API, a
worker per queue (their own /metrics) and node_exporter; every alerting rule fires under `promtool test rules` in a
case written with the series exactly as that Prometheus stored them (names and labels, not typed by hand); and a
worker stopped reaches a Slack sink and an SMTP sink through Alertmanager in the rule's Japanese words.

The stack evaluates every second, scrapes every three seconds and holds a rule's `for:` five
(tests/support/monitoring.py): the promtool cases cover the durations, the live run the wiring (scrape -> rule ->
Alertmanager -> Slack and mail)."""

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from service import broker
from service.config import REPO_ROOT
from service.crm.ocr import turns
from service.database import session_scope
from service.task_queues import BULK, CRITICAL, QUEUES
from tests.service.fleet.conftest import make_customer, make_terminal, send
from tests.support import live_server, monitoring
from tests.support.compose import COMPOSE
from tests.support.monitoring import ALERTMANAGER_DIR, BINARIES, MISSING, PROMETHEUS_DIR, SlackSink, read_yaml
from tests.support.ports import free_port
from tests.support.smtp import SmtpSink, running_smtp_sink
from tests.support.waiting import wait_for_job, wait_until
from tests.support.worker import WorkerProcess, purge_queue

pytestmark = [
    pytest.mark.embedded_only,
    pytest.mark.skipif(bool(MISSING), reason=f"{', '.join(MISSING)} missing (Debian's prometheus packages)"),
    pytest.mark.outside,
]

RULE_FILES = read_yaml(PROMETHEUS_DIR / "prometheus.yml")["rule_files"]
RULES = {
    rule["alert"]: rule
    for rule_file in RULE_FILES
    for group in read_yaml(PROMETHEUS_DIR / rule_file)["groups"]
    for rule in group["rules"]
}
ALERT_TIMEOUT = 30
CRITICAL_TASK = "platform.dispatch_outbox"
FLEET_SILENCE = 'daicho_fleet_heartbeat_silence_seconds{job="daicho-api"}'
OCR_READS = f'daicho_worker_tasks_accepted_total{{job="daicho-worker",task="{turns.TASK}"}}'
live_api = live_server.live_api
Labels = dict[str, str]


def tool(name: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([BINARIES[name], *args], cwd=cwd, capture_output=True, text=True, stdin=subprocess.DEVNULL)


def test_the_shipped_configurations_pass_promtool_and_amtool():
    checked = tool("promtool", "check", "config", "prometheus.yml", cwd=PROMETHEUS_DIR)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert sum(map(int, re.findall(r"SUCCESS: (\d+) rules found", checked.stdout))) == len(RULES)
    amtool = tool("amtool", "check-config", "alertmanager.yml", cwd=ALERTMANAGER_DIR)
    assert amtool.returncode == 0, amtool.stdout + amtool.stderr
    assert "1 templates" in amtool.stdout


def answering_port(service: dict[str, Any]) -> int:
    """The port a compose service answers on: a worker's metrics address, else the one its health check asks."""
    worker_address = service.get("environment", {}).get("APP_WORKER_METRICS_ADDRESS")
    said = worker_address or " ".join(service["healthcheck"]["test"]).replace("http://", "")
    return int(re.search(r":(\d+)", said).group(1))


def prometheus_targets(config: dict[str, Any]) -> set[tuple[str, int]]:
    """(compose service, port) of everything prometheus.yml reaches: scrape targets and Alertmanager."""
    jobs = config["scrape_configs"]
    found = {(name, sd["port"]) for job in jobs for sd in job.get("dns_sd_configs", []) for name in sd["names"]}
    groups = [
        group for each in [*jobs, *config["alerting"]["alertmanagers"]] for group in each.get("static_configs", [])
    ]
    for target in (target for group in groups for target in group["targets"]):
        name, _, port = target.partition(":")
        found.add((name, int(port)))
    return found


# each compose service of the stack, by the Debian binary the tests run in its place
IMAGES = {"prometheus": "prometheus", "alertmanager": "alertmanager", "node-exporter": "node_exporter"}


def version(binary: str) -> str:
    said = subprocess.run([BINARIES[binary], "--version"], capture_output=True, text=True).stdout
    return re.search(r"version (\d+\.\d+\.\d+)", said).group(1)


def test_compose_runs_the_stack_ops_configures_with_the_versions_tested_here():
    services = COMPOSE["services"]
    reached = prometheus_targets(read_yaml(PROMETHEUS_DIR / "prometheus.yml"))
    assert {name for name, _ in reached} == {"api", "worker", "worker-bulk", "node-exporter", "alertmanager"}
    assert all(answering_port(services[name]) == port for name, port in reached)
    for name, binary in IMAGES.items():
        assert services[name]["image"].endswith(f":v{version(binary)}")
    for name, folder in (("prometheus", PROMETHEUS_DIR), ("alertmanager", ALERTMANAGER_DIR)):
        assert f"./{folder.relative_to(REPO_ROOT)}:/etc/{name}:ro" in services[name]["volumes"]
        assert f"--config.file=/etc/{name}/{name}.yml" in services[name]["command"]
    manager = read_yaml(ALERTMANAGER_DIR / "alertmanager.yml")["global"]
    secret_files = {value for key, value in manager.items() if key.endswith("_file")}
    assert secret_files == {f"/run/secrets/{name}" for name in services["alertmanager"]["secrets"]}
    variables = {COMPOSE["secrets"][name]["environment"] for name in services["alertmanager"]["secrets"]}
    assert variables <= set(re.findall(r"^(\w+)=", (REPO_ROOT / ".env.example").read_text(), flags=re.MULTILINE))


@dataclass
class Stack:
    prometheus: str
    slack: SlackSink
    smtp: SmtpSink
    workers: dict[str, WorkerProcess]


@pytest.fixture(scope="module")
def stack(live_api: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The API (the run's live server), a worker per queue serving its /metrics, node_exporter, the Slack and SMTP
    sinks, Alertmanager and Prometheus, the last once it has scraped every target; each stopped at the end."""
    folder = tmp_path_factory.mktemp("monitoring")
    purge_queue()
    with ExitStack() as running:
        slack = running.enter_context(monitoring.running_slack_sink())
        smtp, smtp_port = running.enter_context(running_smtp_sink())
        workers = {}
        for queue in (CRITICAL, BULK):
            own_metrics = {"APP_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}"}
            workers[queue] = WorkerProcess(own_metrics, folder / f"{queue}.log", [queue])
            running.callback(workers[queue].kill)
            workers[queue].start()
        node = running.enter_context(monitoring.node_exporter(folder / "node_exporter"))
        manager = running.enter_context(monitoring.alertmanager(folder / "alertmanager", slack.url, smtp_port))
        addresses = {
            "api": live_api.removeprefix("http://"),
            "worker": workers[CRITICAL].env["APP_WORKER_METRICS_ADDRESS"],
            "worker-bulk": workers[BULK].env["APP_WORKER_METRICS_ADDRESS"],
            "node-exporter": node.address,
        }
        scraper = running.enter_context(monitoring.prometheus(folder / "prometheus", addresses, manager.address))
        yield Stack(scraper.url, slack, smtp, workers)


# The promtool cases: each a function of the live series (`Shapes`), returning its input series and expectations.


class Shapes:
    """The series Prometheus stored from the running service, by PromQL selector."""

    def __init__(self, prometheus: str) -> None:
        self.prometheus = prometheus

    def find(self, selector: str) -> list[Labels]:
        answer = httpx.get(f"{self.prometheus}/api/v1/series", params={"match[]": selector}, timeout=5).json()
        return sorted(answer["data"], key=lambda labels: sorted(labels.items()))

    def all(self, selector: str) -> list[Labels]:
        found = self.find(selector)
        assert found, f"a rule reads {selector}, which nothing Prometheus scraped has"
        return found

    def one(self, selector: str) -> Labels:
        return self.all(selector)[0]


def series(labels: Labels, values: str) -> dict[str, str]:
    name = labels["__name__"]
    pairs = ",".join(f"{key}={json.dumps(value)}" for key, value in sorted(labels.items()) if key != "__name__")
    return {"series": f"{name}{{{pairs}}}", "values": values}


def expect(alert: str, at: str, description: str | None = None, labels: Labels | None = None) -> dict[str, Any]:
    """The alert at `at`: silent without a description; else firing once with the rule's labels, those of the series
    it keeps (`labels`), its summary and this description."""
    rule = RULES[alert]
    firing = {
        "exp_labels": rule["labels"] | {key: value for key, value in (labels or {}).items() if key != "__name__"},
        "exp_annotations": {"summary": rule["annotations"]["summary"], "description": description},
    }
    return {"eval_time": at, "alertname": alert, "exp_alerts": [firing] if description else []}


def case(name: str, input_series: list[dict[str, str]], *alerts: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "interval": "1m", "input_series": input_series, "alert_rule_test": list(alerts)}


def api_down(shapes: Shapes) -> dict[str, Any]:
    up = shapes.one('up{job="daicho-api"}')
    return case(
        "the API's /metrics unanswered for a minute",
        [series(up, "1 1 0 0 0 0")],
        expect("QrvSystemDown", "2m"),
        expect("QrvSystemDown", "4m", f"{up['instance']} の /metrics に1分以上応答がありません。", up),
    )


def critical_worker_stopped(instance: str) -> str:
    return f"Celeryワーカー（critical キュー、{instance}）が1分以上応答しません。予約処理・送信が止まっています。"


def by_queue(shapes: Shapes, metric: str, job: str) -> dict[str, Labels]:
    """The metric's series of each queue, scraped from the job."""
    return {queue: shapes.one(f'{metric}{{job="{job}",queue="{queue}"}}') for queue in QUEUES}


def worker_down(shapes: Shapes) -> dict[str, Any]:
    up = by_queue(shapes, "up", "daicho-worker")
    return case(
        "the critical worker unanswered for a minute, the bulk one answering",
        [series(up[CRITICAL], "1 1 0 0 0 0"), series(up[BULK], "1x5")],
        expect("QrvWorkerDown", "2m"),
        expect("QrvWorkerDown", "4m", critical_worker_stopped(up[CRITICAL]["instance"]), up[CRITICAL]),
    )


def worker_gone(shapes: Shapes) -> dict[str, Any]:
    critical = by_queue(shapes, "up", "daicho-worker")[CRITICAL]
    gone = "Celeryワーカー（bulk キュー）が1分以上応答しません。帳票・取込などの処理が止まっています。"
    return case(
        "no bulk worker left to scrape",
        [series(critical, "1x5")],
        expect("QrvWorkerDown", "3m", gone, {"job": "daicho-worker", "queue": BULK}),
    )


def api_cpu(shapes: Shapes) -> dict[str, Any]:
    cpu = shapes.one('process_cpu_seconds_total{job="daicho-api"}')
    high = f"{cpu['instance']} のCPU使用率が5分以上80%を超えています（90%）。"
    return case(
        "the API's CPU at 90% for five minutes",
        [series(cpu, "0+54x12")],
        expect("QrvCpuHigh", "3m"),
        expect("QrvCpuHigh", "7m", high, cpu),
    )


def host_cpu(shapes: Shapes) -> dict[str, Any]:
    idle = shapes.all('node_cpu_seconds_total{job="node",mode="idle"}')
    instance = idle[0]["instance"]
    high = f"{instance} のCPU使用率が5分以上80%を超えています（90%）。"
    return case(
        "the host's every CPU 90% busy for five minutes",
        [series(each, "0+6x12") for each in idle],
        expect("QrvHostCpuHigh", "3m"),
        expect("QrvHostCpuHigh", "7m", high, {"instance": instance}),
    )


def host_memory(shapes: Shapes) -> dict[str, Any]:
    threshold = shapes.one('daicho_memory_alert_threshold_ratio{job="daicho-api"}')
    total = shapes.one('node_memory_MemTotal_bytes{job="node"}')
    available = shapes.one('node_memory_MemAvailable_bytes{job="node"}')
    high = f"{total['instance']} のメモリ使用率が5分以上しきい値を超えています（90%）。"
    return case(
        "host memory above the configured threshold for five minutes",
        [series(threshold, "0.8x20"), series(total, "1000x20"), series(available, "300x4 100x15")],
        expect("QrvHostMemoryHigh", "4m"),
        expect("QrvHostMemoryHigh", "10m", high, total),
    )


def queue_length(shapes: Shapes) -> dict[str, Any]:
    length = by_queue(shapes, "daicho_celery_queue_length", "daicho-api")
    return case(
        "the critical queue over 100 for a minute; a long bulk queue is no alert",
        [series(length[CRITICAL], "10 150 150 150"), series(length[BULK], "900x3")],
        expect("QrvQueueLength", "1m"),
        expect("QrvQueueLength", "3m", "Celeryの critical キューに 150 件が溜まっています（しきい値100件）。"),
    )


def error_rate_series(shapes: Shapes, requests: str, errors: str, failed: str, attempts: str) -> list[dict[str, str]]:
    return [
        series(shapes.one('daicho_http_requests_total{job="daicho-api",status="200"}'), requests),
        series(shapes.one('daicho_http_errors_total{job="daicho-api"}'), errors),
        series(shapes.one('daicho_delivery_attempts_recent{job="daicho-api",result="failed"}'), failed),
        series(shapes.one('daicho_delivery_attempts_recent{job="daicho-api",result="all"}'), attempts),
    ]


def api_errors(shapes: Shapes) -> dict[str, Any]:
    return case(
        "API 5xx alone make the error rate",
        error_rate_series(shapes, requests="0+90x10", errors="0+10x10", failed="0x10", attempts="0x10"),
        expect("QrvErrorRate", "10m", "直近5分のエラー率が 11.11% です（API 5xx と送信失敗、しきい値5%）。"),
    )


def failed_deliveries(shapes: Shapes) -> dict[str, Any]:
    return case(
        "failed deliveries while the API never answered a 5xx; a quiet service does not alert",
        error_rate_series(shapes, requests="0+1x10", errors="0x10", failed="0x4 6x5", attempts="3x4 30x5"),
        expect("QrvErrorRate", "3m"),
        expect("QrvErrorRate", "9m", "直近5分のエラー率が 17.14% です（API 5xx と送信失敗、しきい値5%）。"),
    )


def stale_backup(shapes: Shapes) -> dict[str, Any]:
    age = shapes.one('daicho_backup_last_success_age_seconds{job="daicho-api"}')
    return case(
        "a backup older than 26 hours alerts, a day-old one does not",
        [series(age, "90000+60x90")],
        expect("DaichoBackupStale", "30m"),
        expect("DaichoBackupStale", "75m", "最後に成功したバックアップから 1d 2h 15m 0s が経過しています。"),
    )


def storage_low(shapes: Shapes) -> dict[str, Any]:
    floor = shapes.one('daicho_storage_min_free_bytes{job="daicho-api"}')
    data_dir = shapes.one('daicho_storage_free_bytes{job="daicho-api",volume="data_dir"}')
    said = (
        f"{data_dir['instance']} の保存領域（data_dir）の空きが 512MiB です。"
        "不要なファイルを削除するか、ディスクを増設してください。"
    )
    return case(
        "the data folder's free space under the floor for two minutes; above it, no alert",
        [series(floor, "1073741824x10"), series(data_dir, "2147483648x3 536870912x7")],
        expect("DaichoStorageLow", "4m"),
        expect("DaichoStorageLow", "7m", said, data_dir),
    )


def fleet_stall(shapes: Shapes) -> dict[str, Any]:
    silence = shapes.one(FLEET_SILENCE)
    stalled = shapes.one('daicho_fleet_ingest_stalled{job="daicho-api"}')
    said = (
        "全端末からのハートビートが 4m 5s 届いていません。"
        "受信経路（プロキシ・証明書）を確認してください。オフライン検知は停止中です。"
    )
    return case(
        "a heartbeat stall alerts with its silence, and ends when heartbeats resume",
        [series(silence, "5 65 125 185 245 5 5"), series(stalled, "0 0 1 1 1 0 0")],
        expect("FleetIngestStalled", "1m"),
        expect("FleetIngestStalled", "4m", said),
        expect("FleetIngestStalled", "5m"),
    )


def ocr_stall(shapes: Shapes) -> dict[str, Any]:
    waiting = shapes.one('daicho_ocr_images_waiting{job="daicho-api"}')
    reads = shapes.one(OCR_READS)
    said = (
        "OCRの読み取りを待つ明細画像が 3 件ありますが、20分以上読み取りが始まっていません。"
        "bulk キューのCeleryワーカーを確認してください。"
    )
    return case(
        "bill images read one a minute are no alert; none read for 20 minutes while 3 wait alerts, until reads resume",
        [series(waiting, "3x40"), series(reads, "0+1x10 10x25 11+1x4")],
        expect("CrmOcrReadingStalled", "10m"),
        expect("CrmOcrReadingStalled", "29m"),
        expect("CrmOcrReadingStalled", "30m", said),
        expect("CrmOcrReadingStalled", "37m"),
    )


CASES: list[Callable[[Shapes], dict[str, Any]]] = [
    api_down,
    worker_down,
    worker_gone,
    api_cpu,
    host_cpu,
    host_memory,
    queue_length,
    api_errors,
    failed_deliveries,
    stale_backup,
    storage_low,
    fleet_stall,
    ocr_stall,
]


def heard_from_a_terminal(api_url: str) -> None:
    """A terminal's heartbeat through the API: the fleet's silence is measured from the first one on."""
    with session_scope() as db:
        _, token = make_terminal(db, make_customer(db))
    with httpx.Client(base_url=api_url, timeout=10) as http:
        assert send(http, token).status_code == 200


def test_every_rule_fires_under_promtool_on_the_series_scraped_from_the_running_service(stack, live_api, tmp_path):
    shapes = Shapes(stack.prometheus)
    heard_from_a_terminal(live_api)
    broker.sender().send_task(turns.TASK, args=[0])  # a reader with no image waiting: the bulk worker counts it
    wait_until(lambda: shapes.find(FLEET_SILENCE), timeout=ALERT_TIMEOUT, message="the fleet's silence scraped")
    wait_until(lambda: shapes.find(OCR_READS), timeout=ALERT_TIMEOUT, message="the reader scraped from the bulk worker")
    cases = [build(shapes) for build in CASES]
    fired = {test["alertname"] for each in cases for test in each["alert_rule_test"] if test["exp_alerts"]}
    assert fired == set(RULES)  # every rule can fire
    rule_files = [str(PROMETHEUS_DIR / rule_file) for rule_file in RULE_FILES]
    unit_tests = {"rule_files": rule_files, "evaluation_interval": "1m", "tests": cases}
    (tmp_path / "rules_test.yml").write_text(yaml.safe_dump(unit_tests, allow_unicode=True))
    tested = tool("promtool", "test", "rules", "rules_test.yml", cwd=tmp_path)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def worker_samples(worker: WorkerProcess) -> dict[tuple[str, tuple], float]:
    """Every sample of the worker's own /metrics page: (name, sorted labels) -> value."""
    page = httpx.get(f"http://{worker.env['APP_WORKER_METRICS_ADDRESS']}/metrics", timeout=5).text
    families = text_string_to_metric_families(page)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for family in families for s in family.samples}


def test_a_worker_reports_the_tasks_it_took_in_on_its_own_page(stack):
    worker = stack.workers[CRITICAL]
    accepted = ("daicho_worker_tasks_accepted_total", (("task", CRITICAL_TASK),))
    before = worker_samples(worker)
    assert ("daicho_worker_tasks_active", ()) in before and ("process_cpu_seconds_total", ()) in before
    for expected in (1, 2):
        broker.sender().send_task(CRITICAL_TASK)
        wait_for_job(
            lambda expected=expected: worker_samples(worker).get(accepted) == before.get(accepted, 0) + expected,
            timeout=ALERT_TIMEOUT,
            message=f"{expected} {CRITICAL_TASK} accepted",
        )


def mails(smtp: SmtpSink) -> list[tuple[str, str]]:
    """(subject, plain text) of every mail received; the text's lines end in \\n as they do in Slack."""
    with smtp.received:
        received = list(smtp.messages)
    return [(mail["Subject"], mail.get_body(("plain",)).get_content().replace("\r\n", "\n")) for mail in received]


def test_a_stopped_worker_reaches_slack_and_mail_in_the_rules_words(stack):
    critical = stack.workers[CRITICAL]
    address = critical.env["APP_WORKER_METRICS_ADDRESS"]
    stopped = f"・{critical_worker_stopped(address)}\n"
    title = "【発生】システムがダウンしています"
    assert not [text for text in stack.slack.texts() if "Celeryワーカー" in text]

    critical.kill()
    posted = wait_until(
        lambda: [text for text in stack.slack.texts() if stopped in text],
        timeout=ALERT_TIMEOUT,
        message="the worker's alert posted to Slack",
    )
    assert posted == [f"{title}\n{stopped}"]
    assert {post["channel"] for post in stack.slack.posts} == {"#qrv-alerts"}
    assert title in [attachment["fallback"] for post in stack.slack.posts for attachment in post["attachments"]]
    mailed = wait_until(
        lambda: [mail for mail in mails(stack.smtp) if stopped in mail[1]], timeout=ALERT_TIMEOUT, message="mailed"
    )
    assert mailed == [(title, stopped)]
    assert not any("bulk キュー" in text for text in stack.slack.texts())  # the bulk worker still answers
