"""What the assistant knows and decides, in plain Python with no Rasa import.

Reading answers (``answers``, ``negation``, ``turns``), choosing questions and the cause
(``diagnosis``), red-flag rules (``safety``), stored-milk verdicts (``storage``), the guidance texts
(``knowledge``, ``replies``, ``prompts``), the clinic's contact details (``clinic``) and the names every
part of the project shares (``vocabulary``). Actions, the NLU component, channels, the review app and
eval all import from here; this package imports none of them.
"""
