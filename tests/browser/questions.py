"""What a page asks about the person signed in, recorded while the crawl (test_crawl.py) draws it: the grants that
change what the page shows, and so which accounts see the same view of it.

A page's view depends on who is signed in only through what the page's code and the service ask about them, and both
ask the same few things: may they act as one of these roles in this domain (dashboards/sections.py can_view, the
service's Caller.has_role, which every guard, page link and button rule of both goes through), which tenant is their
grant limited to (auth.tenant_scope, Caller.scope), are they a platform admin, what is their grant (grants_by_domain)
or role in a domain (Caller.role; the CRM's crm_role, which makes a platform admin a CRM admin). Code given the same
answers takes the same branches, calls the same routes and is answered alike: an account that answers every question a
view of a page was asked as another account did sees that same view.

Two sides, each recording a question once, at the outermost call (can_view's own look at the grants is part of its
answer), with the account it was asked about:

- the pages, in the crawl's own Streamlit server: `python -m tests.browser.questions run dashboards/serve.py …` is
  `streamlit run …` with the questions written to the file QUESTIONS_ENV names, one JSON line each; only those a
  page's code asks (a frame of dashboards/app_pages/ on the stack), not the navigation's, which asks about every page;
- the service, in the test process that serves the live API: `ServiceQuestions`, patched in for the crawl's test.
  A page's view counts those naming its own domain (or none): the navigation, drawn with every page, reads other
  domains' routes (the CRM's unread count); and all of them asked about the account so far, not only on this visit:
  a read the dashboards keep in their cache was asked on the page that first made it.

Answers only are compared: an account's name and id, which a page may show or pick its own records by, are data the
view shows, as its records are, not branches it takes.
"""

import json
import os
import sys
import threading
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

QUESTIONS_ENV = "DAICHO_CRAWL_QUESTIONS"
PAGES_FOLDER = f"{os.sep}dashboards{os.sep}app_pages{os.sep}"
Question = tuple  # ("pages" | "service", what is asked, its arguments…), hashable


def frozen(value: Any) -> Any:
    """A question or answer as read back from JSON, hashable and comparable with one made here: lists as tuples."""
    return tuple(frozen(item) for item in value) if isinstance(value, list | tuple) else value


class Depth(threading.local):
    """How deep in recorded calls this thread is: a question asked while answering another is not recorded."""

    calls = 0


DEPTH = Depth()


def recorded(
    function: Callable, question: Callable[..., tuple], answer: Callable[[Any], Any], note: Callable[..., None]
) -> Callable:
    """`function`, noting (its arguments, its question, its answer in comparable form) when called outermost."""

    @wraps(function)
    def asking(*args, **kwargs):
        DEPTH.calls += 1
        try:
            result = function(*args, **kwargs)
        finally:
            DEPTH.calls -= 1
        if DEPTH.calls == 0:
            note(args, question(*args, **kwargs), answer(result))
        return result

    return asking


# The pages' questions: (function, the question it asks given its arguments, its answer in comparable form)
def _grants(grants: dict) -> tuple:
    return tuple(sorted((domain, grant["role"], grant.get("scope")) for domain, grant in grants.items()))


def pages_questions() -> dict[str, tuple[Callable, Callable]]:
    """What dashboards/sections.py and auth.py answer about a user: name -> (question, comparable answer)."""
    return {
        "can_view": (lambda user, domain, roles=(): ("pages", "can_view", domain, tuple(roles)), bool),
        "is_platform_admin": (lambda user: ("pages", "is_platform_admin"), bool),
        "grants_by_domain": (lambda user: ("pages", "grants_by_domain"), _grants),
        "tenant_scope": (lambda user, domain: ("pages", "tenant_scope", domain), lambda scope: scope),
    }


def page_answer(user: dict, question: Question) -> Any:
    """What the pages' code would be answered about `user` (a signed-in user as GET /auth/me gives it)."""
    from dashboards import auth, sections

    _, name, *arguments = question
    function = auth.tenant_scope if name == "tenant_scope" else getattr(sections, name)
    _, comparable = pages_questions()[name]
    return comparable(function(user, *arguments))


def asked_by_a_page() -> bool:
    frame = sys._getframe(1)
    while frame is not None:
        if PAGES_FOLDER in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def record_pages_questions(path: Path) -> None:
    """Patch the dashboards' questions about the user to append each one a page asks to `path` (JSON lines)."""
    from dashboards import auth, sections

    lock = threading.Lock()

    def note(args: tuple, question: tuple, answer: Any) -> None:
        if not asked_by_a_page():
            return
        line = json.dumps({"login": args[0].get("login_id"), "question": question, "answer": answer})
        with lock, path.open("a") as out:
            out.write(line + "\n")

    for name, (question, comparable) in pages_questions().items():
        module = auth if name == "tenant_scope" else sections
        setattr(module, name, recorded(getattr(module, name), question, comparable, note))


