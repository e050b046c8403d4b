"""Safety, hand-off, topic answers, stored milk, session start and the question actions."""
import pytest

from actions.ask import AskQuestion
from actions.safety import ActionHandleRedFlag, ActionHandoff, ActionResolveSafetyCheck
from actions.session import ActionSessionStart
from actions.storage import ActionStorageVerdict, ValidateStorageForm
from actions.topics import ActionAnswerTopic, ActionDefaultFallback
from coach.clinic import clinic
from coach.knowledge import knowledge_base
from coach.prompts import PROMPTS
from coach.replies import DID_NOT_CATCH, PRIVACY_NOTICE, STORAGE_UNSURE
from tests.actions.trackers import make_tracker, slot_events, texts


async def test_red_flag_answer_gives_clinic_contacts_and_sets_the_slot(dispatcher):
    tracker = make_tracker("fever and a red hot lump in my breast", intent="report_red_flag",
                           entities=[{"entity": "red_flag", "value": "mastitis"}])
    events = slot_events(await ActionHandleRedFlag().run(dispatcher, tracker, {}))
    assert events["red_flag"] == "mastitis"
    assert clinic().phone in texts(dispatcher) and clinic().emergency_number in texts(dispatcher)


async def test_classifier_only_red_flag_asks_one_check_first(dispatcher):
    # The phrase rules found nothing, the classifier said red flag: one short check, with buttons.
    tracker = make_tracker("something feels really wrong with my breast", intent="report_red_flag")
    events = slot_events(await ActionHandleRedFlag().run(dispatcher, tracker, {}))
    assert events == {"safety_check_pending": True, "safety_check_kind": "breast"}
    assert texts(dispatcher).startswith("Just to be safe:")
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Yes", "No"]
    assert clinic().phone not in texts(dispatcher)


async def test_a_low_mood_check_shows_the_crisis_line_at_once(dispatcher):
    tracker = make_tracker("i feel numb and can't cope", intent="report_red_flag",
                           entities=[{"entity": "red_flag", "value": "low_mood"}])
    events = slot_events(await ActionHandleRedFlag().run(dispatcher, tracker, {}))
    assert events["safety_check_kind"] == "mood"
    assert clinic().crisis_line in texts(dispatcher)


@pytest.mark.parametrize("reply, intent", [("yes", "affirm"), ("kind of", "inform"), ("what?", "nlu_fallback")])
async def test_yes_or_an_unclear_reply_to_the_check_reaches_a_person(dispatcher, reply, intent):
    tracker = make_tracker(reply, intent=intent, slots={"safety_check_pending": True, "safety_check_kind": "baby"},
                           latest_action="action_listen")
    events = slot_events(await ActionResolveSafetyCheck().run(dispatcher, tracker, {}))
    assert events["red_flag"] == "infant" and events["safety_check_pending"] is None
    assert clinic().phone in texts(dispatcher) and clinic().emergency_number in texts(dispatcher)


async def test_no_to_the_check_goes_back_to_the_questions(dispatcher):
    tracker = make_tracker("no nothing like that", intent="deny", latest_action="action_listen",
                           slots={"safety_check_pending": True, "safety_check_kind": "breast",
                                  "troubleshooting_status": "in_progress"})
    events = await ActionResolveSafetyCheck().run(dispatcher, tracker, {})
    assert {"event": "followup", "name": "troubleshoot_form", "timestamp": None} in events
    assert slot_events(events)["safety_check_pending"] is None and "red_flag" not in slot_events(events)
    assert clinic().phone not in texts(dispatcher)


async def test_red_flag_that_answers_the_question_fills_it(dispatcher):
    tracker = make_tracker("No, not gaining well", intent="report_red_flag",
                           slots={"requested_slot": "baby_gaining_well", "troubleshooting_status": "in_progress"},
                           active_loop="troubleshoot_form", entities=[{"entity": "red_flag", "value": "infant"}])
    events = slot_events(await ActionHandleRedFlag().run(dispatcher, tracker, {}))
    assert events["red_flag"] == "infant"
    assert events["baby_gaining_well"] == "no"
    assert "Continue the pumping questions" in [b["title"] for b in dispatcher.messages[0]["buttons"]]


async def test_handoff(dispatcher):
    events = slot_events(await ActionHandoff().run(dispatcher, make_tracker("human pls", intent="request_human"), {}))
    assert events == {"handoff_requested": True}
    assert clinic().phone in texts(dispatcher)


