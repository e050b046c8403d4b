"""One parent's conversation with the running assistant, over the web chat webhook like the web page."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from coach.prompts import SLOT_BY_TEXT
from harness.server import Server


@dataclass
class Conversation:
    server: Server
    sender: str = field(default_factory=lambda: uuid.uuid4().hex)
    replies: List[Dict[str, Any]] = field(default_factory=list)

    def say(self, text: str, metadata: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
        payload: Dict[str, Any] = {"sender": self.sender, "message": text}
        if metadata:
            payload["metadata"] = metadata
        status, body = self.server.post(json.dumps(payload).encode())
        assert status == 200, (status, body)
        self.replies = body["messages"]
        return self.replies

    @property
    def text(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.replies)

    def asked_question(self) -> Optional[str]:
        """The troubleshooting or storage question in the latest replies, if any."""
        return next((SLOT_BY_TEXT[m["text"]] for m in reversed(self.replies) if m.get("text") in SLOT_BY_TEXT), None)

    @property
    def buttons(self) -> List[str]:
        return [b["title"] for m in self.replies for b in (m.get("buttons") or [])]

    def slots(self) -> Dict[str, Any]:
        """The slot values the tracker store holds for this conversation (the last set of each)."""
        values: Dict[str, Any] = {}
        for event in self.server.events(self.sender):
            if event.get("event") == "slot":
                values[event["name"]] = event.get("value")
        return values
