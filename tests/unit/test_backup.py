"""serving/backup.py's parts that need no running system: settings, checks, reports, SQLite's copy."""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from serving import backup
from serving.backup import BackupError


def test_the_databases_are_found_from_the_same_settings_as_the_assistant_and_the_review_app(tmp_path):
    defaults = backup.sources_from_env({}, root=tmp_path)
    assert defaults.tracker_url == f"sqlite:///{tmp_path / 'var' / 'rasa.db'}"
    assert defaults.review_url == f"sqlite:///{tmp_path / 'var' / 'review.db'}"
    assert defaults.key_file == tmp_path / "var" / "review-secret.key"
    # endpoints.postgresql.yml's settings, as scripts/run turns them into the review app's URL.
    pg = backup.sources_from_env({"DB_HOST": "db.clinic", "DB_USER": "rasa", "DB_PASSWORD": "pw", "DB_NAME": "coach"})
    assert pg.tracker_url == "postgresql://rasa:pw@db.clinic:5432/coach"
    chosen = backup.sources_from_env({"DB_HOST": "db.clinic", "REVIEW_TRACKER_URL": "postgresql://a@b/c",
                                      "REVIEW_DATABASE_URL": "postgresql://a@b/r", "REVIEW_SECRET_FILE": "/etc/k"})
    assert (chosen.tracker_url, chosen.review_url, chosen.key_file) == ("postgresql://a@b/c", "postgresql://a@b/r",
                                                                        Path("/etc/k"))


def test_only_sqlite_and_postgresql_are_taken():
    assert backup.engine_of("sqlite:////srv/rasa.db") == "sqlite"
    assert backup.engine_of("postgresql+psycopg2://u@h/d") == backup.engine_of("postgres://u@h/d") == "postgresql"
    with pytest.raises(BackupError, match="Only SQLite and PostgreSQL"):
        backup.engine_of("mysql://clinic:secret@h/d")


def test_passwords_stay_out_of_messages_and_command_lines():
    url = "postgresql://clinic:s3cret@db.clinic:6543/coach"
    assert "s3cret" not in backup.display_url(url)
    env = backup.libpq_env(url, {"PATH": "/usr/bin", "PGPASSWORD": "inherited"})
    assert env == {"PATH": "/usr/bin", "PGHOST": "db.clinic", "PGPORT": "6543", "PGUSER": "clinic",
                   "PGPASSWORD": "s3cret", "PGDATABASE": "coach"}
    # A URL without a password must not borrow one from the environment of the cron job.
    assert "PGPASSWORD" not in backup.libpq_env("postgresql://clinic@db/coach", {"PGPASSWORD": "inherited"})


def test_a_missing_pg_dump_says_what_to_install(tmp_path):
    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client"):
        backup.find_tool("pg_dump", search_path=str(tmp_path))


def test_counts_are_compared_table_by_table():
    assert backup.compare_counts({"events": 3, "note": 1}, {"events": 3, "note": 1}) == []
    assert backup.compare_counts({"events": 3, "note": 1, "tag": 0}, {"events": 2, "note": 1, "alert": 4}) == [
        "alert: not in the backup (4 rows after restore)",
        "events: 3 rows in the backup, 2 after restore",
        "tag: missing after restore (0 rows in the backup)",
    ]


def test_a_system_that_only_started_once_is_still_empty():
    assert not backup.holds_data({})
    assert not backup.holds_data({"alembic_version": 1, "index_state": 1, "checkin_cursor": 1, "events": 0})
    assert backup.holds_data({"alembic_version": 1, "events": 1})
    assert backup.holds_data({"staff": 1})


def test_the_report_lines_up_and_marks_what_was_not_measured():
    text = backup.format_counts([("tracker events", 120, 120, 120), ("review alert", 2, 2, None)])
    lines = text.splitlines()
    assert lines[0].split() == ["table", "in", "backup", "restored", "after", "index"]
    assert lines[1].split() == ["tracker", "events", "120", "120", "120"]
    assert lines[2].split() == ["review", "alert", "2", "2", "-"]
    assert len({len(line) for line in lines}) == 1


