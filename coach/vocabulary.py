"""Names shared by actions, components, channels, review and eval: one place to spell each.

Plain Python with no Rasa import, so every part of the project can use it.
"""
from __future__ import annotations

RED_FLAG_INTENT = "report_red_flag"
LOW_OUTPUT_INTENT = "report_low_output"
NON_ENGLISH_INTENT = "non_english"
