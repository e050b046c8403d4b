"""The project's spaCy pipeline, built from code, finds the domain's entities."""
import pytest
import spacy

from components.build_spacy import build


@pytest.fixture(scope="module")
def nlp(tmp_path_factory):
    return spacy.load(build(tmp_path_factory.mktemp("spacy") / "pipeline"))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("My cheap Manual pump hurts, using 21mm flanges",
         {("Manual pump", "pump_type"), ("hurts", "pain"), ("21mm", "flange_size")}),
        ("left milk on the counter 5 hours", {("counter", "storage_place"), ("5 hours", "duration")}),
        ("thawed since yesterday in the fridge",
         {("thawed", "milk_state"), ("since yesterday", "duration"), ("fridge", "storage_place")}),
        ("the 24 mm shield on my Spectra", {("24 mm", "flange_size"), ("Spectra", "pump_type")}),
        ("I hate pumping and feel anxious", {("hate pumping", "feeling"), ("anxious", "feeling")}),
        ("two days in the deep freezer", {("two days", "duration"), ("deep freezer", "storage_place")}),
    ],
)
def test_entities(nlp, text, expected):
    assert {(e.text, e.label_) for e in nlp(text).ents} == expected


def test_the_saved_pipeline_says_which_spacy_it_needs(nlp):
    assert nlp.meta["spacy_version"].startswith(">=3.4")
