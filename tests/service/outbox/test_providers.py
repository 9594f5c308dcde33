"""Each channel's provider: the real SDKs against local servers speaking their documented APIs, and the sandbox."""

import json
from urllib.parse import parse_qs
from xml.etree import ElementTree

import pytest
import stripe
from pydantic import ValidationError
from twilio.rest import Client

from service.config import Settings
from service.outbox import content
from service.outbox.providers import Attachment, Outgoing, PermanentDeliveryError, TransientDeliveryError, provider_for
from service.outbox.providers.email import SmtpEmailProvider, message_id_for
from service.outbox.providers.payment import StripePaymentLinkProvider
from service.outbox.providers.sandbox import SandboxProvider
from service.outbox.providers.sms import TwilioSmsProvider
from service.outbox.providers.voice import HttpVoiceProvider
from tests.support.mail import bare_urls, received
from tests.support.sandbox_log import read_sandbox_log
from tests.support.smtp import free_port


def outgoing(channel="email", recipient="parent@example.jp", attempt=1, **fields) -> Outgoing:
    values = {"subject": "件名", "body": "本文", "payload": {}, "id": 7, **fields}
    return Outgoing(channel=channel, recipient=recipient, attempt=attempt, **values)


class TestSmtp:
    def test_sends_with_a_message_id_derived_from_the_outbox_id(self, smtp_sink, settings):
        sink, port = smtp_sink
        settings.smtp_port = port
        result = SmtpEmailProvider(settings).send(outgoing(subject="お迎えの時間", body="17時です"))
        [mail] = received(sink)
        assert mail.message["Message-ID"] == result.provider_message_id == message_id_for(7, settings.email_from)
        assert mail.message["Subject"] == "お迎えの時間" and mail.message["To"] == "parent@example.jp"
        assert mail.text.strip() == "17時です" and "<p>17時です</p>" in mail.html

    def test_the_html_part_says_what_the_text_part_says_with_its_links_and_tables(self, smtp_sink, settings):
        sink, port = smtp_sink
        settings.smtp_port = port
        link = content.Link(url="https://dash.example/fleet-alerts?id=3&x=<1>", label="アラート #3")
        document = (
            *content.paragraphs("{name} 様\n\n一覧: {url}（毎週）", name="<b>田中</b>&", url=link),
            content.Table(header=("端末", "画面"), rows=(("TC-<1>", link), ("TC-2", link))),
        )
        payload = {"content": content.dump(document)}
        for number in (1, 2):  # the second message of a kind too
            SmtpEmailProvider(settings).send(outgoing(id=number, subject="【TMS】<週次>", payload=payload))
        for mail in received(sink):
            assert "<b>田中</b>& 様" in mail.text and f"一覧: アラート #3 {link.url} （毎週）" in mail.text
            assert "&lt;b&gt;田中&lt;/b&gt;&amp; 様" in mail.html and "<title>【TMS】&lt;週次&gt;</title>" in mail.html
            assert mail.links == [(link.url, "アラート #3")] * 3
            assert mail.tables == [[["端末", "画面"], ["TC-<1>", "アラート #3"], ["TC-2", "アラート #3"]]]

    def test_attachments_are_kept_beside_the_text_and_html_parts(self, smtp_sink, settings):
        sink, port = smtp_sink
        settings.smtp_port = port
        pdf = Attachment("月次レポート.pdf", "application/pdf", b"%PDF-1.4 report")
        SmtpEmailProvider(settings).send(outgoing(body="添付のとおりです", attachments=(pdf,)))
        [mail] = received(sink)
        [attached] = mail.message.iter_attachments()
        assert mail.message.get_content_type() == "multipart/mixed" and mail.text.strip() == "添付のとおりです"
        assert (attached.get_filename(), attached.get_content()) == (pdf.filename, pdf.data)

    def test_a_refused_recipient_is_permanent(self, smtp_sink, settings):
        sink, port = smtp_sink
        settings.smtp_port = port
        sink.refuse["nobody@example.jp"] = "550 5.1.1 no such user"
        with pytest.raises(PermanentDeliveryError, match="550"):
            SmtpEmailProvider(settings).send(outgoing(recipient="nobody@example.jp"))
        assert sink.messages == []

    def test_a_server_that_is_not_there_is_transient(self, settings):
        settings.smtp_port = free_port()
        with pytest.raises(TransientDeliveryError, match="connection failed"):
            SmtpEmailProvider(settings).send(outgoing())

    def test_a_line_break_in_the_subject_is_permanent_not_a_header_injection(self, settings):
        with pytest.raises(PermanentDeliveryError, match="invalid header"):
            SmtpEmailProvider(settings).send(outgoing(subject="hi\r\nBcc: victim@example.jp"))


