"""The staff review app in a real headless Chromium, served by `review serve` (waitress) as in production."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from harness import ROOT
from harness.platforms import CHANNEL_ENV
from harness.server import free_port, wait_until_up
from review.privacy import pseudonym
from tests.fixtures.review import PASSWORD, make_user


@pytest.fixture
def review_server(databases, tmp_path, server):
    s = databases.settings
    make_user(s, "nora", "reviewer")
    port = free_port()
    # The app reads a copy of the recorded conversations; takeovers and replies go to the live Rasa server.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": s.tracker_url,
           "REVIEW_DATABASE_URL": s.database_url, "REVIEW_SECRET_FILE": str(s.secret_file), "REVIEW_PORT": str(port),
           "REVIEW_RASA_URL": server.base_url, "STAFF_API_SECRET": CHANNEL_ENV["STAFF_API_SECRET"]}
    log = tmp_path / "review.log"
    proc = subprocess.Popen([sys.executable, "-m", "review", "serve"], cwd=ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", proc, log, 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_log_in_work_the_queue_read_a_transcript_add_a_note_and_export(browser, review_server, recorded, databases):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)

    page.goto(f"{review_server}/queue")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()  # sent to the log-in first
    page.get_by_label("Name").fill("nora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Needs attention")).to_be_visible()
    secret = Path(databases.settings.secret_file).read_text().strip().encode()
    red = pseudonym(secret, recorded.senders["red_flag"])
    first_row = page.locator("table.conversations tbody tr").first
    expect(first_row).to_contain_text(red)
    expect(first_row).to_contain_text("red flag")

    page.get_by_role("link", name=red).click()
    expect(page.get_by_role("heading", name=f"Conversation {red}")).to_be_visible()
    flagged = page.locator("li.msg.user.red-flag")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("fever")
    expect(flagged.locator(".nlu")).to_contain_text("confidence")

    flagged.get_by_text("Note on this message").click()
    flagged.get_by_label("Note").fill("clinic phoned back, mastitis confirmed")
    flagged.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_have_text("Note saved.")
    expect(page.locator("li.msg.user.red-flag .note")).to_contain_text("clinic phoned back, mastitis confirmed")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    exported = Path(download_info.value.path()).read_text()
    assert exported.startswith("conversation,channel,event_id")
    assert red in exported and "clinic phoned back, mastitis confirmed" in exported
    assert recorded.senders["red_flag"] not in exported

    page.get_by_role("button", name="Mark as reviewed").click()
    page.get_by_role("link", name="Needs attention").click()
    expect(page.locator("table.conversations")).not_to_contain_text(red)
    assert outside == [], f"the review app fetched from other hosts: {outside}"
    context.close()


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_take_over_reply_and_hand_back_in_the_browser(browser, review_server, recorded, databases, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{review_server}/login")
    page.get_by_label("Name").fill("nora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    secret = Path(databases.settings.secret_file).read_text().strip().encode()
    asked = pseudonym(secret, recorded.senders["handoff"])
    page.get_by_role("link", name=asked).click()

    page.get_by_label("Name the parent sees").fill("Nora")
    page.get_by_role("button", name="Take over").click()
    expect(page.get_by_role("status")).to_contain_text("You hold the conversation")
    page.get_by_label("Reply to the parent").fill("Hello, Nora from the clinic. I can call you at 3 pm.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_have_text("Sent.")
    page.get_by_role("link", name="Needs attention").click()
    expect(page.get_by_role("region", name="Held by staff")).to_contain_text(asked)
    page.get_by_role("link", name=asked).first.click()
    page.get_by_role("button", name="Hand back to the assistant").click()
    expect(page.get_by_role("status")).to_contain_text("Handed back")
    messages = server.get_json(f"/history/{recorded.senders['handoff']}")[1]["messages"]
    assert [m["text"] for m in messages if m["from"] == "staff"][-2] == "Hello, Nora from the clinic. I can call you at 3 pm."
    context.close()


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_the_outcomes_page_shows_its_server_drawn_charts(browser, review_server, recorded, databases):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None)
    page.goto(f"{review_server}/login")
    page.get_by_label("Name").fill("nora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    drawn = []
    page.on("response", lambda r: drawn.append((r.status, r.headers.get("content-type")))
            if "/outcomes/" in r.url and r.url.endswith(".png") else None)
    page.get_by_role("link", name="Outcomes").click()
    expect(page.get_by_role("heading", name="Outcomes", exact=True)).to_be_visible()
    charts = page.locator("section.figure img")
    expect(charts).to_have_count(4)
    for k in range(4):
        charts.nth(k).scroll_into_view_if_needed()
        expect(charts.nth(k)).to_be_visible()
    # The page's CSP forbids script evaluation, so the images' loading is read from the responses.
    page.wait_for_load_state("networkidle")
    assert drawn == [(200, "image/png")] * 4
    expect(page.locator("table.figures").first).to_contain_text("same")
    assert outside == [], f"the review app fetched from other hosts: {outside}"
    context.close()
