"""The measurement scripts import and run their parts that need no server, so a moved module or a renamed
name breaks `make check`, not the next `make eval`."""
import importlib
import pkgutil

import eval as eval_package
from eval import corpus_eval


def test_every_eval_module_imports():
    for module in pkgutil.iter_modules(eval_package.__path__):
        importlib.import_module(f"eval.{module.name}")


def test_the_reply_part_reads_every_corpus_reply_with_the_current_readers():
    summary = corpus_eval.reply_summary()
    assert summary["replies"] == len(corpus_eval.load("replies.yml")["replies"]) > 0
    # Every question of the corpus is one the readers know: none was read as a KeyError.
    assert set(summary["by_question"]) == {item["question"] for item in corpus_eval.load("replies.yml")["replies"]}
