"""Is stored breast milk still OK? A verdict from where it was kept, for how long, and its state.

Official figures are the CDC's (adapted from the Academy of Breastfeeding Medicine, protocol 8); they
decide the verdict because they are stricter. The article's informal "Rule of 6" is shown beside them
so a parent who has heard it understands why the answer differs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from itertools import product
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

import yaml

from coach import content, milk_clock
from coach.negation import find_affirmed
from coach.safety import normalise

HOUR = 1.0
DAY = 24 * HOUR
WEEK = 7 * DAY
MONTH = 30 * DAY
YEAR = 365 * DAY

PLACES = ("room", "fridge", "freezer", "deep_freezer", "cooler")
# Somewhere hotter than the CDC's room figure covers (a hot car, a heat wave, over 77 °F / 25 °C). Read
# from the parent's words (coach/milk_clock.py), never asked: a parent in the heat says so.
HOT = "hot"
STATES = ("fresh", "thawed", "leftover")
# The words for each place and state are in content/en/storage.yml.
PLACE_NAMES = {
    "room": content.text("place_room"),
    "fridge": content.text("place_fridge"),
    "freezer": content.text("place_freezer"),
    "deep_freezer": content.text("place_deep_freezer"),
    "cooler": content.text("place_cooler"),
    HOT: content.text("place_hot"),
}
# At the start of a sentence, and inside one.
STATE_NAMES = {
    "fresh": content.text("state_fresh"),
    "thawed": content.text("state_thawed"),
    "leftover": content.text("state_leftover"),
}
STATE_IN_SENTENCE = {
    "fresh": content.text("state_fresh_in_sentence"),
    "thawed": content.text("state_thawed_in_sentence"),
    "leftover": content.text("state_leftover_in_sentence"),
}
# One word for a state, in a list of the states a verdict covers ("fresh, thawed or left over").
STATE_WORDS = {
    "fresh": content.text("state_word_fresh"),
    "thawed": content.text("state_word_thawed"),
    "leftover": content.text("state_word_leftover"),
}


class Verdict(str, Enum):
    FINE = "fine"
    USE_SOON = "use_soon"
    THROW_AWAY = "throw_away"


@dataclass(frozen=True)
class Limit:
    fine_until: float  # hours: comfortably safe up to here
    use_by: float  # hours: the official outer limit
    official: str  # the official figure, as said to the parent
    article: Optional[str]  # the article's figure, where it gives one
    authority: str  # who gives the figure, as said before it (storage_limits.yml `authorities`)


# A table file of the content folder: its figures as a parent reads them (`told`, `authorities`, the
# refreeze answer) are words to translate; its durations are the same in every language.
LIMITS_FILE = content.table_path("storage_limits.yml")
_UNITS = {"minute": HOUR / 60, "hour": HOUR, "day": DAY, "month": MONTH, "year": YEAR}


def parse_duration(text: str) -> float:
    """Hours in a table duration such as "3 hours", "30 minutes" or "1 year"."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(minute|hour|day|month|year)s?\s*", str(text))
    if not match:
        raise ValueError(f"{LIMITS_FILE.name}: {text!r} is not a duration like '4 hours'")
    return float(match.group(1)) * _UNITS[match.group(2)]


def load_limits(path: Path = LIMITS_FILE) -> Tuple[Dict[Tuple[str, str], Limit], str]:
    """The table of limits and the refreeze answer, checked as they are read."""
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    limits: Dict[Tuple[str, str], Limit] = {}
    for row in table["limits"]:
        key = (row["state"], row["place"])
        if key[0] not in STATES or key[1] not in PLACE_NAMES:
            raise ValueError(f"{path.name}: unknown state or place in {row}")
        if key in limits:
            raise ValueError(f"{path.name}: {key} appears twice")
        if row["source"] not in table["sources"]:
            raise ValueError(f"{path.name}: {key} cites an unknown source {row['source']!r}")
        limit = Limit(parse_duration(row["fine_until"]), parse_duration(row["use_by"]), row["told"],
                      row.get("article"), table["authorities"][row.get("authority", "cdc")])
        if not 0 < limit.fine_until <= limit.use_by:
            raise ValueError(f"{path.name}: {key} must have 0 < fine_until <= use_by")
        limits[key] = limit
    return limits, " ".join(str(table["refreeze"]["told"]).split())


# The CDC gives an outer limit; "fine" stops earlier so that "use it soon" warns before the limit.
LIMITS, REFREEZE_TEXT = load_limits()


@dataclass(frozen=True)
class StorageAnswer:
    verdict: Verdict
    text: str


