"""Personal data out of a mined draft: the manual is read by the whole team, for every customer.

A draft is written from real agent replies, which carry the customer's name, order numbers,
amounts, e-mail addresses, links with ids, and the agent's greeting and signature ("All the
best, Maria / Poise Support", "^MG"). The wall's redaction (:mod:`poise.redaction`)
finds e-mails, phones, handles, links, reference numbers, addresses and names; here it is run
with no staff names kept, because in a procedure the agent's name is as out of place as the
customer's. Added on top: amounts, signatures and sign-off blocks, greetings, the names the
conversation itself knows (customer and agents), and a tidy-up so what remains reads as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from poise.redaction import NOT_INITIALS, NOT_NAMES, StaffNames, redact

AMOUNT_RE = re.compile(
    r"(?:[€$£¥₹]|\b(?:EUR|USD|GBP|CAD|AUD|CHF|INR)\s?)\s?\d[\d,.' ]*\d(?:\s?(?:k|m|bn)\b)?"
    r"|(?:[€$£¥₹]|\b(?:EUR|USD|GBP|CAD|AUD|CHF|INR)\s?)\s?\d"
    r"|\b\d[\d,.]*\s?(?:€|£|\$|(?:EUR|USD|GBP|CAD|AUD|CHF|INR|dollars?|euros?|pounds?|bucks|cents?)\b)",
    re.IGNORECASE,
)
# "^MG", "^Clarissa", "*JD", "-Sam" after a reply: Twitter teams sign every tweet.
CARET_SIGNATURE_RE = re.compile(r"\s*[\^*]\s?[A-Za-z][\w.]{0,20}\b")
DASH_SIGNATURE_RE = re.compile(r"\s+[-~–—]\s?[A-Z][A-Za-z]{0,15}\s*$")
SIGN_OFF = (
    r"(?i:all the best|best regards|kind regards|warm regards|best wishes|many thanks|"
    r"thanks again|regards|cheers|sincerely|take care|with thanks|thank you|thanks|best)"
)
# A sign-off phrase, its punctuation, then at most a name and a team ("…, Maria Poise Support").
SIGN_OFF_RE = re.compile(
    r"(?:^|(?<=[.!?])\s+)"
    + SIGN_OFF
    + r"(?:\s*[,!.—–-]+\s*|\s*$)(?:[A-Z][\w'.-]*\s*){0,4}[.!]?\s*$"
)
SIGN_OFF_LINE_RE = re.compile(r"^" + SIGN_OFF + r"\s*[,!.—–-]*\s*$")
GREETING_RE = re.compile(
    r"^\s*(?i:hiya|heya|hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening|day)|howdy)\b"
    r"(?:\s+(?i:there|again|all|team))?(?:\s+[A-Z][\w'-]*){0,2}\s*[,!.:;-]*\s*"
)
# A customer's opening: the same greetings, never taking the words that start the request
# ("Hi there I can't log in" keeps "I can't log in"; "Hello team, my order…" keeps "my order…").
_OPENERS = (
    r"I|I'm|I've|I'd|I'll|Im|My|Me|We|We're|Our|Us|You|Your|It|It's|Its|This|That|The|A|An|Is|Are"
    r"|Was|Were|Do|Does|Did|Can|Could|Would|Will|Should|Why|How|What|When|Where|Who|Which|Just"
    r"|Please|So|Not|No|Yes|Has|Have|Had|Any|Ok|OK|Okay|Thanks|Thank|Since|After|Before|Still"
)
CUSTOMER_GREETING_RE = re.compile(
    r"^\s*(?i:hiya|heya|hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening|day)|howdy)"
    r"\b(?:\s+(?i:there|again|all|team|everyone|folks|guys|support"
    r"|sir(?: or madam|/madam)?|madam))?"
    r"(?:\s+(?!(?:" + _OPENERS + r")\b)[A-Z][\w'-]*){0,2}"
    r"(?:[\s,]+[A-Z][\w'-]*\s+here\b)?\s*[,!?.:;-]*\s*"  # "Hi, Robin here:"
)
# Tweets split over several turns: "… 1/2", ">>", "(cont)".
CONTINUED_RE = re.compile(r"(?:\b\d/\d\b|>>|\(cont(?:'d)?\.?\)|…)\s*$", re.IGNORECASE)
PART_MARK_RE = re.compile(r"(?:^|\s)(?:\d/\d|>>|<<|\(cont(?:'d)?\.?\))(?=\s|$)", re.IGNORECASE)
DATASET_PLACEHOLDER_RE = re.compile(r"__([a-z]{2,20})__|#([A-Z]{2,20})#", re.IGNORECASE)
GLUED_SENTENCE_RE = re.compile(r"([a-z]{2}[.!?])([A-Z][a-z])")  # "Maharashtra.Regards,Pritam"
HANDLE_RE = re.compile(r"(?<![\w@])@\w+")
SHORT_LINK_RE = re.compile(
    r"\bhttps?://(?:t\.co|bit\.ly|goo\.gl|ow\.ly|tinyurl\.com|buff\.ly|fb\.me|amzn\.to|"
    r"spoti\.fi|apple\.co|youtu\.be)/\S*",
    re.IGNORECASE,
)
PLACEHOLDER_NAME_RE = re.compile(
    r"[,\s]*(?:\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam)\.?\s*)?\[(?:name|handle)\][,]?"
)
SPACES_RE = re.compile(r"[ \t]+")
SPACE_BEFORE_PUNCT_RE = re.compile(r"\s+([,.;:!?)])")
DOUBLE_PUNCT_RE = re.compile(r"([,;:])\s*([,.;:!?])")


def known_name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Every word of the names the conversation knows (its customer, its agents), as written
    with a capital: "Dave" goes, the verb "will" stays even when a customer is called Will, and
    so do ordinary words a display name is made of ("Poise Support", "Agent")."""
    parts = {
        part
        for name in names
        for part in re.split(r"[\s,]+", name.strip())
        if len(part) >= 2 and part[:1].isalpha() and part.lower() not in NOT_NAMES
    }
    if not parts:
        return None
    alternatives = "|".join(re.escape(p[:1].upper() + p[1:]) for p in sorted(parts, key=len)[::-1])
    return re.compile(rf"(?<![\w@])(?:{alternatives})(?!\w)")


