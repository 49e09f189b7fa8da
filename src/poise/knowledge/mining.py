"""Mining: group resolved conversations by the issue the customer raised; propose drafts.

Steps, each cheap enough for tens of thousands of conversations on two cores:
1. embed each conversation's issue (its purpose, else the first customer turn) and store the
   vector in ``kb_conversation_vectors`` batch by batch, so an interrupted run resumes there;
2. group them without being told how many issues there are (:mod:`poise.knowledge.grouping`:
   meaning and words blended, opposite actions kept apart, the count read from the spectrum
   of a nearest-neighbour graph, the spectral groups refined by spherical k-means, leftovers
   joined to the nearest group when close enough);
3. groups whose resolutions say the same thing (and whose issues are alike) become one;
4. per group of at least ``min_size``: the phrasings nearest the group's centre (scrubbed of
   personal data), a draft resolution of the steps most of its conversations share
   (:mod:`poise.knowledge.drafting`), the conversations those steps came from, its size, its
   FCR, and every conversation of the group as a member;
5. a group whose centre matches an existing article is offered as an addition to it.

Conversations already behind an article, or in a proposal a lead accepted or dismissed, are
not offered again: a later run proposes only what is new.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from poise.auth.models import User
from poise.auth.permissions import require_lead
from poise.conversations.changes import queue_for_rollup
from poise.conversations.models import Conversation, Message
from poise.conversations.queries import opening_customer_turns
from poise.jobs.steps import Step, StepProgress, Steps, counting
from poise.knowledge import vectors
from poise.knowledge.drafting import Resolved, draft_resolution
from poise.knowledge.fcr import outcomes_for
from poise.knowledge.grouping import GroupingConfig, GroupingProgress, group_requests, kmeans_pp
from poise.knowledge.matching import FloatArray, Matcher
from poise.knowledge.models import (
    Article,
    ArticleSource,
    ConversationVector,
    Proposal,
    ProposalMember,
)
from poise.knowledge.scrubbing import scrub
from poise.knowledge.search import embed_missing
from poise.knowledge.text import clip, from_blob, to_blob, words
from poise.minilm.encoder import get_encoder
from poise.signals.purpose import state_purpose
from poise.signals.text import without_placeholders
from poise.words import counted


class Progress(Protocol):
    """Mining's progress: one bar through its steps (:data:`STEPS`), ``done`` of ``total``
    (:data:`poise.jobs.steps.BAR`), and the step it is in, with the conversations embedded
    while it embeds."""

    def __call__(self, done: int, total: int, step: str = "") -> None: ...


# Each step's share of mining's bar. Embedding and grouping take the most on a big database
# (encoding every issue; the spectra of the graph, four groupings tried); a step with nothing
# to do (the manual's vectors current, every issue embedded by an earlier run) is passed over.
STEPS = (
    Step("re-embedding the manual", 10),
    Step("embedding issues", 40, counts="conversation"),
    Step("grouping", 35),
    Step("drafting proposals", 15),
)

URL = re.compile(r"https?://\S+")
HANDLE = re.compile(r"(?<!\w)@\w+")
GREETING = re.compile(r"^(?:[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear)(?: there| [A-Z][\w'-]*)?\s*[,!.]\s*")
SIGNATURE = re.compile(r"\s*(?:[\^*/~-]\s?[A-Z]{1,3}|-\s?[A-Z][a-z]+)\s*$")
ACTION_CUES = (
    "please", "try", "go to", "you can", "dm", "follow", "steps", "settings", "reset",
    "refund", "we've", "i've", "update", "reinstall", "restart", "link", "sign in", "contact",
    "check", "select", "tap", "click",
)  # fmt: skip
SMALL_TALK = ("you're welcome", "glad", "have a great", "anytime", "happy to help", "no problem")


@dataclass(frozen=True)
class MiningConfig:
    """How mining groups and proposes (grouping chosen on CLINC150 development domains)."""

    min_size: int = 3
    join_threshold: float = 0.5  # a leftover joins a group this close (cosine) to its centre
    same_fix_words: float = 0.8  # resolutions sharing this share of words say the same
    same_fix_issue: float = 0.5  # … and merge only when the issues are this alike
    batch: int = 256
    phrasings: int = 6
    examples: int = 5
    drafted: int = 40  # conversations a draft's steps are drawn from (the best resolved)
    match_threshold: float = 0.78
    seed: int = 7

    def grouping(self) -> GroupingConfig:
        return GroupingConfig(
            min_size=self.min_size, join_threshold=self.join_threshold, seed=self.seed
        )


@dataclass(frozen=True)
class MiningSummary:
    conversations: int
    embedded: int
    groups: int
    proposals: int
    additions: int

    def __str__(self) -> str:
        return (
            f"{counted(self.conversations, 'resolved conversation')} "
            f"({self.embedded:,} newly embedded), {counted(self.groups, 'group')}, "
            f"{counted(self.proposals, 'proposal')} ({self.additions:,} offered as additions "
            "to existing articles)"
        )


# ---------------------------------------------------------------- grouping


def group_vectors(
    x: FloatArray,
    texts: list[str],
    config: MiningConfig,
    *,
    progress: GroupingProgress | None = None,
) -> np.ndarray:
    """A group label per conversation (0..g-1), -1 for one that joins no group."""
    return group_requests(x, texts, config.grouping(), progress=progress)


# ---------------------------------------------------------------- what a group says


def clean_turn(text: str) -> str:
    """A turn without links and @handles (Twitter support threads are full of both)."""
    return " ".join(HANDLE.sub("", URL.sub("", text)).split())


def clean_request(text: str) -> str:
    """A customer's words as grouped: a clean turn without redaction placeholders
    ("{{Order Number}}", "[NAME]"), which say nothing of the issue and, shared by requests
    of many issues, would make them look alike. (An agent's "{{Website URL}}" stays in a
    draft: there it marks what the lead fills in.)"""
    return without_placeholders(clean_turn(text))


def issue_of(customer_turns: list[str]) -> str:
    """The customer's statement of the issue: the first turn, plus the next when it is short."""
    turns = [t for t in map(clean_request, customer_turns) if t]
    if not turns:
        return ""
    issue = turns[0]
    if len(issue.split()) < 8 and len(turns) > 1:
        issue = f"{issue} {turns[1]}"
    return issue


