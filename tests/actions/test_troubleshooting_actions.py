"""The troubleshooting form's validation action and the explanation, on real rasa_sdk trackers."""
from actions.troubleshooting import ActionExplainDiagnosis, ActionStopTroubleshooting, ValidateTroubleshootForm
from coach.diagnosis import MAX_QUESTIONS, QUESTION_SLOTS
from coach.prompts import PROMPTS
from coach.replies import DID_NOT_CATCH, STOPPED, TROUBLESHOOT_INTRO, TROUBLESHOOT_RESUME
from tests.actions.trackers import make_tracker, slot_events, texts


async def run_validation(tracker, dispatcher, domain):
    return slot_events(await ValidateTroubleshootForm().run(dispatcher, tracker, domain))


async def test_activation_reads_the_opening_message_and_asks_something_else(dispatcher, domain):
    tracker = make_tracker("my cheap manual pump gives nothing and it hurts so much", intent="report_low_output")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["pump_type"] == "manual"
    assert slots["pumping_pain"] == "painful"
    assert slots["requested_slot"] not in ("pump_type", "pumping_pain")
    assert slots["requested_slot"] in QUESTION_SLOTS
    assert slots["troubleshooting_status"] == "in_progress"
    assert TROUBLESHOOT_INTRO in texts(dispatcher)


async def test_activation_uses_what_was_said_earlier_in_the_session(dispatcher, domain):
    earlier = [{"event": "user", "text": "which pump is best? i have an elvie", "parse_data": {}}]
    tracker = make_tracker("help, little milk comes out", intent="report_low_output", events=earlier)
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["pump_type"] == "wearable"


