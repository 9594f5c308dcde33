"""Every Japanese word the reservations domain shows or sends, in one place (the spec's wording)."""

from service.reservations.kinds import (
    Audience,
    IncidentLevel,
    InquiryChannel,
    InquiryRequesterType,
    InquiryStatus,
    OnCallPeriod,
    OperationStatus,
    OperationType,
    Priority,
    ReservationStatus,
    SendChannel,
)
from service.words import Target, Vocabulary, by_column, register

# The kinds' words are declared with their codes in kinds.py; these are their tables.
STATUSES = ReservationStatus.words()
ACTOR_TYPES = {"system": "システム", "ai": "AI", "operator": "運営担当者", "webhook": "Webhook", "requester": "依頼者"}
CALL_STATUSES = {"calling": "発信中", "answered": "応答あり", "withdrawn": "取り消し（回答を使わない）"}
CALL_OUTCOMES = {
    "accept": "予約OK",
    "decline": "予約NG",
    "ambiguous": "曖昧な回答",
    "change_request": "変更依頼",
    "no_answer": "応答なし",
    "machine": "留守番電話（応答なし）",
    "failed": "発信失敗",
}
# Who picked up a shop call, by the provider's answering-machine detection (Twilio's AnsweredBy).
ANSWERED_BY = {
    "human": "人が応答",
    "machine_start": "留守番電話・自動音声",
    "machine_end_beep": "留守番電話（発信音で終了）",
    "machine_end_silence": "留守番電話（無音で終了）",
    "machine_end_other": "留守番電話",
    "fax": "FAX",
    "unknown": "判別できず",
}
# What the voice AI answers a shop that cannot say yes or no now, or asks for a change (§2.2.4, §2.2.5).
CALL_REPLIES = {
    "ambiguous": "では、お電話を切らせていただきます。ご連絡お待ちしております",
    "change_request": "承知しました。確認して折り返しご連絡いたします",
}
CALL_SUMMARIES = {
    "accept": "提携店が予約を承諾しました",
    "decline": "提携店が予約を断りました",
    "ambiguous": f"提携店が「検討します」と回答しました。AIが「{CALL_REPLIES['ambiguous']}」と応答",
    "change_request": f"提携店が予約内容の変更を依頼しました。AIが「{CALL_REPLIES['change_request']}」と応答",
    "no_answer": "提携店が電話に出ませんでした",
    "machine": "留守番電話・自動音声につながりました。予約の回答ではないため応答なしとして扱います",
    "failed": "電話を発信できませんでした",
}
# Why a shop was or was not called for a request (shops/budget.py), and what became of the request.
CALL_DECISIONS = {"called": "電話した", "skipped": "見送り", "waits": "待機", "queued": "手動対応キューへ"}
CALL_DECISION_REASONS = {
    "round_1": "第1周",
    "round_2": "第2周",
    "auto_calls_stopped": "自動電話停止中",
    "closed": "営業時間外・定休日",
    "hour_budget": "1時間あたりの自動電話の上限に達しています",
    "day_budget": "1日あたりの自動電話の上限に達しています",
    "round_two_wait": "第2周の待ち時間中",
    "no_shop_callable": "いま自動電話できる提携店がありません",
}
SHOP_HELD = "{shop}（{reason}）"
SHOPS_UNAVAILABLE = "いま自動電話できる提携店がありません: {shops}。自動電話停止の店舗には人が電話してください"
CALLS_RESUMED = "電話できる提携店ができたため、自動電話を再開しました"
# 自動電話停止 (「今後の自動電話は不要」): the key a shop presses in the call, and why the shop was stopped.
STOP_KEY = "9"
AUTO_CALLS_STOPPED_BY_KEY = f"通話中に「今後の自動電話は不要」（{STOP_KEY}）が押されました"
AUTO_CALLS_STOP_NOTE = "停止の理由（提携店のお申し出など）を入力してください"
AUTO_CALLS_NOT_STOPPED = "この提携店は自動電話停止になっていません"
CLOSED_DAYS_FORMAT = "定休日は 月火水木金土日祝 の文字で指定してください（例: 水祝）"
SLACK_SHOP_NO_ANSWER = "提携店「{shop}」の応答なしが増えています（{month}: {no_answer}/{calls}件、{rate:.0f}%）"
CALL_NEVER_PLACED = "応答期限までに電話を発信できませんでした（電話の送信が滞っています）"
PAYMENT_STATUSES = {
    "creating": "決済リンク作成中",
    "open": "支払い待ち",
    "expiring": "期限切れ処理中",
    "expired": "期限切れ",
    "paid": "支払い済み",
    "refund_requested": "返金処理中",
    "refunded": "返金済み",
    "refund_failed": "返金失敗",
    "failed": "作成失敗",
}
OPERATION_TYPES = OperationType.words()  # §2.2.1–2.2.6, in the spec's order
PRIORITIES = Priority.words()
OPERATION_STATUSES = OperationStatus.words()
INCIDENT_LEVELS = IncidentLevel.words()
NOTIFICATION_KINDS = {
    "manual_operation": "マニュアルオペ",
    "queue_length": "キュー長超過",
    "error_rate": "エラー率高",
    "late_payment": "期限後の決済",
    "worker_down": "ワーカー停止",
    "beat_down": "定期処理停止",
    "outbox_backlog": "送信滞留",
    "incident": "インシデント",
    "client_quota": "予約上限到達",
    "storage_low": "保存領域不足",
    "oncall_page": "当番呼び出し",
    "calls_down": "電話発信の障害",
    "shop_no_answer": "提携店の応答なし増加",
}

