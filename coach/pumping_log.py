"""Pumping sessions told in plain words ("pumped 45 ml", "2 oz left and 1.5 right at 6am"), and what a
week of them says.

Plain functions, so the reading and the arithmetic are tested on their own:
`actions/pumping_log.py` records, corrects, deletes and shows entries with them, and
`coach/log_chart.py` draws the week.
`eval/log_eval.py` measures the reader on messages written by people who never saw it. A log is
never read out of a question: "is 45 ml normal?" asks, it does not record.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from coach import content
from coach.answers import looks_like_question, normalise

# 1 US fluid ounce, the unit pump bottles and parents in the US use.
ML_PER_OZ = 29.5735
# Above this one pumping session is a typo or a day's total ("450 ml"), not a session: ask instead.
MAX_SESSION_ML = 400

_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                 "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1}
_UNIT = r"(ml|mls|mL|milliliters?|millilitres?|cc|oz|ozs|ounces?|onzas?)"
# One amount: "45 ml", "3,5 oz", "2-3 oz" (a range: its middle), "2 and a half oz", "half an ounce",
# "two ounces", or a bare number that takes its unit from the rest of the message ("35 at lunch").
_AMOUNT = re.compile(
    r"(?<![\w:.,/-])(?P<num>\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half(?: an?)?)"
    r"(?:\s*(?:-|–|to|or)\s*(?P<upper>\d+(?:[.,]\d+)?))?(?:ish)?(?P<half> and a half)?\s*(?P<unit>" + _UNIT + r")?(?![\w:])"
)
# What a bare number is when it is not an amount: a clock time, a duration, a count, a size or a level.
_NOT_AN_AMOUNT_AFTER = re.compile(r"\s*(am|pm|a\.m|p\.m|h\b|hrs?|hours?|min\w*|mins?|secs?|weeks?|wks?|days?|months?|mo\b|"
                                  r"years?|yrs?|kg|kgs|lbs?|pounds?|g\b|grams?|mm|cm|%|x\b|times|th\b|st\b|nd\b|rd\b|"
                                  r"o'?clock|bags?|bottles?|pack|percentile|wet|dirty|diapers?|nappies|feeds?|sessions?|"
                                  r"level|setting|cycles?)")
_NOT_AN_AMOUNT_BEFORE = re.compile(r"(at|@|around|about|by|since|from|until|till|level|size|setting|every|box of|pack of|"
                                   r"number|no\.|#|week|day|month|step)\s*$")
# A bag or bottle of a size is not a session: "50 lansinoh bags, 180ml each", "the 120 ml bottles".
_CONTAINER_AFTER = re.compile(r"\s*(bottles?|bags?|containers?|jars?|cups?|each(?! (side|breast|boob)))\b")
_CONTAINER_CONTEXT = re.compile(r"\b(bought|buy|order\w*|box of|pack of|hold\w*|capacity|fits?)\b")
_TOTAL_AFTER = re.compile(r"\s*(in )?(total|altogether|combined|all together|overall)\b")
_SIDE_AFTER = re.compile(r"\s*(?:from |on |off )?(?:the |my )?(left|right|lefty|righty|l|r|both|each)\b"
                         r"(?:\s*(?:side|sides|breast|breasts|boob|boobs))?")
_SIDE_BEFORE = re.compile(r"\b(left|right|l|r|lefty|righty)(?:\s*(?:side|breast|boob))?\s*(?:only)?\s*[:=-]?\s*"
                          r"(?:(?:maybe|about|around|approx\w*|like|~)\s*)?$")
_SIDE_ANYWHERE = re.compile(r"\b(both sides|both breasts|both boobs|from both|each side|left|right)\b")
_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.?|p\.m\.?)(?!\w)|(?<![\d.,])(\d{1,2}):(\d{2})(?!\d)|"
                    r"(?:\bat|@|\baround|\babout)\s*(\d{1,2})(?![\d:.,])(?!\s*" + _UNIT + r")")
_DAY_PART = {"early morning": time(5), "morning": time(8), "mornin": time(8), "am session": time(8), "lunchtime": time(12, 30),
             "lunch": time(12, 30), "noon": time(12, 30), "midday": time(12, 30), "afternoon": time(15), "evening": time(19),
             "tonight": time(22), "last night": time(22), "night": time(22), "midnight": time(0)}
_DAY_PART_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _DAY_PART), key=len, reverse=True)) + r")\b")
_QUESTION_CUE = re.compile(r"\b(is (that|this|it) (enough|normal|ok|okay|good|bad|low|too)|how (much|many|long)|normal\b|"
                           r"average|should i|enough\b|can i|can it|is \d|are \d|why)\b")


@dataclass(frozen=True)
class Session:
    ml: float
    side: Optional[str] = None  # left | right | both
    at: Optional[datetime] = None

    @property
    def oz(self) -> float:
        return self.ml / ML_PER_OZ


def _value(token: str) -> float:
    if token.startswith("half"):
        return 0.5
    if token in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token])
    return float(token.replace(",", "."))


def _side(word: Optional[str]) -> Optional[str]:
    if not word:
        return None
    if word in ("left", "l", "lefty"):
        return "left"
    if word in ("right", "r", "righty"):
        return "right"
    return "both"


@dataclass
class _Amount:
    start: int
    end: int
    value: float
    unit: Optional[str]
    side: Optional[str] = None
    each: bool = False
    total: bool = False


_REPORTED = re.compile(r"\b(pumped|pumpd|got|did|didn'?t|didnt|had|made|collected|expressed|caught|came out|was|were|"
                       r"log|add|just finished)\b")
_NOT_A_NEW_LOG = re.compile(r"\b(delete|remove|undo|erase|scratch|cancel)\b")


def _is_question(text: str, clean: str) -> bool:
    """A question with an amount in it ("is 45 ml normal?", "if i pump 30ml every 3 hours is that enough")."""
    marked = "?" in clean
    if _QUESTION_CUE.search(clean) and (marked or looks_like_question(text)):
        return True  # "is it bad that i only got 20 ml", "how much is normal? i get 70 ml"
    if marked and looks_like_question(text):
        return True
    if _QUESTION_CUE.search(clean) and not _REPORTED.search(clean):
        return True
    # "did a power pump this evening, 95 ml" reports; "do i need 90 ml" asks.
    return looks_like_question(text) and not _REPORTED.search(clean)


def _amounts(clean: str) -> List[_Amount]:
    found: List[_Amount] = []
    for m in _AMOUNT.finditer(clean):
        num, unit = m.group("num"), m.group("unit")
        if num in _WORD_NUMBERS and not unit:
            continue  # "one" or "a" without a unit is a word, not an amount
        if not num[0].isdigit() and not num.startswith("half") and unit is None:
            continue
        after, before = clean[m.end():], clean[:m.start()]
        if unit is None and (_NOT_AN_AMOUNT_AFTER.match(after) or _NOT_AN_AMOUNT_BEFORE.search(before)):
            continue
        if _CONTAINER_AFTER.match(after) or (_CONTAINER_CONTEXT.search(clean) and re.search(r"\bbags?|bottles?\b", clean)):
            continue
        value = _value(num)
        if m.group("upper"):
            value = (value + float(m.group("upper").replace(",", "."))) / 2
        if m.group("half"):
            value += 0.5
        if num.startswith("half") and unit is None:
            continue
        found.append(_Amount(m.start(), m.end(), value, unit.lower() if unit else None,
                             total=bool(_TOTAL_AFTER.match(after)) or bool(re.search(r"\btotal\s*(of\s*)?$", before))))
    return found


def _to_ml(amount: _Amount, default_unit: Optional[str]) -> Optional[float]:
    unit = amount.unit or default_unit
    if unit is None:
        # No unit anywhere: a number big enough for millilitres is millilitres; "got 4" could be ounces.
        return amount.value if amount.value >= 10 else None
    return amount.value * ML_PER_OZ if unit.startswith(("oz", "ounce", "onza")) else amount.value


def _moments(clean: str, now: datetime) -> List[Tuple[int, datetime, bool]]:
    """(position, moment, is a clock time) for each time said, as the latest such moment not in the future."""
    found: List[Tuple[int, datetime, bool]] = []
    yesterday = bool(re.search(r"\b(yesterday|yday|last night)\b", clean))
    for m in _CLOCK.finditer(clean):
        if m.group(1):
            hour, minute = int(m.group(1)) % 12 + (12 if m.group(3).startswith("p") else 0), int(m.group(2) or 0)
            hours = [hour]
        elif m.group(4):
            hour, minute = int(m.group(4)), int(m.group(5))
            hours = [hour] if hour > 12 or hour == 0 else [hour, hour + 12 if hour < 12 else 0]
        else:
            hour, minute = int(m.group(6)), 0
            hours = [hour, (hour + 12) % 24] if hour <= 12 else [hour]
        if any(h > 23 for h in hours) or minute > 59:
            continue
        window = clean[m.end():m.end() + 12]
        if re.match(r"\s*(in the )?(morning|mornin|am)\b", window):
            hours = [hours[0] % 12]
        elif re.match(r"\s*(in the )?(evening|night|afternoon|pm)\b", window):
            hours = [hours[0] % 12 + 12]
        found.append((m.start(), _latest(hours, minute, now, yesterday), True))
    for m in _DAY_PART_RE.finditer(clean):
        if any(abs(m.start() - pos) < 15 and clock for pos, _, clock in found):
            continue  # "at 9 morning": the clock says it
        part = _DAY_PART[m.group(1)]
        found.append((m.start(), _latest([part.hour], part.minute, now, yesterday or m.group(1) == "last night"), False))
    return sorted(found, key=lambda f: f[0])


def _latest(hours: Sequence[int], minute: int, now: datetime, yesterday: bool) -> datetime:
    candidates = []
    for day in ((1,) if yesterday else (0, 1)):
        for hour in hours:
            moment = datetime.combine(now.date() - timedelta(days=day), time(hour, minute), tzinfo=now.tzinfo)
            if moment <= now:
                candidates.append(moment)
    return max(candidates) if candidates else datetime.combine(now.date() - timedelta(days=1), time(hours[0], minute),
                                                             tzinfo=now.tzinfo)


def read_sessions(text: str, now: datetime) -> List[Session]:
    """The sessions a message reports, or [] when it reports none (a question, no amount, a size).

    Each amount gets its unit (or the unit said elsewhere in the message: "20ml this morning and 35 at
    lunch"), its side (said right before or after it, or once for the whole message), and its time
    (one time said for the whole message, times paired with amounts in order, or the nearest one).
    A total said beside per-side amounts is not stored twice.
    """
    clean = normalise(text)
    clean = re.sub(r"(\d+(?:[.,]\d+)?)\s*/\s*(\d+(?:[.,]\d+)?)\s*" + _UNIT + r"?\s*(left|l)\s*/\s*(right|r)\b",
                   lambda m: f"{m.group(1)} {m.group(3) or ''} left and {m.group(2)} {m.group(3) or ''} right", clean)
    if _is_question(text, clean) or _NOT_A_NEW_LOG.search(clean):
        return []
    amounts = _amounts(clean)
    if not amounts:
        return []
    units = [a.unit for a in amounts if a.unit]
    if not units and not re.search(r"\b(pumped|pump|got|get|log|add|session|maybe|about|around|approx\w*|only|left|right|"
                                   r"l|r|total)\b", clean):
        return []
    taken = 0  # a side word already read as the previous amount's ("2oz left 2oz right")
    for i, amount in enumerate(amounts):
        nxt = amounts[i + 1].start if i + 1 < len(amounts) else len(clean)
        side_after = _SIDE_AFTER.match(clean, amount.end, nxt)
        side_before = _SIDE_BEFORE.search(clean[max(taken, amounts[i - 1].end if i else 0):amount.start])
        taken = side_after.end() if side_after and not side_before else amount.end
        word = (side_before.group(1) if side_before else None) or (side_after.group(1) if side_after else None)
        amount.each = word == "each"
        amount.side = _side(word)
    if len(amounts) == 1 and amounts[0].side is None:
        anywhere = _SIDE_ANYWHERE.search(clean)
        amounts[0].side = _side(anywhere.group(1).split()[-1] if anywhere and " " in anywhere.group(1)
                                else anywhere.group(1) if anywhere else None)
        if anywhere and anywhere.group(1).startswith("each"):
            amounts[0].each = True
    if any(a.side in ("left", "right") for a in amounts):
        amounts = [a for a in amounts if not a.total] or amounts
    moments = _moments(clean, now)
    sessions: List[Session] = []
    for i, amount in enumerate(amounts):
        unit = amount.unit or _nearest_unit(amounts, i)
        ml = _to_ml(amount, unit)
        if ml is None:
            continue
        if amount.each:
            ml *= 2
        sessions.append(Session(round(ml, 1), amount.side, _moment_for(i, amounts, moments)))
    if not sessions or any(s.ml <= 0 or s.ml > MAX_SESSION_ML for s in sessions):
        return []
    return sessions


def _nearest_unit(amounts: Sequence[_Amount], i: int) -> Optional[str]:
    before = [a.unit for a in amounts[:i] if a.unit]
    after = [a.unit for a in amounts[i + 1:] if a.unit]
    return before[-1] if before else after[0] if after else None


def _moment_for(i: int, amounts: Sequence[_Amount], moments: Sequence[Tuple[int, datetime, bool]]) -> Optional[datetime]:
    if not moments:
        return None
    if len(moments) == 1:
        return moments[0][1]
    if len(moments) == len(amounts):
        return moments[i][1]  # "3am 40ml, 7am 55ml" and "20ml this morning and 35 at lunch" pair in order
    centre = (amounts[i].start + amounts[i].end) / 2
    return min(moments, key=lambda m: abs(m[0] - centre))[1]


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
        return content.text("log_trend_too_few_days")
    half = len(logged) // 2
    first = sum(ml for _, ml in logged[:half]) / half
    second = sum(ml for _, ml in logged[half:]) / (len(logged) - half)
    change = (second - first) / first if first else 0.0
    # Within 10 % either way is the normal swing from day to day, not a change.
    if change > 0.10:
        return content.text("log_trend_up", change=f"{change:.0%}")
    if change < -0.10:
        return content.text("log_trend_down", change=f"{-change:.0%}")
    return content.text("log_trend_steady")


# ---------------------------------------------------------------------------------------------------
# The log in a conversation: what a message asks of it, entries as the tracker keeps them, and the
# words the parent sees.

class LogRequest:
    LOG = "log"
    CORRECT = "correct"
    DELETE = "delete"
    SHOW = "show"


_SHOW = re.compile(r"\b(show|see|view|display|send|give|check|open|pull up|list)( me)? (my |the |our )?(last \d+ )?"
                   r"(pumping |pump )?(log|logs|entries|sessions|totals?|chart|graph|history|stats|pumps)\b|"
                   r"\b(this|last) week'?s (numbers|totals?|log|pumping)\b|"
                   r"\b(show|see|view|list)( me)? (yesterday'?s|today'?s|this week'?s) (pumps|sessions|log|totals?)\b|"
                   r"\bhow (much|many( ml| oz| ounces)?) (did|have) i (pump\w*|log\w*|collect\w*)\b|"
                   r"\bwhat (did|have) i (log|logged|pump|pumped)\b|"
                   r"\b(what'?s|whats|what is) my (daily |weekly )?(total|log|average)\b|"
                   r"\btotals? (ml |oz |ounces )?(for|of) (the )?(last|this|past|today|yesterday)\b|"
                   r"^\W*(my )?(pumping )?(log|history|totals?|stats)\W*$")
_DELETE = re.compile(r"^\W*(undo|delete( that| it)?|remove( that| it)?|scratch that)\W*$|"
                     r"\b(delete|remove|undo|erase|cancel)\b[^.?!]{0,30}\b(that|it|last|entry|one|log|session|"
                     r"what i (just )?(sent|wrote|typed|logged)|\d+ ?(ml|oz))\b")
# Said to change the last entry. "sorry" or "actually" alone is not one ("sorry, i'm not sure what you're
# asking"), nor is "wrong" ("am i doing something wrong?").
_CORRECTION_CUE = re.compile(r"\b(typo|make (that|it)|i meant|meant|correction|edit|fix (that|it|the last)|"
                             r"wrong (number|amount|side|time|one|entry)|not \d+(?![\d%])|"
                             r"(it|that) (was|should be|should have been) "
                             r"(\d|the (left|right)|both|from the|yesterday|this|last|at)|should have been|"
                             r"change (it|that|the last)|oops|(sorry|actually|no),? (it|that) was)\b")
# A habit or a complaint is not one session to log: "i only ever get 20 ml", "when i pump i get 1 oz".
_HABITUAL = re.compile(r"\b(usually|always|normally|typically|every (time|session|day)|each time|when i pump|"
                       r"i (only |just )?(ever )?(get|pump|make|produce|express)|i'?m (only )?(getting|pumping|making)|"
                       r"(still|only|just|barely) (getting|pumping|making)|"
                       r"per session|a session|per day|a day|daily|on average|gets? me|gives? me|gets?|gives|"
                       r"barely|barley|hardly|help|that'?s it|wtf|why|is (it|this|that) the pump|wrong|"
                       r"on a good day|at most|max)\b")
# Amounts about the baby (weight gained, formula top-ups) are not pumping sessions.
_BABY_AMOUNTS = re.compile(r"\b(weigh\w*|gain\w*|birth ?weight|percentile|supplement\w*|formula|top(ping)?[- ]?ups?|"
                           r"after (feeds?|feeding)|lbs?|kg|pounds?|grams?)\b")
_UNIT_SAID = re.compile(r"\d\s*(ml|mls|cc|oz|ozs|ounces?)\b|\b(ml|mls|oz|ounces?)\b")
_SIDE_WORD = re.compile(r"\b(left|right|both)\b(?! (now|away|after|then|there|here))")
_SIDE_CONTEXT = re.compile(r"\b(the |from |on )(left|right)\b|\b(left|right|both) (side|sides|breast|boob)s?\b|"
                           r"\b(left|right|both),? not\b|\bnot (just )?(left|right)\b")
# A bare number is a corrected amount only when said as one: "40 not 45", "make that 3", "meant 50".
_CORRECTED_NUMBER = re.compile(r"\d+\s*,?\s*not\s*\d+|\bnot \d+(?![\d%])|\b(make (that|it)|should (be|have been)|meant|"
                               r"change (it|that|the last( one| entry)?) to|it was|that was)\s*\d+")
# "it was 5 hours", "it was in the fridge", "it was the left flange that hurt": other questions' facts.
_OTHER_FACTS = re.compile(r"\b(hours?|hrs?|days?|fridge|freezer|counter|cooler|thawed|flange|mm|hurt\w*|sore|pain\w*|"
                          r"level|suction|weeks?|months?)\b")


def log_request(text: str, now: datetime) -> Optional[str]:
    """What a message asks of the pumping log (a ``LogRequest`` value), or None when it is not about it."""
    clean = normalise(text)
    if _SHOW.search(clean):
        return LogRequest.SHOW
    if _DELETE.search(clean):
        return LogRequest.DELETE
    sessions = read_sessions(text, now)
    if _CORRECTION_CUE.search(clean) and not _OTHER_FACTS.search(clean) and not _HABITUAL.search(clean) and (
            sessions or _CORRECTED_NUMBER.search(clean) or _SIDE_CONTEXT.search(clean) or _moments(clean, now)):
        return LogRequest.CORRECT
    if (sessions and not _HABITUAL.search(clean) and not _BABY_AMOUNTS.search(clean)
            and (_UNIT_SAID.search(clean) or _SIDE_WORD.search(clean) or re.search(r"\b(pumped|log|add)\b", clean))
            and (_REPORTED.search(clean) or _terse(clean))
            # "10-20ml total" is what pumping usually gives; a logged session has one amount.
            and not (re.search(r"\d\s*(-|–|to)\s*\d", clean) and not re.search(r"\b(pumped|got|log|add)\b", clean))):
        return LogRequest.LOG
    return None


# Words a terse log is made of ("11pm - 2.5oz", "70 L / 50 R at 4:30"); a message with more than a few
# other words is telling something else ("pumping with a hand pump gets me half an oz each side, baby
# nurses fine, is it me or the pump") and goes to the troubleshooting or a topic.
_LOG_WORDS = frozenset("ml mls ml. oz ozs ounce ounces an a half cc l r left right both each side sides total combined am pm "
                       "this morning afternoon evening night last yesterday today at around about approx maybe like "
                       "just only from and lunch lunchtime noon session pump pumping so far the my".split())
TERSE_EXTRA_WORDS = 3


def _terse(clean: str) -> bool:
    words = re.findall(r"[a-z]+", re.sub(r"\d+(?:[.,:]\d+)?\s*(ml|mls|oz|ozs|cc|am|pm)?", " ", clean))
    return sum(w not in _LOG_WORDS for w in words) <= TERSE_EXTRA_WORDS


def to_entry(session: Session, now: datetime) -> Dict[str, object]:
    """A session as the tracker keeps it (JSON): when no time was said, it was pumped just now."""
    at = (session.at or now).replace(tzinfo=None)
    return {"ml": session.ml, "side": session.side, "at": at.isoformat(timespec="minutes")}


def from_entry(entry: Dict[str, object]) -> Session:
    return Session(float(entry["ml"]), entry.get("side") or None, datetime.fromisoformat(str(entry["at"])))


def recent(entries: Sequence[Dict[str, object]], now: datetime, days: int) -> List[Dict[str, object]]:
    """The entries pumped within ``days`` days before ``now`` (or after it: a clock that is off by a
    little must not lose today's entry), in their order."""
    since = now - timedelta(days=days)
    return [e for e in entries if from_entry(e).at >= since]  # to_entry always stamps a time


def corrected(last: Dict[str, object], text: str, now: datetime) -> Dict[str, object]:
    """The last entry with what a correction says changed: "sorry that was 40 not 45", "it was the left
    side", "i meant 4am". An amount said after "not" is the wrong one."""
    clean = normalise(text)
    entry = dict(last)
    kept = re.sub(r"\bnot (the )?(\d+(?:[.,]\d+)?\s*(ml|mls|oz|ozs|ounces?|cc)?|left|right|both|\d{1,2}\s*(am|pm))\b", " ", clean)
    sessions = read_sessions(kept, now) or read_sessions(text, now)
    if sessions:
        new = sessions[0]
        amount_said = bool(re.search(r"\d", kept)) and bool(_amounts(kept))
        if amount_said and not _moments(kept, now) or amount_said and new.ml != float(last["ml"]):
            entry["ml"] = new.ml
        if new.side:
            entry["side"] = new.side
        if new.at:
            entry["at"] = new.at.replace(tzinfo=None).isoformat(timespec="minutes")
    else:
        number = _bare_number(kept)
        if number is not None:
            # "sorry, 40 not 45": a bare number takes the last entry's scale (ml above a dozen, else oz).
            entry["ml"] = round(number if number > 12 else number * ML_PER_OZ, 1)
        side = re.search(r"\b(left|right|both)\b", kept)
        if side:
            entry["side"] = _side(side.group(1))
        moments = _moments(kept, now)
        if moments:
            entry["at"] = moments[0][1].replace(tzinfo=None).isoformat(timespec="minutes")
    return entry


def _bare_number(clean: str) -> Optional[float]:
    match = re.search(r"(?<![\w:.,])(\d+(?:[.,]\d+)?)(?![\w:]|\s*(am|pm|h\b|hours?|min))", clean)
    return float(match.group(1).replace(",", ".")) if match else None


# A session's side as read back with it ("left side"); the week's lines name only left and right.
SIDE_NAMES = {"left": content.text("log_side_left"), "right": content.text("log_side_right"),
              "both": content.text("log_side_both")}
WEEK_SIDE_WORDS = {"left": content.text("log_week_left"), "right": content.text("log_week_right")}


def describe(entry: Dict[str, object], now: datetime) -> str:
    """"45 ml (1.5 oz), left side, today at 6:00 am"."""
    session = from_entry(entry)
    amount = content.text("log_amount", ml=f"{session.ml:g}", oz=f"{session.oz:.1f}")
    day = session.at.date()
    if day == now.date():
        day_name = content.text("log_today")
    elif day == now.date() - timedelta(days=1):
        day_name = content.text("log_yesterday")
    else:
        day_name = session.at.strftime("%a %d %b")
    when = content.text("log_when_at", day=day_name, time=session.at.strftime("%I:%M %p").lstrip("0").lower())
    side = SIDE_NAMES.get(session.side or "")
    if side:
        return content.text("log_entry_with_side", amount=amount, side=side, when=when)
    return content.text("log_entry", amount=amount, when=when)


def week_summary(entries: Sequence[Dict[str, object]], now: datetime, days: int = 7) -> str:
    """The last ``days`` days: each day's total and its sessions, then the trend in words."""
    sessions = [from_entry(e) for e in entries]
    totals = daily_totals(sessions, now.date(), days)
    if not any(ml for _, ml in totals):
        return content.text("log_week_empty")
    lines = [content.text("log_week_heading")]
    for day, ml in reversed(totals):
        todays = sorted((s for s in sessions if s.at and s.at.date() == day), key=lambda s: s.at)
        if not todays:
            continue
        detail = ", ".join(_week_session(s) for s in todays)
        line = "log_week_day_sessions" if len(todays) > 1 else "log_week_day_one_session"
        lines.append(content.text(line, day=day.strftime("%a %d %b"), ml=f"{ml:g}", oz=f"{ml / ML_PER_OZ:.1f}",
                                  count=len(todays), sessions=detail))
    lines.append(trend_words(totals))
    return "\n".join(lines)


def _week_session(session: Session) -> str:
    """One session in a day's line of the week: "12:30 45 ml left", "09:30 60 ml"."""
    time_, ml = session.at.strftime("%H:%M"), f"{session.ml:g}"
    if session.side in WEEK_SIDE_WORDS:
        return content.text("log_week_session_side", time=time_, ml=ml, side=WEEK_SIDE_WORDS[session.side])
    return content.text("log_week_session", time=time_, ml=ml)


def log_week(sessions: Sequence[Session], days: int = 7) -> List[Tuple[date, float]]:
    """Daily totals for the ``days`` days ending on the newest session's day: what a reader who does
    not know the parent's "today" (the clinic's review app) can show."""
    dated = [s for s in sessions if s.at is not None]
    end = max(s.at for s in dated).date() if dated else date.today()
    return daily_totals(dated, end, days)


def week_table(entries: Sequence[Dict[str, object]], days: int = 7) -> List[Dict[str, object]]:
    """One row per logged day of ``log_week``, newest first: the total in ml and oz and each session."""
    sessions = [from_entry(e) for e in entries]
    rows = []
    for day, ml in reversed(log_week(sessions, days)):
        todays = sorted((s for s in sessions if s.at and s.at.date() == day), key=lambda s: s.at)
        if todays:
            rows.append({"day": day.strftime("%a %d %b %Y"), "ml": round(ml, 1), "oz": round(ml / ML_PER_OZ, 1),
                         "sessions": [{"time": s.at.strftime("%H:%M"), "ml": s.ml, "side": s.side or ""} for s in todays]})
    return rows
