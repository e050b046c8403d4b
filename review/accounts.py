"""Staff accounts, passwords, log-in with rate limiting, and server-side sessions."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from review import audit
from review.schema import staff, staff_session
from review.settings import Settings

ROLES = ("reviewer", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# scrypt at OWASP's minimum (N=2^17, r=8, p=1): 128 MiB and about half a second per check here,
# which makes each guess against a stolen database expensive. The parameters live in each hash, so
# raising them later leaves old hashes verifiable.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 17, 8, 1
SCRYPT_MAXMEM = 256 * 1024 * 1024


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is safe to show."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, maxmem=SCRYPT_MAXMEM)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(key).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             maxmem=SCRYPT_MAXMEM, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# Checked against when the name is unknown, so a wrong name costs the same scrypt work as a wrong
# password. Made with hash_password, so it carries the same parameters as the accounts' hashes; the
# password is fixed because nobody can log in through this hash anyway (the name is unknown).
DUMMY_PASSWORD = "no account has this password"
_DUMMY_HASH: Optional[str] = None
_dummy_lock = threading.Lock()


def prepare_dummy_hash() -> str:
    """The dummy hash, made once per process: the app factory calls this at start, so the first unknown
    name is not slower than the rest (making a hash costs more than checking one)."""
    global _DUMMY_HASH
    with _dummy_lock:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password(DUMMY_PASSWORD)
    return _DUMMY_HASH


def unknown_name_key(username: str, key: bytes) -> str:
    """What the audit log and the lock-out count hold for a name with no account.

    Each typed name gets its own counter, as a real name does, so locking one unknown name does not
    lock the others and an unknown name locks after exactly as many tries as a real one. The name
    itself is not stored, because people type their password into the name field by mistake: a keyed
    hash (the app's secret lives outside the database), cut to 64 bits. ':' is not allowed in account
    names, so it never equals one.
    """
    digest = hmac.new(key, b"unknown-login-name\x00" + username.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"unknown:{digest[:16]}"


def check_new_password(password: str, settings: Settings, username: str = "") -> None:
    if len(password) < settings.min_password_length:
        raise AccountError(f"The password must be at least {settings.min_password_length} characters long.")
    if username and username.lower() in password.lower():
        raise AccountError("The password must not contain the account name.")


def create_user(conn: Connection, username: str, password: str, role: str, settings: Settings, actor: str,
                must_change: bool = False, address: str = "") -> int:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError("Names are 2-32 characters: lower-case letters, digits, '.', '_' or '-'.")
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    check_new_password(password, settings, username)
    try:
        with conn.begin_nested():
            result = conn.execute(staff.insert().values(
                username=username, password_hash=hash_password(password), role=role, active=True,
                must_change_password=must_change, created_at=time.time()))
    except IntegrityError:
        raise AccountError(f"There is already an account called {username}.") from None
    audit.record(conn, actor, "account_created", username, f"role={role}", address)
    return result.inserted_primary_key[0]


def set_password(conn: Connection, username: str, password: str, settings: Settings, actor: str,
                 must_change: bool = False, address: str = "") -> None:
    check_new_password(password, settings, username)
    row = conn.execute(sa.select(staff.c.id).where(staff.c.username == username)).first()
    if row is None:
        raise AccountError(f"There is no account called {username}.")
    conn.execute(staff.update().where(staff.c.id == row.id).values(
        password_hash=hash_password(password), must_change_password=must_change))
    # A new password ends every session of the account.
    conn.execute(staff_session.delete().where(staff_session.c.staff_id == row.id))
    audit.record(conn, actor, "password_changed", username, "reset by admin" if actor != username else "", address)


def update_account(conn: Connection, username: str, actor: str, role: Optional[str] = None,
                   active: Optional[bool] = None, address: str = "") -> None:
    row = conn.execute(sa.select(staff).where(staff.c.username == username)).first()
    if row is None:
        raise AccountError(f"There is no account called {username}.")
    changes = {}
    if role is None and active is None:
        raise AccountError("Nothing to change: choose a role or enable/disable.")
    if role is not None:
        if role not in ROLES:
            raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
        changes["role"] = role
    if active is not None:
        changes["active"] = active
    demoting = changes.get("role", row.role) != "admin" or not changes.get("active", row.active)
    if row.role == "admin" and row.active and demoting:
        admins = conn.execute(sa.select(sa.func.count()).select_from(staff)
                              .where(staff.c.role == "admin", staff.c.active.is_(True))).scalar_one()
        if admins <= 1:
            raise AccountError("This is the last active admin account; make another admin first.")
    conn.execute(staff.update().where(staff.c.id == row.id).values(**changes))
    if changes.get("active") is False:
        conn.execute(staff_session.delete().where(staff_session.c.staff_id == row.id))
    audit.record(conn, actor, "account_changed", username, ", ".join(f"{k}={v}" for k, v in changes.items()), address)


@dataclass
class Staff:
    id: int
    username: str
    role: str
    must_change_password: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginRefused(Exception):
    """Wrong name or password, a disabled account, or too many recent failures."""

    def __init__(self, message: str, blocked: bool = False) -> None:
        super().__init__(message)
        self.blocked = blocked


def too_many_failures(conn: Connection, username: str, address: str, settings: Settings) -> bool:
    since = time.time() - settings.login_window_minutes * 60
    return (audit.count_since(conn, "login_failed", since, target=username) >= settings.login_failures_per_name
            or audit.count_since(conn, "login_failed", since, address=address) >= settings.login_failures_per_address)


# A locked-out client hammering the form adds one audit row a minute, not one per request: the
# audit log cannot be deleted from, so it must not be floodable.
BLOCKED_RECORD_EVERY_S = 60


# One password check at a time, so parallel guesses cannot all slip under the failure limit.
password_check_lock = threading.Lock()


def log_in(conn: Connection, username: str, password: str, settings: Settings, address: str,
           name_key: bytes) -> "tuple[Staff, str]":
    """Check the password and open a session; returns the account and the cookie token.

    Every refusal looks the same whether the name exists or not: the same message and status, the same
    scrypt work, and a lock-out counted per typed name (``name_key`` keys `unknown_name_key`).
    Hold `password_check_lock` around the call and its transaction.
    """
    username = (username or "").replace("\x00", "").strip().lower()[:64]
    row = conn.execute(sa.select(staff).where(staff.c.username == username)).first()
    target = username if row is not None else unknown_name_key(username, name_key)
    actor = username if row is not None else "-"
    if too_many_failures(conn, target, address, settings):
        if not audit.count_since(conn, "login_blocked", time.time() - BLOCKED_RECORD_EVERY_S, target=target,
                                 address=address):
            audit.record(conn, actor, "login_blocked", target, "too many failed attempts", address)
        raise LoginRefused(f"Too many failed attempts. Please wait {settings.login_window_minutes} minutes and try "
                           "again, or ask an admin to reset your password.", blocked=True)
    ok = check_password(password or "", row.password_hash if row is not None else prepare_dummy_hash())
    if row is None or not ok or not row.active:
        reason = "unknown name" if row is None else ("wrong password" if not ok else "account disabled")
        audit.record(conn, actor, "login_failed", target, reason, address)
        raise LoginRefused("That name and password do not match an active account.")
    token = secrets.token_urlsafe(32)
    now = time.time()
    conn.execute(staff_session.insert().values(token_hash=_token_hash(token), staff_id=row.id,
                                               csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now))
    audit.record(conn, username, "login", username, "", address)
    return Staff(row.id, row.username, row.role, bool(row.must_change_password)), token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def change_own_password(conn: Connection, member: "Staff", current: str, new: str, repeat: str, settings: Settings,
                        address: str) -> None:
    """A member of staff choosing a new password; a wrong current one counts as a failed log-in.

    Hold `password_check_lock` around the call and its transaction.
    """
    stored = conn.execute(sa.select(staff.c.password_hash).where(staff.c.id == member.id)).scalar_one()
    if too_many_failures(conn, member.username, address, settings):
        raise AccountError("Too many wrong passwords. Please wait and try again, or ask an admin to reset it.")
    if not check_password(current, stored):
        audit.record(conn, member.username, "login_failed", member.username, "wrong current password on change",
                     address)
        raise AccountError("The current password is not right.")
    if new != repeat:
        raise AccountError("The two new passwords differ.")
    if check_password(new, stored):
        raise AccountError("Choose a password different from the current one.")
    set_password(conn, member.username, new, settings, member.username, address=address)


@dataclass
class Session:
    staff: Staff
    csrf_token: str
    token_hash: str


# The idle clock is written at most once a minute, not on every request: a write per page view was
# the largest fixed cost of a page (measured with make review-bench), and idle logout needs minutes.
SESSION_TOUCH_EVERY_S = 60


def current_session(conn: Connection, token: Optional[str], settings: Settings) -> Optional[Session]:
    """The live session for a cookie token, touching its idle clock; None if absent, idle or expired."""
    if not token:
        return None
    now = time.time()
    hashed = _token_hash(token)
    row = conn.execute(
        sa.select(staff_session, staff.c.username, staff.c.role, staff.c.active, staff.c.must_change_password)
        .join(staff, staff.c.id == staff_session.c.staff_id).where(staff_session.c.token_hash == hashed)).first()
    if row is None:
        return None
    if (not row.active or now - row.last_seen_at > settings.idle_minutes * 60
            or now - row.created_at > settings.session_hours * 3600):
        conn.execute(staff_session.delete().where(staff_session.c.token_hash == hashed))
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_EVERY_S:
        conn.execute(staff_session.update().where(staff_session.c.token_hash == hashed).values(last_seen_at=now))
    return Session(Staff(row.staff_id, row.username, row.role, bool(row.must_change_password)), row.csrf_token, hashed)


def log_out(conn: Connection, session: Session, address: str) -> None:
    conn.execute(staff_session.delete().where(staff_session.c.token_hash == session.token_hash))
    audit.record(conn, session.staff.username, "logout", session.staff.username, "", address)
