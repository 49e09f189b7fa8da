"""Hybrid search over the published manual: full text in the database, meaning in NumPy.

Lexical: SQLite FTS5 (``bm25()``, porter stemming) or PostgreSQL ``tsvector`` with a GIN
index, over :class:`SearchEntry` rows (title, issue and phrasings of published articles: the
customer's words, not the fix). Semantic: every published phrasing's embedding, loaded once
per process into a :class:`ManualIndex` and refreshed when the manual's version fact changes
(any worker that publishes bumps it), then scored by :mod:`poise.knowledge.matching`, with
the issue classifier of :mod:`poise.knowledge.classifier` when the manual has one fitted.

The SQLite FTS5 table is a derived cache made on first use rather than in a migration: it is
rebuilt from ``kb_search_entries`` whenever it is missing, and Alembic's model comparison
(which cannot describe virtual tables) stays exact.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, bindparam, delete, select, text
from sqlalchemy.orm import Session, selectinload

from poise.db.meta import get_fact, set_fact
from poise.knowledge import vectors
from poise.knowledge.classifier import IssueClassifier, fit_classifier
from poise.knowledge.matching import FloatArray, Matcher, MatchParams, fuse, match_probability
from poise.knowledge.models import Article, Phrasing, SearchEntry
from poise.knowledge.text import (
    clip,
    from_blob,
    mark_spans,
    mark_words,
    plain,
    plain_steps,
    to_blob,
    words,
)
from poise.minilm.encoder import embed_queries, embed_query
from poise.signals.text import without_placeholders

VERSION_FACT = "kb_manual_version"
LEXICAL_LIMIT = 200
CLASSIFIER_INLINE = 20_000  # phrasings × issues fitted while the search waits (< 0.1 s)
CLASSIFIER_BUDGET = 50_000_000  # beyond: no classifier (a fit would take many minutes)
MAX_QUERY_WORDS = 40
PRODUCT_BOOST = 0.02  # an article of the conversation's product, among near equals, first
RECHECK_BLOCK = 256  # earlier queries scored at once (256 × 10,000 phrasings: 10 MB)


@dataclass(frozen=True)
class Hit:
    """One matching article, with why it matched.

    ``score`` is the one number people see: the calibrated probability that the article is
    the customer's issue (:func:`poise.knowledge.matching.match_probability`). ``snippet`` is
    the start of the resolution (what to do), ``phrasing`` the customer wording it matched.
    """

    article_id: int
    title: str
    issue: str
    product: str | None
    feature: str | None
    score: float
    semantic: float
    lexical: float
    snippet: str  # the resolution's start, MARK_START/MARK_END around matched words
    phrasing: str = ""  # the article's wording nearest the query, marked the same way

    def as_dict(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "title": self.title,
            "issue": self.issue,
            "product": self.product,
            "feature": self.feature,
            "score": round(self.score, 4),
            "match_percent": round(100 * self.score),
            "resolution": plain(self.snippet),
            "resolution_marks": mark_spans(self.snippet),
            "highlight": plain(self.phrasing),
            "highlight_marks": mark_spans(self.phrasing),
        }


@dataclass
class SearchResult:
    """The hits for a query, the best one's match probability, and whether it is a gap
    (the best match is below the threshold: never said of a good match)."""

    query: str
    hits: list[Hit]
    confidence: float
    gap: bool
    query_vector: FloatArray | None = field(default=None, repr=False)


# ---------------------------------------------------------------- lexical backends


def fts_query(query: str) -> str:
    """An FTS5 MATCH expression: every content word, quoted, joined by OR."""
    terms = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)


def ensure_fts(connection: Connection) -> None:
    """Create the SQLite FTS5 mirror of the search entries if it is missing, and fill it."""
    exists = connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'kb_fts'")).first()
    if exists:
        return
    connection.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS kb_fts USING fts5("
            "body, article_id UNINDEXED, tokenize = 'porter unicode61')"
        )
    )
    connection.execute(
        text(
            "INSERT INTO kb_fts(rowid, body, article_id) "
            "SELECT id, body, article_id FROM kb_search_entries"
        )
    )


def lexical_sqlite(
    connection: Connection, query: str, limit: int = LEXICAL_LIMIT
) -> list[tuple[int, float]]:
    """(article id, score) of the best FTS5 entries; higher is better."""
    match = fts_query(query)
    if not match:
        return []
    ensure_fts(connection)
    return _fts_rows(connection, match, limit)


def _fts_rows(connection: Connection, match: str, limit: int) -> list[tuple[int, float]]:
    """The FTS5 read itself, the table known to exist.

    Highlighting is left to the few hits shown (see :func:`_hit`): ``highlight()`` over a
    thousand candidate rows would cost more than the ranking itself.
    """
    rows = connection.execute(
        text(
            "SELECT article_id, -bm25(kb_fts) FROM kb_fts "
            "WHERE kb_fts MATCH :q ORDER BY bm25(kb_fts) LIMIT :n"
        ),
        {"q": match, "n": limit},
    )
    return [(int(a), float(s)) for a, s in rows]


def lexical_postgres(
    connection: Connection, query: str, limit: int = LEXICAL_LIMIT
) -> list[tuple[int, float]]:
    """The same from PostgreSQL: ``websearch_to_tsquery`` over the GIN-indexed tsvector."""
    terms = list(dict.fromkeys(words(query)))[:MAX_QUERY_WORDS]
    if not terms:
        return []
    rows = connection.execute(
        text(
            "SELECT e.article_id, ts_rank(e.tsv, q) AS score"
            " FROM kb_search_entries e, websearch_to_tsquery('english', :q) q"
            " WHERE e.tsv @@ q ORDER BY score DESC LIMIT :n"
        ),
        {"q": " or ".join(terms), "n": limit},
    )
    return [(int(a), float(s)) for a, s in rows]


def lexical(session: Session, query: str) -> list[tuple[int, float]]:
    return lexical_many(session, [query])[query]


def lexical_many(session: Session, queries: list[str]) -> dict[str, list[tuple[int, float]]]:
    """:func:`lexical` for each query: the FTS5 table checked once, and one read per distinct
    wording (two queries that differ in case or punctuation search the same words)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return {q: lexical_postgres(connection, q) for q in queries}
    matches = {q: fts_query(q) for q in queries}
    if any(matches.values()):
        ensure_fts(connection)
    found = {m: _fts_rows(connection, m, LEXICAL_LIMIT) for m in set(matches.values()) if m}
    return {q: found.get(m, []) for q, m in matches.items()}


