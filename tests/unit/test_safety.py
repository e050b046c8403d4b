"""Red-flag phrase rules: each kind is caught, negations and ordinary pumping trouble are not."""
import pytest

from coach.clinic import Clinic
from coach.safety import (
    RedFlag,
    SafetyDecision,
    SuspectedKind,
    advice_for,
    classifier_flag_is_implausible,
    decide,
    detect_red_flags,
    escalation_flag,
    read_check_reply,
)

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


# --- signs that only look like red flags --------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "no fever, no redness, just not much milk",
        "baby has 7 wet diapers a day, i just want to pump more",
        "the flange leaves a red ring around my nipple that fades after",
        "this pump is killing me lol",
        "i used a hot compress and now the skin is a bit red",
        "my toddler has a fever, is it ok to keep pumping",
        "had mastitis back in the spring, all good now",
        "how do i know if i have mastitis?",
        "what are the signs of a clogged duct",
        "this bloody pump is so loud",
        "i feel like a failure when i see 30ml",
        "baby sleeps a lot after feeds, is that normal",
        "my nipples feel a little tender at the start",
        # The end of one feed, in a stored-milk question (eval/storage_tuning9's class).
        "she stopped drinking at 2:40, can she have the rest of the bottle at 4?",
    ],
)
def test_near_misses_are_not_flagged(text):
    assert detect_red_flags(text) == []


@pytest.mark.parametrize(
    "text, flag",
    [
        ("shes only had 2 wet nappies since yesterday", RedFlag.INFANT),
        ("no wet diaper for 9 hours now", RedFlag.INFANT),
        ("there's blood on the flange after pumping", RedFlag.NIPPLE_DAMAGE),
        ("my milk looks pink", RedFlag.NIPPLE_DAMAGE),
        ("achy all over and one side is hot and sore", RedFlag.MASTITIS),
        ("everyone would be better off without me", RedFlag.MENTAL_HEALTH),
        ("i keep having intrusive thoughts about the baby", RedFlag.MENTAL_HEALTH),
        # Intrusive images of harm are thoughts of harming the baby (safety/MAP.md, cell M7).
        ("i keep getting images of dropping him down the stairs on purpose", RedFlag.MENTAL_HEALTH),
        ("i feel numb most days and i can't cope", RedFlag.LOW_MOOD),
    ],
)
def test_more_red_flag_phrasings(text, flag):
    assert flag in detect_red_flags(text)


def test_a_sure_flag_escalates_at_once():
    decision = decide([RedFlag.MASTITIS], "fever and a red hot breast", None)
    assert decision.flags == (RedFlag.MASTITIS,) and decision.check is None


def test_a_rule_flag_the_model_doubts_is_confirmed_with_one_question_first():
    # Someone else's news the rules read as the baby's: the model scores it low, so one question first.
    decision = decide([RedFlag.INFANT], "my sister's baby had only 2 wet nappies", None, model_probability=0.05)
    assert decision.flags == () and decision.check is SuspectedKind.CONFIRM_INFANT
    # A yes to that question answers with the flag the rules found.
    assert escalation_flag(decision.check.value) is RedFlag.INFANT
    assert escalation_flag("confirm_fever") is RedFlag.FEVER


@pytest.mark.parametrize("flags, probability, pending", [
    ([RedFlag.INFANT], 0.5, None),  # the model agrees
    ([RedFlag.INFANT], None, None),  # the model's reading is not known
    ([RedFlag.MENTAL_HEALTH], 0.01, None),  # words of self-harm are never doubted
    ([RedFlag.MENTAL_HEALTH, RedFlag.INFANT], 0.01, None),
    ([RedFlag.MASTITIS], 0.01, "confirm_mastitis"),  # a second sign right after a check: no more questions
])
def test_a_rule_flag_escalates_at_once_unless_only_the_model_doubts_it(flags, probability, pending):
    decision = decide(flags, "text", pending, model_probability=probability)
    assert decision.flags and decision.check is None


