"""Newborn danger signs given as numbers (coach/newborn_numbers.py; safety/MAP.md cells B8, B9, B12).
The examples are made up from the map's cells, none from an evaluation set."""
import pytest

from coach.newborn_numbers import baby_sign_in_numbers, weight_loss, weights_in_grams
from coach.safety import RedFlag, detect_red_flags


@pytest.mark.parametrize("text", [
    "she was 3.4 kg at birth and 3.0 kg now, day 4, pumping barely 20 ml",
    "born 7lb 8oz, weighed today at 6lb 10oz, he's 5 days old",
    "the midwife said he's lost 11% of his birth weight",
    "lo is breathing like 70 breaths a minute and grunting a bit",
    "counted his breathing, 65 per minute while asleep",
    "her temp is 38.4 and she's 3 weeks old",
    "baby feels hot, thermometer reads 100.8 f",
])
def test_numbers_past_the_line_are_a_baby_sign(text):
    assert baby_sign_in_numbers(text)
    assert RedFlag.INFANT in detect_red_flags(text)


@pytest.mark.parametrize("text", [
    "she was 3.4 kg at birth and 3.2 kg now, day 4",  # 6 %: the usual first-week loss
    "born 7lb 8oz, back to 7lb 9oz at 2 weeks",
    "got 3 oz this morning and 2 oz at lunch, baby was 3.5 kg at birth",  # milk ounces are no weight
    "baby breathes about 40 times a minute asleep, is that normal",
    "my temp is 38.5 and my breast is fine, baby is ok",  # the parent's temperature, not the baby's
    "toddler has 38.6, baby is fine",
    "fridge is at 38 f, is the milk ok",
    "pumped 120 ml in 15 minutes",
])
def test_numbers_inside_the_line_or_not_the_babys_are_not(text):
    assert not baby_sign_in_numbers(text)


def test_weights_are_read_in_grams_whatever_the_unit():
    assert weights_in_grams("3.4 kg then 3400 g then 7lb 8oz") == pytest.approx([3400, 3400, 3401.9], abs=1)
    assert weight_loss("3.4 kg at birth, 3.06 now") == pytest.approx(0.10, abs=0.001)
