"""Named reads of conversations: filtered pages, one thread, counts. Each loads eagerly."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    any_,
    case,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session, selectinload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from poise.auth.models import Team, User
from poise.auth.permissions import require_admin
from poise.conversations import tallies
from poise.conversations.models import (
    Conversation,
    Customer,
    ImportRun,
    Integration,
    Message,
    Rating,
    written_by,
)
from poise.conversations.visibility import (
    may_read,
    openable_conversations,
    readable_assignees,
    visible_conversations,
)
from poise.db.bulk import lookup
from poise.db.derived import CONVERSATIONS_SEARCH, CUSTOMERS_NAME_TRIGRAMS, CUSTOMERS_SEARCH
from poise.errors import InvalidInput, NotFound
from poise.jobs.models import SUBJECT_LENGTH, JobRun
from poise.pagination import Page, paginate

SIGNAL_FILTERS = (
    "early_warning",
    "escalating",
    "drifted",
    "abusive",
    "turnaround",
    "needs_attention",
)


def needs_attention() -> ColumnElement[bool]:
    """What the signals page's "needs attention now" holds, and the list's filter of the same
    name: not resolved, and the customer opened unhappy, may end badly, is abusive or may
    leave. One condition for both, so the page's "10 riskiest of 36" opens those 36."""
    return (Conversation.status != "resolved") & (
        (Conversation.early_warning.is_(True))
        | (Conversation.escalation_risk >= ESCALATING)
        | (Conversation.abusive.is_(True))
        | (Conversation.leaving.is_(True))
    )


SORTS = ("newest", "escalation", "negativity")
ASSIGNED = ("me", "team")  # "mine" and "my team": resolved against whoever reads the list
ESCALATING = 0.5


@dataclass(frozen=True)
class ConversationFilters:
    """What the conversation list can be narrowed by; None means "any"."""

    channel: str | None = None
    status: str | None = None
    assignee_id: int | None = None
    assigned: str | None = None  # one of ASSIGNED
    product: str | None = None
    opened_from: date | None = None
    opened_to: date | None = None  # inclusive
    signal: str | None = None  # one of SIGNAL_FILTERS
    sort: str = "newest"  # one of SORTS
    text: str | None = None  # words the subject, purpose or customer must hold (``search``)
    # Words of ``text`` too common for the index to find first (``common_words``): set by
    # ``list_conversations`` when it reads the list, never by a caller.
    common: frozenset[str] = frozenset()

    def apply(self, query: Select[Any]) -> Select[Any]:
        """Add one WHERE per filter that is set."""
        query = self._apply_signal(query)
        if self.text:
            query = query.where(search(self.text, self.common))
        if self.channel:
            query = query.where(Conversation.channel == self.channel)
        if self.status:
            query = query.where(Conversation.status == self.status)
        if self.assignee_id is not None:
            query = query.where(Conversation.assignee_id == self.assignee_id)
        if self.product:
            query = query.where(Conversation.product == self.product)
        if self.opened_from:
            start = datetime.combine(self.opened_from, time.min, tzinfo=UTC)
            query = query.where(Conversation.opened_at >= start)
        if self.opened_to:
            end = datetime.combine(self.opened_to + timedelta(days=1), time.min, tzinfo=UTC)
            query = query.where(Conversation.opened_at < end)
        return query

    def tallied(self) -> bool:
        """Whether the tallies can count this list: every filter but the product and the
        words is a column of their key (a UTC day, an assignee, the channel, the status) or
        one of their counts (a signal)."""
        return self.product is None and not self.text and self.signal != "needs_attention"

    def _apply_signal(self, query: Select[Any]) -> Select[Any]:
        if self.signal == "early_warning":
            return query.where(Conversation.early_warning.is_(True))
        if self.signal == "escalating":
            return query.where(Conversation.escalation_risk >= ESCALATING)
        if self.signal == "drifted":
            return query.where(Conversation.drifted.is_(True))
        if self.signal == "abusive":
            return query.where(Conversation.abusive.is_(True))
        if self.signal == "turnaround":
            return query.where(Conversation.turnaround.is_(True))
        if self.signal == "needs_attention":
            return query.where(needs_attention())
        return query

    def order(self, query: Select[Any]) -> Select[Any]:
        """Newest first, or the riskiest first (unscored conversations last)."""
        if self.sort == "escalation":
            query = query.order_by(Conversation.escalation_risk.desc().nulls_last())
        elif self.sort == "negativity":
            query = query.order_by(Conversation.peak_negativity.desc().nulls_last())
        return query.order_by(Conversation.opened_at.desc(), Conversation.id.desc())