def _resolution_score(turn: str, position: int, count: int) -> float:
    lower = turn.lower()
    score = min(len(lower.split()), 60) / 6.0
    score += 2.0 * sum(cue in lower for cue in ACTION_CUES)
    if any(s in lower for s in SMALL_TALK) and len(lower.split()) < 15:
        score -= 10.0
    if count > 1 and position == 0:
        score -= 3.0  # the first reply is usually a greeting or a question
    return score


def impersonal(turn: str) -> str:
    """An agent turn without the greeting by name and the initials signed at the end, so a
    resolution reads as steps for any customer ("Hi David, …" / "… ^MG")."""
    return SIGNATURE.sub("", GREETING.sub("", turn)).strip()


def resolution_of(agent_turns: list[str]) -> str:
    """The agent turn that carried the fix: long, with steps or actions, not small talk."""
    turns = [impersonal(clean_turn(t)) for t in agent_turns]
    scored = [
        (_resolution_score(t, i, len(turns)), t) for i, t in enumerate(turns) if len(t.split()) > 2
    ]
    return max(scored)[1] if scored else ""


def _consensus(candidates: list[str]) -> str:
    """Of the best conversations' resolutions, the one sharing most words with the others."""
    if len(candidates) <= 2:
        return candidates[0] if candidates else ""
    bags = [set(words(c)) for c in candidates]
    counts = Counter(w for bag in bags for w in bag)
    return max(candidates, key=lambda c: sum(counts[w] - 1 for w in set(words(c))))


# ---------------------------------------------------------------- the run


def _candidates(session: Session) -> list[int]:
    """Resolved conversations not behind an article nor in a proposal a lead already decided."""
    sourced = select(ArticleSource.conversation_id)
    decided = (
        select(ProposalMember.conversation_id)
        .join(Proposal, Proposal.id == ProposalMember.proposal_id)
        .where(Proposal.status != "open")
    )
    rows = session.scalars(
        select(Conversation.id)
        .where(
            Conversation.status == "resolved",
            Conversation.id.not_in(sourced),
            Conversation.id.not_in(decided),
        )
        .order_by(Conversation.id)
    )
    return list(rows)


