"""A mined draft's resolution, written from the whole group rather than one agent's reply.

One reply, however well rated, carries its own customer (names, amounts, order numbers), its
agent's voice and signature, and sometimes a fix that belongs to another issue: a "charged
twice" group was once drafted from the one conversation whose fix was app-store cancellation.
What the group's agents did again and again is the procedure, so:

1. every agent turn of the group's best conversations is cut into sentences, each without
   its greeting, signature and personal data (:mod:`poise.knowledge.scrubbing`), and the
   small talk (thanks, apologies, "have a great day", "let us know") is set aside;
2. the sentences are embedded with the bundled MiniLM, and a sentence's *centrality* is how
   close the other conversations come to saying it (for each other conversation its nearest
   sentence, weighted by how well that conversation was resolved); its *support* is the share
   of conversations that say it (nearest sentence at least ``same_step`` alike);
3. the most central sentence shared by enough of the group is the first step; a few more
   follow when they are shared too and say something new; steps keep the order they come in
   conversations and are rewritten as instructions ("Could you please restart it?" →
   "Restart it."; the agent's "I've reset your password" → "Reset the customer's password");
   agents explain as they fix, so a sentence that says what is so rather than what to do (a
   cause, an outcome: :func:`poise.knowledge.voice.is_instruction`) counts as less central,
   and beside instructions one at most stays: a cause as the lead-in before the steps, an
   outcome as a note after them. A group whose agents only state things (an answer, "we
   deliver on Tuesdays") keeps its statements as the draft;
4. each step names the conversations that say it, so the draft cites its sources.

A group of one conversation (an evaluation on single dialogues) falls back to the centrality
among that conversation's own sentences, and its statements count as steps: one agent's
reply often *is* a statement (the answer), and on TweetSumm's single dialogues holding
statements back scored lower (docs/knowledge.md, drafts).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from poise.knowledge.matching import FloatArray
from poise.knowledge.scrubbing import joined_parts, scrub, without_signature
from poise.knowledge.voice import as_agent_step, is_instruction
from poise.signals.text import sentences

Encode = Callable[[list[str]], FloatArray]

SMALL_TALK_RE = re.compile(
    r"^(?:thanks|thank you|thx|ty|many thanks|sorry|so sorry|(?:we|i)(?:'re|'m| are| am)? "
    r"(?:so |really |very |truly )?(?:sorry|apologi[sz]e)|apologies|my apologies|oh no|oh dear|"
    r"ouch|yikes|hmm+|hi|hello|hey|good (?:morning|afternoon|evening|day)|you(?:'re| are) "
    r"(?:very |most )?welcome|glad|(?:we're |we are |i'm |i am )?(?:always )?happy to help|"
    r"no problem|no worries|anytime|any time|have a (?:great|good|nice|lovely|wonderful|fab)|"
    r"enjoy|take care|(?:we|i) (?:totally |completely |can |definitely )?(?:understand|hear you)|"
    r"keep us posted|let (?:us|me) know if|feel free|(?:we |i )?hope (?:this|that|you)|"
    r"we(?:'re| are) (?:here|always here)|(?:we|i)(?:'d| would) (?:like|love|be happy) to help|"
    r"we want to help|great|awesome|perfect|got it|okay|ok|understood|cheers|best|regards|"
    r"all the best|that(?:'s| is) (?:not|no|great|good|awesome)|no need to|appreciate|"
    r"you(?:'re|’re| are) (?:absolutely |quite |totally )?(?:right|correct))\b",
    re.IGNORECASE,
)
# "Would you like …?", "would you prefer …?" ask the customer to choose: no request to drop.
# Taking them for "Could you restart …?" left "Like the change to happen now, or at the next
# renewal." in the demo's "switch to a cheaper plan" draft. Likewise "You should see …",
# "you may notice …" say what the customer can expect: dropping "You should" made "See a
# stable connection from now on." a step of the demo's Wi-Fi draft.
REQUEST_RE = re.compile(
    r"^(?:(?:could|can|would|will) you(?: please| kindly)?(?: be able to)?"
    r"(?! (?:like|prefer|rather|mind|want|be)\b)|please|kindly|just|simply|"
    r"(?:i|we)(?:'d| would)? (?:recommend|suggest|advise)(?: that you)?|"
    r"(?:i|we)(?:'d| would) (?:ask|like) (?:that )?you(?: to)?|(?:please )?feel free to|"
    r"you(?:'ll| will)? (?:need|want|have) to|you (?:can|could|may|should|might want to|must)"
    r"(?! (?:also )?(?:see|notice|receive|hear|experience|be(?! able to))\b)"
    r"(?: also)?(?: be able to)?|"
    r"if you haven't already,?|make sure (?:that )?you)\s+",
    re.IGNORECASE,
)
TRIED_RE = re.compile(r"^(?:have|did) you (?:tried|try)\s+", re.IGNORECASE)
QUESTION_START_RE = re.compile(
    r"^(?:what|which|when|where|who|why|how|is|are|was|were|do|does|did|have|has|had)\b",
    re.IGNORECASE,
)
# "Could you share the order number, and is the router in its original box?": a request
# joined to a question of its own; rewriting the request alone left "…, and is the router in
# its original box." as a statement.
JOINED_QUESTION_RE = re.compile(
    r",?\s+(?:and|or)\s+(?:is|are|was|were|do|does|did|has|have|had)\s+"
    r"(?:it|they|there|this|that|the|your|you)\b",
    re.IGNORECASE,
)
PLACEHOLDER_RE = re.compile(r"\[[a-z]+\]")
# What the agent found or supposes, not a step: "Older devices are the most likely.", "This
# is a known issue with 7.2.1 …". A subject of a few words (no "you"; the first word a
# determiner, a pronoun, "older"), "is", "are", "seems"…, then a judgement ("the most likely",
# "a known issue", "caused by"). Narrow on purpose: "The duplicate charge is refunded now"
# reports what was done and stays a step.
FINDING_RE = re.compile(
    r"^(?:the|this|that|these|those|it|they|most|some|many|both|older|newer)"
    r"(?:\s+(?!you\b|your\b)[\w'.-]+){0,3}?\s+(?:is|are|was|were|seems?|looks?|appears?)"
    r"\s+(?:(?:to be|probably|likely|most likely)\s+)?"
    r"(?:the most (?:likely|common|probable)|(?:most |more |very |quite )?likely|"
    r"an? (?:known|common|widespread)\b|(?:probably |likely )?(?:caused|affected) by|"
    r"due to|related to|the (?:cause|culprit|reason|problem|issue)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Resolved:
    """One conversation of the group as drafting sees it: the agent's turns in order, how much
    its fix counts (a well-rated, first-contact resolution counts more), and the names it
    knows (customer, agents), which must not reach the draft."""

    conversation_id: int
    agent_turns: list[str]
    weight: float = 1.0
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftConfig:
    """How a group's agent sentences become steps."""

    same_step: float = 0.6  # two sentences this alike (cosine) say the same step
    min_support: float = 0.3  # a step is said in at least this share of the group
    redundant: float = 0.7  # a further step this alike to a chosen one adds nothing
    max_steps: int = 3
    close_to_first: float = 0.15  # a further step is at most this much less central
    conversations: int = 60
    max_sentences: int = 400  # about 1.5 s of encoding on one core
    statement_penalty: float = 0.1  # a statement is this much less central than a step
    statements_kept: int = 1  # beside instructions: a cause before them or an outcome after


