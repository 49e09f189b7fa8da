"""Hand-labelled development sets of real support text: draw, join with the text, write eval files.

The label files in ``tests/fixtures/labels/`` hold ids and labels only: the text they label
(twcs tweets, TweetSumm dialogues) has no licence, so it stays in ``../shared/data`` and is
joined here. Usage::

    python benchmarks/labelled_sets.py write --out FOLDER [--data-dir ../shared/data]
    python benchmarks/labelled_sets.py kudos
    python benchmarks/labelled_sets.py happy [--held-out]
    poise eval negativity --data FOLDER/twcs_feeling.jsonl
    poise eval conversations --data FOLDER/tweetsumm_openings.jsonl
    poise eval conversations --data FOLDER/tweetsumm_turns.jsonl

``draw`` prints the rows a set was drawn from, in labelling order, so a set can be extended
or relabelled by someone else (``draw feeling``, ``draw openings``, ``draw turns``,
``draw abuse``, ``draw kudos``, ``draw happy``).

How the sets were drawn (the seeds are the defaults below):

- ``twcs_feeling``: 300 inbound (customer) tweets of ``twcs_first5000.csv``, shuffled with
  ``random.Random(FEELING_SEED)``; tweets signed like an agent (``^AB``) and empty ones are left
  out first.
- ``tweetsumm_openings``: 200 of the 857 TweetSumm dialogues with text, shuffled with
  ``random.Random(OPENINGS_SEED)``.
- ``tweetsumm_turns``: the first ``TURNS_N`` (150) of the TweetSumm dialogues with text that
  are not among the openings set's 200, shuffled with ``random.Random(TURNS_SEED)``, so the two
  sets judge different conversations. Every customer turn (813) carries an interaction quality
  ``iq`` from 1 to 5, after Schmitt et al.'s Interaction Quality scale: an expert observer's
  judgement of how the exchange is going at that turn, reading the dialogue from its start up
  to and including that turn only (never later turns, so a rescue that comes later does not
  lift an earlier turn). 5 = going well, the customer satisfied (thanks for a fix, praise);
  4 = fine with minor friction (polite, cooperative, a small snag accepted); 3 = neutral or
  uncertain (a plain question or problem report, details given, a failed step taken calmly);
  2 = going badly (the customer frustrated, repeating, not helped, sarcastic or annoyed with
  the agent or the company); 1 = very badly (angry, hostile or insulting, giving up, threatening
  to leave, to go public or to take it further). The scale reads the whole exchange so far, so
  a calm reply after a run of failures stays low. ``poise eval conversations`` counts
  ``iq <= 2`` as going badly. Labelled by one labeller, one dialogue at a time, blind to
  Poise's and VADER's scores (the labels were committed before anything scored them).
- ``abuse_vs_threat``: customer tweets in four passes, kept in this order: every inbound
  twcs-sample tweet matching ``INSULT`` or ``LEAVING``; ``ABUSE_RANDOM_N`` other inbound tweets
  drawn with ``random.Random(ABUSE_SEED)``; the rest matching ``TWCS_MORE``; then, because the
  twcs sample holds few insults aimed at people, TweetSumm customer turns (real twcs tweets
  from the whole corpus, not in the sample) matching ``TWEETSUMM_FIRST``, then ``TWEETSUMM_MORE``.
- ``kudos_praise``: 100 rated comments for the kudos picker (see ``draw_kudos``): airline tweets
  of the evaluation-only test half (45 the crowd called positive, 25 neutral, 10 negative, so
  most look like a green robot's comment) and 20 twcs customer tweets that say thanks (the
  thanks-and-a-request kind). Each was read and labelled ``praise`` by hand, blind to the
  picker: praise thanks or praises the agent, the company or its service and asks, reports
  or mocks nothing ("I will. Thanks." is praise; "thank you! It's # 1875 from BWI, keep seeing
  different stats" is not; excitement about news is not). ``python benchmarks/labelled_sets.py
  kudos`` scores the picker on it.
- ``happy_file``: ``HAPPY_N`` (240) customer turns that the Happy File would read as thanks,
  drawn as the product meets them: every inbound twcs-sample tweet (agent-signed ones left out)
  and every TweetSumm customer turn not already in twcs-sample that matches
  ``poise.morale.praise.is_gratitude`` (801 in all), shuffled with
  ``random.Random(HAPPY_SEED)``. Each was read and labelled ``keep`` by hand, one labeller,
  blind to every predicate (the labels were committed before anything scored them): ``keep``
  is a message an agent would be glad to find in their Happy File: it thanks or praises the
  help, the agent or the team, and it asks for nothing still open (a question, "thanks in
  advance", "please let me know"), reports no open problem (still broken, an order's details
  or an account number given for a problem still being handled, a refusal "thanks but ..."),
  and does not mock (sarcasm, "Thanks @X for ruining Halloween"). "Thanks, that worked!",
  "Ok, thank you.", "Thank you, I'll try that tomorrow" and thanks for the company's crew or
  food are kept; "Thanks. Still no refund.", "Thank you! My account number is 123" and
  "Thanks to @X" meaning "because of" are not. Label counts: 133 keep, 107 not. The rows
  are split in two halves by :func:`happy_half` (a hash of the tweet id): predicates are
  chosen on ``dev`` and ``held_out`` is reported once, after choosing. ``python
  benchmarks/labelled_sets.py happy`` scores the candidate predicates on the development half
  (``--held-out`` on the other): the signals' ``praise_turn`` (satisfied, negativity < 0.3) is
  taken from ``get_scorer("negativity")`` on the text, as a scoring job stores it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from poise.signals.training.data import airline_half, default_data_dir

LABELS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "labels"
FEELINGS = ("very_negative", "negative", "neutral", "positive", "very_positive")
NEGATIVE_FEELINGS = frozenset(FEELINGS[:2])
FEELING_SEED = 20261203
OPENINGS_SEED = 20261204
ABUSE_SEED = 20261205
KUDOS_SEED = 20261206
TURNS_SEED = 20261207
HAPPY_SEED = 20261208
HAPPY_N = 240
# How many rated comments the kudos set takes from each stratum (airline labels only stratify
# the draw; every comment is labelled again by hand as praise or not).
KUDOS_STRATA = (
    ("airline", "positive", 45),
    ("airline", "neutral", 25),
    ("airline", "negative", 10),
)
KUDOS_TWCS_N = 20
# twcs customer tweets that thank someone: the hard cases (thanks and a request in one tweet).
THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|appreciate\w*|grateful)\b", re.IGNORECASE)
FEELING_N = 300
OPENINGS_N = 200
TURNS_N = 150
ABUSE_RANDOM_N = 60
AGENT_SIGNOFF = re.compile(r"\^[A-Z]{2,3}\s*$")
# The abuse set was drawn in four passes, each adding what the earlier ones had not found:
# twcs-sample keyword candidates, random twcs-sample tweets, broader twcs-sample keywords, then
# customer turns of TweetSumm (twcs tweets too, from the whole corpus) by two keyword lists.
INSULT = re.compile(
    r"\b(idiot|stupid|useless|incompetent|moron|dumb|clown|pathetic|f\*+|fuck\w*|shit\w*|"
    r"wtf|ass(hole)?|crap|bitch|joke|liar|lying|clueless)\b",
    re.IGNORECASE,
)
LEAVING = re.compile(
    r"\b(cancel\w*|switch\w*|leav\w*|review|bbb|fcc|ofcom|regulator|ombudsman|lawyer|sue|"
    r"never again|never (use|fly|buy|shop)\w*|telling everyone|go(ing)? elsewhere|"
    r"competitor|close my account|done with you)\b",
    re.IGNORECASE,
)
TWCS_MORE = re.compile(
    r"\b(suck\w*|morons?|gfy|trash|garbage|dick\w*|bastards?|wank\w*|screw (you|u)|hate (you|u)|"
    r"idiots|liars?|thieves|thief|scam\w*|criminals?|cunts?|prick|twats?|losers?|clowns|done with|"
    r"never again|bye|report(ing)?|complain\w*|tell(ing)? (my )?(friends|everyone)|unsubscrib\w*|"
    r"attorney|trading standards|boycott|delete\w*|port(ing)? (out|my)|move (to|my)|moving to|"
    r"last time|find (a|another) new)\b",
    re.IGNORECASE,
)
TWEETSUMM_FIRST = re.compile(
    r"\b(idiots?|stupid|morons?|f\*+k?|fuck\w*|cunts?|bastards?|pricks?|twats?|dicks?|dickheads?|"
    r"wank\w*|clowns?|losers?|(you|u|y'all|you guys) suck|gfy|criminals|thieves|liars|scum\w*|"
    r"incompetent|pathetic|dumb|assholes?|bitch\w*|jerks?|muppets?|cowboys|shit\w*|crap|bbb|fcc|"
    r"ofcom|ombudsman|lawyer|sue|switch\w*|cancel\w*|leav\w*|never again|review|done with)\b",
    re.IGNORECASE,
)
TWEETSUMM_MORE = re.compile(
    r"\b(pigs?|scammers?|crooks?|frauds?|dumbass\w*|retard\w*|hate (you|u)|screw (you|u)|"
    r"go to hell|piss off|numpty|halfwits?|stfu|shut up|you people|fools?|ignorant|rude|idiot\w*|"
    r"stupid|morons?|clowns?|jokers?|liars?|cheat\w*|thie\w*|criminal\w*|useless|suck\w*)\b",
    re.IGNORECASE,
)
TURN = re.compile(r"^\t(Customer|Agent):\t", re.MULTILINE)


@dataclass(frozen=True)
class Tweet:
    """One row of ``twcs_first5000.csv``: ``row`` is its index column, ``tweet_id`` twcs's id."""

    row: int
    tweet_id: int
    author_id: str
    inbound: bool
    text: str