async def test_an_answer_fills_the_requested_slot_and_moves_on(dispatcher, domain):
    tracker = make_tracker("yes he nurses fine", intent="affirm", slots={"requested_slot": "nursing_goes_well"},
                           active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["nursing_goes_well"] == "yes"
    assert slots["requested_slot"] not in (None, "nursing_goes_well")


async def test_an_unreadable_answer_is_asked_again_kindly(dispatcher, domain):
    tracker = make_tracker("banana", intent="nlu_fallback", slots={"requested_slot": "pump_type"},
                           active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["pump_type"] is None
    assert slots["requested_slot"] == "pump_type"
    assert DID_NOT_CATCH in texts(dispatcher)


async def test_red_flags_and_stop_are_left_to_their_rules(dispatcher, domain):
    for intent, text in (("report_red_flag", "No, not gaining well"), ("stop", "stop asking"),
                         ("request_human", "a person pls")):
        # The NLU guard tags phrase-rule red flags with a red_flag entity, as it would for this text.
        flags = [{"entity": "red_flag", "value": "infant"}] if intent == "report_red_flag" else []
        tracker = make_tracker(text, intent=intent, slots={"requested_slot": "baby_gaining_well"},
                               active_loop="troubleshoot_form",
                               entities=flags)
        events = await ValidateTroubleshootForm().run(dispatcher, tracker, domain)
        # No slot filled: Rasa rejects the form, and the red-flag/stop/handoff rule answers instead.
        assert [e for e in events if e.get("event") == "slot" and e["name"] != "requested_slot"] == []


async def test_a_topic_question_mid_form_is_not_swallowed(dispatcher, domain):
    tracker = make_tracker("can i use coconut oil on the flange", intent="ask_lubricant",
                           slots={"requested_slot": "milk_flow_starts"}, active_loop="troubleshoot_form")
    events = await ValidateTroubleshootForm().run(dispatcher, tracker, domain)
    assert [e for e in events if e.get("event") == "slot" and e["name"] == "milk_flow_starts"] == []
    assert dispatcher.messages == []


async def test_stops_asking_after_the_question_budget(dispatcher, domain):
    asked = QUESTION_SLOTS[:MAX_QUESTIONS]
    events = [{"event": "bot", "text": PROMPTS[slot].text} for slot in asked]
    # Answers that leave the causes close: only the budget can end it.
    slots = {"requested_slot": asked[-1], "nursing_goes_well": "not_nursing", "baby_gaining_well": "unsure",
             "pump_type": "electric", "pumping_pain": "some", "breasts_feel_full": "yes"}
    tracker = make_tracker("not sure", slots=slots, events=events, active_loop="troubleshoot_form")
    result = await run_validation(tracker, dispatcher, domain)
    assert result["requested_slot"] is None


async def test_explanation_names_cause_and_runner_up_and_sets_slots(dispatcher):
    slots = {"pumping_pain": "painful", "flange_size": "under_24", "suction_level": "high"}
    events = slot_events(await ActionExplainDiagnosis().run(dispatcher, make_tracker(slots=slots), {}))
    assert events["suspected_cause"] == "parts_settings"
    assert events["runner_up_cause"] not in (None, "parts_settings")
    assert events["troubleshooting_status"] == "done"
    message = dispatcher.messages[0]
    assert "flange" in message["text"].lower()
    assert "It could also be" in message["text"]
    assert any(b["title"] == "Talk to a person" for b in message["buttons"])


async def test_stop_keeps_answers_and_offers_to_continue(dispatcher):
    events = slot_events(await ActionStopTroubleshooting().run(dispatcher, make_tracker("stop"), {}))
    assert events == {"troubleshooting_status": "stopped", "requested_slot": None}
    assert STOPPED in texts(dispatcher)


async def test_a_question_is_dropped_after_two_muddled_answers(dispatcher, domain):
    asked_twice = [{"event": "bot", "text": PROMPTS["pump_type"].text}] * 2
    tracker = make_tracker("banana", intent="nlu_fallback", slots={"requested_slot": "pump_type"},
                           events=asked_twice, active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["requested_slot"] not in (None, "pump_type")


async def test_a_muddled_answer_gets_the_same_question_once_more(dispatcher, domain):
    # Rasa's form adds a requested_slot event of its own while validating: that is not a second ask.
    asked_once = [{"event": "bot", "text": PROMPTS["suction_level"].text},
                  {"event": "slot", "name": "requested_slot", "value": "suction_level"},
                  {"event": "slot", "name": "requested_slot", "value": "suction_level"}]
    tracker = make_tracker("hmm", intent="inform", slots={"requested_slot": "suction_level"},
                           events=asked_once, active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["requested_slot"] == "suction_level"


async def test_resuming_after_an_interruption_reads_nothing_new(dispatcher, domain):
    # user asked about lubricant -> the topic answer ran -> the form resumes: that text is no answer.
    tracker = make_tracker("hmm coconut oil?", intent="ask_lubricant", slots={"requested_slot": "suction_level"},
                           active_loop="troubleshoot_form")
    tracker.events.append({"event": "action", "name": "action_answer_topic"})
    tracker.events.append({"event": "action", "name": "troubleshoot_form"})
    events = await ValidateTroubleshootForm().run(dispatcher, tracker, domain)
    assert dispatcher.messages == []
    assert [e for e in events if e["name"] != "requested_slot"] == []


async def test_baby_not_gaining_gets_the_human_contact_answer_first(dispatcher):
    from coach.clinic import clinic

    slots = {"baby_gaining_well": "no", "nursing_goes_well": "no"}
    events = slot_events(await ActionExplainDiagnosis().run(dispatcher, make_tracker(slots=slots), {}))
    assert events["red_flag"] == "infant" and events["suspected_cause"] == "supply"
    text = dispatcher.messages[0]["text"]
    assert text.index(clinic().phone) < text.index("most likely going on")


async def test_stop_that_plainly_answers_the_question_counts_as_an_answer(dispatcher, domain):
    tracker = make_tracker("yeah full", intent="stop", slots={"requested_slot": "breasts_feel_full"},
                           active_loop="troubleshoot_form")
    assert (await run_validation(tracker, dispatcher, domain))["breasts_feel_full"] == "yes"


async def test_a_plain_stop_is_left_to_the_stop_rule(dispatcher, domain):
    tracker = make_tracker("no more questions", intent="stop", slots={"requested_slot": "breasts_feel_full"},
                           active_loop="troubleshoot_form")
    events = await ValidateTroubleshootForm().run(dispatcher, tracker, domain)
    assert [e for e in events if e["name"] != "requested_slot"] == []


async def test_coming_back_after_stopping_says_so(dispatcher, domain):
    tracker = make_tracker("Continue the pumping questions", intent="report_low_output",
                           slots={"troubleshooting_status": "stopped", "pump_type": "manual"})
    slots = await run_validation(tracker, dispatcher, domain)
    assert texts(dispatcher).startswith(TROUBLESHOOT_RESUME)
    assert slots["requested_slot"] != "pump_type"


async def test_classifier_only_red_flag_on_a_plain_answer_is_an_answer(dispatcher, domain):
    # No phrase rule fired and the text plainly answers the question: no alarm, the questions go on.
    from coach.clinic import clinic

    tracker = make_tracker("nursing is rough too", intent="report_red_flag",
                           slots={"requested_slot": "nursing_goes_well"}, active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["nursing_goes_well"] == "no" and "red_flag" not in slots
    assert clinic().phone not in texts(dispatcher)
    assert slots["requested_slot"] not in (None, "nursing_goes_well")


async def test_a_second_unreadable_reply_is_taken_as_unsure_without_another_apology(dispatcher, domain):
    asked_twice = [{"event": "bot", "text": PROMPTS["suction_level"].text}] * 2
    tracker = make_tracker("banana", intent="inform", slots={"requested_slot": "suction_level"},
                           events=asked_twice, active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["suction_level"] == "unsure"
    assert "didn't catch" not in texts(dispatcher)


async def test_hedges_are_answers(dispatcher, domain):
    tracker = make_tracker("not sure tbh", intent="inform", slots={"requested_slot": "breasts_feel_full"},
                           active_loop="troubleshoot_form")
    slots = await run_validation(tracker, dispatcher, domain)
    assert slots["breasts_feel_full"] == "unsure" and "didn't catch" not in texts(dispatcher)


async def test_phrase_rule_red_flag_always_goes_to_the_rule(dispatcher, domain):
    tracker = make_tracker("nursing is hard and i have a fever with a red hot breast", intent="report_red_flag",
                           slots={"requested_slot": "nursing_goes_well"}, active_loop="troubleshoot_form",
                           entities=[{"entity": "red_flag", "value": "mastitis"}])
    events = await ValidateTroubleshootForm().run(dispatcher, tracker, domain)
    assert [e for e in events if e["name"] != "requested_slot"] == []
