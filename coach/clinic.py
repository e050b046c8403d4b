"""The clinic's contact details, read from a YAML file the clinic edits (``clinic.yml``).

The path comes from ``CLINIC_CONFIG`` so a deployment can keep its own copy outside the source tree.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import yaml

from coach import content

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "clinic.yml"


class ClinicConfigError(ValueError):
    """The clinic file is missing a field or is not a mapping: fail at start-up, not mid-crisis."""


@dataclass(frozen=True)
class Clinic:
    name: str
    phone: str
    hours: str
    emergency_number: str
    crisis_line: str
    website: str = ""
    # The clinic's time zone (IANA name), for reading "since this morning" when a channel does not
    # send the parent's own clock.
    timezone: str = "UTC"
    # Days a conversation is kept after its last message (the privacy notice says so; the review app's
    # alert worker deletes older ones daily); None keeps them until someone deletes them.
    retention_days: Optional[int] = None
    privacy_policy_url: str = ""

    def contact_line(self) -> str:
        if self.website:
            return content.text("clinic_contact_line_web", name=self.name, phone=self.phone, hours=self.hours,
                                website=self.website)
        return content.text("clinic_contact_line", name=self.name, phone=self.phone, hours=self.hours)


def load_clinic(path: "str | os.PathLike[str] | None" = None) -> Clinic:
    path = Path(path or os.environ.get("CLINIC_CONFIG") or DEFAULT_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ClinicConfigError(f"cannot read clinic config {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ClinicConfigError(f"{path} must be a mapping of clinic fields")
    optional = ("website", "timezone", "retention_days", "privacy_policy_url")
    required = [f.name for f in fields(Clinic) if f.name not in optional]
    missing = [name for name in required if not str(raw.get(name) or "").strip()]
    if missing:
        raise ClinicConfigError(f"{path} is missing: {', '.join(missing)}")
    values: Dict[str, Any] = {f.name: str(raw.get(f.name) or "").strip() for f in fields(Clinic)}
    values["timezone"] = values["timezone"] or "UTC"
    values["retention_days"] = _days(path, raw.get("retention_days"))
    return Clinic(**values)


def _days(path: Path, raw: Any) -> Optional[int]:
    if raw is None or str(raw).strip() == "":
        return None
    if isinstance(raw, bool) or not str(raw).strip().isdigit() or int(raw) < 1:
        raise ClinicConfigError(f"{path}: retention_days must be a whole number of days, at least 1, got {raw!r}")
    return int(raw)


@lru_cache(maxsize=1)
def clinic() -> Clinic:
    """The configured clinic, read once per process."""
    return load_clinic()
