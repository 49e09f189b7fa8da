"""Reply feedback: six labels on an agent's reply, each with the phrases that triggered it.

Rules and a small lexicon, backed by a learned model: every verdict points at the words behind
it, so an agent can see *why*. The rules are precise but know only the phrasings written here;
the heads in :mod:`poise.training.feedback_model` (a logistic head per label over the bundled
sentence encoder) catch what people outside the team write. A label is present when a rule or
the model finds it; the explanation is the rule's phrase, or else the sentence the model keyed
on. Four labels are what a good reply does
(acknowledges, apologizes, ownership, next_step) and two are what it avoids
(blames_customer, dismissive).

Negation is handled two ways: phrases that look like a label but say the opposite are removed
before matching ("not your fault" is not blame, "you shouldn't have had to" is not "you should
have", "no need to apologise" is not an apology), and a cue preceded closely by a negator
("I'm not sorry", "I can't help") does not count for a positive label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poise.training.feedback_model import FeedbackHeads, LabelScore

POSITIVE = ("acknowledges", "apologizes", "ownership", "next_step")
NEGATIVE = ("blames_customer", "dismissive")
LABELS = POSITIVE + NEGATIVE

TITLES = {
    "acknowledges": "Acknowledges the customer's situation",
    "apologizes": "Apologizes",
    "ownership": "Takes ownership",
    "next_step": "Gives a concrete next step",
    "blames_customer": "Blames the customer",
    "dismissive": "Is dismissive",
}
SUGGESTIONS = {
    "acknowledges": 'Start by naming their situation in their words, for example "Three weeks '
    'is a long time to wait for your refund."',
    "apologizes": 'Apologise once, specifically: "I\'m sorry your order arrived late", not '
    '"sorry for any inconvenience" or "sorry if you feel that way".',
    "ownership": 'Say what you will do or have done, in the first person: "I\'ve refunded…", '
    '"I\'ll make sure…", or own the mistake: "That\'s on us."',
    "next_step": "Give one concrete step with a when: \"You'll see it on your card within 5 "
    'working days" or "I\'ll call you at 2 pm".',
    "blames_customer": "Drop what the customer should have done; explain what happened and "
    "fix it. If they must act, frame it as the way forward, not as their fault.",
    "dismissive": 'Replace the brush-off (policy, "nothing I can do", "calm down") with '
    "what you can do, even a small step.",
}

NEGATOR = re.compile(
    r"\b(?:not|never|no|don't|do not|didn't|did not|can't|cannot|can not|won't|will not|"
    r"isn't|wasn't|aren't|nothing)\b[^.!?,;]{0,12}$"
)

# Phrases removed before matching because they say the opposite of what their words suggest.
NEUTRALISE = [
    r"\b(?:it|this|that)(?:'s| is| was)? (?:not|n't|never) (?:on )?(?:your|on you)\b[^.!?]*",
    r"\b(?:it|this|that) (?:isn't|wasn't) (?:your|on you|something you|anything you)[^.!?]*",
    r"\bnot (?:at all )?your (?:fault|doing|mistake)\b",
    r"\bno fault of (?:yours|your own)\b",
    r"\byou (?:did|have done) nothing wrong\b",
    r"\byou didn't do anything wrong\b",
    r"\bnot something you did\b",
    r"\bnot anything you did\b",
    r"\bdon't blame yourself\b",
    r"\bnothing you did\b",
    r"\byou shouldn't have (?:had|needed) to\b",
    r"\byou shouldn't have been\b",
    r"\byou should not have (?:had|needed) to\b",
    r"\bno need to (?:be sorry|apologi[sz]e)\b",
    r"\bdon't (?:be sorry|apologi[sz]e)\b",
    r"\bnothing (?:more|else) (?:frustrating|annoying)\b",
    r"\bnot (?:our|the) (?:courier|driver|bank)(?:'s)? fault\b",
]

PATTERNS: dict[str, list[str]] = {
    "acknowledges": [
        r"\bi (?:completely |totally |fully |really )?(?:understand|get it|hear you|know how|"
        r"know waiting|can imagine|can see (?:why|how|that))\b",
        r"\b(?:totally |completely |fully )?understandable\b",
        r"\bi'd (?:be|feel) (?:worried|upset|annoyed|frustrated|angry) too\b",
        r"\b(?:that|this|it)(?:'s| is| must be| must have been| has been| sounds| was)"
        r"(?: so| really| a| very| such a| far| incredibly| truly)* ?(?:frustrating|annoying|"
        r"stressful|upsetting|disappointing|alarming|painful|frightening|"
        r"confusing|hard|miserable|a shock|a hassle|a real hassle|a real loss|unacceptable|"
        r"not acceptable|not good enough|too long|far too long|too many|a long time|"
        r"not what you paid for|not the)\b",
        r"\boh no\b",
        r"\byou(?:'re| are) (?:absolutely |completely )?right\b",
        r"\bfair (?:enough|point)\b",
        r"\byou've been (?:waiting|charged|chasing)\b",
        r"\b(?:isn't|is not|wasn't) good enough\b",
        r"\b(?:is|was) (?:unacceptable|far too long|too long|a long time|no good)\b",
        r"\b(?:waiting|being|arriving|missing|no)\b[^.!?]{3,60}\b(?:is|was|isn't|means)"
        r" (?:so |really |a |no |such a |not )?(?:awful|hard|frustrating|stressful|scary|"
        r"miserable|too|long|good|dinner|acceptable|a long time|the way)\b",
        r"\b(?:three|two|five|four) (?:weeks|calls|faulty|hours|days)\b[^.!?]{0,40}\b(?:is|are)"
        r" (?:too|far|unacceptable|a long)\b",
        r"\b(?:after|with) (?:only a month|waiting)\b",
        r"\bplease don't blame yourself\b",
        r"\bshould never have happened\b",
        r"\b(?:i agree|i'd understand|change is hard)\b",
        r"\bthat (?:isn't|wasn't|is not|was not) (?:what|something)\b",
        r"\bnot (?:the|a) (?:way|experience)\b",
        r"\bnot (?:on you|your fault|something you did|at all, you did nothing)\b",
        r"\bit (?:isn't|wasn't) (?:your|anything you|something you)\b",
        r"\byou did nothing wrong\b",
        r"\byou shouldn't have (?:had|needed) to\b",
        r"\byou(?:'re| are) right to\b",
        r"\bthat's a (?:real|frustrating|stressful)\b",
        r"\bi know how\b",
    ],
    "apologizes": [
        r"\b(?:i'm|i am|we're|we are|so|really|truly|very) (?:so |really |truly |very |deeply )?"
        r"sorry\b",
        r"\bsorry (?:about|for|to hear|that|it|your|you've|you were|we)\b",
        r"^sorry\b",
        r"[.!?] sorry\b",
        r"\bsorry[!.]",
        r"\b(?:my|our) (?:sincere )?apologies\b",
        r"\bapologies for\b",
        r"\bi (?:do |sincerely )?apologi[sz]e\b",
        r"\bwe apologi[sz]e\b",
    ],
    "ownership": [
        r"\b(?:i've|i have|we've|we have) (?:just |now |already )?(?:re)?(?:issued|refunded|"
        r"reissued|escalated|fixed|processed|sent|credited|arranged|booked|reset|updated|added|"
        r"cancelled|canceled|reversed|corrected|restored|removed|unlocked|"
        r"waived|activated|applied|blocked|frozen|opened|reported|asked|emailed|"
        r"re-linked|switched|cleared|shared|attached|extended|"
        r"credited|taken)\b",
        r"\b(?:i'll|i will|we'll|we will) (?:personally |also |now |then )?(?:make sure|take care|"
        r"fix|handle|sort|look into|follow up|check|chase|escalate|process|issue|refund|send|"
        r"call|email|post|pay|book|arrange|approve|pass|share|ring|stay|message|let you know|"
        r"redo|get|offer|find out|report|cover|swap|replace|make|do)\b",
        r"\bi'm (?:going to|escalating|answering|here now)\b",
        r"\blet me (?:fix|sort|take|handle|look|check|get)\b",
        r"\b(?:that's|that is|this is|it's|it is) (?:on us|our (?:mistake|fault|error|failure|"
        r"responsibility))\b",
        r"\bour (?:mistake|fault|error|failure)\b",
        r"\bwe (?:got (?:this|it) wrong|made a mistake|messed up|dropped the ball)\b",
        r"\bi take (?:full )?responsibility\b",
        r"\bi want to (?:fix|help)\b",
        r"\bit's ours\b",
        r"\b(?:we|i)(?:'ll| will) pay for\b",
        r"\bit's a (?:known )?bug on our side\b",
        r"\bi won't make excuses\b",
    ],
    "next_step": [
        r"\bwithin (?:the )?(?:\d+|a|an|one|two|three|five|few|24|48)?(?: to \d+)? ?(?:minutes?|"
        r"hours?|days?|business days|working days|weeks?|hour)\b",
        r"\bby (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|"
        r"noon|end of (?:the )?day|\d{1,2}(?::\d\d)? ?(?:am|pm)?|\d+ (?:june|july|may)|"
        r"\d{1,2} (?:am|pm))\b",
        r"\b(?:on|this|next|from) (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        r"\b(?:today|tomorrow|tonight|this morning|this afternoon|right away|same day|"
        r"just now|now)\b",
        r"\bat \d{1,2}(?::\d\d)? ?(?:am|pm|utc)?\b",
        r"\b\d{1,2}:\d\d\b",
        r"\bbetween \d",
        r"\b(?:reference|ref|tracking|case|order|claim)(?: number)? [a-z]*-?\d{3,}\b",
        r"\b(?:tracking number|tracking link|reference|case \d+)\b",
        r"\b(?:click|tap|open|go to|choose|select|pick|unplug|reinstall|update to|fill in|"
        r"send us|reply (?:with|here|yes|stop)|descale|turn on|pay it|"
        r"switch back|refresh|sign in|run|try descaling)\b",
        r"\bsettings ?>",
        r"\b(?:you'll|you will) (?:see|receive|get(?! used)|keep|hear|be able)\b",
        r"\b(?:is|are) (?:on (?:its|their) way|booked|ready|confirmed|attached)\b",
        r"\bplease (?:send|reply|update|file|stop|reinstall|keep|use)\b",
        r"\bup to \d+ (?:hours|days|minutes)\b",
        r"\b(?:you need to|check your|update your)\b",
        r"\bhere's\b",
        r"\b(?:attached|below)\b",
    ],
    "blames_customer": [
        r"\byou (?:should|must|need to|needed to|ought to) have\b",
        r"\byou should(?:n't)? (?:have|keep|come|plan|check|read)\b",
        r"\byou (?:didn't|did not|failed to|forgot to|never|don't|do not) (?:read|check|follow|"
        r"enter|update|select|click|provide|contact|submit|tell|set)\b",
        r"\bif you (?:had|ignored)\b",
        r"\b(?:your|you're) (?:own )?(?:fault|mistake|error|responsibility)\b",
        r"\b(?:clearly )?(?:stated|explained|written) in (?:the|our|your)\b",
        r"\byou (?:must|may|probably) (?:have|be|booked|used|typed|entered)\b",
        r"\buser error\b",
        r"\byou (?:entered|typed|selected|chose|clicked|checked in|agreed|signed|ignored|used)\b",
        r"\bbecause you\b",
        r"\bdid you (?:even|empty|check|plug)\b",
        r"\byou(?:'re| are) (?:probably|likely) (?:using|doing)\b",
        r"\bsomeone in your household\b",
        r"\bnext time\b",
        r"\bare you sure\b",
        r"\bthe one you chose\b",
        r"\btaken from your\b",
        r"\bcaused by customers\b",
        r"\bif you read it\b",
        r"\bsounds like you\b",
        r"\byou may be\b",
        r"\bmust be something on your\b",
    ],
    "dismissive": [
        r"\bcalm down\b",
        r"\bbe patient\b",
        r"\bas i (?:already |previously )?(?:said|mentioned|explained|told you)\b",
        r"\b(?:there's|there is|there isn't) (?:nothing|anything|not much) (?:i|we|more|else)\b",
        r"\bnothing (?:else )?(?:i|we) can do\b",
        r"\b(?:i|we) (?:can't|cannot|can not) (?:do anything|help|control|apply)\b",
        r"\b(?:that's|that is|it's|it is) (?:just )?(?:our|the) policy\b",
        r"\bper (?:our )?policy\b",
        r"\bit is what it is\b",
        r"\bnot (?:my|our) (?:problem|responsibility|department|fault)\b",
        r"\bnot (?:the )?responsibility of\b",
        r"\b(?:not|isn't|aren't) our responsibility\b",
        r"\bout of our hands\b",
        r"\byou'll (?:just )?(?:have to|get used)\b",
        r"\bsorry (?:if|that) you feel\b",
        r"\bif you feel that way\b",
        r"\bsorry you feel that way\b",
        r"\bwhatever\b",
        r"\bgo ahead\b",
        r"\bnon-negotiable\b",
        r"\bthe fee stands\b",
        r"\b(?:delays|it) happen\b",
        r"\bhappen(?:s)? sometimes\b",
        r"\bget lost sometimes\b",
        r"\bwhen it arrives\b",
        r"\b(?:works|working) (?:fine|for everyone)\b",
        r"\bthe app works\b",
        r"\bthousands of (?:people|users)\b",
        r"\b(?:is|are) (?:correct|safe|fine|normal|always busy|busy)\b",
        r"\b(?:don't|do not) (?:employ|take)\b",
        r"\bhandled by the\b",
        r"\bnot covered\b",
        r"\bno exceptions\b",
        r"\bhave no control\b",
        r"\b(?:doesn't|does not|don't) disconnect\b",
        r"\b(?:can't|cannot) be recovered\b",
        r"\bplease wait\b",
        r"\bnot instant\b",
        r"\bin the queue\b",
        r"\bthe only person\b",
        r"\bwithout proof\b",
        r"\b(?:can't|cannot) see any record\b",
        r"\bcome on a weekday\b",
        r"\bout of our\b",
        r"\bwe recommend\b",
        r"\bthe chatbot answers\b",
        r"\b(?:are|is) (?:dermatologically|tested)\b",
        r"\bmay have an allergy\b",
        r"\bfor many reasons\b",
        r"\bare set by\b",
    ],
}

COMPILED = {label: [re.compile(p) for p in pats] for label, pats in PATTERNS.items()}
NEUTRAL = [re.compile(p) for p in NEUTRALISE]
# "Sorry if you feel that way" regrets the customer's feelings, not what happened: no apology.
NON_APOLOGY = re.compile(
    r"\bsorry (?:if you (?:feel|felt|were|are|found)|(?:that )?you (?:feel|felt) (?:that|this) way)"
    r"[^.!?]*"
)
POSITIVE_NEEDS_NO_NEGATION = {"apologizes", "ownership", "acknowledges"}


@dataclass(frozen=True)
class LabelVerdict:
    """One label on one reply: whether it is present, the phrases behind it, and advice."""

    label: str
    present: bool
    phrases: list[str] = field(default_factory=list)

    @property
    def good(self) -> bool:
        """A good reply has the positive labels and lacks the negative ones."""
        return self.present if self.label in POSITIVE else not self.present

    @property
    def title(self) -> str:
        return TITLES[self.label]

    @property
    def suggestion(self) -> str:
        return "" if self.good else SUGGESTIONS[self.label]


def normalise(text: str) -> str:
    """Lower case with straight apostrophes and single spaces, so patterns stay simple."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    return re.sub(r"\s+", " ", text).strip()