class TestSlackAndVoiceHttp:
    def test_slack_webhook_posts_the_text_and_classifies_refusals(self, fake_api, settings):
        settings.slack_provider, settings.slack_webhook_url = "webhook", fake_api.url + "/services/T/B/X"
        fake_api.answer(200, b"ok")
        provider = provider_for("slack", settings)
        assert provider.send(outgoing("slack", "#ops", body="端末オフライン 12台")).provider_message_id.startswith(
            "slack-"
        )
        assert json.loads(fake_api.requests[0].body)["text"] == "端末オフライン 12台"
        fake_api.answer(404, b"no_service")
        with pytest.raises(PermanentDeliveryError, match="404"):
            provider.send(outgoing("slack", "#ops"))
        fake_api.answer(500, b"rollup_error")
        with pytest.raises(TransientDeliveryError, match="500"):
            provider.send(outgoing("slack", "#ops"))

    @pytest.mark.parametrize(
        ("body", "posted"),
        [
            ("<!channel> 至急", "&lt;!channel&gt; 至急"),
            ("<!here|here> <@U012AB3CD>", "&lt;!here|here&gt; &lt;@U012AB3CD&gt;"),
            ("<https://evil.example/|公式サイト>", "&lt;https://evil.example/|公式サイト&gt;"),
            ("田中&佐藤 a<b>c", "田中&amp;佐藤 a&lt;b&gt;c"),
            ("&lt; と書いた", "&amp;lt; と書いた"),  # what was typed is shown as typed: escaped once, from the row
            ("詳細: http://dash.example/fleet-alerts?id=3", "詳細: http://dash.example/fleet-alerts?id=3"),
        ],
    )
    def test_slack_text_is_shown_as_written_never_as_a_mention_or_a_link(self, fake_api, settings, body, posted):
        settings.slack_provider, settings.slack_webhook_url = "webhook", fake_api.url + "/services/T/B/X"
        fake_api.answer(200, b"ok")
        provider = provider_for("slack", settings)
        provider.send(outgoing("slack", "#ops", body=body))
        provider.send(outgoing("slack", "#ops", body=body, attempt=2))  # a retry posts the same text
        assert [json.loads(request.body) for request in fake_api.requests] == [{"text": posted}] * 2

    def test_a_slack_posts_links_are_in_slacks_link_syntax_never_run_into_the_text_after_them(self, fake_api, settings):
        settings.slack_provider, settings.slack_webhook_url = "webhook", fake_api.url + "/services/T/B/X"
        fake_api.answer(200, b"ok")
        alert = content.Link(url="https://dash.example/fleet-alerts?id=3&a=1|2")
        run = content.fill("担当者 {who} {url}（通知: {told}）", who="<!channel>", url=alert, told="田中")
        message = outgoing(
            "slack", "#ops", body=content.plain(run), payload={"content": content.dump((content.Paragraph(parts=run),))}
        )
        provider_for("slack", settings).send(message)
        SandboxProvider("slack", settings).send(message)
        posted = json.loads(fake_api.requests[0].body)["text"]
        assert posted == "担当者 &lt;!channel&gt; <https://dash.example/fleet-alerts?id=3&amp;a=1%7C2>（通知: 田中）"
        assert [line["posted"] for line in read_sandbox_log(settings, "slack")] == [posted] and bare_urls(posted) == []

    def test_voice_api_gets_the_documented_request_and_returns_the_call_id(self, fake_api, settings):
        settings.voice_api_url, settings.voice_api_key = fake_api.url, "voice-key"
        fake_api.answer(201, {"id": "call-42", "status": "queued"})
        result = HttpVoiceProvider(settings).send(outgoing("voice", "+819011112222", body="ご予約の確認です"))
        assert (result.provider_message_id, result.delivery_status) == ("call-42", "queued")
        request = fake_api.requests[0]
        assert request.path == "/calls" and request.headers["authorization"] == "Bearer voice-key"
        assert request.headers["idempotency-key"] == "outbox-7"
        assert json.loads(request.body) == {
            "to": "+819011112222",
            "script": "ご予約の確認です",
            "reference": "outbox-7",
            "callback_url": settings.public_base_url + "/api/webhooks/voice",
            "machine_detection": "DetectMessageEnd",  # a person or a machine: the result's answered_by
        }
        fake_api.answer(429, {"error": "slow down"})
        with pytest.raises(TransientDeliveryError):
            HttpVoiceProvider(settings).send(outgoing("voice", "+819011112222"))

    def test_a_call_asking_for_a_key_carries_twilios_gather_and_the_sandbox_logs_it(self, fake_api, settings):
        settings.voice_api_url, settings.voice_api_key = fake_api.url, "voice-key"
        fake_api.answer(201, {"id": "call-43", "status": "queued"})
        action = settings.public_base_url + "/api/reservations/pages/3/steps/0/keypress"
        paging_call = outgoing("voice", "+819011112222", body="当番呼び出しです。", payload={"gather_action": action})
        HttpVoiceProvider(settings).send(paging_call)
        SandboxProvider("voice", settings).send(paging_call)

        twiml = json.loads(fake_api.requests[0].body)["twiml"]
        gathers = ElementTree.fromstring(twiml).findall("Gather")
        assert [(g.get("numDigits"), g.get("action"), g.get("method")) for g in gathers] == [("1", action, "POST")] * 2
        assert [g.find("Say").text for g in gathers] == ["当番呼び出しです。"] * 2  # read twice while it waits
        [line] = read_sandbox_log(settings, "voice")
        assert line["twiml"] == twiml and line["data"]["answered_by"] == "human"


