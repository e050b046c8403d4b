"""Pseudonyms for conversation ids and masking of contact details inside messages."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re

# 10 base32 characters = 50 bits: no collision to expect below millions of conversations, short
# enough to read out over the phone to a colleague.
PSEUDONYM_CHARS = 10

EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: 7 or more digits, with up to 3 of + space . - – / ( ) between any two. Amounts
# ("120 ml"), flange sizes ("24 mm") and times have fewer digits; dates are let through below.
PHONE = re.compile(r"(?<!\d)\+?\(?\d(?:[\s().\-\u2013/]{0,3}\d){6,}(?!\d)")
# 2024-03-12, 12.03.2024, 12/3/24, optionally followed by a time: dates, not phone numbers.
DATE = re.compile(r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})(?:[\sT]+\d{1,2})?")
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"


def pseudonym(secret: bytes, sender_id: str) -> str:
    """A keyed hash of the conversation id: stable for the clinic, meaningless without the key."""
    digest = hmac.new(secret, sender_id.encode("utf-8"), hashlib.sha256).digest()
    return "C-" + base64.b32encode(digest).decode("ascii")[:PSEUDONYM_CHARS]


def mask(text: str) -> str:
    """The text with e-mail addresses and phone numbers replaced by placeholders."""
    return PHONE.sub(_phone_or_date, EMAIL.sub(EMAIL_MASK, text))


def _phone_or_date(match: "re.Match[str]") -> str:
    return match.group(0) if DATE.fullmatch(match.group(0).strip()) else PHONE_MASK
