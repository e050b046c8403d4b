"""Stored-milk verdicts: the official (CDC) figure decides, the article's Rule of 6 is shown beside it."""
import pytest

from coach.storage import (
    LIMITS,
    PLACES,
    STATES,
    Verdict,
    asks_about_stored_milk,
    judge,
    parse_hours,
    parse_place,
    parse_state,
    wants_verdict,
)


@pytest.mark.parametrize(
    "place, state, hours, verdict",
    [
        ("room", "fresh", 2, Verdict.FINE),
        ("room", "fresh", 3.5, Verdict.USE_SOON),
        ("room", "fresh", 5, Verdict.THROW_AWAY),  # within the article's 6 h, past the CDC's 4 h
        ("fridge", "fresh", 48, Verdict.FINE),
        ("fridge", "fresh", 24 * 5, Verdict.THROW_AWAY),  # article allows 6 days, CDC 4
        ("freezer", "fresh", 24 * 30 * 3, Verdict.FINE),
        ("freezer", "fresh", 24 * 30 * 9, Verdict.USE_SOON),
        ("deep_freezer", "fresh", 24 * 400, Verdict.THROW_AWAY),
        ("cooler", "fresh", 10, Verdict.FINE),
        ("room", "thawed", 0.5, Verdict.FINE),
        ("room", "thawed", 3, Verdict.THROW_AWAY),
        ("fridge", "thawed", 20, Verdict.USE_SOON),
        ("fridge", "thawed", 30, Verdict.THROW_AWAY),
        ("freezer", "thawed", 1, Verdict.THROW_AWAY),  # never refreeze
        ("room", "leftover", 1, Verdict.FINE),
        ("fridge", "leftover", 3, Verdict.THROW_AWAY),
    ],
)
def test_verdicts(place, state, hours, verdict):
    assert judge(place, state, hours).verdict is verdict


def test_answer_gives_official_and_article_figures_side_by_side():
    text = judge("room", "fresh", 5).text
    assert "CDC" in text and "4 hours" in text
    assert "Rule of 6" in text and "6 hours" in text


def test_every_place_and_state_has_a_rule():
    for state in STATES:
        for place in PLACES:
            if state == "thawed" and place in ("freezer", "deep_freezer"):
                continue
            assert (state, place) in LIMITS
            limit = LIMITS[(state, place)]
            assert 0 < limit.fine_until <= limit.use_by


@pytest.mark.parametrize(
    "text, hours",
    [
        ("5 hours", 5), ("left it out 5hrs", 5), ("two days", 48), ("since yesterday", 24),
        ("about 30 min", 0.5), ("a couple of hours", 2), ("3 months", 90 * 24), ("overnight", 12),
        ("1.5 h", 1.5), ("an hour and a half", 1.5),
    ],
)
def test_parse_hours(text, hours):
    assert parse_hours(text) == pytest.approx(hours)


def test_parse_hours_none_without_a_time():
    assert parse_hours("in the fridge") is None


@pytest.mark.parametrize(
    "text, place",
    [("on the counter", "room"), ("in the frige", "fridge"), ("chest freezer in garage", "deep_freezer"),
     ("cooler bag with ice packs", "cooler"), ("in the freezer", "freezer")],
)
def test_parse_place(text, place):
    assert parse_place(text) == place


@pytest.mark.parametrize(
    "text, state",
    [("thawed it yesterday", "thawed"), ("defrosted", "thawed"), ("she didnt finish the bottle", "leftover"),
     ("left pumped milk out", "fresh"), ("thawed pumped milk", "thawed"),
     ("freshly pumped", "fresh")],
)
def test_parse_state(text, state):
    assert parse_state(text) == state


def test_wants_verdict_tells_a_batch_from_a_general_question():
    assert wants_verdict("I left milk on the counter 5 hours, is it ok?")
    assert wants_verdict("thawed yesterday, still good?")
    assert wants_verdict("Is my stored milk OK?")
    assert not wants_verdict("how long does breast milk last in the fridge")


@pytest.mark.parametrize(
    "text, place, hours",
    [
        ("I forgot to put my freshly pumped milk in the fridge, it sat on the counter for 6 hours", "room", 6),
        ("fresh milk left out of the fridge for 5 hours", "room", 5),
        ("took thawed milk out of the freezer an hour ago, its on the counter", "room", 1),
        ("4 and a half hours on the counter", "room", 4.5),
        ("in the fridge 4 and a half days", "fridge", 108),
        ("my 3 month old didnt finish the bottle an hour ago", None, 1),
    ],
)
def test_review_findings_place_and_time(text, place, hours):
    assert parse_place(text) == place
    assert parse_hours(text) == pytest.approx(hours)


