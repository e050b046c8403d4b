"""A second reader for red flags: a small classifier trained on parents' messages.

The phrase rules in ``coach.safety`` catch the signs they were written for and nothing else; on each
new set of outsiders' messages they missed about one red flag in five that was told indirectly ("she
sleeps through every feed and i can barely rouse her", "what's the point of any of this"). The intent
classifier does not fill that gap: it learns from a few dozen red-flag examples among 1,300 others.

This model learns only the one question "does this message report a warning sign now, and of which
kind?", from examples written for it (``safety/training/*.yml``, by sessions that saw no code and no
evaluation data) plus the assistant's own training messages (``data/nlu``): the red-flag ones as
positives (their kind named by the phrase rules), every other intent as ordinary messages.

It never escalates on its own. A suspicion only makes the assistant ask its one short safety check
(``coach.safety.decide``), and ``coach.safety.model_flag_is_implausible`` sets aside texts that ask in
general, whose every sign word is denied, reassured or an idiom, or that have no sign word and say
something reassuring ("wakes for every feed"). So a wrong suspicion costs one question, and a missed
one can still be caught by the rules or the intent classifier.

Negation is given to the model as features, the NegEx way (``coach.negation``): each word a cue denies
is written with a ``not_`` prefix, so "no fever" and "fever" are different evidence.

Why a linear model over word and character n-grams: with about two thousand examples it trains in a
second or two when the NLU server starts (nothing to download or keep in ``models/``), answers in well
under a millisecond, needs no TensorFlow, and is fully determined by its data (liblinear has no random
start here), so every start gives the same model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import yaml

from coach.negation import BOUNDARY, negated
from coach.safety import RedFlag, detect_red_flags
from coach.vocabulary import ERASE_REQUEST_INTENT, RED_FLAG_INTENT

ROOT = Path(__file__).resolve().parent.parent
SAFETY_DATA = ROOT / "safety" / "training"
NLU_DATA = ROOT / "data" / "nlu"

NONE = "none"
KINDS = ("mastitis", "nipple_damage", "baby_unwell", "mood")
# The probability that a message reports a sign, above which the assistant asks its safety check.
# Chosen on the older, already read evaluation sets and the persona answers
# (eval/safety_model_eval.py): at 0.6 it questioned 25 of the 3,900 persona messages, at 0.65 19,
# at 0.7 14 but caught three fewer of the fifth set's red flags. The sixth held-out set measures the
# choice (docs/results.md).
SUSPECT_THRESHOLD = 0.65
# Below this probability the model overrules the intent classifier's own red-flag guess. On the five
# older evaluation sets, of the messages the phrase rules do not flag, no red flag (of 27) scored under
# 0.1 and half the near misses (225 of 449) did; at 0.15 one red flag would have been lost.
VETO_BELOW = 0.1
# How much more a sign example weighs than an ordinary one in the "sign or not" model (signs are about
# one example in six). At 1 a baby who "goes limp" scored 0.36; at 3 the plain answer "Is ok.
# I have my room with key" scored 0.60; 2 puts them at 0.46 and 0.53.
FLAG_WEIGHT = 2.0
# Inverse regularisation strength: smaller spreads weight over more n-grams, so one shared word
# ("red", "low") decides less alone. In 5-fold cross-validation (eval/safety_model_eval.py --cv) 1, 2,
# 4 and 8 caught 50, 61, 68 and 71 % of the held-out signs and suspected 0.4, 0.7, 1.0 and 1.0 % of
# ordinary messages; 8 caught the same evaluation-set red flags as 4 but questioned more persona
# answers (22 against 19 of 3,900), so 4.
C = 4.0

_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
# "[text](entity)" and '[text]{"entity": ...}' annotations in Rasa's training data.
_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def featurise_text(text: str) -> str:
    """Lower-cased text with each negated word marked ``not_word``, so the n-grams see the negation."""
    clean = text.lower().replace("’", "'")
    out: List[str] = []
    for match in _WORD.finditer(clean):
        word = match.group(0)
        # (A clause boundary such as "but" ends the negation; it is not negated itself.)
        if word[0].isalnum() and not BOUNDARY.match(clean, match.start()) and negated(clean, match.start()):
            out.append("not_" + word)
        else:
            out.append(word)
    return " ".join(out)


@dataclass(frozen=True)
class Suspicion:
    kind: str
    probability: float
    reader: str = "red-flag model"  # which reader suspects it, as the review app names it


class SafetyModel:
    """Two linear models over the same features: is there a sign at all, and if so of which kind.

    One binary model for "sign or not" rather than one five-way model: a five-way model with balanced
    classes gives a message with no evidence either way ("Not strong, low.") a one-in-five chance of
    being ordinary, so four in five of being a sign. The binary model's intercept carries how rare signs
    are, and only the words of a message move it.
    """

    def __init__(self, features, flag_model, kind_model) -> None:
        self._features = features
        self._flag = flag_model
        self._kind = kind_model
        # The guard asks about one message more than once (its own suspicion, then the veto on the
        # classifier's); the features of the last few texts are kept rather than computed again.
        self._row = lru_cache(maxsize=64)(lambda text: self._features.transform([featurise_text(text)]))

    def flag_probability(self, text: str) -> float:
        return float(self._flag.predict_proba(self._row(text))[0][1])

    def kind(self, text: str) -> str:
        return str(self._kind.predict(self._row(text))[0])

    def suspect(self, text: str, threshold: float = SUSPECT_THRESHOLD) -> Optional[Suspicion]:
        """The most likely kind of sign when the message probably reports one, else None."""
        p_flag = self.flag_probability(text)
        if p_flag < threshold:
            return None
        return Suspicion(self.kind(text), round(p_flag, 3))


def train(examples: Sequence[Tuple[str, str]], c: float = C) -> SafetyModel:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    features = FeatureUnion([
        # Words and word pairs carry the meaning ("not_fever", "barely rouse").
        ("words", TfidfVectorizer(analyzer="word", token_pattern=r"\S+", ngram_range=(1, 2), min_df=1,
                                  sublinear_tf=True)),
        # Character n-grams within words survive the typos of a one-handed 2 am message ("feaver").
        ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
    ])
    texts = [featurise_text(text) for text, _ in examples]
    matrix = features.fit_transform(texts)
    flags = [int(label != NONE) for _, label in examples]
    # Weighing signs FLAG_WEIGHT times keeps recall without making every message with few words a
    # suspicion (see the class docstring).
    flag_model = LogisticRegression(C=c, class_weight={0: 1.0, 1: FLAG_WEIGHT}, max_iter=5000, solver="liblinear")
    flag_model.fit(matrix, flags)
    signs = [i for i, flag in enumerate(flags) if flag]
    kind_model = LogisticRegression(C=c, max_iter=5000, solver="liblinear")
    kind_model.fit(matrix[signs], [examples[i][1] for i in signs])
    return SafetyModel(features, flag_model, kind_model)


def load_safety_examples(directory: Path = SAFETY_DATA) -> List[Tuple[str, str]]:
    examples: List[Tuple[str, str]] = []
    for path in sorted(directory.glob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("examples") or []:
            label = str(item["label"])
            if label != NONE and label not in KINDS:
                raise ValueError(f"{path.name}: unknown label {label!r} for {item['text']!r}")
            examples.append((str(item["text"]), label))
    return examples


@lru_cache(maxsize=4)
def nlu_messages(directory: Path = NLU_DATA) -> Tuple[Tuple[str, str], ...]:
    """(intent, text) for every training example in Rasa's NLU files, annotations removed.

    Read once per process: the model and the guard's list of known words both use it.
    """
    messages = []
    for path in sorted(directory.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    messages.append((block["intent"], _ANNOTATION.sub(r"\1", line[2:]).strip()))
    return tuple(messages)


@lru_cache(maxsize=1)
def safety_examples() -> Tuple[Tuple[str, str], ...]:
    """The written examples of ``SAFETY_DATA``, read once per process (the model and the guard use them)."""
    return tuple(load_safety_examples())


def _kind_of_rule_flags(text: str) -> Optional[str]:
    flags = detect_red_flags(text)
    for flag, kind in ((RedFlag.MENTAL_HEALTH, "mood"), (RedFlag.LOW_MOOD, "mood"), (RedFlag.INFANT, "baby_unwell"),
                       (RedFlag.MASTITIS, "mastitis"), (RedFlag.FEVER, "mastitis"),
                       (RedFlag.NIPPLE_DAMAGE, "nipple_damage")):
        if flag in flags:
            return kind
    return None


# Intents whose examples do not teach the red-flag readers what is harmless: requests to erase the
# conversation ("forget me", "I don't want you to keep my messages") are commands to the software, and
# their words sit next to the mood map's "wanting to disappear" (safety/MAP.md, M1-M2); as "no sign"
# examples they would teach the readers that such words are harmless, the wrong lesson for a safety
# reader. (Added 2026-12-07, when they first moved both readers: two openings about low milk got a mood
# check on eval/corpus.)
NOT_FOR_SAFETY_READERS = frozenset({ERASE_REQUEST_INTENT})


def load_nlu_examples(directory: Path = NLU_DATA) -> List[Tuple[str, str]]:
    """The intent classifier's examples: red flags labelled by the rules' kind, the rest ordinary."""
    examples: List[Tuple[str, str]] = []
    for intent, text in nlu_messages(directory):
        if intent in NOT_FOR_SAFETY_READERS:
            continue
        if intent == RED_FLAG_INTENT:
            kind = _kind_of_rule_flags(text)
            if kind:  # a red-flag example whose kind the rules cannot name is left out, not guessed
                examples.append((text, kind))
        else:
            examples.append((text, NONE))
    return examples


@lru_cache(maxsize=1)
def default_model() -> SafetyModel:
    """The model every NLU process uses, trained once per process from the files in the repository."""
    return train(list(safety_examples()) + load_nlu_examples())
