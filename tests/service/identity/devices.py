"""What the device tests read: the service's count of bcrypt checks, as /metrics publishes it."""

from prometheus_client import REGISTRY


def password_checks() -> float:
    """Sign-ins' bcrypt checks this process ran so far (security.PASSWORD_CHECKS)."""
    return REGISTRY.get_sample_value("daicho_password_checks_total") or 0.0
