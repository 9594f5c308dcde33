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
COMPANY_ACCOUNT = "会社のアカウントでログイン"
# Beside the company's account, who the password form is for (APP_PASSWORD_SIGN_IN)
PASSWORD_WORDS = {
    "all": "会社のアカウントがない方はログインIDとパスワードでログインしてください。",
    "admins": "パスワードでのログインは管理者のみ（会社のアカウントでログインできないとき）です。",
}
PENDING_KEY = "auth_second_factor_pending"  # the sign-in whose password was right, waiting for its code
CODE_ASKED = "second_factor_code_required"
ENROLMENT_KEY = "auth_second_factor_enrolment"  # the secret and QR code being enrolled
RECOVERY_KEY = "auth_recovery_codes"  # shown once after enrolment
SECOND_FACTOR_REQUIRED = (
    "会社のアカウントでのログインが設定されているため、パスワードでログインする管理者は二段階認証の設定が必要です。"
    "スマートフォンの認証アプリで二次元コードを読み取り、表示された確認コードを入力してください。"
)
PASSWORD_CHANGED_KEY = "auth_password_changed"
PASSWORD_CHANGED = "パスワードを変更しました。"
ACCOUNT_TITLE = "パスワード・二段階認証"
MUST_CHANGE = "管理者が設定したパスワードのままです。新しいパスワードを設定してから使い始めてください。"
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
    if not _take_company_sign_in():
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


def _take_company_sign_in() -> bool:
    """Back from the company's provider with a hand-off code in the address: trade it (once) for the session, which
    then is this browser's as a password sign-in's is; True when this run took it. A code refused leaves a notice."""
    code = st.query_params.get(api.HANDOFF_PARAMETER)
    if not code:
        return False
    del st.query_params[api.HANDOFF_PARAMETER]
    st.session_state[COOKIE_READ_KEY] = True  # the session is this sign-in's, not an older cookie's
    try:
        result = api.exchange_sign_in(code)
    except api.ApiError as exc:
        st.session_state[NOTICE_KEY] = exc.message
        return False
    _start_session(result["access_token"], None)
    return True


def _start_session(token: str, device: str | None) -> None:
    """Sign this session on with the token, and have the browser keep it (and its device token, when given)."""
    st.session_state[api.TOKEN_KEY] = token
    if device:
        st.session_state[DEVICE_KEY] = device
    api.keep_in_browser(token, device)


def confirm_session() -> None:
    """At a page run's end: run the page again when the signed-in person's state moved on since it was cached (an ended
    session raises ApiError 401, which signs the session out)."""
    if not api.confirm_run():
        st.rerun()


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
        options = api.sign_in_options()
        if options["company_account"]:
            _company_sign_in()
        if options["password"] == "off":
            return
        if st.session_state.get(PENDING_KEY):
            _second_factor_step(*st.session_state[PENDING_KEY])
            return
        if options["company_account"]:
            st.caption(PASSWORD_WORDS[options["password"]])
        with st.form("login_form"):
            login_id = st.text_input("ログインID", key="login_id").strip()
            password = st.text_input("パスワード", type="password", key="login_password")
            submitted = st.form_submit_button("ログイン", type="secondary" if options["company_account"] else "primary")
        if submitted:
            _sign_in(login_id, password)


def _company_sign_in() -> None:
    """The button that takes this tab to the company's provider (a link button would open another tab)."""
    if st.button(COMPANY_ACCOUNT, key="login_company", type="primary", icon=":material/domain:"):
        target = json.dumps(api.browser_url(api.COMPANY_SIGN_IN_START))
        st.html(f"<script>window.location.assign({target});</script>", unsafe_allow_javascript=True)


def _sign_in(login_id: str, password: str) -> None:
    if not login_id or not password:
        st.error("ログインIDとパスワードを入力してください。")
        return
    try:
        result = api.login(login_id, password, device_token())
    except api.ApiError as exc:
        if exc.code == CODE_ASKED:
            st.session_state[PENDING_KEY] = (login_id, password)
            st.rerun()
        st.error(exc.message)
        return
    _start_session(result["access_token"], result["device_token"])
    st.rerun()


def _second_factor_step(login_id: str, password: str) -> None:
    """The password was right: the authenticator app's code (or a recovery code) completes the sign-in."""
    with st.form("login_code_form"):
        code = st.text_input("確認コード", key="login_code", help="認証アプリの6桁の数字、またはリカバリーコード")
        submitted = st.form_submit_button("確認", type="primary")
    if st.button("最初からやり直す", key="login_code_back"):
        st.session_state.pop(PENDING_KEY, None)
        st.rerun()
    if not submitted:
        st.info("認証アプリに表示されている確認コードを入力してください。")
        return
    try:
        result = api.login(login_id, password, device_token(), second_factor_code=code.strip())
    except api.ApiError as exc:
        if exc.status != 401:  # locked, throttled: start again from the password
            st.session_state.pop(PENDING_KEY, None)
        st.error(exc.message)
        return
    st.session_state.pop(PENDING_KEY, None)
    _start_session(result["access_token"], result["device_token"])
    st.rerun()


