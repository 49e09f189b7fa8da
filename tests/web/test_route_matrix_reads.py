"""Every GET route, its path parameters filled, for every role; and no GET writes anything.

The world (route_matrix.py) is built once per backend for this module; reads change nothing,
so its tests share it. Writes have their own module and world (test_route_matrix_writes.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from route_matrix import (
    BACKENDS,
    ROLES,
    ROUTES,
    RULES,
    Matrix,
    changed,
    fill,
    fingerprint,
    is_refused,
    open_matrix,
    route_keys,
)


@pytest.fixture(scope="module", params=BACKENDS)
def matrix(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Matrix]:
    with open_matrix(request, tmp_path_factory.mktemp("reads")) as built:
        yield built


@dataclass(frozen=True)
class Answer:
    role: str
    url: str
    allowed: bool
    status: int
    location: str


@dataclass
class Walk:
    answers: list[Answer]
    wrote: dict[str, list[str]]  # url -> tables its reads changed


@pytest.fixture(scope="module")
def walk(matrix: Matrix) -> Walk:
    """Every GET route read by every role once; what each route's reads changed, if anything.

    One walk serves both tests below, so whichever runs first, neither reads a world that the
    other's reads have already changed (a read that writes would hide from the second walk).
    The database is compared once per route (after its reads by every role), to keep the walk quick.
    """
    found = Walk([], {})
    before = fingerprint(matrix.session)
    for method, path in route_keys(matrix.client.app):  # type: ignore[arg-type]
        if method != "GET":
            continue
        key = f"GET {path}"
        url = fill(path, key, matrix.world)
        for role in ROLES:
            response = matrix.readers[role].request("GET", url)
            location = response.headers.get("location", "")
            allowed = role in RULES[ROUTES[key]]
            found.answers.append(Answer(role, url, allowed, response.status_code, location))
        after = fingerprint(matrix.session)
        if after != before:
            found.wrote[url] = changed(before, after)
        before = after
    return found


def test_every_route_of_the_app_has_a_rule(matrix: Matrix) -> None:
    """A new route fails here until someone decides who may use it; a stale rule fails too."""
    table = {f"{method} {path}" for method, path in route_keys(matrix.client.app)}  # type: ignore[arg-type]
    assert sorted(table - ROUTES.keys()) == [], "routes without a rule in route_matrix.ROUTES"
    assert sorted(ROUTES.keys() - table) == [], "rules for routes that no longer exist"
    assert all(rule in RULES for rule in ROUTES.values())


def test_every_read_answers_each_role_as_the_rules_say(matrix: Matrix, walk: Walk) -> None:
    """No 5xx; whom the rules allow is served (2xx, or a redirect that is not to sign in);
    whom they do not is refused (401, 403, 404, or an anonymous reader sent to sign in)."""
    assert len(walk.answers) > 90 * len(ROLES)  # the routing table was walked, not a few
    wrong = []
    for answer in walk.answers:
        reader = matrix.readers[answer.role]
        refused = is_refused(reader, answer.status, answer.location)
        said = f"{answer.role} GET {answer.url} -> {answer.status} {answer.location}"
        if answer.status >= 500 or answer.status in (400, 422):
            wrong.append(said)
        elif answer.allowed and (refused or answer.status >= 400):
            wrong.append(f"{said} (should be served)")
        elif not answer.allowed and not refused:
            wrong.append(f"{said} (should be refused)")
    assert not wrong, "\n".join(wrong)


# A page of one conversation: /conversations/{id}, /assist/{id}, the manual's and the API's
# suggestions for it.
ONE_CONVERSATION = re.compile(r"/(?:conversations|assist|suggestions)/\d+$")


def test_a_conversation_refused_to_a_signed_in_reader_is_answered_as_missing(walk: Walk) -> None:
    """A 403 for another team's conversation beside a 404 for a missing one told an outsider
    which ids exist: each page of one conversation refuses them with 404 (a role's refusal,
    e.g. an agent on a lead's page, stays 403)."""
    refused = [
        a
        for a in walk.answers
        if ONE_CONVERSATION.search(a.url) and not a.allowed and a.role != "anonymous"
    ]
    assert {a.role for a in refused} == {"outsider", "other_lead"}
    assert len({a.url for a in refused}) >= 4
    wrong = [f"{a.role} GET {a.url} -> {a.status}" for a in refused if a.status != 404]
    assert not wrong, "\n".join(wrong)


def test_no_read_writes_anything(walk: Walk) -> None:
    """Every GET, by every role, leaves every row of every table as it was (issue #13)."""
    wrote = [f"GET {url} changed {tables}" for url, tables in walk.wrote.items()]
    assert not wrote, "\n".join(wrote)
