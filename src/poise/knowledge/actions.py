"""Every write to the manual: one function per change, each owning its transaction.

Web pages, the API, the CLI and mining all call these, so the rules (who may publish, what a
revision records, when the search index changes) hold the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation
from poise.conversations.queries import not_openable
from poise.conversations.visibility import may_read, visible_ids
from poise.db.base import utcnow
from poise.errors import InvalidInput, NotFound, PermissionDenied
from poise.knowledge import queries, search, vectors
from poise.knowledge.drafting import ANSWER, presented_resolution, resolution_kind
from poise.knowledge.fcr import outcomes_for
from poise.knowledge.mining import (
    MiningConfig,
    build_proposal,
    load_vectors,
    match_articles,
    split_vectors,
)
from poise.knowledge.models import (
    FLAG_KINDS,
    Article,
    ArticleSource,
    ArticleUse,
    Flag,
    Gap,
    Phrasing,
    Proposal,
    ProposalMember,
    Revision,
)
from poise.knowledge.text import to_blob
from poise.repeats import recent_repeat
from poise.words import counted

# Who may move an article where: agents propose (draft → in review); leads curate.
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"in_review": "agent", "published": "lead"},
    "in_review": {"draft": "agent", "published": "lead"},
    "published": {"retired": "lead", "draft": "lead"},
    "retired": {"published": "lead", "draft": "lead"},
}
# How the history says each move, after the mover's name: it read "Ada Agent in review" and
# "Lee Lead draft".
MOVED = {
    "in_review": "sent it for review",
    "published": "published",
    "retired": "retired",
    "draft": "moved it back to draft",
}
MAX_PHRASINGS = 50
MINED = "mined"  # in a revision's ``changed``: the article was drafted by mining
MAX_TAGS = 20
MAX_TAG_CHARS = 120  # as a conversation's tags: a tag of 10,000 characters was stored whole
MAX_PHRASING_CHARS = 4000  # as the issue, phrasing zero: each is embedded for search
EDITABLE = ("title", "issue", "resolution", "product", "feature", "tags")


@dataclass
class ArticleFields:
    """What a person writes into an article (phrasings are the other ways customers say it)."""

    title: str
    issue: str
    resolution: str = ""
    product: str | None = None
    feature: str | None = None
    tags: list[str] = field(default_factory=list)
    phrasings: list[str] = field(default_factory=list)
    owner_id: int | None = None

    def cleaned(self) -> ArticleFields:
        """Trimmed values, empty ones as None, or InvalidInput naming what is missing."""
        title, issue = self.title.strip(), self.issue.strip()
        if not title:
            raise InvalidInput("an article needs a title", field="title")
        if not issue:
            raise InvalidInput("an article needs the issue, as customers put it", field="issue")
        if len(title) > 200:
            raise InvalidInput("the title is longer than 200 characters", field="title")
        for name, value, most in (
            ("issue", issue, 4000),
            ("resolution", self.resolution.strip(), 20000),
            ("product", (self.product or "").strip(), 120),
            ("feature", (self.feature or "").strip(), 120),
        ):
            if len(value) > most:
                raise InvalidInput(
                    f"the {name} is {len(value):,} characters; at most {most:,}", field=name
                )
        tags = _unique([t.strip().lower() for t in self.tags if t.strip()])
        if len(tags) > MAX_TAGS:
            raise InvalidInput(f"{len(tags)} tags; at most {MAX_TAGS} per article", field="tags")
        _refuse_long("tag", tags, MAX_TAG_CHARS, field="tags")
        phrasings = _unique([p.strip() for p in self.phrasings if p.strip()])
        if len(phrasings) > MAX_PHRASINGS:
            raise InvalidInput(
                f"at most {MAX_PHRASINGS} alternative phrasings per article", field="phrasings"
            )
        _refuse_long("phrasing", phrasings, MAX_PHRASING_CHARS, field="phrasings")
        return ArticleFields(
            title=title,
            issue=issue,
            resolution=self.resolution.strip(),
            product=(self.product or "").strip() or None,
            feature=(self.feature or "").strip() or None,
            tags=tags,
            phrasings=[p for p in phrasings if p.lower() != issue.lower()],
            owner_id=self.owner_id,
        )


def _refuse_long(what: str, values: list[str], most: int, *, field: str) -> None:
    """Refuse the first of ``values`` longer than ``most``, quoting only its start."""
    for value in values:
        if len(value) > most:
            start = value[:40] + "…"
            raise InvalidInput(
                f"a {what} is at most {most:,} characters: “{start}” has {len(value):,}",
                field=field,
            )


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            kept.append(value)
    return kept


def _snapshot(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "issue": article.issue,
        "resolution": article.resolution,
        "product": article.product,
        "feature": article.feature,
        "tags": list(article.tags),
        "status": article.status,
        "phrasings": [p.text for p in article.phrasings],
    }


def _revise(article: Article, actor: User | None, summary: str, changed: list[str]) -> None:
    article.updated_at = utcnow()
    article.revisions.append(
        Revision(
            actor_id=actor.id if actor else None,
            summary=summary[:300],
            changed=changed,
            snapshot=_snapshot(article),
        )
    )


def _get(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        raise NotFound(f"no article with id {article_id}")
    return article


def _owner(actor: User | None, wanted: int | None) -> int | None:
    """Leads choose an article's owner; an agent's proposal is owned by the agent."""
    if wanted and (actor is None or actor.is_lead):
        return wanted
    return actor.id if actor else None


def _may_edit(actor: User | None, article: Article) -> None:
    """Refuse unless :func:`queries.may_edit` allows (the rule the pages show)."""
    if not queries.may_edit(actor, article):
        raise PermissionDenied("only a lead can change this article; flag it instead")


def create_article(
    session: Session,
    *,
    actor: User | None,
    fields: ArticleFields,
    source_conversation_ids: list[int] | None = None,
) -> Article:
    """A new draft (anyone on the team may propose one; leads publish), citing only
    conversations its author may open: another team's is answered as a missing one."""
    wanted = sorted(set(source_conversation_ids or []))
    if actor is not None and wanted:
        hidden = [c for c in wanted if c not in visible_ids(session, actor, wanted)]
        if hidden:
            raise NotFound(not_openable(hidden[0]))
    kept = _repeated_proposal(session, actor, fields)
    if kept is not None:
        return kept
    article = add_article(
        session, actor=actor, fields=fields, source_conversation_ids=source_conversation_ids
    )
    session.commit()
    return article


