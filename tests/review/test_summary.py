"""How stored events become the facts the queue filters on (plain functions, made-up rows)."""
import json

from review.events import EventRow, Summary, transcript

T0 = 1_790_000_000.0


def row(i, type_name, action=None, **data):
    return EventRow(i, "s", type_name, T0 + i, data.get("parse_data", {}).get("intent", {}).get("name"), action,
                    json.dumps({"event": type_name, **data}))


def user(i, text, intent, confidence):
    return row(i, "user", text=text, parse_data={"intent": {"name": intent, "confidence": confidence}},
               input_channel="telegram")


def fold(rows):
    s = Summary("s", T0, T0)
    for r in rows:
        s.apply(r, low_confidence=0.5, misses_for_attention=2)
    return s


def test_one_misunderstanding_is_not_enough_two_are():
    one = fold([user(1, "blah", "nlu_fallback", 0.3), row(2, "action", "action_default_fallback")])
    assert one.misunderstandings == 1 and one.attention_at is None
    two = fold([user(1, "blah", "nlu_fallback", 0.3), row(2, "action", "action_default_fallback"),
                user(3, "meh", "inform", 0.45)])
    assert two.misunderstandings == 2 and two.attention_reasons == {"misunderstood"}
    assert two.attention_at == T0 + 3


def test_red_flag_slot_sets_the_kind_and_the_wait_starts_at_the_first_reason():
    s = fold([user(1, "help", "request_human", 0.9), row(2, "action", "action_handoff"),
              user(3, "fever and red breast", "report_red_flag", 0.99), row(4, "slot", name="red_flag", value="mastitis")])
    assert s.red_flag == "mastitis" and s.handoff
    assert s.attention_reasons == {"handoff", "red_flag"} and s.attention_at == T0 + 2
    assert s.channel == "telegram" and s.topics == {"request_human", "report_red_flag"}


def test_review_clears_the_wait_until_something_new_happens():
    s = fold([user(1, "x", "nlu_fallback", 0.2), user(2, "y", "nlu_fallback", 0.2)])
    s.mark_reviewed()
    assert s.attention_at is None
    s.apply(user(3, "z", "nlu_fallback", 0.2), 0.5, 2)
    assert s.attention_at is None  # one new miss after the review
    s.apply(user(4, "w", "nlu_fallback", 0.2), 0.5, 2)
    assert s.attention_at == T0 + 4


def test_search_text_is_masked_and_lower_case():
    s = fold([user(1, "Call me on +44 7700 900123", "inform", 0.9)])
    assert s.search_text == "call me on [phone]"


def test_transcript_marks_quick_replies_red_flags_and_masks_unless_revealed():
    rows = [row(1, "bot", text="Does pumping hurt?", data={"buttons": [{"title": "A bit sore", "payload": "A bit sore"}]}),
            user(2, "A bit sore", "inform", 0.97),
            user(3, "my nipples are bleeding, call 07700900123", "inform", 0.6),
            row(4, "action", "action_handle_red_flag"),
            row(5, "slot", name="suspected_cause", value="parts_settings"),
            row(6, "slot", name="requested_slot", value="pump_type"),
            EventRow(7, "s", "user", T0 + 7, None, None, "{not json")]
    items = transcript(rows)
    users = [i for i in items if i.kind == "user"]
    assert users[0].tapped and not users[1].tapped
    assert users[1].red_flag and "[phone]" in users[1].text
    assert [i.slot for i in items if i.kind == "answer"] == ["suspected_cause"]
    assert users[2].text == ""  # a damaged row still shows up, empty
    assert "07700900123" in [i for i in transcript(rows, reveal=True) if i.kind == "user"][1].text


def test_nul_and_lone_surrogates_are_cleaned_so_they_can_be_stored_and_shown():
    s = fold([user(1, "hi \ud800 there\x00!", "inform", 0.9)])
    assert s.search_text == "hi ? there!"
    s.search_text.encode("utf-8")
    assert transcript([user(1, "hi \ud800 there\x00!", "inform", 0.9)])[0].text == "hi ? there!"


def test_transcript_shows_which_step_decided_the_intent():
    flagged = row(1, "user", text="fever and a red hot breast", parse_data={
        "intent": {"name": "report_red_flag", "confidence": 1.0},
        "decided_by": {"step": "red-flag rule", "detail": "mastitis"}})
    plain = row(2, "user", text="how often should i pump", parse_data={
        "intent": {"name": "ask_session_length", "confidence": 0.82}, "decided_by": {"step": "classifier", "detail": "0.82"}})
    older = user(3, "hi", "greet", 0.99)  # recorded before the step was
    assert [i.decided_by for i in transcript([flagged, plain, older])] == [
        "red-flag rule: mastitis", "classifier: 0.82", None]
