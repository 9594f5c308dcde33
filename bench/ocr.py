"""OCR of generated bills, its two sets apart: the development layouts
(bench/ocr_bills.py), which the reader's rules are developed on, and the held-out set (bench/ocr_heldout/), which no
rule is written against. For each set, per field: the share of the bills carrying it whose value was proposed exactly
right, proposed wrong (a value proposed where the bill has none, as 契約容量 on a 従量電灯A bill, counts as wrong),
or not proposed; proposals that break a structural check (the site's own rules, the API's SiteFields, and the checks
between the fields, asked again of what was proposed); the figures the CRM shows, as if an operator saved each bill
correcting what was wrong and typing what was missing (service/crm/ocr/reviews.py's `outcome`, the one definition):
OCR採用率 over every field, 手入力なしの請求書 over the clear bills and all; the CPU seconds per bill (this process
and the engine's, from the file to the proposals, as the worker runs it), median and slowest.

    .venv/bin/python bench/ocr.py [--bills N] [--set development|held_out] [--engine tesseract|ppocrv6]
                                  [--misses] [--jobs N]

`--misses` lists, for each development bill, each field proposed wrong or not proposed, with the truth and what was
withheld and why (never on the held-out set: no rule is written against its misses). `--jobs` reads that many bills at
once, each in a process of its own (the CPU per bill stays each bill's own).

`--bills` is per set (by default each layout through every look: 16 × 11 and 15 × 11). The looks: flat, turned,
slanted — the clear ones —, blurred, noisy JPEG, HEIC, sideways, upside down, on a desk at an angle, turned 10°, under
a phone's shadow; every seventh bill a PDF. Needs IPAex Mincho (Debian's fonts-ipaexfont-mincho; the Gothic comes
with matplotlib-fontja), and for `--engine tesseract` Tesseract with its two Japanese models (Debian's tesseract-ocr,
tesseract-ocr-jpn, tesseract-ocr-script-jpan). Prints a table per set, then ONE final JSON line; a whole run of one
set (`--set`) keeps the other's figures from the kept result when the same engine read them, each set with its run's
commit and time.
Targets, on the held-out set: ≥ 90 % of the fields proposed right, ≤ 1 % proposed wrong (on the counts), 手入力なしの
請求書 ≥ 60 % of the bills, ≤ 5 s of CPU per bill (the median and the slowest).
"""

import argparse
import itertools
import json
import multiprocessing
import os
import resource
import statistics
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from common import RESULTS, STARTED_AT, measured_now, print_result
from pydantic import ValidationError

from bench import ocr_heldout
from bench.ocr_bills import CLEAR, LAYOUTS, LOOKS, Bill, Style, bills, files
from service.crm import masters
from service.crm.labels import SITE_AUDIT_FIELD_LABELS
from service.crm.masters import POWER_COMPANIES
from service.crm.ocr import checks, engine, extraction, proposals, reading, reviews
from service.crm.sites.schemas import SiteFields
from service.database import utcnow

SETS = {"development": LAYOUTS, "held_out": ocr_heldout.LAYOUTS}
HEADLINE = (  # a literal: tools/bench_table.py reads it without importing the bench
    "engine",
    "held_out.bills",
    "held_out.right",
    "held_out.wrong",
    "held_out.hands_free_all",
    "held_out.cpu_s_per_bill_median",
    "held_out.cpu_s_per_bill_max",
)
RIGHT_TARGET, WRONG_TARGET, HANDS_FREE_TARGET, CPU_TARGET = 0.90, 0.01, 0.60, 5.0
CONTENT_TYPES = {"pdf": "application/pdf", "heic": "image/heif", "jpg": "image/jpeg", "png": "image/png"}