def _repeated_proposal(
    session: Session, actor: User | None, fields: ArticleFields
) -> Article | None:
    """The draft (or draft sent for review) its author proposed a moment ago with the same
    title, issue and resolution: "Save" clicked twice made two drafts of one article."""
    if actor is None:
        return None
    clean = fields.cleaned()
    same = {
        "created_by_id": actor.id,
        "title": clean.title,
        "issue": clean.issue,
        "resolution": clean.resolution,
    }
    in_progress = Article.status.in_(("draft", "in_review"))
    return recent_repeat(session, Article, Article.created_at, same, where=(in_progress,))


def _sources(session: Session, conversation_ids: list[int]) -> list[ArticleSource]:
    """The article's source links; an unknown conversation is refused by name here, before
    the commit would fail on the foreign key with an IntegrityError (a 500)."""
    wanted = set(conversation_ids)
    found = wanted and set(
        session.scalars(select(Conversation.id).where(Conversation.id.in_(wanted)))
    )
    missing = sorted(wanted - set(found or ()))
    if missing:
        shown = ", ".join(str(i) for i in missing[:5])
        raise InvalidInput(f"source_conversation_ids: no conversation with id {shown}")
    return [ArticleSource(conversation_id=c) for c in sorted(wanted)]


def add_article(
    session: Session,
    *,
    actor: User | None,
    fields: ArticleFields,
    source_conversation_ids: list[int] | None = None,
) -> Article:
    """``create_article`` without the commit, for a caller whose larger change is one transaction.

    Turning a drill into training adds several drafts with scenarios and a lesson; either all
    of it is kept or none. The article is flushed, so its id is known.
    """
    clean = fields.cleaned()
    article = Article(
        title=clean.title,
        issue=clean.issue,
        resolution=clean.resolution,
        product=clean.product,
        feature=clean.feature,
        tags=clean.tags,
        status="draft",
        owner_id=_owner(actor, clean.owner_id),
        created_by_id=actor.id if actor else None,
    )
    article.phrasings = [Phrasing(text=p) for p in clean.phrasings]
    article.sources = _sources(session, source_conversation_ids or [])
    session.add(article)
    _revise(article, actor, "proposed the article", ["created"])
    session.flush()
    return article


