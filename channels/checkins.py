"""Check-ins that survive restarts: a table in the tracker's own database and a loop in every Rasa server.

Rasa's reminders live in memory and die with the process, so they are not used. Instead:

* the action that schedules a check-in only sets the `checkin_due` slot (an epoch time; None cancels).
  Rasa stores that event in its `events` table like any other, so a request cannot be lost between
  the action and the scheduler;
* every Rasa server runs `CheckInScheduler`: it copies new `checkin_due` events into the `checkin`
  table (one row per event, the event id unique, so two servers copying the same event make one row),
  then sends what is due. A row is sent by the server whose `UPDATE ... WHERE status = 'pending'`
  changed it, so with two servers on one database each check-in goes out once;
* sending happens under the conversation's lock, as a message from the assistant: the question with
  its buttons on Telegram or WhatsApp, or kept in the conversation for the web chat, whose page shows
  it from the history now or on the next visit. WhatsApp outside its 24 h window gets the clinic's
  approved template instead, or is skipped with the reason logged and stored when none is set;
* a check-in missed while every server was down is sent when one comes back, unless it is more than
  `MAX_LATE_S` late (then dropped, with the reason stored); one nobody answered in two days is recorded
  in the conversation as `outcome: no_reply`.

The `checkin` table is this module's own (made by channels/migrations); the review app reads it read-only.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from rasa.core.channels.channel import InputChannel
from rasa.shared.core.events import BotUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint

from channels import erasure, schema
from channels.common import sql_engine
from channels.outbound import channel_of, last_user_at, output_for, send_template
from channels.twilio_whatsapp import OFFERED
from coach import checkins as plan
from coach.replies import CAUSE_LABELS, buttons
from coach.vocabulary import (
    CHECKIN_DUE_SLOT,
    CHECKIN_FROM_SLOT,
    CHECKIN_OPEN_SLOT,
    OUTCOME_SLOT,
    PUMPING_LOG_SLOT,
    SUSPECTED_CAUSE_SLOT,
)
from serving import metrics

logger = logging.getLogger(__name__)

# How often each server looks for due check-ins. A check-in is a "tomorrow morning" question, so a
# minute late is nothing; tests shorten it with CHECKIN_POLL_S.
POLL_S = float(os.environ.get("CHECKIN_POLL_S") or 30)
# A row claimed by a server that died before finishing is looked at again after this long: long
# enough that a slow platform call of the living claimant (3 tries of 10 s) has surely ended.
STALE_CLAIM_S = 120
# A check-in whose recording fails this often (the database or the lock store keeps failing for this
# conversation) is given up, with the reason stored, rather than tried every round for 12 hours.
MAX_ATTEMPTS = 5
# Batches of events copied per round at most: a first start on a large database catches up quickly
# (200,000 events a round) without holding one round for minutes.
SYNC_BATCHES_PER_ROUND = 40
# Events looked at per round: bounds one round's work on a database that has a long backlog.
SYNC_BATCH = 5000
# Ids below the cursor looked at again each round (see CheckInStore.sync): far more events than can be
# written while one tracker save is between taking its ids and committing.
REVISIT_IDS = 1000


class LoopState:
    """When this process's check-in loop last finished a round (time.time()), for the health check
    (channels/ops.py); ``off`` says why there is no loop at all."""
    last_round: Optional[float] = None
    off: Optional[str] = None


metadata = sa.MetaData()
checkin = sa.Table(
    "checkin", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    # The `events` row that asked for it: unique, so two servers copying one event make one row.
    sa.Column("event_id", sa.Integer, nullable=False, unique=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("due_at", sa.Float, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # pending | sending | sent | template | skipped | dropped | cancelled | answered | no_reply | failed
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("claimed_by", sa.String(128)),
    sa.Column("claimed_at", sa.Float),
    sa.Column("sent_at", sa.Float),
    sa.Column("channel", sa.String(32)),
    sa.Column("reason", sa.String(255)),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),  # failed tries before it was recorded
)
# Up to which `events` id the copying has looked (one row); lets a round skip old events cheaply.
checkin_cursor = sa.Table(
    "checkin_cursor", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("event_id", sa.Integer, nullable=False),
)
_events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"),
                   sa.column("action_name"), sa.column("timestamp"), sa.column("data"))


class CheckInStore:
    """The `checkin` table: copy requests from `events`, claim due rows once, record what happened."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        schema.ensure(engine)  # its tables and the erasure requests it purges each round

    def sync_all(self, now: float) -> int:
        """Copy until the cursor reaches the newest event, or SYNC_BATCHES_PER_ROUND batches."""
        added = 0
        for _ in range(SYNC_BATCHES_PER_ROUND):
            more, caught_up = self._sync_batch(now)
            added += more
            if caught_up:
                break
        return added

    def sync(self, now: float) -> int:
        return self._sync_batch(now)[0]

    def _sync_batch(self, now: float) -> "tuple[int, bool]":
        """Copy `checkin_due` events newer than the cursor; returns how many rows were added, and whether
        the cursor has reached the newest event.

        On PostgreSQL an event id is taken when a transaction writes and becomes visible when it
        commits, so a lower id can appear after a higher one: each round looks again at the last
        `REVISIT_IDS` ids below the cursor, and an older request found late never replaces a newer one.
        """
        with self.engine.begin() as conn:
            cursor = conn.execute(sa.select(checkin_cursor.c.event_id).where(checkin_cursor.c.id == 1)).scalar()
            top = conn.execute(sa.select(sa.func.max(_events.c.id))).scalar() or 0
        start = max(0, (cursor or 0) - REVISIT_IDS)
        end = min(top, (cursor or 0) + SYNC_BATCH)
        if top == 0:
            return 0, True
        with self.engine.connect() as conn:
            copied = sa.select(checkin.c.event_id).where(checkin.c.event_id > start).scalar_subquery()
            found = conn.execute(
                sa.select(_events.c.id, _events.c.sender_id, _events.c.data)
                .where(_events.c.id > start, _events.c.id <= end, _events.c.type_name == "slot",
                       _events.c.action_name == CHECKIN_DUE_SLOT, _events.c.id.not_in(copied))
                .order_by(_events.c.id)).all()
        added = sum(self._copy(event_id, sender_id, data, now) for event_id, sender_id, data in found)
        if end > (cursor or 0):
            with self.engine.begin() as conn:
                moved = conn.execute(checkin_cursor.update().where(checkin_cursor.c.id == 1,
                                                                   checkin_cursor.c.event_id < end)
                                     .values(event_id=end)).rowcount
            if not moved and cursor is None:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(checkin_cursor.insert().values(id=1, event_id=end))
                except sa.exc.IntegrityError:
                    pass  # the other server made the row first; the next round moves it on
        return added, end >= top

    def _copy(self, event_id: int, sender_id: str, data: Optional[str], now: float) -> int:
        """One `checkin_due` event: a time books a check-in (replacing any still waiting); None (a stop,
        or the scheduler clearing the slot after sending) only cancels what waits, and makes no row."""
        try:
            value = json.loads(data or "{}").get("value")
            due = float(value) if value is not None else None
        except (ValueError, TypeError, AttributeError):
            due = None
        try:
            with self.engine.begin() as conn:
                conn.execute(checkin.update().where(checkin.c.sender_id == sender_id, checkin.c.status == "pending",
                                                    checkin.c.event_id < event_id)
                             .values(status="cancelled", reason="replaced by a newer request or stopped"))
                if due is None:
                    return 0
                # The events, not this table, say whether a newer request or stop exists: one may have been
                # copied (or made no row) before this older event became visible.
                newer = conn.execute(sa.select(_events.c.id).where(
                    _events.c.sender_id == sender_id, _events.c.type_name == "slot",
                    _events.c.action_name == CHECKIN_DUE_SLOT, _events.c.id > event_id).limit(1)).first()
                conn.execute(checkin.insert().values(event_id=event_id, sender_id=sender_id, due_at=due,
                                                     created_at=now, status="cancelled" if newer else "pending",
                                                     reason="a newer request or a stop came first" if newer else None))
            return 1
        except sa.exc.IntegrityError:
            return 0  # the other server copied this event first

    def due(self, now: float) -> List[Any]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(checkin).where(
                sa.or_(sa.and_(checkin.c.status == "pending", checkin.c.due_at <= now),
                       sa.and_(checkin.c.status == "sending", checkin.c.claimed_at < now - STALE_CLAIM_S)))
                .order_by(checkin.c.due_at)).all()

    def claim(self, row: Any, me: str, now: float) -> bool:
        """True for exactly one caller per row: the UPDATE only matches the row as this caller read it."""
        same = (checkin.c.status == "pending") if row.status == "pending" else sa.and_(
            checkin.c.status == "sending", checkin.c.claimed_at == row.claimed_at)
        with self.engine.begin() as conn:
            return conn.execute(checkin.update().where(checkin.c.id == row.id, same)
                                .values(status="sending", claimed_by=me, claimed_at=now)).rowcount == 1

    def finish(self, row_id: int, status: str, now: float, channel: Optional[str] = None, reason: str = "",
               failed: bool = False) -> None:
        values: Dict[str, Any] = {"status": status, "reason": reason[:255] or None}
        if channel is not None:
            values["channel"] = channel
        if status in ("sent", "template"):
            values["sent_at"] = now
        if failed:
            values["attempts"] = checkin.c.attempts + 1
        with self.engine.begin() as conn:
            conn.execute(checkin.update().where(checkin.c.id == row_id).values(**values))

    def close(self, row: Any, status: str, reason: str = "") -> bool:
        """Close a sent check-in as answered or no_reply. True for exactly one caller: the UPDATE only
        matches the row while it is still open as this caller read it (every worker sweeps)."""
        with self.engine.begin() as conn:
            return conn.execute(checkin.update().where(checkin.c.id == row.id, checkin.c.status == row.status)
                                .values(status=status, reason=reason[:255] or None)).rowcount == 1

    def answered_since(self, sender_id: str, since: float) -> bool:
        """Did the parent answer (an `outcome` slot event) after the check-in was sent? Read from the
        events, not the tracker: a tracker holds only its last session, and the answer may be older."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(_events.c.id).where(
                _events.c.sender_id == sender_id, _events.c.type_name == "slot", _events.c.action_name == OUTCOME_SLOT,
                _events.c.timestamp >= since).limit(1)).first() is not None

    def unanswered(self, now: float) -> List[Any]:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(checkin).where(checkin.c.status.in_(("sent", "template")),
                                                         checkin.c.sent_at < now - plan.NO_REPLY_AFTER_S)).all()

    def rows(self, sender_id: Optional[str] = None) -> List[Any]:
        query = sa.select(checkin).order_by(checkin.c.id)
        if sender_id is not None:
            query = query.where(checkin.c.sender_id == sender_id)
        with self.engine.connect() as conn:
            return conn.execute(query).all()


def template_name(channel: Optional[str]) -> Optional[str]:
    """The clinic's approved check-in template for this WhatsApp channel, if one is configured."""
    variable = {"whatsapp": "CHECKIN_TEMPLATE_NAME", "twilio_whatsapp": "TWILIO_CHECKIN_TEMPLATE_SID"}.get(channel or "")
    if variable is None:
        return None
    return (os.environ.get(variable) or "").strip() or None