@pytest.mark.parametrize("intent", sorted(knowledge_base().by_topic()))
async def test_topic_answers_come_from_the_knowledge_base(dispatcher, intent):
    await ActionAnswerTopic().run(dispatcher, make_tracker("q", intent=intent), {})
    assert texts(dispatcher) == knowledge_base().for_topic(intent).render()


async def test_topic_answer_for_an_unknown_intent_asks_to_rephrase(dispatcher):
    await ActionAnswerTopic().run(dispatcher, make_tracker("q", intent="greet"), {})
    assert dispatcher.messages[0]["response"] == "utter_please_rephrase"


async def test_fallback_offers_a_person(dispatcher):
    events = await ActionDefaultFallback().run(dispatcher, make_tracker("?"), {})
    assert events[0]["event"] == "rewind"
    assert "Talk to a person" in [b["title"] for b in dispatcher.messages[0]["buttons"]]


async def test_storage_form_general_question_needs_no_facts(dispatcher, domain):
    tracker = make_tracker("how long does milk last in the fridge", intent="ask_milk_storage",
                           latest_action="storage_form")
    events = slot_events(await ValidateStorageForm().run(dispatcher, tracker, domain))
    assert events["storage_question_specific"] is False
    assert events["requested_slot"] is None


async def test_storage_form_asks_only_for_what_is_missing(dispatcher, domain):
    tracker = make_tracker("thawed yesterday morning, still good?", intent="ask_milk_storage",
                           latest_action="storage_form", metadata={"local_time": "2026-11-27T14:00"})
    events = slot_events(await ValidateStorageForm().run(dispatcher, tracker, domain))
    assert events["milk_state"] == "thawed" and events["storage_hours"] == 30  # 8 am yesterday to 2 pm today
    assert events["storage_question_specific"] is True
    # Domain order is place, state, hours: only the place is missing, so Rasa asks for it.
    assert "storage_place" not in events or events["storage_place"] is None


async def test_storage_form_takes_not_sure_as_an_answer(dispatcher, domain):
    # "pumped 5 hours ago" without a place: asked where; "not sure" ends the form with every case's
    # limits to follow, not "didn't catch that" and the question again.
    tracker = make_tracker("honestly not sure", intent="inform", latest_action="storage_form",
                           slots={"requested_slot": "storage_place", "storage_question_specific": True,
                                  "milk_state": "fresh", "storage_hours": 5.0})
    events = slot_events(await ValidateStorageForm().run(dispatcher, tracker, domain))
    assert events["storage_question_specific"] is False and events["requested_slot"] is None
    assert texts(dispatcher) == STORAGE_UNSURE


async def test_storage_form_still_asks_again_after_an_unreadable_reply(dispatcher, domain):
    tracker = make_tracker("hmm the blue one", intent="inform", latest_action="storage_form",
                           slots={"requested_slot": "storage_place", "storage_question_specific": True,
                                  "milk_state": "fresh", "storage_hours": 5.0})
    events = slot_events(await ValidateStorageForm().run(dispatcher, tracker, domain))
    assert texts(dispatcher) == DID_NOT_CATCH
    assert events.get("requested_slot", "storage_place") == "storage_place"


async def test_storage_verdict(dispatcher):
    tracker = make_tracker(slots={"storage_place": "room", "milk_state": "fresh", "storage_hours": 5.0})
    events = slot_events(await ActionStorageVerdict().run(dispatcher, tracker, {}))
    assert events["storage_verdict"] == "throw_away"
    assert "CDC" in texts(dispatcher) and "Rule of 6" in texts(dispatcher)


async def test_storage_without_facts_gives_general_guidance(dispatcher):
    events = slot_events(await ActionStorageVerdict().run(dispatcher, make_tracker(), {}))
    assert events["storage_verdict"] is None
    assert knowledge_base().entry("milk_storage").official in texts(dispatcher)


async def test_session_start_shows_the_privacy_notice_once(dispatcher):
    events = await ActionSessionStart().run(dispatcher, make_tracker(), {})
    assert PRIVACY_NOTICE in texts(dispatcher)
    assert slot_events(events)["privacy_notice_shown"] is True
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"

    again = type(dispatcher)()
    slots = {"privacy_notice_shown": True, "pump_type": "manual", "pumping_pain": "some"}
    events = await ActionSessionStart().run(again, make_tracker(slots=slots), {})
    assert again.messages == []
    carried = slot_events(events)
    assert carried == {"privacy_notice_shown": True, "pump_type": "manual"}


