"""The shared pager query: the total counts the same query as the rows (its filters, joins
and loader options; not its order), pages are 1-based, and a given total is trusted."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from builders import make_conversation, make_user, sign_in
from poise.auth.models import User
from poise.morale.actions import add_happy_note
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


def test_a_page_past_the_end_says_where_the_list_ends_not_that_it_is_empty(
    client: TestClient, session: Session
) -> None:
    """An old link to page 9 of a list that now has one page: the page says so and links to
    the last page; "No conversations yet" (or "waiting for its first smile") would be wrong,
    and "← Newer" to page 8 would be empty again."""
    agent = make_user(session, role="agent", team="Care")
    for _ in range(3):
        make_conversation(session, assignee_email=agent.email)
    add_happy_note(session, actor=agent, text="Lovely call with Robin today.")
    sign_in(client, agent)
    for url, empty in (
        ("/conversations?page=9", "No conversations yet"),
        ("/morale/happy-file?page=9", "waiting for its first smile"),
    ):
        page = client.get(url).text
        assert "Nothing on page 9: the list ends at page 1." in page, url
        assert empty not in page, url
        assert 'rel="prev" href="?page=1"' in page or '&amp;page=1"' in page, url
        assert "page=8" not in page, url
