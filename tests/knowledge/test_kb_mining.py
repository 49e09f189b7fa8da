"""Mining: resolved conversations grouped by issue become proposals; a lead reviews and
publishes one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from kb_manual import publish_manual
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import (
    conversation_record,
    finished_job,
    good_rating,
    make_conversation,
    make_user,
    sign_in,
)
from poise.cli import app as cli
from poise.conversations.records import CustomerRecord, MessageRecord, RatingRecord
from poise.conversations.writer import write_conversations
from poise.db import make_sessionmaker
from poise.db.meta import set_fact
from poise.jobs import JobProgress, run_here
from poise.jobs.models import JobRun
from poise.knowledge import actions
from poise.knowledge.mining import issue_of, mine, resolution_of
from poise.knowledge.models import Article, ConversationVector, Proposal
from poise.knowledge.vectors import ENCODER_FACT
from poise.settings import Settings

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
GROUPS = {
    "parcel": (
        [
            "My parcel has been stuck in customs for a week",
            "Customs is holding my package, what do I do?",
            "my order is stuck at customs clearance",
            "The delivery is blocked in customs since Monday",
        ],
        "Send us the customs form CN23 and we will release the parcel within 2 days.",
    ),
    "language": (
        [
            "How do I change the app language to French?",
            "The app is in German, how can I switch the language?",
            "How can I change the language of the app?",
            "How do I switch the language of the app to Spanish?",
        ],
        "Go to Settings → General → Language and pick yours; restart the app.",
    ),
    "refund": (
        [
            "I still haven't received my refund",
            "where is my refund? it's been two weeks",
            "my refund has not arrived yet",
        ],
        "I've re-issued the refund; it takes 3-5 days to show on your statement.",
    ),
}


def seed(session: Session) -> None:
    n = 0
    for key, (questions, fix) in GROUPS.items():
        for i, question in enumerate(questions):
            n += 1
            start = T0 + timedelta(days=n)
            rating = (
                good_rating(start + timedelta(hours=1))
                if i != 1
                else RatingRecord("three", 1, start + timedelta(hours=1), "meh")
            )
            record = conversation_record(
                external_id=f"{key}-{i}",
                start=start,
                customer=CustomerRecord(f"{key}-cust-{i}", "Cus"),
                rating=rating,
                messages=[
                    MessageRecord("m1", "customer", f"@Shop {question} https://t.co/x", start),
                    MessageRecord("m2", "agent", "Hi! Sorry to hear that.", start),
                    MessageRecord("m3", "agent", fix if i != 1 else "Please wait.", start),
                    MessageRecord("m4", "agent", "You're welcome, have a great day!", start),
                ],
            )
            write_conversations(session, "mine", [record])
    session.commit()


def test_issue_and_resolution_are_taken_from_the_right_turns() -> None:
    assert issue_of(["@Shop hi", "my card was declined https://t.co/abc"]) == (
        "hi my card was declined"
    )
    turns = ["Hi there, sorry!", "Please go to Settings and reset the router, then try again.",
             "You're welcome!"]  # fmt: skip
    assert resolution_of(turns).startswith("Please go to Settings")


def test_the_issue_leaves_out_redaction_placeholders() -> None:
    """Templated requests carry "{{Order Number}}"-style placeholders in many issues alike;
    grouped with them, requests of different issues look alike."""
    assert issue_of(["Where is my order {{Order Number}}? I am [Customer Name]."]) == (
        "Where is my order? I am."
    )
    assert issue_of(["{{Person Name}}", "my card was declined"]) == "my card was declined"


def test_mine_proposes_groups_and_a_lead_reviews_then_publishes_one(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    lead = make_user(session, role="lead")
    seed(session)
    result = CliRunner().invoke(cli, ["kb", "mine"])
    assert result.exit_code == 0, result.output
    assert "3 groups" in result.output or "groups" in result.output
    proposals = session.query(Proposal).order_by(Proposal.group_size.desc()).all()
    sizes = sorted(p.group_size for p in proposals)
    assert sizes == [3, 4, 4], [(p.issue, p.group_size) for p in proposals]
    parcel = next(p for p in proposals if "customs" in p.issue.lower())
    assert parcel.resolution.startswith("Send us the customs form")  # the well-rated fix
    assert "@Shop" not in parcel.issue and "https://" not in parcel.issue
    assert len(parcel.phrasings) == 3 and parcel.fcr == 1.0
    assert session.query(ConversationVector).count() == 11

    again = CliRunner().invoke(cli, ["kb", "mine"])  # resumes: nothing new to embed
    assert "(0 newly embedded)" in again.output

    token = sign_in(client, lead)
    page = client.get("/manual/proposals").text
    assert "Send us the customs form" in page and "4 conversations" in page
    parcel = session.query(Proposal).filter(Proposal.issue.ilike("%customs%")).one()
    assert "Accept and publish" not in page
    response = client.post(
        f"/manual/proposals/{parcel.id}/accept",
        data={"csrf_token": token, "publish": "1"},  # the old one-click publish is ignored
        follow_redirects=True,
    )
    assert "is a draft: check and edit the steps" in response.text
    article = session.query(Article).one()
    assert article.status == "draft" and len(article.sources) == 4
    refused = client.post(
        f"/manual/{article.id}/status", data={"csrf_token": token, "status": "published"}
    )
    assert refused.status_code == 400 and "reviewed before it is published" in refused.text
    for status in ("in_review", "published"):
        client.post(f"/manual/{article.id}/status", data={"csrf_token": token, "status": status})
    session.expire_all()
    assert session.get(Article, article.id).status == "published"  # type: ignore[union-attr]
    hits = client.get("/manual/search", params={"q": "customs won't release my parcel"}).text
    assert article.title in hits


def test_a_group_matching_an_article_is_offered_as_an_addition(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    lead = make_user(session, role="lead")
    articles = publish_manual(session, lead)
    seed(session)
    assert CliRunner().invoke(cli, ["kb", "mine"]).exit_code == 0
    refund = session.query(Proposal).filter(Proposal.issue.ilike("%refund%")).one()
    assert refund.matched_article_id == articles["Refund not received"].id
    token = sign_in(client, lead)
    page = client.get("/manual/proposals").text
    assert "Add to “Refund not received" in page
    assert "“where is my refund? it&#39;s been two weeks”) and its" in page  # said beforehand
    assert f"({refund.match_score:.2f})" not in page  # one scale: no raw cosine beside the match
    client.post(f"/manual/proposals/{refund.id}/accept", data={"csrf_token": token})
    session.expire_all()
    article = session.get(Article, articles["Refund not received"].id)
    assert article is not None
    assert "where is my refund? it's been two weeks" in [p.text for p in article.phrasings]
    assert session.query(Article).count() == 4  # no duplicate


def test_an_addition_whose_words_the_article_knows_says_it_adds_its_conversations(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    """The button read "Add these phrasings to …" over a proposal with none to add (the
    demo's first twenty proposals): the lead could not tell what accepting would change."""
    lead = make_user(session, role="lead")
    articles = publish_manual(session, lead)
    seed(session)
    assert CliRunner().invoke(cli, ["kb", "mine"]).exit_code == 0
    refund = session.query(Proposal).filter(Proposal.issue.ilike("%refund%")).one()
    target = articles["Refund not received"]
    texts = [refund.issue, *refund.phrasings]
    actions.add_phrasings(session, actor=lead, article_id=target.id, texts=texts)
    sign_in(client, lead)
    page = client.get("/manual/proposals").text
    assert "Add these phrasings" not in page
    said = f"Its words are in the article already: adds its {refund.group_size} conversations"
    assert said in page and "Add to “Refund not received" in page


def test_agents_cannot_mine_or_see_proposals(client: TestClient, session: Session) -> None:
    token = sign_in(client, make_user(session, role="agent"))
    assert client.get("/manual/proposals").status_code == 403
    assert client.post("/manual/proposals/mine", data={"csrf_token": token}).status_code == 403


def test_lead_mines_from_the_web_in_the_background(client: TestClient, session: Session) -> None:
    token = sign_in(client, make_user(session, role="lead"))
    seed(session)
    response = client.post("/manual/proposals/mine", data={"csrf_token": token})
    assert response.status_code == 200 and "Mining started" in response.text
    job = finished_job(session, "kb:mine")
    assert job is not None and job.status == "done", job and job.detail
    assert "3 proposals" in job.detail and job.done == job.total == 100
    assert "Last run: done" in client.get("/manual/proposals").text


def test_mine_now_queues_no_second_run_while_one_is_under_way(
    client: TestClient, session: Session
) -> None:
    """A second click on "Mine now" queued a second run, which replaced the first run's
    proposals (and any merge or split a lead had done on them) when it finished."""
    token = sign_in(client, make_user(session, role="lead"))
    session.add(JobRun(kind="kb-mine", subject="kb:mine", status="running", total=10))
    session.commit()
    page = client.get("/manual/proposals").text
    assert 'disabled title="Mining is under way">Mine now' in page
    response = client.post("/manual/proposals/mine", data={"csrf_token": token})
    assert response.status_code == 200 and "Mining is already under way" in response.text
    assert session.scalar(select(func.count()).select_from(JobRun)) == 1


def test_an_addition_says_what_it_added(
    client: TestClient, session: Session, cli_env: Settings
) -> None:
    """A group whose words the article already knew read "added 0 phrasings" in the history,
    though it brought its conversations as sources."""
    lead = make_user(session, role="lead")
    articles = publish_manual(session, lead)
    seed(session)
    assert CliRunner().invoke(cli, ["kb", "mine"]).exit_code == 0
    refund = session.query(Proposal).filter(Proposal.issue.ilike("%refund%")).one()
    target = articles["Refund not received"]
    before = len(target.sources)
    token = sign_in(client, lead)
    done = client.post(
        f"/manual/proposals/{refund.id}/accept", data={"csrf_token": token}, follow_redirects=True
    ).text
    session.expire_all()
    article = session.get(Article, target.id)
    assert article is not None
    cited = len(article.sources) - before
    assert cited > 0
    assert f" source conversation{'s' if cited != 1 else ''}." in done
    assert "Added to “Refund not received" in done and "added 0" not in done
    again = actions.add_phrasings(
        session,
        actor=lead,
        article_id=target.id,
        texts=[article.issue],
        conversation_ids=[s.conversation_id for s in article.sources][:1],
    )
    assert max(again.revisions, key=lambda r: r.id).summary == "added nothing new"
    conv = make_conversation(session, external_id="later-refund")
    more = actions.add_phrasings(
        session, actor=lead, article_id=target.id, texts=[article.issue], conversation_ids=[conv.id]
    )
    assert max(more.revisions, key=lambda r: r.id).summary == "added 1 source conversation"
    assert "added 1 source conversation" in client.get(f"/manual/{target.id}").text


def watched_mining(engine: Engine) -> tuple[str, str, list[tuple[int, int, str]]]:
    """Mine as the web's job does, and read the job's row after each progress report as the
    page does meanwhile: (status, detail, each (done, total, detail) the row held)."""
    seen: list[tuple[int, int, str]] = []

    def work(work_session: Session, progress: JobProgress) -> str:
        def watched(done: int, total: int, step: str = "") -> None:
            progress(done, total, step)
            with Session(engine) as other:  # what the page reads meanwhile
                job = other.scalars(select(JobRun).where(JobRun.subject == "kb:mine")).one()
                seen.append((job.done, job.total, job.detail))

        return str(mine(work_session, actor=None, window_days=7, progress=watched))

    status, detail = run_here(make_sessionmaker(engine), "kb-mine", work, subject="kb:mine")
    return status, detail, seen


def test_mining_names_the_step_it_is_in_once_embedding_is_done(
    session: Session, engine: Engine
) -> None:
    """A walk saw "running (2,888 of 2,888 conversations embedded, 100%)" for minutes while
    the conversations were grouped: the job now says which step it is in."""
    seed(session)
    status, detail, seen = watched_mining(engine)
    assert status == "done", detail
    steps = {step for _, _, step in seen}
    assert {"embedding issues: 11 of 11 conversations", "grouping", "drafting proposals"} <= steps
    assert "proposals" in detail  # the summary replaces the step at the end


def test_the_bar_moves_while_grouping_and_never_goes_back(session: Session, engine: Engine) -> None:
    """Grouping a big database takes minutes, and the bar stood at 100 % of the conversations
    embedded all that while: a frozen bar. Now grouping moves it pass by pass, between
    embedding's share and drafting's, and no step's start sets it back."""
    seed(session)
    status, detail, seen = watched_mining(engine)
    assert status == "done", detail
    grouping = [done for done, _, step in seen if step == "grouping"]
    assert len(set(grouping)) >= 5, seen  # 11 requests: 2 passes for each of 4 tries, 1 last
    dones = [done for done, _, _ in seen]
    assert dones == sorted(dones), seen
    assert {total for _, total, _ in seen} == {100} and dones[-1] == 100
    embedding = [done for done, _, step in seen if step.startswith("embedding")]
    drafting = [done for done, _, step in seen if step == "drafting proposals"]
    assert max(embedding) <= min(grouping) and max(grouping) <= min(drafting)


def test_the_proposals_are_the_same_whoever_watches_the_progress(
    session: Session, engine: Engine
) -> None:
    """Reporting progress changes nothing of what mining finds."""
    seed(session)

    def proposals() -> list[tuple[str, list[str], str, list[tuple[int, int]]]]:
        session.expire_all()
        found = session.scalars(select(Proposal).order_by(Proposal.id)).all()
        return [
            (
                p.issue,
                p.phrasings,
                p.resolution,
                sorted((m.rank, m.conversation_id) for m in p.members),
            )
            for p in found
        ]

    mine(session, actor=None, window_days=7)
    unwatched = proposals()
    status, detail, _ = watched_mining(engine)
    assert status == "done", detail
    assert proposals() == unwatched and len(unwatched) == 3


def test_the_proposals_page_shows_the_step_of_a_running_mining(
    client: TestClient, session: Session
) -> None:
    session.add(
        JobRun(
            kind="kb-mine",
            subject="kb:mine",
            status="running",
            done=62,
            total=100,
            detail="grouping",
        )
    )
    session.commit()
    sign_in(client, make_user(session, role="lead"))
    page = client.get("/manual/proposals").text
    assert "running (62% · grouping …)" in page


def test_mining_with_nothing_to_mine_fills_the_bar(engine: Engine) -> None:
    """No resolved conversation: every step has nothing to do, and the run ends at 100 %."""
    status, detail, seen = watched_mining(engine)
    assert status == "done", detail
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen)
    assert seen[-1][:2] == (100, 100) and "0 proposals" in detail


def test_re_embedding_the_manual_first_keeps_the_bar_going_forward(
    session: Session, engine: Engine
) -> None:
    """After an upgrade mining first re-embeds the manual's vectors (its own share of the
    bar), then embeds, groups and drafts; the bar never goes back between them."""
    seed(session)
    mine(session, actor=None, window_days=7)
    set_fact(session, ENCODER_FACT, "an older encoder")
    session.commit()
    status, detail, seen = watched_mining(engine)
    assert status == "done", detail
    reembedding = [done for done, _, step in seen if step == "re-embedding the manual"]
    assert reembedding[0] == 0 and max(reembedding) == 10
    dones = [done for done, _, _ in seen]
    assert dones == sorted(dones) and dones[-1] == 100, seen
