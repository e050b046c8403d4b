"""The assistant never trains on its evaluation sets: no text of eval/corpus*/ or eval/log_heldout*/ is an
NLU example, except the product's own quick-reply titles (a persona may tap one) and a few one-word
replies every conversation needs ("no", "medium")."""
import glob
import re
from pathlib import Path

from rasa.shared.utils.io import read_yaml_file

from coach import checkins, replies
from coach.prompts import PROMPTS
from eval import sets as eval_sets

ROOT = Path(__file__).resolve().parents[2]
# Words any parent answers with; the evaluation sets could not avoid them, and the assistant cannot
# learn its replies without them.
GENERIC_REPLIES = {"no", "nope", "nah", "yes", "yep", "yup", "ya", "yea", "yeah", "medium", "low", "high", "not sure",
                   "not really", "ok", "never", "idk", "👍", "hi",
                   # Written by corpus_heldout8's outside session, word for word as an older training example
                   # (data/nlu): common answers, not a copy either way.
                   "hospital grade rental", "no pain at all", "electric", "not sure sorry"}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).lower().strip())


def evaluation_texts() -> set:
    texts = set()
    for name in glob.glob(str(ROOT / "eval" / "corpus*" / "*.yml")) + glob.glob(str(ROOT / "eval" / "log_heldout*" / "*.yml")) + \
            glob.glob(str(ROOT / "eval" / "checkin_heldout" / "*.yml")):
        data = eval_sets.load(Path(name))
        for key in ("messages", "cases", "replies"):
            texts |= {norm(m[field]) for m in data.get(key) or [] for field in ("text", "reply") if field in m}
        for persona in data.get("personas") or []:
            texts |= {norm(persona["opening"])} | {norm(v) for v in persona["answers"].values()}
    return texts


def test_no_evaluation_text_is_a_training_example():
    allowed = ({norm(t) for t in replies.BUTTON_INTENTS} | {norm(t) for p in PROMPTS.values() for t, _ in p.options}
               | {norm(t) for t in checkins.OUTCOME_BUTTONS + checkins.OFFER_BUTTONS} | GENERIC_REPLIES)
    examples = {norm(line.strip()[2:]) for name in sorted((ROOT / "data" / "nlu").glob("*.yml"))
                for item in read_yaml_file(name)["nlu"] for line in (item.get("examples") or "").splitlines()
                if line.strip().startswith("- ")}
    assert sorted((examples & evaluation_texts()) - allowed) == []


def test_no_evaluation_text_trains_the_red_flag_model():
    from coach.safety_model import load_safety_examples

    written = {norm(text) for text, _ in load_safety_examples()}
    assert sorted((written & evaluation_texts()) - GENERIC_REPLIES) == []
