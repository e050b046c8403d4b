"""What a stored-milk question says about time and heat, read against the parent's clock.

`coach/storage.py` reads how long milk was kept; these are the readings that gave wrong "fine"
verdicts (issue 25, by class): the parent's own "it's 1pm" or "it's the 8th" taken for the moment
the milk was pumped; a day of the month or a month of last year not read at all; the time a feed's
leftover will be given ignored; heat ignored. Each function is plain and tested with the classes'
examples (tests/unit/test_milk_clock.py).

`dateparser` was weighed again for this: 1.1.x is the last release that fits Rasa 3.6's `regex`
pin, and it reads whole date phrases, not the parts of a sentence a parent writes ("pumped at 8:45 and
forgot it on the counter, it's 1pm" has two times and says which is now only in words); it also
misreads "yesterday morning at 7" and "on the 3rd" (DEVELOPERS.md). The phrases here are few and each
is tested, so they stay as small patterns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Tuple

from coach.negation import find_affirmed

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A day part's usual hour, when "sunday morning" names no clock time (the first named in a message wins,
# in this order).
DAY_PART_HOURS = {"morning": 8, "lunch": 12, "lunchtime": 12, "noon": 12, "midday": 12, "afternoon": 15, "evening": 19,
                  "night": 21, "tonight": 21, "bedtime": 21}
_UNIT_AFTER = (r"(?!\s*(?:h\b|hrs?\b|hours?|min|mins|minutes?|ml|oz|ounces?|days?|weeks?|months?|years?|wks?|mos?|%|"
               r"times?|degrees?|°|f\b|c\b))")
_CLOCK = r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ap>am|pm|a\.m\.?|p\.m\.?)?"
# "it's 1pm", "its 4 now", "now 15:00", "right now it's 9:30 pm", "it's the 8th", "today is the 8th",
# "it's sunday morning", "now it is noon".
_SAID_NOW = re.compile(
    r"\b(?:(?:and |but )?(?:right )?now(?: it'?s| its| it is| is)?|it'?s(?: now)?|its(?: now)?|it is(?: now)?|"
    r"currently|today is|today'?s)\s+(?:about |around |like |almost |nearly |just )?"
    r"(?:(?P<noon>noon|midday|midnight)\b|the (?P<dom>\d{1,2})(?:st|nd|rd|th)?\b|"
    r"(?P<wd>" + "|".join(WEEKDAYS) + r")(?: (?P<part>morning|afternoon|evening|night))?\b|"
    + _CLOCK + r"(?:\s*now)?\b" + _UNIT_AFTER + ")"
)
# A day of the month the milk dates from: "pumped on the 2nd", "since the 30th", "from the 3rd".
_DAY_OF_MONTH = re.compile(r"\b(?:on|since|from|pumped|expressed|dated|of) the (\d{1,2})(?:st|nd|rd|th)?\b")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
           "december")
MONTH_NAME = r"(" + "|".join(MONTHS) + r"|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
# "may last year", "march this year", "june 2025": a month whose year is said ("may" alone is a verb).
_MONTH_YEAR = re.compile(r"\b" + MONTH_NAME + r"(?: (\d{1,2})(?:st|nd|rd|th)?,?)?(?: of)? (last year|this year|(\d{4}))\b")
# "since march 1st", "pumped feb 20", "the 3rd of january": a month and a day with no year. "may" is a
# verb as often as a month, so "may" counts only with "the", an ordinal or a date word before it.
_MONTH_DAY = re.compile(r"\b(?:(?P<m1>" + MONTH_NAME[1:-1] + r")\.? (?P<d1>\d{1,2})(?P<o1>st|nd|rd|th)?"
                        r"|(?:the )?(?P<d2>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<m2>" + MONTH_NAME[1:-1] + r"))\b"
                        r"(?! ?(?:am|pm|a\.m|p\.m|[:.]\d|oz|ml|h\b|hrs?\b|hours?|mins?\b|minutes?|days?|weeks?|months?|"
                        r"years?))")
_DATE_WORD_BEFORE = re.compile(r"\b(on|since|from|dated|pumped|expressed|frozen|froze|of)\s*$")
# When the milk is to be given: "can i give her the rest at 11", "offer it again in an hour", "want to
# give it at 8 tomorrow morning". The verdict must hold then, not only when she asks.
_PLAN_AT = re.compile(r"\b(?:give|offer|feed|use|try)\b[^.?!]{0,40}?(?P<when>\b(?:at|around|by) " + _CLOCK + r"\b)"
                      + _UNIT_AFTER)
_PLAN_IN = re.compile(r"\b(?:give|offer|feed|use|try)\b[^.?!]{0,40}?(?P<when>\bin (?:about |like |another )?"
                      r"(?P<n>\d+(?:[.,]\d+)?|an?|one|two|three|half an?) ?(?P<unit>hours?|hrs?|h\b|minutes?|mins?)\b)")
_TOMORROW = re.compile(r"\b(tomorrow|tmrw|tmr|tomorow|tmorrow)\b")
_HALF_OF_DAY = re.compile(r"\b(tonight|evening|night|morning)\b")
_SMALL_NUMBERS = {"a": 1.0, "an": 1.0, "one": 1.0, "two": 2.0, "three": 3.0, "half a": 0.5, "half an": 0.5}
# Heat the CDC's room-temperature figure does not cover (it assumes up to 77 °F / 25 °C).
HOT_ABOVE_F = 77.0
# "95F", "30 °C", "95 degrees" (a bare number of degrees is read as Fahrenheit only from 78 up: "30
# degrees" may be a hot room in Celsius or a cold one in Fahrenheit, and is not taken for heat).
_TEMPERATURE = re.compile(r"\b(\d{2,3}(?:[.,]\d)?)\s*(?:(?:°|º|degrees?|deg)\s*(f|c|fahrenheit|celsius)?|"
                          r"(f|c|fahrenheit|celsius))\b", re.IGNORECASE)
_HEAT_WORDS = re.compile(r"\b(hot car|car (?:was |got |is )?(?:really |so |very )?hot|hot (?:day|outside|weather|afternoon|"
                         r"room|kitchen|office|trunk)|heat ?wave|scorching|boiling hot|baking hot|in the (?:hot )?sun|"
                         r"sunny (?:car|window|dashboard)|on the dashboard|no (?:ac|a/c|air ?con\w*)|summer car|"
                         r"in (?:the|this|that) heat|"
                         r"(?:really|so|super|very) hot (?:in|out)\w*)\b")


@dataclass(frozen=True)
class Reading:
    """A message's time words, taken apart: the parent's clock, the text left to read a moment from,
    and the hours until a leftover will be given (0 when not said)."""

    now: datetime
    text: str
    until_given: float = 0.0


def _hour_nearest(hour: int, minutes: int, device: datetime) -> float:
    """A clock time without am or pm that the parent says it is now: the reading nearest her device's."""
    current = device.hour + device.minute / 60
    readings = [h + minutes / 60 for h in (hour % 12, hour % 12 + 12)]
    return min(readings, key=lambda r: min(abs(r - current), 24 - abs(r - current)))