SEARCH_WORDS = 8
SEARCH_CHARS = 200


def search_words(text: str) -> list[str]:
    """The words a search looks for: at most ``SEARCH_WORDS`` of the first ``SEARCH_CHARS``
    characters (a pasted message searches by its start, never by a scan per word of it)."""
    return text[:SEARCH_CHARS].split()[:SEARCH_WORDS]


def search(text: str, common: Collection[str] = ()) -> ColumnElement[bool]:
    """Conversations whose subject, purpose, customer (name or id) or own id hold every word,
    in any case (``ILIKE '%word%'``: inside a longer word too; ``%`` and ``_`` are
    characters). Message bodies are not searched.

    A word of ``TRIGRAM`` characters or more is read through the search index of revision
    0030 (:func:`indexed`); ``common`` names those so frequent that walking the list in its
    order finds a page sooner (:func:`common_words`). A shorter word has no trigram to look
    up: it reads the conversations the other filters leave, and every customer.
    """
    conditions = []
    for word in search_words(text):
        pattern = _pattern(word)
        if len(word) >= TRIGRAM:
            conditions.append(indexed(word, pattern, common=word in common))
            continue
        customers = select(Customer.id).where(_holds(CUSTOMER_FIELDS, pattern))
        conditions.append(
            or_(
                _holds(CONVERSATION_FIELDS, pattern),
                Conversation.customer_id.in_(customers),
            )
        )
    return and_(true(), *conditions)


CONVERSATION_FIELDS = (Conversation.subject, Conversation.purpose, Conversation.external_id)
CUSTOMER_FIELDS = (Customer.name, Customer.external_id)
TRIGRAM = 3  # the shortest word the index can look up: one trigram
# A word more customers, or (SQLite) conversations, than this may hold is common: walking
# the list's order meets a page of its conversations, and the count's cap, after a few
# thousand rows, sooner than every match is read from the index and checked. At 1 million
# conversations on SQLite, a word in 234,000 of them took 960 ms through the index and 14 ms
# walking (the scan before the index: 240-400 ms); a first name of 25,000 customers 144-256
# ms through the index and 63-108 walking (the scan: 167-230); a word in 30 of them 4-9 ms.
COMMON = 10_000