def _neutralised(text: str) -> str:
    for pattern in NEUTRAL:
        text = pattern.sub(lambda m: "·" * len(m.group(0)), text)
    return text


def _negated(text: str, start: int) -> bool:
    return NEGATOR.search(text[max(0, start - 25) : start]) is not None


def _phrases(label: str, text: str, original: str) -> list[str]:
    found: list[str] = []
    source = original if label == "acknowledges" else text
    if label == "apologizes":
        source = NON_APOLOGY.sub(lambda m: "·" * len(m.group(0)), source)
    for pattern in COMPILED[label]:
        for match in pattern.finditer(source):
            if label in POSITIVE_NEEDS_NO_NEGATION and _negated(source, match.start()):
                continue
            phrase = match.group(0).strip(" .!?,")
            if phrase and phrase not in found:
                found.append(phrase)
    return found


_MODEL_VETO = {"apologizes", "blames_customer"}
_NEGATED_APOLOGY = re.compile(
    r"\b(?:not|never|no|don't|won't|nothing to)\b[^.!?,;]{0,12}\b(?:sorry|apologi)"
)


def _negated_for_model(label: str, sentence: str) -> bool:
    """A sentence the rules read as the opposite of its words ("no need to apologise", "it's
    not your fault", "sorry if you feel that way") does not count for the model either."""
    if label not in _MODEL_VETO:
        return False
    text = normalise(sentence)
    if label == "apologizes" and (NON_APOLOGY.search(text) or _NEGATED_APOLOGY.search(text)):
        return True
    return any(pattern.search(text) for pattern in NEUTRAL)