def judge(place: str, state: str, hours: float) -> StorageAnswer:
    """The verdict for milk in ``state`` kept at ``place`` for ``hours``."""
    if state == "thawed" and place in ("freezer", "deep_freezer"):
        return StorageAnswer(Verdict.THROW_AWAY, REFREEZE_TEXT)
    limit = LIMITS[(state, place)]
    if hours <= limit.fine_until:
        verdict, lead = Verdict.FINE, content.text("storage_fine")
    elif hours <= limit.use_by:
        verdict, lead = Verdict.USE_SOON, content.text("storage_use_soon")
    else:
        verdict, lead = Verdict.THROW_AWAY, content.text("storage_throw_away")
    said = {"milk": STATE_NAMES[state], "place": PLACE_NAMES[place], "authority": limit.authority,
            "figure": limit.official}
    if limit.article:
        figures = content.text("storage_figures_rule_of_6", article=limit.article, **said)
    else:
        figures = content.text("storage_figures", **said)
    return StorageAnswer(verdict, content.text("storage_verdict", lead=lead, duration=describe_hours(hours),
                                               figures=figures))


# Durations tried for an unknown time: enough points to cross every limit above once.
_HOUR_GRID = (0.25, 0.75, 1.5, 2.5, 3.5, 5, 10, 20, 30, 60, 90, 110, 24 * 30, 24 * 200, 24 * 400)
FACTS = ("place", "state", "hours")


def _possible_states(place: Optional[str]) -> List[str]:
    """States an unknown batch may be in. Milk in a freezer is frozen milk: "thawed" or "left over" would
    have been said, so asking about them only delays the answer. A cooler carries milk from where it
    was pumped or thawed; what a baby left over is not packed on ice for later, so it is not asked
    about there (and fresh and thawed milk share the cooler's limits)."""
    if place in ("freezer", "deep_freezer"):
        return ["fresh"]
    if place == "cooler":
        return ["fresh", "thawed"]
    return list(STATES)


def _verdicts(place: Optional[str], state: Optional[str], hours: Optional[float]) -> FrozenSet[Verdict]:
    """Every verdict still possible given the facts known (None = not known yet)."""
    # Thawed milk is not in a freezer (putting it back is refreezing, a question of its own).
    places = [place] if place else [p for p in PLACES if not (state == "thawed" and p in ("freezer", "deep_freezer"))]
    if state:
        return frozenset(judge(p, state, h).verdict for p in places for h in ([hours] if hours is not None else _HOUR_GRID))
    return frozenset(judge(p, s, h).verdict for p in places for s in _possible_states(p)
                     for h in ([hours] if hours is not None else _HOUR_GRID))


def facts_that_matter(place: Optional[str], state: Optional[str], hours: Optional[float]) -> List[str]:
    """The missing facts worth asking for: those whose answer could change the verdict.

    Milk out on the counter for 6 hours is past every room-temperature limit, fresh, thawed or left
    over, so its state is not asked; milk out for 90 minutes depends on it.
    """
    known = {"place": place, "state": state, "hours": hours}
    if len(_verdicts(place, state, hours)) <= 1:
        return []
    options = {"place": PLACES, "state": tuple(_possible_states(place)), "hours": _HOUR_GRID}
    missing = [fact for fact in FACTS if known[fact] is None]
    needed = []
    for fact in missing:
        others = [f for f in missing if f != fact]
        # It matters if, for some values of the other missing facts, its own answer changes the verdict.
        for combo in product(*(options[f] for f in others)):
            facts = {**known, **dict(zip(others, combo, strict=True))}
            if len({judge(**{**facts, fact: value}).verdict for value in options[fact]
                    if not (fact == "state" and value == "thawed" and facts["place"] in ("freezer", "deep_freezer"))
                    and not (facts.get("state") == "thawed" and fact == "place" and value in ("freezer", "deep_freezer"))}) > 1:
                needed.append(fact)
                break
    return needed


def _either(place: Optional[str]) -> str:
    """The states a verdict without the milk's state covers, in words ("fresh, thawed or left over")."""
    names = [STATE_WORDS[s] for s in _possible_states(place)]
    return names[0] if len(names) == 1 else content.text("storage_states_or", earlier=", ".join(names[:-1]),
                                                         last=names[-1])


def judge_known(place: Optional[str], state: Optional[str], hours: Optional[float]) -> Optional[StorageAnswer]:
    """A verdict from incomplete facts, when every missing fact would give the same one."""
    if place and state and hours is not None:
        return judge(place, state, hours)
    if place in ("freezer", "deep_freezer") and state is None and hours is not None:
        return judge(place, "fresh", hours)  # frozen milk, as in _possible_states
    verdicts = _verdicts(place, state, hours)
    if len(verdicts) != 1:
        return None
    verdict = next(iter(verdicts))
    where = PLACE_NAMES[place] if place else content.text("place_unknown")
    if hours is not None:
        where = content.text("storage_kept_for", place=where, duration=describe_hours(hours))
    kind = STATE_IN_SENTENCE[state] if state else _either(place)
    if verdict is Verdict.THROW_AWAY:
        if state:
            lead = content.text("storage_known_throw_away", milk=kind, where=where)
        else:
            lead = content.text("storage_known_throw_away_any_state", where=where, states=kind)
    elif verdict is Verdict.USE_SOON:
        lead = content.text("storage_known_use_soon", milk=kind, where=where)
    else:
        lead = content.text("storage_known_fine", milk=kind, where=where)
    return StorageAnswer(verdict, lead + "\n\n" + OFFICIAL_SUMMARY)


# The CDC figures in one paragraph, for answers given without every fact.
OFFICIAL_SUMMARY = content.text("storage_official_summary")