def _pattern(word: str) -> str:
    """``word`` anywhere, as an ``ILIKE`` pattern whose ``%``, ``_`` and ``\\`` are characters."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _holds(fields: Sequence[InstrumentedAttribute[str]], pattern: str) -> ColumnElement[bool]:
    return or_(*(field.ilike(pattern, escape="\\") for field in fields))


def _phrase(word: str) -> str:
    """``word`` as an FTS5 phrase: with the trigram tokenizer, rows holding it anywhere."""
    return '"' + word.replace('"', '""') + '"'


def _fts_ids(index: str, word: str) -> Select[Any]:
    """The rowids an FTS5 trigram table names for ``word`` (SQLite)."""
    return (
        select(literal_column("rowid"))
        .select_from(table(index))
        .where(literal_column(index).op("MATCH")(_phrase(word)))
    )


def indexed(word: str, pattern: str, *, common: bool = False) -> ColumnElement[bool]:
    """Conversations holding ``word`` (``pattern`` is its escaped ``ILIKE``) through the
    search index of revision 0030 (:mod:`poise.db.derived`). It finds what the ``ILIKE``
    alone finds: the index only narrows the rows the ``ILIKE`` is applied to.

    SQLite: the FTS5 trigram tables name the conversations and customers that may hold the
    word (a trigram index folds more case than SQLite's ASCII-only ``lower()``: it may name
    a few too many, never too few), and the ``ILIKE`` keeps those that do. A ``common``
    word's conversations are not looked up, only its customers: the list's order is walked
    (the planner cannot start from an index for one side of an OR only).
    PostgreSQL: ``pg_trgm``'s GIN indexes serve the ``ILIKE`` itself; the customers' ids
    are read once, as an array, so the planner may join every index in one bitmap for a
    rare word or walk the list's order for a common one (without the extension, every row
    is read as before)."""
    own = _holds(CONVERSATION_FIELDS, pattern)
    customers = _holds(CUSTOMER_FIELDS, pattern)
    by_name = select(Customer.id).where(customers)
    many = Conversation.customer_id.in_(by_name)
    few = Conversation.customer_id == any_(func.array(by_name.scalar_subquery()))
    postgres = or_(own, many if common else few)
    found = Customer.id.in_(_fts_ids(CUSTOMERS_SEARCH, word))
    sqlite = or_(
        own if common else and_(Conversation.id.in_(_fts_ids(CONVERSATIONS_SEARCH, word)), own),
        Conversation.customer_id.in_(select(Customer.id).where(found, customers)),
    )
    return _ByDialect(sqlite, postgres)


def common_words(session: Session, text: str) -> frozenset[str]:
    """The words of ``text`` found sooner by walking the list in its order than through the
    index: those more than ``COMMON`` customers may hold, or (SQLite) conversations. The
    planner of PostgreSQL judges the conversations' own columns from its statistics, but not
    an array of customers it has yet to read; SQLite's judges neither. Each look-up stops at
    the ``COMMON`` + 1st row of an index (a few ms). Where PostgreSQL has no trigram index
    (its role could not create ``pg_trgm``), every word is: the search reads as before."""
    words = [word for word in dict.fromkeys(search_words(text)) if len(word) >= TRIGRAM]
    sqlite = session.get_bind().dialect.name == "sqlite"
    if (
        words
        and not sqlite
        and session.scalar(select(func.to_regclass(CUSTOMERS_NAME_TRIGRAMS))) is None
    ):
        return frozenset(words)  # no pg_trgm (docs/deploy.md): read as before the index
    common = set()
    for word in words:
        probes: list[Select[Any]] = (
            [_fts_ids(CUSTOMERS_SEARCH, word), _fts_ids(CONVERSATIONS_SEARCH, word)]
            if sqlite
            else [select(Customer.id).where(_holds(CUSTOMER_FIELDS, _pattern(word)))]
        )
        if any(session.scalar(rows.offset(COMMON).limit(1)) is not None for rows in probes):
            common.add(word)
    return frozenset(common)


class _ByDialect(FunctionElement[Any]):
    """One condition written two ways: the first for SQLite, the second for the others."""

    type = NullType()  # a Boolean would be compared with 1 on SQLite, hiding an IN from its plan
    inherit_cache = True
    name = "by_dialect"


@compiles(_ByDialect, "sqlite")
def _sqlite_form(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    first, _ = element.clauses
    return f"({compiler.process(first, **kw)})"


@compiles(_ByDialect)
def _other_form(element: _ByDialect, compiler: SQLCompiler, **kw: Any) -> str:
    _, second = element.clauses
    return f"({compiler.process(second, **kw)})"


def assigned_to(actor: User, assigned: str | None) -> ColumnElement[bool]:
    """ "Mine" (assigned to the reader) or "my team" (to anyone in the reader's team)."""
    if assigned == "me":
        return Conversation.assignee_id == actor.id
    if assigned == "team":
        if actor.team_id is None:
            raise InvalidInput("you are in no team yet, so there is no team's list to show")
        team = select(User.id).where(User.team_id == actor.team_id)
        return Conversation.assignee_id.in_(team)
    return true()


def readable(query: Select[Any], actor: User, filters: ConversationFilters) -> Select[Any]:
    """The filters plus the visibility rule: what this reader asked for and may open."""
    return filters.apply(query).where(
        visible_conversations(actor), assigned_to(actor, filters.assigned)
    )


def list_conversations(
    session: Session,
    *,
    actor: User,
    filters: ConversationFilters,
    page: int = 1,
    page_size: int = 50,
    bounded: bool = False,
) -> Page[Conversation]:
    """One page in the filters' order, with assignee, customer and rating loaded (no N+1).

    Only conversations ``actor`` may open (:mod:`poise.conversations.visibility`), so no row
    links to a page that refuses its reader. ``bounded``: a search's total may stop at
    ``SEARCH_COUNT_CAP`` (the web list's "more than 1,000"); the API's total stays exact.
    """
    page = max(page, 1)
    ids: list[int] | ScalarSelect[Any]
    more = False  # whether ``total`` is the cap, not the count
    if filters.text:
        filters = replace(filters, common=common_words(session, filters.text))
        total, more, ids = _searched(session, actor, filters, page, page_size, bounded)
    else:
        total = _total(session, actor, filters)
        # The page's ids first, then only their rows: a deep page skips entries of the
        # (opened_at, id, assignee_id) index instead of reading every row it skips.
        ids = (
            filters.order(readable(select(Conversation.id), actor, filters))
            .offset((page - 1) * page_size)
            .limit(page_size)
            .scalar_subquery()
        )
    query = filters.order(select(Conversation).where(Conversation.id.in_(ids))).options(
        selectinload(Conversation.assignee),
        selectinload(Conversation.customer),
        selectinload(Conversation.rating),
    )
    return Page(list(session.scalars(query)), total, page, page_size, more)


# A search's count on the web list stops here: "more than 1,000 conversations match".
SEARCH_COUNT_CAP = 1000


def _searched(
    session: Session,
    actor: User,
    filters: ConversationFilters,
    page: int,
    page_size: int,
    bounded: bool,
) -> tuple[int, bool, list[int]]:
    """A search's total and the page's ids, reading the conversations once when it can.

    No index finds a word inside a text, so counting and then paging reads every
    conversation twice. A page that is not full ends the list, and so tells the total: a
    search for rare words (the usual kind) reads once; a common word fills its page early
    (the newest come first) and is counted apart, as any list. At a million messages (SQLite,
    2 cores, ``benchmarks/pages_flat.py``, old and new code in turn): two rare words 434 ->
    329 ms, a team's agent 711 -> 381 ms; one common word 111 -> 114 ms.

    The count is the slowest read of a common word's search: every conversation, the words
    sought in each (55-72 ms at 52,000 conversations, 440 ms under load, growing with the
    rows). A ``bounded`` one stops after ``SEARCH_COUNT_CAP`` + 1 matches and says whether
    there were more; an empty page past the end is counted in full, to say where it ends."""
    ids = list(
        session.scalars(
            filters.order(readable(select(Conversation.id), actor, filters))
            .offset((page - 1) * page_size)
            .limit(page_size)
        )
    )
    if 0 < len(ids) < page_size or (page == 1 and not ids):
        return (page - 1) * page_size + len(ids), False, ids
    if not bounded or not ids:
        total = session.scalar(readable(select(func.count(Conversation.id)), actor, filters))
        return total or 0, False, ids
    cap = SEARCH_COUNT_CAP
    matches = readable(select(Conversation.id), actor, filters).limit(cap + 1).subquery()
    counted = session.scalar(select(func.count()).select_from(matches)) or 0
    return min(counted, cap), counted > cap, ids


# The list's signal filters and the tally column (``tallies.FLAG_COLUMNS``) that counts each.
TALLIED_SIGNALS = {
    "early_warning": "early_warnings",
    "escalating": "escalating",
    "drifted": "drifted",
    "abusive": "abusive",
    "turnaround": "turnarounds",
}


def _total(session: Session, actor: User, filters: ConversationFilters) -> int:
    """How many conversations the list holds: from the tallies when they can count it (a
    million conversations cost a few thousand tally rows), else from the rows."""
    if not filters.tallied():
        return session.scalar(readable(select(func.count(Conversation.id)), actor, filters)) or 0
    keys = tallies.visible_keys(session, actor, filters.assigned)
    if filters.assignee_id is not None:
        wanted = filters.assignee_id
        keys = [wanted] if keys is None else [k for k in keys if k == wanted]
    start = None
    if filters.opened_from is not None:
        start = datetime.combine(filters.opened_from, time.min, tzinfo=UTC)
    counts = tallies.conversation_counts(
        session,
        start,
        keys,
        channel=filters.channel,
        status=filters.status,
        last_day=filters.opened_to,
    )
    if filters.signal is None:
        return counts[0]
    return counts[1 + tallies.FLAG_COLUMNS.index(TALLIED_SIGNALS[filters.signal])]


def get_conversation(
    session: Session, *, actor: User, conversation_id: int, thread: bool = False
) -> Conversation:
    """One conversation with its rating, customer and assignee, if ``actor`` may read it; its
    whole thread only when ``thread`` asks for it. Every reader takes the turns it shows
    (:mod:`poise.conversations.thread`, :func:`list_messages`), and an import's thread of
    87,747 turns, loaded by default, was a slow page for a caller that forgot to say no.

    Another team's conversation is answered exactly as one that does not exist (NotFound, the
    same message): a 403 would tell an outsider which ids exist, and lists never show it.
    """
    loads = [
        selectinload(Conversation.rating),
        selectinload(Conversation.customer),
        selectinload(Conversation.assignee),
    ] + ([selectinload(Conversation.messages)] if thread else [])
    conv = session.scalar(
        select(Conversation).options(*loads).where(Conversation.id == conversation_id)
    )
    if conv is None or not may_read(actor, conv):
        raise NotFound(not_openable(conversation_id))
    return conv


def list_messages(
    session: Session, *, actor: User, conversation_id: int, page: int, page_size: int
) -> Page[Message]:
    """One page of a conversation's thread in its order (sent, then id), if ``actor`` may read
    the conversation (else NotFound, as :func:`get_conversation`): a thread of thousands of
    turns is read a page at a time."""
    get_conversation(session, actor=actor, conversation_id=conversation_id)
    return paginate(session, _thread(conversation_id), page=page, page_size=page_size)


def opening_messages(session: Session, conv: Conversation, *, limit: int) -> Page[Message]:
    """The first ``limit`` turns of a conversation the caller has opened, and how many its
    thread holds: page 1 of :func:`list_messages` at ``limit`` a page, so what the API's
    conversation inlines and the paged thread that goes on from it never disagree."""
    return paginate(session, _thread(conv.id), page=1, page_size=limit)


def opening_customer_turns(
    session: Session, conversation_ids: Sequence[int], count: int
) -> dict[int, list[str]]:
    """The first ``count`` customer turns of each conversation of ``conversation_ids`` that has
    one, in the thread's order: each read from the start of its thread, however long it is.
    Every customer turn was read to keep the first two, 25,000 bodies for an imported thread
    of 50,000 turns."""

    def nth(k: int) -> ScalarSelect[Any]:
        return (
            select(Message.body)
            .where(Message.conversation_id == Conversation.id, written_by("customer"))
            .order_by(Message.sent_at, Message.id)
            .offset(k)
            .limit(1)
            .scalar_subquery()
        )

    statement = select(Conversation.id, *(nth(k) for k in range(count)))
    found: dict[int, list[str]] = {}
    for conv_id, *bodies in lookup(session, statement, Conversation.id, conversation_ids):
        turns = [body for body in bodies if body is not None]
        if turns:
            found[conv_id] = turns
    return found


def _thread(conversation_id: int) -> Select[Any]:
    """A thread's turns in its order (sent, then id)."""
    return (
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.sent_at, Message.id)
    )


