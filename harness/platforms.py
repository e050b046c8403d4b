"""Telegram's, Meta's (WhatsApp) and Twilio's APIs stood in for on loopback, and the channel settings
that a server run with them uses (`CHANNEL_ENV`, plus `FakePlatform.api_urls()`)."""
from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from typing import Any, Dict, List

# Channel settings for a server run against the FakePlatform: tokens, secrets and public URLs.
TWILIO_PUBLIC_URL = "https://bot.example.org/webhooks/twilio_whatsapp/webhook"
CHANNEL_ENV = {
    "TELEGRAM_TOKEN": "123:TEST", "TELEGRAM_SECRET_TOKEN": "s3cret-Token_1",
    "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
    "WHATSAPP_ACCESS_TOKEN": "wa-access", "WHATSAPP_APP_SECRET": "wa-app-secret", "WHATSAPP_VERIFY_TOKEN": "wa-verify",
    "WHATSAPP_PHONE_NUMBER_ID": "1055",
    "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "tw-auth-token",
    "TWILIO_WHATSAPP_NUMBER": "whatsapp:+15550001111",
    "TWILIO_WEBHOOK_URL": TWILIO_PUBLIC_URL,
    "WHATSAPP_TEMPLATE_NAME": "clinic_replied", "TWILIO_TEMPLATE_SID": "HX0123",
    # The review app's takeover and replies (channels/staff.py).
    "STAFF_API_SECRET": "staff-secret-for-tests-0123456789",
}


class FakePlatform:
    """Telegram's, Meta's and Twilio's APIs stood in for on loopback: records every call it gets.

    ``fail_next[fragment] = n`` makes the next n calls whose path contains ``fragment`` answer 503.
    """

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.fail_next: Dict[str, int] = {}
        self.lock = threading.Lock()
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if "json" in (self.headers.get("Content-Type") or ""):
                    body: Any = json.loads(raw or b"null")
                elif "multipart/form-data" in (self.headers.get("Content-Type") or ""):
                    body = {"multipart": raw}  # an uploaded photo: the test reads the parts it needs
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw.decode()).items()}
                with platform.lock:
                    for fragment, left in platform.fail_next.items():
                        if fragment in self.path and left > 0:
                            platform.fail_next[fragment] = left - 1
                            platform.calls.append({"path": self.path, "body": body, "failed": True})
                            self.send_response(503)
                            self.end_headers()
                            return
                    platform.calls.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                reply = {"ok": True, "result": True, "messages": [{"id": "wamid.out"}], "sid": "SMout", "id": "media-1"}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def api_urls(self) -> Dict[str, str]:
        """The settings that send the channels' outgoing API calls here instead of to the platforms."""
        return {"TELEGRAM_API_URL": self.url, "WHATSAPP_API_URL": f"{self.url}/v19.0", "TWILIO_API_URL": self.url}

    def calls_to(self, fragment: str) -> List[Dict[str, Any]]:
        with self.lock:
            return [c for c in self.calls if fragment in c["path"] and not c.get("failed")]

    def close(self) -> None:
        self.httpd.shutdown()
