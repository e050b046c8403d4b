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
from typing import Dict, Iterable, List, Optional, Tuple

from coach import content
from coach.negation import NEGATION_CUE, NEGATION_WINDOW

OUTCOMES = ("better", "same", "worse", "no_reply")

# Button titles: tapping one sends these words, read by `checkin_request` / `read_outcome` below.
MORNING = content.text("checkin_button_morning")
EVENING = content.text("checkin_button_evening")
THREE_DAYS = content.text("checkin_button_three_days")
NO_CHECKIN = content.text("checkin_button_no_checkin")
BETTER = content.text("checkin_button_better")
SAME = content.text("checkin_button_same")
WORSE = content.text("checkin_button_worse")
STOP_CHECKINS = content.text("checkin_button_stop")

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


def window_open(channel: Optional[str], last_user_ts: Optional[float], now_ts: float) -> bool:
    """Can a free-form message reach this parent now? Only WhatsApp limits it (staff replies use it too)."""
    if channel not in WHATSAPP_CHANNELS:
        return True
    return last_user_ts is not None and now_ts - last_user_ts < WHATSAPP_WINDOW_S


class Request(enum.Enum):
    SCHEDULE = "schedule"
    DECLINE = "decline"
    STOP = "stop"


_CHECKINS = r"(check[- ]?ins?|checking in|follow[- ]?ups?|reminders?)"
_STOP = re.compile(
    r"\b(stop|cancel|end|no more|turn off)( (the|my|all|these|those|your|any))?( more)? " + _CHECKINS + r"\b|"
    r"\b(don'?t|do not) (check in|check up)( on me| with me)? ?(any ?more|again|tomorrow|later)\b|"
    r"\b(don'?t|do not) (want|need|send( me)?)( (the|any|a|these|those))?( more)? " + _CHECKINS + r"\b|"
    r"\bunsubscribe\b")
_SCHEDULE = re.compile(r"\b(check (in|up) (on|with) me|check[- ]?in (tomorrow|later|in)|"
                       r"(ask|remind) me\b.{0,30}\bhow (it|things|pumping|that)|follow[- ]?up with me)\b")
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


# Monday first, as datetime.weekday() counts.
WEEKDAYS: Tuple[str, ...] = (
    content.text("checkin_weekday_monday"), content.text("checkin_weekday_tuesday"),
    content.text("checkin_weekday_wednesday"), content.text("checkin_weekday_thursday"),
    content.text("checkin_weekday_friday"), content.text("checkin_weekday_saturday"),
    content.text("checkin_weekday_sunday"),
)


def when_words(due_ts: float, now_ts: float, local_now: datetime) -> str:
    """"tomorrow (Sunday) at about 9 am", in the parent's own clock."""
    local_due = local_now.replace(tzinfo=None) + timedelta(seconds=due_ts - now_ts)
    days = (local_due.date() - local_now.date()).days
    weekday = WEEKDAYS[local_due.weekday()]
    if days == 0:
        day = content.text("checkin_day_today")
    elif days == 1:
        day = content.text("checkin_day_tomorrow", weekday=weekday)
    else:
        day = content.text("checkin_day_later", weekday=weekday)
    hour = local_due.hour % 12 or 12
    if local_due.hour < 12:
        return content.text("checkin_when_am", day=day, hour=hour)
    return content.text("checkin_when_pm", day=day, hour=hour)


# --- reading an answer ------------------------------------------------------------------------------