def not_openable(conversation_id: int) -> str:
    """What a reader is told of a conversation that does not exist or that they may not open:
    the same words for both, so the answer does not reveal which."""
    return f"no conversation with id {conversation_id}"


def _people(query: Select[Any], actor: User) -> Select[Any]:
    if actor.is_admin:
        return query
    if actor.team_id is None:
        return query.where(User.id == actor.id)
    return query.where(User.team_id == actor.team_id)


def is_readable_assignee(session: Session, actor: User, user_id: int) -> bool:
    """Whether ``user_id`` is someone whose conversations ``actor`` may open (the visibility
    rule's :func:`readable_assignees`): filtering by anyone else can list nothing."""
    query = select(User.id).where(User.id == user_id)
    readable = readable_assignees(actor)
    if readable is not None:
        query = query.where(User.id.in_(readable))
    return session.scalar(query) is not None


@dataclass(frozen=True)
class FilterChoices:
    """Values the list's filter menus offer."""

    products: list[str]
    assignees: list[User]


def filter_choices(session: Session, actor: User) -> FilterChoices:
    """Products of the conversations ``actor`` may read and the people whose conversations
    they may read: a product named only in another team's conversations is not offered."""
    assignees = session.scalars(
        _people(select(User).where(User.role.in_(("agent", "lead"))), actor).order_by(User.name)
    ).all()
    return FilterChoices(_products(session, actor), list(assignees))


