"""Pseudonyms for conversation ids and masking of contact details inside messages."""
from __future__ import annotations

import re

# The pseudonym is computed in serving/logs.py, so that the assistant's log lines name a conversation
# as these pages do (the assistant's side must not import the review app).
from serving.logs import PSEUDONYM_CHARS, pseudonym  # noqa: F401 - used by the app's other modules

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: 7 or more digits, with up to 3 of + space . - – / ( ) between any two. Amounts
# ("120 ml"), flange sizes ("24 mm") and times have fewer digits; dates are let through below.
PHONE = re.compile(r"(?<!\d)\+?\(?\d(?:[\s().\-\u2013/]{0,3}\d){6,}(?!\d)")
# 2024-03-12, 12.03.2024, 12/3/24, optionally followed by a time: dates, not phone numbers.
DATE = re.compile(r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})(?:[\sT]+\d{1,2})?")
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def mask(text: str) -> str:
    """The text with e-mail addresses and phone numbers replaced by placeholders."""
    return PHONE.sub(_phone_or_date, EMAIL.sub(EMAIL_MASK, text))


def _phone_or_date(match: "re.Match[str]") -> str:
    return match.group(0) if DATE.fullmatch(match.group(0).strip()) else PHONE_MASK