def test_a_year_and_twelve_months_agree():
    assert judge("freezer", "fresh", 365 * 24).verdict is judge("freezer", "fresh", 12 * 30 * 24).verdict is Verdict.USE_SOON


# --- asking only what can change the verdict ------------------------------------------------------------
from datetime import datetime  # noqa: E402

from actions.storage import missing_slots_that_matter, storage_reply  # noqa: E402
from coach.storage import HOT, facts_that_matter, hours_since, judge_known, read_facts  # noqa: E402


@pytest.mark.parametrize(
    "place, state, hours, needed",
    [
        ("room", None, 6, []),  # past every room-temperature limit, whatever the milk was
        ("room", None, 1.5, ["state"]),  # fresh is fine, thawed nearly done, leftover past it
        (None, None, 6, ["place", "state"]),
        ("fridge", "fresh", None, ["hours"]),
        ("room", "fresh", 2, []),
    ],
)
def test_only_facts_that_change_the_verdict_are_needed(place, state, hours, needed):
    assert facts_that_matter(place, state, hours) == needed


def test_a_verdict_without_every_fact_says_why_the_missing_one_does_not_matter():
    answer = judge_known("room", None, 6)
    assert answer.verdict is Verdict.THROW_AWAY
    assert "fresh, thawed or left over" in answer.text and "CDC" in answer.text
    assert judge_known("room", None, 1.5) is None
    assert storage_reply("room", None, 6)[0] == "throw_away"
    assert missing_slots_that_matter("room", None, 1.5) == ["milk_state"]


NOW = datetime(2026, 11, 27, 14, 0)  # a Friday, 2 pm


@pytest.mark.parametrize(
    "text, hours",
    [
        ("pumped it yesterday morning", 30),  # from 8 am yesterday
        ("since 7am", 7),
        ("this morning", 6),
        ("last night", 17),  # from 9 pm
        ("on wednesday at 6pm", 44),
        ("froze it last tuesday", 74),
    ],
)
def test_relative_times_are_counted_from_the_parents_clock(text, hours):
    assert hours_since(text, NOW) == pytest.approx(hours)
    assert parse_hours(text, NOW) == pytest.approx(hours)


def test_a_stated_duration_wins_over_the_clock():
    assert parse_hours("been out 3 hours since this morning", NOW) == 3


def test_frozen_milk_is_not_asked_whether_it_was_thawed():
    assert facts_that_matter("freezer", None, 24 * 30 * 8) == []
    assert judge_known("freezer", None, 24 * 30 * 8).verdict is Verdict.USE_SOON
    assert facts_that_matter("freezer", None, None) == ["hours"]


@pytest.mark.parametrize(
    "text, days",
    # A month without a day counts from its first day (the safe side for a "fine").
        [("freezer milk from march", 271.6), ("from last december", 361.6), ("stash is from january 2025", 695.6)],
)
def test_months_are_read_as_dates(text, days):
    assert parse_hours(text, NOW) / 24 == pytest.approx(days, abs=0.1)


@pytest.mark.parametrize("text", [
    "going back in 5 weeks and my mom group posts chest freezers full of milk bags, i get 1 oz a morning",
    "trying to build a freezer stash before work in 3 weeks but the pump gives me nothing",
    "yes, same percentile line since birth, the doctor was happy at the 6 month visit",
])
def test_a_stash_or_a_babys_growth_is_not_a_stored_milk_question(text):
    from coach.storage import asks_about_stored_milk
    assert not asks_about_stored_milk(text)


# Failure classes read from eval/corpus_heldout4's stored-milk cases after their measurement (phrased anew).
@pytest.mark.parametrize("text, place", [
    ("left the bottle on my nightstand all night instead of the fridge, ok?", "room"),
    ("sent it to daycare in the cool bag with an ice pack but it never made it into their fridge", "cooler"),
    ("forgot the ice pack, so it sat in my bag", "room"),
    ("thawed a bag of frozen milk half an hour ago", None),
])
def test_where_the_milk_was(text, place):
    assert parse_place(text) == place


@pytest.mark.parametrize("text, state", [
    ("froze these 7 months ago, are they safe to thaw now?", "fresh"),
    ("he drank maybe half, can he have the rest of that bottle", "leftover"),
    ("defrosted it in the fridge last night", "thawed"),
])
def test_what_state_the_milk_is_in(text, state):
    assert (parse_state(text) or "fresh") == state