def _products(session: Session, actor: User) -> list[str]:
    """Each product of the conversations ``actor`` may open, once, in order.

    Every product is found by one seek per product down the product index (a loose index
    scan: a GROUP BY read the whole index, ~13 ms at a million messages on every list page,
    for a handful of names); a reader who does not see everything keeps those of which one
    conversation is theirs to open, each found by a few seeks of the (product, assignee)
    index. A DISTINCT over the reader's visible rows read them all, on every list page: a
    lead's menu took 140-185 ms on PostgreSQL at a million conversations (21-29 ms at
    100,000), 1.6 ms now, as an admin's (``benchmarks/product_menu.py``).
    """
    later = Conversation.__table__.alias("later")
    found = (
        select(func.min(Conversation.product).label("product"))
        .where(Conversation.product.is_not(None))
        .cte("products", recursive=True)
    )
    following = select(func.min(later.c.product)).where(later.c.product > found.c.product)
    found = found.union_all(select(following.scalar_subquery()).where(found.c.product.is_not(None)))
    query = select(found.c.product).where(found.c.product.is_not(None)).order_by(found.c.product)
    readable = readable_assignees(actor)
    if readable is not None:
        seen = select(Conversation.id).where(Conversation.product == found.c.product)
        unassigned = seen.where(Conversation.assignee_id.is_(None)).exists()
        theirs = seen.where(Conversation.assignee_id.in_(readable)).exists()
        query = query.where(or_(unassigned, theirs))
    return [p for p in session.scalars(query) if p]


