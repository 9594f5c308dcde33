"""Inbound webhooks: signatures checked on the raw bytes before anything is stored, then inbound.receive()."""

import json
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.datastructures import ImmutableMultiDict

from service.config import get_settings
from service.deps import DbSession
from service.errors import DomainError, ServiceUnavailable
from service.links import api_page
from service.openapi import declares
from service.outbox import inbound
from service.outbox.signatures import stripe_event_verified, twilio_request_valid, voice_signature_valid

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _secret(value: str, variable: str) -> str:
    if not value:
        raise ServiceUnavailable(
            "Webhookの署名鍵が設定されていません", code="webhook_not_configured", details={"setting": variable}
        )
    return value


def _require_signature(valid: bool) -> None:
    if not valid:
        raise DomainError("署名を検証できませんでした", code="invalid_signature", details={"rule": "signature"})


def _malformed(message: str) -> DomainError:
    return DomainError(message, code="malformed_event")


def _json_event(body: bytes) -> dict[str, Any]:
    """A 400 malformed_event otherwise."""
    try:
        event = json.loads(body)
        if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
            raise ValueError("an event needs id and type")
    except ValueError as exc:
        raise _malformed("イベントの形式が不正です（id と type が必要です）") from exc
    return event


def _receive_json_event(db: Session, provider: str, event: dict[str, Any]) -> dict[str, Any]:
    return inbound.receive(
        db, provider=provider, event_id=str(event["id"]), event_type=str(event["type"]), payload=event
    )


@router.post("/stripe")
@declares(503)  # its secret unset
def stripe_webhook(body: RawBody, db: DbSession, stripe_signature: Annotated[str | None, Header()] = None) -> dict:
    secret = _secret(get_settings().stripe_webhook_secret, "APP_STRIPE_WEBHOOK_SECRET")
    _require_signature(stripe_event_verified(body, stripe_signature, secret))
    event = _json_event(body)
    if not isinstance(event.get("data"), dict) or not isinstance(event["data"].get("object"), dict):
        raise _malformed("Stripeイベントの形式が不正です（data.object が必要です）")
    return _receive_json_event(db, "stripe", event)


@declares(503)  # its secret unset
def twilio_form(
    request: Request, body: RawBody, x_twilio_signature: Annotated[str | None, Header()] = None
) -> ImmutableMultiDict:
    """Checked by the Twilio SDK's RequestValidator against the public address it was posted to (links.api_page)."""
    token = _secret(get_settings().twilio_auth_token, "APP_TWILIO_AUTH_TOKEN")
    params = ImmutableMultiDict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    url = api_page(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
    _require_signature(twilio_request_valid(url, params, x_twilio_signature, token))
    return params


TwilioForm = Annotated[ImmutableMultiDict, Depends(twilio_form)]


@router.post("/twilio")
def twilio_webhook(params: TwilioForm, db: DbSession) -> dict:
    sid = params.get("MessageSid") or params.get("SmsSid")
    if not sid:
        raise _malformed("MessageSid がありません")
    status = params.get("MessageStatus")
    return inbound.receive(
        db,
        provider="twilio",
        event_id=f"{sid}:{status or 'received'}",
        event_type=f"message.{status or 'received'}",
        payload=dict(params),
    )


@router.post("/voice")
@declares(503)  # its secret unset
def voice_webhook(body: RawBody, db: DbSession, x_voice_signature: Annotated[str | None, Header()] = None) -> dict:
    secret = _secret(get_settings().voice_webhook_secret, "APP_VOICE_WEBHOOK_SECRET")
    _require_signature(voice_signature_valid(body, x_voice_signature, secret))
    return _receive_json_event(db, "voice", _json_event(body))
