"""The readers' suspicion of a sign the phrase rules did not find: the red-flag model, then the encoder.

One function, used by the NLU guard (``components.message_guard``) and the offline evaluation
(``eval/safety_model_eval.py``), so that what is measured is what runs. A suspicion never raises an
alarm; it asks the one short safety check.
"""
from __future__ import annotations

from typing import Optional

from coach.encoder import suspect as encoder_suspect
from coach.safety import model_flag_is_implausible
from coach.safety_model import SUSPECT_THRESHOLD, SafetyModel, Suspicion, default_model
from coach.storage import asks_about_stored_milk

# Inside a stored-milk question the red-flag model needs this much before it asks the check, and the
# encoder is not asked: a bag's age ("5 days old", "since LO was born, she's 4 months") reads like a
# newborn's. On the 190 stored-milk cases of the tuned sets (eval/corpus, corpus_heldout4,
# storage_tuning9) the model reached 0.65 on 5 and 0.8 on none, and the encoder 0.9 on 3; a sign told
# with the rules' words in a storage question is still found by the rules.
IN_STORED_MILK_QUESTION = 0.8


def suspicion(text: str, model: Optional[SafetyModel] = None, threshold: float = SUSPECT_THRESHOLD,
              encoder: bool = True) -> Optional[Suspicion]:
    """The kind of sign the readers suspect, or None; ``encoder=False`` leaves the encoder out (to measure it)."""
    model = model or default_model()
    in_storage = asks_about_stored_milk(text)
    found = model.suspect(text, max(threshold, IN_STORED_MILK_QUESTION) if in_storage else threshold)
    if found is None and encoder and not in_storage:
        found = encoder_suspect(text, model)
    if found is None or model_flag_is_implausible(text, found.kind):
        return None
    return found
