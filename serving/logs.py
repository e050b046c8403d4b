"""One log format for every process of the assistant: each calls ``configure("its name")`` at start.

A clinic's IT reads the logs of the Rasa server's workers, the action server, the review app, the alert
worker and the processes that keep them running side by side, or ships them to one log store: so each
line has the same fields, one record per line (a log shipper splits on newlines), and with
``LOG_FORMAT=json`` one JSON object per line with the same keys every time:

    2026-05-04T09:12:03.481Z INFO rasa-server channels.erasure C-7JQ2MXK4PA: a conversation was erased ...
    {"time": "2026-05-04T09:12:03.481Z", "level": "INFO", "process": "rasa-server", "logger": "channels.erasure",
     "message": "a conversation was erased ...", "conversation": "C-7JQ2MXK4PA", "exception": null}

A line written while one conversation's message or action is handled (``conversation()``, entered by
``rasa_patches.log_context``) names that conversation by the review app's pseudonym, so staff can open
it at ``/c/<pseudonym>``. The parent's id (a phone number, a Telegram chat id) is never written: it is
replaced by the pseudonym wherever a line or a traceback contains it (Rasa's own lines do). What the
parent wrote is not logged at INFO or above; Rasa's DEBUG lines do contain it, so DEBUG is not for
production (docs/deployment.md, "Logs").

The standard library only: the supervisor and keepalive import nothing else.
"""
from __future__ import annotations

import base64
import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Iterator, Optional

ROOT = Path(__file__).resolve().parent.parent
# 10 base32 characters = 50 bits: no collision to expect below millions of conversations, short
# enough to read out over the phone to a colleague.
PSEUDONYM_CHARS = 10
# The review app's key (review/settings.py, REVIEW_SECRET_FILE): the same pseudonym in the logs as on
# its pages.
DEFAULT_KEY_FILE = ROOT / "var" / "review-secret.key"
_EXC_ATTRIBUTE = "_log_conversation"

_sender: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("log_conversation", default=None)
_key: Optional[bytes] = None
_handler: Optional[logging.Handler] = None


def pseudonym(secret: bytes, sender_id: str) -> str:
    """A keyed hash of the conversation id: stable for the clinic, meaningless without the key."""
    digest = hmac.new(secret, sender_id.encode("utf-8"), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest).decode("ascii")[:PSEUDONYM_CHARS]


@contextlib.contextmanager
def conversation(sender_id: Optional[str]) -> Iterator[None]:
    """Lines logged inside are about the conversation ``sender_id``; so is an exception raised out of it,
    which its caller usually logs after this block has ended."""
    token = _sender.set(sender_id)
    try:
        yield
    except BaseException as err:
        with contextlib.suppress(AttributeError, TypeError):  # a few built-in exceptions take no attributes
            if sender_id and not hasattr(err, _EXC_ATTRIBUTE):
                setattr(err, _EXC_ATTRIBUTE, sender_id)
        raise
    finally:
        with contextlib.suppress(ValueError):  # an async generator closed by the event loop, in another context
            _sender.reset(token)


def read_or_make_key(path: Path) -> bytes:
    """The review app's key (review/settings.py reads it through this too): made on first use as 32 random
    bytes in hex, owner-only, written whole under a temporary name and linked into place, so a process
    starting at the same moment reads the whole key or none."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()


def _secret() -> bytes:
    global _key
    if _key is None:
        path = Path(os.environ.get("REVIEW_SECRET_FILE") or DEFAULT_KEY_FILE)
        try:
            _key = read_or_make_key(path)
        except OSError as err:
            # Still never the parent's id: a key of this process only, whose pseudonyms the review app
            # cannot match.
            _key = secrets.token_bytes(32)
            logging.getLogger(__name__).warning("pseudonyms in this process's log will not match the review "
                                                "app's: %s unreadable (%s)", path, type(err).__name__)
    return _key


def _sender_of(record: logging.LogRecord) -> Optional[str]:
    """The conversation an exception (or one it was raised from) left ``conversation()`` with, when the
    record carries one: as its traceback, or as the message itself (rasa_sdk logs ``logger.error(e)``)."""
    err = record.exc_info[1] if isinstance(record.exc_info, tuple) else record.msg
    if not isinstance(err, BaseException):
        return None
    for _ in range(10):  # a chain of causes, never a cycle
        if err is None:
            return None
        found = getattr(err, _EXC_ATTRIBUTE, None)
        if found:
            return found
        err = err.__cause__ or err.__context__
    return None


class ConversationFilter(logging.Filter):
    """Adds ``record.conversation`` (the pseudonym, or None) and puts it in place of the parent's id in
    the message and the traceback. On the handler, so it sees every library's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        sender = _sender.get() or _sender_of(record)
        record.conversation = None
        if not sender:
            return True
        name = record.conversation = pseudonym(_secret(), sender)
        message = record.getMessage()
        if sender in message:
            record.msg, record.args = message.replace(sender, name), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and sender in record.exc_text:
            record.exc_text = record.exc_text.replace(sender, name)
        return True


