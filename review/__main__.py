"""Command line of the review app: `scripts/review COMMAND` (or `python -m review COMMAND`).

  serve                         run the web app (REVIEW_HOST, default 127.0.0.1; REVIEW_PORT, default 8081)
  create-user NAME --role R     make an account (reviewer or admin); asks for the password
  set-password NAME             give an account a new password
  disable-user NAME             stop an account logging in
  index                         bring the conversation index up to date now (shows progress)
  retention [--days N] [--dry-run]
                                delete conversations older than N days (REVIEW_RETENTION_DAYS)
  alerts [--once]               index new events and send alerts to the on-call (ALERT_* settings)
  migrate                       create or update the app's tables
"""
from __future__ import annotations

import argparse
import getpass
import logging
import sys
import time
from typing import List, Optional

import sqlalchemy as sa

from review import accounts, retention
from review.db import migrate, own_engine, tracker_engine
from review.indexer import sync
from review.schema import staff
from review.settings import Settings
from serving import logs

log = logging.getLogger("review")


def _read_password(args: argparse.Namespace, settings: Settings) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        if not sys.stdin.isatty():
            raise SystemExit("No terminal to ask for the password on: pipe it in with --password-stdin.")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise SystemExit("The two passwords differ; nothing was changed.")
    try:
        accounts.check_new_password(password, settings, args.name)
    except accounts.AccountError as err:
        raise SystemExit(str(err)) from None
    return password


def _progress(done: int, last_id: int) -> None:
    print(f"  indexed {done:,} events (up to event id {last_id:,})", flush=True)


def _index(settings: Settings, own, quiet: bool = False) -> None:
    started = time.monotonic()
    done = sync(own, tracker_engine(settings.tracker_url), settings, settings.secret(),
                progress=None if quiet else _progress)
    if not quiet:
        print(f"Index up to date: {done:,} new events read in {time.monotonic() - started:.1f} s.")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="review", description="Staff review of the pumping coach's conversations.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web app")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    for name in ("create-user", "set-password"):
        p = sub.add_parser(name)
        p.add_argument("name")
        p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        if name == "create-user":
            p.add_argument("--role", required=True, choices=accounts.ROLES)
    sub.add_parser("disable-user").add_argument("name")
    sub.add_parser("index", help="index new conversations now")
    sub.add_parser("migrate", help="create or update the app's tables")
    al = sub.add_parser("alerts", help="send alerts to the clinic's on-call, every ALERT_POLL_SECONDS")
    al.add_argument("--once", action="store_true", help="one round, then exit")
    ret = sub.add_parser("retention", help="delete old conversations")
    ret.add_argument("--days", type=int, help="keep this many days (default: retention_days in clinic.yml)")
    ret.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    args = parser.parse_args(argv)
    # The two long-running commands write log lines in every process's one format (serving/logs.py);
    # the others answer the person at the terminal.
    if args.command in ("serve", "alerts"):
        logs.configure("review" if args.command == "serve" else "review-alerts")

    settings = Settings.from_env()
    own = own_engine(settings.database_url)
    migrate(own)

    if args.command == "migrate":
        print("The review app's tables are up to date.")
    elif args.command in ("create-user", "set-password"):
        password = _read_password(args, settings)
        with own.begin() as conn:
            try:
                if args.command == "create-user":
                    accounts.create_user(conn, args.name, password, args.role, settings, actor="cli")
                else:
                    accounts.set_password(conn, args.name.lower(), password, settings, actor="cli")
            except accounts.AccountError as err:
                raise SystemExit(str(err)) from None
        print(f"Done: {args.name.lower()} can log in at http://{settings.host}:{settings.port}/login")
    elif args.command == "disable-user":
        with own.begin() as conn:
            try:
                accounts.update_account(conn, args.name.lower(), "cli", active=False)
            except accounts.AccountError as err:
                raise SystemExit(str(err)) from None
        print(f"{args.name.lower()} can no longer log in; their sessions have ended.")
    elif args.command == "index":
        _index(settings, own)
    elif args.command == "retention":
        days = args.days if args.days is not None else settings.retention_days
        if days is None:
            raise SystemExit("Say how many days to keep: --days N, or retention_days in clinic.yml.")
        if days < 1:
            raise SystemExit("--days must be at least 1.")
        tracker = tracker_engine(settings.tracker_url, read_only=False)
        plan = retention.plan(tracker, days)
        cutoff = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(plan.cutoff))
        print(f"Conversations with no message since {cutoff}: {len(plan.senders)} ({plan.events} events).")
        for name in plan.describe(settings.secret())[:50]:
            print(f"  {name}")
        if len(plan.senders) > 50:
            print(f"  ... and {len(plan.senders) - 50} more")
        if args.dry_run:
            print("Dry run: nothing was deleted.")
        elif plan.senders:
            deleted_events, deleted = retention.apply(plan, tracker, own, settings.secret())
            print(f"Deleted {deleted_events} events and {deleted} indexed conversations with their notes and tags.")
    elif args.command == "alerts":
        from review.alert_worker import run_forever, run_once
        tracker = tracker_engine(settings.tracker_url)
        if args.once:
            done = run_once(settings, own, tracker)
            print(f"indexed {done.indexed} events, {done.opened} new deliveries, {done.sent} sent, {done.failed} failed")
        else:
            try:
                run_forever(settings, own, tracker)
            except KeyboardInterrupt:
                pass
    elif args.command == "serve":
        from waitress import serve as waitress_serve

        from review.web import create_app
        host, port = args.host or settings.host, args.port or settings.port
        log.info("indexing the assistant's conversations")
        _index(settings, own, quiet=True)
        with own.connect() as conn:
            has_accounts = conn.execute(sa.select(sa.func.count()).select_from(staff)).scalar_one() > 0
        # Without the database password a PostgreSQL URL holds.
        tracker = sa.engine.make_url(settings.tracker_url).render_as_string(hide_password=True)
        log.info("staff review app on http://%s:%s/, reading conversations from %s", host, port, tracker)
        if not has_accounts:
            log.warning("no staff accounts yet; make the first admin with: scripts/review create-user NAME --role admin")
        # Several threads: one slow export must not hold up the queue for everyone else.
        waitress_serve(create_app(settings), host=host, port=port, threads=8, ident="review")
    return 0


if __name__ == "__main__":
    sys.exit(main())
