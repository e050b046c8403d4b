"""Reading an evaluation set's file: one reader for the harness, the offline safety evaluation and the
check that no evaluation text is training data."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# A set written as a bare list (corpus_heldout11 on) holds the items its file name says.
_ITEMS_KEY = (("personas", "personas"), ("safety", "messages"), ("storage", "cases"))


def _labels(value: Any) -> Any:
    """Bare yes/no load as booleans in YAML 1.1; the writers meant the words."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return {k: _labels(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_labels(v) for v in value]
    return value


def load(path: Path) -> Any:
    """The file's mapping ("messages", "cases", "personas", ...), a bare list put under the key its name says."""
    data = _labels(yaml.safe_load(path.read_text(encoding="utf-8")))
    if isinstance(data, list):
        key = next((key for part, key in _ITEMS_KEY if part in path.name), None)
        if key is None:
            raise ValueError(f"{path.name}: a bare list, and the file name does not say what it holds")
        return {key: data}
    return data or {}