@pytest.mark.parametrize("slot", sorted(PROMPTS))
async def test_each_question_has_an_ask_action_with_its_buttons(dispatcher, slot, domain):
    action = next(cls() for cls in AskQuestion.__subclasses__() if cls.slot == slot)
    assert action.name() == f"action_ask_{slot}"
    assert action.name() in domain["actions"]
    await action.run(dispatcher, make_tracker(), {})
    assert dispatcher.messages[0]["text"] == PROMPTS[slot].text
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == [t for t, _ in PROMPTS[slot].options]


async def test_a_question_that_the_facts_already_settle_is_not_asked(dispatcher, domain):
    # Out on the dresser for 6 hours: past every room-temperature limit, so fresh/thawed/leftover is not asked.
    tracker = make_tracker("milk sat out on the dresser for 6 hours, ok?", intent="ask_milk_storage",
                           latest_action="storage_form")
    events = slot_events(await ValidateStorageForm().run(dispatcher, tracker, domain))
    assert events["storage_place"] == "room" and events["storage_hours"] == 6
    assert events["requested_slot"] is None
    verdict = slot_events(await ActionStorageVerdict().run(dispatcher, make_tracker(slots=events), {}))
    assert verdict["storage_verdict"] == "throw_away"


async def test_a_wearable_question_gets_the_wearable_answer(dispatcher):
    tracker = make_tracker("is a willow worth the money", intent="ask_pump_choice", latest_action="action_listen")
    await ActionAnswerTopic().run(dispatcher, tracker, {})
    assert "Willow" in texts(dispatcher) and "plug" in texts(dispatcher)


SESSION_DOMAIN = {"session_config": {"session_expiration_time": 60, "carry_over_slots_to_new_session": True}}


@pytest.mark.parametrize("minutes_ago, continuing", [(0.5, True), (59, True), (61, False), (24 * 60, False)])
async def test_a_session_started_while_the_parent_writes_keeps_everything(dispatcher, minutes_ago, continuing):
    # A long chat's session ends when it is full (rasa_patches/session_size.py): the form and its answers
    # go on. After an hour of silence only the durable facts carry over.
    import time

    slots = {"privacy_notice_shown": True, "pump_type": "manual", "pumping_pain": "some",
             "requested_slot": "flange_size", "session_started_metadata": {"local_time": "2026-12-07T09:00"}}
    earlier = [{"event": "user", "text": "it hurts a bit", "timestamp": time.time() - minutes_ago * 60}]
    tracker = make_tracker(slots=slots, events=earlier, active_loop="troubleshoot_form")
    tracker.events.pop(-2)  # make_tracker's own user turn has no time: the timed one is the last
    events = await ActionSessionStart().run(dispatcher, tracker, SESSION_DOMAIN)
    carried = slot_events(events)
    loops = [e["name"] for e in events if e["event"] == "active_loop"]
    if continuing:
        assert carried == {"privacy_notice_shown": True, "pump_type": "manual", "pumping_pain": "some",
                           "requested_slot": "flange_size"}
        assert loops == ["troubleshoot_form"]
    else:
        assert carried == {"privacy_notice_shown": True, "pump_type": "manual"} and loops == []
    assert events[0]["event"] == "session_started" and events[-1]["name"] == "action_listen"
    assert dispatcher.messages == []  # the privacy notice was shown already


async def test_a_message_the_assistant_cannot_read_still_gets_every_number_in_english_and_spanish(dispatcher):
    # "Mi bebé tiene 10 días y solo 2 pañales mojados": a red flag the assistant cannot read yet.
    from actions.safety import ActionNonEnglish

    tracker = make_tracker("mi bebé tiene 10 días y solo 2 pañales mojados hoy", intent="non_english")
    assert await ActionNonEnglish().run(dispatcher, tracker, {}) == []
    text, c = texts(dispatcher), clinic()
    assert all(number in text for number in (c.phone, c.emergency_number, c.crisis_line))
    spanish = next(p for p in text.split("\n\n") if p.startswith("Lo siento"))
    assert c.phone in spanish and c.emergency_number in spanish and c.crisis_line in spanish