def pages_asked(path: Path, since: int, login: str) -> tuple[dict[Question, Any], int]:
    """The questions the pages asked about `login` from byte `since` of the file on, and the byte after the last whole
    line read (a line the server is still writing is read next time)."""
    asked: dict[Question, Any] = {}
    if not path.exists():
        return asked, since
    with path.open("rb") as lines:
        lines.seek(since)
        for line in lines:
            if not line.endswith(b"\n"):
                break
            since += len(line)
            entry = json.loads(line)
            if entry["login"] == login:
                asked[frozen(entry["question"])] = frozen(entry["answer"])
    return asked, since


class ServiceQuestions:
    """The service's questions about its callers (service/identity/dependencies.py Caller, and crm_role), recorded
    while patched in: for each account, by domain (None: a question naming none)."""

    def __init__(self) -> None:
        from service.crm import dependencies as crm
        from service.identity.dependencies import Caller

        self.lock = threading.Lock()
        self.asked: dict[str, dict[str | None, dict[Question, Any]]] = {}
        self.original: dict[str, Callable] = {
            "has_role": Caller.has_role,
            "scope": Caller.scope,
            "role": Caller.role,
            "is_platform_admin": Caller.is_platform_admin.fget,
            "crm_role": crm.crm_role,
        }
        self.questions: dict[str, tuple[Callable, Callable]] = {
            "has_role": (lambda caller, domain, *roles: ("service", "has_role", domain, roles), bool),
            "scope": (lambda caller, domain: ("service", "scope", domain), lambda scope: scope.value),
            "role": (lambda caller, domain: ("service", "role", domain), lambda role: role),
            "is_platform_admin": (lambda caller: ("service", "is_platform_admin"), bool),
            "crm_role": (lambda caller: ("service", "crm_role", crm.DOMAIN), lambda role: role),
        }

    def note(self, args: tuple, question: tuple, answer: Any) -> None:
        domain = question[2] if len(question) > 2 else None
        with self.lock:
            self.asked.setdefault(args[0].login_id, {}).setdefault(domain, {})[question] = answer

    def patch(self, monkeypatch) -> None:
        """Record every question from now until the monkeypatch is undone."""
        from service.identity.dependencies import Caller

        wrapped = {
            name: recorded(self.original[name], question, comparable, self.note)
            for name, (question, comparable) in self.questions.items()
        }
        for name in ("has_role", "scope", "role"):
            monkeypatch.setattr(Caller, name, wrapped[name])
        monkeypatch.setattr(Caller, "is_platform_admin", property(wrapped["is_platform_admin"]))
        for module in list(sys.modules.values()):  # crm_role is imported by name where it is called
            if getattr(module, "__name__", "").startswith("service.") and (
                getattr(module, "crm_role", None) is self.original["crm_role"]
            ):
                monkeypatch.setattr(module, "crm_role", wrapped["crm_role"])

    def asked_about(self, login: str, domain: str) -> dict[Question, Any]:
        """Everything the service has asked about `login` in the domain (or naming no domain) so far: a page's read
        may come from the dashboards' read cache, filled on an earlier page of the same account."""
        with self.lock:
            by_domain = self.asked.get(login, {})
            return {**by_domain.get(None, {}), **by_domain.get(domain, {})}

    def answer(self, user: dict, question: Question) -> Any:
        """What the service would answer about `user` (as GET /auth/me gives it), unrecorded."""
        from service.identity.dependencies import Caller, GrantInfo

        caller = Caller(
            user_id=user["id"],
            login_id=user["login_id"],
            name=user["name"],
            grants={grant["domain"]: GrantInfo(grant["role"], grant.get("scope")) for grant in user["grants"]},
            actor=None,  # type: ignore[arg-type]
            token_jti="",
            token_expires_at=None,  # type: ignore[arg-type]
            state="",
        )
        _, name, *arguments = question
        if name == "has_role":
            domain, roles = arguments
            arguments = [domain, *roles]
        elif name == "crm_role":
            arguments = []
        _, comparable = self.questions[name]
        DEPTH.calls += 1  # what the question asks in turn (crm_role: is_platform_admin, role) is not recorded
        try:
            return comparable(self.original[name](caller, *arguments))
        finally:
            DEPTH.calls -= 1


def main(argv: list[str]) -> None:
    """`streamlit <argv>` with the pages' questions recorded to the file QUESTIONS_ENV names."""
    record_pages_questions(Path(os.environ[QUESTIONS_ENV]))
    from streamlit.web.cli import main as streamlit

    sys.argv = ["streamlit", *argv]
    streamlit(prog_name="streamlit")


if __name__ == "__main__":
    main(sys.argv[1:])