def parent_clock(now: float) -> datetime:
    from coach.clinic import clinic

    try:
        zone = ZoneInfo(clinic().timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.fromtimestamp(now, timezone.utc).astimezone(zone).replace(tzinfo=None)


def question_for(tracker: DialogueStateTracker, now: float) -> str:
    cause = tracker.get_slot(SUSPECTED_CAUSE_SLOT)
    since_ts = tracker.get_slot(CHECKIN_FROM_SLOT)
    log_line = None
    if since_ts:
        # Log times are the parent's clock; without one from the channel, the clinic's is the best guess.
        log_line = plan.compare_log(tracker.get_slot(PUMPING_LOG_SLOT) or [], parent_clock(float(since_ts)),
                                    parent_clock(now))
    return plan.question_text(CAUSE_LABELS.get(cause) if cause else None, log_line)


class CheckInScheduler:
    """The loop each Rasa server runs: copy requests, send what is due, record non-answers."""

    def __init__(self, agent: Any, store: CheckInStore) -> None:
        self.agent, self.store = agent, store
        self.me = f"{socket.gethostname()}:{os.getpid()}"

    async def run_once(self, now: Optional[float] = None) -> Dict[str, int]:
        now = time.time() if now is None else now
        counts = {"copied": self.store.sync_all(now), "sent": 0, "other": 0, "no_reply": 0}
        for row in self.store.due(now):
            if not self.store.claim(row, self.me, now):
                continue  # another server has it
            status = await self._deliver(row, now)
            counts["sent" if status in ("sent", "template") else "other"] += 1
        for row in self.store.unanswered(now):
            counts["no_reply"] += await self._no_reply(row, now)
        # The parents' erasure requests the review app has had a week to see (channels/erasure.py).
        counts["erasure_requests_purged"] = erasure.purge_requests(self.store.engine, now)
        return counts

    async def _deliver(self, row: Any, now: float) -> str:
        """Record the question in the conversation first, then send it: once recorded it is never sent
        again (a server that stops in between leaves the question in the history, not a second copy)."""
        send = None
        try:
            async with self.agent.lock_store.lock(row.sender_id):
                tracker = await self.agent.tracker_store.retrieve(row.sender_id)
                status, channel, reason, send = await self._record_question(row, tracker, now)
        except Exception as err:  # noqa: BLE001 - one conversation's failure must not stop the loop
            logger.exception("check-in %s could not be recorded", row.id)
            gave_up = (row.attempts or 0) + 1 >= MAX_ATTEMPTS
            status, channel = ("failed" if gave_up else "pending"), None
            reason = f"{'gave up' if gave_up else 'will retry'} after {type(err).__name__}"
            self.store.finish(row.id, status, now, channel, reason, failed=True)
            metrics.count_checkin(status, now - row.due_at)
            return status
        if send is not None:
            try:
                await send()
            except Exception as err:  # noqa: BLE001 - recorded already: the history has it, the platform did not
                logger.exception("check-in %s recorded but not sent", row.id)
                reason = f"recorded, but the platform call failed: {type(err).__name__}"
        self.store.finish(row.id, status, now, channel, reason)
        metrics.count_checkin(status, now - row.due_at)
        if reason:
            logger.info("check-in %s: %s (%s)", row.id, status, reason)
        return status

    async def _record_question(self, row: Any, tracker: Optional[DialogueStateTracker], now: float) -> "tuple":
        """(status, channel, reason, what to send after the save or None)."""
        if tracker is None or not tracker.events:
            return "dropped", None, "the conversation no longer exists (deleted by the retention job?)", None
        if any(isinstance(e, BotUttered) and (e.metadata or {}).get("checkin") == row.id for e in tracker.events):
            return "sent", channel_of(tracker), "already in the conversation (a server stopped after recording it)", None
        if tracker.get_slot(CHECKIN_DUE_SLOT) is None:
            # Stopped, or already asked: a newer request would have replaced this row when it was copied.
            return "cancelled", None, "no longer asked for", None
        channel = channel_of(tracker)
        template = template_name(channel)
        decision = plan.plan_delivery(row.due_at, now, channel, last_user_at(tracker), template)
        if decision.plan in (plan.Plan.DROP, plan.Plan.SKIP):
            await self._record(tracker, [SlotSet(CHECKIN_DUE_SLOT, None)])
            return ("dropped" if decision.plan is plan.Plan.DROP else "skipped"), channel, decision.reason, None
        meta = {"checkin": row.id}
        if decision.plan is plan.Plan.TEMPLATE:
            message = BotUttered(f"[check-in template {template}]", metadata=meta)

            async def send() -> None:
                await send_template(channel, row.sender_id, template, what="check-in template")
        else:
            text = question_for(tracker, now)
            message = BotUttered(text, data={"buttons": buttons(*plan.OUTCOME_BUTTONS)}, metadata=meta)
            out = output_for(channel)

            async def send() -> None:
                if out is not None:  # the web chat reads it from the history
                    await out.send_response(row.sender_id, {"text": text, "buttons": buttons(*plan.OUTCOME_BUTTONS)})
        await self._record(tracker, [message, SlotSet(CHECKIN_DUE_SLOT, None), SlotSet(CHECKIN_OPEN_SLOT, True)])
        status = "template" if decision.plan is plan.Plan.TEMPLATE else "sent"
        return status, channel, decision.reason, send

    async def _no_reply(self, row: Any, now: float) -> int:
        if self.store.answered_since(row.sender_id, row.sent_at):
            self.store.close(row, "answered")
            return 0
        # The row is closed before the conversation is written: two workers sweeping at once would
        # otherwise both record no_reply, and the second would then take the first's no_reply slot for
        # the parent's answer and mark the row answered (seen in CI with two workers).
        if not self.store.close(row, "no_reply", "no answer within 48 h"):
            return 0  # another worker or server closed it first
        metrics.count_checkin("no_reply", 0.0)
        async with self.agent.lock_store.lock(row.sender_id):
            tracker = await self.agent.tracker_store.retrieve(row.sender_id)
            if tracker is not None and tracker.events:
                await self._record(tracker, [SlotSet(OUTCOME_SLOT, "no_reply"), SlotSet(CHECKIN_OPEN_SLOT, False)])
        return 1

    async def _record(self, tracker: DialogueStateTracker, events: list) -> None:
        for event in events:
            tracker.update(event)
        await self.agent.tracker_store.save(tracker)

    async def loop(self) -> None:
        while True:
            try:
                counts = await self.run_once()
                LoopState.last_round = time.time()
                if any(counts.values()):
                    logger.info("check-ins: %s", counts)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a database hiccup: the next round tries again
                logger.exception("check-in round failed")
            await asyncio.sleep(POLL_S)


class CheckInInput(InputChannel):
    """Not a channel parents write to: the hook that starts the scheduler with the Rasa server."""

    @classmethod
    def name(cls) -> Text:
        return "checkins"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: Any) -> Blueprint:
        bp = Blueprint("checkins", __name__)

        @bp.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            app.ctx.checkin_task = asyncio.create_task(_start_when_ready(app))

        @bp.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            task = getattr(app.ctx, "checkin_task", None)
            if task is not None:
                task.cancel()

        return bp


async def _start_when_ready(app: Any) -> None:
    while getattr(app.ctx, "agent", None) is None or not app.ctx.agent.is_ready():
        await asyncio.sleep(1)
    engine = sql_engine(app.ctx.agent.tracker_store)
    if engine is None:
        LoopState.off = "they need an SQL tracker store (SQLite or PostgreSQL) to survive restarts"
        logger.warning("check-ins off: %s", LoopState.off)
        return
    store = CheckInStore(engine)
    OFFERED.use_database(engine)  # a check-in's numbered options, read by whichever worker gets the "1"
    await CheckInScheduler(app.ctx.agent, store).loop()
