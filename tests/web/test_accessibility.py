"""Accessibility basics (WCAG 2.1 AA) of the shell, conversations, connectors and alerts pages
(and of the training, morale, manual, insights and account pages),
read from the HTML the app renders: a language and a title, a skip link to the main content,
the area being shown marked for screen readers, a name for every form control, a text
alternative for every chart and image, headers on every table, refused fields tied to their
messages, and status messages (flashes, a job's progress) in live regions.

What needs a browser (focus moving, the assist panel updating) is in
tests/browser/test_accessibility_browser.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import make_user, post_import, sign_in, write_thread
from poise.connectors.alerts.actions import RuleForm, create_rule
from poise.connectors.alerts.targets import TargetGuard
from poise.conversations.models import Conversation, ImportRun
from poise.conversations.scoring import score_messages
from poise.jobs import JobChunk, JobRun

PAGE = {"Accept": "text/html"}  # what a browser asks for: an unknown address answers a page
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def ancestors(self) -> list[Node]:
        found, up = [], self.parent
        while up is not None:
            found.append(up)
            up = up.parent
        return found

    def walk(self) -> list[Node]:
        found = [self]
        for child in self.children:
            found.extend(child.walk())
        return found

    def all_text(self) -> str:
        return " ".join([*self.text, *(child.all_text() for child in self.children)]).strip()


class Tree(HTMLParser):
    """The page as a tree of elements (the standard library's parser; tolerant of HTML's
    optional end tags for the elements our templates close themselves)."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.at = self.root
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.at)
        self.at.children.append(node)
        if tag not in VOID:
            self.at = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.at.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.at))

    def handle_endtag(self, tag: str) -> None:
        up: Node | None = self.at
        while up is not None and up.tag != tag:
            up = up.parent
        if up is not None and up.parent is not None:
            self.at = up.parent

    def handle_data(self, data: str) -> None:
        self.at.text.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.root.walk()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]


def nameless_controls(tree: Tree) -> list[str]:
    """Form controls a screen reader would announce with no name."""
    label_for = {n.attrs.get("for") for n in tree.find("label")}
    ids = {n.attrs["id"] for n in tree.root.walk() if "id" in n.attrs}
    missing = []
    for n in tree.root.walk():
        if n.tag not in ("input", "select", "textarea"):
            continue
        if n.attrs.get("type") in ("hidden", "submit", "button", "reset", "image"):
            continue
        named = (
            any(a.tag == "label" for a in n.ancestors())
            or n.attrs.get("id") in label_for
            or n.attrs.get("aria-label", "").strip()
            or any(ref in ids for ref in n.attrs.get("aria-labelledby", "").split())
            or n.attrs.get("title", "").strip()
        )
        if not named:
            missing.append(f"{n.tag} name={n.attrs.get('name')!r}")
    return missing


def page_problems(html: str) -> list[str]:
    tree = Tree(html)
    problems = []
    (doc,) = tree.find("html")
    if not doc.attrs.get("lang"):
        problems.append("no lang on <html>")
    title = " ".join(n.all_text() for n in tree.find("title"))
    if not title.strip() or title.strip().startswith("·") or re.fullmatch(r"\d+ · Poise", title):
        problems.append(f"no real page title: {title!r}")
    body = tree.find("body")[0]
    links = [n for n in body.walk() if n.tag == "a" and n.attrs.get("href")]
    if not links or links[0].attrs["href"] != "#main" or not tree.find(id="main"):
        problems.append("the first link is not a skip link to #main")
    if len(tree.find("main")) != 1:
        problems.append("not exactly one <main>")
    problems += [f"unnamed control: {c}" for c in nameless_controls(tree)]
    for svg in tree.find("svg"):
        kids = {c.tag for c in svg.children}
        if svg.attrs.get("role") != "img" or "title" not in kids or "desc" not in kids:
            problems.append("a chart (svg) without role=img, a title and a description of its data")
    for img in tree.find("img"):
        if "alt" not in img.attrs:
            problems.append(f"img without alt: {img.attrs.get('src')}")
    for table in tree.find("table"):
        if not any(n.tag == "th" for n in table.walk()):
            problems.append("a table without header cells")
    for nav in tree.find("nav", **{"aria-label": "Main"}):
        for a in nav.walk():
            active = a.tag == "a" and "active" in a.attrs.get("class", "").split()
            if active and a.attrs.get("aria-current") != "page":
                problems.append(f"the area shown ({a.attrs['href']}) is marked by colour only")
    ids = [n.attrs["id"] for n in tree.root.walk() if "id" in n.attrs]
    problems += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for n in tree.root.walk():
        for ref in n.attrs.get("aria-describedby", "").split():
            if ref not in ids:
                problems.append(f"aria-describedby points at no element: {ref}")
    return problems


