"""A failed log-in does not tell whether the name exists: same status, same page, same scrypt work, and a
lock-out counted per typed name whether or not it has an account.

The app here has its own empty SQLite databases: log-in never reads the assistant's conversations, so
these tests need no Rasa server.
"""
import re
import time

import pytest
import sqlalchemy as sa

from review import accounts
from review.db import migrate, own_engine
from review.schema import audit_log
from review.settings import Settings
from tests.fixtures.review import PASSWORD, form_token, login, make_user

WRONG = "wrong password here"


@pytest.fixture
def login_app(tmp_path):
    from review.web import create_app
    settings = Settings.from_env({}, tracker_url=f"sqlite:///{tmp_path / 'rasa.db'}",
                                 database_url=f"sqlite:///{tmp_path / 'review.db'}",
                                 secret_file=tmp_path / "review-secret.key")
    migrate(own_engine(settings.database_url))
    app = create_app(settings)
    app.config["TESTING"] = True
    make_user(settings, "ada", "admin")
    yield app
    app.extensions["review"]["own"].dispose()
    app.extensions["review"]["tracker"].dispose()


def page_without_token(resp) -> str:
    # The form's CSRF token is new on every page; everything else must be the same.
    html = resp.get_data(as_text=True)
    return html.replace(form_token(html), "TOKEN")


def attempts(app, name: str, count: int):
    client = app.test_client()
    return [login(client, name, WRONG) for _ in range(count)]


def failed_rows(app):
    with own_engine(app.extensions["review"]["settings"].database_url).connect() as conn:
        return conn.execute(sa.select(audit_log).where(audit_log.c.action == "login_failed")
                            .order_by(audit_log.c.id)).all()


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_before_and_after_the_lock_out(login_app):
    limit = login_app.extensions["review"]["settings"].login_failures_per_name
    known = attempts(login_app, "ada", limit + 1)
    unknown = attempts(login_app, "nobody.here", limit + 1)
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * limit + [429]
    for real, made_up in zip(known, unknown, strict=True):
        assert page_without_token(real) == page_without_token(made_up)
    assert "do not match" in known[0].get_data(as_text=True)
    assert "Too many failed attempts" in known[-1].get_data(as_text=True)
    # Every failure is still audited, and the typed unknown name (maybe a password) is not stored.
    rows = failed_rows(login_app)
    assert [r.detail for r in rows] == ["wrong password"] * limit + ["unknown name"] * limit
    assert all("nobody" not in r.target + r.actor for r in rows)
    assert re.fullmatch(r"unknown:[0-9a-f]{16}", rows[-1].target)


def test_an_unknown_name_runs_the_same_password_check_as_a_real_one(login_app, monkeypatch):
    checked = []
    real_check = accounts.check_password

    def counting(password, stored):
        checked.append(stored)
        return real_check(password, stored)

    monkeypatch.setattr(accounts, "check_password", counting)
    client = login_app.test_client()
    started = time.perf_counter()
    assert login(client, "ada", WRONG).status_code == 401
    known_s = time.perf_counter() - started
    # More different unknown names than the per-name limit: each is a first try, so each must be checked
    # (when unknown names shared one counter, the sixth was refused at once, without a check).
    limit = login_app.extensions["review"]["settings"].login_failures_per_name
    for i in range(limit + 1):
        started = time.perf_counter()
        assert login(client, f"nobody.{i}", WRONG).status_code == 401, i
        unknown_s = time.perf_counter() - started
    assert len(checked) == 1 + limit + 1
    dummy = accounts.prepare_dummy_hash()
    assert set(checked[1:]) == {dummy}
    # The dummy hash is made with the accounts' own scrypt parameters, so checking it costs as much.
    assert dummy.split("$")[1:4] == [str(accounts.SCRYPT_N), str(accounts.SCRYPT_R), str(accounts.SCRYPT_P)]
    # Loose, since CI timing is noisy: the last unknown name is not answered at once (~8 ms vs ~0.45 s).
    assert unknown_s >= 0.3 * known_s, (unknown_s, known_s)


def test_one_locked_unknown_name_does_not_lock_another(login_app):
    limit = login_app.extensions["review"]["settings"].login_failures_per_name
    assert attempts(login_app, "first.made.up", limit + 1)[-1].status_code == 429
    client = login_app.test_client()
    assert login(client, "second.made.up", WRONG).status_code == 401
    # Nor a real one: the right password still gets in.
    assert login(client, "ada", PASSWORD).status_code == 302
    targets = {r.target for r in failed_rows(login_app)}
    assert len(targets) == 2  # each unknown name has its own counter
