"""The notification outbox: every outgoing email, SMS, Slack post, voice call and payment link.

For a domain:
- `service.outbox.service.enqueue(db, channel=..., recipient=..., domain=..., ref_type=..., ref_id=...)` in the
  transaction of the change that causes the message; a worker sends it after the commit. An e-mail may carry
  `attachments=[Attachment(filename, content_type, data)]` (at most 10 MiB in all): the bytes are kept in
  `outbox_file`, once per content, and every attempt sends the same files (attachments.py). An e-mail or a Slack post
  says what `content=` holds (content.py: paragraphs, links from service.links, tables; `fill` turns a label's
  template into a run of text and links): each is sent as text and HTML, or in Slack's syntax, from it.
- `service.outbox.delivery.on_sent(domain, ref_type)` / `on_failed(domain, ref_type)` register fn(db, message), run in
  the transaction that records the outcome (message.payload["result"] holds what the provider returned, e.g. the
  payment link's url, session_id and expires_at, or the sandbox voice call's outcome).
- `service.outbox.inbound.register_inbound_handler(provider, event_type)` registers fn(db, event) for verified webhook
  events (stripe: checkout.session.*, twilio: message.<status> and message.received, voice: the API's event types).
Hook modules must be imported by both the API and the worker (e.g. from the domain's service or jobs module).
"""