def visible_imports(actor: User) -> ColumnElement[bool]:
    """A WHERE clause over ``import_runs`` keeping what ``actor`` may read: an admin every
    import, a lead those they uploaded and those of their team. An import holds customer
    text (the rejected rows, the refusals' reasons), so another team's is not shown, and
    one made by the command line (no uploader) to its ``--team``'s leads, or with no team
    only to admins."""
    if actor.is_admin:
        return true()
    mine = ImportRun.created_by_id == actor.id
    if actor.team_id is None:
        return mine
    return or_(mine, ImportRun.team_id == actor.team_id)


IMPORT_JOB = re.compile(r"import:(\d+)")  # the subject of the job that scores an import
# The subject of a job scoring listed conversations: delivered turns (scoring.live_subject,
# ``webhook:12,13``) or turns the sweep found (sweep.sweep_subject, ``sweep:12,13``).
CONVERSATIONS_JOB = re.compile(r"(?:webhook|sweep):(\d+(?:,\d+)*),?")


def readable_job(session: Session, *, actor: User, job_id: int) -> JobRun:
    """A job the actor may read or cancel (:func:`may_read_job`); one they may not answers
    exactly as a missing one, so nobody learns which ids exist."""
    job = session.get(JobRun, job_id)
    if job is None or not may_read_job(session, actor, job):
        raise NotFound(f"no job with id {job_id}")
    return job


def may_read_job(session: Session, actor: User, job: JobRun) -> bool:
    """Whether ``actor`` (a lead or an admin) may read or cancel ``job``: the one rule of the
    jobs API and the cancel button.

    A job working for someone's data follows that data's rule: one scoring an import follows
    the import's (:func:`visible_imports`), since its detail names the file; one scoring
    delivered turns (``webhook:12,13``) is read by a lead who may open one of those
    conversations (:func:`visible_conversations`). Any lead read and cancelled another
    team's, learning which conversation ids exist and stopping the scoring of conversations
    they may not open. Other work (mining, syncs, rescoring) is the organisation's, for
    every lead; an admin reads every job."""
    if actor.is_admin:
        return True
    scored = IMPORT_JOB.fullmatch(job.subject)
    if scored:
        return _reads_import(session, actor, int(scored[1]))
    if CONVERSATIONS_JOB.fullmatch(job.subject):
        return _opens_any(session, actor, job_conversation_ids(job.subject))
    return True


def job_conversation_ids(subject: str) -> list[int]:
    """The conversation ids a scoring job's subject names (``webhook:12,13``). A subject cut
    at the column's length may end in a piece of an id, another conversation's: it is left
    out, so the cut never opens a job to a conversation it does not score."""
    found = CONVERSATIONS_JOB.fullmatch(subject)
    if not found:
        return []
    ids = [int(piece) for piece in found[1].split(",")]
    return ids[:-1] if subject_cut(subject) and not subject.endswith(",") else ids


