"""The small pages a requester opens from an SMS or a mail: the cancellation link, the satisfaction survey,
(sandbox only) the test checkout and the FAQ (training.py's), each a template in `templates/`. Plain HTML forms: no
script, nothing from outside."""

from typing import Any

from clientkit import templates
from service.reservations import labels, messages
from service.reservations.booking.next_step import NextStep
from service.reservations.models import Reservation


def page(name: str, title: str, **values: Any) -> str:
    return templates.render(__name__, name, title=title, labels=labels, **values)


def _facts(reservation: Reservation) -> tuple[tuple[str, str], ...]:
    return (
        ("予約ID", reservation.code),
        ("サービス", reservation.service_type.name),
        ("日時", messages.when_text(reservation.desired_at)),
        ("状態", labels.STATUSES[reservation.status]),
        ("キャンセル期限", messages.when_text(reservation.cancel_deadline_at)),
    )


def cancel_form(reservation: Reservation, token: str, *, deadline_passed: bool) -> str:
    """The reservation and a cancel button, or why it can no longer be cancelled here."""
    refusal = None
    if reservation.status == "cancelled":
        refusal = labels.ALREADY_CANCELLED
    elif deadline_passed:
        refusal = labels.CANCEL_DEADLINE_PASSED
    return page("cancel_form.html", labels.CANCEL_PAGE_TITLE, facts=_facts(reservation), refusal=refusal, token=token)


def cancel_result(reservation: Reservation, message: str) -> str:
    return page("notice.html", labels.CANCEL_PAGE_TITLE, message=message, facts=_facts(reservation))


def status_page(reservation: Reservation, step: NextStep) -> str:
    """Where the booking stands and, in one message, what happens next, by when the requester hears back and, while
    free cancellation runs, the cancel link."""
    facts = _facts(reservation)
    if reservation.shop_name is not None:  # the shop that took it
        facts += (("提携店", reservation.shop_name),)
    hear_by = labels.STATUS_HEAR_BY.format(when=messages.when_text(step.hear_by)) if step.hear_by else None
    cancel = labels.STATUS_CANCEL.format(deadline=messages.when_text(reservation.cancel_deadline_at))
    return page("status.html", labels.STATUS_PAGE_TITLE, facts=facts, step=step, hear_by=hear_by, cancel=cancel)


def status_refused(message: str) -> str:
    return page("notice.html", labels.STATUS_PAGE_TITLE, message=message, facts=())


def sandbox_checkout(session_id: str, amount: int, *, paid: bool, expired: bool) -> str:
    """The test checkout: a pay button, or that it was paid, or (as Stripe's page says) that the link expired."""
    outcome = labels.SANDBOX_PAID if paid else labels.SANDBOX_EXPIRED if expired else None
    return page("checkout.html", labels.SANDBOX_CHECKOUT_TITLE, session_id=session_id, amount=amount, outcome=outcome)


def survey_form(token: str, refusal: str | None) -> str:
    """The one question with its five answers (5: とても満足 first), or why it takes none."""
    if refusal is not None:
        return survey_result(refusal)
    return page("survey_form.html", labels.SURVEY_TITLE, token=token)


def survey_result(message: str) -> str:
    return page("notice.html", labels.SURVEY_TITLE, message=message, facts=())


def faq(title: str, manual: "templates.Markup") -> str:
    """The requester FAQ: its manual drawn as HTML (training.faq_page), in the requester's pages' layout."""
    return page("faq.html", title, manual=manual)