def test_names_are_utc_times_and_the_version_file_is_read_when_there(tmp_path):
    evening_in_chicago = datetime(2026, 12, 7, 18, 30, 5, tzinfo=timezone(timedelta(hours=-6)))
    assert backup.backup_name(evening_in_chicago) == "pumping-coach-backup-20261208T003005Z"
    assert backup.read_version(tmp_path) is None
    (tmp_path / "VERSION").write_text("0.10.0\n")
    assert backup.read_version(tmp_path) == "0.10.0"


def _wal_database(path: Path) -> sqlite3.Connection:
    """A live database as the assistant leaves it: WAL mode, recent commits still in the -wal file."""
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # the running server's recent commits are not folded in yet
    db.execute("CREATE TABLE alembic_version (version_num TEXT)")
    db.execute("INSERT INTO alembic_version VALUES ('0006')")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)")
    db.executemany("INSERT INTO events (data) VALUES (?)", [(f"message {i}",) for i in range(50)])
    db.commit()
    return db


def test_the_sqlite_copy_holds_what_is_still_in_the_wal_and_stands_alone(tmp_path):
    live = _wal_database(tmp_path / "rasa.db")  # stays open: nothing is checkpointed into rasa.db
    try:
        assert (tmp_path / "rasa.db-wal").stat().st_size > 0
        # What a plain `cp` of the file gets while the assistant runs: not the recent messages.
        shutil.copy(tmp_path / "rasa.db", tmp_path / "cp.db")
        with sqlite3.connect(tmp_path / "cp.db") as cp:
            assert cp.execute("SELECT name FROM sqlite_master WHERE name = 'events'").fetchall() == []
        counts, revision = backup.sqlite_snapshot(tmp_path / "rasa.db", tmp_path / "copy.sqlite3")
    finally:
        live.close()
    assert counts == {"alembic_version": 1, "events": 50} and revision == "0006"
    assert not (tmp_path / "copy.sqlite3-wal").exists()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_missing_or_damaged_sqlite_database_is_one_clear_error(tmp_path):
    with pytest.raises(BackupError, match="No database at"):
        backup.sqlite_snapshot(tmp_path / "nowhere.db", tmp_path / "copy.sqlite3")
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="Could not copy"):
        backup.sqlite_snapshot(tmp_path / "junk.db", tmp_path / "copy2.sqlite3")


def _backup_dir(tmp_path: Path) -> Path:
    made = tmp_path / "pumping-coach-backup-20261207T000000Z"
    made.mkdir()
    manifest = {"format": backup.FORMAT}
    for part, name in (("tracker", "tracker.sqlite3"), ("review", "review.sqlite3"), ("key", backup.KEY_NAME)):
        (made / name).write_bytes(f"{part} contents".encode())
        manifest[part] = {"file": name, "sha256": backup.sha256_file(made / name)}
    (made / backup.MANIFEST).write_text(json.dumps(manifest))
    return made


def test_a_backup_is_checked_against_its_manifest_before_use(tmp_path):
    made = _backup_dir(tmp_path)
    assert backup.load_verified(made)["tracker"]["file"] == "tracker.sqlite3"
    (made / "review.sqlite3").write_bytes(b"review contents, changed")
    (made / backup.KEY_NAME).unlink()
    with pytest.raises(BackupError, match="damaged or was changed") as err:
        backup.load_verified(made)
    assert "review.sqlite3: its sha256 differs" in str(err.value) and "key: file 'review-secret.key' is missing" in \
        str(err.value)


def test_what_is_not_a_backup_of_this_format_is_refused(tmp_path):
    with pytest.raises(BackupError, match="has no manifest.json"):
        backup.load_verified(tmp_path)
    made = _backup_dir(tmp_path)
    (made / backup.MANIFEST).write_text(json.dumps({"format": 99}))
    with pytest.raises(BackupError, match="format 99"):
        backup.load_verified(made)