class TestStripeAndTwilio:
    def test_a_payment_link_is_a_checkout_session_created_once_per_outbox_row(self, fake_api, settings):
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": fake_api.url}, max_network_retries=0)
        fake_api.answer(
            200,
            {
                "id": "cs_test_9",
                "object": "checkout.session",
                "url": "https://checkout.stripe.com/c/pay/cs_test_9",
                "expires_at": 1_900_000_000,
                "status": "open",
            },
        )
        message = outgoing(
            "payment_link",
            "guest@example.jp",
            subject="ご予約金",
            payload={"amount": 5000},
            domain="reservations",
            ref_type="reservation",
            ref_id="12",
        )
        result = StripePaymentLinkProvider(settings, client).send(message)
        assert result.provider_message_id == "cs_test_9"
        assert (
            result.data["url"] == "https://checkout.stripe.com/c/pay/cs_test_9"
            and result.data["session_id"] == "cs_test_9"
        )
        request = fake_api.requests[0]
        form = parse_qs(request.body.decode())
        assert request.path == "/v1/checkout/sessions" and request.headers["idempotency-key"] == "outbox-7"
        assert form["line_items[0][price_data][unit_amount]"] == ["5000"]
        assert form["line_items[0][price_data][currency]"] == ["jpy"]
        assert form["metadata[ref_id]"] == ["12"] and form["customer_email"] == ["guest@example.jp"]
        fake_api.answer(400, {"error": {"type": "invalid_request_error", "message": "bad currency"}})
        with pytest.raises(PermanentDeliveryError):
            StripePaymentLinkProvider(settings, client).send(message)

    def test_a_payment_link_without_an_amount_is_permanent_before_any_call(self, settings):
        with pytest.raises(PermanentDeliveryError, match="amount"):
            SandboxProvider("payment_link", settings).send(outgoing("payment_link", payload={"amount": "5000"}))

    def test_sms_goes_through_twilios_messages_api_with_a_status_callback(self, fake_api, settings):
        settings.twilio_from_number = "+815000000000"
        client = Client("ACtest", "token")
        client.api.base_url = fake_api.url
        fake_api.answer(201, {"sid": "SM777", "status": "queued"})
        result = TwilioSmsProvider(settings, client).send(outgoing("sms", "+819012345678", body="予約を承りました"))
        assert (result.provider_message_id, result.delivery_status) == ("SM777", "queued")
        form = parse_qs(fake_api.requests[0].body.decode())
        assert fake_api.requests[0].path == "/2010-04-01/Accounts/ACtest/Messages.json"
        assert form["To"] == ["+819012345678"] and form["From"] == ["+815000000000"]
        assert form["StatusCallback"] == [settings.public_base_url + "/api/webhooks/twilio"]
        assert "ValidityPeriod" not in form  # no limit named: Twilio's own (10 hours)
        fake_api.answer(201, {"sid": "SM778", "status": "queued"})
        TwilioSmsProvider(settings, client).send(outgoing("sms", "+819012345678", payload={"valid_for_seconds": 600}))
        assert parse_qs(fake_api.requests[1].body.decode())["ValidityPeriod"] == ["600"]  # a payment link's window
        fake_api.answer(400, {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400})
        with pytest.raises(PermanentDeliveryError, match="21211"):
            TwilioSmsProvider(settings, client).send(outgoing("sms", "+81"))