# ---------------------------------------------------------------- index upkeep


def _entries(article: Article) -> list[tuple[str, str]]:
    rows = [("title", article.title), ("issue", article.issue)]
    return rows + [("phrasing", p.text) for p in article.phrasings]


def embed_missing(session: Session, articles: list[Article]) -> None:
    """Give every issue and phrasing without an embedding one (one batch for all)."""
    targets: list[Article | Phrasing] = []
    for article in articles:
        if article.embedding is None:
            targets.append(article)
        targets += [p for p in article.phrasings if p.embedding is None]
    if not targets:
        return
    texts = [t.issue if isinstance(t, Article) else t.text for t in targets]
    vectors.claim(session)
    for row, vector in zip(targets, vectors.encode(texts), strict=True):
        row.embedding = to_blob(vector)


def reindex_article(session: Session, article: Article) -> None:
    """Bring the search entries of one article in line with its status and text."""
    reindex_articles(session, [article])


def reindex_articles(session: Session, articles: list[Article]) -> None:
    """Re-write the search entries of ``articles`` (only published ones stay searchable)."""
    embed_missing(session, articles)
    ids = [a.id for a in articles]
    for start in range(0, len(ids), 500):
        _drop_entries(session, ids[start : start + 500])
    entries = [
        SearchEntry(article_id=a.id, field=name, body=body)
        for a in articles
        if a.status == "published"
        for name, body in _entries(a)
    ]
    session.add_all(entries)
    session.flush()
    if entries:
        _index_entries(session, entries)
    bump_version(session)