def label_reply(
    reply: str, *, model: bool = True, heads: FeedbackHeads | None = None, real: bool = False
) -> dict[str, LabelVerdict]:
    """The six verdicts on ``reply``, each naming the phrases that triggered it.

    With ``model`` (the default) the learned heads (``heads``, or the shipped ones) add what the
    rules miss, explained by the sentence that carried the label; the rules' verdicts inform the
    heads' reply layer. With heads that keep a second bar (older artifacts), a reply with no
    good move meets a lower one for blame and brush-offs than one that also fixes something.
    """
    return label_replies([reply], model=model, heads=heads, real=real)[0]


def label_replies(
    replies: list[str],
    *,
    model: bool = True,
    heads: FeedbackHeads | None = None,
    real: bool = False,
) -> list[dict[str, LabelVerdict]]:
    """:func:`label_reply` for each reply, the model's embeddings computed in one batch.

    ``real``: these are agents' real replies (AutoQA), read by the heads for them unless
    ``heads`` are given: most real turns are greetings, questions and updates, not answers to
    a hard message.
    """
    found = [_rule_phrases(reply) for reply in replies]
    scores: list[dict[str, LabelScore] | None] = [None] * len(replies)
    if model:
        import numpy as np

        from poise.training.feedback_model import score_replies

        hits = [np.array([float(bool(f[label])) for label in LABELS]) for f in found]
        scores = list(score_replies(replies, heads, _negated_for_model, hits, real=real))
    return [_verdicts(f, s) for f, s in zip(found, scores, strict=True)]


