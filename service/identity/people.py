"""People as the records name them: a person who acts is written down by name (作成者, 対応者, 登録者, 取込者, the
audit log's 操作者), never by login id; the login id stays on the account, and the audit log shows it beside the name
(service/audit/vocabulary.py)."""

from service.audit.service import Actor
from service.identity.models import User

PERSON = "user"  # the actor type of a signed-in person


def actor(user: User, *, client_address: str | None = None, request_id: str | None = None) -> Actor:
    """The person acting: every row they write and every audit entry names them by User.name."""
    return Actor(type=PERSON, id=str(user.id), label=user.name, client_address=client_address, request_id=request_id)
