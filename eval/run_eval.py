"""`make eval`: how well the assistant understands and decides. Writes results/eval/report.md.

1. NLU: 5-fold cross-validation on the training data; the held-out test set; the same test set with
   seeded typos. Per-intent precision/recall/F1 and the most frequent confusions.
2. Conversations: every Rasa test story, failures listed.
3. Troubleshooting: simulated parents (eval/personas.yml) talking in free text to the real server:
   how often the right cause comes first, questions asked (median, max), repeated questions, and
   whether every red-flag persona was escalated.
4. The outsiders' corpus (eval/corpus/, see eval/corpus_eval.py): personas, red flags and near
   misses, topic messages, replies and stored-milk cases written by people who never read the code,
   against the figures before this round's changes (eval/corpus_baseline.json).

`--corpus-only` runs part 4 alone.
"""
from __future__ import annotations

import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import yaml

from coach.clinic import clinic
from eval import corpus_eval
from eval.typos import make_typo_set
from harness import ROOT
from harness.conversation import Conversation
from harness.server import RASA, model_path, running_server

OUT = ROOT / "results" / "eval"
DIAGNOSIS_MARK = "most likely going on"
FOLDS = 5


def rasa(*args: str) -> None:
    print("$ rasa " + " ".join(args), flush=True)
    subprocess.run([RASA, *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def intent_table(report_path: Path) -> Dict[str, Dict[str, float]]:
    report = json.loads(report_path.read_text())
    return {k: v for k, v in report.items()
            if isinstance(v, dict) and "precision" in v and k not in ("micro avg", "macro avg", "weighted avg")}


def summary(report_path: Path) -> Dict[str, float]:
    report = json.loads(report_path.read_text())
    return {"accuracy": report.get("accuracy", 0.0), "macro_f1": report["macro avg"]["f1-score"]}


def confusions(errors_path: Path, top: int = 10) -> List[str]:
    if not errors_path.exists():
        return []
    errors = json.loads(errors_path.read_text())
    pairs = collections.Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    return [f"{gold} -> {pred}: {n}" for (gold, pred), n in pairs.most_common(top)]


def nlu_section(title: str, folder: Path) -> List[str]:
    rows = intent_table(folder / "intent_report.json")
    totals = summary(folder / "intent_report.json")
    lines = [f"### {title}", "", f"accuracy {totals['accuracy']:.3f}, macro F1 {totals['macro_f1']:.3f}", "",
             "| intent | precision | recall | F1 | n |", "|---|---|---|---|---|"]
    for name, r in sorted(rows.items(), key=lambda kv: kv[1]["f1-score"]):
        lines.append(f"| {name} | {r['precision']:.2f} | {r['recall']:.2f} | {r['f1-score']:.2f} | {r['support']} |")
    lines += ["", "Most frequent confusions (true -> predicted):", ""]
    lines += [f"- {c}" for c in confusions(folder / "intent_errors.json")] or ["- none"]
    return lines + [""]


def run_personas(personas: List[Dict[str, Any]]) -> Dict[str, Any]:
    results: List[Dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), {}) as srv:
        for persona in personas:
            chat = Conversation(srv)
            chat.say(persona["opening"])
            asked: List[str] = []
            escalated = False
            for turn in range(12):
                if persona["cause"] == "red_flag" and (turn == 1 or DIAGNOSIS_MARK in chat.text):
                    chat.say(persona["later"])  # the warning sign comes up after the first question
                    escalated = clinic().phone in chat.text
                    break
                if DIAGNOSIS_MARK in chat.text:
                    break
                slot = chat.asked_question()
                if slot is None:
                    if persona["cause"] == "red_flag":
                        continue  # no troubleshooting started: raise the warning sign next turn
                    break
                asked.append(slot)
                chat.say(persona["answers"].get(slot, "not sure"))
            slots = chat.slots()
            repeats = sum(1 for i, s in enumerate(asked) if s in asked[:i] and asked[i - 1] != s)
            results.append({
                "id": persona["id"], "cause": persona["cause"], "found": slots.get("suspected_cause"),
                "questions": len(set(asked)), "reasks": len(asked) - len(set(asked)) - repeats, "repeats": repeats,
                "red_flag": slots.get("red_flag"), "escalated": escalated,
                "last_reply": chat.text[:160],
            })
    diagnosed = [r for r in results if r["cause"] != "red_flag"]
    flagged = [r for r in results if r["cause"] == "red_flag"]
    return {
        "personas": results,
        "right_cause_first": sum(r["found"] == r["cause"] for r in diagnosed) / max(len(diagnosed), 1),
        "by_cause": {c: f"{sum(r['found'] == c for r in diagnosed if r['cause'] == c)}/"
                        f"{sum(r['cause'] == c for r in diagnosed)}" for c in sorted({r["cause"] for r in diagnosed})},
        "questions_median": statistics.median(r["questions"] for r in diagnosed) if diagnosed else 0,
        "questions_max": max((r["questions"] for r in diagnosed), default=0),
        "conversations_with_a_repeated_question": sum(r["repeats"] > 0 for r in diagnosed),
        "red_flags_escalated": f"{sum(r['escalated'] and r['red_flag'] is not None for r in flagged)}/{len(flagged)}",
    }


def persona_lines(personas: List[Dict[str, Any]]) -> List[str]:
    sim = run_personas(personas)
    (OUT / "personas.json").write_text(json.dumps(sim, indent=2))
    lines = ["## Troubleshooting with simulated parents (eval/personas.yml)", "",
             f"- personas: {len(personas)} ({sum(p['cause'] != 'red_flag' for p in personas)} with a known cause, "
             f"{sum(p['cause'] == 'red_flag' for p in personas)} with a red flag)",
             f"- right cause first: {sim['right_cause_first']:.0%} (per cause: {sim['by_cause']})",
             f"- questions before the diagnosis: median {sim['questions_median']}, max {sim['questions_max']}",
             "- conversations where a question came back after moving on: "
             f"{sim['conversations_with_a_repeated_question']}",
             f"- red-flag personas escalated to a human-contact answer: {sim['red_flags_escalated']}", "",
             "| persona | true cause | found | questions | red flag |", "|---|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['cause']} | {r['found']} | {r['questions']} | {r['red_flag'] or ''} |"
              for r in sim["personas"]]
    return lines


def corpus_lines() -> List[str]:
    report = corpus_eval.evaluate()
    (OUT / "corpus.json").write_text(json.dumps(report, indent=2))
    baseline_path = ROOT / "eval" / "corpus_baseline.json"
    before = json.loads(baseline_path.read_text()) if baseline_path.exists() else None
    lines = ["## The outsiders' corpus (eval/corpus/)", "",
             "Written by sessions that never read the code; never trained on. \"before\" is the assistant as it was "
             "before this round's changes (eval/corpus_baseline.json); details in results/eval/corpus.json.", ""]
    lines += corpus_eval.table(before, report)
    safety = report.get("safety", {})
    lines += ["", f"- red flags by kind: {safety.get('red_flag_recall_by_kind')}",
              f"- red flags missed: {safety.get('missed')}",
              f"- near misses alarmed: {safety.get('false_alarms')}",
              f"- personas by cause: {report.get('personas', {}).get('by_cause')}", ""]
    # The held-out sets were written after this round's first tuning, by sessions that saw neither the
    # code nor eval/corpus/, and were never looked into: the honest figure for phrasings nobody has seen.
    heldout = corpus_eval.evaluate(("personas", "messages"), ROOT / "eval" / "corpus_heldout")
    (OUT / "corpus_heldout.json").write_text(json.dumps(heldout, indent=2))
    lines += ["### Held-out sets (eval/corpus_heldout/)", ""] + corpus_eval.table(None, heldout)[:12] + [
        "", f"- red flags by kind: {heldout.get('safety', {}).get('red_flag_recall_by_kind')}",
        f"- personas by cause: {heldout.get('personas', {}).get('by_cause')}"]
    return lines


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if "--corpus-only" in sys.argv:
        print("\n".join(corpus_lines()))
        return
    personas = yaml.safe_load((ROOT / "eval" / "personas.yml").read_text())["personas"]
    if "--personas-only" in sys.argv:
        print("\n".join(persona_lines(personas)))
        return
    model = str(model_path())
    started = time.monotonic()
    lines = ["# Evaluation report", "", f"Model: `{Path(model).name}`. Made by `make eval`.", ""]

    rasa("test", "nlu", "--nlu", "data/nlu", "--config", "config.yml", "--cross-validation", "--folds", str(FOLDS),
         "--out", str(OUT / "cv"), "--no-plot")
    rasa("test", "nlu", "--model", model, "--nlu", "tests/nlu/test_nlu.yml", "--out", str(OUT / "heldout"), "--no-plot")
    make_typo_set(ROOT / "tests/nlu/test_nlu.yml", OUT / "test_nlu_typos.yml")
    rasa("test", "nlu", "--model", model, "--nlu", str(OUT / "test_nlu_typos.yml"), "--out", str(OUT / "typos"),
         "--no-plot")
    lines.append("## NLU")
    lines += nlu_section(f"{FOLDS}-fold cross-validation on the training data (test folds)", OUT / "cv")
    lines += nlu_section("Held-out test set (tests/nlu/test_nlu.yml)", OUT / "heldout")
    lines += nlu_section("Held-out test set with seeded typos (eval/typos.py)", OUT / "typos")
    clean, typo = summary(OUT / "heldout" / "intent_report.json"), summary(OUT / "typos" / "intent_report.json")
    lines += [f"Typo robustness: macro F1 {clean['macro_f1']:.3f} clean vs {typo['macro_f1']:.3f} with typos "
              f"(drop {clean['macro_f1'] - typo['macro_f1']:.3f}).", ""]

    rasa("test", "core", "--model", model, "--stories", "tests/stories", "--out", str(OUT / "stories"), "--no-plot")
    failed = yaml.safe_load((OUT / "stories" / "failed_test_stories.yml").read_text() or "{}") or {}
    failed_names = [s.get("story") for s in (failed.get("stories") or [])]
    story_report = json.loads((OUT / "stories" / "story_report.json").read_text())
    lines += ["## Conversations (Rasa test stories)", "",
              f"Stories: {story_report.get('conversation_accuracy', {}).get('correct', '?')}/"
              f"{story_report.get('conversation_accuracy', {}).get('total', '?')} correct. Failed: "
              + (", ".join(failed_names) if failed_names else "none"), ""]

    lines += persona_lines(personas)
    lines += [""] + corpus_lines()
    lines += ["", f"Evaluation took {time.monotonic() - started:.0f} s."]
    (OUT / "report.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
