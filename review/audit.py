"""The audit log: one row per thing staff did, written and never changed (the database enforces it)."""
from __future__ import annotations

import time
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from review.schema import audit_log

# Actions recorded. Logins (both outcomes), transcript views, exports and reveals are what the
# clinic's privacy officer asks about; the rest shows who changed what.
ACTIONS = ("login", "login_failed", "login_blocked", "logout", "view", "export", "reveal", "reviewed", "note", "tag",
           "untag", "account_created", "account_changed", "password_changed", "retention",
           # A person from the clinic in the parent's chat (review/handoff.py).
           "takeover", "staff_reply", "staff_template", "release",
           # A clinician's sign-off of a content version, recorded by an admin (review/content.py).
           "content_signoff",
           # A parent's data rights (review/erasure.py): found by channel and id, exported, erased.
           "parent_lookup", "parent_export", "erase")


def record(conn: Connection, actor: str, action: str, target: str = "", detail: str = "", address: str = "",
           at: Optional[float] = None) -> None:
    assert action in ACTIONS, action
    conn.execute(audit_log.insert().values(at=at or time.time(), actor=actor[:64], action=action,
                                           target=target[:255], detail=detail, address=address[:64]))


def count_since(conn: Connection, action: str, since: float, target: Optional[str] = None,
                address: Optional[str] = None, actor: Optional[str] = None) -> int:
    query = (sa.select(sa.func.count()).select_from(audit_log)
             .where(audit_log.c.action == action, audit_log.c.at >= since))
    if target is not None:
        query = query.where(audit_log.c.target == target)
    if address is not None:
        query = query.where(audit_log.c.address == address)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    return conn.execute(query).scalar_one()
