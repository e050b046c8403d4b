"""The chat page in a real headless Chromium (Debian's), against the real Rasa server."""
import pytest
from playwright.sync_api import Page, expect

from coach.clinic import clinic
from coach.knowledge import knowledge_base
from coach.replies import PRIVACY_NOTICE


@pytest.fixture
def page(browser) -> Page:
    # A phone-sized screen: the page must work one-handed at 2 am.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    outside, refused = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:")) else None)
    # Chromium reports what the page's Content-Security-Policy blocked on the console.
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    assert outside == [], f"the page fetched from other hosts: {outside}"
    assert refused == [], f"the page's own policy blocked: {refused}"
    context.close()


def bot_messages(page: Page):
    return page.locator(".pc-bot")


def test_send_a_message_tap_a_quick_reply_and_survive_a_reload(server, page):
    page.goto(f"{server.webchat}/")
    expect(page.get_by_role("heading", name="Pumping coach")).to_be_visible()
    box = page.get_by_label("Your message")
    box.fill("my pump gives almost nothing")
    box.press("Enter")
    # The privacy notice, then the first troubleshooting question with its quick replies.
    expect(bot_messages(page).filter(has_text=PRIVACY_NOTICE[:40])).to_have_count(1)
    replies = page.get_by_role("group", name="Quick replies").get_by_role("button")
    expect(replies.first).to_be_visible()
    first_title = replies.first.inner_text()
    replies.first.click()
    expect(page.locator(".pc-user").last).to_have_text(first_title)
    expect(page.get_by_role("group", name="Quick replies").get_by_role("button").first).to_be_visible()

    page.reload()
    expect(page.locator(".pc-user")).to_have_count(2)
    expect(page.locator(".pc-user").last).to_have_text(first_title)
    expect(page.get_by_role("group", name="Quick replies").get_by_role("button").first).to_be_visible()


def test_keyboard_only_question_and_answer(server, page):
    page.goto(f"{server.webchat}/")
    expect(page.get_by_role("group", name="Quick replies")).to_be_visible()  # the greeting has rendered
    box = page.get_by_label("Your message")
    for _ in range(10):  # the log, the quick replies, then the text box: all reachable with Tab
        page.keyboard.press("Tab")
        if box.evaluate("el => el === document.activeElement"):
            break
    expect(box).to_be_focused()
    page.keyboard.type("how should my flange fit?")
    page.keyboard.press("Enter")
    expect(bot_messages(page).filter(has_text=knowledge_base().entry("flange_fit").text[:50])).to_have_count(1)
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")


def test_unreachable_server_gets_a_clear_message_and_keeps_the_text(server, page):
    page.goto(f"{server.webchat}/")
    expect(bot_messages(page).first).to_be_visible()
    page.route("**/webhooks/webchat/webhook", lambda route: route.abort())
    page.get_by_label("Your message").fill("hello?")
    page.get_by_role("button", name="Send").click()
    status = page.get_by_role("alert")
    expect(status).to_contain_text("can't reach the pumping coach")
    expect(status).to_contain_text(clinic().phone)
    page.unroute("**/webhooks/webchat/webhook")
    status.get_by_role("button", name="Try again").click()
    expect(status).to_be_hidden()
    expect(bot_messages(page).last).not_to_have_text("")
    expect(page.locator(".pc-user")).to_have_count(1)  # the retried message is not shown twice