_QUESTION_START = re.compile(r"^\W*(is|are|what|which|how|why|when|should|can|could|do|does|will|would)\b")
# A negation reaches up to three words ahead: "not better", "it didn't get better", "I'm not sure it's
# better", "none of it helped", "no more milk than before" all say nothing improved.
_NEG = NEGATION_CUE + r"(?:\s+[\w']+){0,%d}?\s+" % NEGATION_WINDOW
_NEGATED_BETTER = re.compile(_NEG + r"(better|improv\w*|help|helped|helping|work|worked|working|more milk|a difference)\b")
_NEGATED_WORSE = re.compile(_NEG + r"(worse|less)\b|\bno longer worse\b")
_BETTER = re.compile(r"\b(better|improv\w*|more milk|more (came|comes) out|(it|that|they|this) (really )?(helped|worked)|"
                     r"(really |has |have )?helped|increased?|getting more|much more|a lot more|loads more|"
                     r"yes,? (it )?(did|does|helped|worked)|not as bad|"
                     r"(output|supply|milk|amount|it)('s| is| has| went| has gone| got)? up)\b")
_WORSE = re.compile(r"\b(worse|less (milk )?than|even less|getting less|a lot less|way less|dropped|decreas\w*|"
                    r"gone down|went down|dried up|nothing at all now|not as good|"
                    r"(output|supply|milk|amount|it)('s| is| has| went| has gone| got)? down)\b")
_SAME = re.compile(r"\b(same|no change|not changed|nothing('?s| has)? changed|hasn'?t changed|unchanged|no different|"
                   r"no difference|not really|nope|not much|still (low|little|barely|the same|nothing|struggling)|"
                   r"meh)\b")
# A wish or a plan ("i want more milk", "trying to pump better") says nothing about how things went.
_WISH = re.compile(r"\b(want|wanna|wish|hope|hoping|trying|try to|need|needs|would like|how (do|can|to))\b")
# The longest answer read: longer messages are about something else.
MAX_ANSWER_WORDS = 12


# "went from 30ml to 50ml", "from 2 oz to 1": the amounts say which way it went. A change under this
# share is the day-to-day noise of pumping, not a result.
_FROM_TO = re.compile(r"\bfrom (\d+(?:\.\d+)?) ?(ml|oz|ounces?)? to (\d+(?:\.\d+)?) ?(ml|oz|ounces?)?\b")
SAME_WITHIN = 0.1


def _amount_change(clean: str) -> Optional[str]:
    match = _FROM_TO.search(clean)
    if not match:
        return None
    before, after = float(match.group(1)), float(match.group(3))
    if before <= 0:
        return "better" if after > 0 else "same"
    ratio = after / before
    return "better" if ratio > 1 + SAME_WITHIN else ("worse" if ratio < 1 - SAME_WITHIN else "same")


def read_outcome(text: str) -> Optional[str]:
    """better | same | worse, or None when the text does not say, or says two things ("about the same,
    maybe a tiny bit better"): then the parent gets the three buttons rather than a guess."""
    clean = " ".join(text.lower().replace("\u2019", "'").split())
    if (not clean or "?" in clean or _QUESTION_START.match(clean) or len(clean.split()) > MAX_ANSWER_WORDS
            or _WISH.search(clean)):
        return None
    change = _amount_change(clean)
    if change is not None:
        return change
    negated = bool(_NEGATED_BETTER.search(clean) or _NEGATED_WORSE.search(clean))
    rest = _NEGATED_WORSE.sub(" ", _NEGATED_BETTER.sub(" ", clean))
    found = set()
    if _BETTER.search(rest):
        found.add("better")
    if _WORSE.search(rest):
        found.add("worse")
    if _SAME.search(rest) or negated:
        found.add("same")
    return found.pop() if len(found) == 1 else None


# Without a pending check-in question, only a whole message that plainly reports how things went is
# taken for its answer: "much better", "about the same", "it's getting worse", "that didn't help".
# "my nipples feel better", "same pump as before" or "pumped 40 ml, less than yesterday" (a log) are not.
_HOW = r"(much |a (tiny )?(bit|little|lot) |way |slightly |even |definitely |so much |loads |heaps |really |getting |somewhat )*"
_TAIL = (r"( now| thanks?( you)?| so far| really| i think| actually| overall| though| tbh| honestly| again|"
         r" than (before|last week|yesterday))*")