@pytest.fixture
def world(session: Session) -> dict[str, object]:
    admin = make_user(session, role="admin")
    lead = make_user(session, role="lead", team="Care")
    agent = make_user(session, role="agent", team="Care")
    write_thread(
        session,
        [
            ("customer", "My router keeps dropping the connection, this is useless."),
            ("agent", "Sorry about that. Let us reset it together."),
            ("customer", "Still broken. I am really angry now, fix it or I leave."),
            ("agent", "I understand. I am sending a new one today."),
        ],
        external_id="a11y-1",
        assignee_email=agent.email,
    )
    score_messages(session)
    session.commit()
    conv = session.query(Conversation).one()
    failed = JobRun(kind="score", subject=f"sweep:{conv.id}", status="failed", done=1, total=4)
    session.add(failed)
    session.flush()
    session.add(JobChunk(job_id=failed.id, seq=0, keys=[conv.id], size=3, status="failed"))
    session.commit()
    for name in ("VIP openings", "Escalations"):
        create_rule(
            session,
            actor=lead,
            team_id=lead.team_id,
            form=RuleForm(name=name, target="http://127.0.0.1:9/hook"),
            guard=TargetGuard(allow_private=True),
        )
    return {
        "admin": admin,
        "lead": lead,
        "agent": agent,
        "conv": conv.id,
        "team": lead.team_id,
        "job": failed.id,
    }


def owned_pages(conv: int, team: object, job: object) -> list[str]:
    return [
        "/conversations",
        "/conversations?opened_from=not-a-day",
        f"/conversations/{conv}",
        f"/assist/{conv}",
        "/signals",
        "/import",
        "/admin/models",
        "/admin/integrations",
        "/admin/connectors",
        "/admin/jobs",
        f"/admin/jobs/{job}",
        f"/alerts?team={team}",
        f"/alerts/log?team={team}",
        f"/alerts/new?team={team}",
        "/help",
        "/help/conversations",
        "/help/signals",
        "/help/alerts",
        "/help/admin",
        "/no/such/page",
    ]


def test_every_page_of_the_shell_conversations_and_alerts_meets_the_basics(
    client: TestClient, world: dict[str, object]
) -> None:
    sign_in(client, world["admin"])  # type: ignore[arg-type]
    found: dict[str, list[str]] = {}
    for url in owned_pages(world["conv"], world["team"], world["job"]):  # type: ignore[arg-type]
        response = client.get(url, headers=PAGE)
        assert response.status_code in (200, 400, 404), (url, response.status_code)
        if problems := page_problems(response.text):
            found[url] = problems
    assert found == {}