def test_a_staff_reply_appears_without_a_reload(server, page):
    from tests.integration.test_staff_handoff import staff as signed_staff  # the one signing helper

    def staff(route, sender, **fields):
        status, _ = signed_staff(server, route, sender, **fields)
        assert status == 200

    page.goto(f"{server.webchat}/")
    box = page.get_by_label("Your message")
    box.fill("can i talk to someone at the clinic")
    box.press("Enter")
    expect(page.locator(".pc-user")).to_have_count(1)
    expect(bot_messages(page).last).not_to_have_text("")
    sender = page.evaluate("() => window.localStorage.getItem('pumping-coach-sender')")

    staff("takeover", sender, name="Amy")
    staff("reply", sender, text="Hello, Amy from the clinic here. How can I help?", name="Amy")
    # The page looks for staff messages every few seconds: no reload, no click.
    reply = page.locator(".pc-staff").filter(has_text="How can I help?")
    expect(reply).to_have_count(1, timeout=15_000)
    expect(reply).to_contain_text("Amy (clinic)")
    box.fill("my nipples are cracked and bleeding a lot")  # a red flag is still answered at once
    box.press("Enter")
    expect(bot_messages(page).filter(has_text=clinic().phone).last).to_be_visible()
    staff("release", sender, name="Amy")
    expect(page.locator(".pc-staff").filter(has_text="has left the chat")).to_have_count(1, timeout=15_000)
    page.reload()
    expect(page.locator(".pc-staff").filter(has_text="How can I help?")).to_have_count(1)


def test_the_pumping_log_chart_shows_in_the_chat_and_after_a_reload(server, page):
    page.goto(f"{server.webchat}/")
    box = page.get_by_label("Your message")
    box.fill("pumped 60 ml at 7am")
    box.press("Enter")
    expect(bot_messages(page).filter(has_text="60 ml (2.0 oz)")).to_have_count(1)
    page.get_by_role("button", name="Show my log").click()
    chart = page.get_by_role("img", name="Chart of the milk pumped per day over the last 7 days")
    expect(chart).to_be_visible()
    # Drawn by the assistant's own server, and really loaded (a broken image has no natural width).
    page.wait_for_function("() => { const i = document.querySelector('.pc-image img'); "
                           "return i && i.complete && i.naturalWidth > 0; }")
    page.reload()
    expect(page.get_by_role("img", name="Chart of the milk pumped per day over the last 7 days")).to_be_visible()


def test_a_checkin_appears_in_the_open_page_and_its_buttons_answer_it(server, page):
    import sqlite3
    import time

    page.goto(f"{server.webchat}/")
    box = page.get_by_label("Your message")
    box.fill("can you check in with me tomorrow")
    box.press("Enter")
    expect(bot_messages(page).filter(has_text="I'll check in with you")).to_have_count(1)
    sender = page.evaluate("() => window.localStorage.getItem('pumping-coach-sender')")
    with sqlite3.connect(server.db_path, timeout=30) as db:  # the night passes: the check-in is due now
        for _ in range(50):
            if db.execute("SELECT 1 FROM checkin WHERE sender_id = ? AND status = 'pending'", (sender,)).fetchone():
                break
            time.sleep(0.2)
        assert db.execute("UPDATE checkin SET due_at = ? WHERE sender_id = ? AND status = 'pending'",
                          (time.time() - 1, sender)).rowcount == 1
    # The page looks every few seconds: the question arrives with no reload and no click.
    expect(bot_messages(page).filter(has_text="checking in as promised")).to_have_count(1, timeout=20_000)
    page.get_by_role("button", name="Better").click()
    expect(bot_messages(page).filter(has_text="really good to hear")).to_have_count(1)
    page.reload()
    expect(bot_messages(page).filter(has_text="checking in as promised")).to_have_count(1)


def test_delete_this_chat_asks_once_then_erases_and_forgets_the_id(server, page):
    page.goto(f"{server.webchat}/")
    box = page.get_by_label("Your message")
    box.fill("pumped 50 ml at 7am")
    box.press("Enter")
    expect(page.locator(".pc-user")).to_have_count(1)
    expect(page.locator(".pc-typing")).to_have_count(0)  # the answer has come
    old = page.evaluate("() => window.localStorage.getItem('pumping-coach-sender')")
    page.get_by_role("button", name="Delete this chat").click()
    yes = page.get_by_role("group", name="Quick replies").get_by_role("button", name="Yes, delete everything")
    expect(yes).to_be_visible()
    assert server.events(old)  # nothing deleted before the yes
    yes.click()
    expect(page.get_by_role("alert")).to_contain_text("This chat was deleted")
    new = page.evaluate("() => window.localStorage.getItem('pumping-coach-sender')")
    assert new and new != old
    assert server.events(old) == []
    page.reload()  # the old conversation does not come back
    expect(page.locator(".pc-user")).to_have_count(0)