def test_the_babys_age_is_not_the_milks():
    assert parse_hours("froze it 8 months ago, still ok? she's 11 months lol", datetime(2026, 7, 1, 12)) == 8 * 30 * 24


def test_thawed_milk_of_unknown_place_is_judged_without_the_freezer():
    answer = judge_known(None, "thawed", 0.3)
    assert answer is not None and answer.verdict is Verdict.FINE


@pytest.mark.parametrize("text", ["pumped 2hrs ago. ok to feed it to him now?", "she drank from it at 5, can i reuse it now",
                                  "big freezer stash from 8 months ago, are those bags still safe?"])
def test_more_ways_to_ask_about_one_batch(text):
    from coach.storage import asks_about_stored_milk
    assert asks_about_stored_milk(text)


def test_the_rest_of_the_time_is_not_the_rest_of_a_bottle():
    from coach.storage import asks_about_stored_milk
    assert not asks_about_stored_milk("i pump once a day and nurse the rest of the time, but the pump went from 5oz to 1oz?")


def test_milk_in_a_cooler_is_not_asked_whether_a_baby_left_it_over():
    # Fresh and thawed milk share the cooler's limits; leftovers are not packed on ice for later.
    assert facts_that_matter("cooler", None, 12) == []
    answer = judge_known("cooler", None, 12)
    assert answer.verdict is Verdict.FINE and "(fresh or thawed, in a cooler" in answer.text
    assert facts_that_matter("cooler", None, None) == ["hours"]
    # Out on the counter a leftover is still possible, so the state is still asked there.
    assert facts_that_matter("room", None, 1.5) == ["state"]


@pytest.mark.parametrize(
    "text",
    ["i put the milk in the fridge after pumping", "milk from monday in the fridge", "the bottle is from yesterday",
     "it's been in my bag since i left work"],
)
def test_milk_said_to_come_from_a_pumping_session_is_fresh(text):
    assert parse_state(text) == "fresh"


def test_thawed_or_leftover_words_still_win_over_a_time_of_pumping():
    assert parse_state("thawed the milk from monday") == "thawed"
    assert parse_state("the bottle from this morning, he didn't finish it") == "leftover"


def test_milk_frozen_since_the_baby_was_born_is_as_old_as_the_baby():
    assert parse_hours("its been in the freezer since LO was born, shes 4 months", NOW) == pytest.approx(4 * 30 * 24)
    assert parse_hours("in the freezer since he was born and he's two weeks", NOW) == pytest.approx(14 * 24)


@pytest.mark.parametrize(
    "text, now, hours",
    [
        ("finished at 5:30, it's 9 now", datetime(2026, 7, 7, 21, 0), 3.5),  # 5:30 pm: the latest past reading
        ("pumped around noon, in the cooler since then", datetime(2026, 12, 28, 20, 30), 8.5),
        ("pumped at 7 this morning", datetime(2026, 12, 28, 10, 0), 3),
        ("out since 11", datetime(2026, 12, 28, 10, 0), 11),  # 11 pm yesterday: 11 am is still ahead
    ],
)
def test_a_time_without_am_or_pm_is_its_latest_past_reading(text, now, hours):
    assert parse_hours(text, now) == pytest.approx(hours)


def test_amounts_and_ages_after_at_are_not_clock_times():
    assert parse_hours("she feeds at 5 oz now", datetime(2026, 12, 28, 10, 0)) is None


def test_a_feeds_leftover_told_as_a_story_is_read_as_one():
    text = "he had about 3 oz and fell asleep, the bottle has been on the nightstand for an hour. can i give him the rest?"
    assert parse_state(text) == "leftover" and parse_place(text) == "room"
    assert asks_about_stored_milk(text)
    assert not asks_about_stored_milk("my milk has been in short supply for 2 weeks, what can I do")


def test_the_limits_table_cites_a_known_source_on_every_row():
    import yaml

    from coach.storage import LIMITS_FILE

    table = yaml.safe_load(LIMITS_FILE.read_text(encoding="utf-8"))
    assert {row["source"] for row in table["limits"]} <= set(table["sources"])
    assert "cdc" in table["sources"] and table["refreeze"]["source"] == "cdc"


