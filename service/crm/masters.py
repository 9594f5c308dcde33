"""The option services master (§8) and the choice masters (§9): loaded by the migration (`ensure_masters` puts back
missing rows for the demo and tests), then kept by admins (master_upkeep/). What the forms offer, and the checks that a
code sent is in its master and active (a code already stored stays valid)."""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.crm import labels
from service.crm.models import Choice, OptionService
from service.errors import Fields, ValidationFailed, field_label

SORT_ORDER_MAX = 9999  # a master entry's 表示順

# Which stored field takes its code from which choice kind.
CORPORATION_CHOICE_FIELDS = {
    "customer_type": "customer_type",
    "job_type": "job_type",
    "payment_type": "payment_type",
    "sales_channel_id": "sales_channel",
}
SITE_CHOICE_FIELDS = {
    "pps_business_number": "service_type",  # §3.2: PPS番号 is the 電気/ガス choice (service_type follows it)
    "application_type": "application_type",
    "power_supplier_type": "power_company",
    "power_area": "power_area",
    "power_building_type": "building_type",
}

OPTION_SERVICES: tuple[tuple[str, str, str, bool], ...] = (
    ("OPT001002", "トラブル解決レスキューforBiz_年額", "5,500円/年(税込)", False),
    ("OPT004126", "トラブル解決レスキューforBiz_年額（初年度無料）", "-5,500円/年(税込)", False),
    ("OPT013234", "飲食店サポートパック", "4,378円/月(税込)", True),
    ("OPT018251", "オフィスサポートパックSA", "4,378円/月(税込)", True),
    ("OPT021261", "店舗サポートパックSA", "4,378円/月(税込)", True),
    ("OPT030245", "支払繰延規定免除オプション", "0円", False),
    ("OPT032000", "電気量のお知らせ（25年改定）", "165円/月(税込)", False),
    ("OPT033000", "ガス量のお知らせ（25年改定）", "165円/月(税込)", False),
    ("OPT036270", "設備メンテナンスオプション", "4,378円/月(税込)", False),
    ("OPT055248", "ウェルカム割S", "0円", False),
    ("OPT061070", "低圧高負荷", "0円", False),
)

POWER_COMPANIES = (
    ("01", "北海道電力"),
    ("02", "東北電力"),
    ("03", "東京電力"),
    ("04", "中部電力"),
    ("05", "北陸電力"),
    ("06", "関西電力"),
    ("07", "中国電力"),
    ("08", "四国電力"),
    ("09", "九州電力"),
    ("10", "沖縄電力"),
    ("99", "その他"),
)

# 建物区分 (§3.2 セレクトボックス): the spec names no codes. Free text stored before the field took its code from the
# master stays as stored.
BUILDING_TYPES = (("1", "戸建"), ("2", "集合住宅"), ("3", "ビル・テナント"), ("4", "工場・倉庫"), ("9", "その他"))

CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "sales_channel": (
        ("1", "訪問"),
        ("2", "インバウンド"),
        ("3", "アウトバウンド"),
        ("5", "WEB"),
        ("6", "紹介"),
        ("7", "インサイド"),
    ),
    "customer_type": (("1", "個人"), ("2", "法人"), ("3", "屋号（個人事業主等）")),
    "payment_type": (("1", "クレジットカード"), ("2", "口座振替（銀行引落し）"), ("3", "コンビニ払い（請求書払い）")),
    "application_type": (("1", "他社からの切替"), ("2", "ご入居"), ("4", "移転"), ("5", "他社からの切替(開業)")),
    "power_company": POWER_COMPANIES,
    "power_area": tuple(
        (code, label.removesuffix("電力") + "エリア") for code, label in POWER_COMPANIES if code != "99"
    ),
    "job_type": (
        ("1", "飲食店"),
        ("2", "物販"),
        ("3", "サービス"),
        ("4", "事務所"),
        ("5", "施設"),
        ("6", "宿泊施設"),
        ("7", "製造"),
        ("8", "建設・不動産"),
        ("9", "運輸・倉庫"),
        ("10", "農林水産"),
        ("11", "その他"),
    ),
    "building_type": BUILDING_TYPES,
    "invoice": (("0", "不要"), ("3", "要")),
    "payment_certificate": (("0", "不要"), ("1", "要")),
    "service_type": (("electric", "電気"), ("gas", "ガス")),
}
# The words bills print as each field's label (labels.OCR_LABEL_KINDS), what the OCR reader looks for; an admin adds
# another bill's wording on the マスタ page. A label's NFKC form is looked for: 「ご請求額（税込）」 as printed.
OCR_LABELS: dict[str, tuple[str, ...]] = {
    "ocr_customer_number": ("お客さま番号", "お客様番号", "ご契約番号", "電気番号", "お客様No", "契約番号"),
    "ocr_location_number": ("供給地点特定番号", "供給地点番号"),
    "ocr_customer_name": ("ご契約名義", "お客さま名", "契約名義", "ご契約者名", "お客様名"),
    "ocr_address": ("ご使用場所", "ご利用場所", "需要場所", "使用場所", "供給場所"),
    "ocr_plan": ("契約種別", "ご契約種別", "契約メニュー", "料金プラン", "ご契約メニュー", "ご契約プラン"),
    "ocr_capacity": ("契約容量", "ご契約", "契約電力", "ご契約容量", "ご契約電力", "契約電流", "ご契約電流"),
    "ocr_date": ("ご使用期間", "ご利用期間", "検針月日", "ご使用年月", "使用年月", "ご請求年月", "ご使用月", "検針年月",
                 "ご利用年月"),
    "ocr_usage": ("ご使用量", "ご利用量", "当月ご使用量", "使用電力量", "ご使用電力量", "今回ご使用量", "使用量",
                  "電力量", "ガスご使用量"),
    "ocr_charges": ("ご請求金額", "ご請求額（税込）", "請求予定金額", "今回お支払金額", "ご請求予定金額", "請求金額",
                    "ご請求額", "今月のご請求額", "料金合計"),
}  # fmt: skip
CHOICES |= {kind: tuple((str(n), word) for n, word in enumerate(words, 1)) for kind, words in OCR_LABELS.items()}

