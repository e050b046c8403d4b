"""Every setting of the review app, read once from the environment, with the reason for each default."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Tuple

from coach.clinic import clinic
from serving.logs import read_or_make_key

ROOT = Path(__file__).resolve().parent.parent


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None


_QUIET = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def _quiet_hours(raw: str) -> Optional[Tuple[int, int]]:
    """ "22:00-07:00" as (start, end) minutes after midnight; None when unset."""
    if not raw.strip():
        return None
    m = _QUIET.match(raw)
    if not m or int(m.group(1)) > 23 or int(m.group(3)) > 23 or int(m.group(2)) > 59 or int(m.group(4)) > 59:
        raise SystemExit(f'ALERT_QUIET_HOURS must look like "22:00-07:00", got {raw!r}')
    return int(m.group(1)) * 60 + int(m.group(2)), int(m.group(3)) * 60 + int(m.group(4))


def _retention_days(env: Mapping[str, str], raw: str) -> Optional[int]:
    """clinic.yml's retention_days, which the privacy notice promises parents; REVIEW_RETENTION_DAYS (the
    older setting) may repeat it but not contradict it."""
    promised = clinic().retention_days
    if not raw:
        return promised
    days = _int(env, "REVIEW_RETENTION_DAYS", 0)
    if promised is not None and days != promised:
        raise SystemExit(f"REVIEW_RETENTION_DAYS is {days} but clinic.yml's retention_days, which the privacy "
                         f"notice tells parents, is {promised}: set one of them.")
    return days


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go (README, "Alerts"). With nothing set they are only listed in the review app."""
    smtp_host: str = ""
    # 587 with STARTTLS is what mail providers offer for sending; a local relay may use 25 with STARTTLS off.
    smtp_port: int = 587
    smtp_starttls: bool = True
    smtp_user: str = ""  # no log-in when empty
    smtp_password: str = ""
    email_from: str = ""
    email_to: Tuple[str, ...] = ()
    webhook_url: str = ""
    webhook_secret: str = ""
    # Links in alerts point here (the address staff open the review app at, behind the clinic's proxy).
    public_url: str = ""
    # Non-urgent alerts (a request for a person, repeated misunderstandings) wait until these end, in the
    # clinic's time zone (clinic.yml); red flags always go at once.
    quiet_hours: Optional[Tuple[int, int]] = None
    # The worker looks for new events this often: alerts reach the on-call within about this plus the
    # send time, far inside the 60 s the clinic asked for, at one indexed query per poll.
    poll_seconds: float = 5.0

    @property
    def email(self) -> bool:
        return bool(self.smtp_host)

    @property
    def webhook(self) -> bool:
        return bool(self.webhook_url)

    @property
    def destinations(self) -> Tuple[str, ...]:
        return tuple(name for name, on in (("email", self.email), ("webhook", self.webhook)) if on)

    @classmethod
    def from_env(cls, env: Mapping[str, str], default_public_url: str) -> "AlertSettings":
        to = tuple(a.strip() for a in env.get("ALERT_EMAIL_TO", "").split(",") if a.strip())
        values = cls(
            smtp_host=env.get("ALERT_SMTP_HOST", "").strip(),
            smtp_port=_int(env, "ALERT_SMTP_PORT", 587),
            smtp_starttls=env.get("ALERT_SMTP_STARTTLS", "1").strip() != "0",
            smtp_user=env.get("ALERT_SMTP_USER", ""),
            smtp_password=env.get("ALERT_SMTP_PASSWORD", ""),
            email_from=env.get("ALERT_EMAIL_FROM", "").strip(),
            email_to=to,
            webhook_url=env.get("ALERT_WEBHOOK_URL", "").strip(),
            webhook_secret=env.get("ALERT_WEBHOOK_SECRET", ""),
            public_url=(env.get("REVIEW_PUBLIC_URL", "").strip() or default_public_url).rstrip("/"),
            quiet_hours=_quiet_hours(env.get("ALERT_QUIET_HOURS", "")),
            poll_seconds=float(_int(env, "ALERT_POLL_SECONDS", 5)),
        )
        # Half a configuration would fail at 2 am, silently: refuse to start instead.
        if values.smtp_host and not (values.email_from and values.email_to):
            raise SystemExit("ALERT_SMTP_HOST is set: ALERT_EMAIL_FROM and ALERT_EMAIL_TO are needed too")
        if (values.email_from or values.email_to) and not values.smtp_host:
            raise SystemExit("ALERT_EMAIL_FROM/ALERT_EMAIL_TO are set but ALERT_SMTP_HOST is not")
        if values.webhook_url and len(values.webhook_secret) < 16:
            raise SystemExit("ALERT_WEBHOOK_URL is set: ALERT_WEBHOOK_SECRET (at least 16 characters) signs each POST")
        if values.webhook_url and not values.webhook_url.startswith(("https://", "http://")):
            raise SystemExit("ALERT_WEBHOOK_URL must be an http(s) URL")
        return values


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
    # twenty from one address locks the address (guessing across many names). A name with no account
    # is counted and locked the same way, on its own (review/accounts.py, unknown_name_key), so the
    # lock-out does not tell which names exist.
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
    alerts: AlertSettings = field(default_factory=AlertSettings)
    # The Rasa server's staff routes (channels/staff.py), on loopback, and the secret both sides hold.
    # Without the secret, conversations cannot be taken over (the pages say so).
    rasa_url: str = "http://127.0.0.1:5005"
    staff_api_secret: str = ""
    # A held conversation with no message from either side for this long goes back to the assistant,
    # and the parent is told: nobody is left talking to an empty room after a shift ends.
    hold_idle_minutes: int = 30
    # A Prometheus server off this host reads /metrics with this bearer token; without it only
    # loopback callers can (review/ops.py). The assistant's /metrics reads the same variable.
    metrics_token: str = ""

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
            retention_days=_retention_days(env, retention),
            proxy_hops=_int(env, "REVIEW_PROXY_HOPS", 0),
            rasa_url=(env.get("REVIEW_RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            staff_api_secret=env.get("STAFF_API_SECRET", ""),
            hold_idle_minutes=_int(env, "REVIEW_HOLD_IDLE_MINUTES", 30),
            metrics_token=env.get("METRICS_TOKEN", ""),
        )
        public = f"http://{values['host']}:{values['port']}"
        values["alerts"] = AlertSettings.from_env(env, public)
        values.update(overrides)
        return cls(**values)

    def secret(self) -> bytes:
        """The app's key, created (owner-only) on first use so there is never a shared default."""
        path = self.secret_file
        key = read_or_make_key(path).decode()
        if len(key) < 32:
            raise SystemExit(f"{path} holds a key shorter than 32 characters; delete it to make a new one")
        return key.encode()
