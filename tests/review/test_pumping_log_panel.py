"""The transcript page's pumping-log panel: the parent's entries as a table and a chart drawn by the app."""
import re

from tests.fixtures.review import logged_in
from tests.review.test_review_flow import p, text


def test_the_transcript_shows_the_log_as_a_table_and_a_chart(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    target = p(app, recorded, "pumping_log")
    page = text(client.get(f"/c/{target}"))
    panel = page[page.index('aria-label="Pumping log"'):page.index('aria-label="Transcript"')]
    # 60 ml, then 59.1 + 44.4 ml: one day, three sessions.
    assert "163.5" in panel and "5.5" in panel and "07:00 60.0 ml" in panel and "13:00 59.1 ml (left)" in panel
    chart = re.search(r'<img src="([^"]+)"', panel).group(1)
    resp = client.get(chart)
    assert resp.status_code == 200 and resp.mimetype == "image/png" and resp.data.startswith(b"\x89PNG")
    # The whole list is not repeated as an "answer" at every entry.
    assert "pumping_log" not in page


def test_no_log_no_panel_and_no_chart(app, recorded):
    client = logged_in(app, "rita", "reviewer")
    target = p(app, recorded, "troubleshooting")
    assert 'aria-label="Pumping log"' not in text(client.get(f"/c/{target}"))
    assert client.get(f"/c/{target}/log-chart.png").status_code == 404


def test_the_chart_needs_a_signed_in_reviewer(app, recorded):
    resp = app.test_client().get(f"/c/{p(app, recorded, 'pumping_log')}/log-chart.png")
    assert resp.status_code in (302, 401, 403)