def test_the_agent_s_pages_meet_the_basics_too(
    client: TestClient, world: dict[str, object]
) -> None:
    """An agent's nav (a training badge, fewer areas) and the agent's own assist page."""
    sign_in(client, world["agent"])  # type: ignore[arg-type]
    for url in ("/conversations", f"/assist/{world['conv']}", "/signals?assignee=me"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert page_problems(response.text) == [], url


def test_the_area_shown_is_announced_as_the_current_page(
    client: TestClient, world: dict[str, object]
) -> None:
    sign_in(client, world["lead"])  # type: ignore[arg-type]
    tree = Tree(client.get("/signals").text)
    (nav,) = tree.find("nav", **{"aria-label": "Main"})
    current = [a.all_text() for a in nav.walk() if a.attrs.get("aria-current") == "page"]
    assert current == ["Signals"]


def test_each_rule_s_test_button_names_its_rule(
    client: TestClient, world: dict[str, object]
) -> None:
    """A screen reader listing the buttons heard "Send test alert" once per rule, no rule named."""
    sign_in(client, world["lead"])  # type: ignore[arg-type]
    tree = Tree(client.get(f"/alerts?team={world['team']}").text)
    names = [" ".join(b.all_text().split()) for b in tree.find("button") if "test" in b.all_text()]
    assert sorted(names) == ["Send test alert of Escalations", "Send test alert of VIP openings"]


def tied_to_message(html: str, name: str, message: str) -> None:
    """The refused field says it is invalid, is described by its message, and is the first
    field of the page to take the focus (as the manual's forms do)."""
    tree = Tree(html)
    (control,) = [
        n
        for n in tree.root.walk()
        if n.tag in ("input", "select", "textarea")
        and n.attrs.get("name") == name
        and n.attrs.get("type") != "hidden"
        and n.attrs.get("aria-invalid") == "true"
    ] or [None]
    assert control is not None, f"{name} is not marked invalid"
    (described,) = tree.find(id=control.attrs.get("aria-describedby", "-"))
    assert message in described.all_text()
    focused = [n for n in tree.root.walk() if "autofocus" in n.attrs]
    assert focused and focused[0] is control, f"{name} does not take the focus"


def test_refused_fields_are_tied_to_their_messages(
    client: TestClient, world: dict[str, object]
) -> None:
    csrf = sign_in(client, world["admin"])  # type: ignore[arg-type]
    bad_name = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "Not A Name!"})
    assert bad_name.status_code == 400
    tied_to_message(bad_name.text, "name", "")
    bad_source = post_import(client, csrf, "a.csv", b"conversation_id,body\n", source="Bad Source!")
    assert bad_source.status_code == 400, bad_source.text
    tied_to_message(bad_source.text, "source", "")
    long_purpose = client.post(
        f"/assist/{world['conv']}/purpose", data={"csrf_token": csrf, "purpose": "x" * 400}
    )
    assert long_purpose.status_code == 400, long_purpose.status_code
    tied_to_message(long_purpose.text, "purpose", "")
    assert page_problems(long_purpose.text) == []
    bad_subdomain = client.post(
        "/admin/connectors/zendesk",
        data={
            "csrf_token": csrf,
            "subdomain": "Not A Subdomain!",
            "email": "ana@poise.test",
            "api_token": "t",
        },
    )
    assert bad_subdomain.status_code == 400
    tied_to_message(bad_subdomain.text, "subdomain", "")
    assert page_problems(bad_subdomain.text) == []
    bad_rule = client.post(
        "/alerts/rules",
        data={
            "csrf_token": csrf,
            "team": str(world["team"]),
            "name": "VIP",
            "event": "escalating",
            "channel": "webhook",
            "target": "http://127.0.0.1:9/hook",
            "threshold": "abc",
            "timezone": "UTC",
            "hourly_limit": "10",
        },
    )
    assert bad_rule.status_code == 400, bad_rule.status_code
    tied_to_message(bad_rule.text, "threshold", "")
    bad_day = client.get("/conversations?opened_from=not-a-day", headers=PAGE)
    assert bad_day.status_code == 400
    tied_to_message(bad_day.text, "opened_from", "")


def flash_of(html: str) -> Node:
    (shown,) = [n for n in Tree(html).find("div") if "flash" in n.attrs.get("class", "").split()]
    return shown


def test_a_flash_is_a_live_region(client: TestClient, world: dict[str, object]) -> None:
    """What the last action did is read out: a status, or an alert when it failed (the
    client follows the redirect to the page that shows the flash)."""
    csrf = sign_in(client, world["admin"])  # type: ignore[arg-type]
    added = client.post("/admin/integrations", data={"csrf_token": csrf, "name": "desk"})
    ok = flash_of(added.text)
    assert "Added integration desk" in ok.all_text()
    assert ok.attrs.get("role") == "status"
    failed = flash_of(
        client.post(
            f"/admin/teams/{world['team']}/early-warning", data={"csrf_token": csrf, "level": "x"}
        ).text
    )
    assert "error" in failed.attrs["class"].split()
    assert failed.attrs.get("role") == "alert"


def test_a_job_s_progress_is_a_live_region(
    client: TestClient, session: Session, world: dict[str, object]
) -> None:
    """The import history's scoring cell is updated by poise.js as the job runs: a status."""
    run = ImportRun(
        filename="f.csv",
        format="csv",
        source="upload",
        sha256="0" * 64,
        status="imported",
        team_id=world["team"],
        messages_created=1,
    )
    session.add(run)
    session.commit()
    session.add(JobRun(kind="score", subject=f"import:{run.id}", status="queued"))
    session.commit()
    sign_in(client, world["lead"])  # type: ignore[arg-type]
    tree = Tree(client.get("/import").text)
    jobs = [n for n in tree.root.walk() if "job-status" in n.attrs.get("class", "").split()]
    assert len(jobs) == 1
    assert jobs[0].attrs.get("role") == "status"


def test_an_error_page_s_title_says_what_happened(
    client: TestClient, world: dict[str, object]
) -> None:
    sign_in(client, world["agent"])  # type: ignore[arg-type]
    title = Tree(client.get("/no/such/page", headers=PAGE).text).find("title")[0].all_text()
    assert title == "Not found (404) · Poise"


def explained(flag: Node) -> str:
    """What a screen reader hears for a flag: its word and the hidden words just after it."""
    siblings = flag.parent.children if flag.parent else []
    after = siblings[siblings.index(flag) + 1 :][:1]
    hidden = [n for n in after if "visually-hidden" in n.attrs.get("class", "").split()]
    return " ".join(" ".join(n.all_text() for n in [flag, *hidden]).split())