def embed_conversations(
    session: Session, ids: list[int], *, batch: int, progress: StepProgress | None = None
) -> int:
    """Store the issue vector of every conversation in ``ids`` that has none (resumable)."""
    done: set[int] = set()
    for start in range(0, len(ids), 1000):
        done.update(
            session.scalars(
                select(ConversationVector.conversation_id).where(
                    ConversationVector.conversation_id.in_(ids[start : start + 1000])
                )
            )
        )
    todo = [i for i in ids if i not in done]
    if progress:
        progress(len(done), len(ids))
    vectors.claim(session)
    session.commit()  # no write stays open across a progress report (SQLite: one writer)
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        texts = _issue_texts(session, chunk)
        kept = [c for c in chunk if texts.get(c)]
        found = vectors.encode([texts[c][:1000] for c in kept])
        session.add_all(
            ConversationVector(conversation_id=c, issue=clip(texts[c], 1000), embedding=to_blob(v))
            for c, v in zip(kept, found, strict=True)
        )
        queue_for_rollup(session, kept)  # the issue vector decides FCR's "same issue"
        session.commit()
        if progress:
            progress(len(done) + start + len(chunk), len(ids))
    return len(todo)


def _issue_texts(session: Session, ids: list[int]) -> dict[int, str]:
    """Each conversation's issue: the purpose when one was tagged, else the customer's words
    (its first two turns, ``issue_of``)."""
    turns = opening_customer_turns(session, ids, 2)
    issues = {cid: issue_of(t) for cid, t in turns.items()}
    purposes = session.execute(
        select(Conversation.id, Conversation.purpose).where(
            Conversation.id.in_(ids), Conversation.purpose != ""
        )
    )
    for cid, purpose in purposes:
        first = turns.get(cid, [""])[0]
        if purpose and purpose.strip() != first.strip():  # an agent tagged the issue
            issues[int(cid)] = clean_request(purpose)
    return issues


def load_vectors(session: Session, ids: list[int]) -> tuple[list[int], list[str], FloatArray]:
    kept: list[int] = []
    texts: list[str] = []
    found: list[FloatArray] = []
    for start in range(0, len(ids), 1000):
        rows = session.execute(
            select(
                ConversationVector.conversation_id,
                ConversationVector.issue,
                ConversationVector.embedding,
            ).where(ConversationVector.conversation_id.in_(ids[start : start + 1000]))
        )
        for cid, issue, blob in rows:
            kept.append(int(cid))
            texts.append(issue)
            found.append(from_blob(blob))
    matrix = np.vstack(found) if found else np.zeros((0, 384), np.float32)
    return kept, texts, matrix


def split_vectors(x: FloatArray, parts: int, *, seed: int) -> np.ndarray:
    """``parts`` groups of the vectors by meaning (a lead's split of one proposal)."""
    return kmeans_pp(x.astype(np.float64), parts, seed)


def mine(
    session: Session,
    *,
    actor: User | None,
    window_days: int,
    config: MiningConfig | None = None,
    progress: Progress | None = None,
) -> MiningSummary:
    """Group resolved conversations by issue and replace the open proposals with new ones."""
    require_lead(actor)
    config = config or MiningConfig()
    steps = Steps(progress, STEPS)
    ids = _candidates(session)
    if not vectors.stored_current(session):
        reembedding = steps.step("re-embedding the manual")
        reembedding(0, 1)  # named at once: the manual's texts are counted inside
        vectors.reembed(session, reembedding)  # an older encoder's: brought up to date first
    embedded = embed_conversations(
        session, ids, batch=config.batch, progress=steps.step("embedding issues")
    )
    grouping = steps.step("grouping")
    grouping(0, 1)  # named at once: loading the vectors of a big run takes a while
    kept, texts, x = load_vectors(session, ids)
    labels = group_vectors(x, texts, config, progress=grouping)
    groups = [g for g in _members(labels) if len(g) >= config.min_size]
    grouped = [kept[i] for g in groups for i in g]
    drafting = steps.step("drafting proposals")
    drafting(0, 1)  # named at once: the groups' count is known once same fixes are joined
    outcome = outcomes_for(session, grouped, window_days=window_days)
    groups = sorted(
        merge_same_fixes(session, groups, kept, x, outcome, config), key=len, reverse=True
    )
    proposals = [
        build_proposal(session, [kept[i] for i in g], [texts[i] for i in g], x[g], outcome, config)
        for g in counting(groups, drafting)
    ]
    additions = match_articles(session, proposals, [x[g] for g in groups], config)
    # The open proposals go in the transaction the new ones come in, after the last progress
    # report: on SQLite a delete held open while drafting reported locked out the job's own
    # progress row (its status session), and the run failed "database is locked".
    session.execute(delete(Proposal).where(Proposal.status == "open"))
    session.add_all(proposals)
    session.commit()
    found = len(set(labels[labels >= 0].tolist()))
    return MiningSummary(len(ids), embedded, found, len(proposals), additions)


