"""Conversations that go on as the product invites them to: hundreds of messages in one chat, and weeks
of pumping logs, questions and check-ins, through the real servers (web chat webhook, Rasa server,
action server, SQLite store).

`marathon` is one sitting of many messages (topics, storage questions, two troubleshooting runs, a
request for a person, log entries); `weeks` is days of use with the parent's clock in each message
and the stored past moved back a day at a time (`pass_time`), so each day starts a new session and
each check-in falls due as it would. Both end with a red flag that must get the human-contact answer
and a "show my log" that must be right. Every turn's latency and every reply are kept in a `Run`,
which the tests (tests/integration/test_long_conversations.py) check and the benchmark
(eval/long_conversation.py) times.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Dict, Iterator, List, Optional, Tuple

from coach.checkins import BETTER, OFFER_BUTTONS, SAME, THREE_DAYS
from coach.clinic import clinic
from coach.pumping_log import ML_PER_OZ
from coach.replies import CHECK_NO, CHECK_YES
from harness.conversation import Conversation
from harness.server import Server

DAY_S = 24 * 3600
DIAGNOSIS_MARK = "most likely going on"
TROUBLE_MARK = "having trouble answering"
# Questions parents ask in passing, one topic each (none is a red flag, none starts troubleshooting).
QUESTIONS = [
    "how long can pumped milk stay in the fridge", "what flange size should i use", "how do i clean the pump parts",
    "is power pumping a good idea", "what suction level should i use", "is coconut oil ok on the flanges",
    "how often should i pump", "how long should a pumping session be", "how do i get a let down when pumping",
    "which pump should i buy", "can i pump to relieve engorgement", "i hate pumping so much",
    "can i refreeze thawed milk", "how do i warm frozen milk", "thanks, that helps",
]
STORAGE_QUESTIONS = ["i left pumped milk on the counter for 2 hours, is it ok", "milk has been in the fridge 2 days, still good?"]
# How one parent answers the troubleshooting and storage questions (a let-down problem: full breasts,
# milk that does not start flowing with the pump, a good pump that fits).
ANSWERS: Dict[str, str] = {
    "nursing_goes_well": "yes she nurses fine", "baby_gaining_well": "yes gaining well", "pumping_pain": "no pain",
    "breasts_feel_full": "yes they feel full", "milk_flow_starts": "no it never sprays, only drips",
    "pumping_feelings": "im calm about it", "pump_type": "spectra s1", "suction_level": "medium",
    "flange_size": "24 mm", "flange_fit": "fits fine", "away_from_baby": "no", "breasts_ever_full": "yes",
    "parts_condition": "they're fairly new", "let_down_with_baby": "yes",
    "storage_place": "fridge", "milk_state": "freshly pumped", "storage_hours": "2 hours",
}
OPENINGS = ["my breasts feel full but when i pump almost nothing comes out", "pumping gives me hardly any milk lately"]
RED_FLAG = "I have a fever of 102 and my breast is red hot and painful"
# Six sessions a day at these hours, with amounts that change from day to day so a wrong day shows.
LOG_HOURS = (6, 9, 12, 15, 18, 21)


@dataclass
class Turn:
    index: int
    text: str
    ms: float
    reply: str
    # question | storage | log | answer | check_answer | opening | handoff | checkin | checkin_answer | red_flag | show_log
    kind: str
    started: float = 0.0  # time.monotonic() when sent and answered: to match the action server's calls
    ended: float = 0.0


@dataclass
class Run:
    sender: str = ""
    turns: List[Turn] = field(default_factory=list)
    logged: List[Tuple[datetime, float]] = field(default_factory=list)  # what the parent logged: when, ml

    def troubled(self) -> List[Turn]:
        return [t for t in self.turns if TROUBLE_MARK in t.reply]

    def last(self, kind: str) -> Turn:
        return next(t for t in reversed(self.turns) if t.kind == kind)


class Driver:
    """One parent's chat: says things, answers any question put, and records each turn."""

    def __init__(self, server: Server, chat: Optional[Conversation] = None) -> None:
        self.server = server
        self.chat = chat or Conversation(server)
        self.run = Run(sender=self.chat.sender)
        self.clock: Optional[datetime] = None  # the parent's clock, sent with every message when set

    def say(self, text: str, kind: str) -> str:
        metadata = {"local_time": self.clock.strftime("%Y-%m-%dT%H:%M")} if self.clock else None
        start = time.monotonic()
        self.chat.say(text, metadata=metadata)
        end = time.monotonic()
        self.run.turns.append(Turn(len(self.run.turns) + 1, text, (end - start) * 1000, self.chat.text, kind, start, end))
        return self.chat.text

    def answer_questions(self, limit: int = 14) -> None:
        """Answer whatever question is open until none is (a form may ask several); a safety check
        gets "no", as this parent has no warning sign."""
        for _ in range(limit):
            if {CHECK_YES, CHECK_NO} <= set(self.chat.buttons):
                self.say("no", "check_answer")
                continue
            slot = self.chat.asked_question()
            if slot is None:
                return
            self.say(ANSWERS.get(slot, "not sure"), "answer")
        raise AssertionError(f"still asking after {limit} answers: {self.chat.text!r}")

    def troubleshoot(self, opening: str, checkin: Optional[str] = None) -> None:
        """An opening, every question answered, a diagnosis; then the check-in offer taken or declined."""
        self.say(opening, "opening")
        self.answer_questions()
        assert DIAGNOSIS_MARK in self.chat.text, f"no diagnosis: {self.chat.text!r}"
        offered = [b for b in self.chat.buttons if b in OFFER_BUTTONS]
        if checkin and offered:
            self.say(checkin, "checkin")

    def log(self, ml: float, hour: int) -> None:
        self.say(f"pumped {ml:g} ml at {hour % 12 or 12}{'am' if hour < 12 else 'pm'}", "log")
        assert "Logged" in self.chat.text, f"not logged: {self.chat.text!r}"
        assert self.clock is not None
        self.run.logged.append((self.clock.replace(hour=hour, minute=0), ml))

    def finish(self) -> None:
        """The end of every long run: a red flag, then the log."""
        self.say(RED_FLAG, "red_flag")
        self.say("show my log", "show_log")


