"""Hybrid search: the API, the search page, highlighting, and gaps logged when nothing fits."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import csrf_from, make_conversation, make_user, sign_in, write_thread
from poise.auth.actions import create_api_token
from poise.cli import app as cli
from poise.conversations.models import Conversation, Message
from poise.knowledge import actions
from poise.knowledge.models import Article, Gap
from poise.settings import Settings
from support import statements_naming


def auth(session: Session, role: str = "agent") -> dict[str, str]:
    user = make_user(session, role=role)
    return {"Authorization": f"Bearer {create_api_token(session, actor=None, user=user)}"}


def api_search(client: TestClient, headers: dict[str, str], q: str) -> dict[str, object]:
    """The search API's answer to ``q``."""
    found: dict[str, object] = client.get(
        "/api/v1/kb/search", params={"q": q}, headers=headers
    ).json()
    return found


def test_api_finds_the_issue_in_other_words_with_highlights(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    headers = auth(session)
    body = client.get(
        "/api/v1/kb/search", params={"q": "my refund still hasn't shown up"}, headers=headers
    ).json()
    assert body["gap"] is False
    assert body["hits"][0]["title"] == "Refund not received"
    top = body["hits"][0]  # plain text in JSON; the marked words as offsets beside it
    assert "<mark>" not in top["highlight"] + top["resolution"]
    assert "refund" in [top["highlight"][a:b].lower() for a, b in top["highlight_marks"]]
    assert all(0 <= a < b <= len(top["resolution"]) for a, b in top["resolution_marks"])
    # Hardly a shared word: found by meaning.
    body = client.get(
        "/api/v1/kb/search", params={"q": "the bank refused my visa when I paid"}, headers=headers
    ).json()
    assert body["hits"][0]["title"] == "Card declined at checkout"
    assert client.get("/api/v1/kb/search", headers=headers).status_code == 422
    assert session.query(Gap).count() == 0


def test_a_search_never_logs_a_gap_an_explicit_post_logs_it_once(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    headers = auth(session)
    query = "what will the weather be in Lisbon tomorrow"
    body = client.get("/api/v1/kb/search", params={"q": query}, headers=headers).json()
    assert body["gap"] is True and body["confidence"] < 0.25
    assert 0.0 <= body["hits"][0]["score"] <= 1.0
    assert session.query(Gap).count() == 0  # a read never writes
    for _ in range(2):  # the same person, the same words: one gap
        logged = client.post("/api/v1/kb/gaps", json={"query": query}, headers=headers)
        assert logged.status_code == 201, logged.text
    gap = session.query(Gap).one()
    assert gap.query == query
    sign_in(client, lead)
    report = client.get("/manual/gaps").text
    assert query in report
    offered = body["hits"][0]  # the lead sees what the manual offered instead
    assert f'href="/manual/{offered["article_id"]}" class="muted">{offered["title"]}' in report
    assert "1 search or conversation in the last 90 days was logged as a gap" in report
    one_day = client.get("/manual/gaps", params={"days": "1"}).text
    assert "in the last 1 day was logged" in one_day and query in one_day
    for typed, said in (("0", "choose from 1 to 3650 days"), ("soon", "a whole number of days")):
        refused = client.get("/manual/gaps", params={"days": typed})  # said "last 1 days"
        assert refused.status_code == 400 and f'value="{typed}"' in refused.text
        assert re.search(f'id="days-error">[^<]*{said}', refused.text), refused.text
        assert "in the last 90 days" in refused.text  # the default window meanwhile


def test_a_placeholder_in_the_query_finds_what_the_query_without_it_finds(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    headers = auth(session)

    plain = api_search(client, headers, "the bank refused my visa when I paid")
    marked = api_search(
        client, headers, "the bank refused my visa {{Card Number}} when I paid [Customer Name]"
    )
    assert marked["query"] == plain["query"]
    assert marked["hits"] == plain["hits"]


def test_only_published_articles_are_found(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    articles = publish_manual(session, lead)
    refund = articles["Refund not received"]
    actions.change_status(session, actor=lead, article_id=refund.id, status="retired")
    body = client.get(
        "/api/v1/kb/search", params={"q": "where is my refund"}, headers=auth(session)
    ).json()
    assert "Refund not received" not in [h["title"] for h in body["hits"]]


def test_search_page_highlights_and_says_when_it_is_a_gap(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    publish_manual(session, lead)
    sign_in(client, agent)
    assert "Type what the customer said" in client.get("/manual/search").text
    page = client.get("/manual/search", params={"q": "I forgot my password"}).text
    assert "Password reset email missing" in page
    assert "<mark>password</mark>" in page.lower()
    gap_page = client.get(
        "/manual/search", params={"q": "<b>do you sell gift vouchers for horses</b>"}
    )
    assert (
        "Nothing in the manual matches this well" in gap_page.text
        and "<b>do you" not in gap_page.text
    )
    assert session.query(Gap).count() == 0
    token = csrf_from(gap_page.text)
    logged = client.post(
        "/manual/gaps",
        data={"csrf_token": token, "q": "do you sell gift vouchers for horses"},
        follow_redirects=False,
    )
    assert logged.status_code == 303
    assert session.query(Gap).one().query == "do you sell gift vouchers for horses"


def test_search_page_folds_the_hits_that_only_share_words(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    sign_in(client, make_user(session, role="agent"))
    query = "I forgot my password"
    hits = client.get("/api/v1/kb/search", params={"q": query}, headers=auth(session)).json()
    weak = [h["title"] for h in hits["hits"][1:] if h["score"] < 0.05]
    strong = [h["title"] for h in hits["hits"] if h["title"] not in weak]
    assert weak and strong[0] == "Password reset email missing", hits
    page = client.get("/manual/search", params={"q": query}).text
    listed, folded = page.split('<details class="kb-weak">')
    assert all(title in listed for title in strong)
    assert all(title in folded and title not in listed for title in weak)
    assert f"{len(weak)} weaker match" in folded and ">0% match" not in page


def test_the_weak_hits_of_a_nonsense_search_do_not_claim_shared_words(
    client: TestClient, session: Session
) -> None:
    """The folded hits said "they only share words with the search" under a search of
    nonsense, which shares no word with any article: they are only the nearest in meaning."""
    publish_manual(session, make_user(session, role="lead"))
    sign_in(client, make_user(session, role="agent"))
    page = client.get("/manual/search", params={"q": "qwzx vbnm plokij"}).text
    assert "Nothing in the manual matches this well" in page
    folded = page.split('<details class="kb-weak">')[1]
    assert "weaker matches (under 5%): unlikely to be the customer's issue" in folded
    assert "share words" not in page


def test_search_with_an_empty_manual_says_so(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="agent"))
    page = client.get("/manual/search", params={"q": "refund"}).text
    assert "No published article yet" in page


def test_conversation_suggestions_follow_the_customer(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    publish_manual(session, lead)
    conv = make_conversation(session, customer_text="Hi, my card got declined when paying")
    sign_in(client, agent)
    fragment = client.get(f"/manual/suggestions/{conv.id}").text
    hits = client.get(f"/api/v1/kb/suggestions/{conv.id}", headers=auth(session)).json()["hits"]
    assert hits[0]["title"] == "Card declined at checkout"
    weak = [h["title"] for h in hits[1:] if h["score"] < 0.05]  # left out of the panel
    assert weak and f"{len(weak)} weaker match" in fragment
    assert "Card declined at checkout" in fragment and not any(t in fragment for t in weak)
    detail = client.get(f"/conversations/{conv.id}").text
    assert 'id="kb-suggestions"' in detail and "/manual/kb.js" in detail
    assert client.get("/manual/kb.js").headers["content-type"].startswith("text/javascript")


CARD_OPENING = [
    ("customer", "Hi, my card got declined when paying"),
    ("agent", "Sorry about that! Which card was it?"),
]


def test_a_huge_thread_is_suggested_from_its_opening_reading_a_few_turns(
    client: TestClient, session: Session
) -> None:
    """The box read the whole thread (every turn loaded, every customer turn's words): on an
    import of 87,747 turns it answered after 12-21 s, and the conversation page showed its
    fallback link meanwhile. It reads the opening turns and the latest, as the suggestions
    use them, so a huge thread is suggested what the same opening and latest turn are."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    chatter = [
        ("agent" if k % 2 else "customer", f"turn {k:04d}: ok, noted, thanks")
        for k in range(1, 3000)
    ]
    write_thread(session, CARD_OPENING + chatter, external_id="huge")
    write_thread(session, CARD_OPENING + chatter[:2] + chatter[-2:], external_id="opening")
    huge, opening = (
        session.scalars(select(Conversation.id).filter_by(external_id=e)).one()
        for e in ("huge", "opening")
    )
    headers = auth(session)
    sign_in(client, make_user(session, role="agent"))
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        with statements_naming("messages.body") as bodies:
            box = client.get(f"/manual/suggestions/{huge}")
            found = client.get(f"/api/v1/kb/suggestions/{huge}", headers=headers).json()
    finally:
        event.remove(Message, "load", count)
    assert box.status_code == 200 and loaded == []
    assert bodies and all("LIMIT" in statement for statement in bodies), bodies
    assert found["hits"][0]["title"] == "Card declined at checkout"
    assert 'data-turns="1500"' in box.text and found["turns"] == 1500
    short = client.get(f"/api/v1/kb/suggestions/{opening}", headers=headers).json()
    assert found["query"] == short["query"]
    assert [(h["title"], h["score"]) for h in found["hits"]] == [
        (h["title"], h["score"]) for h in short["hits"]
    ]
    assert "Card declined at checkout" in box.text


def _agent_named(session: Session, external_id: str, name: str) -> int:
    """The thread's id, every agent turn of it now signed ``name``."""
    conv_id = session.scalars(select(Conversation.id).filter_by(external_id=external_id)).one()
    session.execute(
        update(Message)
        .where(Message.conversation_id == conv_id, Message.author_role == "agent")
        .values(author_name=name)
    )
    session.commit()
    return conv_id


def test_write_the_article_from_a_huge_thread_reads_the_names_of_its_opening(
    client: TestClient, session: Session
) -> None:
    """ "Write the article" read every turn's author to know whose names to scrub from the
    customer's opening words: on an import of 87,747 turns, every message of the thread for
    a form. It reads the authors of the opening turns (who can be named in the customer's
    first words), so a huge thread's form is the one its opening gives, names scrubbed."""
    opening = [*CARD_OPENING, ("customer", "Maria asked: the Visa card ending in my name")]
    chatter = [
        ("agent" if k % 2 else "customer", f"turn {k:04d}: ok, noted, thanks")
        for k in range(1, 3000)
    ]
    write_thread(session, opening + chatter, external_id="huge")
    write_thread(session, opening + chatter[:2] + chatter[-2:], external_id="opening")
    huge = _agent_named(session, "huge", "Maria Lopez")
    short = _agent_named(session, "opening", "Maria Lopez")
    sign_in(client, make_user(session, role="lead"))
    loaded: list[int] = []

    def count(message: Message, _context: object) -> None:
        loaded.append(message.id)

    event.listen(Message, "load", count)
    try:
        with statements_naming("messages.author_name", "messages.body") as names:
            form = client.get("/manual/new", params={"conversation_id": huge})
    finally:
        event.remove(Message, "load", count)
    assert form.status_code == 200 and loaded == []
    assert names and all("LIMIT" in statement for statement in names), names

    def fields(html_text: str) -> dict[str, str]:
        found = re.findall(
            r'<(?:input|textarea) name="(\w+)"[^>]*?(?:value="([^"]*)"|>([^<]*))', html_text
        )
        return {n: v or t for n, v, t in found if n in ("title", "issue", "phrasings")}

    shown = fields(form.text)
    assert shown == fields(client.get("/manual/new", params={"conversation_id": short}).text)
    assert "Visa card" in shown["issue"] and "Maria" not in shown["issue"], shown


def test_assist_answer_carries_article_suggestions(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    response = client.post(
        "/api/v1/assist",
        json={
            "messages": [
                {"author_role": "customer", "body": "I can't log in, I forgot my password"},
                {"author_role": "agent", "body": "Let me help."},
            ]
        },
        headers=auth(session),
    )
    assert response.status_code == 200, response.text
    articles = response.json()["articles"]
    assert articles["hits"][0]["title"] == "Password reset email missing"
    assert articles["gap"] is False and articles["turns"] == 1


def test_a_conversation_gap_is_logged_once_on_request_never_by_viewing(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    conv = make_conversation(session, customer_text="Do you sell gift vouchers for horses?")
    token = sign_in(client, make_user(session, role="agent"))
    for _ in range(2):
        box = client.get(f"/manual/suggestions/{conv.id}").text
        assert "Nothing in the manual matches this well" in box and "Log as a gap" in box
        client.get(f"/conversations/{conv.id}")
        client.get("/manual/search", params={"conversation_id": conv.id})
    assert session.query(Gap).count() == 0
    for _ in range(2):
        done = client.post(
            "/manual/gaps",
            data={"csrf_token": token, "conversation_id": str(conv.id)},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"] == f"/conversations/{conv.id}"
    gap = session.query(Gap).one()
    assert (gap.conversation_id, gap.product) == (conv.id, "Poise Mobile")


def test_a_conversation_gap_records_its_purpose_not_the_greeting(
    client: TestClient, session: Session
) -> None:
    publish_manual(session, make_user(session, role="lead"))
    said = "Hi there, hope you're well! Our weekly team report email stopped arriving. Ana"
    stated = make_conversation(session, customer_text=said, purpose="Weekly report email stopped")
    unstated = make_conversation(session, customer_text="Do you sell gift vouchers for horses?")
    token = sign_in(client, make_user(session, role="agent"))
    for conv in (stated, unstated):
        done = client.post(
            "/manual/gaps",
            data={"csrf_token": token, "conversation_id": str(conv.id)},
            follow_redirects=False,
        )
        assert done.status_code == 303
    logged = {g.conversation_id: g.query for g in session.query(Gap)}
    assert logged == {
        stated.id: "Weekly report email stopped",
        unstated.id: "Do you sell gift vouchers for horses?",
    }


def test_write_the_article_starts_from_the_conversation_its_reader_may_open(
    client: TestClient, session: Session
) -> None:
    maya = make_user(session, team="Care")
    said = "Our weekly team report email stopped arriving"
    conv = make_conversation(
        session,
        customer_text=said,
        purpose="Weekly report email stopped",
        product="Web Dashboard",
        feature="reports",
        assignee_email=maya.email,
    )
    sign_in(client, make_user(session, role="lead", team="Care"))
    form = client.get("/manual/new", params={"conversation_id": conv.id}).text
    assert 'name="title" required maxlength="200" value="Weekly report email stopped"' in form
    assert 'name="product" maxlength="120" value="Web Dashboard"' in form and said in form
    client.cookies.clear()
    sign_in(client, make_user(session, team="Billing"))  # another team's: nothing of it shown
    other = client.get("/manual/new", params={"conversation_id": conv.id})
    assert other.status_code == 200 and "Weekly report" not in other.text and said not in other.text


def test_the_gap_reports_write_the_article_opens_a_filled_form_for_every_lead(
    client: TestClient, session: Session
) -> None:
    """A lead of another team than the gap's conversation got an empty form from "Write the
    article" (it named that conversation, which the lead may not open): now the form holds
    the gap's words and product; the conversation's own team's lead still starts from it."""
    publish_manual(session, make_user(session, role="lead"))
    maya = make_user(session, team="Care")
    conv = make_conversation(
        session,
        customer_text="Our weekly team report email stopped arriving",
        purpose="Weekly report email stopped",
        product="Web Dashboard",
        assignee_email=maya.email,
    )
    token = sign_in(client, maya)
    logged = client.post(
        "/manual/gaps", data={"csrf_token": token, "conversation_id": str(conv.id)}
    )
    assert logged.status_code == 200
    for team, cited in (("Billing", False), ("Care", True)):
        client.cookies.clear()
        sign_in(client, make_user(session, role="lead", team=team))
        report = client.get("/manual/gaps").text
        link = re.search(r'<a href="([^"]+)">Write the article</a>', report)
        assert link, report
        form = client.get(link.group(1).replace("&amp;", "&")).text
        assert 'name="title" required maxlength="200" value="Weekly report email stopped"' in form
        assert 'name="product" maxlength="120" value="Web Dashboard"' in form
        assert (f'name="conversation_id" value="{conv.id}"' in form) is cited, team


def test_the_gap_report_shows_a_page_of_issues_at_a_time(
    client: TestClient, session: Session
) -> None:
    """Every issue of 90 days was one table (up to 5,000 gaps); now a page of them, biggest
    first, with the way to the next page keeping the window."""
    import numpy as np

    from poise.knowledge import vectors
    from poise.knowledge.text import to_blob

    vectors.claim(session)
    for n in range(25):  # 25 issues apart (orthogonal vectors), issue n raised n + 1 times
        alone = np.zeros(384, np.float32)
        alone[n] = 1.0
        session.add_all(
            Gap(query=f"Issue number {n}", best_score=0.1, embedding=to_blob(alone))
            for _ in range(n + 1)
        )
    session.commit()
    sign_in(client, make_user(session, role="lead"))
    first = client.get("/manual/gaps", params={"days": "30"}).text
    rows = re.findall(r'<td role="cell" class="text">Issue number (\d+)', first)
    assert rows == [str(n) for n in range(24, 4, -1)]  # 20 a page (the tests' page size)
    assert "25 issues · page 1 of 2" in first and 'href="?days=30&amp;page=2"' in first
    second = client.get("/manual/gaps", params={"days": "30", "page": "2"}).text
    assert re.findall(r'<td role="cell" class="text">Issue number (\d+)', second) == [
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    past = client.get("/manual/gaps", params={"page": "9"}).text
    assert "Nothing on page 9" in past


def test_a_search_without_a_word_is_refused_beside_its_field_and_never_a_gap(
    client: TestClient, session: Session
) -> None:
    """ "???" or an emoji listed every article under 1% with "Nothing in the manual matches
    this well" and an offer to log it as a gap, which put "???" on the gap report."""
    publish_manual(session, make_user(session, role="lead"))
    token = sign_in(client, make_user(session, role="agent"))
    for typed in ("???", "\U0001f621", "-- !!"):
        page = client.get("/manual/search", params={"q": typed})
        assert page.status_code == 400
        assert 'id="q-error"' in page.text and "has no words to search by" in page.text
        assert 'name="q" value="' + typed + '"' in page.text  # kept as typed
        assert "Log as a gap" not in page.text and "match</span>" not in page.text
        logged = client.post("/manual/gaps", data={"csrf_token": token, "q": typed})
        assert logged.status_code == 400
    assert session.query(Gap).count() == 0
    assert client.get("/manual/search", params={"q": "404"}).status_code == 200  # a word


def test_the_purpose_own_article_ranks_first_and_the_snippet_is_the_fix(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    for title, issue, phrasings, resolution in [
        (
            "No internet after setting up the router",
            "I set up my new router and now there is no internet",
            ["the router is installed but nothing connects", "no internet since the new router"],
            "1. Restart the router.\n2. Check the WAN cable is in the internet port.",
        ),
        (
            "Wi-Fi keeps dropping",
            "My Wi-Fi keeps dropping every few minutes",
            ["the wifi connection keeps cutting out", "wireless disconnects all the time"],
            "1. Move the router away from the microwave.\n2. Switch the Wi-Fi channel.",
        ),
    ]:
        article = actions.create_article(
            session,
            actor=lead,
            fields=actions.ArticleFields(
                title=title, issue=issue, resolution=resolution, phrasings=phrasings
            ),
        )
        actions.change_status(session, actor=lead, article_id=article.id, status="published")
    conv = make_conversation(
        session,
        customer_text="I set up the new router yesterday and since then the wifi keeps going away",
    )
    conv.purpose = "Wi-Fi keeps dropping"
    session.commit()
    body = client.get(f"/api/v1/kb/suggestions/{conv.id}", headers=auth(session)).json()
    top = body["hits"][0]
    assert top["title"] == "Wi-Fi keeps dropping", body
    assert "microwave" in top["resolution"] and top["resolution"] != top["title"]
    assert 0.0 <= top["score"] <= 1.0 and top["match_percent"] == round(100 * top["score"])
    assert body["gap"] is False


def test_a_manual_of_one_article_scores_on_the_same_scale(
    client: TestClient, session: Session
) -> None:
    """With one issue there is no classifier to fit; the match probability is calibrated for
    a score without it, so a paraphrase is a match and another topic still a gap."""
    from kb_manual import MANUAL, fields

    lead = make_user(session, role="lead")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[0]))
    actions.change_status(session, actor=lead, article_id=article.id, status="published")
    headers = auth(session)

    def best(q: str) -> dict[str, object]:
        return api_search(client, headers, q)

    found = best("it's been two weeks and my money still hasn't come back")  # 0.27 before
    assert found["gap"] is False and float(found["confidence"]) >= 0.5  # type: ignore[arg-type]
    assert best("how do I change the language of the app to French?")["gap"] is True


def test_the_snippet_keeps_menu_paths_and_drops_markdown_marks() -> None:
    from poise.knowledge.text import plain_steps

    resolution = (
        "## Fix\n> Only for admins\n- Open **Settings > Users**.\n"
        "* Pick [the user](https://example.com/u) and press `Reset`."
    )
    assert plain_steps(resolution) == (
        "Fix Only for admins Open Settings > Users. Pick the user and press Reset."
    )


def test_the_command_line_search_takes_the_apis_bounds(session: Session, cli_env: Settings) -> None:
    """``--limit -3`` listed every article but three, and a blank query answered "a gap";
    the API refuses both (limit 1-50, a query of at least one character)."""
    publish_manual(session, make_user(session, role="lead"))
    runner = CliRunner()
    found = runner.invoke(cli, ["kb", "search", "my refund still hasn't shown up", "--limit", "2"])
    assert found.exit_code == 0, found.output
    assert "Refund not received" in found.output and len(found.output.splitlines()) == 2
    for bad in (["x", "--limit", "-3"], ["x", "--limit", "0"], ["x", "--limit", "51"]):
        refused = runner.invoke(cli, ["kb", "search", *bad])
        assert refused.exit_code == 2 and "--limit" in refused.output, bad
    blank = runner.invoke(cli, ["kb", "search", "  "])
    assert blank.exit_code == 2 and "give the customer's words" in blank.output
    assert "gap" not in blank.output


def test_the_command_line_search_of_an_empty_manual_says_it_is_empty(cli_env: Settings) -> None:
    """With no published article it said "No good match (best match 0%): a gap", as if the
    customer's words were the trouble."""
    said = CliRunner().invoke(cli, ["kb", "search", "my refund still hasn't shown up"])
    assert said.exit_code == 0, said.output
    assert "The manual has no published articles yet" in said.output
    assert "gap" not in said.output


def test_the_manual_box_returns_to_the_page_it_sits_on_and_only_a_local_one(
    client: TestClient, session: Session
) -> None:
    """The box is fetched by the conversation page and the assist panel alike; its buttons
    went to the conversation page from both."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    agent = make_user(session)
    conv = make_conversation(session, assignee_email=agent.email, customer_text="refund?")
    csrf = sign_in(client, agent)
    box = client.get(f"/manual/suggestions/{conv.id}", params={"back": f"/assist/{conv.id}"})
    assert box.text.count(f'name="next" value="/assist/{conv.id}"') >= 2  # use this, gap
    article = int(re.findall(r'name="article_id" value="(\d+)"', box.text)[0])
    used = client.post(
        "/manual/use",
        data={"csrf_token": csrf, "conversation_id": conv.id, "article_id": article,
              "next": f"/assist/{conv.id}"},
        follow_redirects=False,
    )  # fmt: skip
    assert used.headers["location"] == f"/assist/{conv.id}"
    elsewhere = client.get(f"/manual/suggestions/{conv.id}", params={"back": "//evil.example"})
    assert f'name="next" value="/conversations/{conv.id}"' in elsewhere.text
    gap = client.post(
        "/manual/gaps",
        data={"csrf_token": csrf, "conversation_id": conv.id, "next": "https://evil.example"},
        follow_redirects=False,
    )
    assert gap.headers["location"] == f"/conversations/{conv.id}"


def test_a_gap_closes_when_the_article_written_for_it_is_published(
    client: TestClient, session: Session
) -> None:
    """A gap stayed on the report for its whole window (90 days) after its article was
    written and published; now the report searches each gap again, and one the manual now
    answers is listed under the article that answers it, not as an open issue."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    token = sign_in(client, make_user(session, role="agent"))
    horses = "do you sell gift vouchers for horses"
    said = ("what will the weather be in Lisbon tomorrow", horses, "where is my refund")
    for q in said:  # the last one matches confidently: the agent turned the match down
        client.post("/manual/gaps", data={"csrf_token": token, "q": q})
    assert session.query(Gap).count() == 3
    client.cookies.clear()
    token = sign_in(client, lead)
    report = client.get("/manual/gaps").text
    assert all(q in report for q in said) and 'id="answered"' not in report
    link = re.search(r'<a href="([^"]+)">Write the article</a>', report.split(horses)[1])
    assert link, report
    form = client.get(link.group(1).replace("&amp;", "&")).text
    assert 'value="Do you sell gift vouchers for horses"' in form  # a title starts with a capital
    written = client.post(
        "/manual/new",
        data={
            "csrf_token": token,
            "title": "Gift vouchers for horses",
            "issue": horses,
            "resolution": "We sell them at the stables' shop.",
            "phrasings": "Can I buy a horse riding gift card?",
        },
    )
    article_id = int(str(written.url).rsplit("/", 1)[1])
    draft = client.get("/manual/gaps").text
    assert f'<td role="cell" class="text">{horses}' in draft, "a draft answers nobody yet"
    client.post(f"/manual/{article_id}/status", data={"csrf_token": token, "status": "published"})

    report = client.get("/manual/gaps").text
    open_issues, _, answered = report.partition('id="answered"')
    assert horses not in open_issues and f'<td role="cell" class="text">{said[0]}' in open_issues
    assert (
        '<td role="cell" class="text">where is my refund' in open_issues
    )  # the article turned down closes nothing
    assert "3 searches and conversations in the last 90 days were logged as gaps" in report
    assert "1 of them is answered now" in report
    assert f'<a href="/manual/{article_id}">Gift vouchers for horses</a>' in answered
    assert horses in answered
    assert session.query(Gap).count() == 3  # reading the report wrote nothing

    client.post(f"/manual/{article_id}/status", data={"csrf_token": token, "status": "retired"})
    reopened = client.get("/manual/gaps").text
    assert f'<td role="cell" class="text">{horses}' in reopened and 'id="answered"' not in reopened


def test_write_the_article_scrubs_the_customers_words_and_says_the_conversation_is_cited(
    client: TestClient, session: Session
) -> None:
    """ "Write the article" put the customer's first message in as a phrasing as it was
    written (name, amount, order number), for every agent to read and every future customer
    to be matched against, and the form did not say the conversation would be cited. Now the
    words are scrubbed as mined phrasings are, stay editable, and the form says so."""
    maya = make_user(session, team="Care")
    said = "Hi, Robin here: I was charged €49.99 twice for order 88812345, please refund it"
    conv = make_conversation(
        session, customer_text=said, purpose="Charged twice", assignee_email=maya.email
    )
    token = sign_in(client, make_user(session, role="lead", team="Care"))
    form = client.get("/manual/new", params={"conversation_id": conv.id}).text
    phrasings = re.search(r'<textarea name="phrasings"[^>]*>([^<]*)</textarea>', form)
    assert phrasings and "charged" in phrasings.group(1), form
    assert "49.99" not in form and "88812345" not in form and "Robin" not in phrasings.group(1)
    assert "[amount]" in phrasings.group(1)
    assert "which the article will cite as its source" in form
    assert f'<a href="/conversations/{conv.id}">conversation #{conv.id}</a>' in form
    saved = client.post(  # what the lead edited is what is kept, the conversation cited
        "/manual/new",
        data={
            "csrf_token": token,
            "conversation_id": str(conv.id),
            "title": "Charged twice",
            "issue": "I was charged twice",
            "phrasings": "charged twice for one order",
        },
    )
    article_id = int(str(saved.url).rsplit("/", 1)[1])
    article = session.get(Article, article_id)
    assert article and [p.text for p in article.phrasings] == ["charged twice for one order"]
    assert [s.conversation_id for s in article.sources] == [conv.id]


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        (
            "Hi there, my invoice shows the wrong VAT number",
            "My invoice shows the wrong VAT number",
        ),
        ("Hello team, the app logs me out every hour", "The app logs me out every hour"),
        ("Good morning I cannot download my receipts", "I cannot download my receipts"),
        ("Hi there I can't change my delivery address", "I can't change my delivery address"),
    ],
)
def test_write_the_article_leaves_out_the_customers_greeting(
    client: TestClient, session: Session, said: str, kept: str
) -> None:
    """The form opened with the customer's "Hi there," / "Hello team," / "Good morning" as
    the article's first words: a mined draft drops the agent's greeting, this did not."""
    maya = make_user(session, team="Care")
    conv = make_conversation(session, customer_text=said, purpose="", assignee_email=maya.email)
    sign_in(client, make_user(session, role="lead", team="Care"))
    form = client.get("/manual/new", params={"conversation_id": conv.id}).text
    issue = re.search(r'<textarea name="issue"[^>]*>([^<]*)</textarea>', form)
    assert issue is not None, form
    assert html.unescape(issue.group(1)).strip() == kept


def test_logging_the_same_gap_twice_says_it_was_already_logged(
    client: TestClient, session: Session
) -> None:
    """A second "Log as a gap" for the same conversation or the same words wrote nothing and
    still said "Logged as a gap": now it says it was logged already, and when."""
    publish_manual(session, make_user(session, role="lead"))
    maya = make_user(session, team="Care")
    conv = make_conversation(
        session,
        customer_text="Do you sell gift vouchers for horses?",
        purpose="Gift vouchers for horses",
        assignee_email=maya.email,
    )
    token = sign_in(client, maya)
    asked = "what will the weather be in Lisbon tomorrow"
    for data in ({"conversation_id": str(conv.id)}, {"q": asked}):
        first = client.post("/manual/gaps", data={"csrf_token": token, **data})
        assert "Logged as a gap: a lead will see it" in first.text
        logged = {(g.id, g.query, g.created_at) for g in session.query(Gap)}
        again = client.post("/manual/gaps", data={"csrf_token": token, **data})
        assert "Logged as a gap: a lead will see it" not in again.text
        gap = session.query(Gap).order_by(Gap.id.desc()).first()
        assert gap is not None
        when = gap.created_at.strftime("%Y-%m-%d %H:%M")
        assert f"Already logged as a gap on {when} UTC: nothing new was logged." in again.text
        session.expire_all()
        assert {(g.id, g.query, g.created_at) for g in session.query(Gap)} == logged


def test_the_gap_report_links_to_the_draft_already_written_for_a_gap(
    client: TestClient, session: Session
) -> None:
    """The report still offered "Write the article" for a gap whose draft (or article in
    review) was already written, and a second lead started a second draft of the same issue:
    now it links to the existing one, whether it cites the gap's conversation or was written
    from the gap's words."""
    lead = make_user(session, role="lead", team="Care")
    publish_manual(session, lead)
    maya = make_user(session, team="Care")
    conv = make_conversation(
        session,
        customer_text="Our weekly team report email stopped arriving",
        purpose="Weekly report email stopped",
        assignee_email=maya.email,
    )
    horses = "do you sell gift vouchers for horses"
    token = sign_in(client, maya)
    client.post("/manual/gaps", data={"csrf_token": token, "conversation_id": str(conv.id)})
    client.post("/manual/gaps", data={"csrf_token": token, "q": horses})
    client.cookies.clear()
    token = sign_in(client, lead)
    report = client.get("/manual/gaps").text
    links = re.findall(r'<a href="([^"]+)">Write the article</a>', report)
    assert len(links) == 2 and "exists" not in report, report
    for link in links:  # each written as the link starts it, one sent for review
        form = client.get(link.replace("&amp;", "&")).text
        cited = re.search(r'name="conversation_id" value="(\d+)"', form)
        issue = re.search(r'<textarea name="issue" rows="2" required>([^<]*)<', form)
        assert issue, form
        saved = client.post(
            "/manual/new",
            data={
                "csrf_token": token,
                "title": f"Written from the gap report {'cited' if cited else 'words'}",
                "issue": issue.group(1),
                "resolution": "Check it.",
                "submit": "" if cited else "review",
                **({"conversation_id": cited.group(1)} if cited else {}),
            },
        )
        assert saved.status_code == 200 and "saved as" in saved.text, saved.text
    drafts = {a.status: a.id for a in session.query(Article).filter(Article.title.like("Written%"))}
    assert set(drafts) == {"draft", "in_review"}
    report = client.get("/manual/gaps").text
    assert "Write the article" not in report, report
    assert f'A draft exists: <a href="/manual/{drafts["draft"]}">' in report
    assert f'An article in review exists: <a href="/manual/{drafts["in_review"]}">' in report


@pytest.mark.parametrize(("best", "explained"), [(0.97, True), (0.1, False)])
def test_the_gap_report_explains_a_gap_whose_best_match_read_sure(
    client: TestClient, session: Session, best: float, explained: bool
) -> None:
    """A gap offered an article at 97% read as a contradiction ("why a gap, if it matched?"):
    the report now says what such a figure means and what to do about the article."""
    import numpy as np

    from poise.knowledge import vectors
    from poise.knowledge.text import to_blob

    vectors.claim(session)
    alone = np.zeros(384, np.float32)
    alone[0] = 1.0
    session.add(
        Gap(query="No refund for a returned router", best_score=best, embedding=to_blob(alone))
    )
    session.commit()
    sign_in(client, make_user(session, role="lead"))
    page = client.get("/manual/gaps").text
    assert "No refund for a returned router" in page
    assert ('id="close-matches"' in page) is explained


def test_write_the_article_from_a_gaps_words_drops_the_greeting_and_personal_data(
    client: TestClient, session: Session
) -> None:
    """A gap logged from a search carries the words the agent pasted, greeting, name and
    number included; "Write the article" from the report put them in the form as they were
    (the conversation path scrubbed them, this one did not). Now they are scrubbed alike, and
    the report still knows the draft written from them as the gap's."""
    lead = make_user(session, role="lead")
    publish_manual(session, lead)
    pasted = "Hi team, Robin here: my gift voucher for the stables 88812345 shows as used"
    client.post(
        "/manual/gaps", data={"csrf_token": sign_in(client, make_user(session)), "q": pasted}
    )
    client.cookies.clear()
    token = sign_in(client, lead)
    link = re.search(r'<a href="([^"]+)">Write the article</a>', client.get("/manual/gaps").text)
    assert link
    form = client.get(link.group(1).replace("&amp;", "&")).text
    issue = re.search(r'<textarea name="issue" rows="2" required>([^<]*)<', form)
    assert issue and issue.group(1).startswith("My gift voucher for the stables"), form
    assert "Hi team" not in form and "Robin" not in form and "88812345" not in form
    client.post(
        "/manual/new",
        data={"csrf_token": token, "title": "Voucher shows as used", "issue": issue.group(1)},
    )
    report = client.get("/manual/gaps").text
    assert "Write the article" not in report and "A draft exists" in report, report
