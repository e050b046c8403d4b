"""Sending one alert: an e-mail over SMTP, or a signed JSON POST to the clinic's webhook.

An alert names the reason, the channel, the time, the conversation's pseudonym and a link to its
transcript, and nothing a parent wrote: no words, no name, no phone number. Staff read the rest in
the review app, behind its log-in and audit log.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Dict

from review.alerts import REASONS, Due
from review.settings import AlertSettings

SIGNATURE_HEADER = "X-Alert-Signature"
# One exchange with a mail server or webhook; a slow one is retried later rather than holding the worker.
TIMEOUT_S = 15
CHANNEL_NAMES = {"webchat": "web chat", "telegram": "Telegram", "whatsapp": "WhatsApp (Meta)",
                 "twilio_whatsapp": "WhatsApp (Twilio)", "rest": "web chat", "cmdline": "terminal"}


class DeliveryError(Exception):
    """The destination refused or could not be reached; the message says why, without parent data."""


def payload(due: Due, settings: AlertSettings) -> Dict:
    return {
        "alert_id": due.alert_id,
        "reason": due.reason,
        "reason_text": REASONS.get(due.reason, due.reason),
        "channel": CHANNEL_NAMES.get(due.channel or "", due.channel or "unknown"),
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(due.at)),
        "conversation": due.pseudonym,
        "url": f"{settings.public_url}/c/{due.pseudonym}",
    }


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def email_message(due: Due, settings: AlertSettings) -> EmailMessage:
    p = payload(due, settings)
    msg = EmailMessage()
    msg["Subject"] = f"[Pumping coach] {p['reason_text'].split(':')[0]}: conversation {p['conversation']}"
    msg["From"] = settings.email_from
    msg["To"] = ", ".join(settings.email_to)
    # The same id on a retry lets a mail system drop a copy if an earlier attempt did get through.
    msg["Message-ID"] = f"<alert-{due.alert_id}@pumping-coach.invalid>"
    msg.set_content(
        f"{p['reason_text']}.\n\n"
        f"Channel: {p['channel']}\nWhen: {p['at'].replace('T', ' ').replace('Z', ' UTC')}\n"
        f"Conversation: {p['conversation']}\n\nOpen it in the review app (staff log-in needed):\n{p['url']}\n\n"
        "This message holds no words from the conversation, on purpose.\n")
    return msg


def send_email(due: Due, settings: AlertSettings) -> None:
    msg = email_message(due, settings)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as err:
        raise DeliveryError(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {type(err).__name__}: {err}") from None


def post_webhook(due: Due, settings: AlertSettings) -> None:
    body = json.dumps(payload(due, settings), sort_keys=True).encode()
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", SIGNATURE_HEADER: signature(body, settings.webhook_secret),
        "X-Alert-Id": str(due.alert_id)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as resp:
            resp.read(1024)
    except urllib.error.HTTPError as err:
        raise DeliveryError(f"webhook answered HTTP {err.code}") from None
    except (OSError, ValueError) as err:
        raise DeliveryError(f"webhook unreachable: {type(err).__name__}: {err}") from None


SENDERS = {"email": send_email, "webhook": post_webhook}
