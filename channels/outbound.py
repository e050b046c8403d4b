"""Messages the server sends on its own (a staff reply, a check-in), not in answer to a webhook call:
which channel a parent uses, when they last wrote, the platform output to send with, and the clinic's
approved WhatsApp template. Shared by channels/staff.py and channels/checkins.py."""
from __future__ import annotations

import os
from typing import Optional

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels import telegram, twilio_whatsapp, whatsapp
from channels.common import env_settings

# Channels whose messages go through a platform's API; any other (the web chat, REST) shows what is
# stored in the conversation.
PLATFORM_CHANNELS = ("telegram", "whatsapp", "twilio_whatsapp")


def last_user_at(tracker: DialogueStateTracker) -> Optional[float]:
    return next((e.timestamp for e in reversed(tracker.events) if isinstance(e, UserUttered)), None)


def channel_of(tracker: DialogueStateTracker) -> Optional[str]:
    return next((e.input_channel for e in reversed(tracker.events) if isinstance(e, UserUttered) and e.input_channel),
                None)


def output_for(channel: Optional[str]) -> Optional[OutputChannel]:
    """The platform output for a channel; None for the web chat (its page reads the history) or for a
    platform whose settings are missing."""
    if channel == "telegram" and (settings := env_settings(telegram.ENV)):
        return telegram.TelegramInput(settings).output()
    if channel == "whatsapp" and (settings := env_settings(whatsapp.ENV)):
        return whatsapp.WhatsAppOutput(settings)
    if channel == "twilio_whatsapp" and (settings := env_settings(twilio_whatsapp.ENV)):
        return twilio_whatsapp.TwilioWhatsAppOutput(settings, twilio_whatsapp.OFFERED)
    return None


async def send_template(channel: str, recipient: str, name: str, what: str = "template") -> None:
    """The clinic's approved template `name` (Meta: its name; Twilio: its ContentSid)."""
    if channel == "whatsapp":
        out = whatsapp.WhatsAppOutput(env_settings(whatsapp.ENV) or {})
        language = os.environ.get("WHATSAPP_TEMPLATE_LANGUAGE") or "en"
        await out._post(recipient, "template", {"name": name, "language": {"code": language}})
    else:
        out = twilio_whatsapp.TwilioWhatsAppOutput(env_settings(twilio_whatsapp.ENV) or {}, twilio_whatsapp.OFFERED)
        await twilio_whatsapp.post_with_retry(out.url, data={"From": out.number, "To": recipient, "ContentSid": name},
                                              auth=out.auth, what=f"twilio {what}")
