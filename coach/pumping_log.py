"""Pumping sessions told in plain words ("pumped 45 ml", "2 oz left and 1.5 right at 6am"), and what a
week of them says.

Plain functions, so the reading and the arithmetic are tested on their own; the conversation that
records and shows a log (issue 12) is not built yet. A log is never read out of a question: "is 45 ml
normal?" asks, it does not record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from coach.answers import looks_like_question, normalise

# 1 US fluid ounce, the unit pump bottles and parents in the US use.
ML_PER_OZ = 29.5735
# Above this one pumping session is a typo or a day's total ("450 ml"), not a session: ask instead.
MAX_SESSION_ML = 400

_NUMBER = r"(\d+(?:[.,]\d+)?|half(?: an?)?)"
_AMOUNT = re.compile(_NUMBER + r"\s*(ml|mls|milliliters?|millilitres?|cc|oz|ozs|ounces?)\b")
_SIDE = re.compile(r"\b(left|right|l|r|both( sides)?|each( side)?)\b")
_CLOCK = re.compile(r"\b(?:at|around|about)?\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\b(?:at|around)\s+(\d{1,2}):(\d{2})\b")
_DAY_PART = {"morning": time(8), "lunch": time(12, 30), "noon": time(12), "afternoon": time(15),
             "evening": time(19), "night": time(22), "midnight": time(0)}
_LOG_VERB = re.compile(r"\b(pumped|pump|got|get|gotten|made|collected|expressed|had|yielded|managed)\b")


@dataclass(frozen=True)
class Session:
    ml: float
    side: Optional[str] = None  # left | right | both
    at: Optional[datetime] = None

    @property
    def oz(self) -> float:
        return self.ml / ML_PER_OZ


def _ml(number: str, unit: str) -> float:
    value = 0.5 if number.startswith("half") else float(number.replace(",", "."))
    return value * ML_PER_OZ if unit.startswith(("oz", "ounce")) else value


def _side(word: Optional[str]) -> Optional[str]:
    if not word:
        return None
    if word in ("left", "l"):
        return "left"
    if word in ("right", "r"):
        return "right"
    return "both"


def _time_near(text: str, start: int, end: int, now: datetime) -> Optional[datetime]:
    """The clock time or day part said right after this amount (up to the next amount), or else right
    before it ("this morning i got 50 ml"), as a moment not in the future: "at 6am" said at 5 am is
    yesterday's 6 am."""
    after = text[end:]
    nxt = _AMOUNT.search(after)
    after = after[:nxt.start()] if nxt else after
    before = text[:start]
    prev = list(_AMOUNT.finditer(before))
    before = before[prev[-1].end():] if prev else before
    return _moment(after, text, now) or _moment(before, text, now)


def _moment(window: str, text: str, now: datetime) -> Optional[datetime]:
    found: Optional[time] = None
    m = _CLOCK.search(window)
    if m:
        if m.group(1):
            hour = int(m.group(1)) % 12 + (12 if m.group(3) == "pm" else 0)
            found = time(hour, int(m.group(2) or 0)) if hour < 24 else None
        else:
            hour, minute = int(m.group(4)), int(m.group(5))
            found = time(hour, minute) if hour < 24 and minute < 60 else None
    else:
        part = next((p for p in _DAY_PART if re.search(rf"\b{p}\b", window)), None)
        found = _DAY_PART.get(part) if part else None
    if found is None:
        return None
    moment = datetime.combine(now.date(), found, tzinfo=now.tzinfo)
    if re.search(r"\byesterday\b", text) or moment > now:
        moment -= timedelta(days=1)
    return moment


def read_sessions(text: str, now: datetime) -> List[Session]:
    """The sessions a message reports, or [] when it reports none (a question, no amount, a day total)."""
    clean = normalise(text)
    if looks_like_question(text) or not _AMOUNT.search(clean):
        return []
    amounts = list(_AMOUNT.finditer(clean))
    # "2 oz left and 1.5 right": a bare number right after a side-marked amount takes the same unit.
    sessions: List[Session] = []
    for i, m in enumerate(amounts):
        ml = _ml(m.group(1), m.group(2))
        after = clean[m.end():amounts[i + 1].start() if i + 1 < len(amounts) else len(clean)]
        side = _SIDE.match(after.strip())
        before = clean[amounts[i - 1].end() if i else 0:m.start()]
        side_before = re.search(r"\b(left|right)\s*(side)?\s*[:=]?\s*$", before)
        side_word = side.group(1) if side else side_before and side_before.group(1)
        if side_word and side_word.startswith("each"):
            ml *= 2  # "1 oz each side": one from each breast
        sessions.append(Session(round(ml, 1), _side(side_word), _time_near(clean, m.start(), m.end(), now)))
        tail = re.match(r"\s*(left|right)?\s*(and|&|\+|,)\s*" + _NUMBER + r"\s*(left|right)\b", after)
        if tail and not _AMOUNT.match(after[tail.start(3):]):
            sessions.append(Session(round(_ml(tail.group(3), m.group(2)), 1), _side(tail.group(4)),
                                    _time_near(clean, m.start(), m.end(), now)))
    if any(s.ml <= 0 or s.ml > MAX_SESSION_ML for s in sessions):
        return []
    if len(amounts) == 1 and not _LOG_VERB.search(clean) and not sessions[0].side:
        return []  # "120 ml bottles" names a size; a log says what was pumped
    return sessions


def daily_totals(sessions: Iterable[Session], today: date, days: int = 7) -> List[Tuple[date, float]]:
    """Millilitres per day for the last `days` days, oldest first, 0 for a day with nothing logged."""
    totals: Dict[date, float] = {today - timedelta(days=k): 0.0 for k in range(days)}
    for s in sessions:
        if s.at is not None and s.at.date() in totals:
            totals[s.at.date()] += s.ml
    return sorted(totals.items())


def trend_words(totals: Sequence[Tuple[date, float]]) -> str:
    """The week in a sentence: compares the logged days of the second half with the first half."""
    logged = [(d, ml) for d, ml in totals if ml > 0]
    if len(logged) < 4:
        return "There are not enough days logged yet to see a trend; a few more days will tell."
    half = len(logged) // 2
    first = sum(ml for _, ml in logged[:half]) / half
    second = sum(ml for _, ml in logged[half:]) / (len(logged) - half)
    change = (second - first) / first if first else 0.0
    # Within 10 % either way is the normal swing from day to day, not a change.
    if change > 0.10:
        return f"Your daily amounts are going up: about {change:.0%} more in the later days than the earlier ones."
    if change < -0.10:
        return f"Your daily amounts are going down: about {-change:.0%} less in the later days than the earlier ones."
    return "Your daily amounts are about steady."