def readable_subject(session: Session, actor: User, subject: str) -> str:
    """A job's subject as ``actor`` may read it: a job scoring conversations names, for a
    reader who is not an admin, only those they may open (``sweep:12,13`` may list another
    team's, whose ids are not theirs to learn); any other subject whole."""
    found = CONVERSATIONS_JOB.fullmatch(subject)
    if actor.is_admin or not found:
        return subject
    ids = job_conversation_ids(subject)
    openable = openable_conversations(session, actor, ids)
    source = subject.split(":", 1)[0]
    return f"{source}:" + ",".join(str(i) for i in ids if i in openable)


def subject_cut(subject: str) -> bool:
    """Whether a subject fills its column, so its list of ids may have been cut short."""
    return len(subject) >= SUBJECT_LENGTH


def _opens_any(session: Session, actor: User, conversation_ids: list[int]) -> bool:
    if not conversation_ids:
        return False
    opened = select(Conversation.id).where(
        Conversation.id.in_(conversation_ids), visible_conversations(actor)
    )
    return session.scalar(opened.limit(1)) is not None


def _reads_import(session: Session, actor: User, run_id: int) -> bool:
    found = select(ImportRun.id).where(ImportRun.id == run_id, visible_imports(actor))
    return session.scalar(found) is not None


def import_history(session: Session, *, actor: User, page: int, page_size: int) -> Page[ImportRun]:
    """One page of the import runs the caller may read, newest first, for the import page's
    history: paged, so an import older than the first page can still be found, with its
    report and errors."""
    query = (
        select(ImportRun)
        .where(visible_imports(actor))
        .options(selectinload(ImportRun.created_by))
        .order_by(ImportRun.created_at.desc(), ImportRun.id.desc())
    )
    return paginate(session, query, page=page, page_size=page_size)


def import_run(session: Session, *, actor: User, run_id: int) -> ImportRun:
    """One import run the caller may read, for its report and its rejected rows; another
    team's answers exactly as an id nothing has, so nobody learns which ids exist."""
    run = session.scalars(
        select(ImportRun).where(ImportRun.id == run_id).where(visible_imports(actor))
    ).one_or_none()
    if run is None:
        raise NotFound(f"no import with id {run_id}")
    return run


def counts(session: Session, *, actor: User | None = None) -> dict[str, int]:
    """How many teams, users, conversations, messages and ratings there are: for ``actor``,
    the conversations they may open with their messages and ratings (every one for an admin,
    or without an actor: the CLI's whole organisation). ``/api/v1/stats`` gave an agent's
    token the whole organisation's totals, 3,013 conversations beside the 1,160 of their list."""
    people = {"teams": select(func.count(Team.id)), "users": select(func.count(User.id))}
    held = {
        "conversations": select(func.count(Conversation.id)),
        "messages": select(func.count(Message.id)),
        "ratings": select(func.count(Rating.id)),
    }
    if actor is not None and not actor.is_admin:
        # Within the conversations they may open, not joined row by row: a join read every
        # message again (an admin's count, 0.5 s at 355,000 messages, now reads an index).
        opened = select(Conversation.id).where(visible_conversations(actor))
        held = {
            "conversations": held["conversations"].where(visible_conversations(actor)),
            "messages": held["messages"].where(Message.conversation_id.in_(opened)),
            "ratings": held["ratings"].where(Rating.conversation_id.in_(opened)),
        }
    return {name: session.scalar(query) or 0 for name, query in (people | held).items()}


def list_integrations(session: Session, *, actor: User) -> list[Integration]:
    """Webhook senders with their secrets: admins only."""
    require_admin(actor)
    return list(session.scalars(select(Integration).order_by(Integration.name)))


@dataclass(frozen=True)
class SignalOverview:
    """What the signals page shows: who needs attention now and how the last weeks felt."""

    attention: list[Conversation]
    needing: int  # every conversation that needs attention; ``attention`` is its riskiest
    counts: dict[str, int]
    emotions: list[tuple[str, int]]
    unscored: int
    since: date  # the counts are of conversations opened from this day (UTC) on

    def list_filters(self) -> dict[str, str]:
        """Each count's filter on the conversation list (``signal``; "" for all of them), so
        a figure links to the conversations it counts."""
        return {label: SIGNAL_FILTER_OF.get(label, "") for label in self.counts}


ATTENTION_ROWS = 10


