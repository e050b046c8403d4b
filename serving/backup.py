"""Backups of everything the assistant and the review app keep, and their restore (scripts/backup,
scripts/restore; docs/deployment.md, "Backups and restore").

A backup is one private directory holding the tracker database (every conversation, check-in and
lock table), the review app's database (staff, notes, tags, alerts, audit log, the index), the review
app's key file and a manifest (times, versions, schema revisions, rows per table, sha256 per file).
It is taken while the assistant runs: SQLite through its online backup API, PostgreSQL through
pg_dump inside one exported snapshot, so the row counts in the manifest are those of the dump.

Restore is SQLite to SQLite and PostgreSQL to PostgreSQL only: the two dumps are each engine's own
format, and moving engines is a migration, not a restore.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
FORMAT = 1
MANIFEST = "manifest.json"
KEY_NAME = "review-secret.key"
PARTS = ("tracker", "review")
# Where each database records its schema revision (Alembic): the review app's migrations, and the
# assistant's own tables beside Rasa's `events` (channels/migrations). Read from the copy itself.
VERSION_TABLES = ("alembic_version", "assistant_schema_version")
# Rasa writes the SQLite file while we read it; wait for its write lock rather than fail.
SQLITE_TIMEOUT_S = 30


class BackupError(Exception):
    """A problem the person running the command can act on; shown as one line, never a traceback."""


@dataclass(frozen=True)
class Sources:
    """Where a system keeps its data: the same settings the assistant and the review app read."""
    tracker_url: str
    review_url: str
    key_file: Path


def sources_from_env(env: Mapping[str, str], root: Path = ROOT) -> Sources:
    """As scripts/run and review/settings.py decide it: REVIEW_TRACKER_URL, else the DB_* settings of
    endpoints.postgresql.yml, else var/rasa.db; REVIEW_DATABASE_URL, else var/review.db;
    REVIEW_SECRET_FILE, else var/review-secret.key."""
    var = root / "var"
    tracker = env.get("REVIEW_TRACKER_URL", "").strip()
    if not tracker and env.get("DB_HOST", "").strip():
        tracker = (f"postgresql://{env.get('DB_USER', '')}:{env.get('DB_PASSWORD', '')}@{env['DB_HOST'].strip()}:"
                   f"{env.get('DB_PORT', '').strip() or 5432}/{env.get('DB_NAME', '')}")
    tracker = tracker or f"sqlite:///{var / 'rasa.db'}"
    review = env.get("REVIEW_DATABASE_URL", "").strip() or f"sqlite:///{var / 'review.db'}"
    key = Path(env.get("REVIEW_SECRET_FILE", "").strip() or var / KEY_NAME)
    return Sources(tracker, review, key)


def engine_of(url: str) -> str:
    """"sqlite" or "postgresql"; anything else is refused."""
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    if scheme in ("postgres", "postgresql"):
        return "postgresql"
    if scheme == "sqlite":
        return "sqlite"
    raise BackupError(f"Only SQLite and PostgreSQL databases can be backed up, not {scheme!r} ({display_url(url)})")


def sqlite_path(url: str) -> Path:
    from sqlalchemy.engine import make_url
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError(f"{url} names no database file")
    return Path(database)


def display_url(url: str) -> str:
    """The URL with its password hidden: messages end up in cron mails and logs."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as given: it has no password part to hide
        return url


def libpq_env(url: str, base: Mapping[str, str]) -> Dict[str, str]:
    """pg_dump/pg_restore's connection as PG* variables, so the password never shows in `ps`."""
    from sqlalchemy.engine import make_url
    parsed = make_url(url)
    env = dict(base)
    for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                        ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database)):
        if value not in (None, ""):
            env[name] = str(value)
        else:
            env.pop(name, None)
    return env


