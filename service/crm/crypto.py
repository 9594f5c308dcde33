"""Card data at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the key from APP_CRM_CARD_KEY.

APP_CRM_CARD_KEY holds one or more comma-separated Fernet keys: the first encrypts, all decrypt (key rotation).
Outside production an empty setting falls back to a key derived from a fixed, public string: it protects nothing and
exists only so development and tests run without configuration. Production refuses to start without a real key.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from service.config import get_settings, parse_fernet_keys

DEV_ONLY_KEY_MATERIAL = b"daicho development-only CRM card key - NOT SECRET"


def dev_only_key() -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(DEV_ONLY_KEY_MATERIAL).digest())


@lru_cache
def _cipher() -> MultiFernet:
    settings = get_settings()
    keys = parse_fernet_keys(settings.crm_card_key)
    if not keys and settings.env == "production":
        raise RuntimeError(f"APP_CRM_CARD_KEY is not given to this process (APP_PROCESS={settings.process})")
    return MultiFernet([Fernet(key) for key in keys or [dev_only_key()]])


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("card data cannot be decrypted with the configured APP_CRM_CARD_KEY") from exc


def mask(last4: str) -> str:
    return f"**** **** **** {last4}" if last4 else ""
