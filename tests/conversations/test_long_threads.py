"""A long thread is folded: the opening and latest turns, "N earlier messages — show" between
them, a page of the hidden turns on request, and a link to any one message landing on it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from builders import make_user, sign_in, write_thread
from poise.auth.actions import create_api_token
from poise.auth.models import User
from poise.conversations.models import Conversation, Message
from poise.conversations.queries import get_conversation


def long_thread(session: Session, turns: int, external_id: str = "long") -> int:
    """A thread of ``turns`` messages whose bodies say their number ("turn 0042"); its id."""
    said = [("customer" if k % 2 else "agent", f"turn {k:04d} said") for k in range(1, turns + 1)]
    write_thread(session, said, external_id=external_id)
    return session.scalars(select(Conversation.id).filter_by(external_id=external_id)).one()


def turns_shown(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<div class="body">turn (\d{4}) said</div>', html)]


def message_id(session: Session, conv_id: int, turn: int) -> int:
    body = f"turn {turn:04d} said"
    return session.scalars(select(Message.id).filter_by(conversation_id=conv_id, body=body)).one()


def test_a_long_thread_shows_its_opening_and_latest_turns_with_the_rest_folded(
    client: TestClient, session: Session
) -> None:
    conv_id = long_thread(session, 500)
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{conv_id}")
    assert page.status_code == 200
    assert turns_shown(page.text) == [*range(1, 6), *range(456, 501)]
    assert page.text.count('<article class="turn') == 50
    fold = re.search(r'<p class="thread-fold" id="fold-earlier">(.*?)</p>', page.text, re.S)
    assert fold, "no fold between the opening and the latest turns"
    assert (
        f'href="/conversations/{conv_id}?start=406#shown">450 earlier messages — show' in (fold[1])
    )
    # the link opens the nearest 50 of the 450, not all of them: it says so
    assert "(the nearest 50: messages 406–455 of 500)" in fold[1]
    assert "50 of 500 messages shown" in page.text

    opened = client.get(f"/conversations/{conv_id}?start=406").text
    assert turns_shown(opened) == [*range(1, 6), *range(406, 501)]
    assert "400 earlier messages — show" in opened and "later messages" not in opened

    further = client.get(f"/conversations/{conv_id}?start=356").text
    assert turns_shown(further) == [*range(1, 6), *range(356, 406), *range(456, 501)]
    assert "350 earlier messages — show" in further
    assert f'href="/conversations/{conv_id}?start=406#shown">50 later messages — show' in further


def test_a_link_to_a_hidden_message_opens_the_turns_around_it(
    client: TestClient, session: Session
) -> None:
    conv_id = long_thread(session, 500)
    sign_in(client, make_user(session))
    middle = message_id(session, conv_id, 250)
    assert f'id="m{middle}"' not in client.get(f"/conversations/{conv_id}").text
    page = client.get(f"/conversations/{conv_id}?message={middle}").text
    assert f'<article class="turn agent" id="m{middle}">' in page
    assert turns_shown(page) == [*range(1, 6), *range(225, 275), *range(456, 501)]
    assert "219 earlier messages — show" in page and "181 later messages — show" in page
    # every turn shown carries the link that lands on it
    assert f'href="/conversations/{conv_id}?message={middle}#m{middle}"' in page
    # another conversation's message, or none, leaves the thread as it opens
    other = message_id(session, long_thread(session, 3, "other"), 2)
    plain = client.get(f"/conversations/{conv_id}?message={other}")
    assert plain.status_code == 200 and turns_shown(plain.text)[5] == 456


def test_a_bad_start_or_message_in_the_address_opens_the_thread_with_a_note(
    client: TestClient, session: Session
) -> None:
    """``?start=0`` or ``?message=abc`` (an address edited by hand, a mangled link) answered
    the bare 422 page quoting pydantic: the thread opens as it does by default, and a note
    above it says which part of the address was left aside and why."""
    conv_id = long_thread(session, 500)
    sign_in(client, make_user(session))
    cases = {
        "start=0": "There is no message number &#39;0&#39; to open from (they count from 1)",
        "start=abc": "There is no message number &#39;abc&#39; to open from",
        "message=abc": "&#39;abc&#39; is not a message&#39;s id",
        "message=0": "&#39;0&#39; is not a message&#39;s id",
        "message=99999999999": "&#39;99999999999&#39; is not a message&#39;s id",
        "message=a%01b": "&#39;ab&#39; is not a message&#39;s id",
    }
    for query, note in cases.items():
        page = client.get(f"/conversations/{conv_id}?{query}")
        assert page.status_code == 200, query
        assert "Input should be" not in page.text and "greater than" not in page.text
        assert note in page.text, query
        assert "so this shows the thread as it opens" in page.text
        assert turns_shown(page.text) == [*range(1, 6), *range(456, 501)], query
    both = client.get(f"/conversations/{conv_id}?start=-3&message=x").text
    assert "&#39;-3&#39;" in both and "&#39;x&#39; is not" in both
    fine = client.get(f"/conversations/{conv_id}?start=406").text
    assert "so this shows the thread as it opens" not in fine


def test_a_short_thread_is_shown_whole_without_a_fold(client: TestClient, session: Session) -> None:
    conv_id = long_thread(session, 60)
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{conv_id}").text
    assert turns_shown(page) == list(range(1, 61))
    assert "thread-fold" not in page and "thread-folded" not in page


def test_the_signals_beside_a_folded_thread_are_over_the_whole_thread(
    client: TestClient, session: Session
) -> None:
    conv_id = long_thread(session, 500)
    hidden = message_id(session, conv_id, 201)  # a customer turn inside the fold
    session.execute(
        update(Message)
        .where(Message.conversation_id == conv_id, Message.author_role == "customer")
        .values(negativity=0.1, feeling_level="neutral", signal_version="t")
    )
    session.execute(
        update(Message)
        .where(Message.id == hidden)
        .values(negativity=0.97, feeling_level="very_negative")
    )
    session.execute(
        update(Conversation)
        .where(Conversation.id == conv_id)
        .values(signals_version="t", peak_negativity=0.97, escalation_risk=0.4)
    )
    session.commit()
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{conv_id}").text
    assert f'id="m{hidden}"' not in page
    peak = "Most negative customer message: <strong>very negative</strong> (97% likely negative)"
    assert peak in page


def test_the_api_pages_a_threads_messages_like_its_other_lists(
    client: TestClient, session: Session
) -> None:
    conv_id = long_thread(session, 500)
    agent = make_user(session)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}"}
    url = f"/api/v1/conversations/{conv_id}/messages"
    first = client.get(url, headers=headers).json()
    assert (first["total"], first["page"], first["page_size"]) == (500, 1, 50)
    assert [m["body"] for m in first["items"]][:2] == ["turn 0001 said", "turn 0002 said"]
    last = client.get(f"{url}?page=3&page_size=200", headers=headers).json()
    assert [m["body"] for m in last["items"]] == [f"turn {k:04d} said" for k in range(401, 501)]
    assert client.get(f"{url}?page_size=1000", headers=headers).status_code == 422
    outsider = make_user(session, team="Billing")
    theirs = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=outsider)}"}
    other = long_thread(session, 2, "billing-only")
    session.execute(
        update(Conversation).where(Conversation.id == other).values(assignee_id=agent.id)
    )
    session.commit()
    assert client.get(f"/api/v1/conversations/{other}/messages", headers=theirs).status_code == 404


def test_the_api_conversation_inlines_the_first_200_turns_and_links_the_rest(
    client: TestClient, session: Session
) -> None:
    """The conversation's JSON inlined every turn: an import of 87,747 turns answered with
    tens of megabytes. It keeps ``messages`` but only the first 200, says how many there are
    and links the paged thread where they stop; a short thread comes whole, as before."""
    conv_id = long_thread(session, 500)
    short_id = long_thread(session, 60, "short")
    agent = make_user(session)
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}"}
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        answer = client.get(f"/api/v1/conversations/{conv_id}", headers=headers)
    finally:
        event.remove(Message, "load", count)
    assert answer.status_code == 200
    assert len(loaded) == 200  # the turns it answers with, not the whole thread
    body = answer.json()
    assert [m["body"] for m in body["messages"]] == [f"turn {k:04d} said" for k in range(1, 201)]
    assert (body["messages_total"], body["messages_truncated"]) == (500, True)
    assert body["message_count"] == 500
    rest = body["messages_next"]
    assert rest.endswith(f"/api/v1/conversations/{conv_id}/messages?page=2&page_size=200")
    assert answer.headers["Link"] == f'<{rest}>; rel="messages"'
    more = client.get(rest, headers=headers).json()
    assert [m["body"] for m in more["items"]][:1] == ["turn 0201 said"]
    assert more["total"] == 500 and len(more["items"]) == 200

    short = client.get(f"/api/v1/conversations/{short_id}", headers=headers)
    whole = short.json()
    assert [m["body"] for m in whole["messages"]] == [f"turn {k:04d} said" for k in range(1, 61)]
    assert (whole["messages_total"], whole["messages_truncated"]) == (60, False)
    assert whole["messages_next"] is None and "Link" not in short.headers


def test_opening_a_conversation_loads_no_turn_unless_its_thread_is_asked_for(
    session: Session,
) -> None:
    """``get_conversation`` loaded the whole thread by default: a new caller that forgot
    ``thread=False`` read all 87,747 turns of an import to show a title. The thread is now
    read only when asked for by name."""
    conv_id = long_thread(session, 500)
    agent_id = make_user(session).id
    session.expunge_all()  # every turn read from the database, none from the session's map
    agent = session.get(User, agent_id)
    assert agent is not None
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        conv = get_conversation(session, actor=agent, conversation_id=conv_id)
        assert loaded == [] and "messages" in inspect(conv).unloaded
        session.expunge(conv)
        whole = get_conversation(session, actor=agent, conversation_id=conv_id, thread=True)
        assert len(loaded) == len(whole.messages) == 500
    finally:
        event.remove(Message, "load", count)


def test_a_turn_without_an_author_name_names_its_role_once(
    client: TestClient, session: Session
) -> None:
    """A turn imported with no author read "Customer customer" (the role as the name, then
    the role again); a named one reads "Ana customer"."""
    conv_id = long_thread(session, 2)
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{conv_id}").text
    headers = re.findall(r'<article class="turn \w+" id="m\d+">\s*<header>(.*?)<time', page, re.S)
    assert headers == ["<strong>Customer</strong>", "<strong>Agent</strong>"]
    session.execute(
        update(Message).where(Message.conversation_id == conv_id).values(author_name="Ana")
    )
    session.commit()
    named = client.get(f"/conversations/{conv_id}").text
    assert named.count("<strong>Ana</strong><span>customer</span>") == 1


def test_the_assist_panel_of_a_thread_over_200_turns_reads_its_stored_signals(
    client: TestClient, session: Session
) -> None:
    """The panel reads the latest 200 turns; past 200 it took the stored signals (over the
    whole thread) for stale and worked them out afresh from those 200 on every request:
    an angry opening was gone from them (no early warning, another escalation risk than the
    conversation page's), and an 87,747-turn import took 5–7 s to open."""
    from poise.conversations.scoring import score_messages

    angry = "This is outrageous. I am furious, your service is a disgrace and nobody answers!"
    said = [("customer", angry)] + [
        ("agent" if k % 2 else "customer", f"turn {k:04d}: ok, noted, thanks")
        for k in range(1, 230)
    ]
    write_thread(session, said, external_id="long-angry")
    score_messages(session)
    conv = session.scalars(select(Conversation).filter_by(external_id="long-angry")).one()
    assert conv.early_warning and conv.escalation_risk is not None
    sign_in(client, make_user(session))
    panel = client.get(f"/assist/{conv.id}").text
    assert '<span class="flag flag-warning">early warning</span>' in panel
    risk = re.search(r'<strong id="assist-risk">([^<]+)</strong>', panel)
    page = client.get(f"/conversations/{conv.id}").text
    assert risk and f"Escalation risk <strong>{risk[1]}</strong>" in page


def test_the_assist_panel_loads_only_the_turns_it_reads(
    client: TestClient, session: Session
) -> None:
    """The panel reads the latest 200 turns but loaded the whole thread first: an import of
    87,747 turns took 6 s to open. The stored signals are checked against the scores alone."""
    from poise.assist.panel import MAX_TURNS
    from poise.conversations.scoring import score_messages

    conv_id = long_thread(session, 600)
    score_messages(session)
    sign_in(client, make_user(session))
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        panel = client.get(f"/assist/{conv_id}")
    finally:
        event.remove(Message, "load", count)
    assert panel.status_code == 200
    assert 0 < len(loaded) <= MAX_TURNS, len(loaded)
    assert "The last 12 of 600 messages" in panel.text
    assert "turn 0600 said" in panel.text and "turn 0588 said" not in panel.text


def test_a_thread_of_thousands_of_customer_turns_draws_a_trend_of_at_most_120_dots(
    client: TestClient, session: Session
) -> None:
    """The trend beside the thread drew one dot per customer turn: an import of 87,747
    turns made a 9 MB page. Past 120 turns each dot is the most negative of a stretch, so a
    spike is never averaged away, and the page says how many turns a dot stands for."""
    conv_id = long_thread(session, 4)
    trend = [0.1] * 1000
    trend[700] = 0.99
    session.execute(
        update(Conversation)
        .where(Conversation.id == conv_id)
        .values(
            signal_trend=trend, signals_version="test", escalation_risk=0.5, peak_negativity=0.99
        )
    )
    session.commit()
    sign_in(client, make_user(session))
    page = client.get(f"/conversations/{conv_id}").text
    assert 0 < page.count("<circle") <= 120
    assert "each dot the most negative of 9 customer turns (1 at the top" in page
    assert "Feeling over" not in page
    assert ": 0.99</title></circle>" in page  # the spike is kept
    short = long_thread(session, 6, external_id="short")
    session.execute(
        update(Conversation)
        .where(Conversation.id == short)
        .values(signal_trend=[0.2, 0.9, 0.1], signals_version="test", escalation_risk=0.4)
    )
    session.commit()
    page = client.get(f"/conversations/{short}").text
    assert page.count("<circle") == 3 and "each dot" not in page
    assert "How negative each customer turn read (1 at the top: surely negative):" in page
