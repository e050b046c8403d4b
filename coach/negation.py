"""Negation and hedges in parents' free text: the two things that turn a keyword upside down.

Both the red-flag rules (``coach.safety``) and the answer readers (``coach.answers``) find a word
and must then ask whether the sentence says it or denies it.

Negation follows the NegEx idea (Chapman et al., 2001): a cue ("no", "not", "don't", "without")
negates a term that follows it within a few words, unless a clause boundary ("but", "though", a full
stop) comes first. "i don't hate it, it just hurts": "hate" is negated; "hurts" is in a new clause
after the comma-plus-"it", so it is not. Pseudo-cues such as "no longer" and "not only" look like
negations but are not ("no longer gaining" is a warning sign, not a denial of one).

We weighed negspacy (NegEx as a spaCy component): it scopes negation over spaCy *entities*, so every
answer word would first need an entity pattern, and the action server, where the answers are read,
would have to load spaCy. These few functions over plain strings do the same job for short chat
messages and run anywhere.

Hedges ("not sure", "idk", "kind of", "sometimes", "it depends") are answers too: the person is telling
us they cannot say yes or no. ``hedge`` names which kind, so a reader can record "unsure" (or the
partial value its question has) instead of asking again.
"""
from __future__ import annotations

import re
from typing import Optional

# Words that deny what follows them. "n't" forms are listed with and without the apostrophe, since
# phone keyboards drop it.
NEGATION_CUE = (
    r"\b(no|not|never|none|nothing|without|nor|neither|hardly|barely|"
    r"(do|does|did|is|are|was|were|have|has|had|ca|can|could|would|wo|should)(n'?t| not)|cannot|"
    r"dont|doesnt|didnt|isnt|arent|wasnt|werent|havent|hasnt|hadnt|cant|couldnt|wouldnt|wont|shouldnt|"
    r"no sign of|free of|denies|zero)\b"
)
# Look like cues but do not deny: "no longer gaining", "not only sore but bleeding", "no doubt".
_PSEUDO = re.compile(r"\b(no longer|not only|not just|no doubt|not sure|no idea|nothing but|can'?t stop|cant stop|"
                     r"never (been|felt) (so|this|more)|never been|never felt|"
                     r"not (eating|feeding|waking|peeing|gaining|latching|wetting)|no matter)\b")
# A new clause starts: the negation before it does not reach past it.
BOUNDARY = re.compile(r"(\bbut\b|\bthough\b|\balthough\b|\bhowever\b|\bexcept\b|\byet\b|\bstill\b|"
                       r"[.;!?]|,\s*(it|its|it'?s|i|i'?m|im|she|he|they|my|the|just|and|now)\b|\band (now|then|it|its|i)\b|"
                       r"\bjust\b)")
# How many words a cue may stand before the term it negates ("no real fever", "not feeling very hot").
NEGATION_WINDOW = 3
_CUE_AT_END = re.compile(NEGATION_CUE + r"(\s+\S+){0,%d}\s*$" % NEGATION_WINDOW)


def negated(text: str, start: int, window: int = NEGATION_WINDOW) -> bool:
    """Is the term that begins at ``start`` in (normalised) ``text`` denied by a negation before it?"""
    before = text[:start]
    last = max((m.end() for m in BOUNDARY.finditer(before)), default=0)
    before = before[last:]
    before = _PSEUDO.sub(" ", before)
    pattern = re.compile(NEGATION_CUE + r"(\s+\S+){0,%d}\s*$" % window) if window != NEGATION_WINDOW else _CUE_AT_END
    return bool(pattern.search(before))


def find_affirmed(pattern: "re.Pattern[str]", text: str) -> Optional["re.Match[str]"]:
    """The first match of ``pattern`` in ``text`` that no negation denies, or None."""
    for match in pattern.finditer(text):
        if not negated(text, match.start()):
            return match
    return None


def find_negated(pattern: "re.Pattern[str]", text: str) -> Optional["re.Match[str]"]:
    """The first match of ``pattern`` that a negation denies ("not sore", "no fever"), or None."""
    for match in pattern.finditer(text):
        if negated(text, match.start()):
            return match
    return None


# Hedges, in the order they are tried. "unsure": cannot tell at all; "partly": yes at times or to a
# degree; "hedged_yes": yes, without certainty. Each reader decides what these mean for its question.
_HEDGES = (
    ("unsure", r"\b(not sure|unsure|no idea|idk|i ?dk|dunno|don'?t know|dont know|do not know|can'?t tell|cant tell|"
               r"hard to (say|tell)|no clue|not certain|who knows|couldn'?t say|can'?t say|cant say|never noticed|"
               r"haven'?t noticed|havent noticed|not really sure|i don'?t really know|no clue)\b|^\W*\?+\W*$"),
    ("partly", r"\b(sometimes|some ?times|somewhat|kind of|kinda|sort of|sorta|a bit|a little|at times|on and off|"
               r"hit or miss|hit and miss|it depends|depends|now and then|occasionally|half the time|some days|"
               r"not always|more or less|ish|so-so|so so|meh|yes and no|sometimes yes sometimes no)\b"),
    ("hedged_yes", r"\b(i think so|think so|i guess( so)?|guess so|probably|i believe so|maybe yes|seems like it|"
                   r"i suppose|suppose so|pretty sure|mostly|usually|most of the time|more or less yes)\b"),
)
_HEDGE_RES = tuple((kind, re.compile(pattern)) for kind, pattern in _HEDGES)


def hedge(text: str) -> Optional[str]:
    """The kind of hedge in a short reply ("unsure", "partly", "hedged_yes"), or None.

    The hedge said first sets the tone: "i think so, more or less" leans yes; "not sure, maybe" is unsure.
    """
    found = [(match.start(), kind) for kind, pattern in _HEDGE_RES for match in [pattern.search(text)] if match]
    return min(found)[1] if found else None


# People correct themselves mid-message: "a bit sore... no honestly it really hurts", "24... wait no, 21".
# What comes after the last correction is what they mean.
_CORRECTION = re.compile(r"(\.\.\.|…|,|\.|^|\s)\s*(no+,? (wait|actually|honestly|sorry)|wait,? no|wait|actually,? no|"
                         r"i mean|sorry,? i mean|correction|scratch that|no actually|well,? actually|or rather|"
                         r"(ok|okay),? honestly|"
                         r"that'?s not (true|right)|not true|actually,)\b")


def after_correction(text: str) -> str:
    """The part of a reply after its last self-correction, or the whole reply."""
    matches = list(_CORRECTION.finditer(text))
    last = matches[-1] if matches else None
    if last is None or last.start() == 0 or not text[last.end():].strip(" ,.!?"):
        return text
    return text[last.end():]


# "dropping weight percentiles? no, he's steady", "fever? no.": a sign asked about, then denied.
# The "no" must stand alone ("no," "no." or at the end): in "pink after pumping? no cracks" it denies
# what follows instead, and must stay for the negation rules.
_ASKED_AND_DENIED = re.compile(r"[^.?!]*\?+\s*(no|nope|nah|not at all|none)\b(?=\s*[,.!;]|\s*$)")


def without_denied_questions(text: str) -> str:
    """The text with each "sign? no" taken out (what follows the "no" stays): the sign is denied there."""
    return _ASKED_AND_DENIED.sub(" ", text)