# The ids of a count of each unit, for one and for more (content/en/storage.yml).
_ONE_UNIT = {"month": "storage_duration_month", "week": "storage_duration_week", "day": "storage_duration_day",
             "hour": "storage_duration_hour"}
_MANY_UNITS = {"month": "storage_duration_months", "week": "storage_duration_weeks", "day": "storage_duration_days",
               "hour": "storage_duration_hours"}


def describe_hours(hours: float) -> str:
    """How long, as a parent would say it: "4 hours 15 minutes", "3.5 days", "2 months"."""
    if HOUR <= hours < DAY:  # a clock time read back to the minute the parent can check ("pumped at 8:45")
        whole, minutes = divmod(round(hours * 60), 60)
        text = content.text("storage_duration_hour" if whole == 1 else "storage_duration_hours", count=whole)
        return content.text("storage_duration_hours_minutes", hours=text, minutes=minutes) if minutes else text
    for unit, size in (("month", MONTH), ("week", WEEK), ("day", DAY), ("hour", HOUR)):
        if hours >= size:
            count = round(hours / size, 1)
            return content.text((_ONE_UNIT if count == 1 else _MANY_UNITS)[unit], count=f"{count:g}")
    return content.text("storage_duration_minutes", count=f"{round(hours * 60):g}")


_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "a couple": 2,
    "couple of": 2, "a couple of": 2, "few": 3, "a few": 3, "half": 0.5, "half an": 0.5, "half a": 0.5,
}
_UNITS = {
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60, "m": 1 / 60,
    "h": HOUR, "hr": HOUR, "hrs": HOUR, "hour": HOUR, "hours": HOUR,
    "d": DAY, "day": DAY, "days": DAY, "night": DAY, "nights": DAY,
    "wk": WEEK, "wks": WEEK, "week": WEEK, "weeks": WEEK,
    "mo": MONTH, "mos": MONTH, "month": MONTH, "months": MONTH,
    "yr": YEAR, "yrs": YEAR, "year": YEAR, "years": YEAR,
}
_WORD_NUMBER = "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True))
# Digits may touch their unit ("5hrs"); a number word needs a space ("an hour", never "an" + "d").
_DURATION = re.compile(
    r"\b(?:(\d+(?:[.,]\d+)?)\s*(?:\+\s*)?|(" + _WORD_NUMBER + r")\s+)(?:(?:whole|full|entire|solid|straight|long)\s+)?("
    + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")\b"
)
# Relative times: rough but safe-side guesses of how long ago each phrase means.
_RELATIVE = (
    (r"\b(last week|a week ago)\b", WEEK),
    (r"\b(day before yesterday)\b", 2 * DAY),
    (r"\b(yesterday|yday|yest)\b", DAY),
    (r"\b(last night|overnight|all night)\b", 12 * HOUR),
    (r"\b(this morning)\b", 8 * HOUR),
    (r"\b(this afternoon|at lunch)\b", 4 * HOUR),
    (r"\b(earlier today|today)\b", 6 * HOUR),
    (r"\b(all day)\b", 10 * HOUR),
    (r"\b(just now|a moment ago)\b", 0.25 * HOUR),
)


# "my 3 month old" is the baby's age, not the milk's; "milk 5 days old" is the milk's.
_AGE = re.compile(r"\b((my|our|a|her|his|the|she'?s|he'?s|is) (\d+|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                  r"twelve)"
                  r"[ -](day|week|month|year)s?[ -]old|(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                  r"[ -](day|week|month|year)s?[ -]old (baby|son|daughter|boy|girl|lo|twins?)|"
                  # "he's 10 months lol": the baby's age without "old".
                  r"(she'?s|he'?s|she is|he is|baby is|lo is|baby'?s) (almost |nearly |about |just )?"
                  r"(\d+|one|two|three|four|five|"
                  r"six|seven|eight|nine|ten|eleven|twelve) (day|week|month|year)s?(?! ago))\b")
# "since she was born, she's 4 months": the baby's age is then the milk's.
_SINCE_BORN = re.compile(r"\bsince (she|he|lo|baby|my baby|the baby|they|my son|my daughter) (was |were )?born\b.*?"
                         r"\b(?P<n>\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)[ -]"
                         r"(?P<unit>day|week|month|year)s?\b")
_AND_A_HALF = re.compile(r"\b(\d+|" + "|".join(k for k in _NUMBER_WORDS if " " not in k) + r") and a half (\w+)")


def _number_value(token: str) -> float:
    return float(token.replace(",", ".")) if token[0].isdigit() else float(_NUMBER_WORDS[token])


_WEEKDAYS = milk_clock.WEEKDAYS
_DAY_PARTS = milk_clock.DAY_PART_HOURS
_CLOCK = re.compile(r"\b(?:at|since|around|about|from|by)?\s*(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)")
_DAY_WORD = re.compile(r"\b(yesterday|yday|yest|today|this|last|on|since|day before yesterday|(?:" + "|".join(_WEEKDAYS)
                       + r"))\b")