def marathon(server: Server, messages: int = 500, clock: Optional[datetime] = None) -> Run:
    """One sitting of about ``messages`` messages, then the red flag and the log."""
    driver = Driver(server)
    driver.clock = clock or datetime(2026, 12, 7, 9, 0)
    plan = _marathon_plan(messages)
    for kind, text in plan:
        if len(driver.run.turns) >= messages:
            break
        if kind == "troubleshoot":
            driver.troubleshoot(text)
        elif kind == "log":
            driver.log(float(text), 6)
        else:
            driver.say(text, kind)
            driver.answer_questions()
    driver.finish()
    return driver.run


def _marathon_plan(messages: int) -> Iterator[Tuple[str, str]]:
    """Questions, storage questions and log entries in turn; troubleshooting at a third and two thirds
    of the way, a request for a person halfway."""
    for i in range(messages):
        if i in (messages // 3, 2 * messages // 3):
            yield "troubleshoot", OPENINGS[i * 3 // messages - 1]
        if i == messages // 2:
            yield "handoff", "can i talk to a person please"
        if i % 10 == 7:
            yield "log", str(30 + i % 17)
        elif i % 10 == 3:
            yield "storage", STORAGE_QUESTIONS[i % len(STORAGE_QUESTIONS)]
        else:
            yield "question", QUESTIONS[i % len(QUESTIONS)]


def day_amount(day: int, hour: int) -> float:
    """What the parent pumped at ``hour`` on day ``day``: 40-75 ml, different on each day."""
    return float(40 + (day * 7 + hour * 3) % 36)


def weeks(server: Server, weeks_: int = 8, start: date = date(2026, 10, 12),
          checkin_every_days: int = 3, checkin_timeout_s: float = 60.0) -> Run:
    """``weeks_`` weeks of use: six log entries and a question a day; a check-in every few days,
    answered when it comes; the stored past moved back a day after each day."""
    driver = Driver(server)
    days = weeks_ * 7
    for day in range(days):
        today = start + timedelta(days=day)
        for n, hour in enumerate(LOG_HOURS):
            driver.clock = datetime.combine(today, datetime.min.time()).replace(hour=hour, minute=20)
            driver.log(day_amount(day, hour), hour)
            if n == 2:
                driver.say(QUESTIONS[day % len(QUESTIONS)], "question")
                driver.answer_questions()
        if day % checkin_every_days == 0 and day + checkin_every_days < days:
            driver.troubleshoot(OPENINGS[day % len(OPENINGS)], checkin=THREE_DAYS)
        if day % checkin_every_days == checkin_every_days - 1 and day >= checkin_every_days - 1:
            pass_time(server, driver.chat.sender, DAY_S)
            _answer_checkin(driver, day, checkin_timeout_s)
        else:
            pass_time(server, driver.chat.sender, DAY_S)
    driver.clock = datetime.combine(start + timedelta(days=days - 1), datetime.min.time()).replace(hour=22)
    driver.finish()
    return driver.run


def _answer_checkin(driver: Driver, day: int, timeout_s: float) -> None:
    """Wait for the check-in that fell due, as an open chat page would, and answer it."""
    sender, server = driver.chat.sender, driver.server
    answered = sum(t.kind == "checkin_answer" for t in driver.run.turns)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        # Each new session repeats the waiting check-in's slot, and the scheduler books it again from
        # the slot's time, which the moved clock does not change: whatever waits is due now.
        make_due(server, sender)
        sent = [e for e in server.events(sender) if e.get("event") == "bot" and (e.get("metadata") or {}).get("checkin")]
        if len(sent) > answered:
            driver.say(BETTER if day % 2 else SAME, "checkin_answer")
            driver.answer_questions()
            return
        time.sleep(0.3)
    raise AssertionError(f"no check-in question within {timeout_s} s on day {day}")


def pass_time(server: Server, sender: str, seconds: float) -> None:
    """What ``seconds`` without messages look like in the store: the conversation's events and its
    check-ins that long older (every other conversation untouched)."""
    server.age_conversation(sender, seconds)
    with sqlite3.connect(server.db_path, timeout=30) as conn:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'checkin'").fetchone():
            conn.execute("UPDATE checkin SET due_at = due_at - ?, created_at = created_at - ? WHERE sender_id = ?",
                         (seconds, seconds, sender))


def make_due(server: Server, sender: str) -> int:
    """Whatever check-in of this conversation still waits is due now (the days have passed)."""
    with sqlite3.connect(server.db_path, timeout=30) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'checkin'").fetchone():
            return 0
        return conn.execute("UPDATE checkin SET due_at = ? WHERE sender_id = ? AND status = 'pending'",
                            (time.time() - 60, sender)).rowcount


def expected_week(logged: List[Tuple[datetime, float]], today: date) -> Dict[date, Tuple[float, int]]:
    """Each of the last 7 days' total (ml) and number of sessions, from what the parent logged."""
    days: Dict[date, Tuple[float, int]] = {}
    for at, ml in logged:
        if today - timedelta(days=6) <= at.date() <= today:
            total, count = days.get(at.date(), (0.0, 0))
            days[at.date()] = (round(total + ml, 1), count + 1)
    return days


def week_lines_match(reply: str, logged: List[Tuple[datetime, float]], today: date) -> List[str]:
    """What is wrong with a "show my log" reply against what was logged (empty when right)."""
    problems = []
    expected = expected_week(logged, today)
    for day, (total, count) in expected.items():
        line = f"- {day.strftime('%a %d %b')}: {total:g} ml ({total / ML_PER_OZ:.1f} oz) in {count} session"
        if line not in reply:
            problems.append(f"missing {line!r}")
    shown = [ln for ln in reply.splitlines() if ln.startswith("- ")]
    if len(shown) != len(expected):
        problems.append(f"{len(shown)} days shown, {len(expected)} logged in the last 7")
    return problems


def reaches_a_person(reply: str) -> bool:
    """The human-contact answer names the clinic's phone and the emergency number (clinic.yml); the
    channels' "having trouble" answer names them too, but is not one."""
    c = clinic()
    return c.phone in reply and c.emergency_number in reply and TROUBLE_MARK not in reply


def action_bytes(server: Server, sender: str) -> int:
    """The size of the conversation's latest session as stored: about what Rasa posts to the action
    server with each custom action (the session's events, plus the slots)."""
    with sqlite3.connect(f"file:{server.db_path}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    start = max((i for i, (kind, _) in enumerate(rows) if kind == "session_started"), default=0)
    return sum(len(data) for _, data in rows[start:])

