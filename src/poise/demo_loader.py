"""Stores a generated demo organisation through the same actions real data uses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from poise.auth.actions import team_by_name
from poise.auth.models import User
from poise.conversations.writer import write_conversations
from poise.db.meta import DEMO_FLAG, set_fact
from poise.demo import generate_demo
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
    return {"lessons": added, "assignments": assigned, "scenarios": scenarios}