@pytest.mark.parametrize(
    "text, kind",
    [("my breast looks a bit off", SuspectedKind.BREAST), ("the baby seems off today", SuspectedKind.BABY),
     ("i feel so down lately", SuspectedKind.MOOD), ("something feels wrong", SuspectedKind.GENERAL)],
)
def test_a_classifier_only_suspicion_gets_one_check_of_the_right_kind(text, kind):
    assert decide([], text, None) == SafetyDecision(check=kind)


def test_low_mood_gets_the_mood_check_and_a_second_suspicion_escalates():
    assert decide([RedFlag.LOW_MOOD], "i can't cope", None).check is SuspectedKind.MOOD
    assert decide([], "still feel off", "mood").flags == (RedFlag.MENTAL_HEALTH,)


@pytest.mark.parametrize(
    "text, intent, reply",
    [("no", "deny", "no"), ("nope nothing like that", None, "no"), ("no, she's fine", None, "no"),
     ("yes", "affirm", "yes"), ("kind of", None, "yes"), ("no fever but it is red", None, "yes"),
     ("what do you mean", None, "unclear")],
)
def test_reading_the_reply_to_a_check(text, intent, reply):
    assert read_check_reply(text, intent) == reply


@pytest.mark.parametrize(
    "text, implausible",
    [("sometimes yes sometimes no", True), ("i wouldnt say i hate it, its just boring", True),
     ("my baby has plenty of wet nappies, i just want to pump more", True), ("no fever", True),
     ("my breast feels hot", False), ("she seems really sleepy", False), ("i feel so low", False)],
)
def test_classifier_only_red_flags_need_a_word_that_could_tell_one(text, implausible):
    assert classifier_flag_is_implausible(text) is implausible


# Failure classes read from eval/corpus_heldout3 after its one measurement (phrased anew here).
@pytest.mark.parametrize(
    "text, flag",
    [
        ("the milk from my left side has been coming out pinkish for a day", RedFlag.NIPPLE_DAMAGE),
        ("there are little red specks in the milk since yesterday", RedFlag.NIPPLE_DAMAGE),
        ("baby no eat since lunch, just sleeping, he not open his eyes", RedFlag.INFANT),
        ("her wee looks really dark and concentrated", RedFlag.INFANT),
        ("only been a couple of wet ones today", RedFlag.INFANT),
        ("she won't take the bottle and hasn't had a wet diaper since morning", RedFlag.INFANT),
        # Someone else named earlier in the sentence does not hide the parent's own words after a comma.
        ("DH is away, my mum is abroad, and honestly I feel hopeless", RedFlag.MENTAL_HEALTH),
        ("they would all be better off if i wasnt around", RedFlag.MENTAL_HEALTH),
    ],
)
def test_heldout3_red_flag_classes(text, flag):
    assert flag in detect_red_flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "nipples are not cracked or bleeding, I only want more milk",
        "blood, sweat and tears for 25 ml, classic",
        "pinched my finger in the pump and got a blood blister on it",
        "she refuses the bottle from daycare but nurses great at home",
        "our cat has been lethargic since the vet visit",
        "what is postpartum depression, my nurse brought it up, I feel okay",
        "I nearly died of embarrassment when my coworker walked in on me pumping",
    ],
)
def test_heldout3_near_miss_classes(text):
    assert detect_red_flags(text) == []


def test_someone_elses_fever_reaches_past_a_comma():
    assert detect_red_flags("my partner has the flu, high fever and chills, is my milk still ok for the baby?") == []
    assert RedFlag.MASTITIS in detect_red_flags("DH works nights, I have a fever and my left breast is red and sore")


@pytest.mark.parametrize("text", ["he nurses 5 minutes then sleeps and i cant rouse him", "she hasn't had a wet diaper since 6am",
                                  "my baby is not gaining and the doctor is worried"])
def test_a_rule_that_says_the_sign_by_negating_still_counts(text):
    assert RedFlag.INFANT in detect_red_flags(text)