def _clock_value(hour: int, minutes: int, ampm: Optional[str]) -> Optional[float]:
    if hour > 23 or minutes > 59:
        return None
    if ampm:
        if hour > 12:
            return None
        return hour % 12 + (12 if ampm.startswith("p") else 0) + minutes / 60
    return None if hour < 13 else hour + minutes / 60


def said_now(text: str, device: datetime) -> Tuple[datetime, str]:
    """The parent's clock as she states it ("it's 1pm", "it's the 8th", "it's sunday morning"), and the
    text without that statement; her device's clock and the text as they were when she states none."""
    match = _SAID_NOW.search(text)
    if not match:
        return device, text
    rest = text[:match.start()] + " " + text[match.end():]
    day = device.replace(hour=0, minute=0, second=0, microsecond=0)
    if match.group("noon"):
        return day + timedelta(hours=0 if match.group("noon") == "midnight" else 12), rest
    if match.group("dom"):
        dom = int(match.group("dom"))
        if not 1 <= dom <= 31:
            return device, text
        date = _day_of_month(dom, device)
        return (device if date is None else date.replace(hour=device.hour, minute=device.minute)), rest
    if match.group("wd"):
        back = (device.weekday() - WEEKDAYS.index(match.group("wd"))) % 7
        if back == 0:  # today, as her device says: its clock is the finer one
            return device, rest
        part = match.group("part")
        return day - timedelta(days=back) + timedelta(hours=DAY_PART_HOURS[part] if part else 12), rest
    hour, minutes = int(match.group("h")), int(match.group("m") or 0)
    value = _clock_value(hour, minutes, match.group("ap"))
    if value is None:
        if hour > 12 or minutes > 59 or (match.group("m") is None and not re.search(r"\bnow\b", match.group(0))):
            return device, text  # "it's 2" with no "now" and no minutes may be anything
        value = _hour_nearest(hour, minutes, device)
    stated = day + timedelta(hours=value)
    if stated - device > timedelta(hours=12):  # "it's 11pm" said just after midnight: still last night
        stated -= timedelta(days=1)
    return stated, rest


def _day_of_month(dom: int, now: datetime) -> Optional[datetime]:
    """The latest date on day ``dom`` not after ``now`` (this month, or an earlier one)."""
    year, month = now.year, now.month
    for _ in range(3):
        try:
            date = now.replace(day=dom, hour=0, minute=0, second=0, microsecond=0)
        except ValueError:
            date = None
        if date is not None and date <= now:
            return date
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        now = now.replace(year=year, month=month, day=1, hour=23, minute=59)
    return None


def hours_since_day_of_month(text: str, now: datetime) -> Optional[float]:
    """Hours since the start of the day of the month the milk dates from ("pumped on the 2nd"): with no
    time of day said, counted from the day's start, the safe side for a "fine"."""
    match = _DAY_OF_MONTH.search(text)
    if not match:
        return None
    date = _day_of_month(int(match.group(1)), now)
    return None if date is None else (now - date).total_seconds() / 3600


