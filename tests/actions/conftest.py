"""Fixtures for the action tests: the domain and a real rasa_sdk dispatcher (trackers: tests/actions/trackers.py)."""
from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from harness import ROOT


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