@dataclass(frozen=True)
class Step:
    """One instruction, the conversations that say it, and their share of the group. A
    statement beside instructions has the role "lead-in" (a cause, said before the fix) or
    "note" (an outcome, said after it); a draft of statements alone is an answer."""

    text: str
    sources: tuple[int, ...]
    support: float
    position: float = 0.0
    role: str = "step"


@dataclass(frozen=True)
class Draft:
    """The steps that resolved the group, in the order agents take them; a lead-in before
    them, a note after. A draft with no instruction is an answer, not a procedure."""

    steps: tuple[Step, ...] = ()
    conversations: int = 0

    @property
    def kind(self) -> str:
        """:data:`PROCEDURE` or :data:`ANSWER` (see :func:`resolution_kind`)."""
        return _kind_of([s.text for s in self.steps])

    @property
    def resolution(self) -> str:
        """Markdown: one step as a sentence, several as a numbered list, with the lead-in
        and the note as paragraphs around them; an answer as one paragraph, since its
        statements are no steps to take in order."""
        if self.kind == ANSWER:
            return " ".join(s.text for s in self.steps)
        steps = [s.text for s in self.steps if s.role == "step"]
        body = steps[0] if len(steps) == 1 else _numbered(steps)
        lead = [s.text for s in self.steps if s.role == "lead-in"]
        note = [s.text for s in self.steps if s.role == "note"]
        return "\n\n".join(p for p in [" ".join(lead), body, " ".join(note)] if p)

    @property
    def text(self) -> str:
        """The steps as plain sentences (what ROUGE compares)."""
        return " ".join(s.text for s in self.steps)

    @property
    def sources(self) -> list[int]:
        """The conversations the steps were drawn from, those saying most steps first."""
        counts: dict[int, float] = {}
        for step in self.steps:
            for c in step.sources:
                counts[c] = counts.get(c, 0.0) + 1.0
        return sorted(counts, key=lambda c: -counts[c])


