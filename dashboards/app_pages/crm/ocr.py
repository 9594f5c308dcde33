"""地点入力 with OCR (confirm, never trust): the proposals read from a statement image fill the site's empty fields,
each marked 「OCR」 with its confidence; the characters read with little confidence are highlighted; what was read but
withheld is listed with the rule or check it broke; the issuer's name as read is shown (a new-power company's bill
proposes 電力会社 その他); choosing a field shows the page with the box where its value was
read, beside the form. What the operator typed wins over any proposal,
one arriving later too. Nothing is saved until the operator saves; the save names the image read (`ocr_image_id`) so the
API records which proposals were kept, which corrected and which fields were typed."""

from dataclasses import dataclass, field

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboards import crm_api, forms, labels

EMPTY = ("", None)
PENDING = "この画像はOCRで読み取り中です。しばらくしてから「読み取り結果を確認」を押してください。"
FAILED = "この画像はOCRで読み取れませんでした: {message}"
NONE_READ = "この依頼の明細画像にはOCRの読み取り結果がありません。"
ISSUER = "請求書の発行元（読み取り）: {issuer}"
WITHHELD = "読み取ったが、決まりや他の項目と合わないため提案しなかった項目（画像を見て入力してください）:"


@dataclass
class Reading:
    """The OCR of the image chosen for the site: its proposals by field (none when OCR has nothing to offer)."""

    image_id: int | None = None
    proposals: dict[str, dict] = field(default_factory=dict)
    low_confidence: float = 1.0
    withheld: list[dict] = field(default_factory=list)
    issuer: str | None = None

    def filled(self, base: dict) -> dict:
        """The site as the form opens it: each empty field holding its proposal."""
        return base | {name: p["value"] for name, p in self.proposals.items() if base.get(name) in EMPTY}

    def marks(self, base: dict) -> dict[str, str]:
        """「（OCR 93%）」 after the label of each field the form filled in."""
        return {name: f"（OCR {p['confidence']:.0%}）" for name, p in self.proposals.items() if base.get(name) in EMPTY}

    def body(self) -> dict:
        """What the save sends beside the changes: the image read (its proposals, or the fields typed where it
        proposed nothing, are what OCR採用率 counts)."""
        return {"ocr_image_id": self.image_id} if self.image_id else {}


def _candidates(site: dict, images: list[dict]) -> list[dict]:
    """The request's images OCR was asked to read, those linked to the site first."""
    asked = [image for image in images if image.get("ocr_status")]
    return sorted(asked, key=lambda image: (image["site_id"] != site["id"], image["id"]))


def typed(key: str) -> dict:
    """What the operator typed into the site's form (field -> value, where it differs from the site as proposed):
    drawn over the proposals, so a form drawn anew keeps it."""
    return st.session_state.get(f"{key}_typed", {})


def keep_typed(key: str, edits: dict) -> None:
    st.session_state[f"{key}_typed"] = edits


def reading_for(key: str, site: dict, images: list[dict]) -> Reading:
    """The OCR to fill the site's form with (the form drawn anew when it differs from the one the form was drawn
    with: a reading finished since, another image chosen; the fields the operator typed into keep what they typed)."""
    reading = _reading(key, site, images)
    drawn_from, source = f"{key}_ocr_source", reading.image_id if reading.proposals else None
    if drawn_from in st.session_state and source not in (None, st.session_state[drawn_from]):
        forms.renew(key)
    st.session_state[drawn_from] = source
    return reading


def _reading(key: str, site: dict, images: list[dict]) -> Reading:
    """The image's OCR: the page says when OCR is unavailable, still reading or failed."""
    engine = crm_api.ocr_engine()
    candidates = _candidates(site, images)
    if not engine["available"] and not candidates:
        st.info(engine["message"], icon=":material/document_scanner:")
        return Reading()
    if not candidates:
        st.caption(NONE_READ)
        return Reading()
    by_id = {image["id"]: image for image in candidates}
    image_id = st.selectbox(
        "OCRの読み取り結果を使う明細画像",
        list(by_id),
        key=f"{key}_ocr_image",
        format_func=lambda i: f"#{i} {by_id[i]['file_name']}",
    )
    ocr = crm_api.image_ocr(image_id)
    if ocr["status"] == "pending":
        st.info(PENDING, icon=":material/hourglass_top:")
        if st.button("読み取り結果を確認", key=f"{key}_ocr_refresh", icon=":material/refresh:"):
            st.rerun()
        return Reading()
    if ocr["status"] != "done":
        st.warning(FAILED.format(message=ocr["message"]), icon=":material/error:")
        return Reading()
    proposals = {p["field"]: p for p in ocr["proposals"]}
    st.caption(
        f"OCR（{ocr['engine']} {ocr['version']}）が読み取った値を「OCR」の印の付いた項目に入れています。"
        "画像と見比べて確認・修正してから保存してください。保存するまで何も記録されません。"
    )
    return Reading(image_id, proposals, ocr["low_confidence"], ocr["withheld"], ocr.get("issuer"))


def highlighted(proposal: dict, threshold: float) -> str:
    """The characters as read, those below the threshold on a red background."""
    parts = []
    for char, confidence in proposal["chars"]:
        shown = labels.plain(char)
        parts.append(f":red-background[{shown}]" if confidence < threshold and char.strip() else shown)
    return "".join(parts)


def withheld_reasons(reading: Reading) -> None:
    """The issuer as read; what OCR read but did not propose, each with the rule or the check it broke: those fields
    are the operator's."""
    if reading.issuer:
        st.markdown(ISSUER.format(issuer=labels.plain(reading.issuer)))
    if reading.withheld:
        st.caption(WITHHELD)
        for item in reading.withheld:
            st.markdown(f"- **{item['label']}** :gray[{labels.plain(item['read'])}] — {labels.plain(item['rule'])}")


def where_read(key: str, reading: Reading, beside: DeltaGenerator) -> None:
    """Each proposal as read (low-confidence characters highlighted) and what was withheld, and why; the chosen
    proposal's box on the page, shown in `beside` (the image column next to the form)."""
    if not reading.proposals:
        withheld_reasons(reading)
        return
    with st.expander("OCRの読み取り結果（信頼度の低い文字を赤で表示）", expanded=True):
        for proposal in reading.proposals.values():
            st.markdown(
                f"**{proposal['label']}** {highlighted(proposal, reading.low_confidence)}"
                f"　:gray[信頼度 {proposal['confidence']:.0%}]"
            )
        withheld_reasons(reading)
        chosen = st.selectbox(
            "画像上の読み取り位置を表示する項目",
            list(reading.proposals),
            key=f"{key}_ocr_field",
            format_func=lambda name: reading.proposals[name]["label"],
        )
    assert reading.image_id is not None
    with beside:
        st.markdown(f"**読み取り位置: {reading.proposals[chosen]['label']}**")
        st.image(crm_api.ocr_page(reading.image_id, chosen))