def load_twcs(data_dir: Path) -> dict[int, Tweet]:
    """Every tweet of the twcs sample by id; the tweet with bare carriage returns is mended."""
    path = data_dir / "twcs-sample" / "twcs_first5000.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        raw = handle.read()
    # Tweet 3399 holds two unquoted bare CRs that split its record: read them as spaces.
    mended = re.sub(r"\r(?!\n)", " ", raw)
    tweets: dict[int, Tweet] = {}
    for record in csv.DictReader(io.StringIO(mended, newline="")):
        tweet = Tweet(
            row=int(record[""]),
            tweet_id=int(record["tweet_id"]),
            author_id=record["author_id"],
            inbound=record["inbound"] == "True",
            text=record["text"],
        )
        tweets[tweet.tweet_id] = tweet
    return tweets


def customer_tweets(tweets: dict[int, Tweet]) -> list[Tweet]:
    """Inbound tweets written by customers, in file order (agent-signed inbound ones left out)."""
    return [
        t
        for t in sorted(tweets.values(), key=lambda t: t.row)
        if t.inbound and t.text.strip() and not AGENT_SIGNOFF.search(t.text)
    ]


@dataclass(frozen=True)
class Candidate:
    """A customer tweet of the abuse set: from twcs-sample (``row``) or a TweetSumm turn."""

    source: str  # "twcs" or "tweetsumm"
    tweet_id: int
    text: str
    row: int | None = None
    conversation_id: str | None = None
    turn: int | None = None

    def key(self) -> dict[str, Any]:
        """What a label row stores to find this tweet again (no text)."""
        if self.source == "twcs":
            return {"source": "twcs", "row": self.row, "tweet_id": self.tweet_id}
        return {
            "source": "tweetsumm",
            "conversation_id": self.conversation_id,
            "turn": self.turn,
            "tweet_id": self.tweet_id,
        }


