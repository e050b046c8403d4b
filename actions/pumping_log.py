"""The pumping log in any conversation: record, correct, delete, show (with a chart).

Entries live in the `pumping_log` slot, so they are stored with the conversation in the tracker store,
carried into new sessions (actions/session.py), visible to the review app, and deleted with the
conversation by the retention job. The reading and the words are plain functions in
coach/pumping_log.py.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.tracker import latest_intent, latest_text, local_now
from coach import content
from coach.log_chart import chart_path
from coach.pumping_log import (
    corrected,
    daily_totals,
    describe,
    from_entry,
    log_request,
    read_sessions,
    recent,
    to_entry,
    week_summary,
)
from coach.replies import DELETE_ENTRY, LOW_OUTPUT, SHOW_LOG, buttons
from coach.vocabulary import (
    CORRECT_LOG_INTENT,
    DELETE_LOG_INTENT,
    LOG_INTENT,
    PUMPING_LOG_SLOT,
    SHOW_LOG_INTENT,
)

# The slot is posted to the action server with every custom action and repeated in full by every entry
# and every new session, so its size is paid on each message: eight weeks at six entries a day made the
# last week's messages 2.75 times slower than the first's (eval/long_conversation.py, 2026-12-07). What
# reads it looks back at most 7 days ("show my log", the chart, the review app's panel, a check-in's
# before-and-after), so the slot keeps the last 28 days, and at most 400 entries (14 sessions a day).
# Older entries stay in the stored conversation (each earlier value of the slot is an event).
KEEP_DAYS = 28
MAX_ENTRIES = 400


class ActionPumpingLog(Action):
    def name(self) -> Text:
        return "action_pumping_log"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text, now = latest_text(tracker), local_now(tracker)
        entries: List[Dict[str, Any]] = list(tracker.get_slot(PUMPING_LOG_SLOT) or [])
        intent = latest_intent(tracker)
        request = {LOG_INTENT: "log", CORRECT_LOG_INTENT: "correct", DELETE_LOG_INTENT: "delete",
                   SHOW_LOG_INTENT: "show"}.get(intent) or log_request(text, now)

        if request == "show":
            dispatcher.utter_message(text=week_summary(entries, now))
            if not entries:
                return []
            # The web chat shows it from the assistant's own server; Telegram gets it as a photo.
            totals = daily_totals([from_entry(e) for e in entries], now.date())
            dispatcher.utter_message(image=chart_path(totals))
            return []

        if request == "delete":
            if not entries:
                dispatcher.utter_message(text=content.text("log_nothing_to_delete"))
                return []
            gone = entries.pop()
            dispatcher.utter_message(text=content.text("log_deleted", entry=describe(gone, now)), buttons=buttons(SHOW_LOG))
            return [SlotSet(PUMPING_LOG_SLOT, entries)]

        if request == "correct":
            if not entries:
                dispatcher.utter_message(text=content.text("log_nothing_to_correct"))
                return []
            entries[-1] = corrected(entries[-1], text, now)
            dispatcher.utter_message(text=content.text("log_corrected", entry=describe(entries[-1], now)),
                                     buttons=buttons(SHOW_LOG, DELETE_ENTRY))
            return [SlotSet(PUMPING_LOG_SLOT, entries)]

        sessions = read_sessions(text, now)
        if not sessions:
            dispatcher.utter_message(text=content.text("log_no_amount"))
            return []
        new = [to_entry(s, now) for s in sessions]
        entries = recent(entries + new, now, KEEP_DAYS)[-MAX_ENTRIES:]
        said = "\n".join(content.text("log_logged_line", entry=describe(e, now)) for e in new)
        dispatcher.utter_message(
            text=content.text("log_logged", entries=said),
            buttons=buttons(SHOW_LOG, DELETE_ENTRY, LOW_OUTPUT))
        return [SlotSet(PUMPING_LOG_SLOT, entries)]
