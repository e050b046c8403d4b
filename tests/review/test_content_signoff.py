"""The content sign-off page: an admin records which content version a clinician agreed to, and the page
says when the running content is no longer that version (real review app, real database)."""
import html

import sqlalchemy as sa

from review import content
from review.db import own_engine
from review.schema import audit_log
from tests.fixtures.review import logged_in


def page(resp):
    return html.unescape(resp.get_data(as_text=True))


def test_an_admin_records_a_signoff_and_sees_when_the_content_changes(app, monkeypatch):
    admin = logged_in(app, "ada", "admin")
    running = content.running_version()
    first = page(admin.get("/admin/content"))
    assert running in first and "never been signed off" in first

    resp = admin.post("/admin/content", data={"csrf_token": admin.csrf, "version": running,
                                              "clinician": "  Grace  Hopper, IBCLC ", "notes": "Read every page."})
    assert resp.status_code == 200
    signed = page(resp)
    assert "Grace Hopper, IBCLC" in signed and "is the version Grace Hopper, IBCLC signed off" in signed
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        rows = conn.execute(sa.select(audit_log).where(audit_log.c.action == "content_signoff")).all()
    assert [(r.actor, r.target) for r in rows] == [("ada", running)]

    # Any change to the files behind the content gives a new version: the page says so.
    monkeypatch.setattr(content, "running_version", lambda: "0123456789ab")
    changed = page(admin.get("/admin/content"))
    assert "Content changed since the last sign-off" in changed and running in changed and "0123456789ab" in changed


def test_a_signoff_needs_a_clinician_and_the_running_version(app):
    admin = logged_in(app, "ada", "admin")
    running = content.running_version()
    empty = admin.post("/admin/content", data={"csrf_token": admin.csrf, "version": running, "clinician": " "})
    assert empty.status_code == 400 and "Give the name of the clinician" in page(empty)
    stale = admin.post("/admin/content", data={"csrf_token": admin.csrf, "version": "old", "clinician": "Grace"})
    assert stale.status_code == 400 and "content changed while the page was open" in page(stale)
    assert "never been signed off" in page(admin.get("/admin/content"))


def test_only_admins_open_the_signoff_page(app):
    reviewer = logged_in(app, "bob", "reviewer")
    assert reviewer.get("/admin/content").status_code == 403
    refused = reviewer.post("/admin/content", data={"csrf_token": reviewer.csrf, "version": content.running_version(),
                                                    "clinician": "Grace"})
    assert refused.status_code == 403
