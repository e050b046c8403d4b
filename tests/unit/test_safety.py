"""Red-flag phrase rules: each kind is caught, negations and ordinary pumping trouble are not."""
import pytest

from actions.clinic import Clinic
from actions.safety import RedFlag, advice_for, detect_red_flags

CLINIC = Clinic("Test Clinic", "+1 555 0199", "9-5", "911", "988 lifeline")


@pytest.mark.parametrize(
    "text, flag",
    [
        ("i have a fever and my left boob is red and hot", RedFlag.MASTITIS),
        ("chills and body aches, theres a hard painful lump in my breast", RedFlag.MASTITIS),
        ("red painful wedge on my breast", RedFlag.MASTITIS),
        ("feel feverish today", RedFlag.FEVER),
        ("my nipples are bleeding after pumping", RedFlag.NIPPLE_DAMAGE),
        ("theres blood in the milk", RedFlag.NIPPLE_DAMAGE),
        ("cracked nipples, ouch", RedFlag.NIPPLE_DAMAGE),
        ("only 2 wet diapers today", RedFlag.INFANT),
        ("baby is so lethargic and hard to wake", RedFlag.INFANT),
        ("he's not gaining weight", RedFlag.INFANT),
        ("dark pee in her nappy", RedFlag.INFANT),
        ("sometimes i think about hurting myself", RedFlag.MENTAL_HEALTH),
        ("i dont want to be here anymore", RedFlag.MENTAL_HEALTH),
        ("scared i might hurt the baby", RedFlag.MENTAL_HEALTH),
        ("I FEEL HOPELESS", RedFlag.MENTAL_HEALTH),
        ("i\u200bm hopeless", RedFlag.MENTAL_HEALTH),  # zero-width space between letters
    ],
)
def test_red_flags_are_caught(text, flag):
    assert flag in detect_red_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "no milk comes out when i pump",
        "it hurts a bit when i pump",
        "my breasts feel full and hard but nothing comes out",
        "no fever, just tired",
        "how long can milk stay in the fridge",
        "i hate pumping so much",
        "not bleeding or anything, just sore",
        "",
    ],
)
def test_ordinary_messages_are_not_flagged(text):
    assert detect_red_flags(text) == []


def test_flags_come_most_urgent_first():
    flags = detect_red_flags("bleeding nipples and honestly i want to die")
    assert flags[0] is RedFlag.MENTAL_HEALTH
    assert RedFlag.NIPPLE_DAMAGE in flags


def test_advice_names_the_clinic_and_emergency_numbers():
    advice = advice_for([RedFlag.MASTITIS], CLINIC)
    assert "+1 555 0199" in advice.text and "911" in advice.text and "mastitis" in advice.text


def test_mental_health_advice_gives_the_crisis_line_first():
    text = advice_for([RedFlag.NIPPLE_DAMAGE, RedFlag.MENTAL_HEALTH], CLINIC).text
    assert "988 lifeline" in text
    assert text.index("988 lifeline") < text.index("nipples")


def test_unspecified_flag_still_sends_to_a_person():
    advice = advice_for([], CLINIC)
    assert advice.flags == (RedFlag.UNSPECIFIED,)
    assert "+1 555 0199" in advice.text


@pytest.mark.parametrize("text", ["baby only had two wet diapers today", "just 1 wet nappy since morning",
                                  "she's too sleepy to feed", "he wont wake up for feeds"])
def test_infant_warning_phrasings(text):
    assert RedFlag.INFANT in detect_red_flags(text)


@pytest.mark.parametrize("text", ["just changed her diapers", "two diapers in the bag"])
def test_ordinary_diaper_talk_is_not_flagged(text):
    assert RedFlag.INFANT not in detect_red_flags(text)


@pytest.mark.parametrize(
    "text, flag",
    [
        ("my temperature is 39 and my left breast is red and hot", RedFlag.MASTITIS),
        ("102F and my breast is red and hot", RedFlag.MASTITIS),
        ("I have a temperature", RedFlag.FEVER),
        ("I think I have mastitis", RedFlag.MASTITIS),
        ("I've never been so depressed", RedFlag.MENTAL_HEALTH),
        ("I would never hurt my baby but I keep having thoughts about it", RedFlag.MENTAL_HEALTH),
        ("I do not want to live anymore", RedFlag.MENTAL_HEALTH),
        ("I cannot go on like this", RedFlag.MENTAL_HEALTH),
        ("she hasn't had a wet diaper since this morning", RedFlag.INFANT),
        ("zero wet diapers today", RedFlag.INFANT),
        ("only 4 wet diapers today", RedFlag.INFANT),
        ("his urine is dark yellow", RedFlag.INFANT),
        ("baby is very sleepy and won't feed", RedFlag.INFANT),
        ("he's not really gaining weight", RedFlag.INFANT),
        ("he is barely peeing", RedFlag.INFANT),
    ],
)
def test_review_findings_are_caught(text, flag):
    assert flag in detect_red_flags(text)


@pytest.mark.parametrize("text", ["can milk stay at room temperature for 5 hours", "how warm should the milk be"])
def test_storage_questions_about_temperature_are_not_fever(text):
    assert detect_red_flags(text) == []
