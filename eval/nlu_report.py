"""Print Rasa's held-out intent report as a table, weakest intents first.

    python -m eval.nlu_report results/nlu/intent_report.json
"""
import json
import sys

from coach.vocabulary import RED_FLAG_INTENT


def main(path: str) -> None:
    report = json.load(open(path))
    rows = {k: v for k, v in report.items() if isinstance(v, dict) and "precision" in v and k not in
            ("micro avg", "macro avg", "weighted avg")}
    print(f"{'intent':28} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for name, r in sorted(rows.items(), key=lambda kv: (kv[1]["f1-score"], kv[0])):
        print(f"{name:28} {r['precision']:9.2f} {r['recall']:7.2f} {r['f1-score']:6.2f} {r['support']:4d}")
    accuracy = report.get("accuracy")
    macro = report.get("macro avg", {})
    examples = sum(r["support"] for r in rows.values())
    print(f"held-out accuracy {accuracy:.3f}, macro F1 {macro.get('f1-score', 0):.3f}, {examples} examples")
    red = rows.get(RED_FLAG_INTENT)
    if red:
        print(f"red-flag recall {red['recall']:.2f} (phrase rules in components/message_guard.py back the classifier)")


if __name__ == "__main__":
    main(sys.argv[1])