# Slack #qrv-alerts (§2.2 and §4.3.1).
SLACK_MESSAGES = {
    "all_shops_declined": "予約ID: {code} が全店NG",
    "sms_failed": "予約ID: {code} のSMS送信が全て失敗",
    "ambiguous_answer": "予約ID: {code} が曖昧な回答",
    "change_request": "予約ID: {code} で変更依頼",
}
SLACK_MANUAL = "予約ID: {code} で手動対応が必要（{kind}）"
SLACK_CALLS_DOWN = (
    "電話発信の障害の可能性: 予約ID: {code} の{shops}店舗に1件もつながらず（{outcomes}）。インシデント #{id}"
)
SLACK_QUEUE = "予約キューが溜まっています（{count}件）"
SLACK_WORKER_DOWN = "Celeryワーカーが応答しません（予約処理・送信が止まっています）"
SLACK_BEAT_DOWN = "定期処理（beat）が動いていません（期限切れの決済リンク{count}件が{minutes}分以上処理されていません）"
SLACK_OUTBOX_BACKLOG = "送信が滞留しています（{minutes}分以上送られていないメッセージ{count}件）"
SLACK_ERROR_RATE = "エラーが多発しています（直近{minutes}分 {rate:.1f}%、{errors}/{total}件）"
SLACK_INCIDENT = "【{level}】インシデント #{id}: {title}（{escalation}）"
EMAIL_INCIDENT_SUBJECT = "【QRV】{level}インシデントのご報告: {title}"
EMAIL_INCIDENT_BODY = (
    "経営陣各位\n\nインシデントをご報告します（{escalation}）。\n\n"
    "インシデント: #{id} {title}\nレベル: {level}（{definition}）\n発生日時: {occurred}\n"
    "対応時間目標: {target}\n影響範囲: {impact}\n原因: {cause}\n対応内容: {response}\n"
)
SLACK_CLIENT_QUOTA = (
    "MCPクライアント「{client}」が予約の上限（{window}あたり{limit}件）に達したため、以降の予約をお断りしています。"
    "心当たりのない大量の予約であれば、このクライアントのキーを無効化してください"
)
SLACK_LATE_PAYMENT = "予約ID: {code} で決済期限切れ後またはキャンセル後に決済が完了したため返金します"

