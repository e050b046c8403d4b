"""Pieces every messaging connector shares: settings from the environment, duplicate detection,
message splitting, the kind "text only" reply, and outbound HTTP with timeouts and retries."""
from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence, Set

import aiohttp
import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage

from channels import schema
from coach import content

logger = logging.getLogger(__name__)
# Senders whose last message got no answer because a person from the clinic holds the chat
# (channels/staff.py): silence is then expected, not a failure to apologise for.
HELD_WITHOUT_ANSWER: Set[str] = set()

NON_TEXT_REPLY = content.text("channel_non_text_reply")
# Outbound calls give up after this long: a platform API that hangs must not hold a parent's reply
# (or the server's event loop) hostage.
HTTP_TIMEOUT_S = 10.0
# Three tries with 0.5 s, then 1 s between them ride out a platform hiccup without delaying a
# reply by more than a few seconds.
HTTP_ATTEMPTS = 3
HTTP_BACKOFF_S = 0.5


def trouble_text() -> str:
    """What a parent sees when the assistant produced no answer at all (e.g. the action server is down)."""
    from coach.clinic import clinic  # the clinic file is read once, on first trouble

    c = clinic()
    return content.text("channel_trouble", contact_line=c.contact_line(), emergency_number=c.emergency_number)


def env_settings(names: Mapping[str, str], environ: Optional[Mapping[str, str]] = None) -> Optional[Dict[str, str]]:
    """{key: value} for {key: ENV_NAME} when every required variable is set, else None (channel off).

    Names ending in '?' are optional.
    """
    environ = os.environ if environ is None else environ
    values: Dict[str, str] = {}
    for key, name in names.items():
        optional = name.endswith("?")
        value = environ.get(name.rstrip("?"), "").strip()
        if not value and not optional:
            return None
        values[key] = value
    return values


def sql_engine(tracker_store: Any) -> Optional[sa.engine.Engine]:
    """The SQLAlchemy engine under Rasa's wrappers (fail-safe, awaitable), or None for other stores."""
    store = tracker_store
    for _ in range(4):
        if hasattr(store, "engine"):
            return store.engine
        store = getattr(store, "_tracker_store", None)
    return None