ROLE_ORDER = {"lead-in": 0, "step": 1, "note": 2}
PROCEDURE, ANSWER = "procedure", "answer"
NUMBER_RE = re.compile(r"^\s*\d+[.)]\s+")


def _numbered(texts: list[str]) -> str:
    return "\n".join(f"{i}. {text}" for i, text in enumerate(texts, 1))


def _kind_of(texts: list[str]) -> str:
    """A procedure when one sentence at least says what to do; an answer when agents only
    state things ("Your refund was issued on Monday."). Nothing drafted reads as steps."""
    if not texts or any(is_instruction(s) for text in texts for s in sentences(text)):
        return PROCEDURE
    return ANSWER


def _lines(markdown: str) -> list[str]:
    """A stored resolution's lines without their numbers ("1. "), blank ones dropped."""
    return [NUMBER_RE.sub("", line).strip() for line in markdown.splitlines() if line.strip()]


def resolution_kind(markdown: str) -> str:
    """Whether a drafted resolution (as stored on a proposal) is a procedure or an answer.

    Read from the text rather than stored beside it, so proposals mined before drafts told
    the two apart are read the same way, with no new column: a draft's kind is whether
    :func:`is_instruction` holds for one of its sentences, which is what drafting decides on."""
    return _kind_of(_lines(markdown))


def presented_resolution(markdown: str, kind: str | None = None) -> str:
    """A drafted resolution as it is shown and accepted: an answer as one paragraph even
    where it was stored as a numbered list (proposals mined before answers were prose); a
    procedure as it is. ``kind``, when the caller read it already (:func:`resolution_kind`)."""
    if (kind or resolution_kind(markdown)) == PROCEDURE:
        return markdown
    return " ".join(_lines(markdown))


@dataclass
class _Candidates:
    texts: list[str] = field(default_factory=list)
    owner: list[int] = field(default_factory=list)  # index of the conversation
    position: list[float] = field(default_factory=list)  # 0 first turn … 1 last turn
    instruction: list[bool] = field(default_factory=list)  # says what to do, not what is so
    role: list[str] = field(default_factory=list)  # beside instructions (see :class:`Step`)


def is_small_talk(sentence: str) -> bool:
    """Greetings, thanks, apologies, pleasantries and sign-offs: not a step of any fix."""
    bare = PLACEHOLDER_RE.sub("", sentence).strip(" ,.!?:;-")
    return len(bare.split()) < 3 or bool(SMALL_TALK_RE.match(bare))