def _rule_phrases(reply: str) -> dict[str, list[str]]:
    original = normalise(reply)
    text = _neutralised(original)
    return {label: _phrases(label, text, original) for label in LABELS}


def _verdicts(
    found: dict[str, list[str]], scores: dict[str, LabelScore] | None
) -> dict[str, LabelVerdict]:
    """The rules' phrases, and where they found none the model's sentence."""
    verdicts: dict[str, LabelVerdict] = {}
    for label in LABELS:  # the good moves first: whether there is one sets the bar for the rest
        phrases = found[label]
        if not phrases and scores is not None:
            score = scores[label]
            alone = label in NEGATIVE and not any(verdicts[g].present for g in POSITIVE)
            if score.present_alone if alone else score.present:
                phrases = [score.span]
        verdicts[label] = LabelVerdict(label, bool(phrases), phrases)
    return verdicts


# --- Evaluation -----------------------------------------------------------------------------


def read_labelled(lines: list[str]) -> list[dict[str, object]]:
    """Rows of a labelled JSONL file; a clear error names the first bad line."""
    import json

    rows: list[dict[str, object]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc.msg})") from None
        missing = [k for k in ("reply", *LABELS) if not isinstance(row, dict) or k not in row]
        if missing:
            raise ValueError(f"line {number}: missing {', '.join(missing)}")
        rows.append(row)
    return rows