def _drop_entries(session: Session, ids: list[int]) -> None:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        ensure_fts(connection)
        connection.execute(
            text(
                "DELETE FROM kb_fts WHERE rowid IN "
                "(SELECT id FROM kb_search_entries WHERE article_id IN :ids)"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
    session.execute(delete(SearchEntry).where(SearchEntry.article_id.in_(ids)))


def _index_entries(session: Session, entries: list[SearchEntry]) -> None:
    """Mirror new entries into FTS5 (SQLite) or fill their tsvector (PostgreSQL)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.execute(
            text("INSERT INTO kb_fts(rowid, body, article_id) VALUES (:id, :body, :article_id)"),
            [{"id": e.id, "body": e.body, "article_id": e.article_id} for e in entries],
        )
        return
    ids = [e.id for e in entries]
    for start in range(0, len(ids), 1000):
        connection.execute(
            text(
                "UPDATE kb_search_entries SET tsv = to_tsvector('english', body) WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids[start : start + 1000]},
        )


def bump_version(session: Session) -> None:
    """Tell every worker that the published manual changed (their in-memory index reloads)."""
    set_fact(session, VERSION_FACT, uuid.uuid4().hex)


# ---------------------------------------------------------------- in-memory index


@dataclass(frozen=True)
class Card:
    """What a hit shows of an article."""

    title: str
    issue: str
    product: str | None
    feature: str | None
    resolution: str = ""


@dataclass
class ManualIndex:
    """The published manual's phrasing vectors, loaded once per version."""

    version: str
    article_ids: list[int]
    cards: list[Card]
    phrasings: list[str]
    owner: np.ndarray
    matcher: Matcher
    classifier: IssueClassifier | None = None  # attached when fitted (maybe in the background)
    position: dict[int, int] = field(default_factory=dict)  # article id → row

    def best_phrasing(self, i: int, vector: FloatArray) -> str:
        """The article's phrasing (or issue) nearest the query, to show why it matched."""
        m = self.matcher
        start, end = int(m.starts[i]), int(m.starts[i + 1])
        if end == start:
            return self.cards[i].issue
        best = start + int(np.argmax(m.vectors[start:end] @ vector))
        return self.phrasings[int(m.order[best])]


_indexes: dict[str, ManualIndex] = {}
_index_lock = threading.Lock()


def load_index(session: Session, params: MatchParams | None = None) -> ManualIndex:
    """The current in-memory index for this database (rebuilt when the version changed)."""
    version = get_fact(session, VERSION_FACT) or "empty"
    key = session.connection().engine.url.render_as_string(hide_password=True)
    cached = _indexes.get(key)
    if cached is not None and cached.version == version:
        return cached
    with _index_lock:
        index = _build_index(session, version, params)
        _indexes[key] = index
    _fit_classifier(index)
    return index


def fits_classifier(phrasings: int, issues: int) -> bool:
    """Whether a manual gets an issue classifier: two issues or more (one has nothing to tell
    apart), within ``CLASSIFIER_BUDGET`` phrasing × issue pairs."""
    return issues >= 2 and phrasings * issues <= CLASSIFIER_BUDGET


def _fit_classifier(index: ManualIndex) -> None:
    """Fit the issue classifier now when it is tiny, in a background thread when it is not,
    and not at all beyond ``CLASSIFIER_BUDGET`` (search then uses the pooled score alone)."""
    m = index.matcher
    size = len(m.vectors) * m.issues
    if not fits_classifier(len(m.vectors), m.issues):
        return

    def fit() -> None:
        index.classifier = fit_classifier(
            m.vectors, m.owner, m.issues, rounds=m.params.classifier_rounds
        )

    if size <= CLASSIFIER_INLINE:
        fit()
    else:
        threading.Thread(target=fit, name="poise-kb-classifier", daemon=True).start()


def _phrasing_vectors(
    articles: list[Article], *, current: bool
) -> tuple[FloatArray, list[int], list[str]]:
    """Every issue and phrasing's vector, its article's position and its text. Stored vectors
    of an outdated encoder are not read: the texts are embedded here, in memory (a reader
    never writes; ``poise kb reembed`` stores them)."""
    owner: list[int] = []
    texts: list[str] = []
    blobs: list[bytes | None] = []
    for position, article in enumerate(articles):
        rows = [(article.embedding, article.issue)]
        rows += [(p.embedding, p.text) for p in article.phrasings]
        for blob, phrase in rows:
            if blob or not current:
                owner.append(position)
                texts.append(phrase)
                blobs.append(blob)
    if not texts:
        return np.zeros((0, 384), np.float32), owner, texts
    if current:
        return np.vstack([from_blob(b) for b in blobs if b]), owner, texts
    return vectors.encode(texts), owner, texts


def _build_index(session: Session, version: str, params: MatchParams | None) -> ManualIndex:
    articles = list(
        session.scalars(
            select(Article)
            .where(Article.status == "published")
            .options(selectinload(Article.phrasings))
            .order_by(Article.id)
        )
    )
    matrix, owner, texts = _phrasing_vectors(articles, current=vectors.stored_current(session))
    owners = np.asarray(owner, dtype=np.int64)
    return ManualIndex(
        version=version,
        article_ids=[a.id for a in articles],
        cards=[
            Card(a.title, a.issue, a.product, a.feature, plain_steps(a.resolution))
            for a in articles
        ],
        phrasings=texts,
        owner=owners,
        matcher=Matcher(matrix, owners, len(articles), params),
        position={a.id: i for i, a in enumerate(articles)},
    )


# ---------------------------------------------------------------- search


def clean_query(query: str) -> str:
    """A query as searched: without redaction placeholders (``mining.clean_request`` drops them
    from the requests the manual is mined from), whitespace collapsed, at most 2,000
    characters."""
    return without_placeholders(query)[:2000]


def search_many(
    session: Session, queries: list[str], *, limit: int = 5, product: str | None = None
) -> list[SearchResult]:
    """``search`` for each query: the manual's version read once, their embeddings computed
    together in one encoder call, and each distinct query searched once (a conversation's
    suggestions search its purpose and its customer's words, often the same words; each
    search read the version again: 19 statements a suggestions box)."""
    index = load_index(session)
    distinct = list(dict.fromkeys(map(clean_query, queries)))
    wanted = [q for q in distinct if q] if index.article_ids else []
    if wanted:
        embed_queries(wanted)
    rows = {q: _lexical_row(index, found) for q, found in lexical_many(session, wanted).items()}
    results = {q: _ranked(index, q, rows.get(q), limit, product) for q in distinct}
    return [results[clean_query(q)] for q in queries]


def search(
    session: Session, query: str, *, limit: int = 5, product: str | None = None
) -> SearchResult:
    """The published articles best matching ``query``, best first, each with its match
    probability, and a gap verdict (the best probability under ``gap_threshold``)."""
    return search_many(session, [query], limit=limit, product=product)[0]


def _ranked(
    index: ManualIndex, query: str, lex: FloatArray | None, limit: int, product: str | None
) -> SearchResult:
    """:func:`search`'s answer for a cleaned query, its full-text scores read (``lex``)."""
    if not query or lex is None:
        return SearchResult(query, [], 0.0, bool(query))
    vector = embed_query(query)
    semantic = index.matcher.semantic(vector[None, :])[0]
    params = index.matcher.params
    probabilities = index.classifier.probabilities(vector[None, :]) if index.classifier else None
    fused = fuse(semantic[None, :], lex[None, :], params, probabilities)[0]
    fused = fused + _product_boost(index, product)
    probability = match_probability(fused, classifier=index.classifier is not None)
    top_lex = float(lex.max()) or 1.0
    hits = [
        _hit(
            index, int(i), float(probability[i]), float(semantic[i]), float(lex[i] / top_lex), query
        )
        for i in np.argsort(-fused)[:limit]
    ]
    sure = float(probability.max())
    return SearchResult(query, hits, sure, sure < params.gap_threshold, vector)


def _lexical_row(index: ManualIndex, found: list[tuple[int, float]]) -> FloatArray:
    """Each published article's best full-text score of ``found`` (0 where none)."""
    lex = np.zeros(len(index.article_ids), np.float32)
    for article_id, score in found:
        i = index.position.get(article_id)
        if i is not None and score > lex[i]:
            lex[i] = score
    return lex


def _product_boost(index: ManualIndex, product: str | None) -> FloatArray:
    """The small lift an article of the conversation's own product gets (0 without one)."""
    boost = [PRODUCT_BOOST if product and c.product == product else 0.0 for c in index.cards]
    return np.asarray(boost, np.float32)


@dataclass(frozen=True)
class Asked:
    """A query searched before (a gap's words, their embedding and product), to search again."""

    query: str
    vector: FloatArray
    product: str | None = None


def confident_matches(session: Session, asked: list[Asked]) -> list[int | None]:
    """For each earlier query, the article :func:`search` would now put first when it is a
    confident match (not a gap), else None: the same scores, batched for thousands.

    The stored embeddings are scored against the manual in blocks, with the classifier's
    term; full text is searched only for a query that the most words can add (the lexical
    weight) would lift over the gap threshold, so a report of thousands of gaps runs a few
    full-text queries, not one per gap, and embeds nothing.
    """
    index = load_index(session)
    found: list[int | None] = [None] * len(asked)
    if not index.article_ids:
        return found
    for start in range(0, len(asked), RECHECK_BLOCK):
        block = asked[start : start + RECHECK_BLOCK]
        for at, article_id in _confident_block(session, index, block).items():
            found[start + at] = article_id
    return found


def _confident_block(session: Session, index: ManualIndex, asked: list[Asked]) -> dict[int, int]:
    """Position in ``asked`` → article id, for the queries confidently answered now."""
    params, pooled = index.matcher.params, index.classifier is None
    base = _without_words(index, asked)
    answered = {
        row: index.article_ids[int(base[row].argmax())] for row in _settled(base, params, pooled)
    }
    ceiling = match_probability(base.max(axis=1) + params.lexical_weight, classifier=not pooled)
    hopeful = [int(r) for r in np.flatnonzero(ceiling >= params.gap_threshold) if r not in answered]
    answered.update(_with_words(session, index, asked, base, hopeful))
    return answered


def _without_words(index: ManualIndex, asked: list[Asked]) -> FloatArray:
    """The hybrid scores :func:`search` computes, but for full text: meaning, the classifier's
    term and the product's lift, for every query of the block at once."""
    queries = np.vstack([a.vector for a in asked]).astype(np.float32)
    semantic = index.matcher.semantic(queries)
    classifier = index.classifier
    probabilities = classifier.probabilities(queries) if classifier is not None else None
    base = fuse(semantic, np.zeros_like(semantic), index.matcher.params, probabilities)
    result: FloatArray = base + np.vstack([_product_boost(index, a.product) for a in asked])
    return result


def _with_words(
    session: Session, index: ManualIndex, asked: list[Asked], base: FloatArray, rows: list[int]
) -> dict[int, int]:
    """Of ``rows``, those full text makes confident, with the article it puts first; one
    full-text query per distinct wording (a gap raised again in the same words)."""
    params, pooled = index.matcher.params, index.classifier is None
    words_of: dict[str, FloatArray] = {}
    answered: dict[int, int] = {}
    for row in rows:
        query = asked[row].query
        if query not in words_of:
            words_of[query] = _lexical_row(index, lexical(session, query))
        lex = words_of[query]
        top = lex.max()
        fused = base[row] + params.lexical_weight * (lex / top if top > 0 else lex)
        best = int(np.argmax(fused))
        if match_probability(fused[best], classifier=not pooled) >= params.gap_threshold:
            answered[row] = index.article_ids[best]
    return answered


def _settled(base: FloatArray, params: MatchParams, pooled: bool) -> list[int]:
    """The rows whose answer full text cannot change: confident without it (words only add),
    and the best article ahead of the next by more than words can add to the next."""
    if base.shape[1] < 2:
        ahead = np.full(base.shape[0], True)
    else:
        top_two = np.sort(np.partition(base, -2, axis=1)[:, -2:], axis=1)
        ahead = top_two[:, 1] - top_two[:, 0] > params.lexical_weight
    sure = match_probability(base.max(axis=1), classifier=not pooled) >= params.gap_threshold
    return [int(row) for row in np.flatnonzero(sure & ahead)]


def gap_threshold(session: Session) -> float:
    """Below this best match probability a search is a gap (the manual's matcher's own)."""
    return load_index(session).matcher.params.gap_threshold


def _hit(
    index: ManualIndex, i: int, score: float, semantic: float, lexical_score: float, query: str
) -> Hit:
    """One hit: the resolution's start as its snippet, and the phrasing closest to the query,
    both with the words they share with the query marked."""
    card = index.cards[i]
    shared = set(words(query))
    phrasing = mark_words(index.best_phrasing(i, embed_query(query)), shared)
    snippet = mark_words(card.resolution, shared) if card.resolution else phrasing
    return Hit(
        article_id=index.article_ids[i],
        title=card.title,
        issue=card.issue,
        product=card.product,
        feature=card.feature,
        score=score,
        semantic=semantic,
        lexical=lexical_score,
        snippet=clip(snippet, 300),
        phrasing=clip(phrasing, 300),
    )