# As the manuals show each template field (〈予約ID〉): a reader never sees a {code} (training.fields_in_words).
TEMPLATE_FIELDS = {
    "code": "予約ID",
    "service": "サービス",
    "when": "予約日時",
    "shop": "提携店名",
    "url": "リンク",
    "shops": "電話した店舗数",
    "outcomes": "電話の結果と件数",
    "minutes": "お支払いの期限（分）",
    "cancel": "キャンセルのご案内",
    "faq": "よくある質問のリンク",
    "deadline": "無料キャンセルの期限",
    "name": "お名前",
    "summary": "ご予約の内容",
    "refund": "返金のご案内",
    "details": "ご依頼内容",
    "reason": "理由",
    "amount": "金額",
    "before": "変更前の金額",
    "after": "変更後の金額",
    "link": "決済リンクのご案内",
    "count": "件数",
    "level": "レベル",
    "title": "インシデント名",
    "escalation": "報告の区分",
    "id": "インシデント番号",
    "definition": "レベルの定義",
    "occurred": "発生日時",
    "target": "対応時間目標",
    "impact": "影響範囲",
    "cause": "原因",
    "response": "対応内容",
    "priority": "優先度・レベル",
    "subject": "呼び出しの内容",
    "due": "応答の期限",
    "kind": "対応の種類",
    "client": "MCPクライアント名",
    "window": "期間",
    "limit": "上限件数",
    "rate": "エラー率（%）",
    "errors": "エラーの件数",
    "total": "リクエストの件数",
    "hours": "無料キャンセルの期限（時間前）",
    "mention": "当番へのメンション",
    "step": "呼び出しの順番",
    "status": "ご予約の状況のリンク",
    "month": "月",
    "no_answer": "応答なしの件数",
    "calls": "電話の件数",
}
# A template's own words for a field it means otherwise (here {minutes} is how long something waited).
TEMPLATE_FIELDS_OF = {
    "SLACK_BEAT_DOWN": {"minutes": "経過時間（分）"},
    "SLACK_OUTBOX_BACKLOG": {"minutes": "経過時間（分）"},
    "SLACK_ERROR_RATE": {"minutes": "集計時間（分）"},
    "SLACK_SHOP_NO_ANSWER": {"rate": "応答なしの割合（%）"},
    "SMS_SHOPS_UNAVAILABLE": {"when": "ご連絡の期限"},
}

# training.examples adds the times and links
TEMPLATE_EXAMPLES = {
    "code": "QRV-7KX2M9",
    "service": "ハウスクリーニング",
    "shop": "クリーンサービス新宿店",
    "name": "山田 太郎",
    "details": "3LDK 水回り",
    "url": "https://checkout.stripe.com/c/pay/cs_…",
}

SMS_CONFIRMATION = (
    "【QRV】ご予約リクエストを受け付けました（予約ID: {code}）。{service} {when}。"
    "提携店に確認のうえ、改めてご連絡します。ご予約の状況: {status} {cancel} よくある質問: {faq}"
)
CANCEL_PART = "無料キャンセルは{deadline}まで: {url}"
NO_FREE_CANCEL = (
    "予約日時の{hours}時間前を過ぎているため、無料キャンセルはできません。ご相談はカスタマーサポートまでご連絡ください"
)
SMS_DATE_CHANGED = "【QRV】ご予約日時を{when}に変更しました（予約ID: {code}）。{cancel}"
SMS_AMOUNT_CHANGED = "【QRV】ご予約の金額を{before:,}円から{after:,}円に変更しました（予約ID: {code}）。{link}"
NEW_LINK_NOTE = "以前の決済リンクではお支払いできません。新しい金額の決済リンクをお送りします。"
SMS_REPLACED_LINK_REFUND = (
    "【QRV】金額変更前の決済リンクでお支払いいただいた{amount:,}円は返金します（予約ID: {code}）。"
    "新しい決済リンクがある場合はそちらからお支払いください。"
)
ALL_DECLINED = "現在、予約できませんでした。別の日時をご検討いただくか、カスタマーサポートまでご連絡ください"
SMS_ALL_DECLINED = "【QRV】" + ALL_DECLINED + "（予約ID: {code}）"
SMS_SHOPS_UNAVAILABLE = (
    "【QRV】ただいま提携店にお電話でお問い合わせできないため、担当者が確認し{when}までにご連絡します（予約ID: {code}）"
)
SMS_PAYMENT_LINK = (
    "【QRV】{shop}でご予約を確保しました（予約ID: {code}）。{minutes}分以内にお支払いを完了してください: {url}"
)
SMS_PAYMENT_TIMEOUT = "【QRV】決済期限が切れました。再度予約をお願いします（予約ID: {code}）"
SMS_REMINDER = "【QRV】明日 {when} に{shop}でのご予約があります（予約ID: {code}）。{cancel}"
SMS_CANCELLED = "【QRV】ご予約をキャンセルしました（予約ID: {code}）。{refund}"
REFUND_NOTE = "お支払い済みの金額は返金します。"
SMS_LATE_PAYMENT_REFUND = (
    "【QRV】決済期限切れ後またはキャンセル後にお支払いが完了したため、ご予約は確定していません。"
    "お支払いの{amount:,}円は返金します（予約ID: {code}）"
)
EMAIL_CONFIRMED_SUBJECT = "【QRV】ご予約が確定しました（{code}）"
EMAIL_CONFIRMED_BODY = "{name} 様\n\n以下のご予約が確定しました。\n\n{summary}\n\n{cancel}\n"
EMAIL_SHOP_CONFIRMED_SUBJECT = "【QRV】予約確定のお知らせ（{code}）"
EMAIL_SHOP_CONFIRMED_BODY = "{shop} 御中\n\n以下のご予約が確定しました。ご対応をお願いいたします。\n\n{summary}\n"
EMAIL_SHOP_CANCEL_SUBJECT = "【QRV】仮予約キャンセルのお知らせ（{code}）"
EMAIL_SHOP_CANCEL_BODY = "{shop} 御中\n\n以下の仮予約はキャンセルとなりました。\n理由: {reason}\n\n{summary}\n"
EMAIL_PAYMENT_LINK_SUBJECT = "【QRV】お支払いのお願い（{code}）"
SUMMARY_LINES = "予約ID: {code}\nサービス: {service}\n日時: {when}\nご依頼者: {name}\n詳細: {details}"
SHOP_CANCEL_REASONS = {
    "payment_timeout": STATUSES["payment_timeout"],
    "cancelled": "ご依頼者によるキャンセル",
    "cancelled_by_operator": "QRV運営担当者によるキャンセル",
}
CALL_SCRIPT = (
    "{shop}様、こちらはQRV予約代行です。{when}に「{service}」のご予約をお願いできますでしょうか。ご依頼内容: {details}"
    f"（今後の自動電話が不要な場合は{STOP_KEY}を押してください）"
)