def find_tool(name: str, search_path: Optional[str] = None) -> str:
    found = shutil.which(name, path=search_path)
    if not found:
        raise BackupError(f"{name} was not found on PATH: install PostgreSQL's client programs "
                          f"(Debian: apt-get install postgresql-client), the server's major version or newer")
    return found


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_version(root: Path = ROOT) -> Optional[str]:
    version = root / "VERSION"
    return version.read_text().strip() or None if version.is_file() else None


def backup_name(now: datetime) -> str:
    return "pumping-coach-backup-" + now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def compare_counts(expected: Mapping[str, int], actual: Mapping[str, int]) -> List[str]:
    """Each table whose rows differ, is missing or is new, as a sentence; empty when all agree."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            problems.append(f"{table}: missing after restore ({expected[table]} rows in the backup)")
        elif table not in expected:
            problems.append(f"{table}: not in the backup ({actual[table]} rows after restore)")
        elif expected[table] != actual[table]:
            problems.append(f"{table}: {expected[table]} rows in the backup, {actual[table]} after restore")
    return problems


# Rows the programs write on their first start, before any parent or staff member has done anything:
# a target holding only these is still an empty system.
BOOKKEEPING = frozenset({"alembic_version", "index_state", "checkin_cursor", "worker_beat", "conversation_ticket"})


def holds_data(counts: Mapping[str, int]) -> bool:
    return any(n for table, n in counts.items() if table not in BOOKKEEPING)


def format_counts(rows: List[Tuple[str, int, Optional[int], Optional[int]]]) -> str:
    """(table, in the backup, restored, after the index) as a text table."""
    def cell(value: Optional[int]) -> str:
        return "-" if value is None else str(value)
    width = max([len("table")] + [len(r[0]) for r in rows])
    lines = [f"  {'table':<{width}}  {'in backup':>10}  {'restored':>10}  {'after index':>11}"]
    for table, backed_up, restored, after in rows:
        lines.append(f"  {table:<{width}}  {backed_up:>10}  {cell(restored):>10}  {cell(after):>11}")
    return "\n".join(lines)


# --- SQLite ------------------------------------------------------------------------------------------

def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_counts(path: Path) -> Dict[str, int]:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT_S)) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {name: db.execute(f"SELECT count(*) FROM {_quote(name)}").fetchone()[0] for name in names}


def sqlite_snapshot(source: Path, dest: Path) -> Tuple[Dict[str, int], Optional[str]]:
    """A consistent copy of a live database (its WAL included), the row counts of that copy and its
    schema revision (None for a database from before migrations)."""
    if not source.is_file():
        raise BackupError(f"No database at {source}: check the settings (REVIEW_TRACKER_URL, REVIEW_DATABASE_URL)"
                          " or start the assistant once")
    try:
        # One step (pages=-1) is one read transaction: the copy is the database at one moment, and in
        # WAL mode the assistant goes on writing meanwhile. A stepwise copy restarts on every write.
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT_S)) as src, \
                closing(sqlite3.connect(dest)) as dst:
            src.backup(dst)
            # One self-contained file (no -wal beside it), so its sha256 says everything.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.Error as err:
        raise BackupError(f"Could not copy {source}: {err}") from None
    if check != "ok":
        raise BackupError(f"The copy of {source} fails SQLite's check ({check}); the database may be damaged")
    counts = sqlite_counts(dest)
    revision = None
    with closing(sqlite3.connect(f"file:{dest}?mode=ro", uri=True)) as db:
        for table in VERSION_TABLES:
            if counts.get(table):
                revision = db.execute(f"SELECT version_num FROM {table}").fetchone()[0]
    return counts, revision


def sqlite_target_counts(path: Path) -> Dict[str, int]:
    if not path.exists() or path.stat().st_size == 0:
        return {}
    try:
        return sqlite_counts(path)
    except sqlite3.Error as err:
        raise BackupError(f"{path} is not a readable SQLite database ({err})") from None


def sqlite_restore(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        # SQLite's backup API into the target (not a file copy): a leftover -wal of the old file is
        # taken care of by SQLite instead of being replayed over the restored pages.
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(target, timeout=SQLITE_TIMEOUT_S)) as dst:
            src.backup(dst)
    except sqlite3.Error as err:
        raise BackupError(f"Could not restore {target}: {err} (is the assistant or the review app still running?)") \
            from None


# --- PostgreSQL --------------------------------------------------------------------------------------

_PG_TABLES = ("SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
              "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")


def _pg_engine(url: str):
    import sqlalchemy as sa
    return sa.create_engine(url, future=True, hide_parameters=True)


def _pg_counts(conn) -> Dict[str, int]:
    import sqlalchemy as sa
    counts = {}
    for schema, table in conn.execute(sa.text(_PG_TABLES)).all():
        name = table if schema == "public" else f"{schema}.{table}"
        counts[name] = conn.execute(sa.text(f"SELECT count(*) FROM {_quote(schema)}.{_quote(table)}")).scalar_one()
    return counts


def pg_counts(url: str) -> Dict[str, int]:
    engine = _pg_engine(url)
    try:
        with engine.connect() as conn:
            return _pg_counts(conn)
    finally:
        engine.dispose()


def _run(command: List[str], env: Dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {(done.stderr or done.stdout).strip()[-2000:]}")


def pg_snapshot(url: str, dest: Path) -> Tuple[Dict[str, int], Optional[str]]:
    """pg_dump --format=custom of the database as one exported snapshot, with the row counts and the
    Alembic revision in that snapshot."""
    import sqlalchemy as sa
    pg_dump = find_tool("pg_dump")
    engine = _pg_engine(url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            # The counts and pg_dump see the same snapshot, held open by this transaction until the
            # dump is done: the manifest describes exactly what the dump holds.
            conn.execute(sa.text("SET TRANSACTION READ ONLY"))
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _pg_counts(conn)
            revision = None
            for table in VERSION_TABLES:
                if counts.get(table):
                    revision = conn.execute(sa.text(f"SELECT version_num FROM {table}")).scalar()
            _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={dest}"],
                 libpq_env(url, os.environ), f"pg_dump of {display_url(url)}")
            conn.rollback()
    finally:
        engine.dispose()
    return counts, revision


def pg_restore(source: Path, url: str, clean: bool) -> None:
    pg_restore_bin = find_tool("pg_restore")
    env = libpq_env(url, os.environ)
    command = [pg_restore_bin, "--no-password", "--no-owner", "--no-privileges", "--exit-on-error",
               "--single-transaction", f"--dbname={env.get('PGDATABASE', '')}"]
    if clean:  # tables are there already (empty ones from a first start, or replaced with --force)
        command += ["--clean", "--if-exists"]
    _run([*command, str(source)], env, f"pg_restore into {display_url(url)}")


# --- Backup ------------------------------------------------------------------------------------------

def rasa_version() -> Optional[str]:
    """Rasa's `events` table has no migrations: its schema is that of the Rasa version that wrote it."""
    try:
        return package_metadata.version("rasa")
    except package_metadata.PackageNotFoundError:
        return None


