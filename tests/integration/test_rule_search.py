"""rasa_patches/speed.py's rule search finds exactly the rules Rasa's own search finds, on the
trained model's rule table, at every turn of every test story and for every rule's own turns."""
import itertools

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from harness import ROOT
from harness.server import model_path
from rasa_patches import speed


@pytest.fixture(scope="module")
def policy_and_domain(tmp_path_factory):
    storage, metadata = LocalModelStorage.from_model_archive(tmp_path_factory.mktemp("model"), model_path())
    node = next(schema for schema in metadata.predict_schema.nodes.values() if schema.uses is RulePolicy)
    policy = RulePolicy.load({**RulePolicy.get_default_config(), **node.config}, storage, node.resource,
                             ExecutionContext(metadata.predict_schema, metadata.model_id))
    return policy, metadata.domain


def story_states(policy, domain):
    """The states RulePolicy predicts from, before each action of each test story."""
    reader = YAMLStoryReader(domain)
    for path in sorted((ROOT / "tests" / "stories").glob("*.yml")):
        for step in reader.read_from_file(path):
            tracker = DialogueStateTracker(step.block_name, domain.slots)
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            for event in step.events:
                if isinstance(event, ActionExecuted):
                    for use_text in (True, False):
                        yield use_text, policy._prediction_states(tracker, domain, use_text,
                                                                  rule_only_data=policy._get_rule_only_data())
                tracker.update(event)


def as_conversation_states(rule_turns):
    """A rule's turns as a conversation's states: JSON made the featurizer's tuples lists."""
    return [{part: {name: tuple(value) if isinstance(value, list) else value for name, value in features.items()}
             for part, features in turn.items()} for turn in rule_turns]


def test_the_rule_table_is_not_trivial(policy_and_domain):
    policy, _ = policy_and_domain
    assert len(policy.lookup[RULES]) > 50


@pytest.mark.parametrize("table", [RULES, RULES_FOR_LOOP_UNHAPPY_PATH])
def test_every_story_turn_finds_the_same_rules(policy_and_domain, table):
    policy, domain = policy_and_domain
    lookup = policy.lookup.get(table, {})
    checked, matched = [], []
    for use_text, states in story_states(policy, domain):
        fixed = speed._get_possible_keys(policy, lookup, states)
        assert fixed == speed._stock_get_possible_keys(policy, lookup, states), states[-3:]
        checked.append(use_text)
        matched += [use_text] if fixed else []
    assert len(checked) > 200
    if table == RULES:
        # Most turns read by intent match a rule (the rules are written for intents, not texts), so
        # the comparison is mostly of found rules, not of empty sets.
        assert matched.count(False) > checked.count(False) / 2


def test_each_rule_finds_the_same_rules_from_its_own_turns(policy_and_domain):
    # A rule's own turns match it, and often shorter or longer rules too; preceded by an unrelated
    # turn, by none, or cut short.
    policy, _ = policy_and_domain
    lookup = policy.lookup[RULES]
    filler = [{"prev_action": {"action_name": ACTION_LISTEN_NAME}, "user": {"intent": "greet"}}]
    for key in itertools.islice(sorted(lookup), 400):
        turns = as_conversation_states(policy._rule_key_to_state(key))
        for states in (turns, filler + turns, turns[1:], turns[:-1]):
            fixed = speed._get_possible_keys(policy, lookup, states)
            assert fixed == speed._stock_get_possible_keys(policy, lookup, states), key
        assert key in speed._get_possible_keys(policy, lookup, turns)


def test_a_changed_rule_table_is_grouped_again(policy_and_domain):
    policy, _ = policy_and_domain
    lookup = dict(policy.lookup[RULES])
    some_key = next(iter(lookup))
    turns = as_conversation_states(policy._rule_key_to_state(some_key))
    assert some_key in speed._get_possible_keys(policy, lookup, turns)
    del lookup[some_key]  # Rasa edits its tables while it trains
    assert some_key not in speed._get_possible_keys(policy, lookup, turns)


def test_rules_without_a_named_previous_action_are_checked_as_rasa_checks_them(policy_and_domain):
    # Rules the grouping cannot file under a previous action: a conversation start, a previous action
    # that must not be set, one named by its text, and one whose name is left empty (null).
    policy, _ = policy_and_domain
    keys = ['[{"user": {"intent": "greet"}}]',
            '[{"prev_action": {"action_name": "should_not_be_set"}, "user": {"intent": "greet"}}]',
            '[{"prev_action": {"action_text": "hello"}, "user": {"intent": "greet"}}]',
            '[{"prev_action": {"action_text": null}, "user": {"intent": "greet"}}]',
            '[{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]']
    lookup = {key: "utter_greet" for key in keys}
    for prev_action in ({}, {"action_name": ACTION_LISTEN_NAME}, {"action_text": "hello"}):
        states = [{"prev_action": prev_action, "user": {"intent": "greet"}} if prev_action else {"user": {"intent": "greet"}}]
        fixed = speed._get_possible_keys(policy, lookup, states)
        assert fixed == speed._stock_get_possible_keys(policy, lookup, states), prev_action
    # The null-named rule applies after any previous action, in Rasa and here.
    assert keys[3] in speed._get_possible_keys(policy, lookup, [{"prev_action": {"action_name": ACTION_LISTEN_NAME},
                                                                       "user": {"intent": "greet"}}])