PREFECTURES = (
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
)


def ocr_labels(rows: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    """Each field's label words (labels.OCR_LABEL_KINDS) from the choice master's active rows of the OCR kinds."""
    words: dict[str, list[str]] = {field: [] for field, _ in labels.OCR_LABEL_KINDS.values()}
    for row in rows:
        if row["kind"] in labels.OCR_LABEL_KINDS and row["is_active"]:
            words[labels.OCR_LABEL_KINDS[row["kind"]][0]].append(row["label"])
    return {field: tuple(found) for field, found in words.items()}


def option_rows() -> list[dict]:
    return [
        {"code": code, "name": name, "price_label": price, "is_support_pack": pack, "sort_order": i, "is_active": True}
        for i, (code, name, price, pack) in enumerate(OPTION_SERVICES)
    ]


def choice_rows() -> list[dict]:
    return [
        {"kind": kind, "code": code, "label": label, "sort_order": i, "is_active": True}
        for kind, entries in CHOICES.items()
        for i, (code, label) in enumerate(entries)
    ]


def ensure_masters(db: Session) -> int:
    have_options = set(db.scalars(select(OptionService.code)))
    have_choices = set(db.execute(select(Choice.kind, Choice.code)).tuples().all())
    added: list[OptionService | Choice] = []
    added += [OptionService(**row) for row in option_rows() if row["code"] not in have_options]
    added += [Choice(**row) for row in choice_rows() if (row["kind"], row["code"]) not in have_choices]
    db.add_all(added)
    db.flush()
    return len(added)


def choices(db: Session) -> dict[str, list[Choice]]:
    grouped: dict[str, list[Choice]] = {}
    for choice in db.scalars(select(Choice).order_by(Choice.kind, Choice.sort_order)):
        grouped.setdefault(choice.kind, []).append(choice)
    return grouped


def options(db: Session) -> list[OptionService]:
    return list(db.scalars(select(OptionService).order_by(OptionService.sort_order)))


def check_choices(db: Session, values: dict[str, tuple[str, str]], *, stored: Mapping[str, Any] | None = None) -> None:
    """Empty codes and codes already stored in the field pass; another not in the master, or deactivated, is a 422."""
    stored = stored or {}
    wanted = {(kind, code) for field, (kind, code) in values.items() if code and code != stored.get(field)}
    if not wanted:
        return
    kinds = {kind for kind, _ in wanted}
    active = select(Choice.kind, Choice.code).where(Choice.kind.in_(kinds), Choice.is_active)
    known = set(db.execute(active).tuples().all())
    for field, (kind, code) in values.items():
        if (kind, code) in wanted and (kind, code) not in known:
            raise ValidationFailed(
                f"{field_label([field], Fields('crm'))} の値 '{code}' は選択肢マスタ"
                f"（{labels.CHOICE_KIND_LABELS.get(kind, kind)}）にないか、無効になっています",
                details={"field": field, "rule": "choice", "kind": kind, "value": code},
            )


def check_options(
    db: Session, codes: list[str], *, stored: list[str] | None = None, field: str = "option_plans"
) -> None:
    """Codes already stored stay valid."""
    new = [code for code in codes if code not in (stored or [])]
    if not new:
        return
    known = set(db.scalars(select(OptionService.code).where(OptionService.is_active, OptionService.code.in_(new))))
    unknown = [code for code in new if code not in known]
    if unknown:
        raise ValidationFailed(
            f"オプションサービスマスタにないコードです: {', '.join(unknown)}",
            details={"field": field, "rule": "option_code", "value": unknown},
        )
