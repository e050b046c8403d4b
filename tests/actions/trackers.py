"""Real rasa_sdk trackers for the action tests (no action server needed), and readers of what an action did."""
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    text: str = "",
    intent: str = "inform",
    slots: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    latest_action: str = "troubleshoot_form",
    metadata: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "metadata": metadata or {}}
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": latest})
    history.append({"event": "action", "name": latest_action})  # Rasa logs the running form first
    return Tracker(
        "test-user", dict(slots or {}), latest, history, False, None,
        {"name": active_loop} if active_loop else {}, latest_action,
    )


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or "" for m in dispatcher.messages)


def slot_events(events) -> Dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