class TestSandbox:
    def test_every_channel_defaults_to_the_sandbox_which_records_what_it_sent(self, settings):
        for channel in ("email", "sms", "slack", "voice", "payment_link"):
            provider = provider_for(channel, settings)
            assert isinstance(provider, SandboxProvider)
            result = provider.send(outgoing(channel, payload={"amount": 1000}))
            assert result.provider_message_id.startswith("sandbox-")
            [line] = read_sandbox_log(settings, channel)
            assert (line["outbox_id"], line["outcome"], line["sandbox_id"]) == (7, "sent", result.provider_message_id)

    def test_a_resend_under_the_same_idempotency_key_gets_the_first_answer(self, settings):
        provider = SandboxProvider("payment_link", settings)
        first = provider.send(outgoing("payment_link", payload={"amount": 1000}))
        assert provider.send(outgoing("payment_link", attempt=2, payload={"amount": 1000})) == first
        reused = provider.send(outgoing("payment_link", payload={"amount": 2000}))  # id 7 again, after a database reset
        assert reused.provider_message_id != first.provider_message_id
        assert [line["outcome"] for line in read_sandbox_log(settings, "payment_link")] == ["sent", "replayed", "sent"]
        sms = SandboxProvider("sms", settings)  # Twilio takes no idempotency key
        assert sms.send(outgoing("sms")) != sms.send(outgoing("sms"))

    def test_twilio_magic_numbers_and_invalid_recipients_fail_permanently(self, settings):
        provider = SandboxProvider("sms", settings)
        for recipient in ("+15005550001", "+15005550009", "invalid@example.jp"):
            with pytest.raises(PermanentDeliveryError):
                provider.send(outgoing("sms", recipient))

    def test_a_flaky_recipient_fails_transiently_for_its_first_attempts(self, settings):
        provider = SandboxProvider("email", settings)
        for attempt in (1, 2):
            with pytest.raises(TransientDeliveryError):
                provider.send(outgoing(recipient="flaky2@example.jp", attempt=attempt))
        assert provider.send(outgoing(recipient="flaky2@example.jp", attempt=3)).provider_message_id

    def test_the_voice_outcome_follows_the_configured_odds_or_the_forced_one(self, settings):
        provider = SandboxProvider("voice", settings)
        settings.sandbox_voice_odds = "decline=1"
        assert provider.send(outgoing("voice", "+819000000000")).data["outcome"] == "decline"
        forced = outgoing("voice", "+819000000000", payload={"sandbox_outcome": "change_request"})
        assert provider.send(forced).data["outcome"] == "change_request"
        settings.sandbox_voice_odds = "accept=1,no_answer=1"
        draws = {provider.send(outgoing("voice", "+819000000000", id=n)).data["outcome"] for n in range(40)}
        assert draws == {"accept", "no_answer"}


class TestSettings:
    def test_a_lease_shorter_than_a_send_may_take_is_refused(self):
        with pytest.raises(ValidationError, match="APP_OUTBOX_LEASE_SECONDS"):
            Settings(outbox_lease_seconds=10, outbox_send_timeout_seconds=30)

    def test_a_real_provider_without_its_credentials_is_refused(self):
        with pytest.raises(ValidationError, match="APP_TWILIO_AUTH_TOKEN"):
            Settings(sms_provider="twilio", twilio_account_sid="AC1", twilio_from_number="+815000000000")

    def test_unknown_voice_outcomes_are_refused(self):
        with pytest.raises(ValidationError, match="APP_SANDBOX_VOICE_ODDS"):
            Settings(sandbox_voice_odds="accept=1,maybe=3")
