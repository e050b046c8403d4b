"""Masking of contact details and pseudonyms for conversation ids."""
import pytest

from review.privacy import EMAIL_MASK, PHONE_MASK, mask, pseudonym


@pytest.mark.parametrize("text, expected", [
    ("call me on +44 7700 900123 please", f"call me on {PHONE_MASK} please"),
    ("my number: (555) 010-4477", f"my number: {PHONE_MASK}"),
    ("whatsapp 07700900123", f"whatsapp {PHONE_MASK}"),
    ("jo.parent+milk@example.org wrote", f"{EMAIL_MASK} wrote"),
    ("mail JO@Clinic.Example.co.uk", f"mail {EMAIL_MASK}"),
    ("o'brien@example.ie", EMAIL_MASK),
    ("call07700900123pls", f"call{PHONE_MASK}pls"),
    ("07700 - 900 - 123", PHONE_MASK),
    ("07700\u2013900\u2013123 or 07700/900123", f"{PHONE_MASK} or {PHONE_MASK}"),
])
def test_contact_details_are_masked(text, expected):
    assert mask(text) == expected


@pytest.mark.parametrize("text", [
    "I get 120 ml from 2 sessions", "my flange is 24 mm", "pumped at 3:15 for 20 minutes", "on 12/11 it was 4 oz",
    "every 2-3 hours", "she is 6 weeks old", "since 2024-03-12 14:30", "born 01.02.2024", "on 12/3/24",
])
def test_amounts_sizes_and_times_are_not_taken_for_phone_numbers(text):
    assert mask(text) == text


def test_pseudonyms_are_stable_per_key_and_differ_across_keys():
    a, b = b"k" * 32, b"j" * 32
    assert pseudonym(a, "5550123987") == pseudonym(a, "5550123987")
    assert pseudonym(a, "5550123987") != pseudonym(a, "5550123988")
    assert pseudonym(a, "5550123987") != pseudonym(b, "5550123987")
    assert "5550123987" not in pseudonym(a, "5550123987")
