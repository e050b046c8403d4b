"""What Rasa's stored events mean to a reviewer: plain functions over decoded event rows.

`summarise` folds a conversation's events into the few facts the queue and the list filter on;
`transcript` turns them into the chat a reviewer reads.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Set

from coach.vocabulary import (
    FALLBACK_ACTION,
    FALLBACK_INTENT,
    HANDOFF_ACTION,
    LOW_OUTPUT_INTENT,
    PRIVACY_NOTICE_SLOT,
    PUMPING_LOG_SLOT,
    RED_FLAG_ACTION,
    RED_FLAG_INTENT,
    REQUEST_HUMAN_INTENT,
    REQUESTED_SLOT,
    STORAGE_INTENT,
)
from review.privacy import mask

# The user intents that name what a conversation was about, with the label staff see.
TOPICS: Dict[str, str] = {
    LOW_OUTPUT_INTENT: "little or no milk",
    "ask_pump_choice": "choosing a pump",
    "ask_flange_fit": "flange fit",
    "ask_let_down": "let-down",
    "express_pumping_stress": "stress",
    STORAGE_INTENT: "milk storage",
    "ask_cleaning": "cleaning",
    "ask_session_length": "session length",
    "ask_power_pumping": "power pumping",
    "ask_engorgement": "engorgement",
    "ask_suction": "suction",
    "ask_lubricant": "lubricant",
    "ask_lactation_consultant": "lactation consultant",
    REQUEST_HUMAN_INTENT: "asked for a person",
    RED_FLAG_INTENT: "red flag",
}
# The check-in's answers (coach.checkins.OUTCOMES) as staff read them.
OUTCOME_LABELS: Dict[str, str] = {"better": "better", "same": "the same", "worse": "worse", "no_reply": "no reply"}
# Slots that are the assistant's bookkeeping, not something the parent told it.
# The pumping log is shown in its own panel (each entry re-stores the whole list, so as an "answer"
# it would repeat the log at every entry).
BOOKKEEPING_SLOTS = {REQUESTED_SLOT, PRIVACY_NOTICE_SLOT, "session_started_metadata", PUMPING_LOG_SLOT,
                     "checkin_due", "checkin_from", "checkin_open"}
# Search text is capped per conversation: enough for every real chat, bounded for a flood.
SEARCH_TEXT_MAX = 20_000


@dataclass
class EventRow:
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    intent_name: Optional[str]
    action_name: Optional[str]
    data: str

    def decoded(self) -> Dict[str, Any]:
        raw = self.data or "{}"
        try:
            value = json.loads(raw)
        except ValueError:  # a damaged row must not hide the rest of the conversation
            return {}
        if not isinstance(value, dict):
            return {}
        # A parent can send NUL or a lone surrogate (JSON allows both); neither can be written to
        # PostgreSQL or sent as UTF-8. Only rows whose JSON has such escapes pay for the clean-up.
        return _clean(value) if "\\u0000" in raw or "\\ud" in raw.lower() else value


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@dataclass
class Summary:
    sender_id: str
    first_at: float
    last_at: float
    channel: Optional[str] = None
    user_messages: int = 0
    misunderstandings: int = 0
    misses_pending: int = 0
    red_flag: Optional[str] = None
    handoff: bool = False
    suspected_cause: Optional[str] = None
    topics: Set[str] = field(default_factory=set)
    attention_at: Optional[float] = None
    attention_reasons: Set[str] = field(default_factory=set)
    search_text: str = ""
    turn_missed: bool = False
    outcome: Optional[str] = None
    checked_in: bool = False

    def _needs_attention(self, reason: str, at: float) -> None:
        self.attention_reasons.add(reason)
        if self.attention_at is None:
            self.attention_at = at

    def _missed(self, at: float, threshold: int) -> None:
        self.turn_missed = True
        self.misunderstandings += 1
        self.misses_pending += 1
        if self.misses_pending >= threshold:
            self._needs_attention("misunderstood", at)

    def apply(self, row: EventRow, low_confidence: float, misses_for_attention: int) -> None:
        """Fold one event (in stored order) into the summary."""
        at = row.timestamp or self.last_at
        self.first_at = min(self.first_at, at)
        self.last_at = max(self.last_at, at)
        if row.type_name == "user":
            data = row.decoded()
            self.user_messages += 1
            self.turn_missed = False
            self.channel = data.get("input_channel") or self.channel
            text = data.get("text") or ""
            if text and len(self.search_text) < SEARCH_TEXT_MAX:
                self.search_text = (self.search_text + "\n" + mask(text).lower())[:SEARCH_TEXT_MAX].lstrip("\n")
            intent, confidence = user_intent(data, row.intent_name)
            if intent in TOPICS:
                self.topics.add(intent)
            if intent == RED_FLAG_INTENT:
                self.red_flag = self.red_flag or "unspecified"
                self._needs_attention("red_flag", at)
            if misunderstood(intent, confidence, low_confidence):
                self._missed(at, misses_for_attention)
        elif row.type_name == "bot":
            # Most bot rows are plain answers: decode only those that can carry the check-in mark.
            if '"checkin"' in (row.data or "") and (row.decoded().get("metadata") or {}).get("checkin"):
                self.checked_in = True
        elif row.type_name == "action":
            if row.action_name == RED_FLAG_ACTION:
                self.red_flag = self.red_flag or "unspecified"
                self._needs_attention("red_flag", at)
            elif row.action_name == HANDOFF_ACTION:
                self.handoff = True
                self._needs_attention("handoff", at)
            elif row.action_name == FALLBACK_ACTION and not self.turn_missed:
                self._missed(at, misses_for_attention)
        elif row.type_name == "slot":
            data = row.decoded()
            name, value = data.get("name"), data.get("value")
            if name == "red_flag" and value:
                self.red_flag = str(value)
                self._needs_attention("red_flag", at)
            elif name == "handoff_requested" and value:
                self.handoff = True
                self._needs_attention("handoff", at)
            elif name == "suspected_cause" and value:
                self.suspected_cause = str(value)
            elif name == "outcome" and value:
                self.outcome = str(value)

    def mark_reviewed(self) -> None:
        self.attention_at = None
        self.attention_reasons = set()
        self.misses_pending = 0


def user_intent(data: Dict[str, Any], column: Optional[str] = None) -> "tuple[Optional[str], Optional[float]]":
    intent = (data.get("parse_data") or {}).get("intent") or {}
    confidence = intent.get("confidence")
    return intent.get("name") or column, float(confidence) if isinstance(confidence, (int, float)) else None


def decided_by(data: Dict[str, Any]) -> Optional[str]:
    """"red-flag rule: infant", "classifier: 0.82": the step that chose the intent, as the NLU recorded it."""
    step = (data.get("parse_data") or {}).get("decided_by")
    if not isinstance(step, dict) or not step.get("step"):
        return None
    detail = str(step.get("detail") or "")
    return f"{step['step']}: {detail}" if detail else str(step["step"])


def misunderstood(intent: Optional[str], confidence: Optional[float], low_confidence: float) -> bool:
    """The NLU fell back, or was less sure than the clinic's threshold."""
    return intent == FALLBACK_INTENT or (confidence is not None and confidence < low_confidence)


