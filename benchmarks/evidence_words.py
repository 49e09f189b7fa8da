"""How often the "why: …" shown under an unhappy message is a greeting, courtesy or nothing.

The words behind a negative feeling are shown to agents and leads ("why: third time, still
not fixed"). This counts, on real customer text, how often what they read is instead a
greeting or courtesy formula ("hi", "thanks", "good morning", "dear sir"), a placeholder or
handle, or empty. Usage::

    python benchmarks/evidence_words.py [--source twcs|tweetsumm] [--n 300] [--show 40]

Two fixed samples, each ``random.Random(EVIDENCE_SEED)`` over its pool, first ``--n``:

- ``twcs`` (development: read while building the fix): inbound customer tweets of
  ``twcs-sample/twcs_first5000.csv``, agent-signed ones left out (``labelled_sets``).
- ``tweetsumm`` (held out: counted before and after only): TweetSumm customer turns whose
  tweets are not in twcs-sample.
- ``stc3`` (held out, evaluation only: counted, never read for the fix): STC-3 dev customer
  turns, helpdesk messages in English translation that often open with "Hello".

What is counted is what the pages render: ``readable_evidence`` of the stored evidence
(the scorer's ``evidence``), for messages whose level is negative or very negative. The
classifier below is the benchmark's own word list, written apart from the scorer's, so the
"after" figure does not count the fix against itself; ``--show`` prints messages and their
evidence for a hand check.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass

from labelled_sets import customer_tweets, load_twcs, load_tweetsumm, tweetsumm_tweet_ids

from poise.conversations.feeling import readable_evidence
from poise.signals import get_scorer
from poise.signals.text import normalize
from poise.signals.training.data import default_data_dir

EVIDENCE_SEED = 20261209
# Words that open, close or soften a message and carry no feeling of their own.
_COURTESY_WORDS = (
    "hi hello hey hiya heya howdy greetings dear sir sirs madam maam ma'am mr mrs ms team folks "
    "guys morning afternoon evening thanks thank thx ty tia cheers please pls plz kindly regards "
    "sincerely appreciate appreciated advance"
)
_COURTESY = frozenset(_COURTESY_WORDS.split())
_GOOD_DAY = re.compile(r"\bgood (?:morning|afternoon|evening|day|night)\b")
_FILLER_WORDS = (
    "a am an and are as at be been but by for from had has have i i'm in is it it's me my of on "
    "or so that the their them they this to was we were with you your"
)
_FILLER = frozenset(_FILLER_WORDS.split())
_MARK = re.compile(r"^[@#^\[{<]|#$|[\]}>]$|^x{4,}$|^\*{3,}$", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"__[a-z_]+__|sent from my \w+|@\w+|#[a-z_]+#", re.IGNORECASE)
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def kind_of(term: str, text: str) -> str:
    """``mark`` (a handle, a placeholder or signature, or words the message has only inside
    one: "email" of "__email__"), ``courtesy`` (greeting, thanks, address, sign-off),
    ``junk`` (no readable word: "t", "0", "as 0") or ``feeling`` (anything else)."""
    tokens = _GOOD_DAY.sub("morning", term.lower()).split()
    telling = [t for t in tokens if t not in _FILLER and len(t) > 1 and not t.isdigit()]
    outside = set(
        _TOKEN.findall(re.sub(r"\d+", "0", normalize(_PLACEHOLDER.sub(" ", text)).lower()))
    )
    if any(_MARK.search(t) for t in tokens) or any(t not in outside for t in telling):
        return "mark"
    if telling and all(t in _COURTESY for t in telling):
        return "courtesy"
    if not telling:
        return "junk"
    return "feeling"


def twcs_sample(n: int) -> list[str]:
    pool = [t.text for t in customer_tweets(load_twcs(default_data_dir()))]
    random.Random(EVIDENCE_SEED).shuffle(pool)
    return pool[:n]


def tweetsumm_sample(n: int) -> list[str]:
    data_dir = default_data_dir()
    in_twcs = set(load_twcs(data_dir))
    dialogues, ids = load_tweetsumm(data_dir), tweetsumm_tweet_ids(data_dir)
    pool = [
        text
        for cid in sorted(dialogues)
        for k, (role, text) in enumerate(dialogues[cid])
        if role == "customer" and cid in ids and ids[cid][k] not in in_twcs
    ]
    random.Random(EVIDENCE_SEED).shuffle(pool)
    return pool[:n]


def stc3_sample(n: int) -> list[str]:
    """STC-3 dev customer turns: evaluation only, counted here and never fitted on."""
    path = default_data_dir() / "stc3-dev" / "stc3-dev.jsonl"
    pool = [
        turn["text"]
        for line in path.read_text(encoding="utf-8").splitlines()
        for turn in json.loads(line)["turns"]
        if turn["role"] == "customer"
    ]
    random.Random(EVIDENCE_SEED).shuffle(pool)
    return pool[:n]


SOURCES = {"twcs": twcs_sample, "tweetsumm": tweetsumm_sample, "stc3": stc3_sample}


@dataclass
class Count:
    negative: int = 0
    empty: int = 0
    first_courtesy_or_mark: int = 0
    any_courtesy_or_mark: int = 0
    any_junk: int = 0


def measure(texts: list[str], show: int) -> Count:
    scorer = get_scorer("negativity")
    count = Count()
    for text, result in zip(texts, scorer.score_batch(texts), strict=True):
        if result.level not in ("negative", "very_negative"):
            continue
        shown = readable_evidence(result.evidence)
        kinds = [kind_of(t, text) for t in shown]
        count.negative += 1
        count.empty += not shown
        count.first_courtesy_or_mark += bool(kinds) and kinds[0] in ("courtesy", "mark")
        count.any_courtesy_or_mark += any(k in ("courtesy", "mark") for k in kinds)
        count.any_junk += "junk" in kinds
        if count.negative <= show:
            odd = sorted({k for k in kinds if k != "feeling"})
            flag = "EMPTY" if not shown else ",".join(odd)
            print(f"{flag:14} {result.score:.2f} why: {', '.join(shown)!s:60} | {text[:140]!r}")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=tuple(SOURCES), default="twcs")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    texts = SOURCES[args.source](args.n)
    c = measure(texts, args.show)
    print(
        f"{args.source}: {len(texts)} messages, {c.negative} negative or worse; evidence "
        f"empty {c.empty}; a greeting/courtesy/placeholder/handle shown first "
        f"{c.first_courtesy_or_mark}, anywhere {c.any_courtesy_or_mark}; a word-less term "
        f"('t', '0') {c.any_junk}"
    )


if __name__ == "__main__":
    main()
