"""Stores a generated demo organisation through the same actions real data uses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from poise.auth.actions import team_by_name
from poise.auth.models import User
from poise.conversations.writer import write_conversations
from poise.db.meta import DEMO_FLAG, set_fact
from poise.demo import generate_demo
from poise.demo.catalogue import DASHBOARD, Issue
from poise.training.models import Lesson

DEMO_SOURCE = "demo"


def load_demo(
    session: Session,
    *,
    seed: int,
    conversations: int,
    now: datetime,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Generate and store the demo in one transaction; mark the database as demo data."""
    org = generate_demo(seed, conversations=conversations, now=now)
    teams = {name: team_by_name(session, name, create=True) for name in org.teams}
    for person in org.users:
        team = teams[person.team] if person.team else None
        session.add(
            User(
                email=person.email,
                name=person.name,
                role=person.role,
                team_id=team.id if team else None,
            )
        )
    session.flush()
    counts = write_conversations(session, DEMO_SOURCE, org.conversations, progress=progress)
    set_fact(session, DEMO_FLAG, "1")
    session.commit()
    return {
        "teams": len(org.teams),
        "users": len(org.users),
        "conversations": counts.conversations_created,
        "messages": counts.messages_created,
        "ratings": counts.ratings_created,
    }


def load_demo_training(session: Session, *, now: datetime) -> dict[str, int]:
    """Give the demo a training programme: the starter course, assigned to every team, and
    practice scenarios drawn from the demo's hardest (already scored) customer messages."""
    from poise.auth.models import Team
    from poise.training import actions as training

    added = training.load_starter_course(session, actor=None)
    lessons = session.scalars(
        select(Lesson).where(Lesson.slug.is_not(None)).order_by(Lesson.id).limit(3)
    ).all()
    teams = session.scalars(select(Team).order_by(Team.id)).all()
    assigned = 0
    for offset, lesson in enumerate(lessons):
        for team in teams:
            made = training.assign_lesson(
                session,
                actor=None,
                lesson_id=lesson.id,
                team_id=team.id,
                due_at=now + timedelta(days=2 + 5 * offset),
            )
            assigned += len(made)
    scenarios = training.draw_scenarios(session, actor=None)
    questions = _demo_drill(session, now=now)
    return {
        "lessons": added,
        "assignments": assigned,
        "scenarios": scenarios,
        "drill_questions": questions,
    }


DRILL_QUESTIONS = (
    ("Why did you move the export button again? I just learnt where it was.", False),
    ("Is this redesign why the app is slower now?", True),
    ("Who asked for this? Nobody I know wanted it.", False),
    ("So my saved filters are just gone? Great.", True),
    ("Do I have to pay extra for the old view back?", False),
)
DRILL_ANSWER = (
    "Fair question, and I'm sorry the move caught you out. Export is now under Share, top "
    "right; I can send you a 20-second clip of where it went. Your filters are all still "
    "there, under Saved."
)


def _demo_drill(session: Session, *, now: datetime) -> int:
    """A launch drill in its answering phase: the team's questions, votes and a model answer."""
    from poise.training.drills import actions as drills

    lead = session.scalars(select(User).where(User.role == "lead").order_by(User.id)).first()
    if lead is None or lead.team_id is None:
        return 0
    team = session.scalars(
        select(User).where(User.team_id == lead.team_id, User.role == "agent").order_by(User.id)
    ).all()
    fields = drills.DrillFields(
        product=DASHBOARD,
        feature="New navigation",
        changes="Export moves under Share; saved filters move to a Saved tab.",
        launch_on=(now + timedelta(days=10)).date(),
        team_id=lead.team_id,
    )
    drill = drills.open_drill(session, actor=lead, fields=fields)
    posted = []
    for index, (text, anonymous) in enumerate(DRILL_QUESTIONS):
        author = team[index % len(team)] if team else lead
        question = drills.post_question(
            session, actor=author, drill_id=drill.id, text=text, anonymous=anonymous
        )
        posted.append(question)
        for voter in team[: len(DRILL_QUESTIONS) - index]:
            drills.set_vote(
                session, actor=voter, drill_id=drill.id, question_id=question.id, voted=True
            )
    drills.move_drill(session, actor=lead, drill_id=drill.id, status="answering")
    answer = drills.post_answer(
        session,
        actor=team[0] if team else lead,
        drill_id=drill.id,
        question_id=posted[0].id,
        text=DRILL_ANSWER,
    )
    drills.endorse_answer(session, actor=lead, drill_id=drill.id, answer_id=answer.id)
    return len(posted)


WALL_CARDS = 4


def load_demo_wall(session: Session) -> int:
    """A few cards on the public wall, so a new user sees what it is for: thank-you comments
    from the demo's green ratings, drafted and published by a lead through the same actions
    a lead uses (redacted on the way; the demo's customers are invented, so consent is given)."""
    from poise.morale import actions as morale
    from poise.morale.praise import green_robots, is_gratitude, is_request

    lead = session.scalars(select(User).where(User.role == "lead").order_by(User.id)).first()
    if lead is None:
        return 0
    comments: list[str] = []
    for rating in session.scalars(green_robots(None)):
        text = rating.comment.strip()
        if is_gratitude(text) and not is_request(text) and text not in comments:
            comments.append(text)
        if len(comments) == WALL_CARDS:
            break
    for text in comments:
        hug = morale.draft_hug(session, actor=lead, text=text, tags="thanks", consent=True)
        morale.publish_hug(session, actor=lead, hug_id=hug.id)
    return len(comments)