def as_instruction(sentence: str) -> str:
    """A request to the customer as an instruction: "Could you please restart the app?" →
    "Restart the app.", "Have you tried signing out?" → "Try signing out."; the agent's own
    action as the agent's step: "I've issued a refund to your card." → "Issue a refund to the
    customer's card." (:mod:`poise.knowledge.voice`)."""
    step = as_agent_step(sentence)
    if step is not None:
        return step if step[-1] in ".!?" else step + "."
    text = sentence.strip()
    question = text.endswith("?")
    converted = False
    if TRIED_RE.match(text):
        text, converted = "Try " + TRIED_RE.sub("", text, count=1), True
    while REQUEST_RE.match(text):
        text, converted = REQUEST_RE.sub("", text, count=1), True
    if not text:
        return sentence.strip()
    if converted and question and JOINED_QUESTION_RE.search(text):
        asked = sentence.strip()
        return "Ask the customer: " + asked[:1].lower() + asked[1:]
    if converted and question:
        text = text.rstrip("?").rstrip() + "."
    if text[-1] not in ".!?":
        text += "."
    text = text[:1].upper() + text[1:]
    if not converted and question and QUESTION_START_RE.match(text):
        # The agent's question for details is the next agent's step of asking it:
        # "Which devices are affected?" → "Ask the customer: which devices are affected?"
        return "Ask the customer: " + text[:1].lower() + text[1:]
    return text


def is_finding(step: str) -> bool:
    """What the agent found or supposes ("Older devices are the most likely."): a statement
    about the case, not something the next agent does."""
    return not step.endswith("?") and bool(FINDING_RE.match(step))


def _is_open_question(text: str) -> bool:
    """A question left after rewriting asks for details: a diagnosis, not a fix."""
    return text.endswith("?") or bool(QUESTION_START_RE.match(text))


def candidates(group: list[Resolved], config: DraftConfig) -> _Candidates:
    """Every scrubbed, non-small-talk agent sentence of the group, with where it came from."""
    found = _Candidates()
    for index, conversation in enumerate(group):
        start = len(found.texts)
        turns = joined_parts(conversation.agent_turns)
        for t, turn in enumerate(turns):
            position = t / max(len(turns) - 1, 1)
            for sentence in sentences(without_signature(turn)):
                clean = scrub(sentence, names=conversation.names)
                step = as_instruction(clean) if clean else ""
                if step and not is_small_talk(clean) and not is_finding(step):
                    found.texts.append(step)
                    found.owner.append(index)
                    found.position.append(position)
                    found.instruction.append(is_instruction(step))
        found.role.extend(_roles(found.instruction[start:]))
        if len(found.texts) >= config.max_sentences:
            break
    return found


def _roles(instruction: list[bool]) -> list[str]:
    """Each of one conversation's sentences as a step, or as a statement leading in or
    following: a cause is said before the fix ("A sync conflict was blocking your
    account."), an outcome after the last instruction ("It paired, so you're all set.")."""
    last = max((i for i, step in enumerate(instruction) if step), default=-1)
    return [
        "step" if step else "lead-in" if i < last else "note" for i, step in enumerate(instruction)
    ]


def _nearest_by_conversation(sim: FloatArray, owner: np.ndarray, count: int) -> FloatArray:
    """``best[i, c]``: how close conversation ``c`` comes to sentence ``i`` (its nearest
    sentence, never ``i`` itself)."""
    sim = sim.copy()
    np.fill_diagonal(sim, -1.0)
    best = np.full((len(sim), count), -1.0, np.float32)
    for c in range(count):
        rows = np.flatnonzero(owner == c)
        if len(rows):
            best[:, c] = sim[:, rows].max(1)
    return best


def _centrality(
    best: FloatArray, owner: np.ndarray, weights: FloatArray, same_step: float
) -> tuple[FloatArray, FloatArray]:
    """Each sentence's weighted mean closeness to the *other* conversations, and the share
    of the group's weight that says it (its own conversation included)."""
    count = best.shape[1]
    others = np.ones((len(best), count), np.float32)
    others[np.arange(len(best)), owner] = 0.0
    if count == 1:  # a group of one: closeness to the conversation's own other sentences
        return best[:, 0], np.ones(len(best), np.float32)
    w = others * weights[None, :]
    central = (best * w).sum(1) / np.maximum(w.sum(1), 1e-9)
    says = (best >= same_step) * w
    support = (says.sum(1) + weights[owner]) / float(weights.sum())
    return central.astype(np.float32), support.astype(np.float32)


