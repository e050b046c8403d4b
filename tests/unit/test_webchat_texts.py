"""The web chat widget's own words come from content/en/webchat.yml, written into widget.js and index.html
as channels/webchat.py serves them (so a translation needs no JavaScript change)."""
import json
import re
import shutil
import subprocess
import uuid

import pytest
from rasa.core.channels.channel import register
from sanic import Sanic
from sanic_testing import TestManager

from channels.webchat import (
    PAGE_LANGUAGE_MARKER,
    PAGE_TITLE_MARKER,
    STATIC_DIR,
    WIDGET_TEXT_IDS,
    WIDGET_TEXTS_MARKER,
    WebChatInput,
    static_body,
    widget_texts,
)
from coach import content


@pytest.fixture(scope="module")
def client():
    app = Sanic(f"webchat_texts_{uuid.uuid4().hex[:12]}")
    register([WebChatInput()], app, "/webhooks/")
    TestManager(app)
    return app.test_client


def served(client, name):
    resp = client.get(f"/webhooks/webchat/static/{name}")[1]
    assert resp.status == 200
    return resp.body.decode("utf-8")


def test_widget_js_is_served_with_its_texts_in_place_of_the_marker(client):
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    assert source.count(WIDGET_TEXTS_MARKER) == 1
    script = served(client, "widget.js")
    assert WIDGET_TEXTS_MARKER not in script
    words = re.search(r"var WORDS = (\{.*?\});\n", script)
    assert words and json.loads(words.group(1)) == widget_texts()
    assert script.isascii()  # the JSON is escaped: nothing in it can depend on the file's encoding


def test_every_id_the_widget_reads_is_sent_and_every_sent_id_is_read():
    source = (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
    read = set(re.findall(r"""\bt\("([a-z0-9_]+)"\s*[,)]""", source))
    assert read == set(WIDGET_TEXT_IDS)
    assert len(WIDGET_TEXT_IDS) == len(set(WIDGET_TEXT_IDS))
    for text_id in WIDGET_TEXT_IDS:
        assert text_id.startswith("webchat_") and content.entry(text_id).file == "webchat.yml"
    # Only the ids' templates travel: every placeholder is one the widget fills in.
    assert {i for i in WIDGET_TEXT_IDS if content.entry(i).placeholders} == {"webchat_staff_name",
                                                                             "webchat_send_failed_call"}


def test_the_first_quick_replies_are_the_greetings_own():
    assert widget_texts()["greeting_buttons"] == content.button_titles("utter_greet")


def test_the_page_gets_its_language_and_title(client):
    page = served(client, "index.html")
    assert PAGE_LANGUAGE_MARKER not in page and PAGE_TITLE_MARKER not in page
    assert f'<html lang="{content.DEFAULT_LANGUAGE}">' in page
    assert f"<title>{content.text('webchat_title')}</title>" in page
    assert served(client, "widget.css") == (STATIC_DIR / "widget.css").read_text(encoding="utf-8")


def test_the_served_script_is_valid_javascript(tmp_path):
    node = shutil.which("node")
    if not node:
        pytest.skip("no node to check the script's syntax")
    path = tmp_path / "widget.js"
    path.write_bytes(static_body("widget.js"))
    subprocess.run([node, "--check", str(path)], check=True, capture_output=True)