def make_backup(sources: Sources, dest_root: Path, now: Optional[datetime] = None, root: Path = ROOT) -> Path:
    """Write one backup under ``dest_root`` and return its directory."""
    now = now or datetime.now(timezone.utc)
    engines = {"tracker": engine_of(sources.tracker_url), "review": engine_of(sources.review_url)}
    if sources.tracker_url == sources.review_url:
        raise BackupError("The tracker and the review app use the same database: give the review app its own "
                          "(REVIEW_DATABASE_URL), as docs/review.md describes")
    if not sources.key_file.is_file():
        raise BackupError(f"No review key file at {sources.key_file} (REVIEW_SECRET_FILE): the review app makes it "
                          "when it first starts")
    try:
        dest_root.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = backup_name(now)
        final = dest_root / name
        n = 1
        while final.exists():
            n += 1
            final = dest_root / f"{name}-{n}"
        work = dest_root / f".{final.name}.partial"
        work.mkdir(mode=0o700)
    except OSError as err:
        raise BackupError(f"Cannot write a backup in {dest_root}: {err.strerror or err}") from None
    try:
        manifest: Dict = {"format": FORMAT, "created_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
                          "version": read_version(root), "host": os.uname().nodename,
                          "schema_revisions": {"rasa": rasa_version()}}
        # The review database first, then the tracker: the index in the review copy then covers no
        # event missing from the tracker copy, and the restore's `index` reads the rest.
        for part in ("review", "tracker"):
            url, engine = (sources.review_url if part == "review" else sources.tracker_url), engines[part]
            file = work / (f"{part}.sqlite3" if engine == "sqlite" else f"{part}.pgdump")
            counts, revision = sqlite_snapshot(sqlite_path(url), file) if engine == "sqlite" else pg_snapshot(url, file)
            os.chmod(file, 0o600)
            manifest["schema_revisions"][part] = revision
            manifest[part] = {"engine": engine, "source": display_url(url), "file": file.name,
                              "sha256": sha256_file(file), "bytes": file.stat().st_size, "tables": counts}
        key = work / KEY_NAME
        shutil.copyfile(sources.key_file, key)
        os.chmod(key, 0o600)
        manifest["key"] = {"source": str(sources.key_file), "file": KEY_NAME, "sha256": sha256_file(key)}
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        os.chmod(manifest_path, 0o600)
        # Only a complete backup gets its final name: a half-written one is never taken for a good one.
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