def _clock_hours(text: str) -> List[float]:
    """Every clock time with am or pm ("6am", "at 2:30 pm"), as hours of the day."""
    return [int(m.group(1)) % 12 + (12 if m.group(3).startswith("p") else 0) + int(m.group(2) or 0) / 60
            for m in _CLOCK.finditer(text) if 1 <= int(m.group(1)) <= 12 and int(m.group(2) or 0) < 60]


# "finished at 5:30", "around noon", "pumped 14:30": a time without am or pm. Not "at 2 months", "at 5 oz".
_BARE_CLOCK = re.compile(r"\b(?:(?:at|since|around|about|by|from)\s+(?:like |about |around |maybe |approx\w* |~\s*)?|"
                         r"(?:pumped|pumpd|expressed|thawed|defrosted|out|made)\s+(?=\d{1,2}[:.]\d{2}))"
                         r"(?:(noon|midday|midnight)|(\d{1,2})(?:[:.](\d{2}))?\b(?![:.]\d)"
                         r"(?!\s*(?:am|pm|a\.m|p\.m|h\b|hrs?\b|hours?|min|mins|minutes?|ml|oz|ounces?|days?|weeks?|"
                         r"months?|years?|wks?|mos?|%|times?)))")
# A moment at night ("last night at 9", "the night before last around 10"): a bare 6 to 11 is evening,
# a bare 1 to 5 is after midnight.
_NIGHT = re.compile(r"\b(last night|night before last|the other night|in the night|at night|overnight|tonight)\b")


def _bare_clock_hours(text: str, now: datetime, night: bool) -> List[Tuple[float, int]]:
    """Each bare clock time as (hour of day, days to add to the day it was said of).

    Read by day, of its morning and evening readings the latest one not after ``now`` (at 9 pm, "at
    5:30" is 5:30 pm), since milk questions look back; said of a night, 6 to 11 is evening and 12 to 5
    is after midnight, on the next calendar day."""
    found: List[Tuple[float, int]] = []
    for match in _BARE_CLOCK.finditer(text):
        if match.group(1):
            found.append((0.0, 1 if night else 0) if match.group(1) == "midnight" else (12.0, 0))
            continue
        hour, minutes = int(match.group(2)), int(match.group(3) or 0) / 60
        if hour > 23 or minutes >= 1:
            continue
        if hour >= 13 or hour == 0:
            found.append((hour + minutes, 0))
        elif night:
            found.append((hour + 12 + minutes, 0) if hour >= 6 and hour != 12 else (hour % 12 + minutes, 1))
        else:
            current = now.hour + now.minute / 60
            readings = [h + minutes for h in (hour % 12, hour % 12 + 12)]
            past = [r for r in readings if r <= current]
            found.append((max(past) if past else max(readings), 0))  # both ahead today: the evening one, yesterday
    return found


_MONTHS = milk_clock.MONTHS
_MONTH = re.compile(r"\b(from|since|in|of|back in)\s+(last\s+)?" + milk_clock.MONTH_NAME + r"\b(\s+(\d{4}))?")


def _months_ago(clean: str, now: datetime) -> Optional[float]:
    """Hours since the start of a named month ("from march", "last december", "january 2025"): with no
    day said, from its first day, so a bag near the 12-month line is never called fine on a guess."""
    match = _MONTH.search(clean)
    if not match:
        return None
    name = match.group(3)
    month = next(i for i, full in enumerate(_MONTHS, 1) if full.startswith(name))
    year = int(match.group(5)) if match.group(5) else (now.year if month < now.month else now.year - 1)
    moment = datetime(year, month, 1)
    return max((now - moment).total_seconds() / 3600, 0.0) if moment <= now else None


def hours_since(text: str, now: datetime) -> Optional[float]:
    """Hours from a moment named in words ("yesterday morning", "last tuesday", "since 7am") to ``now``.

    ``now`` is the parent's local time. Day parts are read at a typical hour (morning 8:00, evening
    19:00); a bare weekday is its most recent past occurrence. None when no moment is named.
    """
    clean = normalise(text)
    months = _months_ago(clean, now)
    if months is not None:
        return months
    day: Optional[datetime] = None
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if re.search(r"\b(day|night) before yesterday\b|\bnight before last\b", clean):
        day = today - timedelta(days=2)
    elif re.search(r"\b(yesterday|yday|yest)\b", clean):
        day = today - timedelta(days=1)
    elif re.search(r"\blast night\b", clean):
        day = today - timedelta(days=1)
    else:
        for index, name in enumerate(_WEEKDAYS):
            if re.search(rf"\b{name}\b", clean):
                back = (now.weekday() - index) % 7 or 7
                if re.search(rf"\blast {name}\b", clean) and back < 7 and back <= 1:
                    back += 7
                day = today - timedelta(days=back)
                break
    if day is None and re.search(r"\b(this morning|this afternoon|this evening|today|earlier|at lunch|since lunch|tonight)\b",
                                 clean):
        day = today
    night = bool(_NIGHT.search(clean))
    clocks = [(hour, 0) for hour in _clock_hours(clean)] + _bare_clock_hours(clean, now, night)
    if not clocks:
        if day is None:
            if re.search(r"\b(overnight|all night)\b", clean):
                return 10.0  # from bedtime to morning
            return None
        part = next((hour for word, hour in _DAY_PARTS.items() if re.search(rf"\b{word}\b", clean)), None)
        if night:
            part = 21
        clocks = [(float(part if part is not None else 12), 0)]
    # Several times named ("one bag from 4, one from 10 this morning", "since 8... got home at 2pm"): the
    # oldest reading decides, so that no batch is called fine on the newer one's time.
    ages = []
    for clock, days_on in clocks:
        start = day if day is not None else (today if clock <= now.hour + now.minute / 60 else today - timedelta(days=1))
        moment = start + timedelta(days=days_on, hours=clock)
        hours = (now - moment).total_seconds() / 3600
        if hours >= 0:
            ages.append(hours)
    return max(ages) if ages else None


