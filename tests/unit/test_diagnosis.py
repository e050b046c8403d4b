"""The cause model: question choice, stopping, and which cause wins for typical answer sets."""
import math

import pytest

from coach import diagnosis
from coach.diagnosis import CAUSES, MAX_QUESTIONS, QUESTIONS, diagnose, next_question, posterior


def test_likelihood_rows_are_distributions():
    for question in QUESTIONS:
        for cause in CAUSES:
            row = question.likelihoods[cause]
            assert set(row) == set(question.answers), (question.slot, cause)
            assert math.isclose(sum(row.values()), 1.0, abs_tol=1e-9), (question.slot, cause)


def test_posterior_sums_to_one_and_starts_at_priors():
    post = posterior({})
    assert math.isclose(sum(post.values()), 1.0)
    assert post == pytest.approx(diagnosis.PRIORS)


def test_unknown_slots_and_values_are_ignored():
    assert posterior({"pump_type": "spaceship", "favourite_colour": "red"}) == posterior({})


def test_first_question_is_the_most_informative_one():
    first = next_question({})
    expected = min(QUESTIONS, key=lambda q: diagnosis.expected_entropy(q, {})).slot
    assert first == expected
    assert first is not None


def test_never_asks_an_answered_question():
    answers = {"pump_type": "manual", "pumping_pain": "painful"}
    asked = 0
    while (slot := next_question(answers, asked)) is not None:
        assert slot not in answers
        answers[slot] = QUESTIONS[[q.slot for q in QUESTIONS].index(slot)].answers[0]
        asked += 1
    assert asked <= MAX_QUESTIONS


def test_stops_after_the_question_budget_even_when_unsure():
    # Answers that keep every cause plausible: the model would like more, the budget says no.
    assert next_question({}, asked=MAX_QUESTIONS) is None


@pytest.mark.parametrize(
    "answers, cause",
    [
        ({"pump_type": "manual", "nursing_goes_well": "yes", "pumping_pain": "none", "baby_gaining_well": "yes",
          "breasts_feel_full": "no", "milk_flow_starts": "yes"}, "pump"),
        ({"pumping_pain": "painful", "flange_size": "under_24", "suction_level": "high"}, "parts_settings"),
        ({"pumping_feelings": "hate", "nursing_goes_well": "yes", "baby_gaining_well": "yes", "pumping_pain": "none",
          "milk_flow_starts": "no"}, "anxiety"),
        ({"breasts_feel_full": "yes", "milk_flow_starts": "no", "pumping_feelings": "calm", "pumping_pain": "none",
          "pump_type": "electric"}, "let_down"),
        ({"nursing_goes_well": "no", "breasts_feel_full": "no", "baby_gaining_well": "unsure",
          "pump_type": "hospital_grade"}, "supply"),
    ],
)
def test_typical_answer_sets_point_at_their_cause(answers, cause):
    assert diagnose(answers).cause == cause


def test_worn_parts_move_a_comfortable_electric_pump_parent_towards_parts_and_settings():
    # No pain, a good pump, a let-down that comes: without the parts the cause is unclear.
    answers = {"pump_type": "electric", "pumping_pain": "none", "milk_flow_starts": "yes", "nursing_goes_well": "yes"}
    before = posterior(answers)
    after = posterior({**answers, "parts_condition": "worn"})
    assert after["parts_settings"] > 1.5 * before["parts_settings"]
    assert after["supply"] < before["supply"] and after["anxiety"] < before["anxiety"]


def test_a_let_down_for_the_baby_but_not_the_pump_is_not_a_supply_problem():
    answers = {"breasts_feel_full": "yes", "milk_flow_starts": "no", "let_down_with_baby": "yes"}
    assert diagnose(answers).cause == "let_down"
    assert posterior(answers)["supply"] < posterior({**answers, "let_down_with_baby": "no"})["supply"] / 3


def test_baby_not_gaining_settles_on_supply_at_once():
    answers = {"baby_gaining_well": "no"}
    assert next_question(answers) is None
    result = diagnose(answers)
    assert result.cause == "supply"
    assert result.runner_up != "supply"


def test_runner_up_differs_from_cause():
    result = diagnose({"pumping_pain": "painful"})
    assert result.cause != result.runner_up
    assert result.confidence >= result.runner_up_confidence


# --- the spec file (coach/knowledge/questions.yml) -------------------------------------------------


def test_each_question_is_one_spec_with_its_reason_its_reader_its_text_and_its_buttons():
    from coach import answers
    from coach.prompts import PROMPTS

    for question in QUESTIONS:
        assert question.why, question.slot
        assert question.reader in answers.PARSERS, question.slot
        assert PROMPTS[question.slot].text  # content/en/questions.yml
        # every answer the model weighs can be given with a button, or is "unsure" said in words
        titles = {value for _, value in PROMPTS[question.slot].options}
        assert set(question.answers) - titles <= {"unsure"}, question.slot


def _spec(tmp_path, questions, priors=None):
    import yaml

    path = tmp_path / "questions.yml"
    path.write_text(yaml.safe_dump({
        "priors": priors or {c: 0.2 for c in CAUSES}, "settle": {"confident_posterior": 0.6, "lead_ratio": 2,
                                                                 "max_questions": 6},
        "questions": questions}, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("questions, priors, message", [
    ({"q": {"likelihoods": {"pump": {"a": 1.0}}}}, None, "default"),
    ({"q": {"likelihoods": {"default": {"a": 0.5, "b": 0.4}}}}, None, "sums to"),
    ({"q": {"likelihoods": {"default": {"a": 0.5, "b": 0.5}, "pump": {"b": 0.5, "a": 0.5}}}}, None, "answers"),
    ({"q": {"likelihoods": {"default": {"a": 1.0}, "weather": {"a": 1.0}}}}, None, "unknown causes"),
    ({"q": {"likelihoods": {"default": {"a": 1.0}}}}, {c: 0.3 for c in CAUSES}, "priors sum"),
])
def test_a_malformed_spec_is_refused_with_the_question_and_the_reason(tmp_path, questions, priors, message):
    with pytest.raises(diagnosis.QuestionSpecError, match=message):
        diagnosis.load_spec(_spec(tmp_path, questions, priors))


def test_a_cause_without_its_own_row_takes_the_default(tmp_path):
    _, _, (question,) = diagnosis.load_spec(_spec(tmp_path, {"q": {"why": "w", "likelihoods": {
        "default": {"a": 0.5, "b": 0.5}, "supply": {"a": 0.9, "b": 0.1}}}}))
    assert question.likelihoods["pump"] == {"a": 0.5, "b": 0.5}
    assert question.likelihoods["supply"] == {"a": 0.9, "b": 0.1}
    assert question.reader == "q" and question.why == "w"
