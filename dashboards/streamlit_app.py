"""Entrypoint: page config, the login gate, and a navigation built from the signed-in user's grants."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboards import api, auth, sections  # noqa: E402

# Served by Streamlit itself: a :material/…: page icon would make every page fetch the favicon from Google's CDN
FAVICON = str(ROOT / "dashboards" / "assets" / "favicon.png")


def _navigation(user: dict):
    pages = {
        label: [st.Page(spec.path, title=spec.title, url_path=spec.url_path, icon=spec.icon) for spec in specs]
        for label, specs in sections.visible_pages(user).items()
    }
    if not pages:
        st.warning("表示できる画面がありません。管理者に権限の付与を依頼してください。")
        st.stop()
    return st.navigation(pages, expanded=True)


def _login_navigation():
    """Only the login page, answering at every page's address too, so a deep link opens that page once signed in."""
    pages = [st.Page(auth.login_page, title="ログイン", url_path="login", default=True)]
    pages += [st.Page(auth.login_page, title=spec.title, url_path=spec.url_path) for spec in sections.all_pages()]
    return st.navigation(pages, position="hidden")


def main() -> None:
    st.set_page_config(page_title="台帳", page_icon=FAVICON, layout="wide")
    try:
        user = auth.current_user()
        if user is None:
            _login_navigation().run()
            return
        auth.sidebar(user)
        _navigation(user).run()
    except api.ApiError as exc:
        if exc.status == 401:
            auth.end_session(auth.SESSION_EXPIRED)
            st.rerun()
        st.error(exc.message)


main()