def match_articles(
    session: Session, proposals: list[Proposal], members: list[FloatArray], config: MiningConfig
) -> int:
    """Mark each proposal matching a live article as an addition to it; returns how many."""
    matcher, article_ids = _article_matcher(session)
    return _match_existing(proposals, members, matcher, article_ids, config)


def _members(labels: np.ndarray) -> list[list[int]]:
    groups: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels.tolist()):
        if label >= 0:
            groups[label].append(i)
    return list(groups.values())


def _unit_mean(x: FloatArray) -> FloatArray:
    centre: FloatArray = x.mean(0)
    return centre / max(float(np.linalg.norm(centre)), 1e-9)


def merge_same_fixes(
    session: Session,
    groups: list[list[int]],
    kept: list[int],
    x: FloatArray,
    outcome: dict[int, bool],
    config: MiningConfig,
) -> list[list[int]]:
    """Groups whose agents resolved them with the same words, and whose issues are alike,
    are one issue said two ways: join them (a generic "DM us" alone never joins two)."""
    fixes = [
        set(words(_consensus([r for _, r in _best_conversations(
            session, [kept[i] for i in g], outcome, config.examples
        ) if r])))
        for g in groups
    ]  # fmt: skip
    centres = np.vstack([_unit_mean(x[g]) for g in groups]) if groups else np.zeros((0, 1))
    parent = list(range(len(groups)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            a, b = fixes[i], fixes[j]
            if min(len(a), len(b)) < 5 or float(centres[i] @ centres[j]) < config.same_fix_issue:
                continue
            if len(a & b) / len(a | b) >= config.same_fix_words:
                parent[root(j)] = root(i)
    joined: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        joined[root(i)].extend(g)
    return list(joined.values())


def build_proposal(
    session: Session,
    ids: list[int],
    texts: list[str],
    x: FloatArray,
    outcome: dict[int, bool],
    config: MiningConfig,
) -> Proposal:
    """A proposal for one group: every conversation a member, nearest the centre first."""
    order = np.argsort(-(x @ x.mean(0)))
    group = _resolved(session, [ids[int(i)] for i in order], outcome, config.drafted)
    names = [n for c in group for n in c.names]
    phrasings: list[str] = []
    for i in order:
        text = clip(scrub(texts[int(i)], names=names), 300)
        if text and text.lower() not in {p.lower() for p in phrasings}:
            phrasings.append(text)
        if len(phrasings) > config.phrasings:
            break
    judged = [outcome[c] for c in ids if c in outcome]
    draft = draft_resolution(group, encode=get_encoder().encode)
    product, feature = _common_product(session, ids)
    return Proposal(
        issue=title_of(phrasings[0]) if phrasings else "",
        phrasings=phrasings[1:],
        resolution=draft.resolution,
        product=product,
        feature=feature,
        group_size=len(ids),
        fcr=sum(judged) / len(judged) if judged else None,
        conversation_ids=draft.sources,
        status="open",
        members=[ProposalMember(conversation_id=ids[int(i)], rank=r) for r, i in enumerate(order)],
    )


def title_of(request: str) -> str:
    """The issue a proposal is titled by: the sentence of its most typical request that
    states the problem, at most 25 words (the purpose rule), else the request as it is.

    Why: real requests are whole messages ("Hey you just gained a customer, lost my package
    two days ago and…"); a lead reads a list of titles, and the article's issue is what the
    manual's list shows. The other requests of the group stay its phrasings."""
    return state_purpose([request]) or request


def _resolved(
    session: Session, ids: list[int], outcome: dict[int, bool], limit: int
) -> list[Resolved]:
    """The group's best-resolved conversations as drafting sees them: agent turns in order,
    a weight (a good rating and no repeat contact count more, a bad rating less) and every
    name the conversation knows, so none reaches the draft."""
    convs = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.id.in_(ids[:400]))
            .options(
                selectinload(Conversation.rating),
                selectinload(Conversation.customer),
                selectinload(Conversation.assignee),
            )
        )
    )

    def weight(c: Conversation) -> float:
        rated = 0.0 if c.rating is None else (0.5 if c.rating.is_positive else -0.5)
        return 1.0 + rated + 0.5 * outcome.get(c.id, False)

    nearness = {c: r for r, c in enumerate(ids)}
    best = sorted(convs, key=lambda c: (-weight(c), nearness[c.id]))[:limit]
    turns: dict[int, list[str]] = defaultdict(list)
    names: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(Message.conversation_id, Message.author_role, Message.author_name, Message.body)
        .where(Message.conversation_id.in_([c.id for c in best]))
        .order_by(Message.conversation_id, Message.sent_at, Message.id)
    )
    for cid, role, author, body in rows:
        if role == "agent":
            turns[cid].append(body)
        if author:
            names[cid].add(author)
    for c in best:
        names[c.id].update(
            n for n in (c.customer and c.customer.name, c.assignee and c.assignee.name) if n
        )
    return [
        Resolved(c.id, turns[c.id], weight(c), tuple(sorted(names[c.id])))
        for c in best
        if turns[c.id]
    ]