def load_tweetsumm(data_dir: Path) -> dict[str, list[tuple[str, str]]]:
    """TweetSumm dialogues with text, by conversation id: (role, text) turns in order."""
    path = data_dir / "tweetsumm" / "dialog_text" / "twitter.json"
    documents: list[str] = json.loads(path.read_text(encoding="utf-8"))["document"]
    dialogues: dict[str, list[tuple[str, str]]] = {}
    for document in documents:
        head, _, body = document.partition("\n")
        parts = TURN.split("\n" + body)[1:]
        turns = [
            ("customer" if role == "Customer" else "agent", text.strip())
            for role, text in zip(parts[::2], parts[1::2], strict=True)
        ]
        dialogues[head.strip()] = turns
    return dialogues


def draw_feeling(tweets: dict[int, Tweet], seed: int = FEELING_SEED) -> list[Tweet]:
    """The customer tweets in the order the feeling set takes them (its first FEELING_N)."""
    pool = customer_tweets(tweets)
    random.Random(seed).shuffle(pool)
    return pool


def draw_openings(
    dialogues: dict[str, list[tuple[str, str]]], seed: int = OPENINGS_SEED
) -> list[str]:
    """TweetSumm conversation ids in the order the openings set takes them."""
    ids = sorted(dialogues)
    random.Random(seed).shuffle(ids)
    return ids