def hours_since_month_day(text: str, now: datetime) -> Optional[float]:
    """Hours since a month and day said without a year ("frozen since march 1st", "pumped feb 20"): the
    latest such date not after ``now``, this year or else last year, from the day's start (the safe side
    for a "fine"). Read before the month alone, which would date "march 1st" in March a year back."""
    for match in _MONTH_DAY.finditer(text):
        name, day = (match.group("m1"), match.group("d1")) if match.group("m1") else (match.group("m2"), match.group("d2"))
        if name == "may" and match.group("m1") and not match.group("o1") and \
                not _DATE_WORD_BEFORE.search(text[:match.start()]):
            continue  # "it may 2 ..." is no date
        month = next(i for i, full in enumerate(MONTHS, 1) if full.startswith(name))
        for year in (now.year, now.year - 1):
            try:
                moment = datetime(year, month, int(day))
            except ValueError:
                return None
            if moment <= now:
                return (now - moment).total_seconds() / 3600
    return None


def hours_since_month_of_year(text: str, now: datetime) -> Optional[float]:
    """Hours since a month whose year is said ("may last year", "june 2025"): from its first day when
    no day is given, so that a bag at the edge of 12 months is never called fine on a guess."""
    match = _MONTH_YEAR.search(text)
    if not match:
        return None
    month = next(i for i, full in enumerate(MONTHS, 1) if full.startswith(match.group(1)))
    year = {"last year": now.year - 1, "this year": now.year}.get(match.group(3)) or int(match.group(4))
    try:
        moment = datetime(year, month, int(match.group(2) or 1))
    except ValueError:
        return None
    return (now - moment).total_seconds() / 3600 if moment <= now else None


def leftover_plan(text: str, now: datetime) -> Tuple[float, str]:
    """Hours from now until the milk will be given ("give her the rest at 11", "in an hour", "at 8
    tomorrow morning"), and the text without that plan (its clock time is not when the milk was kept from)."""
    match = _PLAN_IN.search(text)
    if match:
        amount = match.group("n").replace(",", ".")
        value = _SMALL_NUMBERS.get(amount) or float(amount)
        hours = value / 60 if match.group("unit").startswith("m") else value
        return hours, text[:match.start("when")] + " " + text[match.end("when"):]
    match = _PLAN_AT.search(text)
    if not match:
        return 0.0, text
    hour, minutes = int(match.group("h")), int(match.group("m") or 0)
    value = _clock_value(hour, minutes, match.group("ap"))
    # "at 8 tomorrow morning", "tomorrow at 7", "at 10 tonight": the day and the half of it, said beside the time.
    around = text[max(0, match.start() - 25):match.end("when") + 25]
    tomorrow = bool(_TOMORROW.search(around))
    half = _HALF_OF_DAY.search(text[match.end("when"):match.end("when") + 25])
    if value is None and hour <= 12 and minutes < 60:
        if half:
            value = hour % 12 + (12 if half.group(0) in ("tonight", "evening", "night") else 0) + minutes / 60
        elif tomorrow:
            value = hour % 12 + minutes / 60  # the first of the two the next day: a plan, so the sooner
        else:
            current = now.hour + now.minute / 60
            ahead = [r for r in (hour % 12 + minutes / 60, hour % 12 + 12 + minutes / 60) if r >= current]
            value = min(ahead) if ahead else None
    if value is None:
        return 0.0, text
    until = value - (now.hour + now.minute / 60)
    if tomorrow or (half and until < 0):  # a plan is ahead: "at 8 in the morning" said at 6 pm is tomorrow's
        until += 24
    return (until if until > 0 else 0.0), text[:match.start("when")] + " " + text[match.end("when"):]


# "it's like 90 out", "85 today", "was about 95 in there": the day's heat in Fahrenheit without a unit.
_WEATHER = re.compile(r"\b(?:it'?s|its|it is|it was|was|been|like|about|around|almost|over|nearly)\s+(?:like |about |around |"
                      r"almost |over |nearly |easily )?(7[89]|8\d|9\d|1[01]\d)\s*(?:out|outside|today|in there|in the car|"
                      r"out there|in here|degrees? out)\b")


def is_hot(text: str) -> bool:
    """Was the milk somewhere hotter than the CDC's room figure covers (over 77 °F / 25 °C)?"""
    if _WEATHER.search(text.lower()):
        return True
    for match in _TEMPERATURE.finditer(text):
        value = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or match.group(3) or "").lower()
        if not unit and value < HOT_ABOVE_F + 1:
            continue
        fahrenheit = value * 9 / 5 + 32 if unit.startswith("c") else value
        if fahrenheit > HOT_ABOVE_F and fahrenheit < 140:  # not a fridge's or a freezer's figure
            return True
    return find_affirmed(_HEAT_WORDS, text.lower()) is not None


def read(text: str, device: datetime) -> Reading:
    """The message's clock and what is left to read a moment from, with a leftover's plan taken out."""
    now, rest = said_now(text, device)
    until, rest = leftover_plan(rest, now)
    return Reading(now, rest, until)
