"""Why a message was not sent, in the words people read; the provider's own text (English) stays in last_error for the
platform admin."""

# By how its last attempt ended (delivery.attempt_outcome), or why it was never attempted
FAILURES = {
    "invalid_recipient": "宛先の電話番号またはメールアドレスが無効です",
    "permanent_error": "送信先の事業者に受け付けられませんでした",
    "transient_error": "送信先の事業者に接続できませんでした（再送しても届きませんでした）",
    "unknown_outcome": "送信できたか確認できないまま中断したため、再送していません",
    "attachment_missing": "添付ファイルが見つからないため送信していません",
    "daily_cap": "同じ電話番号へのSMSが1日の上限に達したため送信していません",
}
FAILED = "送信できませんでした"