REASONS = {
    "created": "MCPクライアントから予約リクエストを受付",
    "calling": "提携店への電話代行を開始",
    "all_declined": "提携店リスト全店舗（2周）で予約が取れませんでした",
    "payment_link_sent": "決済リンクをSMSで送信",
    "payment_expired": "決済リンク送信後{minutes}分以内に決済が完了しませんでした",
    "link_reached_nobody": "決済リンクを依頼者に届けられないまま、運営担当者の対応期限を過ぎました",
    "paid": "決済完了（Stripe Webhook）",
    "paid_while_expiring": "期限切れ処理中に決済が完了したため支払い済みとして扱います",
    "completed": "予約日時を過ぎました",
    "cancel_url": "キャンセルURLから依頼者がキャンセル",
    "cancel_mcp": "MCPクライアントから依頼者がキャンセル",
    "resume": "次の提携店に電話代行を再開",
    "accept_manual": "運営担当者が提携店の予約OKを確認",
    "no_call_connected": "提携店リスト全店舗（2周）への電話が1件もつながりませんでした（{outcomes}）",
}
# 全店NG told apart (§2.2.1, §5.2.2): the shops said no, or no call connected at all (the phone side may be down).
CONNECTED_NONE = "全店舗で電話がつながらなかったため、提携店の回答はありません。電話発信の障害の可能性があります"
# The §5.2.2 incident a 全店NG without one connected call records (one open at a time).
CALLS_DOWN_INCIDENT = "電話発信が全く動作しない"
CALLS_DOWN_IMPACT = "全店NGになった予約: {codes}"
OUTCOME_COUNT = "{label}{count}件"
# The shop holding a cancelled booking that has no e-mail (a one-off shop found by phone): phoned by an operator.
SHOP_CANCEL_CALL = "{shop}（{phone}）にはメールで連絡できません。仮予約のキャンセル（{reason}）を電話で伝えてください"
# A notice that reached nobody about a reservation already over: nothing waits on it, so it is not urgent.
NOTICE_AFTER_END = (
    "予約はすでに終了しています（{status}）。依頼者へのお知らせ「{body}」が届きませんでした（{failure}）。"
    "依頼者のメールアドレスを登録してメールで送るか、送らない理由を記入して対応済みにしてください"
)
NOTICE_SENT_BY_EMAIL = "届かなかったお知らせをメール（{address}）で送信しました"
# its body is the SMS's own words
EMAIL_NOTICE_SUBJECT = "【QRV】SMSでお届けできなかったお知らせ（{code}）"
# A change request's words: what the shop asked (its call's transcript, else the call's summary).
SHOP_ASKED = "提携店からの依頼: {words}"

