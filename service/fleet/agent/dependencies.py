"""Which terminal an agent request comes from: its bearer token, read once per request."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials

from service.credentials import bearer
from service.deps import DbSession
from service.errors import Unauthorized
from service.fleet.credentials import TOKEN_PREFIX, TerminalIdentity, hash_secret, holder
from service.openapi import declares


@declares(401)
async def bearer_token_hash(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The sha256 of the terminal token the request presents (else 401)."""
    if credentials is None or not credentials.credentials.startswith(TOKEN_PREFIX):
        raise Unauthorized("端末トークンが必要です", code="invalid_terminal_token")
    return hash_secret(credentials.credentials)


TokenHash = Annotated[str, Depends(bearer_token_hash)]


def current_terminal(token_hash: TokenHash, db: DbSession) -> TerminalIdentity:
    return holder(db, token_hash)


AgentTerminal = Annotated[TerminalIdentity, Depends(current_terminal)]
