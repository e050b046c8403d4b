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


def test_the_breakdown_sums_each_part_within_a_message_then_takes_the_median():
    from eval.message_breakdown import Timings, markdown

    timings = Timings()
    for seconds in (0.010, 0.030, 0.020):
        timings.add("graph: run_RulePolicy1", seconds / 2)
        timings.add("graph: run_RulePolicy1", seconds / 2)  # a policy predicts once per action
        timings.add("tracker store: read", 0.001)
        timings.end_message(seconds + 0.001)
    rows = {row["part"]: row for row in timings.table()}
    assert rows["graph: run_RulePolicy1"] == {"part": "graph: run_RulePolicy1", "median_ms": 20.0, "mean_ms": 20.0}
    assert rows["total (one message)"]["median_ms"] == 21.0
    table = markdown(timings.table(), baseline=[{"part": "tracker store: read", "median_ms": 2.0, "mean_ms": 2.5}])
    assert "| tracker store: read | 1.0 | 1.0 | 2.0 | 2.5 |" in table
    assert "| graph: run_RulePolicy1 | 20.0 | 20.0 | - | - |" in table


def test_the_safety_model_figures_count_checks_and_escalations_as_alarms():
    from eval.safety_model_eval import score

    items = [{"id": "a", "kind": "red_flag", "flag": "mastitis", "text": "fever of 39 and a red hot lump in my breast"},
             {"id": "b", "kind": "near_miss", "flag": "mastitis", "text": "what suction level should i use"},
             {"id": "c", "kind": "near_miss", "flag": "mood", "text": "i want to die"}]
    line, alarmed = score(items, None, 1.0)
    assert line.startswith("red flags caught 1/1")
    assert alarmed == ["c"]