# The desired time (§2.1 予約受付): when it is, in words, and why it cannot be booked.
PAST_TIME = "ご希望の日時（{when}）はすでに過ぎています。現在より後の日時を指定してください"
OUTSIDE_HOURS = (
    "ご希望の時間（{span}）は、このサービスの提携店の営業時間外です（営業時間: {hours}）。"
    "営業時間内に終わる日時を指定してください"
)
CLOSED_DAY = "ご希望の日（{day}）は提携店の定休日（{closed}）です。{nearest}"
NEAREST_OPEN_DAY = "最も近い営業日は{day}です。この日の営業時間内の日時を指定してください"
NO_OPEN_DAY = "近日中に営業している提携店がありません。カスタマーサポートまでご連絡ください"
HOURS_ANY = "終日"
HOURS_BOTH = "営業時間は開始と終了の両方を指定してください"
HOURS_ORDER = "営業終了は営業開始より後の時刻にしてください"
HOURS_FORMAT = "営業時間は 10:00-19:00 の形式で指定してください"
ONE_OFF_OR_LISTED = "提携店リストの店舗か、リスト外の店舗のどちらか一方を指定してください"

MCP_CREATED = "ご予約リクエストを受け付けました。提携店に確認のうえ、SMSでご連絡します。"
CANCEL_DEADLINE_PASSED = "キャンセル期限を過ぎています。カスタマーサポートまでご連絡ください"
HOLD_TIMED_OUT = "決済期限切れで予約が成立しなかったため、対応は不要です"
LINK_REACHED_NOBODY = (
    "決済リンクを依頼者に届けられませんでした（{failure}）。依頼者に電話してメールアドレスを確認し、"
    "{deadline}までに決済リンクをメールで再送してください。再送がなければ決済期限切れとなります"
)
CANCEL_DONE = "ご予約をキャンセルしました。"
# An MCP request sent again (the same idempotency_key, or the same booking within minutes): nothing was done twice.
MCP_REPEATED = "同じご依頼をすでに受け付けています（新たな予約・処理は行っていません）。"
# Without the idempotency_key only the key proves the caller is the first one, so no cancellation token is answered.
MCP_IDENTICAL = "キャンセル用のリンクは、最初のご依頼の際に依頼者へSMSでお送りしています。"
# A client past its booking quota (quotas.py): when it may book again.
CLIENT_QUOTA = (
    "しばらくしてから再度ご依頼ください。このクライアントからのご予約は{window}あたり{limit}件までです"
    "（あと{seconds}秒でお受けできます）。"
)
IDEMPOTENCY_KEY_REUSED = "この依頼キーは別の内容のご依頼に使われています。新しいご依頼には別のキーを指定してください。"
CANCEL_CONFIRM = "このご予約をキャンセルしますか？"
CANCEL_BUTTON = "キャンセルする"
ALREADY_CANCELLED = "このご予約はすでにキャンセルされています。"
CANCEL_PAGE_TITLE = "ご予約のキャンセル"
# The requester's status page (status_links.py), also the MCP answers' escalation.
STATUS_PAGE_TITLE = "ご予約の状況"
STATUS_LINK_INVALID = (
    "このリンクは無効か、有効期限が切れています。ご予約の状況はカスタマーサポートまでお問い合わせください"
)
STATUS_NEXT_HEADING = "今後の流れ"
STATUS_NEXT = {
    "received": "提携店に順に電話で確認します。予約できましたら、決済リンクをSMSでお送りします。",
    "calling": "提携店に順に電話で確認しています。予約できましたら、決済リンクをSMSでお送りします。",
    "pending_shop_response": "提携店の回答を担当者が確認しています。結果はSMSでお知らせします。",
    "change_requested": "提携店から予約内容の変更の相談がありました。担当者が確認のうえ、ご連絡します。",
    "all_declined": ALL_DECLINED + "。",
    "calling_success": "提携店で予約を確保しました。決済リンクをSMSでお送りします。",
    "awaiting_payment": "SMSでお送りした決済リンクから、期限までにお支払いを完了してください。",
    "payment_timeout": "決済期限が切れたため、ご予約は成立していません。再度ご予約をお願いします。",
    "confirmed": "ご予約は確定しています。前日にSMSでお知らせします。",
    "completed": "ご利用ありがとうございました。",
    "cancelled": "このご予約はキャンセルされています。",
}
# The calls wait for the shops' opening (after hours, 定休日): they start then, nobody has to act.
STATUS_WAITS_FOR_OPENING = (
    "提携店の営業開始（{when}）から順に電話で確認します。予約できましたら、決済リンクをSMSでお送りします。"
)
STATUS_HEAR_BY = "{when}までにご連絡します。"
STATUS_CANCEL = "無料キャンセルは{deadline}までです。"
STATUS_CANCEL_LINK = "ご予約をキャンセルする"
ESCALATION_HEADING = "担当者が対応しています"
# What the requester is told while a manual operation of each type is open on the booking (OPERATION_TYPES' keys).
ESCALATIONS = {
    "all_shops_declined": (
        "ご希望の日時で予約できる提携店が見つからなかったため、担当者が確認しています。担当者からご連絡します。"
    ),
    "sms_failed": "SMSをお届けできなかったため、担当者が確認しています。担当者からご連絡します。",
    "payment_timeout": "お支払いについて担当者が確認しています。担当者からご連絡します。",
    "ambiguous_answer": "提携店の回答を担当者が確認しています。結果はSMSでお知らせします。",
    "change_request": "提携店から予約内容の変更の相談があり、担当者が確認しています。担当者からご連絡します。",
    "late_cancellation": "キャンセル期限を過ぎたキャンセルのご依頼を担当者が確認しています。担当者からご連絡します。",
    "shop_cancel_call": "提携店へのキャンセルのご連絡を担当者が行っています。ご依頼者の操作は不要です。",
    "shops_unavailable": (
        "ただいま提携店にお電話でお問い合わせできないため、担当者が確認しています。担当者からご連絡します。"
    ),
}
SANDBOX_CHECKOUT_TITLE = "テスト決済（サンドボックス）"
SANDBOX_PAY_BUTTON = "支払う"
SANDBOX_PAID = "お支払いが完了しました。"
SANDBOX_EXPIRED = "この決済リンクは有効期限が切れています。"