def draft_resolution(
    group: list[Resolved], *, encode: Encode, config: DraftConfig | None = None
) -> Draft:
    """The steps most of the group's conversations share, as instructions with their sources."""
    config = config or DraftConfig()
    group = sorted(group, key=lambda c: -c.weight)[: config.conversations]
    found = candidates(group, config)
    if not found.texts:
        return Draft(conversations=len(group))
    vectors = _encode_once(found.texts, encode)
    owner = np.asarray(found.owner, np.int64)
    weights = np.asarray([max(c.weight, 1e-3) for c in group], np.float32)
    sim = (vectors @ vectors.T).astype(np.float32)
    best = _nearest_by_conversation(sim, owner, len(group))
    central, support = _centrality(best, owner, weights, config.same_step)
    grouped = len(group) > 1  # one conversation drafted alone stays as its agent said it
    instruction = np.asarray(found.instruction, bool) | (not grouped)
    score = central - 0.1 * np.asarray([_is_open_question(t) for t in found.texts], np.float32)
    score = score - config.statement_penalty * ~instruction
    chosen = _choose(score, support, sim, config, instruction, config.statements_kept)
    if not instruction[chosen].any():  # an answer, not a procedure: its statements stay
        chosen = _choose(score, support, sim, config, instruction, config.max_steps)
    procedure = grouped and bool(instruction[chosen].any())
    steps = [
        Step(
            text=found.texts[i],
            sources=tuple(_sources(i, best, owner, group, config.same_step)),
            support=round(float(support[i]), 3),
            position=found.position[i],
            role=found.role[i] if procedure else "step",
        )
        for i in chosen
    ]
    steps.sort(key=lambda s: (ROLE_ORDER[s.role], s.position))
    return Draft(tuple(steps), len(group))


def _encode_once(texts: list[str], encode: Encode) -> FloatArray:
    """Each distinct sentence embedded once: agents repeat their macros word for word, so a
    group's forty conversations often say the same few sentences many times."""
    distinct = list(dict.fromkeys(texts))
    row = {text: i for i, text in enumerate(distinct)}
    vectors: FloatArray = encode(distinct)[[row[text] for text in texts]]
    return vectors


def _choose(
    score: FloatArray,
    support: FloatArray,
    sim: FloatArray,
    config: DraftConfig,
    instruction: np.ndarray,
    statements: int,
) -> list[int]:
    """The most central shared sentence, then up to ``max_steps - 1`` more that are shared,
    nearly as central, and not a rewording of one already chosen; at most ``statements`` of
    them say what is so rather than what to do.

    Why: agents explain as they fix ("The logs show the router overheating."), and a shared
    explanation is as central as the fix, so drafts listed causes and findings as steps. An
    instruction is preferred (a statement scores ``statement_penalty`` less), and beside
    instructions one statement at most stays, as their lead-in or closing note."""
    shared = np.flatnonzero(support >= config.min_support)
    pool = shared if len(shared) else np.arange(len(score))
    order = pool[np.argsort(-score[pool], kind="stable")]
    first = int(order[0])
    chosen = [first]
    said = int(not instruction[first])
    for i in order[1:]:
        if len(chosen) >= config.max_steps:
            break
        if score[i] < score[first] - config.close_to_first:
            break
        if not instruction[i] and said >= statements:
            continue
        if max(float(sim[i, j]) for j in chosen) < config.redundant:
            chosen.append(int(i))
            said += int(not instruction[i])
    return chosen


def _sources(
    i: int, best: FloatArray, owner: np.ndarray, group: list[Resolved], same_step: float
) -> Iterable[int]:
    yield group[int(owner[i])].conversation_id
    for c, conversation in enumerate(group):
        if c != owner[i] and best[i, c] >= same_step:
            yield conversation.conversation_id
