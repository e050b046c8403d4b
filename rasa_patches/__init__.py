"""Everything the project replaces or patches in Rasa, in one place, installed explicitly at start.

Rasa Open Source 3.6 is the last open-source release, so the project fixes what it needs here rather
than upstream. Each module says why; this table says what:

| module | what it changes in Rasa | kind |
|---|---|---|
| ``speed`` | the action answers' schema check, the event class search, the rule search | monkey patch (less CPU) |
| ``in_process_actions`` | runs the safety answers inside the Rasa server, not over HTTP | monkey patch |
| ``session_size`` | ends a session at ``MAX_SESSION_EVENTS`` events | monkey patch (``ActionSessionStart`` lookup) |
| ``metrics`` | counts each message and what the assistant did for the Prometheus metrics | monkey patch (wrappers) |
| ``erasure`` | erases a conversation after the turn that confirmed it to the parent is saved | monkey patch (wrappers) |
| ``log_context`` | Rasa's and Sanic's log lines in ``serving.logs``' format, naming the conversation | monkey patch (wrappers) |
| ``no_tensorflow`` | a placeholder ``tensorflow`` module in the serving processes | import hook (serving only) |
| ``portable_diet`` | DIET that predicts with numpy (``config.yml`` names it) | component (subclass) |
| ``sql_tracker_store`` | the tracker store: reads only the current session | store (subclass, ``endpoints.yml``) |
| ``sql_lock_store`` | conversation locks in the database, for several workers | store (subclass, ``endpoints.yml``) |
| ``redis_lock_store`` | Rasa's Redis lock store with its ticket book changed under a mutex | store (subclass, several servers) |

The monkey patches were written against Rasa's private methods of one version: ``install()`` refuses to
start on any other (``WRITTEN_FOR``) rather than patch code it has not read. The entry points call it
first: the serving worker (``serving/worker.py``), ``python -m rasa_patches`` (Rasa's own command line,
used by the scripts for training, testing and validating) and the test session (``tests/conftest.py``).
Loading the project's pipeline calls it too (``components.message_guard.MessageGuard.create``), so any
other way of loading a model (``Agent.load`` in a script) gets the same Rasa.
"""
from __future__ import annotations

from typing import Optional

# The Rasa release whose private methods these patches replace, read line by line.
WRITTEN_FOR = "3.6.21"

_installed = False


class UnsupportedRasaVersion(RuntimeError):
    """The installed Rasa is not the version the patches were written for."""


def check_rasa_version(found: Optional[str] = None) -> None:
    """Refuse, with a message a person can act on, any Rasa but the one the patches were written for."""
    if found is None:
        from rasa.version import __version__ as found
    if found != WRITTEN_FOR:
        raise UnsupportedRasaVersion(
            f"This assistant's Rasa patches (rasa_patches/) were written for Rasa {WRITTEN_FOR}, but Rasa {found} "
            f"is installed. They replace private Rasa methods, so they will not run on another version. "
            f"Install the pinned version (make install, or pip install -c constraints.txt rasa=={WRITTEN_FOR}), "
            f"or read each patch against the new Rasa and raise WRITTEN_FOR in rasa_patches/__init__.py.")


def install() -> None:
    """Check the Rasa version, then install every patch (idempotent; the first call does the work)."""
    global _installed
    if _installed:
        return
    check_rasa_version()
    from rasa_patches import erasure, in_process_actions, log_context, metrics, session_size, speed

    speed.install()
    in_process_actions.install()
    session_size.install()
    metrics.install()
    erasure.install()
    log_context.install()  # last: its conversation wraps the metrics wrapper too
    _installed = True


def installed() -> bool:
    return _installed
