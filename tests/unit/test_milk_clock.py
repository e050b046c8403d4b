"""Stored-milk questions by the error classes of issue 25: the parent's own clock, dates, weekdays,
heat, refreezing, coolers, a leftover's planned time, a freezer on a fridge (coach/milk_clock.py and
coach/storage.read_facts). The examples are made up from the classes, none from an evaluation set."""
from datetime import datetime

import pytest

from actions.storage import storage_reply
from coach import milk_clock
from coach.storage import read_facts


def verdict(text: str, now: datetime):
    facts = read_facts(text, now)
    return storage_reply(facts.get("place"), facts.get("state"), facts.get("hours"))[0], facts


@pytest.mark.parametrize("text, now, hours", [
    # the parent's "it's 1pm" is now, not when the milk was pumped (read as 0 minutes before)
    ("pumped at 8:45 and forgot it on the counter, it's 1pm", datetime(2026, 8, 14, 13, 2), 4.25),
    ("pumpd at 1am left on nighstand its 4 now ok??", datetime(2026, 12, 3, 4, 0), 3.0),
    ("left the bottle out since like 6, is it ok", datetime(2026, 8, 14, 9, 30), 3.5),
    ("pumped at 13:00, now 15:00, on the counter, ok?", datetime(2026, 8, 14, 15, 0), 2.0),  # a 24-hour clock
    ("pumped on the 2nd, it's the 8th, been in the fridge", datetime(2026, 8, 8, 10, 0), 6 * 24 + 10),
    ("bag in the freezer says may last year", datetime(2026, 8, 14, 10, 0), (datetime(2026, 8, 14, 10) -
                                                                          datetime(2025, 5, 1)).total_seconds() / 3600),
    # "thursday evening" to "sunday morning", not thursday morning to now
    ("in the work fridge since thursday evening, it's sunday morning", datetime(2026, 8, 16, 9, 0), 62.0),
])
def test_times_are_read_against_the_parents_clock(text, now, hours):
    assert read_facts(text, now)["hours"] == pytest.approx(hours, abs=0.01)


@pytest.mark.parametrize("text, expected", [
    ("bottle of pumped milk was in a hot car for 2 hours, ok?", "throw_away"),
    ("pumped milk sat out at 95F for 3 hours", "throw_away"),
    ("room was like 30 C, pumped milk sat on the counter 90 minutes", "throw_away"),
    ("cooler bag without its ice pack in a hot car for 3 hours", "throw_away"),
    ("pumped milk in a cooler with ice packs for 30 hours, still ok?", "throw_away"),
    ("i thawed a bag and put it back in the freezer, can i use it later", "throw_away"),
    ("pumped milk on the counter 2 hours, it's not hot in here at all", "fine"),  # heat denied
    ("frozen solid, never thawed, in the freezer 2 months, fine?", "fine"),  # not refrozen
    ("milk in the freezer on top of the fridge for 3 months, ok?", "fine"),  # a freezer, not the fridge
    ("she drank half at 9, can i give her the rest at 11?", "use_soon"),  # 2 hours when given, not 30 minutes
    ("she drank half at 9, can i give her the rest at 12?", "throw_away"),
    ("pumped milk in the diaper bag for 2 hours, ok?", "fine"),
])
def test_verdicts_by_class(text, expected):
    got, facts = verdict(text, datetime(2026, 8, 14, 9, 30) if "drank half" in text else datetime(2026, 8, 14, 15, 0))
    assert got == expected, facts


def test_heat_is_read_only_where_it_is_said():
    assert milk_clock.is_hot("in the car and it was 95 degrees out")
    assert milk_clock.is_hot("room is 29°c")
    assert not milk_clock.is_hot("fridge thermometer says 38f")
    assert not milk_clock.is_hot("it wasn't hot, the car was in the garage")
    assert not milk_clock.is_hot("left it in the car this afternoon")  # a car is not hot by itself: asked about


def test_a_stated_clock_never_moves_the_moment_the_milk_was_kept_from():
    now, rest = milk_clock.said_now("pumped at 8:45, it's 1pm now", datetime(2026, 8, 14, 13, 0))
    assert now == datetime(2026, 8, 14, 13, 0) and "1pm" not in rest and "8:45" in rest
    # "it's 2 days old" is no clock
    assert milk_clock.said_now("it's 2 days old", datetime(2026, 8, 14, 13, 0))[1] == "it's 2 days old"
