"""The audit log lists as CSV downloads (service/exports.py), in the words the pages show (vocabulary.py)."""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.audit import vocabulary
from service.audit.models import AuditEntry
from service.exports import ListExport, field


@dataclass(frozen=True)
class WordedEntry:
    entry: AuditEntry
    words: vocabulary.EntryWords


def worded(db: Session, rows: Sequence[Row]) -> list[WordedEntry]:
    entries = [row[0] for row in rows]
    return [WordedEntry(e, w) for e, w in zip(entries, vocabulary.entry_words(db, entries), strict=True)]


LEADING = (
    field("番号", "entry.seq"),
    field("日時", "entry.occurred_at"),
    field("操作者", "words.actor_name"),
    field("操作", "words.action_label"),
)
TRAILING = (
    field("対象", "words.target_label"),
    field("変更内容", "words.changes_text"),
    field("接続元", "entry.client_address"),
)


def audit_export(flt: audit.AuditFilter, *, with_domain: bool) -> ListExport:
    """with_domain adds the 区分 the platform log shows."""
    columns = (*LEADING, field("区分", "words.domain_label"), *TRAILING) if with_domain else (*LEADING, *TRAILING)
    return ListExport(audit.entry_query(flt), audit.LIST_ORDER, columns, worded)