DEMO_SCORECARD = (("Understood the issue", 5), ("Owned the next step", 5), ("Tone", 5))
DEMO_STRENGTHS = "Read the whole thread before answering and named the fix in the first reply."
DEMO_TRY_NEXT = "Say when you will write back, not only that you will."


def load_demo_reviews(session: Session) -> int:
    """Peer reviews a new user can open: each team lead sets up a scorecard, then one agent of
    the team has reviewed a teammate's resolved conversation (submitted, so the teammate has
    feedback waiting) and another has one assigned to do. Without them every agent read "No
    scorecard yet" on the reviews page. Returns how many reviews were made."""
    from poise.conversations.models import Conversation
    from poise.morale import actions as morale

    made = 0
    for lead in session.scalars(select(User).where(User.role == "lead").order_by(User.id)):
        agents = session.scalars(
            select(User)
            .where(User.role == "agent", User.team_id == lead.team_id)
            .order_by(User.id)
            .limit(3)
        ).all()
        if lead.team_id is None or len(agents) < 3:
            continue
        card = morale.create_scorecard(
            session, actor=lead, name="Support basics", categories=list(DEMO_SCORECARD)
        )
        for reviewer, reviewee, submitted in (
            (agents[0], agents[1], True),
            (agents[2], agents[0], False),
        ):
            conv = session.scalars(
                select(Conversation)
                .where(Conversation.assignee_id == reviewee.id, Conversation.status == "resolved")
                .order_by(Conversation.id.desc())
            ).first()
            if conv is None:
                continue
            review = morale.start_review(
                session,
                actor=lead,
                conversation_id=conv.id,
                scorecard_id=card.id,
                reviewer=reviewer,
            )
            if submitted:
                scores = {c.id: 4 for c in card.categories}
                morale.submit_review(
                    session, actor=reviewer, review_id=review.id, scores=scores,
                    strengths=DEMO_STRENGTHS, try_next=DEMO_TRY_NEXT,
                )  # fmt: skip
            made += 1
    return made


SOURCES_PER_ARTICLE = 3


def load_demo_manual(session: Session) -> int:
    """The team's own manual (``demo.manual``): an article for each issue it wrote up,
    published by the issue's team lead; the issues left out have their latest conversations
    logged as gaps. Returns how many articles were published."""
    from poise.demo.catalogue import ISSUES
    from poise.demo.manual import PROCEDURES

    leads = {
        user.team.name: user
        for user in session.scalars(select(User).where(User.role == "lead").order_by(User.id))
        if user.team is not None
    }
    written = [i for i in ISSUES if i.key in PROCEDURES and i.team in leads]
    for issue in written:
        _publish_article(session, issue, leads[issue.team], PROCEDURES[issue.key])
    _log_demo_gaps(session, [i.purpose for i in ISSUES if i.key not in PROCEDURES])
    return len(written)


def _publish_article(session: Session, issue: Issue, lead: User, procedure: str) -> None:
    """The issue's article, proposed and published by the lead through the manual's own
    actions, citing a few resolved conversations of the issue, and recorded as the article
    the agent picked in each of them (first contact resolution by article has rows)."""
    from poise.conversations.models import Conversation
    from poise.knowledge import actions as manual

    resolved = session.execute(
        select(Conversation.id, Conversation.assignee_id, Conversation.resolved_at)
        .where(Conversation.purpose == issue.purpose, Conversation.status == "resolved")
        .order_by(Conversation.id)
    ).all()
    fields = manual.ArticleFields(
        title=issue.purpose,
        issue=issue.purpose,
        resolution=procedure,
        product=issue.product,
        feature=issue.feature,
        tags=[issue.feature],
        phrasings=[t for t in (*issue.subjects, *issue.reports) if "{" not in t],
    )
    sources = [row.id for row in resolved[:SOURCES_PER_ARTICLE]]
    article = manual.create_article(
        session, actor=lead, fields=fields, source_conversation_ids=sources
    )
    manual.change_status(session, actor=lead, article_id=article.id, status="published")
    _record_picks(session, article.id, resolved)


GAPS_PER_ISSUE = 3


def _log_demo_gaps(session: Session, purposes: list[str]) -> None:
    """The latest few conversations of each issue nobody wrote up, logged as gaps by their
    agents, as the assist panel's "Log as a gap" does: the gap report has issues to show."""
    from poise.conversations.models import Conversation
    from poise.knowledge.suggest import log_conversation_gap

    for purpose in purposes:
        latest = session.scalars(
            select(Conversation)
            .where(Conversation.purpose == purpose)
            .order_by(Conversation.opened_at.desc())
            .limit(GAPS_PER_ISSUE)
        ).all()
        for conv in latest:
            agent = session.get(User, conv.assignee_id) if conv.assignee_id else None
            log_conversation_gap(session, actor=agent, conversation=conv)


def _record_picks(session: Session, article_id: int, resolved: Sequence[Row[Any]]) -> None:
    """The article as each conversation's agent's pick, at the time it was resolved (one
    insert for all: ``record_use`` commits one pick at a time, for the assist panel)."""
    from poise.conversations.changes import queue_for_rollup
    from poise.knowledge.models import ArticleUse

    session.add_all(
        ArticleUse(
            conversation_id=row.id,
            article_id=article_id,
            how="picked",
            picked_by_id=row.assignee_id,
            created_at=row.resolved_at,
        )
        for row in resolved
    )
    queue_for_rollup(session, [row.id for row in resolved])
    session.commit()