def sqlite_for_workers(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The engine to use for a database that the server's workers write many times a second.

    For a SQLite file that is a new engine on the same file that keeps its connections open between
    uses, with the database in write-ahead-log mode; any other engine comes back as it is.
    - SQLAlchemy 1.4 opens a new SQLite connection for every transaction, and closing the last
      connection of a write-ahead-logged database folds the log back into the file. Kept open (a
      queue pool, as SQLAlchemy 2.0 does by default), a connection is used by one caller at a time,
      from whichever thread (hence `check_same_thread` off).
    - In SQLite's default journal mode every commit creates, syncs and deletes a journal file, and
      no other process can read while it does. With the write-ahead log a commit appends to one file
      and syncs it once, still before it returns, so nothing committed is lost; and a commit no longer
      stops the other workers' reads. The mode is kept in the file.
    Measured on the lock store (a ticket taken and given back, two commits): 1.04 ms of CPU and
    1.73 ms of wall time before, 0.3 and 0.45 ms after (2026-11-29).
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    kept_open = sa.create_engine(engine.url, poolclass=sa.pool.QueuePool,
                                 connect_args={"check_same_thread": False})
    engine.dispose()
    try:
        with kept_open.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
    except sa.exc.OperationalError as error:
        # Another process holds the database in a transaction right now: slower, just as correct.
        logger.warning("SQLite database left in its journal mode: %s", error)
    else:
        if mode != "wal":
            logger.warning("SQLite database left in journal mode %s", mode)
    return kept_open


def app_sql_engine(app: Any) -> Optional[sa.engine.Engine]:
    """The SQL engine of a Sanic app's loaded agent; None before the model is loaded or for other stores."""
    agent = getattr(app.ctx, "agent", None) if app is not None else None
    return sql_engine(agent.tracker_store) if agent is not None else None


_seen_metadata = sa.MetaData()
seen_table = sa.Table(
    "channel_message_seen", _seen_metadata,
    sa.Column("message_key", sa.String(255), primary_key=True),
    sa.Column("seen_at", sa.Float, nullable=False, index=True),
)
# Old ids are cleared once in this many first sightings, not on every message.
_PRUNE_EVERY = 500


class SeenIds:
    """Remembers recent message ids so a platform's retry is handled once.

    With an SQL tracker store the ids are kept in its database (`channel_message_seen`), so a retry
    is recognised by whichever worker or server it reaches: `scripts/run` starts one Rasa worker per
    core, and a retry is not routed back to the worker that saw the first delivery. Without one
    (Rasa's in-memory store in a quick try-out) they are kept in this process's memory.
    """

    def __init__(self, max_items: int = 10_000, ttl_s: float = 24 * 3600, namespace: str = "") -> None:
        self.namespace = namespace  # the channel's name: one platform's ids may look like another's
        self._seen: "OrderedDict[str, float]" = OrderedDict()
        self.max_items, self.ttl_s = max_items, ttl_s
        self._engine: Optional[sa.engine.Engine] = None
        self._looked_up = False
        self._sightings = 0

    def _engine_of(self, app: Any) -> Optional[sa.engine.Engine]:
        if not self._looked_up and app is not None and getattr(app.ctx, "agent", None) is not None:
            self._engine = app_sql_engine(app)
            if self._engine is not None:
                schema.ensure(self._engine)
            self._looked_up = True
        return self._engine

    def first_time(self, key: str, app: Any = None) -> bool:
        """True the first time ``key`` is seen (``app``: the Sanic app, whose agent names the database)."""
        engine = self._engine_of(app)
        if engine is not None:
            return self._first_time_in_db(engine, f"{self.namespace}:{key}")
        now = time.monotonic()
        while self._seen and (len(self._seen) >= self.max_items or next(iter(self._seen.values())) < now - self.ttl_s):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now
        return True

    def _first_time_in_db(self, engine: sa.engine.Engine, key: str) -> bool:
        now = time.time()
        try:
            with engine.begin() as conn:
                conn.execute(seen_table.insert().values(message_key=key, seen_at=now))
        except sa.exc.IntegrityError:
            return False  # the primary key says another delivery of this message came first
        self._sightings += 1
        if self._sightings % _PRUNE_EVERY == 1:
            with engine.begin() as conn:
                conn.execute(seen_table.delete().where(seen_table.c.seen_at < now - self.ttl_s))
        return True

    def forget(self, key: str) -> None:
        """Let a retry through: handling the first delivery failed."""
        self._seen.pop(key, None)
        if self._engine is not None:
            with self._engine.begin() as conn:
                conn.execute(seen_table.delete().where(seen_table.c.message_key == f"{self.namespace}:{key}"))


def split_text(text: str, limit: int) -> List[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, line or word breaks where possible."""
    pieces: List[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def user_text(text: str) -> str:
    """Typed text as the assistant should see it: a leading '/' would pose as an intent ("/restart"),
    so every leading slash and space goes ("/ /restart" too). Nothing but slashes becomes "?"."""
    return re.sub(r"^[\s/]+", "", text).strip() or "?"


async def post_with_retry(
    url: str,
    *,
    json: Any = None,
    data: Any = None,
    headers: Optional[Dict[str, str]] = None,
    auth: Optional[aiohttp.BasicAuth] = None,
    what: str = "platform call",
) -> Optional[Dict[str, Any]]:
    """POST with a timeout; retry on network errors, 429 and 5xx; return the JSON body or None.

    Never raises: a reply that cannot be delivered is logged, and the conversation (already stored)
    goes on.
    """
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)
    for attempt in range(1, HTTP_ATTEMPTS + 1):
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                # A multipart body (aiohttp.FormData) can be sent once: pass a function that makes it.
                body_data = data() if callable(data) else data
                async with session.post(url, json=json, data=body_data, headers=headers, auth=auth) as resp:
                    if resp.status == 429 or resp.status >= 500:
                        raise aiohttp.ClientResponseError(resp.request_info, (), status=resp.status)
                    body = await resp.json(content_type=None)
                    if resp.status >= 400:
                        logger.error("%s failed with HTTP %s: %s", what, resp.status, body)
                        return None
                    return body if isinstance(body, dict) else {"result": body}
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            if attempt == HTTP_ATTEMPTS:
                logger.error("%s failed after %s attempts: %r", what, attempt, exc)
                return None
            await asyncio.sleep(HTTP_BACKOFF_S * attempt)
    return None


def button_titles(buttons: Sequence[Dict[str, Any]]) -> List[str]:
    return [str(b.get("title") or b.get("payload") or "") for b in buttons]


class VerifiedInputChannel(InputChannel):
    """What the messaging connectors share: settings from the environment (all set, or the channel
    is off and registers no routes) and the path of one verified incoming message to the assistant."""

    ENV: Mapping[str, str] = {}

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls(env_settings(cls.ENV))

    def __init__(self, settings: Optional[Dict[str, str]]) -> None:
        self.settings = settings
        self.seen = SeenIds(namespace=self.name())
        if not settings:
            needed = ", ".join(name for name in self.ENV.values() if not name.endswith("?"))
            logger.info("%s channel off: set %s to enable it", self.name(), needed)

    async def deliver(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], out: OutputChannel,
                      sender: str, message_id: str, text: Optional[str]) -> bool:
        """Hand one verified, not yet seen message to the assistant. False means "failed, let the
        platform retry": the id is forgotten so the retry is handled, and nothing was answered."""
        if not text or not text.strip():
            await out.send_text_message(sender, NON_TEXT_REPLY)
            return True
        try:
            await on_new_message(UserMessage(user_text(text), out, sender, input_channel=self.name(),
                                             metadata={"message_id": message_id}))
        except Exception:
            logger.exception("%s: handling message %s failed", self.name(), message_id)
            self.seen.forget(message_id)
            return False
        if not getattr(out, "sent", 1) and sender not in HELD_WITHOUT_ANSWER:
            await out.send_text_message(sender, trouble_text())  # the assistant produced nothing
        return True
