"""The outsiders' corpus (eval/corpus/): how the assistant does with people its authors never wrote.

The corpus was written by helper sessions that had not read the parsers, the NLU data or the older
personas, and was committed before any tuning; it is never used for training. This module only
reads it and talks to the real Rasa server, like a parent would:

- personas: a simulated parent opens with their own message and answers each question the assistant
  asks with the free text written for that question (`answers`), taps nothing, and answers a safety
  check with `safety_check`. Measured: right cause first, question turns as the user sees them
  (re-asks and safety checks included), repeats, questions about things the opening already said,
  false alarms.
- messages: single messages in fresh conversations. Red flags must reach the human-contact answer,
  directly or after one safety check (answered with the message's `safety_reply`); near misses must
  get neither an escalation nor a safety check; topic messages must not fall back.
- replies: each reply read by the plain answer readers against its label (no server).
- storage: stored-milk questions; the simulated parent answers what is asked from the case's facts.

Run alone with `python -m eval.corpus_eval [--part personas,messages,replies,storage] [--out FILE]`;
`make eval` runs it and writes results/eval/corpus.json and a section of the report.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from coach import replies as reply_texts
from coach.clinic import clinic
from coach.diagnosis import QUESTION_SLOTS
from coach.prompts import SLOT_BY_TEXT
from coach.safety import advice_for
from coach.vocabulary import FALLBACK_ACTION, FALLBACK_INTENT, REPHRASE_RESPONSE
from eval import sets
from harness import ROOT
from harness.conversation import Conversation
from harness.server import running_server

# CORPUS_DIR points at another copy (a subset, while working on one part).
CORPUS = Path(os.environ.get("CORPUS_DIR", ROOT / "eval" / "corpus"))
DIAGNOSIS_MARK = "most likely going on"
# The question keys the corpus writers used, and the form slot each stands for.
KEY_TO_SLOT = {
    "nursing": "nursing_goes_well", "baby_weight": "baby_gaining_well", "pump_type": "pump_type",
    "pain": "pumping_pain", "fullness": "breasts_feel_full", "flow_starts": "milk_flow_starts",
    "feelings": "pumping_feelings", "suction": "suction_level", "flange_size": "flange_size",
    "flange_fit": "flange_fit", "away_from_baby": "away_from_baby", "breasts_ever_full": "breasts_ever_full",
    "parts": "parts_condition", "let_down_with_baby": "let_down_with_baby",
}
SLOT_TO_KEY = {slot: key for key, slot in KEY_TO_SLOT.items()}
# The corpus's topic labels and the intent that answers each.
TOPIC_INTENT = {
    "low_output": "report_low_output", "pump_choice": "ask_pump_choice", "flange_fit": "ask_flange_fit",
    "let_down": "ask_let_down", "feelings": "express_pumping_stress", "storage": "ask_milk_storage",
    "cleaning": "ask_cleaning", "session_length": "ask_session_length", "power_pumping": "ask_power_pumping",
    "engorgement": "ask_engorgement", "suction": "ask_suction", "lubricant": "ask_lubricant",
    "see_professional": "ask_lactation_consultant", "talk_to_person": "request_human", "out_of_scope": "out_of_scope",
}
FALLBACK_ACTIONS = {FALLBACK_ACTION, REPHRASE_RESPONSE}
STORAGE_SLOTS = {"storage_place": "place", "milk_state": "state", "storage_hours": "hours"}
PLACE_WORDS = {"room": "it was on the counter", "fridge": "in the fridge", "freezer": "in the freezer",
               "deep_freezer": "in the deep freezer", "cooler": "in a cooler bag with ice packs",
               "hot": "somewhere hot, like a hot car", "unknown": "not sure"}
STATE_WORDS = {"fresh": "freshly pumped", "thawed": "it was thawed", "leftover": "left over from a feed",
               "unknown": "not sure"}
MAX_TURNS = 20


def load(name: str, corpus: Optional[Path] = None) -> Any:
    return sets.load((corpus or CORPUS) / name)


def advice_mark() -> str:
    """The closing line of every human-contact (red-flag) answer."""
    return advice_for([], clinic()).text.split("\n\n")[-1]


def safety_check_texts() -> Iterable[str]:
    return getattr(reply_texts, "SAFETY_CHECK_TEXTS", ())


@dataclass
class Turns:
    """What one simulated conversation showed the parent."""
    questions: List[str] = field(default_factory=list)  # slots, each time a question was shown
    safety_checks: int = 0
    escalations: int = 0
    not_caught: int = 0

    def see(self, chat: Conversation) -> None:
        text = chat.text
        if advice_mark() in text:
            self.escalations += 1
        if any(check in text for check in safety_check_texts()):
            self.safety_checks += 1
        if reply_texts.DID_NOT_CATCH in text:
            self.not_caught += 1
        for message in chat.replies:
            slot = SLOT_BY_TEXT.get(message.get("text") or "")
            if slot:
                self.questions.append(slot)

    @property
    def question_turns(self) -> int:
        return len(self.questions) + self.safety_checks

    @property
    def repeats(self) -> int:
        """Questions that came back after another question had been asked in between."""
        asked = self.questions
        return sum(1 for i, slot in enumerate(asked) if slot in asked[:i] and asked[i - 1] != slot)

    @property
    def reasks(self) -> int:
        return sum(1 for i, slot in enumerate(self.questions) if i and self.questions[i - 1] == slot)


def run_persona(chat: Conversation, persona: Dict[str, Any]) -> Dict[str, Any]:
    answers = persona["answers"]
    turns = Turns()
    chat.say(persona["opening"])
    turns.see(chat)
    tapped = False
    for _ in range(MAX_TURNS):
        if DIAGNOSIS_MARK in chat.text:
            break
        if any(check in chat.text for check in safety_check_texts()):
            chat.say(answers["safety_check"])
        elif chat.asked_question():
            slot = chat.asked_question()
            chat.say(answers.get(SLOT_TO_KEY.get(slot, "other"), answers["other"]))
        elif not tapped and reply_texts.LOW_OUTPUT in chat.buttons:
            # A topic answer instead of the questions: a parent would tap "little or no milk" once.
            tapped = True
            chat.say(reply_texts.LOW_OUTPUT)
        else:
            break
        turns.see(chat)
    slots = chat.slots()
    already_said = set(persona.get("opening_facts") or {})
    return {
        "id": persona["id"], "cause": persona["cause"], "voice": persona.get("voice"),
        "found": slots.get("suspected_cause"), "question_turns": turns.question_turns,
        "questions": turns.questions, "repeats": turns.repeats, "reasks": turns.reasks,
        "not_caught": turns.not_caught, "safety_checks": turns.safety_checks, "escalations": turns.escalations,
        "asked_already_said": sorted({SLOT_TO_KEY.get(s, s) for s in turns.questions} & already_said),
        "tapped_low_output": tapped, "last_reply": chat.text[:200],
        # What the assistant took from the parent, so a wrong cause can be traced to the answer misread.
        "answers": {slot: slots.get(slot) for slot in QUESTION_SLOTS if slots.get(slot) is not None},
    }


def persona_summary(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    diagnosed_turns = [r["question_turns"] for r in results]
    causes = sorted({r["cause"] for r in results})
    return {
        "personas": len(results),
        "right_cause_first": round(sum(r["found"] == r["cause"] for r in results) / max(len(results), 1), 3),
        "by_cause": {c: f"{sum(r['found'] == c for r in results if r['cause'] == c)}/"
                        f"{sum(r['cause'] == c for r in results)}" for c in causes},
        "no_diagnosis": sum(r["found"] is None for r in results),
        "question_turns_median": statistics.median(diagnosed_turns) if diagnosed_turns else 0,
        "question_turns_max": max(diagnosed_turns, default=0),
        "over_7_turns": sum(t > 7 for t in diagnosed_turns),
        "with_repeated_question": sum(r["repeats"] > 0 for r in results),
        "reasks": sum(r["reasks"] for r in results),
        "didnt_catch_that": sum(r["not_caught"] for r in results),
        "asked_what_opening_said": sum(len(r["asked_already_said"]) for r in results),
        "false_alarms": sum(r["escalations"] > 0 or r["safety_checks"] > 0 for r in results),
    }


def last_turn_events(chat: Conversation) -> "tuple[Optional[str], List[str]]":
    """The intent of the latest user message and the actions that answered it."""
    events = chat.server.events(chat.sender)
    start = max(i for i, e in enumerate(events) if e.get("event") == "user")
    intent = ((events[start].get("parse_data") or {}).get("intent") or {}).get("name")
    actions = [e.get("name") for e in events[start + 1:] if e.get("event") == "action"]
    return intent, actions


def run_message(chat: Conversation, item: Dict[str, Any]) -> Dict[str, Any]:
    chat.say(item["text"])
    intent, actions = last_turn_events(chat)
    escalated = advice_mark() in chat.text
    checked = any(check in chat.text for check in safety_check_texts())
    escalated_after_check = False
    if checked and not escalated and item.get("safety_reply"):
        chat.say(item["safety_reply"])
        escalated_after_check = advice_mark() in chat.text
    return {
        "id": item["id"], "kind": item.get("kind", "topic"), "flag": item.get("flag"), "topic": item.get("topic"),
        "intent": intent, "fallback": intent == FALLBACK_INTENT or bool(FALLBACK_ACTIONS & set(actions)),
        "escalated": escalated, "safety_check": checked, "escalated_after_check": escalated_after_check,
        "reply": chat.text[:160],
    }


def safety_summary(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    flags = [r for r in results if r["kind"] == "red_flag"]
    near = [r for r in results if r["kind"] == "near_miss"]
    reached = [r for r in flags if r["escalated"] or r["escalated_after_check"]]
    by_flag = collections.defaultdict(lambda: [0, 0])
    for r in flags:
        by_flag[r["flag"]][1] += 1
        by_flag[r["flag"]][0] += r["escalated"] or r["escalated_after_check"]
    alarmed = [r for r in near if r["escalated"] or r["safety_check"]]
    return {
        "red_flags": len(flags),
        "red_flag_recall": round(len(reached) / max(len(flags), 1), 3),
        "red_flag_recall_by_kind": {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_flag.items())},
        "red_flags_needing_a_check": sum(r["escalated_after_check"] for r in flags),
        "missed": [r["id"] for r in flags if r not in reached],
        "near_misses": len(near),
        "near_miss_false_alarm_rate": round(len(alarmed) / max(len(near), 1), 3),
        "near_miss_escalations": sum(r["escalated"] for r in near),
        "near_miss_safety_checks": sum(r["safety_check"] and not r["escalated"] for r in near),
        "false_alarms": [r["id"] for r in alarmed],
    }


def topic_summary(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    in_scope = [r for r in results if r["topic"] != "out_of_scope"]
    wrong = [r for r in results if r["intent"] != TOPIC_INTENT[r["topic"]]]
    alarmed = [r for r in results if r["escalated"] or r["safety_check"]]
    return {
        "messages": len(results),
        "in_scope_fallback_rate": round(sum(r["fallback"] for r in in_scope) / max(len(in_scope), 1), 3),
        "right_topic": round(1 - len(wrong) / max(len(results), 1), 3),
        "false_alarms": len(alarmed),
        "fallbacks": [r["id"] for r in in_scope if r["fallback"]],
        "confusions": collections.Counter(f"{r['topic']} -> {r['intent']}" for r in wrong).most_common(15),
    }


def run_storage(chat: Conversation, case: Dict[str, Any]) -> Dict[str, Any]:
    metadata = {"local_time": case["sent_at"]} if case.get("sent_at") else None
    chat.say(case["text"], metadata=metadata)
    asked: List[str] = []
    for _ in range(6):
        slot = chat.asked_question()
        if slot not in STORAGE_SLOTS:
            break
        asked.append(slot)
        fact = STORAGE_SLOTS[slot]
        if fact == "place":
            answer = PLACE_WORDS.get(case["place"], "not sure")
        elif fact == "state":
            answer = STATE_WORDS.get(case["state"], "not sure")
        else:
            answer = f"{case['hours']:g} hours" if case.get("hours") is not None else "not sure"
        chat.say(answer, metadata=metadata)
    verdict = chat.slots().get("storage_verdict")
    got = {"fine": "ok", "use_soon": "ok", "throw_away": "discard"}.get(verdict or "", None)
    needed = set(case.get("missing_that_matters") or [])
    return {
        "id": case["id"], "expected": case["verdict"], "got": got, "asked": asked,
        "unneeded_questions": [s for s in asked if STORAGE_SLOTS[s] not in needed],
        "reply": chat.text[:160],
    }


def storage_summary(results: List[Dict[str, Any]]) -> Dict[str, Any]:
    decided = [r for r in results if r["expected"] in ("ok", "discard")]
    return {
        "cases": len(results),
        "right_verdict": f"{sum(r['got'] == r['expected'] for r in decided)}/{len(decided)}",
        "unsafe_verdicts": [r["id"] for r in decided if r["expected"] == "discard" and r["got"] == "ok"],
        "cases_with_an_unneeded_question": sum(bool(r["unneeded_questions"]) for r in results),
        "questions_asked": sum(len(r["asked"]) for r in results),
        "wrong": [r["id"] for r in decided if r["got"] != r["expected"]],
    }


def reply_summary(corpus: Optional[Path] = None) -> Dict[str, Any]:
    from coach import answers

    items = load("replies.yml", corpus)["replies"]
    rows = []
    for item in items:
        slot = KEY_TO_SLOT[item["question"]]
        parse = answers.parse_requested
        try:
            got = parse(slot, item["text"])
        except KeyError:  # a question this version of the readers does not know
            got = None
        rows.append({"id": item["id"], "question": item["question"], "label": item["label"], "got": got})
    by_q = collections.defaultdict(lambda: [0, 0])
    for r in rows:
        by_q[r["question"]][1] += 1
        by_q[r["question"]][0] += r["got"] == r["label"]
    return {
        "replies": len(rows),
        "read_right": round(sum(r["got"] == r["label"] for r in rows) / max(len(rows), 1), 3),
        "unread": sum(r["got"] is None for r in rows),
        "by_question": {q: f"{v[0]}/{v[1]}" for q, v in sorted(by_q.items())},
        "wrong": [f"{r['id']} [{r['question']}] {r['label']} -> {r['got']}" for r in rows if r["got"] != r["label"]],
    }


PARTS = ("replies", "personas", "messages", "storage")


def evaluate(parts: Iterable[str] = PARTS, corpus: Optional[Path] = None) -> Dict[str, Any]:
    """Run the given parts of the corpus in ``corpus`` (default: eval/corpus, or CORPUS_DIR)."""
    corpus = corpus or CORPUS
    parts = list(parts)
    report: Dict[str, Any] = {}
    started = time.monotonic()
    if "replies" in parts and (corpus / "replies.yml").exists():
        report["replies"] = reply_summary(corpus)
    if set(parts) - {"replies"}:
        with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp), {}) as srv:
            if "personas" in parts:
                personas = [p for name in sorted(corpus.glob("*personas*.yml"))
                            for p in load(name.name, corpus)["personas"]]
                rows = []
                for i, persona in enumerate(personas, 1):
                    rows.append(run_persona(Conversation(srv), persona))
                    if i % 25 == 0:
                        print(f"  personas: {i}/{len(personas)}", file=sys.stderr, flush=True)
                report["personas"] = {**persona_summary(rows), "rows": rows}
            if "messages" in parts:
                safety = [run_message(Conversation(srv), m)
                          for name in sorted(corpus.glob("*safety*.yml")) for m in load(name.name, corpus)["messages"]]
                print("  safety messages done", file=sys.stderr, flush=True)
                report["safety"] = {**safety_summary(safety), "rows": safety}
                if (corpus / "messages_topics.yml").exists():
                    topics = [run_message(Conversation(srv), m)
                              for m in load("messages_topics.yml", corpus)["messages"]]
                    report["topics"] = {**topic_summary(topics), "rows": topics}
            if "storage" in parts and (corpus / "storage_cases.yml").exists():
                rows = [run_storage(Conversation(srv), c) for c in load("storage_cases.yml", corpus)["cases"]]
                report["storage"] = {**storage_summary(rows), "rows": rows}
    report["seconds"] = round(time.monotonic() - started)
    return report


# The figures the report table shows, in order: (section, key, label).
HEADLINE = (
    ("personas", "right_cause_first", "personas: right cause first"),
    ("personas", "question_turns_median", "personas: question turns, median"),
    ("personas", "question_turns_max", "personas: question turns, max"),
    ("personas", "over_7_turns", "personas: conversations over 7 question turns"),
    ("personas", "with_repeated_question", "personas: conversations with a repeated question"),
    ("personas", "didnt_catch_that", "personas: \"didn't catch that\" replies"),
    ("personas", "asked_what_opening_said", "personas: questions about what the opening already said"),
    ("personas", "false_alarms", "personas: conversations with an escalation or safety check"),
    ("safety", "red_flag_recall", "red flags reaching the human-contact answer (<= 1 check)"),
    ("safety", "near_miss_false_alarm_rate", "near misses given an escalation or safety check"),
    ("topics", "in_scope_fallback_rate", "topic messages: in-scope fallback rate"),
    ("topics", "right_topic", "topic messages: right topic"),
    ("replies", "read_right", "replies read as labelled"),
    ("storage", "right_verdict", "storage: right verdict"),
    ("storage", "cases_with_an_unneeded_question", "storage: cases with a question that could not change the verdict"),
)


def table(before: Optional[Dict[str, Any]], after: Dict[str, Any]) -> List[str]:
    lines = ["| measure | before | now |", "|---|---|---|"]
    for section, key, label in HEADLINE:
        old = (before or {}).get(section, {}).get(key, "")
        new = after.get(section, {}).get(key, "")
        lines.append(f"| {label} | {old} | {new} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", default=",".join(PARTS), help="comma-separated: " + ", ".join(PARTS))
    parser.add_argument("--out", default=str(ROOT / "results" / "eval" / "corpus.json"))
    parser.add_argument("--before", default=str(ROOT / "eval" / "corpus_baseline.json"),
                        help="an earlier run to compare with (the figures before this round's changes)")
    args = parser.parse_args()
    report = evaluate(args.part.split(","))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    before = json.loads(Path(args.before).read_text()) if Path(args.before).exists() else None
    print("\n".join(table(before, report)))
    print(f"(full results: {out}; took {report['seconds']} s)")


if __name__ == "__main__":
    main()