def parse_hours(text: str, now: Optional[datetime] = None) -> Optional[float]:
    """How long milk has been kept, in hours, from "5 hours", "two days", "since yesterday", "1.5h".

    With ``now`` (the parent's local time), a moment in words ("since yesterday morning", "last
    tuesday", "at 6am") is counted to now; without it, rough safe-side guesses are used.
    """
    clean = normalise(text)
    born = _SINCE_BORN.search(clean)
    if born:  # "in the freezer since LO was born, she's 4 months": the milk is as old as the baby
        return _number_value(born.group("n")) * _UNITS[born.group("unit")]
    clean = _AGE.sub(" ", clean)  # "my 3 month old" is the baby's age, not the milk's
    clean = _AND_A_HALF.sub(lambda m: f"{_number_value(m.group(1)) + 0.5:g} {m.group(2)}", clean)
    total = 0.0
    clean = re.sub(r"\b(an?|one) (hour|day|week|month) and a half\b", r"1.5 \2", clean)
    for digits, word, unit in _DURATION.findall(clean):
        value = float(digits.replace(",", ".")) if digits else _NUMBER_WORDS[word]
        total += value * _UNITS[unit]
    if total:
        return total
    if now is not None:
        now, clean = milk_clock.said_now(clean, now)
        for reader in (milk_clock.hours_since_month_of_year, milk_clock.hours_since_month_day,
                       milk_clock.hours_since_day_of_month, hours_since):
            since = reader(clean, now)
            if since is not None:
                return since
    for pattern, hours in _RELATIVE:
        if re.search(pattern, clean):
            return hours
    return None


def parse_place(text: str) -> Optional[str]:
    clean = NOT_THAWED.sub(" still frozen ", normalise(text))
    # "left it on the nightstand instead of the fridge", "forgot to put it in the fridge": not the fridge.
    clean = re.sub(r"\b(instead of|rather than|forgot to put it in|forgot to put them in|never made it (in)?to) "
                   r"(the |their |our |a |my )?(putting it in the )?(fridge|frige|freezer|refrigerator)\b", " left out ", clean)
    # "forgot the ice pack", "the ice pack had melted": a cooler bag without cold is room temperature.
    if re.search(r"\b(forgot|forgotten|no|without|left)( the| my| an?| its| her| his| our| any| their)? ice ?packs?\b|"
                 r"\bice ?packs? (had |has |have |was |were |all |are )?(totally |completely |fully |all |already |long |"
                 r"basically |kind of |pretty much )?(melted|gone warm|warm|room temp\w*|soft|thawed|defrosted)\b|"
                 r"\bice ?packs?\b[^.?!]{0,40}\b(never (went|got put|made it) back|weren'?t (frozen|cold)|were not (frozen|cold)|"
                 r"not (frozen|cold)|room temp\w*)", clean):
        clean = re.sub(r"\b(ice ?packs?|cooler( bag)?|cool(er)? bag|insulated( bag)?)\b", " room temp ", clean)
    clean = re.sub(r"\b(forgot|forgotten|no|without)( the| my| an?)? (ice ?packs?|cooler( bag)?|cool bag)\b", " ", clean)
    # "ok to put it in the fridge now?", "can I move it to the fridge": where it will go, not where it was.
    clean = re.sub(r"\b(can|could|should|ok to|okay to|safe to|if i|i'?ll|i will|gonna|going to|want to)\b"
                   r"[^.?!]{0,12}?\b(put|move|stick|pop|transfer|refrigerate|fridge|freeze)\w*( it| them| the milk| the bottle"
                   r"| the bag)?( back)?( (in|into|to) (the |my )?(fridge|frige|freezer|refrigerator))?( now| tonight| later)?\b",
                   " ", clean)
    # "the freezer on top of the fridge", "fridge freezer", "the freezer part of the fridge": a freezer.
    clean = re.sub(r"\bfreezer( section| compartment| drawer| part| bit)? (on top of|above|in|part of|section of|compartment of|"
                   r"drawer of|bit of|at the bottom of|at the top of|below|under|underneath|of) (the |my |our |their )?"
                   r"(fridge|refrigerator)\b|\b(fridge|refrigerator)[ -]freezer\b|\btop freezer\b", " freezer ", clean)
    # "thawed a bag of frozen milk": "frozen" names what it was, not where it is now.
    if parse_state(clean) == "thawed":
        clean = re.sub(r"\b(frozen|froze)\b(?! (in|since|for))", " ", clean)
    for place, pattern in (
        # In a cooler with ice packs, even if it "never made it into the daycare fridge".
        ("cooler", r"cooler|cool(er)? bag|ice ?packs?|insulated|esky"),
        # Out of the fridge or freezer, or never put there: it sat at room temperature.
        ("room", r"out of the (fridge|frige|freezer|refrigerator)|forgot to (put|refrigerate)|never (put|made) it (in|into)|"
                 r"left (it |the milk |them |the bottle |a bottle )?out|(sitting|sat|been|was) out\b|out since|"
                 r"(milk|bottle|bag)('?s| is)? out\b|\bout (for )?(\d|an? |about |like |around |almost |over )|"
                 r"on (the|my|her|his|our) (counter|counter ?top|table|bench|dresser|nightstand|night ?stand|side|desk)|"
                 r"room temp\w*"),
        ("deep_freezer", r"deep ?freez\w*|chest freez\w*|standalone freez\w*"),
        ("fridge", r"fridge|frige|frigde|fride|frdge|refrigerat\w*|refridgerat\w*|refrig"),
        ("freezer", r"freez\w*|frezer|frozen|froze\b"),
        ("room", r"counter|room temp\w*|room|table|bench|desk|out(side)? of the fridge|left out|sitting out|"
                 r"nigh?t ?stand|nite ?stand|"
                 r"work bag|"
                 r"on the side|in my bag|diaper bag|car|kitchen|nightstand|bedside|dresser|stroller|pram|shelf|cupboard"),
    ):
        # "no ice pack", "without the cooler bag": a place denied is not where the milk was.
        if find_affirmed(re.compile(pattern), clean):
            return place
    return None


