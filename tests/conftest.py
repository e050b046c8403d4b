"""Shared fixtures: one real Rasa server and action server per test session, on loopback.

Each test talks to them over HTTP like the web page does, with its own random conversation id, and
reads what was stored from the session's own temporary SQLite tracker store. The servers, the
conversation client and the stand-in chat platforms are in harness/, shared with eval/.
"""
from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, Iterator, List

import pytest

import rasa_patches
from harness.conversation import Conversation
from harness.platforms import CHANNEL_ENV, FakePlatform
from harness.server import Server, running_server

# As every entry point does (rasa_patches/__init__.py): the tests run the same Rasa as the served assistant.
rasa_patches.install()

# The review app's fixtures (recorded conversations, a database per test) serve tests/review and the
# review app's browser test in tests/browser, so they load for the whole suite (pytest only instantiates
# a fixture a test asks for).
pytest_plugins = ["tests.fixtures.review"]


@pytest.fixture(scope="session")
def fake_platform() -> Iterator[FakePlatform]:
    platform = FakePlatform()
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, fake_platform: FakePlatform) -> Iterator[Server]:
    # Check-ins are looked for every second (30 s in production), so a test that makes one due sees it soon.
    env = {**CHANNEL_ENV, **fake_platform.api_urls(), "CHECKIN_POLL_S": "1"}
    with running_server(tmp_path_factory.mktemp("rasa-server"), env) as srv:
        yield srv


CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Flags for a root, sandbox-less machine with no network beyond loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


# Module scope, not session: while Playwright's sync API is open its event loop counts as running,
# and later tests that call asyncio.run() would fail.
@pytest.fixture(scope="module")
def browser():
    """A headless Debian Chromium for a module's browser tests (web chat, staff review)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    # Importing Rasa (elsewhere in this session) installs uvloop's event-loop policy, under which
    # Playwright never hears back from its driver process: use asyncio's own loop for the browser.
    asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def chat(server: Server) -> Conversation:
    return Conversation(server)


_QUESTION_COUNTS: List[int] = []


@pytest.fixture(scope="session")
def question_counts() -> List[int]:
    """Questions asked before each diagnosis in the scenario tests: append to it; summed up at the end."""
    return _QUESTION_COUNTS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _QUESTION_COUNTS:
        counts = sorted(_QUESTION_COUNTS)
        middle = len(counts) // 2
        median = counts[middle] if len(counts) % 2 else (counts[middle - 1] + counts[middle]) / 2
        terminalreporter.write_line(
            f"troubleshooting scenarios: {len(counts)} diagnoses, questions asked median {median}, max {counts[-1]}"
        )
