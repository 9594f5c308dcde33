"""The CRM's OCR of electricity bills on a generated test set: per field, the share of bills whose value was proposed
exactly right, proposed wrong, or not proposed; proposals that break a structural check (the site's own rules, the API's
SiteFields, and the checks between the fields: the 供給地点特定番号's area against the 電力会社 and the prefecture, the
company's お客様番号 and plans, the plan's unit of 契約容量, the postal code's prefecture); the figures the CRM shows,
as if an operator saved each bill correcting what was wrong and typing what was missing (service/crm/ocr/reviews.py's
`outcome`, the one definition): OCR採用率 over every field, 手入力なしの請求書 over the clear bills and all; the CPU
seconds per image (this process and the engine's, from the file to the proposals, as the worker runs it).

    .venv/bin/python bench/ocr.py [--bills 90] [--engine ppocrv5|tesseract]

The bills are bench/ocr_bills.py's: the ten major power companies' usual layouts in turn, through nine looks (flat,
turned, slanted — the clear ones —, blurred, noisy JPEG, HEIC, sideways, upside down, on a desk at an angle; every
seventh a PDF). Needs Tesseract with its two Japanese models (Debian's tesseract-ocr, tesseract-ocr-jpn,
tesseract-ocr-script-jpan). Prints a table, then ONE final JSON line. Targets: every field exactly right on ≥ 95 %
of the bills, 供給地点特定番号 on ≥ 99 %, no proposal that breaks a structural check, 手入力なしの請求書 ≥ 80 % of
the clear bills, ≤ 5 s of CPU per image (the median and the slowest).
"""

import argparse
import os
import resource
import statistics
import time
from collections import Counter

from common import print_result
from ocr_bills import CLEAR, bills, files
from pydantic import ValidationError

from service.crm.labels import SITE_AUDIT_FIELD_LABELS
from service.crm.masters import POWER_COMPANIES
from service.crm.ocr import checks, engine, extraction, proposals, reading, reviews
from service.crm.sites.schemas import SiteFields
from service.database import utcnow

LOCATION = "power_customer_location_number"
FIELD_TARGET, LOCATION_TARGET, HANDS_FREE_TARGET, CPU_TARGET = 0.95, 0.99, 0.80, 5.0
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=90)
    parser.add_argument(
        "--engine", choices=["ppocrv6", "ppocrv5", "tesseract"], help="APP_OCR_ENGINE's, or the setting's default"
    )
    args = parser.parse_args()
    if args.engine:
        os.environ["APP_OCR_ENGINE"] = args.engine
    state = engine.state()
    if not state.available:
        raise SystemExit(state.message)
    companies = {code: name for code, name in POWER_COMPANIES if code != reading.OTHER_COMPANY}
    right, wrong, carried, outcomes = Counter(), Counter(), Counter(), Counter()
    hands_free, saved = Counter(), Counter()  # by clear or not
    broken, seconds, walls = [], [], []
    for bill, data, extension in files(bills(args.bills)):
        started, wall = cpu_seconds(), time.perf_counter()
        result = reading.read(reading.Source(data, CONTENT_TYPES[extension], companies), now=utcnow()).result
        seconds.append(cpu_seconds() - started)
        walls.append(time.perf_counter() - wall)
        values: dict[str, object] = {field: proposal["value"] for field, proposal in result["fields"].items()}
        broken += [(bill.name, field, values[field]) for field in broken_checks(values)]
        kept = True
        for field in extraction.FIELDS:
            truth = bill.truth[field]
            carried[field] += 1
            if field in values:
                (right if values[field] == truth else wrong)[field] += 1
            what = reviews.outcome(values.get(field), truth)  # the operator saves the truth
            outcomes[what] += 1
            kept = kept and what == reviews.ACCEPTED
        clear = bill.look in CLEAR
        saved[clear] += 1
        hands_free[clear] += kept
    print(f"{args.bills} bills; CPU per image median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s")
    print(f"{'field':<34}{'bills':>6}{'right':>8}{'wrong':>8}{'none':>8}")
    shares = {}
    for field in extraction.FIELDS:
        n = carried[field]
        shares[field] = round(right[field] / n, 3)
        none = n - right[field] - wrong[field]
        label = SITE_AUDIT_FIELD_LABELS[field]
        print(f"{label:<28}{n:>6}{right[field] / n:>8.0%}{wrong[field] / n:>8.0%}{none / n:>8.0%}")
    for name, field, value in broken:
        print(f"structural check broken: {name} {field} {value!r}")
    clear_share = round(hands_free[True] / saved[True], 3) if saved[True] else 0.0
    reviewed = sum(outcomes.values())
    print_result(
        {
            "bench": "ocr",
            "engine": f"{state.engine} {state.version}",
            "bills": args.bills,
            "load_1min": round(os.getloadavg()[0], 1),
            "exact_share": shares,
            "worst_field": min(shares, key=shares.__getitem__),
            "wrong_proposals": sum(wrong.values()),
            "structural_check_broken": len(broken),
            "ocr_acceptance": round(outcomes[reviews.ACCEPTED] / reviewed, 3),
            "fields": {outcome: outcomes[outcome] for outcome in (reviews.ACCEPTED, reviews.CORRECTED, reviews.TYPED)},
            "hands_free_clear": clear_share,
            "hands_free_all": round(sum(hands_free.values()) / sum(saved.values()), 3),
            "cpu_s_per_image_median": round(statistics.median(seconds), 2),
            "cpu_s_per_image_max": round(max(seconds), 2),
            "wall_s_per_image_median": round(statistics.median(walls), 2),
            "targets_met": all(share >= FIELD_TARGET for share in shares.values())
            and shares[LOCATION] >= LOCATION_TARGET
            and not broken
            and clear_share >= HANDS_FREE_TARGET
            and max(seconds) <= CPU_TARGET,
        }
    )


if __name__ == "__main__":
    main()