def update_article(
    session: Session, *, actor: User | None, article_id: int, fields: ArticleFields
) -> Article:
    """Change an article's text; the revision names the fields that changed."""
    article = _get(session, article_id)
    _may_edit(actor, article)
    clean = fields.cleaned()
    changed = [name for name in EDITABLE if getattr(article, name) != getattr(clean, name)]
    for name in changed:
        setattr(article, name, getattr(clean, name))
    if clean.owner_id and clean.owner_id != article.owner_id and (actor is None or actor.is_lead):
        article.owner_id = clean.owner_id
        changed.append("owner")
    if [p.text for p in article.phrasings] != clean.phrasings:
        keep = {p.text: p for p in article.phrasings}
        article.phrasings = [keep.get(t) or Phrasing(text=t) for t in clean.phrasings]
        changed.append("phrasings")
    if not changed:
        return article
    if "issue" in changed:
        article.embedding = None
    _revise(article, actor, "edited " + ", ".join(changed), changed)
    session.flush()
    search.reindex_article(session, article)
    session.commit()
    return article


def change_status(
    session: Session, *, actor: User | None, article_id: int, status: str, note: str = ""
) -> Article:
    """Move an article along draft → in review → published → retired, if the actor may."""
    article = _get(session, article_id)
    allowed = moves(article)
    if status == "published" and is_mined_draft(article):
        raise InvalidInput(
            "a mined draft is reviewed before it is published: edit it, then send it for review"
        )
    if status not in allowed:
        raise InvalidInput(f"a {article.status_label} article cannot become {status}")
    if allowed[status] == "lead":
        require_lead(actor)
    else:
        _may_edit(actor, article)
    article.status = status
    if status == "published":
        article.published_at = utcnow()
    summary = MOVED[status] + (f": {note.strip()}" if note.strip() else "")
    _revise(article, actor, summary, ["status"])
    session.flush()
    search.reindex_article(session, article)
    session.commit()
    return article


def new_phrasings(article: Article, texts: list[str]) -> list[str]:
    """Of ``texts``, the ones the article does not say yet and has room for: what adding them
    adds, shown to the lead before the click as well as written by it."""
    known = {p.text.lower() for p in article.phrasings} | {article.issue.lower()}
    new = [t.strip() for t in _unique(texts) if t.strip() and t.strip().lower() not in known]
    return new[: max(MAX_PHRASINGS - len(article.phrasings), 0)]


def add_phrasings(
    session: Session,
    *,
    actor: User | None,
    article_id: int,
    texts: list[str],
    conversation_ids: list[int] | None = None,
) -> Article:
    """More ways customers say the issue (e.g. a mined group that matched this article)."""
    require_lead(actor)
    article = _get(session, article_id)
    kept = new_phrasings(article, texts)
    article.phrasings.extend(Phrasing(text=t) for t in kept)
    have = {s.conversation_id for s in article.sources}
    cited = sorted(set(conversation_ids or []) - have)
    article.sources.extend(ArticleSource(conversation_id=c) for c in cited)
    # The history says what came in: it read "added 0 phrasings" when a group's words were
    # all known and its conversations were what it added.
    added = [counted(len(kept), "phrasing")] if kept else []
    added += [counted(len(cited), "source conversation")] if cited else []
    summary = "added " + " and ".join(added) if added else "added nothing new"
    _revise(article, actor, summary, ["phrasings"] * bool(kept) + ["sources"] * bool(cited))
    session.flush()
    search.reindex_article(session, article)
    session.commit()
    return article


def flag_article(
    session: Session,
    *,
    actor: User,
    article_id: int,
    kind: str,
    note: str = "",
    conversation_id: int | None = None,
) -> Flag:
    """An agent says the article is wrong or stale; leads see the open flags."""
    if kind not in FLAG_KINDS:
        raise InvalidInput(f"a flag is one of {', '.join(FLAG_KINDS)}, not {kind!r}")
    article = _get(session, article_id)
    if conversation_id is not None:
        conv = session.get(Conversation, conversation_id)
        if conv is None or not may_read(actor, conv):  # another team's: as if it did not exist
            raise NotFound(not_openable(conversation_id))
    flag = Flag(
        kind=kind,
        note=note.strip()[:2000],
        conversation_id=conversation_id,
        reporter_id=actor.id,
    )
    article.flags.append(flag)
    article.open_flags += 1
    session.commit()
    return flag


def resolve_flag(session: Session, *, actor: User | None, flag_id: int) -> Flag:
    """A lead has dealt with a flag (edited, retired, or judged it fine)."""
    require_lead(actor)
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise NotFound(f"no flag with id {flag_id}")
    if flag.resolved_at is None:
        flag.resolved_at = utcnow()
        flag.article.open_flags = max(flag.article.open_flags - 1, 0)
        session.commit()
    return flag


