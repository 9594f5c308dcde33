"""Signing in and out, the signed-in user, and the guard every page calls before it shows anything.

Pages call require_page(__file__) first; tenant_scope(user, domain) says which tenant (customer, nursery, ...) a
scoped grant limits the user to (GET /auth/me gives each scoped grant its tenant's `scope_name` for display).

A sign-in outlives the Streamlit session: the browser keeps the token in an HttpOnly cookie that the service sets
(POST /api/auth/session) and clears (POST /api/auth/session/end); a new session (a reload, a second tab) resumes
with the cookie's token once GET /auth/me accepts it. The browser keeps the device token of its last sign-in too (its
device cookie, set with the session's and kept after a logout): every sign-in sends it, so a person's own browser
signs in while failures from elsewhere keep their account locked for unknown devices.
"""

import json

import streamlit as st

from dashboards import api, labels, sections

NOTICE_KEY = "auth_notice"
COOKIE_READ_KEY = "auth_cookie_read"
DEVICE_KEY = "auth_device_token"  # the device token this session's last sign-in answered (kept past a logout)
SESSION_EXPIRED = "セッションの有効期限が切れました。再度ログインしてください。"
# A session the service ended for a reason the person should know: its answer says what happened
ENDED_BY_ACCOUNT = ("password_changed", "deactivated")


def ended_notice(exc: api.ApiError) -> str:
    """What the sign-in page says after a refused token: a deactivation or a new password in the service's words,
    anything else (expiry, logout elsewhere) as an expired session."""
    reason = exc.details.get("reason") if isinstance(exc.details, dict) else None
    if exc.code == "account_inactive" or reason in ENDED_BY_ACCOUNT:
        return f"{exc.message}。"
    return SESSION_EXPIRED


def current_user() -> dict | None:
    """The signed-in user with their grants, or None when nobody is (an expired token signs the session out)."""
    _resume_from_cookie()
    if not api.token():
        return None
    try:
        return api.me()
    except api.ApiError as exc:
        if exc.status == 401:
            end_session(ended_notice(exc))
            return None
        raise


def _resume_from_cookie() -> None:
    """On a new session, take the token the browser kept (api.me checks it with the service).

    The cookie is read once: a session that ended (logout, expiry) never takes it again.
    """
    if st.session_state.get(COOKIE_READ_KEY):
        return
    st.session_state[COOKIE_READ_KEY] = True
    kept = st.context.cookies.get(api.SESSION_COOKIE)
    if kept and not api.token():
        st.session_state[api.TOKEN_KEY] = kept


def end_session(notice: str | None = None) -> None:
    """Forget everything this browser session held but its device token, and the browser's session cookie, leaving a
    message for the login page."""
    device = st.session_state.get(DEVICE_KEY)
    st.session_state.clear()
    st.session_state[COOKIE_READ_KEY] = True
    if device:
        st.session_state[DEVICE_KEY] = device
    api.keep_in_browser(None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def sync_cookie() -> None:
    """Have the browser post a pending sign-in, renewal or sign-out to the service, which sets or clears the cookie."""
    change = st.session_state.pop(api.COOKIE_CHANGE_KEY, None)
    if change is None:
        return
    path, form = change
    request = {"method": "POST", "mode": "no-cors", "credentials": "include"}
    st.html(
        f"<script>fetch({json.dumps(api.browser_url(path))}, "
        f"{{...{json.dumps(request)}, body: new URLSearchParams({json.dumps(form)})}});</script>",
        unsafe_allow_javascript=True,
    )


def sign_out() -> None:
    try:
        api.logout()
    except api.ApiError:
        pass  # an expired token or an unreachable API: forgetting the token here still signs this browser out
    end_session("ログアウトしました。")


def require_page(page_file: str) -> dict:
    """Stop the page unless the signed-in user may open it; the same rule the navigation is built with."""
    section, page = sections.find_page(page_file)
    user = current_user()
    if user is None:
        st.warning("ログインしてください。")
        st.stop()
    if not sections.can_view(user, section.domain, page.roles):
        st.error(sections.refusal(section, page))
        st.stop()
    return user


def may_open(page_file: str) -> bool:
    """Whether the signed-in user may open the page (require_page's rule), e.g. before linking to it."""
    section, page = sections.find_page(page_file)
    user = current_user()
    return user is not None and sections.can_view(user, section.domain, page.roles)


def tenant_scope(user: dict, domain: str) -> str | None:
    """The scope (a tenant's id or name) the user's grant in the domain is limited to; None when unrestricted."""
    if sections.is_platform_admin(user):
        return None
    grant = sections.grants_by_domain(user).get(domain) or {}
    return grant.get("scope") or None


def login_page() -> None:
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("台帳")
        st.subheader("ログイン")
        sync_cookie()
        notice = st.session_state.pop(NOTICE_KEY, None)
        if notice:
            st.info(notice)
        with st.form("login_form"):
            login_id = st.text_input("ログインID", key="login_id").strip()
            password = st.text_input("パスワード", type="password", key="login_password")
            submitted = st.form_submit_button("ログイン", type="primary")
        if submitted:
            _sign_in(login_id, password)


def _sign_in(login_id: str, password: str) -> None:
    if not login_id or not password:
        st.error("ログインIDとパスワードを入力してください。")
        return
    try:
        result = api.login(login_id, password, device_token())
    except api.ApiError as exc:
        st.error(exc.message)
        return
    st.session_state[api.TOKEN_KEY] = result["access_token"]
    st.session_state[DEVICE_KEY] = result["device_token"]
    api.keep_in_browser(result["access_token"], result["device_token"])
    st.rerun()


def device_token() -> str | None:
    """The browser's device token: this session's last sign-in's, else the device cookie the browser came with (none
    outside a browser: an AppTest session's stand-in answers no text)."""
    cookie = st.context.cookies.get(api.DEVICE_COOKIE)
    return st.session_state.get(DEVICE_KEY) or (cookie if isinstance(cookie, str) else None)


def sidebar(user: dict) -> None:
    """Who is signed in, with which roles, and the logout button."""
    with st.sidebar:
        st.markdown(f"**{labels.plain(user['name'])}**（{labels.plain(user['login_id'])}）")
        for grant in user.get("grants", []):
            st.caption(labels.grant_label(grant))
        if st.button("ログアウト", key="sidebar_logout", icon=":material/logout:"):
            sign_out()
            st.rerun()
        sync_cookie()