def evaluate(
    rows: list[dict[str, object]],
    *,
    model: bool = True,
    heads: FeedbackHeads | None = None,
    predict: Callable[[str], set[str]] | None = None,
    real: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, object]:
    """Per-label precision, recall and F1 against the rows' 0/1 labels.

    The verdicts are ``label_reply``'s (rules and model, or rules alone without ``model``;
    the heads for real replies with ``real``), or ``predict``'s set of present labels when
    given (to score a model on its own). ``progress(done, total)`` hears of each row judged.
    """
    counts = {label: [0, 0, 0] for label in LABELS}  # true pos, false pos, false neg
    for done, row in enumerate(rows, start=1):
        reply = str(row["reply"])
        if predict is not None:
            present = predict(reply)
        else:
            verdicts = label_reply(reply, model=model, heads=heads, real=real)
            present = {label for label, v in verdicts.items() if v.present}
        for label in LABELS:
            predicted, wanted = label in present, bool(row[label])
            if predicted and wanted:
                counts[label][0] += 1
            elif predicted:
                counts[label][1] += 1
            elif wanted:
                counts[label][2] += 1
        if progress:
            progress(done, len(rows))
    labels = {label: _scores(*counts[label]) for label in LABELS}
    macro = sum(s["f1"] for s in labels.values()) / len(LABELS)
    return {"n": len(rows), "labels": labels, "macro_f1": round(macro, 4)}


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def verdicts_from(stored: dict[str, object]) -> list[LabelVerdict]:
    """Verdicts rebuilt from an attempt's stored feedback, in label order."""
    found = []
    for label in LABELS:
        entry = stored.get(label)
        present = bool(entry.get("present")) if isinstance(entry, dict) else False
        phrases = entry.get("phrases", []) if isinstance(entry, dict) else []
        found.append(LabelVerdict(label, present, [str(p) for p in phrases]))
    return found