def draw_turns(dialogues: dict[str, list[tuple[str, str]]], seed: int = TURNS_SEED) -> list[str]:
    """TweetSumm conversation ids in the order the turns set takes them (its first TURNS_N).

    The openings set's dialogues are left out, so the two sets judge different conversations.
    """
    taken = set(draw_openings(dialogues)[:OPENINGS_N])
    ids = [cid for cid in sorted(dialogues) if cid not in taken]
    random.Random(seed).shuffle(ids)
    return ids


def tweetsumm_tweet_ids(data_dir: Path) -> dict[str, list[int]]:
    """The twcs tweet id of every TweetSumm turn, by conversation id, in dialogue order."""
    path = data_dir / "tweetsumm" / "annotations" / "final_train_tweetsum.jsonl"
    ids: dict[str, list[int]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        ids[row["conversation_id"]] = [t["tweet_id"] for t in row["tweet_ids_sentence_offset"]]
    return ids


def _twcs_candidate(tweet: Tweet) -> Candidate:
    return Candidate("twcs", tweet.tweet_id, tweet.text, row=tweet.row)


def _tweetsumm_turns(data_dir: Path, skip: set[int]) -> list[Candidate]:
    """TweetSumm customer turns whose tweets are not already in twcs-sample."""
    dialogues, ids = load_tweetsumm(data_dir), tweetsumm_tweet_ids(data_dir)
    return [
        Candidate("tweetsumm", ids[cid][k], text, conversation_id=cid, turn=k)
        for cid in sorted(dialogues)
        for k, (role, text) in enumerate(dialogues[cid])
        if role == "customer" and ids[cid][k] not in skip
    ]


def draw_abuse(data_dir: Path, seed: int = ABUSE_SEED) -> list[Candidate]:
    """The abuse set's rows in labelling order (see the module docstring for the passes)."""
    tweets = load_twcs(data_dir)
    pool = customer_tweets(tweets)
    first = [t for t in pool if INSULT.search(t.text) or LEAVING.search(t.text)]
    rest = [t for t in pool if t not in set(first)]
    random.Random(seed).shuffle(rest)
    drawn = first + rest[:ABUSE_RANDOM_N]
    taken = {t.tweet_id for t in drawn}
    drawn += [t for t in pool if t.tweet_id not in taken and TWCS_MORE.search(t.text)]
    turns = _tweetsumm_turns(data_dir, skip=set(tweets))
    found = [c for c in turns if TWEETSUMM_FIRST.search(c.text)]
    found += [
        c for c in turns if TWEETSUMM_MORE.search(c.text) and not TWEETSUMM_FIRST.search(c.text)
    ]
    return [_twcs_candidate(t) for t in drawn] + found


def happy_pool(data_dir: Path) -> list[Candidate]:
    """Every customer turn the Happy File would read as thanks (``is_gratitude``), in file order:
    inbound twcs-sample tweets, then TweetSumm customer turns not already in twcs-sample."""
    from poise.morale.praise import is_gratitude

    tweets = load_twcs(data_dir)
    pool = [_twcs_candidate(t) for t in customer_tweets(tweets)]
    pool += _tweetsumm_turns(data_dir, skip=set(tweets))
    return [c for c in pool if is_gratitude(c.text)]


def draw_happy(data_dir: Path, seed: int = HAPPY_SEED) -> list[Candidate]:
    """The Happy File set's rows in labelling order (its first HAPPY_N)."""
    pool = happy_pool(data_dir)
    random.Random(seed).shuffle(pool)
    return pool


@dataclass(frozen=True)
class Comment:
    """A rated comment of the kudos set: an airline tweet (``row`` of Tweets.csv) or a twcs one."""

    source: str  # "airline" or "twcs"
    row: int
    text: str
    tweet_id: int | None = None

    def key(self) -> dict[str, Any]:
        """What a label row stores to find this comment again: ids and a text digest, no text."""
        if self.source == "twcs":
            return {"source": "twcs", "row": self.row, "tweet_id": self.tweet_id}
        return {"source": "airline", "row": self.row, "digest": text_digest(self.text)}


def text_digest(text: str) -> str:
    """A short digest that proves a row still holds the text that was labelled."""
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def load_airline_rows(data_dir: Path) -> list[tuple[int, str, str]]:
    """(row, label, text) of Tweets.csv, first copy of each text only; rows count from 0."""
    path = data_dir / "twitter-airline-sentiment" / "Tweets.csv"
    seen: set[str] = set()
    rows = []
    with path.open(encoding="utf-8", newline="") as handle:
        for i, record in enumerate(csv.DictReader(handle)):
            if record["text"] not in seen:
                seen.add(record["text"])
                rows.append((i, record["airline_sentiment"], record["text"]))
    return rows


def draw_kudos(data_dir: Path, seed: int = KUDOS_SEED) -> list[Comment]:
    """The kudos set's 100 rated comments in labelling order.

    Airline tweets from the evaluation-only test half (the feeling model was compared on the
    dev half), shuffled with ``random.Random(seed)`` and taken per stratum, then twcs customer
    tweets that thank someone, shuffled with ``random.Random(seed + 1)``.
    """
    airline = [r for r in load_airline_rows(data_dir) if airline_half(r[2]) == "test"]
    random.Random(seed).shuffle(airline)
    drawn: list[Comment] = []
    for _, label, n in KUDOS_STRATA:
        drawn += [Comment("airline", row, text) for row, lab, text in airline if lab == label][:n]
    thanks = [t for t in customer_tweets(load_twcs(data_dir)) if THANKS.search(t.text)]
    random.Random(seed + 1).shuffle(thanks)
    drawn += [Comment("twcs", t.row, t.text, t.tweet_id) for t in thanks[:KUDOS_TWCS_N]]
    return drawn


def kudos_rows(data_dir: Path) -> Iterator[dict[str, Any]]:
    """The labelled kudos set joined with its text: ``text``, ``praise`` and the row's key."""
    airline = {row: text for row, _, text in load_airline_rows(data_dir)}
    tweets = load_twcs(data_dir)
    for row in read_labels("kudos_praise"):
        if row["source"] == "twcs":
            text = tweets[row["tweet_id"]].text
        else:
            text = airline[row["row"]]
            if text_digest(text) != row["digest"]:
                raise ValueError(f"airline row {row['row']} no longer holds the labelled text")
        yield {"text": text, "praise": row["praise"], "position": row["position"]}


def happy_half(tweet_id: int) -> str:
    """``dev`` or ``held_out``: the Happy File set's halves, by a hash of the tweet id."""
    return "dev" if hashlib.sha256(str(tweet_id).encode()).digest()[0] % 2 == 0 else "held_out"


def happy_rows(data_dir: Path) -> Iterator[dict[str, Any]]:
    """The labelled Happy File set joined with its text: ``text``, ``keep``, ``half``."""
    tweets, dialogues = load_twcs(data_dir), load_tweetsumm(data_dir)
    for row in read_labels("happy_file"):
        if row["source"] == "twcs":
            text = tweets[row["tweet_id"]].text
        else:
            text = dialogues[row["conversation_id"]][row["turn"]][1]
        yield {
            "text": text,
            "keep": row["keep"],
            "half": happy_half(row["tweet_id"]),
            "position": row["position"],
        }


@dataclass(frozen=True)
class HappyScore:
    """One predicate's counts on the Happy File set: what it takes and what it should."""

    name: str
    taken: int
    taken_keep: int
    keep: int
    rows: int
    wrongly_taken: list[str]
    missed: list[str]

    @property
    def precision(self) -> float:
        return self.taken_keep / self.taken if self.taken else 1.0

    @property
    def recall(self) -> float:
        return self.taken_keep / self.keep if self.keep else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"{self.name:34} took {self.taken:3} ({self.taken_keep:3} keep of {self.keep:3}, "
            f"{self.rows} rows)  P {self.precision:.3f}  R {self.recall:.3f}  F1 {self.f1:.3f}"
        )