# Failure classes read from eval/corpus_heldout4 after its one measurement (phrased anew here).
@pytest.mark.parametrize("text, flag", [
    ("he went from 3.8kg to 3.6kg since last week, is my milk enough?", RedFlag.INFANT),
    ("put her on the scale at the chemist and she's lighter than at her newborn check", RedFlag.INFANT),
    ("8 days old and still isnt back to birth weight", RedFlag.INFANT),
    ("she's had fewer wet ones since yesterday", RedFlag.INFANT),
    ("nappies are very light, nearly dry, since this morning", RedFlag.INFANT),
    ("he hasn't pooped in 5 days and he's 2 weeks old", RedFlag.INFANT),
    ("she keeps sleeping through feeds and seems less interested in eating", RedFlag.INFANT),
    ("he doesn't cry for food any more, he just lies there", RedFlag.INFANT),
    ("how many wet nappies should she have? only 3 so far today and it's evening", RedFlag.INFANT),
    ("I'm afraid of being alone with the baby", RedFlag.MENTAL_HEALTH),
    ("she would be better off with a better mum than me", RedFlag.MENTAL_HEALTH),
    ("I looked up how many tablets it would take", RedFlag.MENTAL_HEALTH),
    ("I've been saving up my pills", RedFlag.MENTAL_HEALTH),
    ("I don't think I can keep living like this", RedFlag.MENTAL_HEALTH),
    ("they'd all cope fine if I wasn't around", RedFlag.MENTAL_HEALTH),
    ("it would be easier if I never went home", RedFlag.MENTAL_HEALTH),
])
def test_heldout4_red_flag_classes(text, flag):
    assert flag in detect_red_flags(text)


@pytest.mark.parametrize("text", [
    "we're at like 10 wet diapers today and she's feeding well",
    "losing weight percentiles? no, she's steady on the 60th",
    "fever? no. lump? no. just tiny amounts lol",
    "the health visitor asked about harming myself and I said no, never. I'm only tired",
    "I'm not suicidal or anything, just fed up with the Elvie",
    "what are the signs of dehydration in a baby? asking before a trip, he's fine now",
    "Blood in the bag?? oh wait never mind, it's beetroot juice that leaked on it",
    "what should I do if my nipples crack? my sister's did, mine are ok",
    "had a red painful lump and chills in march, antibiotics and it all cleared, no fever since",
    "a warm compress makes my breasts look pink for a bit after, no pain at all",
    "I had chills after the epidural last month, now I just want more milk",
    "i dont think i can go on pumping like this, can i stop and use formula?",
])
def test_heldout4_near_miss_classes(text):
    assert detect_red_flags(text) == []


def test_a_babys_dry_cracked_lips_are_a_baby_sign_not_a_masked_body_part():
    assert RedFlag.INFANT in detect_red_flags("no wet nappy for 7 hours and his lips look cracked and dry")


@pytest.mark.parametrize("text", ["the storage bag is pink so the milk looks pink lol, it's white really",
                                  "went from 24 to 21 mm flanges and it feels better"])
def test_container_colours_and_flange_sizes_are_not_signs(text):
    assert detect_red_flags(text) == []


def test_not_waking_up_said_as_a_wish_is_a_mood_red_flag():
    assert RedFlag.MENTAL_HEALTH in detect_red_flags("some nights I think about never waking up")


def test_a_blister_on_a_thumb_makes_a_classifier_suspicion_implausible():
    assert classifier_flag_is_implausible("a blood blister on my finger from the pump handle, ouch")


@pytest.mark.parametrize("text", ["is it normal for nipples to look pink after pumping? no cracks or anything",
                                  "my milk has white specks, is that ok? no blood or anything"])
def test_a_no_that_starts_a_denial_after_a_question_still_denies(text):
    assert detect_red_flags(text) == [] and classifier_flag_is_implausible(text)


def test_every_safety_check_opens_with_words_the_transcript_readers_know():
    # The review app and the evaluation find a check by its opening words; a check worded otherwise
    # would read as no check at all.
    from coach.replies import SAFETY_CHECK, SAFETY_CHECK_TEXTS

    assert set(SAFETY_CHECK) == {kind.value for kind in SuspectedKind}
    assert all(any(opening in text for opening in SAFETY_CHECK_TEXTS) for text in SAFETY_CHECK.values())