# "frozen solid, never thawed", "hasn't thawed yet": still frozen, neither thawed nor refrozen.
NOT_THAWED = re.compile(r"\b(never|not|hasn'?t|has not|hadn'?t|had not|wasn'?t|was not|didn'?t|did not|isn'?t|is not) "
                        r"(been |yet |even )?(thawed|defrosted|thaw|defrost)\b( yet)?|\bfrozen solid\b")


# "it's not leftover, baby never touched it": not a feed's leftover.
_NOT_LEFTOVER = re.compile(r"\b(not|isn'?t|wasn'?t|never) (a |the )?left ?over\b|\b(baby|she|he|lo) (never|didn'?t|did not) "
                           r"(touch|drink from|drink|start)\w*( it| from it)?\b|\bnever (got|made it) to (feed|give)\b")
# "warmed a frozen bag", "took a bag out of the freezer": thawed milk in other words.
_THAWED_IN_WORDS = re.compile(r"\b(warmed|warm|heated|melted)( up)? (a |the |one |some )?(frozen|freezer) (bag|bottle|milk|pouch|"
                              r"stash)|\b(took|pulled|got) (a |the |one )?(bag|bottle|pouch)s? (of milk )?out of the (deep )?"
                              r"freezer\b")


def parse_state(text: str) -> Optional[str]:
    clean = NOT_THAWED.sub(" still frozen ", normalise(text))
    clean = _THAWED_IN_WORDS.sub(" thawed ", clean)
    if _NOT_LEFTOVER.search(clean):
        clean = re.sub(r"\bleft ?over\b", " ", _NOT_LEFTOVER.sub(" ", clean))
    for state, pattern in (
        ("leftover", r"left ?over|half (drunk|finished|eaten)|drank (maybe |about |like |only )?(half|some|part)|"
                     r"the rest of (it|the bottle|that bottle|his bottle|her bottle)|give (her|"
                     r"him) the rest|"
                     r"rest of (the|her|his) bottle|(didn'?t|didnt|did not) finish|after (a|the|her|his) feed|"
                     r"from (a|the|her|his) bottle|he drank from|she drank from|baby drank|already fed|"
                     # "she took 2 oz and fell asleep ... can I offer her the rest": a feed's leftover.
                     r"(offer|give|feed) (her|him|the baby|baby|lo) the rest\b|since (she|he|the baby|baby) (stopped|finished)|"
                     r"(took|drank|had) (like |about |only |maybe )?\d+(\.\d+)? ?(oz|ml|ounces?) and "
                     r"(fell asleep|stopped|fell off)|(she|he|baby|lo) stopped (eating|drinking|feeding)|"
                     r"(can|could) (she|he|baby|lo) (still )?finish (the|her|his|that|this) bottle|"
                     # "she only took half", "bottle from the 6 o'clock feed": what a feed left.
                     r"(she|he|baby|lo) (only |just )?(took|drank|had) (half|some|part|a little|a bit)\b|"
                     r"(bottle|milk|rest) from (the|her|his|this|that|last) [^.?!]{0,15}\bfeed\b|"
                     r"(can|could) (she|he|baby|lo) (still )?finish (it|the rest)\b"),
        # "safe to thaw?" asks about frozen milk; "thawed", "defrosted" say it was.
        ("thawed", r"(?<!to )(?<!before )(?<!will )(?<!can i )(?<!should i )\b(thawed|thawing|defrost(ed|ing)|unfroze\w*)\b|"
                   r"\bthaw(ed)? (it|them|a bag|the bag|some|out)\b(?<!to thaw it)|\bjust thawed\b"),
        # "after pumping", "milk from monday", "since i left work": said of milk from a pumping session.
        ("fresh", r"fresh\w*|just pumped|newly pumped|pump(ed|d)\b|expressed|never (been )?frozen|"
                  r"(pumped|expressed) (breast ?)?milk|after (i |my )?pump(ing)?\b|"
                  r"\b(milk|it|bottle|bag|they|those) (is |was |are |were )?from (monday|tuesday|wednesday|thursday|"
                  r"friday|saturday|sunday|yesterday|last night|this morning|earlier( today)?|work)\b|"
                  r"since i left work|(from|at) work today"),
    ):
        if re.search(pattern, clean):
            return state
    return None