def joined_parts(turns: list[str]) -> list[str]:
    """Consecutive turns of one reply split over several tweets ("… 1/2", ">>") as one."""
    joined: list[str] = []
    carry = False
    for turn in turns:
        if carry and joined:
            joined[-1] = f"{joined[-1]} {turn}"
        else:
            joined.append(turn)
        unsigned = CARET_SIGNATURE_RE.sub("", html.unescape(turn)).strip()
        carry = bool(CONTINUED_RE.search(unsigned))
    return joined


def without_signature(turn: str) -> str:
    """An agent turn without its greeting, its sign-off block and the initials it is signed
    with ("Hi Dave, … All the best, Maria / Poise Support", "… ^MG")."""
    text = GLUED_SENTENCE_RE.sub(r"\1 \2", html.unescape(turn))
    text = DATASET_PLACEHOLDER_RE.sub(lambda m: f"[{(m.group(1) or m.group(2)).lower()}]", text)
    text = SHORT_LINK_RE.sub(" ", text)
    text = PART_MARK_RE.sub(" ", text)
    text = HANDLE_RE.sub(" ", text)
    text = CARET_SIGNATURE_RE.sub(" ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = " ".join(_before_sign_off(lines))
    text = SIGN_OFF_RE.sub("", text)
    text = DASH_SIGNATURE_RE.sub(_unless_a_word, text)
    text = GREETING_RE.sub("", text)
    return SPACES_RE.sub(" ", text).strip()


def _unless_a_word(signature: re.Match[str]) -> str:
    """A dash signature's removal, kept where the capitals are a place or a word ("-EU")."""
    word = signature.group(0).strip().lstrip("-~–—").strip()
    return signature.group(0) if word in NOT_INITIALS else ""


def without_greeting(text: str) -> str:
    """A customer's words without the greeting they open with ("Hi there,", "Hello team,",
    "Good morning"), as a drafted step goes without the agent's: an article's issue and
    phrasings are said for every customer, not to one team on one morning."""
    for _ in range(3):  # "Hello? Hi team, …": a short first turn joined to the next
        stripped = CUSTOMER_GREETING_RE.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text[:1].upper() + text[1:]


def _before_sign_off(lines: list[str]) -> list[str]:
    """The lines above a sign-off line ("All the best," then a name and a team below it)."""
    for at, line in enumerate(lines):
        tail = lines[at + 1 :]
        if (
            SIGN_OFF_LINE_RE.match(line)
            and len(tail) <= 3
            and all(len(t.split()) <= 4 for t in tail)
        ):
            return lines[:at]
    return lines


def scrub(text: str, *, names: Iterable[str] = ()) -> str:
    """``text`` with no personal data: names (the conversation's and any the redaction knows),
    e-mails, phones, handles, links, reference numbers, addresses and amounts.

    Names and handles leave nothing behind; the rest leave a placeholder (``[number]``,
    ``[amount]``, ``[email]``…) so the reviewer sees where a value stood and can write in
    the general one (the help page, the hotline) if the step needs it."""
    pattern = known_name_pattern(names)
    if pattern is not None:
        text = pattern.sub("[name]", text)
    text = AMOUNT_RE.sub("[amount]", text)
    text = redact(text, staff=StaffNames()).text
    return tidy(PLACEHOLDER_NAME_RE.sub(" ", text))


def tidy(text: str) -> str:
    """Spaces and punctuation a removal left behind: "Thanks , ." → "Thanks."."""
    text = SPACES_RE.sub(" ", text)
    text = SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    text = DOUBLE_PUNCT_RE.sub(r"\2", text)
    text = re.sub(r"\s*[:,;]\s*$", ".", text)
    return re.sub(r"^[\s,;:.!-]+", "", text).strip()