SHOP_CSV_HEADER = (
    "店舗名",
    "電話番号",
    "メールアドレス",
    "対応サービス",
    "架電順",
    "有効",
    "備考",
    "営業時間",
    "定休日",
)
SHOP_CSV_FIELDS = dict(
    zip(
        SHOP_CSV_HEADER,
        ("name", "phone", "email", "services", "call_order", "active", "notes", "hours", "closed_days"),
        strict=True,
    )
)
# 有効's cell as the import reads it besides the column's words and はい / いいえ (fields.py)
CSV_TRUE = {"1", "true", "yes", "○"}
CSV_FALSE = {"0", "false", "no", "×", ""}
SHOP_CSV_SAME_NAME = "{row}行目と同じ店舗名です（店舗名で更新するため、どちらか一方の行にまとめてください）"
CSV_FLAG = "{label}は {true}/{false}（1/0）で指定してください"

MANUAL_AUDIENCES = Audience.words()

REPORT_TITLE = "QRV 月次レポート"
REPORT_LABELS = {
    "month": "対象月",
    "reservations": "予約件数",
    "confirmed": "確定件数",
    "cancelled": "キャンセル件数",
    "revenue": "売上",
    "trend": "月間推移（参考: 対象月までの直近{months}か月）",
    "services": "サービスタイプ別予約割合（{month:%Y年%m月}）",
    "shops": "提携店別予約件数ランキング（{month:%Y年%m月}）",
    "share": "割合",
    "yen": "円",
    "item": "項目",
    "value": "値",
    "as_of": "集計時点: {at}",
    "partial": "月の途中までの集計です（{period}）。",
    "nightly": "毎晩の集計による（{at}）",
    "no_basis": "—",  # a share, a median or a mean of no rows
}
REPORT_UNITS = {"days": "日", "minutes": "分"}
REPORT_MAIL_BODY = "{name} 様\n\n{month:%Y年%m月}の月次レポート（PDF）をお送りします。\n\nQRV 予約システム"
WEEKLY_REPORT_TITLE = "QRV 週次レポート"
WEEKLY_REPORT_LABELS = {
    "item": "項目",
    "week": "対象週",
    "previous": "前週",
    "reservations": "予約件数",
    "confirmed": "確定件数",
    "share": "割合",
    "cancel_rate": "キャンセル率",
    "services": "サービスタイプ別予約割合（対象週）",
    "shops": "提携店別予約件数ランキング（対象週）",
    "incidents": "対象週に発生したインシデント",
    "occurred_at": "発生日時",
    "level": "レベル",
    "title": "件名",
    "recovered_at": "復旧日時",
    "unrecovered": "未復旧",
    "partial": "週の途中までの集計です（{period}）。",
    "support": "サポートKPI",
    "value": "値",
    "period": "期間",
    "basis": "{value}（対象{basis:,}件）",
}
WEEKLY_REPORT_MAIL_BODY = (
    "{name} 様\n\n{monday:%Y年%m月%d日}〜{sunday:%m月%d日}の週次レポート（PDF）をお送りします。\n\nQRV 予約システム"
)