_REPORT = re.compile(
    r"^(yes,? |yeah,? |no,? |nope,? |honestly,? |um+,? |well,? )?"
    r"((it|its|things|pumping|it all|everything|output|my supply|supply)('s| is| are| has| have| feels?| seems?)?"
    r"( been| gotten| got| getting| going| become)? )?"
    r"(" + _HOW + r"(better|worse|improved)|(about |pretty much |more or less |just |still )?(the )?same"
    r"( as before)?|no (real )?(change|difference)( at all)?|nothing('?s| has)? changed|"
    r"(it |that |this |they )?(didn'?t|did not|hasn'?t|has not|doesn'?t) (really )?(help|work|change anything|"
    r"make (a|any) difference)|(it |that |this |the( \w+){1,2} )?(really )?(helped|worked)( a lot)?|"
    r"(even |a lot |way |much )?less( milk)?|more milk)" + _TAIL + r"\W*$")


def is_outcome_statement(text: str) -> bool:
    """ "Better", "about the same", "it didn't help": an answer to "how did it go?" wherever it comes."""
    clean = " ".join(text.lower().replace("\u2019", "'").split())
    return not re.search(r"\d", clean) and bool(_REPORT.match(clean)) and read_outcome(clean) is not None


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
    if window_open(channel, last_user_ts, now_ts):
        return Decision(Plan.SEND)
    if template_name:
        return Decision(Plan.TEMPLATE, f"outside WhatsApp's 24 h window: template {template_name}")
    return Decision(Plan.SKIP, "outside WhatsApp's 24 h window and no check-in template is configured "
                               "(CHECKIN_TEMPLATE_NAME / TWILIO_CHECKIN_TEMPLATE_SID)")


# --- the logged amounts before and after --------------------------------------------------------------

# Days of log looked at before the change: a week shows the usual level without last month's.
BEFORE_DAYS = 7


def _sessions(entries: Iterable[Dict[str, object]], start: datetime, end: datetime) -> List[float]:
    amounts: List[float] = []
    for entry in entries:
        try:
            at, ml = datetime.fromisoformat(str(entry["at"])), float(entry["ml"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError):
            continue
        if start <= at < end:
            amounts.append(ml)
    return amounts


def compare_log(entries: Iterable[Dict[str, object]], since: datetime, now: datetime) -> Optional[str]:
    """What the log says about before and after the advice, or None when one side has nothing logged.
    Sessions are compared, not days: the day of the advice and the morning of the check-in are only
    part days, and a steady parent would otherwise read "down 40 %"."""
    entries = list(entries)
    before = _sessions(entries, since - timedelta(days=BEFORE_DAYS), since)
    after = _sessions(entries, since, now + timedelta(minutes=1))
    if not before or not after:
        return None
    mean_before, mean_after = sum(before) / len(before), sum(after) / len(after)
    change = (mean_after - mean_before) / mean_before * 100 if mean_before else 0.0
    if abs(change) < 10:
        trend = content.text("checkin_trend_same")
    elif change > 0:
        trend = content.text("checkin_trend_up", percent=f"{change:.0f}")
    else:
        trend = content.text("checkin_trend_down", percent=f"{-change:.0f}")
    return content.text("checkin_log_comparison", before=f"{mean_before:.0f}", before_count=_count(len(before)),
                        after=f"{mean_after:.0f}", after_count=_count(len(after)), trend=trend)


def _count(n: int) -> str:
    if n == 1:
        return content.text("checkin_sessions_one", count=n)
    return content.text("checkin_sessions_many", count=n)


def question_text(cause_label: Optional[str], log_line: Optional[str]) -> str:
    if cause_label:
        text = content.text("checkin_question_about_cause", cause=cause_label)
    else:
        text = content.text("checkin_question")
    return f"{text}\n\n{log_line}" if log_line else text


OUTCOME_BUTTONS: Tuple[str, ...] = (BETTER, SAME, WORSE, STOP_CHECKINS)
OFFER_BUTTONS: Tuple[str, ...] = (MORNING, EVENING, THREE_DAYS, NO_CHECKIN)
OFFER = content.text("checkin_offer")