def cpu_seconds() -> float:
    """This process's CPU time and its finished children's (the engine runs as a child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def broken_checks(values: dict[str, object]) -> list[str]:
    """The structural checks the proposals break: each field's own (the site's schema, what the API takes on save) and
    those between them (service/crm/ocr/checks.py's, asked again of what was proposed)."""
    broken = []
    for field, value in values.items():
        try:
            SiteFields.model_validate({field: value})
        except ValidationError:
            broken.append(field)
    again = proposals.Extraction(
        {field: proposals.Proposal(field, value, 1.0, (0, 0, 0, 0), ()) for field, value in values.items()}, []
    )
    checks.check(again)
    return broken + [withheld.field for withheld in again.withheld]


def misses(bill: Bill, values: dict[str, object], withheld: list[dict[str, str]]) -> list[str]:
    """Each field of the bill proposed wrong or not proposed: what was proposed or withheld (and why), and the truth."""
    reasons = {item["field"]: f"withheld {item['read']!r}: {item['rule']}" for item in withheld}
    return [
        f"  {field}: {f'proposed {values[field]!r}' if field in values else reasons.get(field, 'none')}, "
        f"truth {bill.truth[field]!r}"
        for field in extraction.FIELDS
        if values.get(field) != bill.truth[field]
    ]


def read_one(job: tuple[Bill, reading.Source]) -> tuple[Bill, dict[str, Any], float]:
    """A bill read as the worker reads it: its result and the CPU seconds it took."""
    bill, source = job
    started = cpu_seconds()
    result = reading.read(source, now=utcnow()).result
    return bill, result, cpu_seconds() - started


def first_read(source: reading.Source) -> float:
    """A bill read untimed, as a worker's process reads its first: the engine loads (its models, a second or so of
    CPU) and stays loaded for the bills after it. Its CPU seconds."""
    started = cpu_seconds()
    reading.read(source, now=utcnow())
    return cpu_seconds() - started


def read_all(
    made: list[Bill], source: reading.Source, workers: int
) -> tuple[float, Iterator[tuple[Bill, dict[str, Any], float]]]:
    """The first read's CPU seconds (`first_read`, of the first bill), then each bill read (`read_one`) in its order,
    by `workers` processes side by side, each with its engine loaded as a worker that has read a bill holds it."""
    jobs = ((bill, replace(source, data=data, content_type=CONTENT_TYPES[extension])) for bill, data, extension in
            files(made))  # fmt: skip
    first = next(jobs)
    return first_read(first[1]), _read(first, jobs, workers)


def _read(
    first: tuple[Bill, reading.Source], rest: Iterator[tuple[Bill, reading.Source]], workers: int
) -> Iterator[tuple[Bill, dict[str, Any], float]]:
    jobs = itertools.chain([first], rest)
    if workers == 1:
        yield from map(read_one, jobs)
        return
    with multiprocessing.Pool(workers, initializer=first_read, initargs=(first[1],)) as pool:
        yield from pool.imap(read_one, jobs)


def measure(
    layouts: tuple[Style, ...], count: int, source: reading.Source, *, listing: bool, workers: int
) -> dict[str, Any]:
    """One set's figures; prints its table (and with `listing` each bill's misses). `workers` processes read the bills
    side by side (each bill's CPU seconds are its own worker's)."""
    right, wrong, carried, outcomes = Counter(), Counter(), Counter(), Counter()
    hands_free, saved = Counter(), Counter()  # by clear or not
    broken, seconds = [], []
    first, read = read_all(bills(count, layouts=layouts), source, workers)
    for bill, result, cpu in read:
        seconds.append(cpu)
        values: dict[str, object] = {field: proposal["value"] for field, proposal in result["fields"].items()}
        broken += [(bill.name, field, values[field]) for field in broken_checks(values)]
        missed = misses(bill, values, result["withheld"]) if listing else []
        if missed:
            print(f"{bill.name} ({bill.style.arrangement}, {bill.look})", *missed, sep="\n")
        kept = True
        for field in extraction.FIELDS:
            truth = bill.truth[field]
            carried[field] += truth is not None
            if field in values:
                (right if values[field] == truth else wrong)[field] += 1
            what = reviews.outcome(values.get(field), truth)  # the operator saves the truth
            if what is not None:
                outcomes[what] += 1
            kept = kept and what in (reviews.ACCEPTED, None)
        clear = bill.look in CLEAR
        saved[clear] += 1
        hands_free[clear] += kept
    median, slowest = statistics.median(seconds), max(seconds)
    print(f"{count} bills; CPU per bill median {median:.2f} s, max {slowest:.2f} s; a process's first {first:.2f} s")
    print(f"{'field':<34}{'bills':>6}{'right':>8}{'wrong':>8}{'none':>8}")
    for field in extraction.FIELDS:
        n = max(carried[field], 1)
        none = carried[field] - right[field] - min(wrong[field], carried[field])
        label = SITE_AUDIT_FIELD_LABELS[field]
        print(f"{label:<28}{carried[field]:>6}{right[field] / n:>8.0%}{wrong[field] / n:>8.0%}{none / n:>8.0%}")
    for name, field, value in broken:
        print(f"structural check broken: {name} {field} {value!r}")
    clear = f"{hands_free[True] / saved[True]:.1%}" if saved[True] else "-"
    print(f"structural checks broken: {len(broken)}; 手入力なしの請求書 of the clear bills: {clear}")
    fields, reviewed = sum(carried.values()), sum(outcomes.values())
    return {
        "bills": count,
        "fields": fields,
        "fields_right": sum(right.values()),
        "fields_wrong": sum(wrong.values()),
        "right": round(sum(right.values()) / fields, 3),
        "wrong": round(sum(wrong.values()) / fields, 3),
        "ocr_acceptance": round(outcomes[reviews.ACCEPTED] / reviewed, 3),
        "hands_free_all": round(sum(hands_free.values()) / sum(saved.values()), 3),
        "cpu_s_per_bill_median": round(median, 2),
        "cpu_s_per_bill_max": round(slowest, 2),
        "cpu_s_first_read": round(first, 2),
    }


def met(figures: dict[str, Any]) -> bool:
    """On the counts, not the rounded shares."""
    return (
        figures["fields_right"] >= RIGHT_TARGET * figures["fields"]
        and figures["fields_wrong"] <= WRONG_TARGET * figures["fields"]
        and figures["hands_free_all"] >= HANDS_FREE_TARGET
        and figures["cpu_s_per_bill_max"] <= CPU_TARGET
    )


def kept_sets(engine_name: str) -> dict:
    """The sets a run leaves out, as the kept result has them when the same engine read them (each with the commit and
    time of the run that measured it)."""
    kept = RESULTS / "ocr.json"
    if not kept.exists():
        return {}
    result = json.loads(kept.read_text(encoding="utf-8"))
    figures = result["figures"]
    if figures.get("engine") != engine_name:
        return {}
    run = {"commit": result["commit"], "measured_at": result["measured_at"]}
    return {name: run | figures[name] for name in SETS if name in figures}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, help="per set; by default each layout through every look")
    parser.add_argument("--set", choices=list(SETS), action="append", help="one set only (both by default)")
    parser.add_argument("--engine", choices=["tesseract", "ppocrv6"], help="APP_OCR_ENGINE's by default")
    parser.add_argument("--misses", action="store_true", help="list each development bill's misses")
    parser.add_argument("--jobs", type=int, default=1, help="processes reading bills side by side")
    args = parser.parse_args()
    if args.engine:
        os.environ["APP_OCR_ENGINE"] = args.engine
    state = engine.state()
    if not state.available:
        raise SystemExit(state.message)
    companies = {code: name for code, name in POWER_COMPANIES if code != reading.OTHER_COMPANY}
    source = reading.Source(b"", "", companies, masters.ocr_labels(masters.choice_rows()))
    engine_name = f"{state.engine} {state.version}"
    figures = kept_sets(engine_name) if args.set and not args.bills else {}
    run = {"commit": STARTED_AT, "measured_at": measured_now()}
    for name in args.set or list(SETS):
        print(f"--- {name}")
        count = args.bills or len(SETS[name]) * len(LOOKS)
        listing = args.misses and name == "development"
        figures[name] = run | measure(SETS[name], count, source, listing=listing, workers=args.jobs)
    print_result(
        {
            "bench": "ocr",
            "engine": engine_name,
            **figures,
            "targets_met_held_out": met(figures["held_out"]) if "held_out" in figures else None,
        }
    )


if __name__ == "__main__":
    main()