@pytest.mark.parametrize("bad_row, message", [
    ("{state: fresh, place: room, fine_until: 5 hours, use_by: 4 hours, source: cdc, told: x}", "fine_until <= use_by"),
    ("{state: fresh, place: room, fine_until: 3 hours, use_by: four hours, source: cdc, told: x}", "not a duration"),
    ("{state: fresh, place: attic, fine_until: 3 hours, use_by: 4 hours, source: cdc, told: x}", "unknown state or place"),
    ("{state: fresh, place: room, fine_until: 3 hours, use_by: 4 hours, source: blog, told: x}", "unknown source"),
])
def test_a_wrong_row_in_the_limits_table_stops_the_start(tmp_path, bad_row, message):
    from coach.storage import load_limits

    path = tmp_path / "limits.yml"
    path.write_text("sources: {cdc: CDC}\nauthorities: {cdc: the CDC says}\n"
                    f"limits:\n  - {bad_row}\nrefreeze: {{source: cdc, told: throw it away}}\n")
    with pytest.raises(ValueError, match=message):
        load_limits(path)


# Classes found on eval/storage_tuning9 (a tuning set, read), each held by a made-up example.
@pytest.mark.parametrize("text, sent_at, facts", [
    # "the night before last around 9": two days back, in the evening.
    ("thawed a bag the night before last around 9, fridge since. ok?", "2026-03-12T08:00",
     {"place": "fridge", "state": "thawed", "hours": 35.0}),
    # "last night at 8" is 8 pm.
    ("finished thawing last night at 8, in the fridge since, still good?", "2026-03-12T18:00",
     {"place": "fridge", "state": "thawed", "hours": 22.0}),
    # Two times named (the start and the time she got home): the older one decides.
    ("in the cooler with ice packs since yesterday morning at 7. we got back (3pm), ok?", "2026-03-12T15:00",
     {"place": "cooler", "hours": 32.0}),
    ("two bottles on the counter, one from 3 and one from 9 this morning. it's 4 now, is the morning one ok?",
     "2026-03-12T16:00", {"place": "room", "hours": 7.0}),
    # The day's heat said without a unit.
    ("left it in the car for 2 hours, it's like 92 out, ok?", "2026-07-12T15:00", {"place": "hot", "hours": 2.0}),
    # A cooler whose ice packs have melted is room temperature.
    ("cooler bag since 8 but the ice packs were completely melted, its 3 now. ok?", "2026-03-12T15:00",
     {"place": "room", "hours": 7.0}),
    # "not leftover" and "warmed a frozen bag" say thawed.
    ("it's not leftover, she never touched it. it's a thawed bag, out 2 hours, ok?", "2026-03-12T15:00",
     {"place": "room", "state": "thawed", "hours": 2.0}),
    ("warmed up a frozen bag at noon, never got to feed her, on the counter since. ok?", "2026-03-12T15:00",
     {"place": "room", "state": "thawed", "hours": 3.0}),
    # Adjectives between a number and its unit.
    ("in the fridge 2 whole days, too long?", "2026-03-12T15:00", {"place": "fridge", "hours": 48.0}),
    # Where it will go is not where it was.
    ("on the counter since 10, can I put it in the fridge now?", "2026-03-12T15:00", {"place": "room", "hours": 5.0}),
    # "at 10:50 pm" is not a bare "at 10".
    ("pumped at 10:50 pm, on the dresser, its 2:20 am now. ok??", "2026-03-12T02:20",
     {"place": "room", "state": "fresh", "hours": 3.5}),
    # A 24-hour clock without "at".
    ("pumped 13:15, sitting on my desk, it's 16:45", "2026-03-12T16:45",
     {"place": "room", "state": "fresh", "hours": 3.5}),
])
def test_stored_milk_facts_by_class(text, sent_at, facts):
    from datetime import datetime

    from coach.storage import asks_about_stored_milk, read_facts

    assert read_facts(text, datetime.fromisoformat(sent_at)) == facts
    assert asks_about_stored_milk(text)


@pytest.mark.parametrize("text", ["out since like 7", "milk out since 11, ok?", "car was about 85, milk was in there 20 min",
                                  "he stopped drinking at 2:15, can he finish the bottle?",
                                  "was in the hot car like 30 min, it's 90 out. ok??"])
def test_short_stored_milk_statements_are_stored_milk_questions(text):
    from coach.storage import asks_about_stored_milk, wants_verdict

    assert asks_about_stored_milk(text) and wants_verdict(text)


@pytest.mark.parametrize("text", ["i pump in the car on my commute, is that ok?", "the car was so hot today, ok?"])
def test_the_car_alone_does_not_make_a_stored_milk_question(text):
    from coach.storage import asks_about_stored_milk

    assert not asks_about_stored_milk(text)


def test_milk_moved_on_from_the_counter_keeps_the_counter():
    from datetime import datetime

    from coach.storage import read_facts

    facts = read_facts("on the counter since 8, then fridge. ok?", datetime(2026, 3, 12, 15, 0))
    assert facts["place"] == "room" and facts["hours"] == 7.0