# safety/MAP.md cells the phrase rules had no words for (B6, B8-B11, B13, F4, F5, N4; M5-M6 as a check):
# each class with messages it must catch and look-alikes it must leave alone.
@pytest.mark.parametrize("text, flag", [
    ("she's too weak to suck, keeps falling off after a minute", RedFlag.INFANT),
    ("his belly and back feel really cold even in the sleepsuit", RedFlag.INFANT),
    ("3 week old, temp 35.9 under the arm", RedFlag.INFANT),
    ("my 10 day old's temperature is 96.8 F", RedFlag.INFANT),
    ("i counted 68 breaths in a minute while he slept", RedFlag.INFANT),
    ("her nostrils flare every time she breathes in", RedFlag.INFANT),
    ("he grunts on every breath and his skin sucks in between the ribs", RedFlag.INFANT),
    ("she stopped breathing for a few seconds in her sleep and went floppy", RedFlag.INFANT),
    ("the skin around his mouth goes bluish when he feeds", RedFlag.INFANT),
    ("her legs look mottled and she's so pale", RedFlag.INFANT),
    ("he threw up bright green twice this morning", RedFlag.INFANT),
    ("her whole body went stiff and her arm was twitching for over a minute", RedFlag.INFANT),
    ("her eyes rolled back and she went rigid", RedFlag.INFANT),
    ("there's a red streak going up toward my armpit from the sore spot", RedFlag.MASTITIS),
    ("the red patch on my left breast keeps spreading, it's bigger than this morning", RedFlag.MASTITIS),
    ("day 8 of antibiotics and the lump is still there and getting worse", RedFlag.MASTITIS),
    ("there's pus coming out of my nipple", RedFlag.MASTITIS),
    ("a piece of skin ripped off my nipple with the flange", RedFlag.NIPPLE_DAMAGE),
    ("the milk in the bottles is pink again today", RedFlag.NIPPLE_DAMAGE),
    ("i've picked the day, friday, when everyone is out", RedFlag.LOW_MOOD),
    ("wrote notes to my husband and each of the girls last night", RedFlag.LOW_MOOD),
    ("giving away all my things this week, won't need them", RedFlag.LOW_MOOD),
])
def test_map_cells_without_words_before(text, flag):
    assert flag in detect_red_flags(text)


@pytest.mark.parametrize("text", [
    "his hands and feet look a bit blue but his chest is warm and pink",
    "she grunts and squeaks all night in her sleep, is that normal",
    "green poop today after the new formula",
    "he jerks his arms when the door slams, the startle thing",
    "bought a grey and blue bottle set",
    "picked the date for her christening, how much milk should i freeze for the day",
    "wrote down her routine for the sitter, when to give which bottle",
    "red lines from the flange fade after an hour",
    "the pink bottles are the freezer ones",
    "her temp is 36.8, all good",
    "the lump went away after i massaged it in the shower",
])
def test_look_alikes_of_those_cells_are_left_alone(text):
    assert detect_red_flags(text) == []


# safety/MAP.md B1 counts wet diapers against the day of life; someone else's baby or a pet is not ours.
@pytest.mark.parametrize("text, flagged", [
    ("day 3 and she has had 4 wet diapers so far today", False),
    ("day 2, two wet nappies today, feeding well", False),
    ("day 4 and only 2 wet diapers today", True),
    ("she is 3 days old and had 2 wet nappies today", True),
    ("my sisters baby had yellow skin and needed the lights", False),
    ("my brothers baby was jaundiced, does that run in families", False),
    ("the beagle threw up something green on the rug", False),
    ("my brother is visiting but my baby has had only 1 wet diaper today", True),
])
def test_diaper_counts_by_day_of_life_and_other_peoples_babies(text, flagged):
    assert bool(detect_red_flags(text)) is flagged