def test_the_assist_panel_names_its_buttons_times_and_flags(
    client: TestClient, world: dict[str, object]
) -> None:
    """A purpose suggestion was read as the customer's bare sentence, a message's time had no
    machine-readable date, and a flag ("early warning") explained itself nowhere."""
    sign_in(client, world["agent"])  # type: ignore[arg-type]
    tree = Tree(client.get(f"/assist/{world['conv']}").text)
    (fix,) = [n for n in tree.find("details") if "purpose-fix" in n.attrs.get("class", "")]
    suggestions = [b for b in fix.walk() if b.tag == "button" and not b.attrs.get("name")]
    suggestions = [b for b in suggestions if "link-button" in b.attrs.get("class", "")]
    assert suggestions
    for button in suggestions:
        assert button.attrs.get("aria-label") == f"Use as purpose: {button.all_text()}"
    (thread,) = tree.find(id="assist-thread")
    times = [n for n in thread.walk() if n.tag == "time"]
    assert len(times) == 4
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", t.attrs.get("datetime", "")) for t in times)
    (early,) = [n for n in tree.root.walk() if n.attrs.get("class") == "flag flag-warning"]
    assert explained(early) == "early warning (the customer opened unhappy)"


def test_a_conversation_s_flags_explain_themselves_without_hover(
    client: TestClient, world: dict[str, object]
) -> None:
    """The list's and the page's "early" said why only on hover (its title)."""
    sign_in(client, world["lead"])  # type: ignore[arg-type]
    for url in ("/conversations", f"/conversations/{world['conv']}"):
        tree = Tree(client.get(url).text)
        (early,) = [n for n in tree.root.walk() if n.attrs.get("class") == "flag flag-warning"]
        assert explained(early) == "early warning (the customer opened unhappy)", url


def test_refused_fields_of_training_morale_knowledge_insights_and_auth_take_the_focus(
    client: TestClient, world: dict[str, object]
) -> None:
    """These forms wrote aria-invalid by hand: the field was described, but after a refused
    save the keyboard started at the top of the page, far from the field to fix."""
    csrf = sign_in(client, world["admin"])  # type: ignore[arg-type]
    bad_email = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "name": "Ana",
            "email": "not-an-email",
            "role": "agent",
            "team": "",
            "password": "long enough password",
        },
    )
    assert bad_email.status_code == 400, bad_email.status_code
    tied_to_message(bad_email.text, "email", "")
    bad_days = client.get("/manual/gaps?days=abc", headers=PAGE)
    assert bad_days.status_code == 400, bad_days.status_code
    tied_to_message(bad_days.text, "days", "")
    bad_start = client.get("/insights?start=not-a-day", headers=PAGE)
    assert bad_start.status_code == 400, bad_start.status_code
    tied_to_message(bad_start.text, "start", "")
    sign_in(client, world["lead"])  # type: ignore[arg-type]
    bad_month = client.get("/morale/kudos?month=not-a-month", headers=PAGE)
    tied_to_message(bad_month.text, "month", "")


def other_areas_pages(team: object) -> list[str]:
    return [
        "/account",
        "/admin/users",
        "/admin/teams",
        "/training",
        "/training/lessons",
        "/training/lessons/new",
        "/training/progress",
        "/training/practice",
        "/training/practice/review",
        "/training/autoqa",
        "/morale",
        "/morale/happy-file",
        "/morale/reviews",
        "/morale/reviews/calibration",
        "/morale/scorecards",
        "/morale/kudos",
        "/morale/balance",
        f"/morale/balance/team?team={team}",
        "/morale/wall",
        "/manual",
        "/manual/search?q=router+dropping",
        "/manual/new",
        "/manual/proposals",
        "/manual/gaps",
        "/manual/fcr",
        "/insights",
        "/insights/conversations",
        "/insights/hotspots",
        "/insights/exposure",
        f"/insights/exposure/team?team={team}",
        "/insights/digest",
        "/insights?start=not-a-day",
        "/manual/gaps?days=abc",
    ]


def test_every_page_of_training_morale_manual_insights_and_accounts_meets_the_basics(
    client: TestClient, world: dict[str, object]
) -> None:
    found: dict[str, list[str]] = {}
    for who in ("admin", "lead", "agent"):
        sign_in(client, world[who])  # type: ignore[arg-type]
        for url in other_areas_pages(world["team"]):
            response = client.get(url, headers=PAGE)
            if response.status_code == 403:
                continue
            assert response.status_code in (200, 400), (who, url, response.status_code)
            if problems := page_problems(response.text):
                found[f"{who} {url}"] = problems
    assert found == {}
