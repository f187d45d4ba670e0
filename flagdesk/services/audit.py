"""The audit trail: every change to the register goes through here, from the services."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from flagdesk.store.models import AuditEvent


def audit_text(value: Any) -> str | None:
    """A stored value as text: dates as ISO, lists and dicts as JSON, None stays None."""
    if value is None:
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def audit(
    session: Session,
    user: str,
    action: str,
    table: str,
    record_id: object,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    batch_id: int | None = None,
) -> None:
    session.execute(
        insert(AuditEvent).values(
            user=user,
            action=action,
            table_name=table,
            record_id=str(record_id),
            field=field,
            old=audit_text(old),
            new=audit_text(new),
            batch_id=batch_id,
        )
    )


def audit_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk form for imports: rows with the same keys as audit()'s parameters."""
    if not rows:
        return
    session.execute(
        insert(AuditEvent),
        [
            {
                "user": r["user"],
                "action": r["action"],
                "table_name": r["table"],
                "record_id": str(r["record_id"]),
                "field": r.get("field"),
                "old": audit_text(r.get("old")),
                "new": audit_text(r.get("new")),
                "batch_id": r.get("batch_id"),
            }
            for r in rows
        ],
    )


@dataclass(frozen=True)
class AuditRecord:
    id: int
    at: datetime
    user: str
    action: str
    table: str
    record: str
    field: str | None
    old: str | None
    new: str | None
    batch_id: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat() if self.at else None,
            "user": self.user,
            "action": self.action,
            "table": self.table,
            "record": self.record,
            "field": self.field,
            "old": self.old,
            "new": self.new,
            "batch_id": self.batch_id,
        }


def list_audit(
    session: Session,
    *,
    record: str | None = None,
    table: str | None = None,
    user: str | None = None,
    since: date | None = None,
    limit: int | None = None,
) -> list[AuditRecord]:
    q = select(AuditEvent).order_by(AuditEvent.id)
    if record is not None:
        q = q.where(AuditEvent.record_id == str(record))
    if table is not None:
        q = q.where(AuditEvent.table_name == table)
    if user is not None:
        q = q.where(AuditEvent.user == user)
    if since is not None:
        q = q.where(AuditEvent.at >= datetime(since.year, since.month, since.day))
    if limit:
        q = q.limit(limit)
    return [
        AuditRecord(e.id, e.at, e.user, e.action, e.table_name, e.record_id, e.field, e.old, e.new, e.batch_id)
        for e in session.scalars(q)
    ]
