"""Who may see what: log-in, roles, CSRF, cookies, rate limiting and idle logout."""
import time

import pytest
import sqlalchemy as sa

from review.db import own_engine
from review.schema import audit_log, staff_session
from tests.fixtures.review import PASSWORD, form_token, logged_in, login, make_user

PAGES = ["/", "/queue", "/conversations", "/conversations?q=milk", "/c/C-ANYTHING", "/admin/accounts", "/admin/audit",
         "/account/password"]
POSTS = ["/export", "/c/C-ANYTHING/notes", "/c/C-ANYTHING/tags", "/c/C-ANYTHING/reviewed", "/c/C-ANYTHING/reveal",
         "/admin/accounts", "/logout"]


def audit_rows(app, action=None):
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        query = sa.select(audit_log).order_by(audit_log.c.id)
        if action:
            query = query.where(audit_log.c.action == action)
        return conn.execute(query).all()


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_nothing_without_logging_in(app):
    client = app.test_client()
    for path in PAGES:
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], path
    for path in POSTS:
        resp = client.post(path, data={"c": "C-ANYTHING", "format": "csv"})
        assert resp.status_code == 401, path
        assert "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_reviewer_cannot_manage_accounts_see_the_audit_log_or_reveal(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    assert client.get("/admin/accounts").status_code == 403
    assert client.get("/admin/audit").status_code == 403
    resp = client.post("/admin/accounts", data={"csrf_token": client.csrf, "action": "create", "username": "eve",
                                                "role": "admin"})
    assert resp.status_code == 403
    client.get("/queue")  # indexes the conversations
    from review.privacy import pseudonym
    p = pseudonym(app.extensions["review"]["secret"], recorded.senders["contact"])
    resp = client.post(f"/c/{p}/reveal", data={"csrf_token": client.csrf, "reason": "curious about it"})
    assert resp.status_code == 403
    assert audit_rows(app, "reveal") == []
    assert audit_rows(app, "account_created")[-1].target == "rita"  # only the test's own account was made


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_admin_creates_an_account_which_must_change_its_one_time_password(app):
    admin = logged_in(app, "ada", "admin")
    page = admin.post("/admin/accounts", data={"csrf_token": admin.csrf, "action": "create", "username": "Nina",
                                               "role": "reviewer"}).get_data(as_text=True)
    one_time = page.split('<code class="secret">')[1].split("<")[0]
    nina = app.test_client()
    resp = login(nina, "nina", one_time)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/account/password")
    assert nina.get("/queue").headers["Location"].endswith("/account/password")
    token = form_token(nina.get("/account/password").get_data(as_text=True))
    short = nina.post("/account/password", data={"csrf_token": token, "current_password": one_time,
                                                 "new_password": "short", "repeat_password": "short"})
    assert short.status_code == 400 and "at least 12" in short.get_data(as_text=True)
    done = nina.post("/account/password", data={"csrf_token": token, "current_password": one_time,
                                                "new_password": "my own long passphrase",
                                                "repeat_password": "my own long passphrase"})
    assert done.status_code == 302
    assert login(app.test_client(), "nina", one_time).status_code == 401
    assert login(app.test_client(), "nina", "my own long passphrase").status_code == 302


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_the_last_admin_cannot_be_disabled(app):
    admin = logged_in(app, "ada", "admin")
    resp = admin.post("/admin/accounts", data={"csrf_token": admin.csrf, "action": "disable", "username": "ada"})
    assert resp.status_code == 400 and "last active admin" in resp.get_data(as_text=True)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_forms_without_the_csrf_token_are_refused(app):
    client = logged_in(app, "ada", "admin")
    for token in ("", "forged-token"):
        resp = client.post("/admin/accounts", data={"csrf_token": token, "action": "create", "username": "eve",
                                                    "role": "admin"})
        assert resp.status_code == 400 and "expired" in resp.get_data(as_text=True)
    # The log-in form needs its own token (the cookie's twin) too.
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 400
    assert "eve" not in client.get("/admin/accounts").get_data(as_text=True)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_session_cookie_is_http_only_secure_and_same_site(app):
    make_user(app.extensions["review"]["settings"], "ada", "admin")
    resp = login(app.test_client(), "ada")
    cookie = next(h for h in resp.headers.getlist("Set-Cookie") if h.startswith("review_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    assert "script-src" not in resp.headers.get("Content-Security-Policy", "x") and "default-src 'none'" in \
        resp.headers["Content-Security-Policy"]


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_login_is_rate_limited_per_name_and_every_attempt_is_audited(app):
    make_user(app.extensions["review"]["settings"], "ada", "admin")
    client = app.test_client()
    for _ in range(5):
        resp = login(client, "ada", "wrong password here")
        assert resp.status_code == 401 and "do not match" in resp.get_data(as_text=True)
    blocked = login(client, "ada")  # the right password, but too late
    assert blocked.status_code == 429 and "wait 15 minutes" in blocked.get_data(as_text=True)
    assert login(client, "ada").status_code == 429
    # Every failure is recorded; a client hammering while locked out adds one row a minute, not one a try.
    assert len(audit_rows(app, "login_failed")) == 5 and len(audit_rows(app, "login_blocked")) == 1
    assert audit_rows(app, "login") == []
    # An unknown name fails the same way and is recorded too.
    assert login(client, "my secret passphrase", "whatever else").status_code == 401
    last = audit_rows(app, "login_failed")[-1]
    assert last.detail == "unknown name" and "passphrase" not in last.target + last.actor  # a mistyped password


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_idle_sessions_end(app):
    client = logged_in(app, "ada", "admin")
    assert client.get("/queue").status_code == 200
    idle = app.extensions["review"]["settings"].idle_minutes * 60
    with own_engine(app.extensions["review"]["settings"].database_url).begin() as conn:
        conn.execute(staff_session.update().values(last_seen_at=time.time() - idle - 1))
    resp = client.get("/queue")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_logout_ends_the_session(app):
    client = logged_in(app, "ada", "admin")
    assert client.post("/logout", data={"csrf_token": client.csrf}).status_code == 302
    assert client.get("/queue").status_code == 302
    assert [r.action for r in audit_rows(app)][-2:] == ["login", "logout"]


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_next_parameter_never_leaves_the_site(app):
    make_user(app.extensions["review"]["settings"], "ada", "admin")
    for target, expected in [("/conversations?red_flag=yes", "/conversations?red_flag=yes"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/%09/evil.example", "/"), ("/%0aSet-Cookie:x=1", "/"),
                             ("/%5c%5cevil.example", "/")]:
        resp = login(app.test_client(), "ada", next_path=target)
        assert resp.headers["Location"] == expected, target


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_forwarded_address_is_trusted_only_behind_a_configured_proxy(app, databases):
    import dataclasses

    from review.web import create_app
    make_user(databases.settings, "ada", "admin")
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    login(app.test_client(), "ada", "wrong password here")
    behind = create_app(dataclasses.replace(databases.settings, proxy_hops=1)).test_client()
    page = behind.get("/login", headers=forwarded)
    behind.post("/login", headers=forwarded, data={"csrf_token": form_token(page.get_data(as_text=True)),
                                                   "username": "ada", "password": "wrong password here"})
    assert [r.address for r in audit_rows(app, "login_failed")] == ["127.0.0.1", "203.0.113.9"]


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_guessing_the_current_password_on_the_change_form_is_limited_and_audited(app):
    client = logged_in(app, "ada", "admin")
    token = form_token(client.get("/account/password").get_data(as_text=True))
    statuses = [client.post("/account/password", data={
        "csrf_token": token, "current_password": f"guess number {i}", "new_password": "a new long passphrase",
        "repeat_password": "a new long passphrase"}).status_code for i in range(6)]
    assert statuses == [400] * 6
    assert len(audit_rows(app, "login_failed")) == 5  # the sixth was refused before checking
    right = client.post("/account/password", data={"csrf_token": token, "current_password": PASSWORD,
                                                   "new_password": "a new long passphrase",
                                                   "repeat_password": "a new long passphrase"})
    assert right.status_code == 400 and "Too many" in right.get_data(as_text=True)


@pytest.mark.parametrize("databases", ["sqlite"], indirect=True)
def test_odd_parameters_get_clear_answers_not_errors(app):
    client = logged_in(app, "ada", "admin")
    for path, status in [("/admin/audit?page=99999999999999999999999", 200), ("/conversations?to=9999-12-31", 200),
                         ("/conversations?page=-4&sort=%27%3Bdrop", 200), ("/conversations?q=%00", 400)]:
        resp = client.get(path)
        assert resp.status_code == status, path
        assert "Traceback" not in resp.get_data(as_text=True)
    resp = client.post("/admin/accounts", data={"csrf_token": client.csrf, "action": "role", "username": "ada"})
    assert resp.status_code == 400 and "Nothing to change" in resp.get_data(as_text=True)
    # "²" passes str.isdigit() but is no number; the unknown conversation then gives a plain 404.
    resp = client.post("/c/C-NOSUCHONE/notes", data={"csrf_token": client.csrf, "event_id": "²", "body": "x"})
    assert resp.status_code == 404


def test_database_errors_do_not_carry_conversation_ids(tmp_path):
    from sqlalchemy.exc import DBAPIError

    from review.db import tracker_engine
    from review.schema import events
    sqlite3_db = tmp_path / "empty.db"
    sqlite3_db.touch()
    engine = tracker_engine(f"sqlite:///{sqlite3_db}")
    with pytest.raises(DBAPIError) as failure, engine.connect() as conn:
        conn.execute(sa.select(events).where(events.c.sender_id == "447700900123"))
    assert "no such table" in str(failure.value) and "447700900123" not in str(failure.value)
