"""Sign-off of the assistant's content: which version a clinician read and agreed to, and whether the
content running now is still that version.

The version is the content book's (``coach.content_book.content_version``): a hash of every file that
decides what a parent reads. An admin records a sign-off (who signed, when, notes); the admin page shows
"content changed since the last sign-off" as soon as the running files differ.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from coach.content_book import content_version
from review import audit
from review.schema import content_signoff

MAX_CLINICIAN = 120
MAX_NOTES = 4000


class SignoffError(ValueError):
    """A sign-off that cannot be recorded, with a message for the admin."""


@dataclass(frozen=True)
class Signoff:
    version: str
    clinician: str
    notes: str
    recorded_by: str
    signed_at: float


def running_version() -> str:
    return content_version()


def signoffs(conn: Connection, limit: int = 20) -> List[Signoff]:
    rows = conn.execute(sa.select(content_signoff).order_by(content_signoff.c.signed_at.desc(),
                                                            content_signoff.c.id.desc()).limit(limit))
    return [Signoff(r.version, r.clinician, r.notes, r.recorded_by, r.signed_at) for r in rows]


def latest(conn: Connection) -> Optional[Signoff]:
    found = signoffs(conn, limit=1)
    return found[0] if found else None


def record(conn: Connection, version: str, clinician: str, notes: str, recorded_by: str, address: str = "") -> Signoff:
    """Record that ``clinician`` signed ``version`` off; only the version running now can be signed."""
    clinician, notes = " ".join(clinician.split()), notes.strip()
    if not clinician:
        raise SignoffError("Give the name of the clinician who read and agreed to this version.")
    if len(clinician) > MAX_CLINICIAN or len(notes) > MAX_NOTES:
        raise SignoffError(f"Keep the name under {MAX_CLINICIAN} and the notes under {MAX_NOTES} characters.")
    if version != running_version():
        raise SignoffError("The content changed while the page was open: read the new version and sign that one.")
    signed = Signoff(version, clinician, notes, recorded_by, time.time())
    conn.execute(content_signoff.insert().values(version=version, clinician=clinician, notes=notes,
                                                 recorded_by=recorded_by, signed_at=signed.signed_at))
    audit.record(conn, recorded_by, "content_signoff", version, f"signed by {clinician}", address)
    return signed