def _best_conversations(
    session: Session, ids: list[int], outcome: dict[int, bool], limit: int
) -> list[tuple[int, str]]:
    """The group's best-resolved conversations (good rating, no repeat contact) and the
    resolution each one's agent turns carried."""
    sample = ids[:400]
    convs = list(
        session.scalars(
            select(Conversation)
            .where(Conversation.id.in_(sample))
            .options(selectinload(Conversation.rating))
        )
    )

    def merit(c: Conversation) -> tuple[int, int, int]:
        good = int(bool(c.rating and c.rating.is_positive))
        bad = int(bool(c.rating and not c.rating.is_positive))
        return (good - bad, int(outcome.get(c.id, False)), -c.id)

    best = sorted(convs, key=merit, reverse=True)[:limit]
    turns: dict[int, list[str]] = defaultdict(list)
    rows = session.execute(
        select(Message.conversation_id, Message.body)
        .where(Message.conversation_id.in_([c.id for c in best]), Message.author_role == "agent")
        .order_by(Message.conversation_id, Message.sent_at, Message.id)
    )
    for cid, body in rows:
        turns[cid].append(body)
    return [(c.id, resolution_of(turns[c.id])) for c in best]


def _common_product(session: Session, ids: list[int]) -> tuple[str | None, str | None]:
    rows = session.execute(
        select(Conversation.product, Conversation.feature).where(Conversation.id.in_(ids[:400]))
    ).all()
    if not rows:
        return None, None
    (product, feature), n = Counter((p, f) for p, f in rows).most_common(1)[0]
    return (product, feature) if n * 2 >= len(rows) else (None, None)


def _article_matcher(session: Session) -> tuple[Matcher | None, list[int]]:
    """Every live article (not retired) as a matcher, to offer additions over duplicates."""
    articles = list(
        session.scalars(
            select(Article)
            .where(Article.status != "retired")
            .options(selectinload(Article.phrasings))
        )
    )
    if not articles:
        return None, []
    embed_missing(session, articles)
    session.flush()
    stored, owner = [], []
    for i, a in enumerate(articles):
        for blob in [a.embedding, *[p.embedding for p in a.phrasings]]:
            if blob:
                stored.append(from_blob(blob))
                owner.append(i)
    matrix = np.vstack(stored)
    return Matcher(matrix, np.asarray(owner, np.int64), len(articles)), [a.id for a in articles]


def _match_existing(
    proposals: list[Proposal],
    members: list[FloatArray],
    matcher: Matcher | None,
    article_ids: list[int],
    config: MiningConfig,
) -> int:
    if matcher is None or not proposals:
        return 0
    centres = np.vstack([m.mean(0) / max(float(np.linalg.norm(m.mean(0))), 1e-9) for m in members])
    scores = matcher.semantic(centres.astype(np.float32))
    best = scores.argmax(1)
    additions = 0
    for proposal, i, row in zip(proposals, best, scores, strict=True):
        if row[i] >= config.match_threshold:
            proposal.matched_article_id = article_ids[int(i)]
            proposal.match_score = float(row[i])
            additions += 1
    return additions
