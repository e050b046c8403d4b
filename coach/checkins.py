"""Check-ins after a diagnosis: when to ask, whether a late one is still worth sending, how an answer
reads, and what the logged amounts say. Plain functions; the Rasa server's scheduler
(channels/checkins.py) and the actions (actions/checkins.py) only move values in and out.

Reading an answer ("better", "no change", "not really", "even less than before") is a short list of
phrase patterns, with negation handled where it changes the meaning: "not better" and "no better"
mean the same, "not worse" and "no worse" mean the same too (nothing improved, nothing got worse).
Anything that says both ("better on the left, worse on the right") is left unread, and the parent
gets the buttons again rather than a guessed outcome.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, Iterable, Optional, Tuple

OUTCOMES = ("better", "same", "worse", "no_reply")

# Button titles: tapping one sends these words, read by `checkin_request` / `read_outcome` below.
MORNING = "Tomorrow morning"
EVENING = "Tomorrow evening"
THREE_DAYS = "In 3 days"
NO_CHECKIN = "No check-in, thanks"
BETTER, SAME, WORSE = "Better", "About the same", "Worse"
STOP_CHECKINS = "Stop the check-ins"

# Local clock hours for "morning" and "evening": after the usual first pumping session, and before
# the last one of the day, so the question does not land in the middle of the night.
MORNING_HOUR, EVENING_HOUR = 9, 19
# Before this hour, "tomorrow morning" said at night means the coming morning, not the one after.
NIGHT_ENDS_HOUR = 5
# A check-in missed because every server was down is still sent up to this late; later than that it
# could arrive at night or long after the parent has moved on, so it is dropped with a reason.
MAX_LATE_S = 12 * 3600
# A check-in nobody answered within two days is recorded as `no_reply` (the review app counts it).
NO_REPLY_AFTER_S = 48 * 3600
# WhatsApp (Meta and Twilio) accepts free-form messages only this long after the parent's last one.
WHATSAPP_WINDOW_S = 24 * 3600
WHATSAPP_CHANNELS = ("whatsapp", "twilio_whatsapp")


class Request(enum.Enum):
    SCHEDULE = "schedule"
    DECLINE = "decline"
    STOP = "stop"


_STOP = re.compile(r"\b(stop|cancel|no more|don'?t|do not|unsubscribe)\b.{0,30}\b(check[- ]?ins?|checking in|"
                   r"follow[- ]?ups?|reminders?)\b|\bunsubscribe\b")
_SCHEDULE = re.compile(r"\b(check (in|up) (on|with) me|check[- ]?in (tomorrow|later|in)|ask me (tomorrow|later|in)|"
                       r"remind me (tomorrow|later|in)|follow[- ]?up (tomorrow|later|in))\b")
_CHOICE = re.compile(r"^\W*(tomorrow (morning|evening|night|afternoon)|in (3|three) days)\W*$")


def checkin_request(text: str) -> Optional[Request]:
    """What a message asks of the check-ins, if anything: "Tomorrow morning" (the offer's button),
    "check in with me tomorrow", "stop the check-ins". A bare "no" is only a decline where the caller
    knows a check-in was just offered, so it is not read here."""
    clean = " ".join(text.lower().split())
    if _STOP.search(clean):
        return Request.STOP
    if clean.startswith("no") and re.search(r"\bcheck[- ]?ins?\b", clean):
        return Request.DECLINE
    if _CHOICE.match(clean) or _SCHEDULE.search(clean):
        return Request.SCHEDULE
    return None


def choice_of(text: str) -> str:
    """morning | evening | three_days, from the words of a schedule request (morning when unsaid)."""
    clean = text.lower()
    if re.search(r"\b(3|three) days\b", clean):
        return "three_days"
    if re.search(r"\b(evening|night|afternoon|tonight)\b", clean):
        return "evening"
    return "morning"


def due_at(choice: str, local_now: datetime, now_ts: float) -> float:
    """When to check in (epoch seconds), from the parent's own clock: the local hour is what matters
    to them, so the difference between their clock and the server's is kept as it is."""
    day = local_now.date() + timedelta(days=3 if choice == "three_days" else 1)
    if choice != "three_days" and local_now.hour < NIGHT_ENDS_HOUR:
        day = local_now.date()  # "tomorrow morning" said at 1 am
    hour = EVENING_HOUR if choice == "evening" else MORNING_HOUR
    target = datetime.combine(day, datetime.min.time()).replace(hour=hour)
    return now_ts + (target - local_now.replace(tzinfo=None)).total_seconds()


def when_words(due_ts: float, now_ts: float, local_now: datetime) -> str:
    """"tomorrow (Sunday) at about 9 am", in the parent's own clock."""
    local_due = local_now.replace(tzinfo=None) + timedelta(seconds=due_ts - now_ts)
    days = (local_due.date() - local_now.date()).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"on {local_due:%A}")
    if days == 1:
        day += f" ({local_due:%A})"
    hour = local_due.hour % 12 or 12
    return f"{day} at about {hour} {'am' if local_due.hour < 12 else 'pm'}"