class LineFormatter(logging.Formatter):
    """One record, one line: text (``time level process logger [pseudonym]: message``) or JSON."""

    def __init__(self, process: str, as_json: bool) -> None:
        super().__init__()
        self.process, self.as_json = process, as_json

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
        message = record.getMessage()
        exception = record.exc_text or (self.formatException(record.exc_info) if record.exc_info else None)
        if record.stack_info:
            exception = "\n".join(filter(None, [exception, self.formatStack(record.stack_info)]))
        conversation_name: Optional[str] = getattr(record, "conversation", None)
        if self.as_json:
            return json.dumps({"time": when, "level": record.levelname, "process": self.process, "logger": record.name,
                               "message": message, "conversation": conversation_name, "exception": exception})
        line = " ".join(filter(None, [when, record.levelname, self.process, record.name, conversation_name]))
        line = f"{line}: {message}" + (f" | {exception}" if exception else "")
        # A traceback stays on its record's line: a log shipper would make each of its lines a record.
        return line.replace("\r", "\\r").replace("\n", "\\n")


def configure(process: str) -> logging.Handler:
    """Send every logger's records, at ``LOG_LEVEL`` (default INFO) and above, to standard error in this
    process's one format (``LOG_FORMAT``: text, or json). Call it first thing; ``adopt()`` takes the
    records back from libraries that set up logging of their own later (Rasa, Sanic: rasa_patches)."""
    global _handler
    level_name = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    level = logging.getLevelName(level_name)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter(process, os.environ.get("LOG_FORMAT", "").strip().lower() == "json"))
    handler.addFilter(ConversationFilter())
    _handler = handler
    root = logging.getLogger()
    root.setLevel(level if isinstance(level, int) else logging.INFO)
    adopt()
    # Records of a logger a library cut off from the root (propagate off, no handler) would reach
    # Python's plain last-resort handler; warnings.warn() would print several lines of its own.
    logging.lastResort = handler
    logging.captureWarnings(True)
    if not isinstance(level, int):
        logging.getLogger(__name__).warning("LOG_LEVEL=%s is not a level; logging at INFO", level_name)
    elif level < logging.INFO:
        logging.getLogger(__name__).warning("LOG_LEVEL=%s: Rasa's debug lines contain what parents wrote; "
                                            "not for production", level_name)
    return handler


def adopt() -> None:
    """Make this module's handler the root's only one again and take the console handlers off every
    other logger (coloredlogs, Sanic's dictConfig and rasa_sdk add their own); their records reach
    the root instead. Files and sockets a clinic configured stay. Does nothing before ``configure()``."""
    if _handler is None:
        return
    root = logging.getLogger()
    for logger in [root, *(x for x in root.manager.loggerDict.values() if isinstance(x, logging.Logger))]:
        console = [h for h in logger.handlers if h is not _handler and _is_console(h)]
        for h in console:
            logger.removeHandler(h)
        if console and logger is not root:
            logger.propagate = True
        elif console:  # Rasa's --quiet and --verbose set the level of the handler it installs
            _handler.setLevel(max(h.level for h in console))
    if _handler not in root.handlers:
        root.addHandler(_handler)


def _is_console(handler: logging.Handler) -> bool:
    return (isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler)
            and getattr(handler, "stream", None) in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__))
