"""Japanese wording the dashboards show for codes the API returns; one place so the wording is easy to find."""

import re
from typing import Any

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")

CHAIN_PROBLEM_LABELS = {
    "missing entry": "記録が欠落しています",
    "broken link to the previous entry": "前の記録とのつながりが壊れています",
    "entry altered after it was written": "記録後に内容が書き換えられています",
    "entries removed from the end": "末尾の記録が削除されています",
    "chain head missing": "連鎖の先頭の記録がありません",
    "entries after the chain head": "連鎖の先頭より後に記録があります",
    "last entry differs from the chain head": "最後の記録が連鎖の先頭と一致しません",
    "entry differs from the published head": "公開済みの先頭と記録が一致しません",
    "entries removed before the published head": "公開済みの先頭までの記録が削除されています",
}

ATTEMPT_OUTCOME_LABELS = {
    "started": "送信中",
    "sent": "成功",
    "transient_error": "一時的なエラー（再試行あり）",
    "permanent_error": "恒久的なエラー",
    "invalid_recipient": "宛先不正（依頼者の入力）",
    "abandoned": "中断（ワーカー停止）",
}

NONE_LABEL = "なし"
ALL_LABEL = "すべて"


def label(mapping: dict[str, str], code: Any) -> str:
    """The Japanese label for a code, or the code itself when it has none yet."""
    if code is None or code == "":
        return ""
    return mapping.get(str(code), str(code))


def plain(text: Any) -> str:
    """Text a person typed, made safe to put inside Markdown (no links, images or emphasis of its own)."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def role_text(grant: dict) -> str:
    """e.g. 閲覧のみ（範囲: A社）: the scope's name when known (GET /auth/me), else the scope, escaped."""
    role = grant.get("role_label") or grant["role"]
    scope = grant.get("scope_name") or grant.get("scope")
    return f"{role}（範囲: {plain(scope)}）" if scope else role


def grant_label(grant: dict) -> str:
    """e.g. 端末管理: 閲覧のみ（範囲: A社）."""
    return f"{grant.get('domain_label') or grant['domain']}: {role_text(grant)}"