# --- Restore -----------------------------------------------------------------------------------------

def load_verified(backup: Path) -> Dict:
    """The manifest, once every file it lists is present with its recorded sha256."""
    manifest_path = backup / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"{backup} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads(manifest_path.read_text())
    except ValueError as err:
        raise BackupError(f"{manifest_path} is damaged: {err}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{backup} has backup format {manifest.get('format')!r}; this version reads {FORMAT}")
    bad = []
    for part in (*PARTS, "key"):
        entry = manifest.get(part) or {}
        file = backup / str(entry.get("file", ""))
        if not entry.get("file") or not file.is_file():
            bad.append(f"{part}: file {entry.get('file')!r} is missing")
        elif sha256_file(file) != entry.get("sha256"):
            bad.append(f"{file.name}: its sha256 differs from the manifest")
    if bad:
        raise BackupError(f"The backup {backup} is damaged or was changed; nothing was restored: " + "; ".join(bad))
    return manifest


def _target_url(part: str, sources: Sources) -> str:
    return sources.tracker_url if part == "tracker" else sources.review_url


def _counts(part: str, engine: str, sources: Sources) -> Dict[str, int]:
    url = _target_url(part, sources)
    return sqlite_counts(sqlite_path(url)) if engine == "sqlite" else pg_counts(url)


def restore(backup: Path, sources: Sources, force: bool = False, index: bool = True) -> str:
    """Restore ``backup`` into the databases and key file ``sources`` name; return the count report.

    Everything is checked before anything is written: the sha256s, the engines, and that the targets
    are empty (``force`` overwrites them)."""
    manifest = load_verified(backup)
    occupied, existing = [], {}
    for part in PARTS:
        url, wanted = _target_url(part, sources), manifest[part]["engine"]
        engine = engine_of(url)
        if engine != wanted:
            raise BackupError(f"The backup's {part} database is {wanted} but the target ({display_url(url)}) is "
                              f"{engine}: restore between engines is not supported")
        existing[part] = sqlite_target_counts(sqlite_path(url)) if engine == "sqlite" else pg_counts(url)
        if holds_data(existing[part]):
            occupied.append(f"the {part} database {display_url(url)}")
    key_bytes = (backup / manifest["key"]["file"]).read_bytes()
    # A key only matters with the pseudonyms made with it: one that a first start of the review app made
    # beside an empty database is replaced without asking.
    if sources.key_file.exists() and sources.key_file.read_bytes() != key_bytes and holds_data(existing["review"]):
        occupied.append(f"the key file {sources.key_file}")
    if occupied and not force:
        raise BackupError("Not restoring over data already there: " + ", ".join(occupied) +
                          ". Restore into an empty system, or add --force to replace it (stop the assistant "
                          "and the review app first)")
    try:
        for part in PARTS:
            file, url = backup / manifest[part]["file"], _target_url(part, sources)
            if manifest[part]["engine"] == "sqlite":
                sqlite_restore(file, sqlite_path(url))
            else:
                pg_restore(file, url, clean=bool(existing[part]))
        write_key(sources.key_file, key_bytes)
    except (BackupError, OSError) as err:
        raise BackupError(f"{err}. The restore stopped part-way: fix this and run it again with --force") from None

    restored = {part: _counts(part, manifest[part]["engine"], sources) for part in PARTS}
    problems = [f"{part} {p}" for part in PARTS for p in compare_counts(manifest[part]["tables"], restored[part])]
    if problems:
        raise BackupError("The restored databases do not hold what the backup recorded: " + "; ".join(problems))
    after: Dict[str, Dict[str, int]] = {}
    if index:
        rebuild_index(sources)
        after = {part: _counts(part, manifest[part]["engine"], sources) for part in PARTS}
    rows = [(f"{part} {table}", n, restored[part].get(table), after.get(part, {}).get(table))
            for part in PARTS for table, n in sorted(manifest[part]["tables"].items())]
    return format_counts(rows)