# --- reading an answer ------------------------------------------------------------------------------

_QUESTION_START = re.compile(r"^\W*(is|are|what|which|how|why|when|should|can|could|do|does|will|would)\b")
_NOT = r"(not|no|isn'?t|wasn'?t|hasn'?t|haven'?t|didn'?t|not any|any)"
_BETTER = re.compile(r"\b(better|improv\w*|more milk|more (came|comes) out|(it|that|they|this) (really )?(helped|worked)|"
                     r"has helped|up from|increased?|getting more|much more|a lot more|loads more|"
                     r"yes,? (it )?(did|does|helped|worked))\b")
_WORSE = re.compile(r"\b(worse|less (milk )?than|even less|getting less|dropped|decreas\w*|down to|"
                    r"gone down|dried up|nothing at all now)\b")
_SAME = re.compile(r"\b(same|no change|not changed|nothing('?s| has)? changed|hasn'?t changed|unchanged|no different|"
                   r"no difference|not really|nope|didn'?t (help|work|change)|doesn'?t (help|work)|not much|"
                   r"still (low|little|barely|the same|nothing)|meh)\b")
_NEGATED_BETTER = re.compile(rf"\b{_NOT} (really |much |any |at all )?(better|improv\w*)\b")
_NEGATED_WORSE = re.compile(rf"\b{_NOT} (really |much |any )?worse\b")
# The longest answer read without a pending check-in question: longer messages are about something
# else ("is it better to pump before or after a feed?" is a question, not an outcome).
MAX_ANSWER_WORDS = 12


def read_outcome(text: str) -> Optional[str]:
    """better | same | worse, or None when the text does not say (or says two things)."""
    clean = " ".join(text.lower().replace("’", "'").split())
    if not clean or "?" in clean or _QUESTION_START.match(clean) or len(clean.split()) > MAX_ANSWER_WORDS:
        return None
    negated_better = bool(_NEGATED_BETTER.search(clean))
    negated_worse = bool(_NEGATED_WORSE.search(clean))
    rest = _NEGATED_WORSE.sub(" ", _NEGATED_BETTER.sub(" ", clean))
    found = set()
    if _BETTER.search(rest):
        found.add("better")
    if _WORSE.search(rest):
        found.add("worse")
    if _SAME.search(rest) or negated_better or negated_worse:
        found.add("same")
    if found == {"better", "same"} and not negated_better:
        found = {"better"}  # "better, same routine as before": the change is what was asked
    return found.pop() if len(found) == 1 else None


# Without a pending check-in question, only a plain report of how things went is taken for its
# answer: a short one ("much better", "about the same") or a sentence saying what changed ("it's
# getting better", "that didn't help"). A wish ("i want to pump better") or a request is not one.
_STATEMENT = re.compile(
    r"\b(it|things|pumping|output|supply|that|this|everything|milk)('s| is| are| has| have| got| feels?| seems?)? ?"
    r"(been |gotten |getting |going |a (bit|little|lot) |much |way |even |slightly |so |definitely )*"
    r"(better|worse|the same|improved)\b|\b(didn'?t|did not|hasn'?t|has not) (help|work|change)|\bno change\b|"
    r"\bnothing('?s| has)? changed\b|\b(it|that|this|they) (really )?(helped|worked)\b")
_WISH = re.compile(r"\b(want|wanna|wish|trying|try to|need|how|help me|could|should|would)\b")
# Up to this many words, a message that reads as an outcome and names the change is a report of one;
# a bare "nope" or "not really" could answer any question, so it is not.
SHORT_REPORT_WORDS = 6
_NAMES_CHANGE = re.compile(r"\b(better|worse|same|change[ds]?|improv\w*|help(ed|s)?|work(ed|s)?|more|less)\b")