# §7 サポート体制: who asks, by which channel, and each channel's 初回応答時間目標 (minutes; phone: 即時).
# On call and the team's hours (§2.3.1 運営体制, §2.3.2, §5.2.1).
ONCALL_PERIODS = OnCallPeriod.words()
ONCALL_SOURCES = {"rotation": "当番表", "override": "代番"}
BUSINESS_HOURS = "平日 {opens}〜{closes}（土日祝を除く）"
WORKING_DAY, DAY_OFF = "営業日", "休日"  # a shift's day: the team works its daytime, or not (or the holiday's name)
IN_HOURS = "営業時間内"
OUT_OF_HOURS = "営業時間外（オンコール）"
ONCALL_NOT_OPERATOR = "当番は予約の運営担当者（有効なアカウント）から選んでください"
ONCALL_DUPLICATE = "同じ担当者を当番表に2回入れることはできません"
ONCALL_NOT_MEMBER = "代番は当番表のメンバーから選んでください"
OVERRIDE_ORDER = "代番の終了日は開始日以降にしてください"
OVERRIDE_OVERLAP = "期間が{name}さんの代番（{start}〜{end}）と重なっています"
MEMBER_HAS_OVERRIDE = (
    "{name}さんには今後の代番（{start}〜{end}）があるため当番表から外せません。先に代番を削除してください"
)
PAGE_ACKNOWLEDGED = "この呼び出しには応答済みです"
NOT_PAGED = "この対応は当番呼び出しの対象ではありません（緊急・高の手動対応、Critical・Highのインシデントが対象です）"
PAGE_FIRST_STEP = "当番"
PAGE_STEP_NTH = "エスカレーション{n}人目"
PAGE_SUBJECT_INCIDENT = "インシデント #{id}: {title}"
SMS_PAGE = "【QRV当番呼び出し】{priority}: {subject}。{due}までに対応し、応答してください。{url}"
VOICE_PAGE = (
    "QRVの当番呼び出しです。{priority}の対応があります。{subject}。{due}までに対応してください。"
    "応答する場合は、今すぐ{key}を押してください。"
)
VOICE_PRESS_KEY = "応答する場合は{key}を押してください。"
VOICE_ACKNOWLEDGED = "応答を受け付けました。ほかの担当者は呼び出されません。"
VOICE_ACKNOWLEDGED_BEFORE = f"{PAGE_ACKNOWLEDGED}。"
PAGE_STEP_UNKNOWN = "指定された当番呼び出しは見つかりません"
SLACK_PAGE = "{mention} 当番呼び出し（{step}）: {subject}（{priority}、{due}までに応答）"
SLACK_PAGE_NOBODY = "当番表が設定されていないため、当番を呼び出せません: {subject}（{priority}）"
INQUIRY_CHANNELS = InquiryChannel.words()
INQUIRY_REQUESTER_TYPES = InquiryRequesterType.words()
INQUIRY_STATUSES = InquiryStatus.words()
SATISFACTION_SOURCES = {"support": "サポート担当が入力", "requester": "依頼者が回答"}
SURVEY_CHANNELS = LINK_CHANNELS = SendChannel.words()  # how the survey and the payment link are sent
# The one-question satisfaction survey (§7.3.1 顧客満足度, 5段階評価) sent to the person who asked.
SMS_SURVEY = "【QRV】お問い合わせへの対応の満足度を5段階でお聞かせください（1問のみ）: {url}"
EMAIL_SURVEY_SUBJECT = "【QRV】サポート対応についてのアンケート（1問）"  # its body is SMS_SURVEY's words
SURVEY_TITLE = "サポート対応アンケート"
SURVEY_QUESTION = "今回のお問い合わせへの対応に、どのくらい満足されましたか。"
SURVEY_SCALE = {5: "とても満足", 4: "満足", 3: "ふつう", 2: "やや不満", 1: "不満"}
SURVEY_SEND = "回答する"
SURVEY_THANKS = "ご回答ありがとうございました。今後のサポートの改善に役立てます。"
SURVEY_ANSWERED = "このアンケートにはすでにご回答いただいています。ありがとうございました。"
SURVEY_EXPIRED = "このアンケートの回答期限（送信から{days}日）を過ぎています。"
SURVEY_ACTOR = "依頼者（アンケート）"