def write_key(path: Path, key: bytes) -> None:
    """Owner-only from the first byte, and put in place whole: the review app never reads half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.restoring")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def rebuild_index(sources: Sources) -> None:
    """The review app's own `index` command against the restored databases (it migrates first)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "REVIEW_TRACKER_URL": sources.tracker_url,
           "REVIEW_DATABASE_URL": sources.review_url, "REVIEW_SECRET_FILE": str(sources.key_file)}
    done = subprocess.run([sys.executable, "-m", "review", "index"], cwd=ROOT, env=env)
    if done.returncode != 0:
        raise BackupError("The data is restored but the review index could not be rebuilt (see above); "
                          "run `scripts/review index` once the problem is fixed")


# --- Command line ------------------------------------------------------------------------------------

def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="backup", description="Back up or restore the pumping coach's data.")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup", help="write one backup")
    b.add_argument("dest", nargs="?", default=str(ROOT / "var" / "backups"),
                   help="directory to write the backup in (default var/backups)")
    r = sub.add_parser("restore", help="restore one backup into an empty system")
    r.add_argument("backup", help="the backup directory (pumping-coach-backup-...)")
    r.add_argument("--force", action="store_true", help="replace databases and a key file that hold data")
    args = parser.parse_args(argv)
    # Health data: nothing this process creates is readable by other accounts.
    os.umask(0o077)
    import sqlalchemy.exc
    sources = sources_from_env(os.environ)
    started = time.monotonic()
    try:
        if args.command == "backup":
            print(f"Backing up {display_url(sources.tracker_url)}, {display_url(sources.review_url)} "
                  f"and {sources.key_file}", flush=True)
            path = make_backup(sources, Path(args.dest))
            manifest = json.loads((path / MANIFEST).read_text())
            events = manifest["tracker"]["tables"].get("events", 0)
            print(f"Backup written to {path} in {time.monotonic() - started:.1f} s ({events} conversation events, "
                  f"{sum(manifest['review']['tables'].values())} review app rows).")
        else:
            print(f"Restoring {args.backup} into {display_url(sources.tracker_url)}, "
                  f"{display_url(sources.review_url)} and {sources.key_file}", flush=True)
            report = restore(Path(args.backup), sources, force=args.force)
            print(f"Restored in {time.monotonic() - started:.1f} s. Rows per table:\n{report}")
    except BackupError as err:
        print(f"{args.command}: {err}", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as err:
        print(f"{args.command}: {err}", file=sys.stderr)
        return 1
    except sqlalchemy.exc.SQLAlchemyError as err:
        # The driver's first line says what is wrong (refused connection, bad password) without the query.
        detail = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
        print(f"{args.command}: database error: {detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