def happy_predicates() -> dict[str, Any]:
    """The candidate predicates for a Happy File message, each ``text -> bool``.

    ``praise_turn`` is what the scoring job stores for the turn: the signals say satisfied
    and calm. The collection reads only such turns, so every product predicate starts there.
    """
    from poise.morale import praise
    from poise.signals import get_scorer

    scorer = get_scorer("negativity")

    def turn(text: str) -> bool:
        result = scorer.score(text)
        return result.emotion == "satisfied" and result.score < praise.PRAISE_MAX_NEGATIVITY

    def shipped(text: str) -> bool:
        return turn(text) and praise.is_gratitude(text)

    def no_request(text: str) -> bool:
        return shipped(text) and not praise.is_request(text)

    def strict(text: str) -> bool:
        return shipped(text) and praise.is_praise(text)

    def thanks(text: str) -> bool:
        return turn(text) and praise.is_thanks(text)

    return {
        "gratitude (no signals)": praise.is_gratitude,
        "(a) praise_turn + gratitude": shipped,
        "(b) (a) + not is_request": no_request,
        "(c) (a) + is_praise": strict,
        "(d) praise_turn + is_thanks": thanks,
    }


def score_happy(rows: list[dict[str, Any]], predicate: Any, name: str) -> HappyScore:
    """Count what one predicate takes from the labelled rows."""
    taken = [bool(predicate(r["text"])) for r in rows]
    pairs = list(zip(taken, rows, strict=True))
    return HappyScore(
        name=name,
        taken=sum(taken),
        taken_keep=sum(t and r["keep"] for t, r in pairs),
        keep=sum(r["keep"] for r in rows),
        rows=len(rows),
        wrongly_taken=[r["text"] for t, r in pairs if t and not r["keep"]],
        missed=[r["text"] for t, r in pairs if not t and r["keep"]],
    )


