"""The server starts even when Telegram cannot be reached, and says why Telegram is not working."""
import time

from harness.platforms import CHANNEL_ENV
from harness.server import free_port, running_server


def test_server_starts_with_telegram_unreachable(tmp_path):
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with running_server(tmp_path, {**CHANNEL_ENV, "TELEGRAM_API_URL": unreachable}, with_actions=False) as srv:
        deadline = time.monotonic() + 30
        while "Could not register the Telegram webhook" not in srv.log.read_text() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "Could not register the Telegram webhook" in srv.log.read_text()
        status, _ = srv.get_json("/history/" + "d" * 32)  # and it serves requests
        assert status == 200


def test_channels_without_settings_are_off(tmp_path):
    with running_server(tmp_path, {}, with_actions=False) as srv:
        for path in ("/webhooks/telegram/webhook", "/webhooks/whatsapp/webhook", "/webhooks/twilio_whatsapp/webhook"):
            assert srv.post(b"{}", path=path)[0] == 404
