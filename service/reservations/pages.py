"""The small pages a requester opens from an SMS or a mail: the cancellation link, the satisfaction survey and
(sandbox only) the test checkout. Plain HTML forms: no script, nothing from outside."""

from html import escape

from service.reservations import labels, messages
from service.reservations.models import Reservation

TEMPLATE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{title}</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.6}}
dt{{font-weight:bold}}button{{font-size:1.1rem;padding:.5rem 1.5rem}}.notice{{padding:1rem;background:#f4f4f4}}
fieldset{{border:0;padding:0}}label{{display:block;padding:.6rem 0;font-size:1.1rem}}</style>
</head><body><h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str) -> str:
    return TEMPLATE.format(title=escape(title), body=body)


def _facts(reservation: Reservation) -> str:
    rows = (
        ("予約ID", reservation.code),
        ("サービス", reservation.service_type.name),
        ("日時", messages.when_text(reservation.desired_at)),
        ("状態", labels.STATUSES[reservation.status]),
        ("キャンセル期限", messages.when_text(reservation.cancel_deadline_at)),
    )
    return "<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows) + "</dl>"


def _notice(text: str) -> str:
    return f'<p class="notice">{escape(text)}</p>'


def cancel_form(reservation: Reservation, token: str, *, deadline_passed: bool) -> str:
    """The reservation and a cancel button, or why it can no longer be cancelled here."""
    if reservation.status == "cancelled":
        action = _notice(labels.ALREADY_CANCELLED)
    elif deadline_passed:
        action = _notice(labels.CANCEL_DEADLINE_PASSED)
    else:
        action = (
            f"<p>{escape(labels.CANCEL_CONFIRM)}</p>"
            f'<form method="post"><input type="hidden" name="token" value="{escape(token)}">'
            f"<button>{escape(labels.CANCEL_BUTTON)}</button></form>"
        )
    return page(labels.CANCEL_PAGE_TITLE, _facts(reservation) + action)


def cancel_result(reservation: Reservation, message: str) -> str:
    return page(labels.CANCEL_PAGE_TITLE, _notice(message) + _facts(reservation))


def sandbox_checkout(session_id: str, amount: int, *, paid: bool, expired: bool) -> str:
    """The test checkout: a pay button, or that it was paid, or (as Stripe's page says) that the link expired."""
    if paid:
        action = _notice(labels.SANDBOX_PAID)
    elif expired:
        action = _notice(labels.SANDBOX_EXPIRED)
    else:
        action = f'<form method="post"><button>{escape(labels.SANDBOX_PAY_BUTTON)}</button></form>'
    return page(labels.SANDBOX_CHECKOUT_TITLE, f"<p>{escape(session_id)}</p><p>{amount:,}円</p>" + action)


def survey_form(token: str, refusal: str | None) -> str:
    """The one question with its five answers (5: とても満足 first), or why it takes none."""
    if refusal is not None:
        return page(labels.SURVEY_TITLE, _notice(refusal))
    choices = "".join(
        f'<label><input type="radio" name="rating" value="{value}" required> {value}（{escape(words)}）</label>'
        for value, words in labels.SURVEY_SCALE.items()
    )
    form = (
        '<form method="post">'
        f'<input type="hidden" name="token" value="{escape(token)}">'
        f"<fieldset><legend>{escape(labels.SURVEY_QUESTION)}</legend>{choices}</fieldset>"
        f"<button>{escape(labels.SURVEY_SEND)}</button></form>"
    )
    return page(labels.SURVEY_TITLE, form)


def survey_result(message: str) -> str:
    return page(labels.SURVEY_TITLE, _notice(message))