AUDIT = register(
    Vocabulary(
        "reservations",
        actions={
            "create_mcp_client": "MCPクライアントの登録",
            "revoke_mcp_client": "MCPクライアントの無効化",
            "create_manual_operation": "マニュアルオペの登録",
            "assign_manual_operation": "マニュアルオペの担当者割り当て",
            "resolve_manual_operation": "マニュアルオペの対応完了",
            "add_note": "メモの追加",
            "accept_reservation": "予約OKの確認",
            "accept_one_off_shop": "リスト外の店舗で予約OK",
            "resume_calling": "電話代行の再開",
            "cancel_reservation": "予約のキャンセル",
            "update_reservation": "予約内容の変更",
            "resend_payment_link": "決済リンクの再送",
            "reissue_payment_link": "決済リンクの再発行",
            "create_service_type": "サービスの登録",
            "update_service_type": "サービスの更新",
            "delete_service_type": "サービスの削除",
            "create_shop": "提携店の登録",
            "update_shop": "提携店の更新",
            "delete_shop": "提携店の削除",
            "stop_auto_calls": "提携店の自動電話停止",
            "lift_auto_calls": "提携店の自動電話停止の解除",
            "create_incident": "インシデントの記録",
            "update_incident": "インシデントの更新",
            "escalate_incident": "経営陣への報告",
            "create_support_inquiry": "問い合わせの記録",
            "update_support_inquiry": "問い合わせの更新",
            "set_oncall_rotation": "当番表の設定",
            "create_oncall_override": "代番の登録",
            "delete_oncall_override": "代番の削除",
            "acknowledge_page": "当番呼び出しへの応答",
            "send_inquiry_survey": "満足度アンケートの送信",
            "answer_inquiry_survey": "満足度アンケートの回答",
            "send_notice_by_email": "届かなかったお知らせのメール送信",
        },
        targets={
            "reservation": Target("予約", values={"status": STATUSES}, table="reservations_reservation"),
            "shop": Target.named_by("提携店", "reservations_shop", "name"),
            "service_type": Target.named_by("サービス", "reservations_service_type", "name"),
            "mcp_client": Target.named_by("MCPクライアント", "reservations_mcp_client", "name"),
            "manual_operation": Target("マニュアルオペ", table="reservations_manual_operation"),
            "incident": Target.named_by("インシデント", "reservations_incident", "title"),
            "support_inquiry": Target.named_by("問い合わせ", "reservations_support_inquiry", "requester"),
            "oncall_rotation": Target("当番表", table="reservations_oncall_rotation"),
            "oncall_override": Target("代番", table="reservations_oncall_override"),
        },
        # The fields of its tables name themselves (service/fields.py); these are the requests' others.
        tables=(
            "reservations_service_type",
            "reservations_shop",
            "reservations_reservation",
            "reservations_manual_operation",
            "reservations_note",
            "reservations_incident",
            "reservations_support_inquiry",
            "reservations_mcp_client",
            "reservations_oncall_rotation",
            "reservations_oncall_member",
            "reservations_oncall_override",
        ),
        fields={
            "status": "ステータス",
            "shop": "提携店",
            "one_off_shop": "リスト外の店舗",
            "add_to_call_list": "提携店リストにも追加する",
            "all_day": "営業時間の指定なし",
            "payment_link": "決済リンクの送り先",
            "payment_id": "決済",
            "note": "メモ",
            "name": "名前",
            "service_type_ids": "対応サービス",
            "reservation": "予約",
            "reservation_code": "予約ID",
            "shop_id": "提携店",
            "refund": "返金",
            "token": "キャンセル用リンクの鍵",
            "rating": "満足度",
            "members": "当番のメンバー",
            "acknowledged_at": "応答日時",
            "acknowledged_by": "応答者",
            "survey_channel": "アンケートの送信方法",
            "notice": "お知らせ",
        },
        values={
            "op_type": OPERATION_TYPES,
            "level": INCIDENT_LEVELS,
            "priority": PRIORITIES,
            "payment_link": LINK_CHANNELS,
            "channel": INQUIRY_CHANNELS,
            "survey_channel": SURVEY_CHANNELS,
            "requester_type": INQUIRY_REQUESTER_TYPES,
            "period": ONCALL_PERIODS,
        },
        statuses={
            "reservations_reservation": STATUSES,
            "reservations_payment": PAYMENT_STATUSES,
            "reservations_manual_operation": OPERATION_STATUSES,
            "reservations_call_attempt": CALL_STATUSES,
            "reservations_support_inquiry": INQUIRY_STATUSES,
        },
        references={
            "assignee_id": by_column("identity_user", "name"),
            "service_type_ids": by_column("reservations_service_type", "name"),
            "reservation_id": by_column("reservations_reservation", "code"),
            "user_id": by_column("identity_user", "name"),
        },
    )
)