KUDOS_TEAMS = 200
KUDOS_TEAM_SIZE = 10


@dataclass(frozen=True)
class KudosScore:
    """How well the kudos picker keeps to praise on the labelled set.

    ``precision`` is over every comment the picker lets onto a board (the collector may take
    any of them); ``proposed_precision`` over the one it proposes per person, for
    ``KUDOS_TEAMS`` random teams whose members each hold ``KUDOS_TEAM_SIZE`` rated comments.
    """

    kept: int
    kept_praise: int
    praise: int
    proposals: int
    proposals_praise: int
    mistakes: list[str]

    @property
    def precision(self) -> float:
        return self.kept_praise / self.kept if self.kept else 1.0

    @property
    def recall(self) -> float:
        return self.kept_praise / self.praise if self.praise else 1.0

    @property
    def proposed_precision(self) -> float:
        return self.proposals_praise / self.proposals if self.proposals else 1.0


def score_kudos(rows: list[dict[str, Any]], seed: int = KUDOS_SEED) -> KudosScore:
    """Run the kudos round's own filter and ranking on the labelled rated comments."""
    from poise.morale.praise import is_praise
    from poise.morale.ranking import rank_comments

    kept = [is_praise(r["text"]) for r in rows]
    proposals = proposals_praise = 0
    rng = random.Random(seed)
    for _ in range(KUDOS_TEAMS):
        order = list(range(len(rows)))
        rng.shuffle(order)
        for start in range(0, len(order), KUDOS_TEAM_SIZE):
            mine = [i for i in order[start : start + KUDOS_TEAM_SIZE] if kept[i]]
            ranked = rank_comments([(rows[i]["text"], str(i)) for i in mine])
            if ranked:
                proposals += 1
                proposals_praise += rows[int(ranked[0].source_key or 0)]["praise"]
    return KudosScore(
        kept=sum(kept),
        kept_praise=sum(k and r["praise"] for k, r in zip(kept, rows, strict=True)),
        praise=sum(r["praise"] for r in rows),
        proposals=proposals,
        proposals_praise=proposals_praise,
        mistakes=[r["text"] for k, r in zip(kept, rows, strict=True) if k and not r["praise"]],
    )


