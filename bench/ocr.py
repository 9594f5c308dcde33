"""The CRM's OCR of statement images on a generated test set: per field, the share of bills whose value was proposed
exactly right, proposed wrong, or not proposed; proposals that break the site's own rules (the API's SiteFields);
the CPU seconds per image (this process and the engine's, from the file to the proposals, as the worker runs it).

    .venv/bin/python bench/ocr.py [--bills 90]

The bills are bench/ocr_bills.py's: the demo's sites in three layouts and nine looks (flat, turned, slanted, blurred,
noisy JPEG, HEIC, sideways, upside down, on a desk at an angle; every seventh a PDF). Needs Tesseract (Debian's
tesseract-ocr, tesseract-ocr-jpn). Prints a table, then ONE final JSON line (with 供給地点特定番号's share per look).
Targets: 供給地点特定番号 exactly right on ≥ 90 % of the bills that carry one, no proposal that breaks its rule,
≤ 5 s of CPU per image (the median and the slowest).
"""

import argparse
import os
import resource
import statistics
import time
from collections import Counter

from common import print_result
from ocr_bills import demo_bills, files
from pydantic import ValidationError

from service.crm.labels import SITE_AUDIT_FIELD_LABELS
from service.crm.masters import POWER_COMPANIES
from service.crm.ocr import engine, extraction, reading
from service.crm.sites.schemas import SiteFields
from service.database import utcnow

LOCATION = "power_customer_location_number"
LOCATION_TARGET, CPU_TARGET = 0.90, 5.0
CONTENT_TYPES = {"pdf": "application/pdf", "heic": "image/heif", "jpg": "image/jpeg", "png": "image/png"}


def cpu_seconds() -> float:
    """This process's CPU time and its finished children's (the engine runs as a child)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def breaks_its_rule(field: str, value: object) -> bool:
    """Whether the site's own schema (what the API takes on save) refuses the proposed value."""
    try:
        SiteFields.model_validate({field: value})
    except ValidationError:
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=90)
    args = parser.parse_args()
    os.environ.setdefault("APP_OCR_ENGINE", "tesseract")
    state = engine.state()
    if not state.available:
        raise SystemExit(state.message)
    companies = {code: name for code, name in POWER_COMPANIES if code != reading.OTHER_COMPANY}
    right, wrong, carried = Counter(), Counter(), Counter()
    look_right, look_carried = Counter(), Counter()  # 供給地点特定番号 by look (a PDF's is "pdf")
    broken, seconds, walls = [], [], []
    for bill, data, extension in files(demo_bills(args.bills)):
        started, wall = cpu_seconds(), time.perf_counter()
        result = reading.read(reading.Source(data, CONTENT_TYPES[extension], companies), now=utcnow()).result
        seconds.append(cpu_seconds() - started)
        walls.append(time.perf_counter() - wall)
        for field, proposal in result["fields"].items():
            if breaks_its_rule(field, proposal["value"]):
                broken.append((bill.name, field, proposal["value"]))
        for field, truth in bill.truth.items():
            if field not in extraction.FIELDS:
                continue
            carried[field] += 1
            proposal = result["fields"].get(field)
            if proposal is not None:
                (right if proposal["value"] == truth else wrong)[field] += 1
            if field == LOCATION:
                look = "pdf" if extension == "pdf" else bill.look
                look_carried[look] += 1
                look_right[look] += proposal is not None and proposal["value"] == truth
    print(f"{args.bills} bills; CPU per image median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s")
    print(f"{'field':<34}{'bills':>6}{'right':>8}{'wrong':>8}{'none':>8}")
    shares = {}
    for field in extraction.FIELDS:
        if not carried[field]:
            continue
        n = carried[field]
        shares[field] = round(right[field] / n, 3)
        none = n - right[field] - wrong[field]
        label = SITE_AUDIT_FIELD_LABELS[field]
        print(f"{label:<28}{n:>6}{right[field] / n:>8.0%}{wrong[field] / n:>8.0%}{none / n:>8.0%}")
    for name, field, value in broken:
        print(f"rule broken: {name} {field} {value!r}")
    location = shares.get(LOCATION, 0.0)
    print_result(
        {
            "bench": "ocr",
            "engine": f"{state.engine} {state.version}",
            "bills": args.bills,
            "exact_share": shares,
            "location_exact_by_look": {look: round(look_right[look] / n, 3) for look, n in look_carried.items()},
            "wrong_proposals": sum(wrong.values()),
            "rule_breaking_proposals": len(broken),
            "cpu_s_per_image_median": round(statistics.median(seconds), 2),
            "cpu_s_per_image_max": round(max(seconds), 2),
            "wall_s_per_image_median": round(statistics.median(walls), 2),
            "targets_met": location >= LOCATION_TARGET and not broken and max(seconds) <= CPU_TARGET,
        }
    )


if __name__ == "__main__":
    main()