def is_outcome_statement(text: str) -> bool:
    """ "Better", "about the same", "it didn't help": an answer to "how did it go?" wherever it comes."""
    clean = " ".join(text.lower().replace("\u2019", "'").split())
    if read_outcome(clean) is None or _WISH.search(clean):
        return False
    short = len(clean.split()) <= SHORT_REPORT_WORDS and bool(_NAMES_CHANGE.search(clean))
    return short or bool(_STATEMENT.search(clean))


# --- sending ----------------------------------------------------------------------------------------


class Plan(enum.Enum):
    SEND = "send"            # a free-form message on the parent's channel (or the web chat's history)
    TEMPLATE = "template"    # WhatsApp outside its window: the clinic's approved template
    SKIP = "skip"            # cannot reach the parent now and never will for this one
    DROP = "drop"            # too late to be useful


@dataclass(frozen=True)
class Decision:
    plan: Plan
    reason: str = ""


def plan_delivery(due_ts: float, now_ts: float, channel: Optional[str], last_user_ts: Optional[float],
                  template_name: Optional[str]) -> Decision:
    late = now_ts - due_ts
    if late > MAX_LATE_S:
        return Decision(Plan.DROP, f"missed by {late / 3600:.0f} h (servers were down); more than "
                                   f"{MAX_LATE_S // 3600} h late is no longer useful")
    if channel not in WHATSAPP_CHANNELS:
        return Decision(Plan.SEND)
    if last_user_ts is not None and now_ts - last_user_ts < WHATSAPP_WINDOW_S:
        return Decision(Plan.SEND)
    if template_name:
        return Decision(Plan.TEMPLATE, f"outside WhatsApp's 24 h window: template {template_name}")
    return Decision(Plan.SKIP, "outside WhatsApp's 24 h window and no check-in template is configured "
                               "(CHECKIN_TEMPLATE_NAME / TWILIO_CHECKIN_TEMPLATE_SID)")


# --- the logged amounts before and after --------------------------------------------------------------

# Days of log looked at before the change: a week shows the usual level without last month's.
BEFORE_DAYS = 7


def _per_day(entries: Iterable[Dict[str, object]], start: datetime, end: datetime) -> Dict[str, float]:
    days: Dict[str, float] = {}
    for entry in entries:
        try:
            at, ml = datetime.fromisoformat(str(entry["at"])), float(entry["ml"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            continue
        if start <= at < end:
            days[at.date().isoformat()] = days.get(at.date().isoformat(), 0.0) + ml
    return days


def compare_log(entries: Iterable[Dict[str, object]], since: datetime, now: datetime) -> Optional[str]:
    """What the log says about before and after the advice, or None when one side has nothing logged.
    Days are compared as daily totals, so three sessions logged one day and one the next still compare."""
    entries = list(entries)
    before = _per_day(entries, since - timedelta(days=BEFORE_DAYS), since)
    after = _per_day(entries, since, now + timedelta(minutes=1))
    if not before or not after:
        return None
    mean_before = sum(before.values()) / len(before)
    mean_after = sum(after.values()) / len(after)
    change = (mean_after - mean_before) / mean_before * 100 if mean_before else 0.0
    trend = "about the same" if abs(change) < 10 else (f"up about {change:.0f} %" if change > 0
                                                       else f"down about {-change:.0f} %")
    return (f"Your log shows about {mean_before:.0f} ml a day before my suggestions ({_days(len(before))}) and "
            f"{mean_after:.0f} ml a day since ({_days(len(after))}): {trend}.")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''} logged"


def question_text(cause_label: Optional[str], log_line: Optional[str]) -> str:
    about = f" (we looked at {cause_label})" if cause_label else ""
    text = (f"Hi, it's the pumping coach checking in as promised{about}. Since we talked, is pumping going "
            "better, about the same, or worse?")
    return f"{text}\n\n{log_line}" if log_line else text


OUTCOME_BUTTONS: Tuple[str, ...] = (BETTER, SAME, WORSE, STOP_CHECKINS)
OFFER_BUTTONS: Tuple[str, ...] = (MORNING, EVENING, THREE_DAYS, NO_CHECKIN)
OFFER = ("Shall I check in with you to ask how it went? Pick a time, and I'll send you one short question "
         "then. You can stop it any time.")