def rated_rows(path: Path) -> list[dict[str, Any]]:
    """Rated comments from a JSONL file; a round only ever reads good ratings' comments."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if row.get("rating", "good") == "good"]


def read_labels(name: str, folder: Path = LABELS) -> list[dict[str, Any]]:
    """The rows of one label file (``name`` without ``.jsonl``)."""
    lines = (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def feeling_rows(tweets: dict[int, Tweet]) -> Iterator[dict[str, Any]]:
    """``poise eval negativity`` rows: label "negative" for negative or very_negative."""
    for row in read_labels("twcs_feeling"):
        yield {
            "text": tweets[row["tweet_id"]].text,
            "label": "negative" if row["feeling"] in NEGATIVE_FEELINGS else "not_negative",
            "feeling": row["feeling"],
            "tweet_id": row["tweet_id"],
        }


def abuse_rows(data_dir: Path) -> Iterator[dict[str, Any]]:
    """Text with its two labels, for an abuse or threat-to-leave check."""
    tweets, dialogues = load_twcs(data_dir), load_tweetsumm(data_dir)
    for row in read_labels("abuse_vs_threat"):
        if row["source"] == "twcs":
            text = tweets[row["tweet_id"]].text
        else:
            text = dialogues[row["conversation_id"]][row["turn"]][1]
        yield {
            "text": text,
            "abusive": row["abusive"],
            "threat_to_leave": row["threat_to_leave"],
            "tweet_id": row["tweet_id"],
        }


def opening_rows(dialogues: dict[str, list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
    """``poise eval conversations`` rows: the dialogue's turns with unhappy_start and drift."""
    for row in read_labels("tweetsumm_openings"):
        turns = dialogues[row["conversation_id"]]
        yield {
            "id": row["conversation_id"],
            "turns": [{"role": role, "text": text} for role, text in turns],
            "unhappy_start": row["unhappy_start"],
            "bad_outcome": None,
            "drift": row["drift"],
        }


def turn_rows(dialogues: dict[str, list[tuple[str, str]]]) -> Iterator[dict[str, Any]]:
    """``poise eval conversations`` rows: every customer turn carries its labelled ``iq``."""
    for row in read_labels("tweetsumm_turns"):
        turns = dialogues[row["conversation_id"]]
        iq = iter(row["iq"])
        yield {
            "id": row["conversation_id"],
            "turns": [
                {"role": role, "text": text} | ({"iq": next(iq)} if role == "customer" else {})
                for role, text in turns
            ],
        }