@dataclass
class Item:
    """One line of a transcript."""
    kind: str  # user | bot | answer | session
    event_id: int
    at: float
    text: str = ""
    intent: Optional[str] = None
    confidence: Optional[float] = None
    tapped: bool = False  # the text is one of the quick replies just offered
    buttons: List[str] = field(default_factory=list)
    red_flag: bool = False
    handoff: bool = False
    misunderstood: bool = False
    staff: Optional[str] = None  # a message from a person at the clinic: the name the parent saw
    staff_account: Optional[str] = None  # and who sent it
    slot: Optional[str] = None
    value: Any = None
    decided_by: Optional[str] = None  # the NLU step that chose the intent ("red-flag rule: infant")


def transcript(rows: Iterable[EventRow], reveal: bool = False, low_confidence: float = 0.5) -> List[Item]:
    """The conversation as a reviewer reads it: messages, answers recorded, and what stood out."""
    shown = (lambda s: s) if reveal else mask
    items: List[Item] = []
    last_user: Optional[Item] = None
    offered: List[str] = []
    for row in rows:
        at = row.timestamp or 0.0
        if row.type_name == "user":
            data = row.decoded()
            text = data.get("text") or ""
            intent, confidence = user_intent(data, row.intent_name)
            last_user = Item("user", row.id, at, shown(text), intent, confidence, tapped=text in offered,
                             red_flag=intent == RED_FLAG_INTENT,
                             misunderstood=misunderstood(intent, confidence, low_confidence),
                             decided_by=decided_by(data))
            items.append(last_user)
            offered = []
        elif row.type_name == "bot":
            data = row.decoded()
            buttons = [str(b.get("title", "")) for b in ((data.get("data") or {}).get("buttons") or []) if isinstance(b, dict)]
            # The assistant's own words are not masked: reviewers must see which numbers it gave out.
            meta = data.get("metadata") or {}
            staff, account = meta.get("staff"), meta.get("staff_account")
            items.append(Item("bot", row.id, at, data.get("text") or "", buttons=buttons,
                              staff=str(staff) if staff else None, staff_account=str(account) if account else None))
            offered = buttons
        elif row.type_name == "action" and last_user is not None:
            # What the assistant did about the last message marks that message.
            if row.action_name == RED_FLAG_ACTION:
                last_user.red_flag = True
            elif row.action_name == HANDOFF_ACTION:
                last_user.handoff = True
            elif row.action_name == FALLBACK_ACTION:
                last_user.misunderstood = True
        elif row.type_name == "slot":
            data = row.decoded()
            name, value = data.get("name"), data.get("value")
            if name and value is not None and name not in BOOKKEEPING_SLOTS:
                items.append(Item("answer", row.id, at, slot=name, value=shown(value) if isinstance(value, str) else value,
                                  red_flag=name == "red_flag"))
        elif row.type_name == "session_started":
            items.append(Item("session", row.id, at))
    return items


def last_pumping_log(rows: Iterable[EventRow]) -> List[Dict[str, Any]]:
    """The pumping log as it stands after the conversation's last entry, correction or delete."""
    log: List[Dict[str, Any]] = []
    for row in rows:
        if row.type_name == "slot":
            data = row.decoded()
            if data.get("name") == PUMPING_LOG_SLOT and isinstance(data.get("value"), list):
                log = [e for e in data["value"] if isinstance(e, dict) and {"ml", "at"} <= set(e)]
    return log


def final_slots(items: Iterable[Item]) -> Dict[str, Any]:
    """The last value recorded for each slot: the troubleshooting answers and the verdicts."""
    values: Dict[str, Any] = {}
    for item in items:
        if item.kind == "answer":
            values[item.slot] = item.value
    return values