def record_use(
    session: Session,
    *,
    actor: User | None,
    conversation_id: int,
    article_id: int,
    how: str = "picked",
    score: float | None = None,
) -> ArticleUse:
    """The article a conversation used: an agent's pick replaces an automatic match."""
    if how not in ("picked", "matched"):
        raise InvalidInput("how is picked or matched")
    article = _get(session, article_id)
    if article.status != "published":
        raise InvalidInput("only a published article can be used in a conversation")
    use = session.scalar(select(ArticleUse).where(ArticleUse.conversation_id == conversation_id))
    if use is not None and use.how == "picked" and how == "matched":
        return use  # never overwrite a person's choice with a guess
    if use is None:
        if session.get(Conversation, conversation_id) is None:
            raise NotFound(f"no conversation with id {conversation_id}")
        use = ArticleUse(conversation_id=conversation_id, article_id=article_id, how=how)
        session.add(use)
    use.article_id, use.how, use.score = article_id, how, score
    use.picked_by_id = actor.id if actor and how == "picked" else None
    queue_for_rollup(session, [conversation_id])  # the issue decides FCR's "same issue"
    session.commit()
    return use


def log_gap(
    session: Session,
    *,
    actor: User | None,
    result: search.SearchResult,
    conversation_id: int | None = None,
    product: str | None = None,
) -> Gap:
    """An agent says nothing in the manual fits: remember the issue for the gap report.

    Logged only on that explicit request (a POST), never by a search or a page view. One gap
    per conversation (kept current), and one per search session: the same person logging the
    same words again within a day changes nothing."""
    gap = None
    if conversation_id is not None:
        gap = session.scalar(select(Gap).where(Gap.conversation_id == conversation_id))
    else:
        gap = session.scalar(
            select(Gap).where(
                Gap.conversation_id.is_(None),
                Gap.actor_id == (actor.id if actor else None),
                Gap.query == result.query[:4000],
                Gap.created_at >= utcnow() - timedelta(days=1),
            )
        )
    if gap is not None and gap.query == result.query[:4000]:
        gap.repeated = True  # the same words are the same gap, nothing to write
        return gap
    if gap is None:
        gap = Gap(conversation_id=conversation_id)
        session.add(gap)
    gap.query = result.query[:4000]
    gap.best_score = float(result.confidence)
    gap.best_article_id = result.hits[0].article_id if result.hits else None
    gap.product = product
    if result.query_vector is not None:
        vectors.claim(session)
    gap.embedding = to_blob(result.query_vector) if result.query_vector is not None else None
    gap.actor_id = actor.id if actor else None
    session.commit()
    gap.repeated = False
    return gap


def clear_gap(session: Session, *, conversation_id: int) -> None:
    """A conversation's issue is covered after all (a better match later in the thread)."""
    if session.scalar(select(Gap.id).where(Gap.conversation_id == conversation_id)) is None:
        return
    session.execute(delete(Gap).where(Gap.conversation_id == conversation_id))
    session.commit()


def accept_proposal(session: Session, *, actor: User | None, proposal_id: int) -> Article:
    """Turn a mined proposal into a draft for review, or add it to the article it matched.

    Never published in the same step: a mined draft is written by a machine from other
    people's replies, so a person reads and edits it, sends it for review, and a lead
    publishes it from there (see :func:`change_status`)."""
    require_lead(actor)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal with id {proposal_id}")
    if proposal.status != "open":
        raise InvalidInput(f"this proposal was already {proposal.status}")
    sources = [m.conversation_id for m in proposal.members] or proposal.conversation_ids
    if proposal.matched_article_id is not None:
        article = add_phrasings(
            session,
            actor=actor,
            article_id=proposal.matched_article_id,
            texts=[proposal.issue, *proposal.phrasings],
            conversation_ids=sources,
        )
    else:
        fields = ArticleFields(
            title=_title(proposal.issue),
            issue=proposal.issue,
            resolution=presented_resolution(proposal.resolution),
            product=proposal.product,
            feature=proposal.feature,
            phrasings=proposal.phrasings,
        )
        article = add_article(session, actor=actor, fields=fields, source_conversation_ids=sources)
        drafted = article.revisions[0]
        group = counted(proposal.group_size, "conversation")
        drafted.summary = (
            f"drafted from mined proposal #{proposal.id} ({group}); "
            f"review the {reviewed_part(proposal.resolution)} before publishing"
        )[:300]
        drafted.changed = ["created", MINED]
    proposal.status, proposal.article_id = "accepted", article.id
    session.commit()
    return article


def reviewed_part(resolution: str) -> str:
    """What the reviewer checks in a drafted resolution: its steps, or the answer it gives."""
    return "answer" if resolution_kind(resolution) == ANSWER else "steps"