def write(out: Path, data_dir: Path) -> dict[str, int]:
    """Write the four joined eval files into ``out``; returns rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    tweets, dialogues = load_twcs(data_dir), load_tweetsumm(data_dir)
    files = {
        "twcs_feeling.jsonl": list(feeling_rows(tweets)),
        "abuse_vs_threat.jsonl": list(abuse_rows(data_dir)),
        "tweetsumm_openings.jsonl": list(opening_rows(dialogues)),
        "tweetsumm_turns.jsonl": list(turn_rows(dialogues)),
    }
    for name, rows in files.items():
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        (out / name).write_text(text, encoding="utf-8")
    return {name: len(rows) for name, rows in files.items()}


def _show_turns(dialogues: dict[str, list[tuple[str, str]]], start: int, count: int) -> None:
    """Print drawn dialogues whole, customer turns numbered: the labeller reads up to each one."""
    for i, cid in enumerate(draw_turns(dialogues)[start : start + count], start):
        print(f"=== {i} {cid}")
        customer = 0
        for role, text in dialogues[cid]:
            if role == "customer":
                print(f"  C{customer}: {' '.join(text.split())}")
                customer += 1
            else:
                print(f"      a: {' '.join(text.split())}")


def _show_draw(kind: str, data_dir: Path, start: int, count: int) -> None:
    """Print drawn rows for labelling: position, ids and text (to the terminal only)."""
    if kind == "turns":
        _show_turns(load_tweetsumm(data_dir), start, count)
        return
    if kind == "openings":
        dialogues = load_tweetsumm(data_dir)
        for i, cid in enumerate(draw_openings(dialogues)[start : start + count], start):
            print(f"=== {i} {cid}")
            for role, text in dialogues[cid]:
                shown = text if role == "customer" else text[:110]
                print(f"  {'C' if role == 'customer' else 'a'}: {' '.join(shown.split())}")
        return
    rows: list[Candidate] | list[Comment]
    if kind == "feeling":
        rows = [_twcs_candidate(t) for t in draw_feeling(load_twcs(data_dir))]
    elif kind == "kudos":
        rows = draw_kudos(data_dir)
    elif kind == "happy":
        rows = draw_happy(data_dir)
    else:
        rows = draw_abuse(data_dir)
    for i, row in enumerate(rows[start : start + count], start):
        print(f"{i}\t{row.key()}\t{' '.join(row.text.split())}")


def _print_happy(rows: list[dict[str, Any]], held_out: bool, both: bool, show: bool) -> None:
    half = "held_out" if held_out else "dev"
    chosen = rows if both else [r for r in rows if r["half"] == half]
    print(f"{'both halves' if both else half}: {len(chosen)} rows")
    for name, predicate in happy_predicates().items():
        result = score_happy(chosen, predicate, name)
        print(result.line())
        if show:
            for text in result.wrongly_taken:
                print("    took, not keep:", " ".join(text.split()))
            for text in result.missed:
                print("    missed keep:   ", " ".join(text.split()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="shared data (default: ../shared/data)")
    commands = parser.add_subparsers(dest="command", required=True)
    kudos = commands.add_parser("kudos", help="score the kudos picker on labelled rated comments")
    kudos.add_argument(
        "--data",
        type=Path,
        help="JSONL of {text, praise, rating?} instead of the tweets (only good ratings count)",
    )
    happy = commands.add_parser("happy", help="score Happy File predicates on labelled thanks")
    happy.add_argument("--held-out", action="store_true", help="the held-out half (report once)")
    happy.add_argument("--all", action="store_true", help="both halves together")
    happy.add_argument("--show", action="store_true", help="print each predicate's mistakes")
    out = commands.add_parser("write", help="join labels with text into eval JSONL files")
    out.add_argument("--out", type=Path, required=True, help="folder to write into")
    draw = commands.add_parser("draw", help="print drawn rows for labelling")
    draw.add_argument("kind", choices=("feeling", "openings", "turns", "abuse", "kudos", "happy"))
    draw.add_argument("--start", type=int, default=0)
    draw.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    data_dir = args.data_dir or default_data_dir()
    if args.command == "kudos":
        result = score_kudos(rated_rows(args.data) if args.data else list(kudos_rows(data_dir)))
        print(f"kept {result.kept} of which praise {result.kept_praise} (of {result.praise})")
        print(f"precision {result.precision:.3f} recall {result.recall:.3f}")
        print(f"proposed per person: {result.proposed_precision:.3f} ({result.proposals})")
        for text in result.mistakes:
            print("  not praise, kept:", " ".join(text.split()))
    elif args.command == "happy":
        _print_happy(list(happy_rows(data_dir)), args.held_out, args.all, args.show)
    elif args.command == "write":
        for name, n in write(args.out, data_dir).items():
            print(f"{n:5} rows -> {args.out / name}")
    else:
        _show_draw(args.kind, data_dir, args.start, args.count)


if __name__ == "__main__":
    main()
