"""Curation through the web and the API: agents propose and flag; only leads publish and retire."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from kb_manual import MANUAL, fields
from sqlalchemy.orm import Session

from builders import make_conversation, make_user, sign_in
from poise.auth.actions import create_api_token
from poise.knowledge import actions
from poise.knowledge.models import Article, Flag


def propose(client: TestClient, token: str, **extra: str) -> int:
    response = client.post(
        "/manual/new",
        data={
            "csrf_token": token,
            "title": "Parcel stuck in customs",
            "issue": "My parcel has been stuck in customs for a week",
            "phrasings": "customs is holding my order\nwhen will customs release my package",
            "resolution": "1. Ask for the tracking number.\n2. Send the customs form.",
            "product": "Shop",
            "tags": "shipping, Customs",
            **extra,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_agent_proposes_and_lead_publishes_with_history(
    client: TestClient, session: Session
) -> None:
    agent = make_user(session, role="agent", name="Ada Agent")
    lead = make_user(session, role="lead", name="Lee Lead")
    token = sign_in(client, agent)
    article_id = propose(client, token, submit="review")
    page = client.get(f"/manual/{article_id}")
    assert "in review" in page.text and ">Publish<" not in page.text
    assert "customs is holding my order" in page.text

    refused = client.post(
        f"/manual/{article_id}/status", data={"csrf_token": token, "status": "published"}
    )
    assert refused.status_code == 403
    assert session.get(Article, article_id).status == "in_review"  # type: ignore[union-attr]

    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, lead)
    done = client.post(
        f"/manual/{article_id}/status",
        data={"csrf_token": token, "status": "published"},
        follow_redirects=True,
    )
    assert "is now published" in done.text
    assert "Lee Lead</strong> published" in done.text
    assert "Ada Agent</strong> sent it for review" in done.text
    assert "Ada Agent</strong> proposed the article" in done.text
    session.expire_all()
    article = session.get(Article, article_id)
    assert article is not None and article.status == "published"
    assert article.tags == ["shipping", "customs"]


def test_a_lead_sends_an_article_back_to_draft_saying_what_to_change(
    client: TestClient, session: Session
) -> None:
    """The review had no word for the author: "Back to draft" was a bare button, and the
    history read "Lee Lead draft". Its note is kept in the history, after a readable verb."""
    agent = make_user(session, role="agent", name="Ada Agent")
    lead = make_user(session, role="lead", name="Lee Lead")
    token = sign_in(client, agent)
    article_id = propose(client, token, submit="review")
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, lead)
    page = client.get(f"/manual/{article_id}").text
    back = page[page.index('value="draft"') :]
    assert back.index('name="note"') < back.index("Back to draft</button>")
    assert 'name="note"' not in page[page.index('value="published"') :].split("</form>")[0]
    done = client.post(
        f"/manual/{article_id}/status",
        data={"csrf_token": token, "status": "draft", "note": "Link the customs form"},
        follow_redirects=True,
    )
    assert "Lee Lead</strong> moved it back to draft: Link the customs form" in done.text
    assert "Ada Agent</strong> sent it for review" in done.text


def test_resolution_markdown_is_rendered_safely(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[0]))
    sign_in(client, lead)
    page = client.get(f"/manual/{article.id}").text
    assert "<strong>Billing → Refunds</strong>" in page
    assert "<ol>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page


def test_agent_cannot_publish_edit_published_or_retire(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[1]))
    actions.change_status(session, actor=lead, article_id=article.id, status="published")
    token = sign_in(client, agent)
    for status in ("retired", "draft"):
        response = client.post(
            f"/manual/{article.id}/status", data={"csrf_token": token, "status": status}
        )
        assert response.status_code == 403
    edit = client.post(
        f"/manual/{article.id}/edit",
        data={"csrf_token": token, "title": "Hijacked", "issue": "x"},
    )
    assert edit.status_code == 403
    no_csrf = client.post(f"/manual/{article.id}/status", data={"status": "retired"})
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    session.expire_all()
    assert session.get(Article, article.id).title == "Password reset email missing"  # type: ignore[union-attr]


def test_api_publish_needs_a_lead(client: TestClient, session: Session) -> None:
    agent = make_user(session, role="agent")
    lead = make_user(session, role="lead")
    agent_auth = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=agent)}"}
    lead_auth = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=lead)}"}
    created = client.post(
        "/api/v1/kb/articles",
        json={
            "title": "Wifi drops",
            "issue": "The wifi keeps dropping",
            "phrasings": ["no signal"],
        },
        headers=agent_auth,
    )
    assert created.status_code == 201, created.text
    article_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    refused = client.post(
        f"/api/v1/kb/articles/{article_id}/status", json={"status": "published"}, headers=agent_auth
    )
    assert refused.status_code == 403
    review = client.post(
        f"/api/v1/kb/articles/{article_id}/status", json={"status": "in_review"}, headers=agent_auth
    )
    assert review.json()["status"] == "in_review"
    ok = client.post(
        f"/api/v1/kb/articles/{article_id}/status", json={"status": "published"}, headers=lead_auth
    )
    assert ok.status_code == 200 and ok.json()["status"] == "published"
    bad = client.post(
        f"/api/v1/kb/articles/{article_id}/status", json={"status": "in_review"}, headers=lead_auth
    )
    assert bad.status_code == 400 and "cannot become" in bad.json()["detail"]
    assert client.get("/api/v1/kb/articles/999", headers=lead_auth).status_code == 404
    assert client.get("/api/v1/kb/articles", headers=agent_auth).json()["total"] == 1
    published = client.get("/api/v1/kb/articles?status=published", headers=agent_auth)
    assert published.json()["total"] == 1
    typo = client.get("/api/v1/kb/articles?status=publised", headers=agent_auth)
    assert typo.status_code == 400, "a typo must not answer with every article"
    assert typo.json()["detail"].startswith("status must be one of draft")


def test_agent_flags_from_a_conversation_and_lead_resolves(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[2]))
    actions.change_status(session, actor=lead, article_id=article.id, status="published")
    conv = make_conversation(session)
    token = sign_in(client, agent)
    response = client.post(
        f"/manual/{article.id}/flag",
        data={
            "csrf_token": token,
            "kind": "stale",
            "note": "3-D Secure is gone",
            "conversation_id": str(conv.id),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/conversations/{conv.id}"
    flag = session.query(Flag).one()
    assert (flag.kind, flag.conversation_id, flag.reporter_id) == ("stale", conv.id, agent.id)
    assert client.get("/manual?flagged=true").text.count("flag flag-warning") == 1
    assert (
        client.post(f"/manual/flags/{flag.id}/resolve", data={"csrf_token": token}).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, lead)
    client.post(f"/manual/flags/{flag.id}/resolve", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Article, article.id).open_flags == 0  # type: ignore[union-attr]


def test_list_empty_state_filters_and_pagination(client: TestClient, session: Session) -> None:
    lead = make_user(session, role="lead")
    sign_in(client, lead)
    assert "The manual is empty" in client.get("/manual").text
    for n in range(23):
        actions.create_article(
            session,
            actor=lead,
            fields=actions.ArticleFields(title=f"Issue {n}", issue=f"Problem number {n}"),
        )
    actions.create_article(
        session, actor=lead, fields=actions.ArticleFields(title="Same words", issue="Same words ")
    )
    first = client.get("/manual").text
    assert "24 in all · page 1 of 2" in first
    assert "Problem number 22" in first, "the issue under its title"
    assert first.count("Same words") == 1, "an issue that only repeats the title is not shown twice"
    assert "Issue 2</a>" in client.get("/manual?page=2").text
    assert "No article matches" in client.get("/manual?status=retired").text
    refused = client.get("/manual?status=bogus&product=Poise+Web")  # a bare 400 page was all
    assert refused.status_code == 400 and "Issue &amp; resolution manual" in refused.text
    assert re.search(r'id="status-error">status must be one of draft[^<]*bogus', refused.text)
    assert (
        "Correct the filter marked above" in refused.text and "Problem number" not in refused.text
    )
    # each status count opens its articles (the review queue one click away), none for 0
    assert '<a href="/manual?status=draft">draft 24</a>' in first
    assert "in review 0 ·" in first and 'href="/manual?status=in_review"' not in first
    missing = client.post(
        "/manual/new", data={"csrf_token": sign_in(client, lead), "title": "", "issue": "x"}
    )
    assert missing.status_code == 400 and "needs a title" in missing.text


def test_leads_choose_the_owner_agents_own_their_proposals(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    agent = make_user(session, role="agent", name="Olga Owner")
    token = sign_in(client, lead)
    assert "Olga Owner" in client.get("/manual/new").text
    article_id = propose(client, token, owner_id=str(agent.id))
    assert session.get(Article, article_id).owner_id == agent.id  # type: ignore[union-attr]
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, agent)
    assert 'name="owner_id"' not in client.get("/manual/new").text
    own = propose(client, token, owner_id=str(lead.id))
    assert session.get(Article, own).owner_id == agent.id  # type: ignore[union-attr]


def test_empty_reports_say_so(client: TestClient, session: Session) -> None:
    sign_in(client, make_user(session, role="lead"))
    assert "No gaps logged" in client.get("/manual/gaps").text
    assert "No open proposals" in client.get("/manual/proposals").text
    fcr = client.get("/manual/fcr").text
    assert "No resolved conversations here yet" in fcr and "of 0 resolved" in fcr
    from poise.jobs.models import JobRun

    session.add(JobRun(kind="kb-mine", subject="kb:mine", status="running", done=3, total=10))
    session.commit()
    running = client.get("/manual/proposals").text  # a run under way is not "nothing here"
    assert "Mining is under way" in running and "No open proposals" not in running


def test_flag_link_from_a_suggestion_carries_the_conversation(
    client: TestClient, session: Session
) -> None:
    lead = make_user(session, role="lead")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[0]))
    actions.change_status(session, actor=lead, article_id=article.id, status="published")
    conv = make_conversation(session, customer_text="Where is my refund?")
    sign_in(client, make_user(session, role="agent"))
    box = client.get(f"/manual/suggestions/{conv.id}").text
    link = f"/manual/{article.id}?conversation_id={conv.id}"
    assert link in box
    page = client.get(link).text
    assert f'name="conversation_id" value="{conv.id}"' in page


def test_the_article_form_refuses_what_it_cannot_keep_beside_the_field(
    client: TestClient, session: Session
) -> None:
    """Tags past twenty were dropped without a word, and a product or feature longer than its
    column was stored on SQLite (PostgreSQL refused it with an error page)."""
    token = sign_in(client, make_user(session, role="agent"))
    base = {
        "csrf_token": token,
        "title": "Parcel stuck in customs",
        "issue": "My parcel has been stuck in customs for a week",
        "resolution": "Send the customs form.",
    }
    many = ", ".join(f"tag{n}" for n in range(25))
    refused = client.post("/manual/new", data={**base, "tags": many})
    assert refused.status_code == 400
    assert '<span class="field-error" role="alert" id="tags-error">25 tags; at most 20' in (
        refused.text
    )
    assert f'value="{many}"' in refused.text  # what was typed is kept
    for name in ("product", "feature"):
        long = "x" * 121
        refused = client.post("/manual/new", data={**base, name: long})
        assert refused.status_code == 400, name
        assert f'id="{name}-error">the {name} is 121 characters; at most 120' in refused.text
        assert f'value="{long}"' in refused.text
    refused = client.post("/manual/new", data={**base, "issue": "y" * 4001})
    assert 'id="issue-error">the issue is 4,001 characters; at most 4,000' in refused.text
    assert session.query(Article).count() == 0


def test_an_article_cites_only_conversations_its_author_may_open(
    client: TestClient, session: Session
) -> None:
    """Opened from another team's conversation, the form kept its id in a hidden field, and
    saving it cited that conversation; the API cited any id it was given."""
    maya = make_user(session, team="Care")
    conv = make_conversation(session, assignee_email=maya.email)
    outsider = make_user(session, team="Billing")
    token = sign_in(client, outsider)
    form = client.get("/manual/new", params={"conversation_id": conv.id}).text
    assert 'name="conversation_id"' not in form
    data = {"csrf_token": token, "title": "Parcel stuck", "issue": "My parcel is stuck"}
    refused = client.post("/manual/new", data={**data, "conversation_id": str(conv.id)})
    assert refused.status_code == 404  # another team's: as if it did not exist
    assert f"no conversation with id {conv.id}" in refused.text
    headers = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=outsider)}"}
    body = {"title": "Parcel stuck", "issue": "My parcel is stuck"}
    api = client.post(
        "/api/v1/kb/articles",
        json={**body, "source_conversation_ids": [conv.id]},
        headers=headers,
    )
    assert api.status_code == 404
    assert session.query(Article).count() == 0
    own = {"Authorization": f"Bearer {create_api_token(session, actor=None, user=maya)}"}
    cited = client.post(
        "/api/v1/kb/articles", json={**body, "source_conversation_ids": [conv.id]}, headers=own
    )
    assert cited.status_code in (200, 201), cited.text  # the conversation's own team cites it


def test_a_flag_names_only_a_conversation_its_reporter_may_open(
    client: TestClient, session: Session
) -> None:
    """The article page linked "From conversation N" to another team's conversation, which
    the reader may not open."""
    lead = make_user(session, role="lead")
    article = actions.create_article(session, actor=lead, fields=fields(MANUAL[2]))
    actions.change_status(session, actor=lead, article_id=article.id, status="published")
    maya = make_user(session, team="Care")
    conv = make_conversation(session, assignee_email=maya.email)
    token = sign_in(client, make_user(session, team="Billing"))
    page = client.get(f"/manual/{article.id}", params={"conversation_id": conv.id}).text
    assert f"conversation {conv.id}" not in page and 'name="conversation_id"' not in page
    refused = client.post(
        f"/manual/{article.id}/flag",
        data={"csrf_token": token, "kind": "wrong", "conversation_id": str(conv.id)},
    )
    assert refused.status_code == 404  # another team's: as if it did not exist
    assert session.query(Flag).count() == 0


def test_an_article_proposed_twice_at_once_is_one_draft(
    client: TestClient, session: Session
) -> None:
    """ "Send for review" clicked twice proposed the article twice (the second answered 400
    once the first had moved it to review); the repeat now opens the one proposed."""
    token = sign_in(client, make_user(session, role="agent"))
    first = propose(client, token, submit="review")
    assert propose(client, token, submit="review") == first
    assert propose(client, token) == first
    assert session.query(Article).count() == 1
    assert propose(client, token, resolution="Another way.") != first
