"""The training material of §3: every message the manuals quote is the one the code sends, every SMS and mail is
quoted somewhere, the requester FAQ is a public page the booking SMS links to, and each manual renders as a PDF with
every glyph in the embedded Japanese font."""

import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from service.reservations import labels
from service.reservations.messages import faq_url
from service.reservations.shops import calls
from service.reservations.training import training
from tests.service.reservations.conftest import book, headers_for, messages

MANUALS = list(training.MANUALS)
PDFTOPPM = shutil.which("pdftoppm")


@pytest.mark.parametrize("name", MANUALS)
def test_every_message_a_manual_quotes_is_the_one_the_code_sends(name):
    assert training.quoted_templates(name)
    assert training.drifted_quotes(name) == []


def test_every_sms_mail_and_slack_post_is_quoted_in_a_manual():
    quoted = {reference for name in MANUALS for reference, _ in training.quoted_templates(name)}
    sent = {name for name in dir(labels) if name.startswith(("SMS_", "EMAIL_", "SLACK_")) and name != "SLACK_MESSAGES"}
    assert sent - quoted == set()
    assert {f"SLACK_MESSAGES.{kind}" for kind in labels.SLACK_MESSAGES} <= quoted
    assert {f"CALL_REPLIES.{kind}" for kind in labels.CALL_REPLIES} | {"CALL_SCRIPT"} <= quoted
    slack = {reference for reference, _ in training.quoted_templates("operator-slack")}
    assert {name for name in sent if name.startswith("SLACK_")} <= slack, "the Slack list names every post"


def test_the_twelve_items_of_section_3_are_each_a_manual():
    by_audience = {
        audience: [m.title for m in training.MANUALS.values() if m.audience == audience]
        for audience in ("requester", "shop", "operator")
    }
    assert by_audience == {
        "requester": [
            "クイックスタートガイド（ご依頼者向け）",
            "よくある質問（ご依頼者向け）",
            "サンプル対話例（ご依頼者向け）",
            "キャンセル手順（ご依頼者向け）",
        ],
        "shop": [
            "提携店向けマニュアル",
            "電話スクリプト例（提携店向け）",
            "よくある質問（提携店向け）",
            "トラブルシューティング（提携店向け）",
        ],
        "operator": [
            "運用マニュアル（運営担当者向け）",
            "インシデント対応手順書（運営担当者向け）",
            "ログ確認ガイド（運営担当者向け）",
            "Slack通知一覧（運営担当者向け）",
        ],
    }


def test_the_phone_scripts_example_answers_are_read_as_it_says_they_are():
    answers = training.example_answers("shop-phone-script")
    assert {outcome for outcome, _ in answers} == {"accept", "decline", "ambiguous", "change_request"}
    assert [(outcome, line) for outcome, line in answers if calls.classify(None, line) != outcome] == []


def test_a_quoted_messages_fields_read_in_its_own_words():
    slack = training.readable("operator-slack")
    assert "期限切れの決済リンク〈件数〉件が〈経過時間（分）〉分以上" in slack  # not the payment window's minutes
    assert "直近〈集計時間（分）〉分 〈エラー率（%）〉%" in slack
    cancel = training.readable("requester-cancel")  # a requester's: the example booking's values
    assert "予約日時の48時間前を過ぎているため" in cancel and "{" not in cancel and "〈" not in cancel


def test_a_changed_message_is_caught(monkeypatch):
    monkeypatch.setattr(labels, "SMS_PAYMENT_TIMEOUT", "【QRV】お支払いの期限が過ぎました（予約ID: {code}）")
    assert training.drifted_quotes("requester-faq") == ["SMS_PAYMENT_TIMEOUT"]


@pytest.mark.dialect
def test_the_booking_sms_links_to_the_public_faq_page(client, catalog):
    code = book(catalog["service_id"])
    confirmation = messages("sms", code)[0].body
    assert "受け付けました" in confirmation
    assert confirmation.endswith(f"よくある質問: {faq_url()}")

    page = client.get("/api/reservations/faq")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for heading in ("よくある質問（ご依頼者向け）", "予約の流れ", "キャンセルはどうすればよいですか"):
        assert heading in page.text
    assert "<script" not in page.text and "http" not in page.text.split("<body>")[0]
    # the quoted messages as a requester receives them, with an example booking's values: never a template's
    # {code}, {when} or {cancel}, nor a field in words
    body = page.text.split("<body>")[1]
    assert "{" not in body and "〈" not in body
    assert "（予約ID: QRV-7KX2M9）。ハウスクリーニング 2026年12月3日（木）14:00。" in body
    assert "無料キャンセルは2026年12月1日（火）14:00まで: http" in body  # {cancel}: the deadline and the link
    assert "/api/reservations/cancel/QRV-7KX2M9?token=" in body and "10分以内にお支払いを" in body


def test_staff_read_the_manuals_and_others_may_not(client, db):
    support = headers_for(db, "support")
    listed = client.get("/api/reservations/manuals", headers=support)
    assert [m["name"] for m in listed.json()] == MANUALS
    manual = client.get("/api/reservations/manuals/operator-manual", headers=support).json()
    assert manual["title"] == "運用マニュアル（運営担当者向け）" and "## マニュアルオペレーション" in manual["markdown"]
    assert "予約ID: 〈予約ID〉" in manual["markdown"] and "{" not in manual["markdown"]  # fields in words
    assert client.get("/api/reservations/manuals/secrets", headers=support).status_code == 422
    assert client.get("/api/reservations/manuals/shop-faq").status_code == 401
    executive = headers_for(db, "executive")
    assert client.get("/api/reservations/manuals", headers=executive).status_code == 403


@pytest.mark.parametrize("name", MANUALS)
def test_each_manual_renders_as_a_pdf_with_every_glyph(name, client, db, tmp_path: Path, caplog):
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        answer = client.get(f"/api/reservations/manuals/{name}/pdf", headers=headers_for(db, "operator"))
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert not [r.message for r in caplog.records if "missing the following glyphs" in r.getMessage()]
    if PDFTOPPM is None:
        pytest.skip("pdftoppm (Debian's poppler-utils) is not installed: the PDF was made but not rendered")
    pdf = tmp_path / f"{name}.pdf"
    pdf.write_bytes(answer.content)
    subprocess.run([PDFTOPPM, "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, capture_output=True)
    assert sorted(tmp_path.glob("page*.png"))


def test_a_missing_glyph_is_reported(monkeypatch, caplog):
    monkeypatch.setattr(training, "source", lambda name: "# 見出し\n\n\U0001f600 は絵文字です。\n")
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        training.manual_pdf("shop-faq")
    assert any("missing the following glyphs" in r.getMessage() for r in caplog.records)
