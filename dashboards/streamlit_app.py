"""Entrypoint: page config, the login gate, and a navigation built from the signed-in user's grants.

Every address the app knows answers for every user (sections.known_addresses): a page the user may not open says so
in Japanese, a section's home opens the user's first page of that section, and an unknown address says that no such
page exists, so Streamlit's own English 「Page not found」 dialog never shows.
"""

import sys
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.runtime.scriptrunner import StopException, get_script_run_ctx  # noqa: E402

from dashboards import api, auth, crm_api, sections  # noqa: E402
from dashboards.components import japanese, kpi  # noqa: E402

# Served by Streamlit itself: a :material/…: page icon would make every page fetch the favicon from Google's CDN
FAVICON = str(ROOT / "dashboards" / "assets" / "favicon.png")
NOT_FOUND_TITLE = "ページが見つかりません"
NOT_FOUND = "このアドレスの画面はありません。サイドバーのメニューから画面を選んでください。"
NO_PAGES = "表示できる画面がありません。管理者に権限の付与を依頼してください。"
LOGIN = "login"
ACCOUNT, ACCOUNT_PAGE = "account", "app_pages/account.py"  # a person's own password and second factor
# A menu entry's to-do count (by the page's address; an api.count, cached for a minute rather than read on every
# run) and the word saying what it counts (never a bare number beside a list's title, which reads as the
# list's total): 投入案件一覧（未読 3）.
MENU_COUNTS = {"crm-queue": ("未読", crm_api.queue_badge)}


def requested_address() -> str | None:
    """The page address the browser asked for when a session starts (a typed or bookmarked URL); None on a rerun,
    which names its page by the page's hash."""
    ctx = get_script_run_ctx()
    return ctx.pages_manager.intended_page_name if ctx else None


def unknown_address() -> str | None:
    """The requested address when the app has no page there (and Streamlit would take it as a page name)."""
    address = requested_address()
    if not address or "/" in address or address in sections.known_addresses() or address == LOGIN:
        return None
    return address


def _not_found() -> None:
    st.title(NOT_FOUND_TITLE)
    st.warning(NOT_FOUND)


def _no_pages() -> None:
    st.warning(NO_PAGES)


def _refused(section: sections.Section, page: sections.PageSpec) -> None:
    st.error(sections.refusal(section, page))


def _hidden(content, title: str, address: str, **options) -> st.Page:
    return st.Page(content, title=title, url_path=address, visibility="hidden", **options)


def _elsewhere(user: dict, opened: set[str], home: tuple[Any, str]) -> list[st.Page]:
    """Hidden pages at every address the user's navigation does not show: the root and /login show `home` (the
    content and title of the user's first page), a section's home address the user's first page there, any other
    known page says the user may not open it, and an unknown address requested says there is no such page.

    An address shows another page's content rather than switching to it: a switch would drop what the run that
    signed the user in left for the browser (the session cookie, auth.sync_cookie)."""
    pages = [_hidden(*home, "", default=True), _hidden(*home, LOGIN)]
    for address, (section, page) in sections.known_addresses().items():
        if address in opened:
            continue
        instead = sections.home_instead(user, section, page)
        content = instead.path if instead else partial(_refused, section, page)
        pages.append(_hidden(content, (instead or page).title, address))
    unknown = unknown_address()
    if unknown:
        pages.append(_hidden(_not_found, NOT_FOUND_TITLE, unknown))
    return pages


def menu_title(spec: sections.PageSpec) -> str:
    """The page's title in the menu, with its to-do count and what it counts when it has one, e.g.
    投入案件一覧（未読 3）."""
    if spec.url_path not in MENU_COUNTS:
        return spec.title
    word, count = MENU_COUNTS[spec.url_path]
    try:
        waiting = count()
    except api.ApiError:
        return spec.title
    return f"{spec.title}（{word} {waiting}）" if waiting else spec.title


def _navigation(user: dict, account: st.Page):
    """The user's pages by section, each at its own address, and the hidden pages of _elsewhere (the root among them:
    Streamlit answers a default page's own address with its English 「Page not found」, so no listed page is one)."""
    visible = sections.visible_pages(user)
    specs = [spec for listed in visible.values() for spec in listed]
    home = (specs[0].path, specs[0].title) if specs else (_no_pages, "台帳")
    hidden = [*_elsewhere(user, {spec.url_path for spec in specs}, home), account]
    if not specs:
        return st.navigation(hidden, position="hidden")
    pages = {
        label: [st.Page(spec.path, title=menu_title(spec), url_path=spec.url_path, icon=spec.icon) for spec in listed]
        for label, listed in visible.items()
    }
    first = next(iter(pages))
    pages[first] += hidden
    return st.navigation(pages, expanded=True)


def _only_navigation(content=auth.login_page, title: str = "ログイン"):
    """Only one page (the login page; the password change an initial password asks for), answering at every address
    too, so a deep link opens that page once past it."""
    titles = {"": title, LOGIN: title}
    titles |= {address: page.title for address, (_, page) in sections.known_addresses().items()}
    unknown = unknown_address()
    if unknown:
        titles[unknown] = title
    pages = [st.Page(content, title=shown, url_path=address, default=not address) for address, shown in titles.items()]
    return st.navigation(pages, position="hidden")


def storage_banner() -> None:
    """Every page, the login page too, says so while the service's storage runs out: work is stalling."""
    full = api.storage_full()
    if full:
        st.error(full, icon=":material/hard_drive:")


def _run_confirmed(page) -> None:
    """The signed-in person's page, then the check that they still are who it was drawn for (auth.confirm_session),
    also when the page stopped itself (st.stop)."""
    try:
        page.run()
    except StopException:
        auth.confirm_session()
        raise
    auth.confirm_session()


def main() -> None:
    api.start_run()
    st.set_page_config(page_title="台帳", page_icon=FAVICON, layout="wide")
    japanese.streamlit_in_japanese()
    kpi.kpi_style()
    storage_banner()
    try:
        user = auth.current_user()
        if user is None:
            _only_navigation().run()
            return
        account = _hidden(ACCOUNT_PAGE, auth.ACCOUNT_TITLE, ACCOUNT)
        auth.sidebar(user, account)
        if user.get("password_must_change"):
            _run_confirmed(_only_navigation(auth.must_change_page, "パスワードの変更"))
            return
        if user.get("second_factor_required") or st.session_state.get(auth.RECOVERY_KEY):
            _run_confirmed(_only_navigation(auth.second_factor_page, "二段階認証の設定"))
            return
        _run_confirmed(_navigation(user, account))
    except api.ApiError as exc:
        if exc.status == 401:
            auth.end_session(auth.ended_notice(exc))
            st.rerun()
        st.error(exc.message)


main()