_VERDICT_CUE = re.compile(
    r"\b(still (good|ok|okay|fine|safe|usable)|is it (ok|okay|good|fine|safe|bad)|"
    r"can i (still |just )?(re-?use|use|give|feed|offer)|"
    r"(ok|okay|fine|safe) to (feed|give|offer|re-?use)|"
    r"safe to|gone bad|go bad|spoil\w*|throw (it )?(out|away)|toss|dump it|ok to use|okay to use|"
    r"good to use|fine to use|use it|give it|too long|too old|expired|(ok|okay|safe|fine) to (try|use|give|feed|offer)|"
    r"can (she|he|baby|the baby|lo) (still )?(finish|have|drink))\b|\b(milk|it) (still )?(ok|okay|good|safe|fine)\b"
)


def wants_verdict(text: str) -> bool:
    """Does the message ask about one batch of milk (not storage in general)?

    A verdict cue ("still ok?", "can I give it") or a time for this milk ("pumped 3 hours ago")
    makes it one batch; "how long does milk keep in the fridge" is general.
    """
    clean = normalise(text)
    if _VERDICT_CUE.search(clean) or parse_hours(clean) is not None:
        return True
    if _KEEPING.search(clean) and _ANY_TIME.search(clean):
        return True  # "out since like 9": a batch and when it was put there
    asks_if_ok = bool(re.search(r"\b(ok|okay|good|fine|safe|bad)\s*\?+", clean))
    return asks_if_ok and (parse_place(clean) or parse_state(clean)) is not None