# Failure classes from the CDC's table (never refreeze thawed milk) and from how parents date a bag, each
# with a look-alike that must not change.
@pytest.mark.parametrize("text, sent_at, facts", [
    ("refrozen milk, ok for baby?", "2026-03-10T13:00", {"place": "freezer", "state": "thawed"}),
    ("it thawed out a bit during the power cut and i refroze it", "2026-03-10T13:00",
     {"place": "freezer", "state": "thawed"}),
    ("I froze it again after it thawed in the fridge", "2026-03-10T13:00", {"place": "freezer", "state": "thawed"}),
    ("it's never been refrozen, frozen since march 1st, ok?", "2026-03-10T13:00", {"place": "freezer", "hours": 229.0}),
    ("in the fridge since march 8th, ok?", "2026-03-10T13:00", {"place": "fridge", "hours": 61.0}),
    ("pumped on feb 20, in the freezer", "2026-03-10T13:00", {"place": "freezer", "state": "fresh", "hours": 445.0}),
    ("the bag says the 3rd of january", "2026-03-10T13:00", {"hours": 1597.0}),
    ("freezer bag from march 12, still good?", "2026-03-10T13:00", {"place": "freezer", "hours": 8725.0}),
    ("it may 2 hours on the counter", "2026-03-10T13:00", {"place": "room", "hours": 2.0}),
    ("bottle was left in the car all afternoon in the heat, like 4 hours", "2026-07-10T18:00",
     {"place": "hot", "hours": 4.0}),
])
def test_refrozen_milk_and_dates_without_a_year(text, sent_at, facts):
    from coach.storage import read_facts

    assert read_facts(text, datetime.fromisoformat(sent_at)) == facts


def test_refrozen_milk_is_thrown_away_at_any_age():
    from coach.storage import Verdict, judge_known, read_facts

    facts = read_facts("refrozen milk, ok for baby?", datetime(2026, 3, 10, 13))
    assert judge_known(facts["place"], facts["state"], facts.get("hours")).verdict is Verdict.THROW_AWAY


# --- issue 25's classes, from its list (examples written here, not taken from an evaluation set) ------

EVENING = datetime(2026, 5, 12, 18, 0)  # a Tuesday evening


@pytest.mark.parametrize("text, hours", [
    # The verdict must hold when she plans to give it, whatever the milk (a cooler's day, a thawed bag's 24 h).
    ("packed it on ice at 7 this morning, want to give it at 9 tomorrow morning", 26.0),
    ("it finished thawing in the fridge at 8 last night, planning to use it at 11 tonight", 27.0),
    ("pumped at noon, it's in the fridge, I'll give it at 8 in the morning", 20.0),
])
def test_the_milk_is_judged_at_the_time_she_plans_to_give_it(text, hours):
    assert read_facts(text, EVENING)["hours"] == pytest.approx(hours)


def test_milk_that_thawed_in_a_power_cut_and_froze_again_is_refrozen():
    facts = read_facts("the power was off all night and the bags went soft, by morning they froze back", EVENING)
    assert (facts["state"], facts["place"]) == ("thawed", "freezer")
    assert judge_known(facts["place"], facts["state"], facts.get("hours")).verdict is Verdict.THROW_AWAY


def test_a_month_of_last_year_is_that_month_a_year_back():
    assert read_facts("froze it in april of last year, been in the chest freezer since", EVENING)["hours"] > 365 * 24


def test_what_a_feed_left_is_leftover_milk():
    assert read_facts("he only drank half at the 3 o'clock feed, can he finish it now?", EVENING)["state"] == "leftover"


@pytest.mark.parametrize("text", ["the bag is in the freezer drawer at the bottom of the fridge since march",
                                  "kept in the freezer section on top of our fridge for 3 weeks"])
def test_a_freezer_part_of_a_fridge_is_a_freezer(text):
    assert read_facts(text, EVENING)["place"] == "freezer"


@pytest.mark.parametrize("text, place", [
    ("pumped at 9 and it rode around in the car all day, it's in the fridge now, ok for tomorrow?", "room"),
    ("left it on the counter while it was 95 out, then it went into the fridge at 4, fine?", HOT),
])
def test_milk_in_the_fridge_after_a_warm_stretch_is_judged_by_the_stretch_which_is_asked_for(text, place):
    facts = read_facts(text, EVENING)
    assert facts["place"] == place
    assert "hours" not in facts  # never "fine" on a guess: how long it was warm is asked
    assert "hours" in facts_that_matter(facts["place"], facts.get("state"), None)