def is_mined_draft(article: Article) -> bool:
    """A draft that mining wrote: it reaches publication only through review."""
    return article.status == "draft" and any(MINED in r.changed for r in article.revisions)


def moves(article: Article) -> dict[str, str]:
    """Where the article may go next and who may move it (a mined draft goes to review first)."""
    allowed = dict(TRANSITIONS.get(article.status, {}))
    if is_mined_draft(article):
        allowed.pop("published", None)
    return allowed


def dismiss_proposal(session: Session, *, actor: User | None, proposal_id: int) -> Proposal:
    """Not an issue for the manual: its conversations are not offered again."""
    require_lead(actor)
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal with id {proposal_id}")
    proposal.status = "dismissed"
    session.commit()
    return proposal


def _open_proposal(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(f"no proposal with id {proposal_id}")
    if proposal.status != "open":
        raise InvalidInput(f"proposal #{proposal_id} was already {proposal.status}")
    return proposal


def merge_proposals(session: Session, *, actor: User | None, proposal_ids: list[int]) -> Proposal:
    """One issue mined as several proposals: the lead joins them into the biggest, which keeps
    its issue and resolution and gains the others' phrasings and conversations."""
    require_lead(actor)
    ids = sorted(set(proposal_ids))
    if len(ids) < 2:
        raise InvalidInput("choose two proposals or more to merge")
    proposals = sorted(
        (_open_proposal(session, i) for i in ids), key=lambda p: (-p.group_size, p.id)
    )
    target, others = proposals[0], proposals[1:]
    seen = {target.issue.lower(), *(p.lower() for p in target.phrasings)}
    phrasings = list(target.phrasings)
    rank = len(target.members)
    judged = [(p.fcr, p.group_size) for p in proposals if p.fcr is not None]
    for other in others:
        for text in [other.issue, *other.phrasings]:
            if text and text.lower() not in seen and len(phrasings) < MAX_PHRASINGS:
                seen.add(text.lower())
                phrasings.append(text)
        moved = [m.conversation_id for m in other.members]
        target.conversation_ids = [*target.conversation_ids, *other.conversation_ids]
        target.group_size += other.group_size
        if target.matched_article_id is None and other.matched_article_id is not None:
            target.matched_article_id, target.match_score = (
                other.matched_article_id,
                other.match_score,
            )
        session.delete(other)
        session.flush()
        target.members.extend(
            ProposalMember(conversation_id=c, rank=rank + i) for i, c in enumerate(moved)
        )
        rank += len(moved)
    target.phrasings = phrasings
    if judged:
        target.fcr = sum(f * n for f, n in judged) / sum(n for _, n in judged)
    session.commit()
    return target


def split_proposal(
    session: Session, *, actor: User | None, proposal_id: int, parts: int, window_days: int
) -> list[Proposal]:
    """Two issues mined as one proposal: its conversations are grouped again into ``parts``
    proposals (nearest meaning), each with its own issue, phrasings and resolution."""
    require_lead(actor)
    proposal = _open_proposal(session, proposal_id)
    ids = [m.conversation_id for m in proposal.members]
    if not 2 <= parts <= len(ids):
        raise InvalidInput(f"parts must be between 2 and {len(ids)} (its conversations)")
    kept, texts, x = load_vectors(session, ids)
    labels = split_vectors(x, parts, seed=7)
    if _alike(x) or len(set(labels.tolist())) < 2:
        raise InvalidInput(
            f"its {len(ids)} conversations read alike, so they cannot be split: "
            "accept it as one issue, or dismiss it"
        )
    outcome = outcomes_for(session, kept, window_days=window_days)
    config = MiningConfig()
    session.delete(proposal)
    session.flush()
    made, vectors = [], []
    for part in range(parts):
        rows = np.flatnonzero(labels == part)
        if len(rows) == 0:
            continue
        made.append(
            build_proposal(
                session, [kept[i] for i in rows], [texts[i] for i in rows], x[rows], outcome, config
            )
        )
        vectors.append(x[rows])
    match_articles(session, made, vectors, config)
    session.add_all(made)
    session.commit()
    return made


ALIKE = 1e-3  # the largest gap between two requests' vectors still read as the same words


def _alike(x: np.ndarray) -> bool:
    """Every request of a proposal embeds the same (the same words, or a purpose given on
    import): any split of them would be arbitrary."""
    return len(x) < 2 or float(np.abs(x - x[0]).max()) <= ALIKE


def _title(issue: str) -> str:
    first = " ".join(issue.split())
    return first if len(first) <= 80 else first[:77].rsplit(" ", 1)[0] + "…"
