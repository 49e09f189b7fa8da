"""Text normalisation shared by training and serving.

Training and serving must see text the same way, so every rule lives here once.
Handles, links and data-set artefacts (GoEmotions' ``[NAME]``, CFPB's ``XXXX``
redactions) are removed because they describe the *source* of a text, not its
sentiment, and a model would otherwise learn the source as a shortcut.
"""

from __future__ import annotations

import re
from functools import lru_cache

_URL = re.compile(r"https?://\S+|www\.\S+")
_HANDLE = re.compile(r"(?<!\w)@\w+")
# Redaction placeholders of helpdesks and data sets: #EMAIL#, [PHONE], {{phone}}, <redacted>,
# __NAME__ (__email__ in the Customer Support on Twitter set). They say where the text came
# from, not how the customer feels (nor what the issue is). Templated data sets and helpdesk
# macros also write them in words: "{{Order Number}}", "[Account Number]", "<customer name>";
# in single brackets only with a word that names personal data, because real text brackets
# words too ("[Serious]", "[Ha Ha]").
_PLACEHOLDER_NOUN = (
    r"(?:name|e-?mail|phone|mobile|number|address|account|order|date|id|card|policy|city|"
    r"country|company|product|amount|url|zip|postcode|code|username|customer|agent|person)"
)
_REDACTION = re.compile(
    r"#[A-Z][A-Z_]{1,30}#|\[(?:[A-Z][A-Z_ ]{1,30}|redacted|REDACTED)\]|\{\{[^{}\n]{1,40}\}\}|"
    r"<(?:redacted|REDACTED|[A-Z][A-Z_]{1,30})>|(?<![\w])__[A-Za-z][A-Za-z_]{1,29}__(?!\w)|\*{3,}|"
    rf"(?i:[\[<](?:[a-z]+[ _-]){{0,3}}{_PLACEHOLDER_NOUN}(?:[ _-][a-z]+){{0,2}}[\]>])(?!\()"
)
# Contact details, real or redacted, say nothing of feeling: an e-mail address, and a phone
# number (a run of 7 or more digits with spaces, dots, dashes or brackets between them).
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")
_PHONE = re.compile(r"(?<![\w$£€.,])\+?\(?\d[\d\s().-]{5,18}\d(?![\w.,]?\d)")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ORPHAN_PUNCT = re.compile(r"(?:(?<=^)|(?<=[\s(]))[,;:/&-]+(?=\s|$)")
_CFPB_DATE = re.compile(r"\bXX/XX/(?:XXXX|\d{2,4}|year>?)")
_CFPB_MASK = re.compile(r"X{4,}|\bXX\b")
_CFPB_AMOUNT = re.compile(r"\{\$\s*([\d,]*)(?:\.\d*)?\s*\}")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SPACE_PUNCT = re.compile(r" +([,.;:!?)])")
# Emoji carry much of the feeling in chat and social messages, but the tokenizers drop
# them; the common ones become words both models know.
_EMOJI = {
    "😭": " crying ",
    "😢": " crying ",
    "😩": " weary ",
    "😫": " weary ",
    "😤": " angry ",
    "😡": " angry ",
    "😠": " angry ",
    "🤬": " furious ",
    "🤦": " facepalm ",
    "🙄": " eye roll ",
    "😒": " unamused ",
    "😞": " disappointed ",
    "😔": " sad ",
    "☹": " sad ",
    "🙁": " sad ",
    "😕": " confused ",
    "🤔": " hmm ",
    "😑": " unamused ",
    "😐": " meh ",
    "👎": " thumbs down ",
    "😂": " laughing ",
    "🤣": " laughing ",
    "😊": " smile ",
    "🙂": " smile ",
    "😀": " smile ",
    "😃": " smile ",
    "😄": " smile ",
    "😁": " smile ",
    "😍": " love ",
    "❤": " love ",
    "💕": " love ",
    "🥰": " love ",
    "👍": " thumbs up ",
    "🙏": " thanks ",
    "🎉": " celebrate ",
    "👏": " applause ",
    "😎": " cool ",
    "✅": " done ",
}
_EMOJI_RE = re.compile("|".join(map(re.escape, _EMOJI)))
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[!?]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])|\n+")


def _drop_phone(match: re.Match[str]) -> str:
    """A phone number goes; a shorter run (an amount, a year, an order count) or a date stays."""
    found = match.group(0)
    if _ISO_DAY.fullmatch(found.strip()) or sum(c.isdigit() for c in found) < 7:
        return found
    return " "


def without_placeholders(text: str) -> str:
    """``text`` without redaction placeholders, whitespace collapsed; nothing else changes.

    For what compares requests by their words and meaning (the manual's search and mining):
    "{{Order Number}}" or "[NAME]" in many requests of different issues would otherwise make
    them look alike (on CLINC150's work domain with such placeholders added to two requests
    in five, mining's NMI fell from 0.934 to 0.822)."""
    return _SPACE_PUNCT.sub(r"\1", " ".join(_REDACTION.sub(" ", text).split()))


# A phone's keyboard types "can’t" where a computer's types "can't": the models read both as
# the one word (split at the curly one, "don’t bother" read 0.27 more negative than "don't").
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "＇": "'"})

REMEMBERED_CHARS = 1_000  # longer texts are normalised each time (a few, and memory stays small)


def normalize(text: str) -> str:
    """Return ``text`` without handles, links, placeholders and redaction marks.

    Texts up to ``REMEMBERED_CHARS`` are remembered (the last 4,096): scoring one message asks
    for its normalised text from the lexical features, the abuse rules, drift and the
    conversation's signals, about seven times in all, and fourteen regular expressions a time
    cost 7% of bulk scoring.
    """
    if len(text) > REMEMBERED_CHARS:
        return _normalize(text)
    return _remembered(text)


def readable(text: str) -> str:
    """``text`` as :func:`normalize` cleans it, with its emoji kept as they are: for words a
    person reads (a purpose), where "late 😡" must not become "late angry"."""
    return _normalize(text, emoji=False)


def _normalize(text: str, emoji: bool = True) -> str:
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _PHONE.sub(_drop_phone, text)
    text = _HANDLE.sub(" ", text)
    text = _REDACTION.sub(" ", text)
    text = _CFPB_DATE.sub(" ", text)
    text = _CFPB_MASK.sub(" ", text)
    text = _CFPB_AMOUNT.sub(lambda m: f"${m.group(1)}" if m.group(1) else " ", text)
    if emoji:  # for the models, not for words a person reads
        text = _EMOJI_RE.sub(lambda m: _EMOJI[m.group(0)], text)
        text = text.translate(_APOSTROPHES)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = _SPACES.sub(" ", text)
    text = _ORPHAN_PUNCT.sub(" ", text)
    text = _SPACES.sub(" ", text)
    text = _SPACE_PUNCT.sub(r"\1", text)
    return text.strip()


_remembered = lru_cache(maxsize=4096)(_normalize)


def words(text: str) -> list[str]:
    """Lower-cased word tokens (plus ``!``/``?``) of already-normalised text.

    Every number becomes ``0``: amounts and times say nothing about feeling, and
    complaint letters are full of them.
    """
    return _WORD.findall(_NUMBER.sub("0", text.lower()))


def sentences(text: str) -> list[str]:
    """Split prose into sentences; good enough for chunking complaint letters."""
    parts = (p.strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if p]
