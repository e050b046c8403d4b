"""Every setting of the review app, read once from the environment, with the reason for each default."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    # The assistant's tracker store: the same SQLite file `make run` writes (endpoints.yml).
    tracker_url: str
    # The app's own tables (staff, sessions, notes, tags, audit, the conversation index). A separate
    # file by default so the app can open the assistant's database read-only.
    database_url: str
    # Keys the pseudonyms and the login form's CSRF token; created on first start if missing.
    secret_file: Path
    host: str = "127.0.0.1"  # staff tools stay off the network unless a clinic puts a proxy in front
    port: int = 8081
    # A shared clinic computer left unattended: 30 minutes idle ends the session, 12 hours in all.
    idle_minutes: int = 30
    session_hours: int = 12
    # Browsers treat 127.0.0.1 as a secure origin, so Secure cookies work locally too; only turn this
    # off for a plain-HTTP test host that is not loopback.
    cookie_secure: bool = True
    # Five wrong passwords for one name in 15 minutes locks that name for the rest of the window;
    # twenty from one address locks the address (guessing across many names).
    login_failures_per_name: int = 5
    login_failures_per_address: int = 20
    login_window_minutes: int = 15
    # None: the retention command needs --days. Clinics set their policy here.
    retention_days: Optional[int] = None
    # A user message classified below this is counted as a misunderstanding. 0.5 is above the NLU
    # fallback threshold (0.4, config.yml) so near-misses that the bot still acted on are caught too.
    low_confidence: float = 0.5
    # Two misunderstandings in one conversation put it in the queue: one is common and harmless.
    misunderstandings_for_attention: int = 2
    page_size: int = 50
    # Behind a TLS reverse proxy, set to the number of proxies so the audit log and the per-address
    # login limit see the staff member's address, not the proxy's (X-Forwarded-For). 0 trusts no header.
    proxy_hops: int = 0
    min_password_length: int = 12  # NIST SP 800-63B: long passphrases over complexity rules

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None, **overrides) -> "Settings":
        env = os.environ if env is None else env
        var = ROOT / "var"
        retention = env.get("REVIEW_RETENTION_DAYS", "").strip()
        values = dict(
            tracker_url=env.get("REVIEW_TRACKER_URL") or f"sqlite:///{var / 'rasa.db'}",
            database_url=env.get("REVIEW_DATABASE_URL") or f"sqlite:///{var / 'review.db'}",
            secret_file=Path(env.get("REVIEW_SECRET_FILE") or var / "review-secret.key"),
            host=env.get("REVIEW_HOST") or "127.0.0.1",
            port=_int(env, "REVIEW_PORT", 8081),
            idle_minutes=_int(env, "REVIEW_IDLE_MINUTES", 30),
            session_hours=_int(env, "REVIEW_SESSION_HOURS", 12),
            cookie_secure=env.get("REVIEW_COOKIE_SECURE", "1") != "0",
            retention_days=_int(env, "REVIEW_RETENTION_DAYS", 0) if retention else None,
            proxy_hops=_int(env, "REVIEW_PROXY_HOPS", 0),
        )
        values.update(overrides)
        return cls(**values)

    def secret(self) -> bytes:
        """The app's key, created (owner-only) on first use so there is never a shared default."""
        path = self.secret_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "w") as out:
                    out.write(secrets.token_hex(32))
        key = path.read_text().strip()
        if len(key) < 32:
            raise SystemExit(f"{path} holds a key shorter than 32 characters; delete it to make a new one")
        return key.encode()
