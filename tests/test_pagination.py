"""The shared pager query: the total counts the same query as the rows (its filters, joins
and loader options; not its order), pages are 1-based, and a given total is trusted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from builders import make_user
from poise.auth.models import User
from poise.pagination import paginate


def _agents(session: Session) -> list[str]:
    for n in range(7):
        make_user(session, name=f"Agent {n}", team="Care" if n % 2 else "Sales")
    make_user(session, role="admin", name="Zed Admin")
    session.commit()
    return [f"Agent {n}" for n in range(7)]


def test_pages_walk_the_query_in_its_order_and_count_its_rows(session: Session) -> None:
    names = _agents(session)
    query = (
        select(User)
        .options(selectinload(User.team))
        .where(User.role == "agent")
        .order_by(User.name.desc())
    )
    pages = [paginate(session, query, page=n, page_size=3) for n in (1, 2, 3)]
    assert [p.total for p in pages] == [7, 7, 7] and pages[0].pages == 3
    assert [u.name for p in pages for u in p.items] == sorted(names, reverse=True)
    assert pages[1].items[0].team is not None  # loader options kept


def test_a_page_under_one_is_the_first_and_past_the_end_is_empty(session: Session) -> None:
    _agents(session)
    query = select(User).where(User.role == "agent").order_by(User.name)
    first = paginate(session, query, page=0, page_size=5)
    assert first.page == 1 and first.items[0].name == "Agent 0"
    beyond = paginate(session, query, page=9, page_size=5)
    assert beyond.items == [] and beyond.total == 7 and beyond.pages == 2


def test_an_empty_list_has_one_page_and_a_given_total_is_trusted(session: Session) -> None:
    _agents(session)
    nobody = select(User).where(User.role == "lead").order_by(User.id)
    empty = paginate(session, nobody, page=1, page_size=5)
    assert (empty.items, empty.total, empty.pages) == ([], 0, 1)
    query = select(User).order_by(User.id)
    told = paginate(session, query, page=1, page_size=5, total=123)
    assert told.total == 123 and len(told.items) == 5
