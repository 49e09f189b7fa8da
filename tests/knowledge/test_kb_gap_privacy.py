"""The gap report is every lead's, but a gap logged from a conversation holds its customer's
words: a lead who may not open that conversation reads them redacted."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in

SAID = "My refund for order 48213919 never came, write to priya.sharma@example.com please"
SECRETS = ("48213919", "priya.sharma@example.com", "Priya", "07700 900123")


def test_another_teams_customer_words_reach_the_gap_report_redacted(
    client: TestClient, session: Session
) -> None:
    """Billing's lead read, on the gap report, the order number and e-mail a Care customer
    wrote (the gap logged from Care's conversation keeps the customer's words), though the
    conversation itself answers them 404, and the name and phone a Care agent searched for;
    the weekly digest already redacts the same words before they leave Poise, and a hotspot
    leaves another team's gaps out. Care's lead, who may open it, still reads them whole."""
    ada = make_user(session, team="Care", name="Ada")
    conv = make_conversation(session, assignee_email=ada.email, customer_text=SAID)
    csrf = sign_in(client, ada)
    logged = client.post("/manual/gaps", data={"conversation_id": conv.id, "csrf_token": csrf})
    assert logged.status_code == 200
    searched = {"q": "gift card for Priya Sharma, ring 07700 900123", "csrf_token": csrf}
    assert client.post("/manual/gaps", data=searched).status_code == 200
    readers = {
        "billing": make_user(session, role="lead", team="Billing"),
        "care": make_user(session, role="lead", team="Care"),
    }
    pages = {}
    for team, lead in readers.items():
        client.cookies.clear()
        sign_in(client, lead)
        pages[team] = client.get("/manual/gaps").text
    assert [s for s in SECRETS if s in pages["care"]] == list(SECRETS), "the team's lead reads all"
    assert "refund" in pages["billing"].lower(), "the issues are still on the report"
    assert "gift card" in pages["billing"]
    assert not [s for s in SECRETS if s in pages["billing"]]
    assert "[number]" in pages["billing"]