def signal_overview(
    session: Session, *, actor: User, since: date, assigned: str | None = None
) -> SignalOverview:
    """The open conversations ``actor`` can open, riskiest first (a short list), and those
    opened from the day ``since`` on in numbers; ``assigned`` narrows both to "me" or "team".

    The page counts from the first day of the insights dashboard's default period (the last
    four Monday-to-Sunday weeks, :func:`poise.web.weeks.recent_weeks`), so its unhappy
    openings and turnarounds are the dashboard's. The days are whole UTC days, as the
    conversation list's "opened from" filter counts them, so each figure equals the total of
    the list it links to (and the emotion mix, read from the daily tallies, covers the same
    days)."""
    seen = (visible_conversations(actor), assigned_to(actor, assigned))
    keys = tallies.visible_keys(session, actor, assigned)
    since_at = datetime.combine(since, time.min, tzinfo=UTC)
    needing = (needs_attention(), *seen)
    at_risk = (
        select(Conversation)
        .options(selectinload(Conversation.assignee))
        .where(*needing)
        .order_by(Conversation.escalation_risk.desc().nulls_last(), Conversation.id.desc())
        .limit(ATTENTION_ROWS)
    )
    attention = session.scalars(at_risk).all()
    return SignalOverview(
        attention=list(attention),
        needing=_needing_attention(session, needing, len(attention)),
        counts=_recent_counts(session, since_at, seen, keys),
        emotions=_recent_emotions(session, since_at, keys),
        unscored=_unscored_turns(session, seen),
        since=since,
    )


def _needing_attention(
    session: Session, needing: tuple[ColumnElement[bool], ...], shown: int
) -> int:
    """How many conversations need attention in all, so a short list can say it is the top
    of a longer one; counted only when the list is full."""
    if shown < ATTENTION_ROWS:
        return shown
    return session.scalar(select(func.count(Conversation.id)).where(*needing)) or 0


SIGNAL_FLAGS: dict[str, ColumnElement[bool]] = {  # in the order of tallies.FLAG_COLUMNS
    "early warnings": Conversation.early_warning.is_(True),
    "escalating": Conversation.escalation_risk >= ESCALATING,
    "abusive": Conversation.abusive.is_(True),
    "drifted": Conversation.drifted.is_(True),
    "turnarounds": Conversation.turnaround.is_(True),
}
SIGNAL_FILTER_OF = {  # each count's ``signal`` filter on the conversation list
    "early warnings": "early_warning",
    "escalating": "escalating",
    "abusive": "abusive",
    "drifted": "drifted",
    "turnarounds": "turnaround",
}


def _recent_counts(
    session: Session, since: datetime, seen: tuple[ColumnElement[bool], ...], keys: tallies.Keys
) -> dict[str, int]:
    """Conversations opened since ``since`` and how many carry each flag: the rest of the
    first day from the rows (one pass), every later day from the tallies."""
    midnight = tallies.whole_days_after(since)
    columns = [func.count(Conversation.id)] + [
        func.coalesce(func.sum(case((cond, 1), else_=0)), 0) for cond in SIGNAL_FLAGS.values()
    ]
    opened = (Conversation.opened_at >= since, Conversation.opened_at < midnight)
    first_day = session.execute(select(*columns).where(*opened, *seen)).one()
    later = tallies.conversation_counts(session, midnight, keys)
    counts = [int(n) + m for n, m in zip(first_day, later, strict=True)]
    return dict(zip(["conversations", *SIGNAL_FLAGS], counts, strict=True))


def _recent_emotions(
    session: Session, since: datetime, keys: tallies.Keys
) -> list[tuple[str, int]]:
    """Customer turns by emotion, most frequent first, over whole UTC days from the day of
    ``since``, from the tallies alone. (The rest of a first day would have to be counted from
    the turns, and SQLite's planner walks every customer turn for that; a mix of shares does
    not need the hours.)"""
    counts = tallies.emotion_counts(session, since, keys)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _unscored_turns(session: Session, seen: tuple[ColumnElement[bool], ...]) -> int:
    """Customer turns waiting for the scorer in the conversations the page counts (``seen``):
    every team's were counted, so an agent read another team's backlog. The partial index
    ``ix_messages_unscored`` keeps this small when all is scored, however many messages there
    are; each waiting turn's conversation is then one lookup by key."""
    waiting = (
        select(func.count())
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.author_role == "customer", Message.signal_version.is_(None), *seen)
    )
    return session.scalar(waiting) or 0
