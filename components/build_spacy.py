"""Build the project's spaCy pipeline from code: blank English plus an entity ruler.

No English model for spaCy 3.4 can be installed here, and Rasa's SpacyNLP refuses an in-memory
pipeline, so we write one to disk and point config.yml at the directory. The output is a build
artefact under models/ and is rebuilt whenever the patterns change (see the Makefile).

    python -m components.build_spacy models/spacy_pumping
"""
from __future__ import annotations

import sys
from pathlib import Path

import spacy

from components.entity_patterns import patterns

DEFAULT_OUTPUT = Path("models/spacy_pumping")


def build(output: Path = DEFAULT_OUTPUT) -> Path:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "validate": True})
    ruler.add_patterns(patterns())
    nlp.meta["name"] = "pumping"
    nlp.meta["description"] = "Blank English tokenizer plus entity rules for the pumping coach."
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return output


if __name__ == "__main__":
    target = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUTPUT)
    print(f"spaCy pipeline written to {target}")