def device_token() -> str | None:
    """The browser's device token: this session's last sign-in's, else the device cookie the browser came with (none
    outside a browser: an AppTest session's stand-in answers no text)."""
    cookie = st.context.cookies.get(api.DEVICE_COOKIE)
    return st.session_state.get(DEVICE_KEY) or (cookie if isinstance(cookie, str) else None)


def sidebar(user: dict, account) -> None:
    """Who is signed in, with which roles, the link to their own account page, and the logout button."""
    with st.sidebar:
        st.markdown(f"**{labels.plain(user['name'])}**（{labels.plain(user['login_id'])}）")
        for grant in user.get("grants", []):
            st.caption(labels.grant_label(grant))
        if st.session_state.pop(PASSWORD_CHANGED_KEY, False):
            st.success(PASSWORD_CHANGED)
        if not user.get("password_must_change") and not user.get("second_factor_required"):
            st.page_link(account, label=ACCOUNT_TITLE, icon=":material/manage_accounts:")
        if st.button("ログアウト", key="sidebar_logout", icon=":material/logout:"):
            sign_out()
            st.rerun()
        sync_cookie()


def account_page() -> None:
    """A person's own password, and their second factor until they have one."""
    user = api.me()
    st.title(ACCOUNT_TITLE)
    st.subheader("パスワードの変更")
    own_password_form("account_password")
    if not user.get("second_factor_enabled"):
        st.subheader("二段階認証")
        second_factor_form("account_second_factor")


def must_change_page() -> None:
    """The only page of a person whose password an administrator set, until they set their own."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("台帳")
        st.subheader("パスワードの変更")
        st.info(MUST_CHANGE)
        own_password_form("auth_must_change")


def second_factor_page() -> None:
    """The only page of the break-glass administrator until they enrol a second factor."""
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("台帳")
        st.subheader("二段階認証の設定")
        st.info(SECOND_FACTOR_REQUIRED)
        second_factor_form("auth_second_factor")


def second_factor_form(key: str) -> None:
    """Start: a QR code to scan; then a code from the app to confirm; then the recovery codes, shown once."""
    codes = st.session_state.get(RECOVERY_KEY)
    if codes:
        st.success(
            "二段階認証を設定しました。次のリカバリーコードを安全な場所に控えてください（この画面でだけ表示します）。"
        )
        st.code("\n".join(codes), language=None)
        if st.button("控えました", key=f"{key}_done"):
            st.session_state.pop(RECOVERY_KEY, None)
            st.rerun()
        return
    enrolment = st.session_state.get(ENROLMENT_KEY)
    if enrolment is None:
        if st.button("二段階認証を設定する", key=f"{key}_start", type="primary"):
            try:
                st.session_state[ENROLMENT_KEY] = api.start_second_factor()
            except api.ApiError as exc:
                st.error(exc.message)
                return
            st.rerun()
        return
    st.image(enrolment["qr_svg"], width=200)
    st.caption(f"読み取れないときは、認証アプリに次のキーを入力してください: {enrolment['secret']}")
    with st.form(f"{key}_form"):
        code = st.text_input("確認コード", key=f"{key}_code", help="認証アプリに表示されている6桁の数字")
        submitted = st.form_submit_button("確認", type="primary")
    if submitted:
        try:
            st.session_state[RECOVERY_KEY] = api.confirm_second_factor(code.strip())
        except api.ApiError as exc:
            st.error(exc.message)
            return
        st.session_state.pop(ENROLMENT_KEY, None)
        st.rerun()


def own_password_form(key: str) -> None:
    with st.form(f"{key}_form", clear_on_submit=True):
        current = st.text_input("現在のパスワード", type="password", key=f"{key}_current")
        new = st.text_input("新しいパスワード", type="password", key=f"{key}_new")
        again = st.text_input("新しいパスワード（確認）", type="password", key=f"{key}_again")
        submitted = st.form_submit_button("パスワードを変更", type="primary")
    if submitted:
        _change_password(current, new, again)


def _change_password(current: str, new: str, again: str) -> None:
    if not current or not new:
        st.error("現在のパスワードと新しいパスワードを入力してください。")
        return
    if new != again:
        st.error("新しいパスワードと確認用のパスワードが一致しません。")
        return
    try:
        api.change_password(current, new)
    except api.ApiError as exc:
        st.error(exc.message)
        return
    st.session_state[PASSWORD_CHANGED_KEY] = True
    st.rerun()