# A batch of expressed milk being kept somewhere, or left out, thawed or drunk from.
_KEEPING = re.compile(
    r"\b(left (it |the milk |the bottle |a bottle |them |the bag )?(out|on)|sat out|sitting (out|on|in)|been out|"
    r"kept (it |them )?(in|on)|forgot (it|the bottle|the milk|them|the bag)|thaw\w*|defrost\w*|frozen|freez\w*|fridge|frige|"
    r"frigde|refrigerat\w*|cooler|ice ?packs?|counter|nigh?t ?stand|nite ?stand|dresser|bedside|(work|diaper|nappy) bag|"
    r"drank (maybe |about |like |only )?(half|some|from|part)|the rest of (it|that bottle|the bottle|his bottle|her bottle|"
    r"the milk|that milk)\b|left ?over|"
    r"(didn'?t|didnt) finish|what was left|(offer|give|feed) (her|him|the baby|baby|lo) the rest\b|"
    r"(bottle|bag)('?s| has| have)? been (on|in|sitting|out)\b|"
    r"(pumped|pumpd|expressed) [^.?!]{0,20}\bago|"
    # A batch named by where or since when it sat, without a milk word: "out since 11", "in the hot car
    # 40 min", "pumped 14:30", "can she finish the bottle".
    r"out since|(milk|bottle|bag|it)('?s| was| is| has been| been)? out\b|"
    r"(milk|bottle|bag|it|them)\b[^.?!]{0,25}\bin the (hot )?car|in the (hot )?car (for|since|all)|"
    r"(was|been|sat|sitting|left) in the (hot )?car\b[^.?!]{0,15}\b(\d|an? |all|for|since|like)|"
    r"(finish|drink) (the|her|his|that|this) bottle|stopped (eating|drinking|feeding)|"
    r"(pumped|pumpd|expressed) (at |around |about )?\d|(milk|bottle|bag|it) (was |has been |sat |been )in there|"
    r"car was (about |like |around |over )?\d)\b"
)
# Any moment or length of time: with a kept batch, a statement is the question ("out since like 9",
# "pumped 14:30, sitting on my desk, it's 17:45").
_ANY_TIME = re.compile(r"\b(since|at|around|about|from)\s+(like |about |around |maybe )?(\d{1,2}([:.]\d{2})?|noon|midnight)\b|"
                       r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s*(am|pm)\b|\b(yesterday|last night|this morning|today|monday|"
                       r"tuesday|wednesday|thursday|friday|saturday|sunday)\b")
# Pump parts kept in the fridge between sessions are a cleaning question, not a batch of milk.
# Building a freezer stash is about supply, not about one batch being still good.
_STASH = re.compile(r"\b(stash|stock ?pile|build (up )?(a |my )?(supply|freezer)|freezers? full|full of (milk|bags))\b")
_PARTS = re.compile(r"\b(parts|flanges?|valves?|membranes?|tubing|shields?|duckbills?)\b")


def asks_about_stored_milk(text: str) -> bool:
    """Does the message ask whether one batch of kept milk is still fine, however it is put?

    The classifier knows the usual phrasings; typed in a hurry ("pumpd at 1am left on nighstand its 4
    now ok??", "a day and a half on the counter??") or as a bare statement with a time ("kept it in my
    cooler since yesterday morning"), it took them for other topics. A kept batch plus a verdict cue, a
    question whether it is usable, or a time since is this question; "how do I build my freezer stash?"
    is not.
    """
    clean = normalise(text)
    if not _KEEPING.search(clean) or _PARTS.search(clean):
        return False
    if _STASH.search(clean) and not _VERDICT_CUE.search(clean):
        return False
    if _VERDICT_CUE.search(clean):
        return True
    asks_if_usable = re.search(r"\b(ok|okay|good|fine|safe|bad|usable|use|give|still|spoil\w*|sour|smells?)\b[^a-z]*\?", clean)
    # "how do I build a freezer stash pumping once a day" holds a time but asks how, not about a batch.
    asks_how = re.match(r"\W*(how|what|why|which|should|when|where)\b", clean)
    said_when = parse_hours(clean) is not None or _ANY_TIME.search(clean)
    return bool(asks_if_usable or (said_when and not asks_how))


# Thawed milk frozen again, in the parent's words ("refrozen", "froze it again", "put it back in the
# freezer"): thawed milk in a freezer, which the refreeze row of storage_limits.yml always throws away
# (the CDC: never refreeze thawed milk), wherever the message says it stood before.
_REFROZEN = re.compile(r"\b(re-?froz\w*|re-?freez\w*|froze (it|them|the bags?|the bottles?) (again|back)|frozen (again|back)|"
                       # "the power went out, the bags went liquid, then they froze again"
                       r"(they|it|the bags?|the milk|everything) froze (again|back|solid again)|"
                       r"(went|gone|got|turned) (all |totally |completely |fully )?(liquid|slushy|soft|mushy)\b[^.?!]{0,80}"
                       r"\b(froze|frozen|refroze)|"
                       r"(put|popped|stuck|threw|placed) (it|them|the bags?|the bottles?) back (in|into) the (deep )?freezer)\b")

# "never been refrozen", "wasn't refrozen": the general negation reader looks one word back, not past "been".
_NOT_REFROZEN = re.compile(r"\b(never|not|wasn'?t|isn'?t|hasn'?t|hadn'?t|haven'?t|didn'?t|don'?t|no)"
                           r"( been| ever been| ever| yet)? (re-?froz\w*|re-?freez\w*)")


# Milk in the fridge now after somewhere warm: the fridge said as where it is now, and a warm place before.
_NOW_COLD = re.compile(r"\b(it'?s|its|it is|they'?re|theyre|now|then|finally|went)\b[^.?!]{0,15}\b(in|into) (the |my |our )?"
                       r"(fridge|frige|refrigerator)\b|\bput (it|them) in the fridge (when|after|once|as soon as)\b")
_WARM_BEFORE = re.compile(r"\b(car|work bag|diaper bag|lunch bag|handbag|backpack|no ice|without ice|counter|sat out|left out|"
                          r"sitting out|on the table|stroller|all (afternoon|morning|day)|forgot (it|about it|them))\b")


def read_facts(text: str, now: Optional[datetime] = None) -> Dict[str, object]:
    """Place, state and hours from one message, as far as it says them: against the parent's clock
    (her own "it's 1pm" first), with heat read as the hot place, and the milk counted to when she plans
    to give it."""
    clean = normalise(text)
    place, state = parse_place(clean), parse_state(clean)
    if now is None:
        hours = parse_hours(clean)
    else:
        reading = milk_clock.read(clean, now)
        hours = parse_hours(reading.text, reading.now)
        if hours is not None:
            # Whatever the milk, the verdict must hold when she plans to give it (a leftover's 2 hours,
            # a thawed bag's 24, the cooler's day), not only when she asks.
            hours += reading.until_given
    if place in (None, "room") and milk_clock.is_hot(clean):
        place = HOT
    if place in ("fridge", "room", HOT) and _NOW_COLD.search(clean) and _WARM_BEFORE.search(clean):
        # In the fridge now, after a warm stretch ("sat in my car all afternoon ... it's in the fridge
        # now"): the warm stretch decides. Its times are mixed with the others (when she found it, when
        # she got home), so how long it lasted is asked for, never guessed from them.
        place, hours = (HOT if milk_clock.is_hot(clean) else "room"), None
    if find_affirmed(_REFROZEN, _NOT_REFROZEN.sub(" ", clean)):
        state, place = "thawed", place if place == "deep_freezer" else "freezer"
    facts = {"place": place, "state": state, "hours": hours}
    return {key: value for key, value in facts.items() if value is not None}
