"""The sentence encoder as a third reader of red flags (coach/encoder.py), on the real weights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from coach import encoder
from coach.encoder import CHECK_AT, RUN_ABOVE, EncoderUnavailable, default_reader, map_safetensors, model_folder
from coach.safety import model_flag_is_implausible
from coach.safety_model import default_model


def test_the_numpy_forward_pass_gives_the_published_vector():
    # sentence-transformers' all-MiniLM-L6-v2 gives 0.0677, 0.0634, 0.0488, 0.0792 for this sentence.
    vector = default_reader().encoder.embed("This is an example sentence")
    assert np.allclose(vector[:4], [0.0677, 0.0634, 0.0488, 0.0792], atol=5e-4)
    assert np.isclose(np.linalg.norm(vector), 1.0)


def test_a_long_message_is_read_in_its_first_256_word_pieces():
    vector = default_reader().encoder.embed("my breast is sore " * 400)
    assert vector.shape == (384,) and np.isfinite(vector).all()


def test_weights_that_are_not_the_upstream_file_are_refused(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(EncoderUnavailable, match="not the upstream"):
        model_folder(tmp_path)


def test_a_tensor_whose_bytes_do_not_fit_its_shape_is_refused(tmp_path):
    header = json.dumps({"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 8]}}).encode()
    path = tmp_path / "bad.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + bytes(8))
    with pytest.raises(EncoderUnavailable, match="does not fit"):
        map_safetensors(path)


def test_a_small_tensor_file_is_mapped_as_written(tmp_path):
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    header = json.dumps({"__metadata__": {}, "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
    path = tmp_path / "ok.safetensors"
    path.write_bytes(len(header).to_bytes(8, "little") + header + data.tobytes())
    assert np.array_equal(map_safetensors(path)["w"], data)


@pytest.mark.parametrize("text", ["/affirm", "thanks so much", "how long can milk stay in the fridge"])
def test_ordinary_traffic_does_not_run_the_encoder(text, monkeypatch):
    # Below RUN_ABOVE (or a button's payload) the encoder is not asked at all: it costs about 11 ms.
    monkeypatch.setattr(encoder, "default_reader", lambda: pytest.fail("the encoder ran"))
    assert encoder.suspect(text, default_model()) is None


def test_a_sign_only_the_encoder_reads_asks_the_check():
    # Not in any training or evaluation set: a newborn's blue-grey colour told in other words.
    text = "he has gone a sort of dusky colour around his mouth when he feeds"
    model = default_model()
    assert model.flag_probability(text) >= RUN_ABOVE
    assert default_reader().probability(text) >= CHECK_AT
    suspicion = encoder.suspect(text, model)
    assert suspicion is not None and suspicion.kind == "baby_unwell"
    assert not model_flag_is_implausible(text, suspicion.kind)


def test_people_named_in_a_preparatory_act_do_not_set_a_mood_suspicion_aside():
    text = "i have started writing letters to each of my kids just in case"
    assert not model_flag_is_implausible(text, "mood")
    # Someone else's news still sets a suspicion about the baby aside.
    assert model_flag_is_implausible("my toddler has been so sleepy and floppy today", "baby_unwell")


def test_the_guard_turns_the_encoders_suspicion_into_the_one_check():
    from tests.unit.test_safety_model import guarded, suspected_kinds

    # A colour change the parent cannot name: the encoder's suspicion, one check.
    message = guarded("he has gone a sort of odd colour around his mouth when he feeds", intent="ask_let_down")
    assert message.get("intent")["name"] == "report_red_flag"
    assert suspected_kinds(message) == ["baby_unwell"]
    assert not [e for e in message.get("entities") if e["entity"] == "red_flag"]  # a check, not an alarm
    # A dusky (blue-grey) colour is safety/MAP.md B10 itself: the phrase rules answer it with the alarm.
    dusky = guarded("he has gone a sort of dusky colour around his mouth when he feeds", intent="ask_let_down")
    assert [e["value"] for e in dusky.get("entities") if e["entity"] == "red_flag"] == ["infant"]


@pytest.mark.parametrize("text", ["fridge milk 6 days old, still ok?",
                                  "been in the freezer since my son was born, he's 5 months now, ok to use?"])
def test_a_bags_age_in_a_stored_milk_question_is_not_a_newborns(text):
    # The age of a bag reads like a baby's; inside a stored-milk question the readers need more.
    from coach.suspicion import suspicion

    assert suspicion(text) is None


def test_a_sign_told_inside_a_stored_milk_question_still_reaches_the_rules():
    from coach.safety import detect_red_flags

    assert detect_red_flags("is the frozen milk from monday ok? also my baby has had no wet nappy since yesterday")
