"""The explanatory-style lexicon: weighted phrase patterns for the three CAVE dimensions.

Each cue is a regular expression over lower-cased text with a weight per dimension. A
positive weight pushes toward the pessimistic pole (permanent, pervasive, personal), a
negative one toward the optimistic pole (temporary, specific, external). One phrase may speak
to several dimensions at once: "I'm useless" is permanent, pervasive *and* personal.

Order matters: cues are tried in this order and a match claims its words for each dimension
it weighs, so a longer, more specific phrase listed first ("never … before", "nothing I could
do", "not that I'm bad at") stops a shorter one ("never", "nothing", "bad at") from counting
the same words again. A weight of 0 claims the words without counting them.

Patterns are written for how agents talk after a hard call, not for any one data set: the
trait and habit forms ("I'm bad at…", "I always…", "I keep…"), quantifiers ("every call",
"everyone", "all my tickets"), time anchors ("today", "this week", "yet"), states ("I was
tired"), events (outage, storm, migration) and who did what ("the courier lost", "I forgot").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PERM, PERV, PERS = "permanent", "pervasive", "personal"


@dataclass(frozen=True)
class Cue:
    """One weighted pattern.

    ``negatable``: a negator just before the match flips its weights ("not always",
    "not my fault", "not just this one"). ``subject_sensitive``: an outside cause named after
    "I" in the same clause is usually the object of the agent's own act ("I misread the
    contract", "I blamed the policy"), so it counts for less.
    """

    pattern: re.Pattern[str]
    weights: dict[str, float]
    negatable: bool = True
    subject_sensitive: bool = False
    once: bool = False
    scoped: bool = False
    name: str = field(default="")


def _cue(
    pattern: str,
    *,
    perm: float | None = None,
    perv: float | None = None,
    pers: float | None = None,
    negatable: bool = True,
    subject: bool = False,
    once: bool = False,
    scoped: bool = False,
) -> Cue:
    weights = {dim: w for dim, w in ((PERM, perm), (PERV, perv), (PERS, pers)) if w is not None}
    return Cue(re.compile(pattern), weights, negatable, subject, once, scoped, pattern)


# --- Shared fragments ---------------------------------------------------------------------

# Up to three adverbs ("just really", "honestly completely"). The alternatives must not
# overlap (every "-ly" word is left to the last one) or a run of adverbs backtracks
# exponentially.
ADV = r"(?:(?:just|so|still|also|always|pretty|quite|such|very|a bit|kind of|sort of|too|"
ADV += r"[a-z]+ly)\s+){0,3}"
TRAIT_BAD = (
    r"(?:bad|terrible|awful|hopeless|useless|rubbish|crap|pants|no good|not good|not great|"
    r"not very good|never any good|never good|weak|poor|horrible|dreadful|clueless|lousy|"
    r"incompetent|a disaster|a mess|slow|hopeless|the worst)"
)
# Scopes that make a trait pervasive: the whole job, people in general, everything.
GLOBAL_SCOPE = re.compile(
    r"\b(?:(?:this|the|my) (?:whole |entire )?job|this work|my work|work|support|"
    r"customer service|this role|the role|my role|this line of work|the phones|people|anyone|"
    r"anybody|everyone|everybody|"
    r"everything|anything|all of it|any of it|life|talking to (?:people|anyone|customers)|"
    r"dealing with (?:people|anyone|customers)|calming anyone|the basics|all of this|conflict|"
    r"confrontation|pressure|stress|criticism|communicat(?:ion|ing)|staying calm|keeping calm|"
    r"keeping my cool|talking|listening|people skills|multitasking|my job|the work|emotions)\b"
)
BARE_SCOPE = re.compile(
    r"^(?:this|it|that|all this|this stuff|all of this|any of this|calls|customers|chats|"
    r"conversations|phone calls|the phone|phones|emails|tickets)"
    r"(?:\s+(?:in general|at all|anymore|really|either|though|then|now|tbh|honestly))*$"
)
WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
EVENT = (
    r"(?:outage|outages|incident|storm|strike|power cut|power outage|heatwave|heat wave|snow|"
    r"flood|flooding|black friday|cyber monday|holiday rush|rush|launch|migration|glitch|"
    r"downtime|maintenance|data leak|leak|breach|recall|price rise|price change|price increase|"
    r"update|release|crash|bug|advert|news story|system change|changeover|cut-over|cutover)"
)
THING = (
    r"(?:system|systems|tool|tools|app|site|website|crm|portal|server|servers|network|phones|"
    r"phone system|phone line|line|chat tool|payment page|payment system|payment provider|"
    r"checkout|database|software|platform|api|page|form|headset|computer|laptop|internet|"
    r"connection|wifi|wi-fi|hold music|ivr|voicemail|generator|invoice generator|update|"
    r"release|migration|login|log-in|pricing page|process|product|card reader|printer|macro)"
)
THIRD_PARTY = (
    r"(?:courier|couriers|warehouse|supplier|bank|airline|engineer|carrier|partner|vendor|"
    r"manufacturer|post office|driver|other department|another department|another team|"
    r"other team|previous agent|last agent|other agent|management|manager|managers|finance|"
    r"it department|legal|marketing|upstairs|head office|company|business|policy|policies|"
    r"rules|terms|contract|procedure|tariff|fee|fees|queue|queues|backlog|wait time|wait times|"
    r"hold time|hold times|depot|landlord|insurer|retailer|shop|store|council|government|"
    r"regulator|network provider|isp|broadband provider|delivery partner|delivery company)"
)
CUSTOMER = (
    r"(?:the customer|this customer|that customer|the caller|this caller|the client|"
    r"this client|he|she|they|this guy|the guy|the man|the woman|the lady|this lady|"
    r"this woman|this man|mr \w+|mrs \w+|ms \w+|miss \w+)"
)
UPSET = (
    r"(?:angry|furious|livid|upset|irate|annoyed|frustrated|fuming|mad|cross|raging|"
    r"hostile|rude|abusive|aggressive|drunk|confused|stressed|panicking|panicked|grieving|"
    r"embarrassed|impatient|on edge|in a (?:bad |foul |terrible |rotten )?mood|fed up|"
    r"worked up|wound up|at the end of (?:his|her|their) (?:rope|tether)|beside (?:himself|"
    r"herself)|exhausted|scared|desperate|distraught|in tears|crying|shouting|yelling)"
)
STATE = (
    r"(?:tired|exhausted|sick|ill|unwell|stressed|distracted|nervous|flustered|rushed|"
    r"overwhelmed|hungry|cranky|grumpy|foggy|drained|burnt out|burned out|anxious|upset|"
    r"rattled|frazzled|scattered|sleepy|jet-lagged|jetlagged|hungover|run down|sleep-deprived|"
    r"in a (?:bad|foul|rotten|terrible|weird) mood|off my game|off form|not myself|"
    r"under the weather|coming down with something|out of sorts|all over the place|"
    r"half asleep|preoccupied|on edge|off|low|down|emotional|irritable|scatterbrained|"
    r"sluggish|spaced out|zoned out|checked out|not with it|not on form|wiped|knackered|"
    r"unfocus+ed|unprepared|all at sea|behind|running behind|running late|"
    r"running on (?:empty|\w+ hours)|distracted)"
)
TOPIC = (
    r"\b(?:refunds?|billing|invoices?|invoicing|chargebacks?|warranty|warranties|"
    r"cancellations?|deliver(?:y|ies)|shipping|roaming|router|passwords?|login|portal|"
    r"subscriptions?|plans?|discounts?|coupons?|vouchers?|tax|api|export|contracts?|"
    r"renewals?|tariff|meter|returns?|loyalty|pricing|prices?|fees?|payments?|cards?|"
    r"verification|escalations?|callbacks?|time zones?|accents?|orders?|tracking|parcel|"
    r"package|booking|bookings|data plan|upgrade|downgrade|bill|bills|account changes|"
    r"chargeback|legal action|premium tier|data retention|release notes|macro|bin collection|"
    r"appointment|engineer visit|claim|claims|dispute|disputes|transfer|checkout|invoice)\b"
)

# --- The lexicon, most specific first ------------------------------------------------------

CUES: list[Cue] = [
    # Phrases that look pessimistic but are not, or that must win over a shorter cue: first.
    _cue(
        r"\bnever (?:been|had|happened|seen|done|heard|met|dealt with)\b[^.;!?]{0,50}"
        r"\bbefore\b",
        perm=-2.0,
        negatable=False,
    ),
    _cue(r"\b(?:it|this|that) (?:never|hardly ever|rarely) happens\b", perm=-2.0, negatable=False),
    _cue(r"\bnever (?:my|our) fault\b", perm=0.0, pers=-2.5, negatable=False),
    _cue(
        r"\b(?:nothing|not much|little|not a lot|not anything) (?:more |else )?(?:that )?"
        r"(?:i|we|anyone|anybody|you) (?:could|can|would|might) (?:have )?(?:really )?"
        r"(?:do|done|say|said|offer|offered|change|changed|fix|fixed|have done)\b",
        perv=0.0,
        pers=-2.5,
        negatable=False,
    ),
    _cue(r"\bnothing to do with (?:me|us|anything i)\b", perv=0.0, pers=-2.5, negatable=False),
    _cue(
        r"\bnothing (?:i|we|you) (?:do|say|try|offer)\b",
        perm=1.5,
        perv=1.5,
        pers=-0.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:it's |it is |it was |it wasn't |this isn't )?not (?:that |like |as if )?"
        r"(?:i'm|i am) " + ADV + TRAIT_BAD + r"\b(?: (?:at|with) [^.,;!?]*)?",
        perm=-1.5,
        perv=-1.5,
        pers=0.0,
        negatable=False,
    ),
    _cue(r"\bi blamed (?:the |our |a )?[\w-]+", pers=2.0, negatable=False),
    _cue(r"\b(?:won't|will not|shouldn't|should not) happen again\b", perm=-2.0, negatable=False),
    _cue(
        r"\b(?:can't|cannot|couldn't|could not) (?:override|change|refund|do anything about|"
        r"look up|access|see|reach|get through|find (?:his|her|their|the) (?:order|account))\b|"
        r"\bwe (?:sent|shipped|changed|raised|lost|messed up|charged|billed|cancelled|can't|"
        r"aren't allowed|are never allowed|have no)\b|\bnot allowed\b|\bhad to be the one\b|"
        r"\bhad to (?:deal with|pass on|tell|give|explain|break)\b|\bneither of us\b|"
        r"\bboth of us\b",
        pers=-1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:we|they) (?:were|are) (?:short|understaffed|short-staffed|swamped|slammed|"
        r"overloaded|flooded)\b|\bshort-staffed\b|\bunderstaffed\b|\bpeople short\b|"
        r"\bstaff(?:ing)? (?:cuts?|shortage)\b|\bcutting staff\b|\bnobody (?:had )?"
        r"(?:told|briefed|warned|trained)\b|\bno one (?:had )?(?:told|briefed|warned|"
        r"trained)\b|\bwasn't trained\b|\bweren't trained\b|\bnever trained\b",
        perv=0.0,
        pers=-1.5,
        negatable=False,
    ),
    # "never" + a past tense is "didn't" on one occasion ("never caught up"), unless it is
    # a present perfect or a state ("has never worked", "they're never satisfied").
    _cue(
        r"(?<!'ve )(?<!have )(?<!has )(?<!had )(?<!'s )(?<!'re )(?<!are )(?<!is )(?<!was )"
        r"(?<!were )(?<!be )\bnever (?:actually |really |even )?(?:[a-z]+ed|caught|got|came|"
        r"made|heard|said|told|had|gave|went|found|saw|sent|took|knew|thought|wrote|paid|"
        r"showed|rang|spoke|brought|bought|did)\b",
        perm=0.0,
        negatable=False,
    ),
    _cue(
        r"\banything (?:to do with|about|involving|related to|regarding|on) ",
        perv=-0.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:can't|cannot|couldn't|could not|wasn't able to|am not able to) (?:legally )?"
        r"(?:honour|honor|discuss|offer|give|approve|authori[sz]e|promise|share|release|"
        r"waive|disclose)\b|\blegally\b|\bnot (?:allowed|permitted|authori[sz]ed)\b|"
        r"\bno authority\b|\bagainst (?:the )?(?:policy|rules|law)\b",
        pers=-1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:anyone|anybody|any agent|any of us|everyone) (?:else )?(?:would|could)(?: have|"
        r" be| get| feel)?\b",
        perv=0.0,
        pers=-2.5,
        negatable=False,
    ),
    _cue(
        r"\bset up to fail\b|\bimpossible to (?:keep|please|help|satisfy|win)\b",
        perm=1.5,
        perv=1.5,
        pers=-1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:that's|that is|it's|it is) (?:just )?(?:him|her|them)\b(?!\w)",
        perm=2.0,
        pers=-1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:that's|that is) (?:just )?me\b|\bme being me\b|\b(?:factor|problem|issue|"
        r"reason|cause|common denominator|weak link) (?:is|was|here is|here was) me\b",
        perm=1.0,
        pers=2.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:(?:is|isn't|wasn't|'s) (?:not |really |just )?(?:for|right for|meant for) me|"
        r"not for me)\b",
        perm=1.5,
        perv=2.0,
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bnot (?:sure|convinced) (?:that )?i(?:'m| am) (?:capable|able|good enough|cut out|"
        r"any good)\b|\bi(?:'m| am) (?:just )?(?:not )?(?:in)?capable\b",
        perm=1.0,
        perv=1.0,
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:why )?(?:can't|cannot|couldn't|do|does|am|must|did) i (?:ever|always|never|"
        r"keep|still)\b",
        perm=1.5,
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bnot my (?:best|finest|proudest|greatest) (?:shift|day|moment|call|chat|week|"
        r"morning|afternoon|work)\b",
        perm=-1.5,
        pers=1.25,
        negatable=False,
    ),
    # Frequency words count before the longer cues that contain them ("I've always struggled").
    _cue(
        r"\b(?:will never|won't ever|will not ever|never (?:going|gonna) to|never gonna|"
        r"never will|always will|will always|always going to|always gonna|(?:i|it|they|"
        r"he|she|this|that)(?:'ll| will) never)\b",
        perm=2.5,
        negatable=False,
    ),
    _cue(
        r"\bevery (?:single )?time\b|\beach time\b|\bwhenever\b|\ball the time\b|"
        r"\bconstantly\b|\bconstant\b|\bconsistently\b|\brepeatedly\b|\broutinely\b|"
        r"\bhabitually\b|\bchronically\b|\bregularly\b|\bcontinually\b|\bforever\b|"
        r"\bpermanently\b|\binvariably\b|"
        r"\bperpetually\b|\bday in,? day out\b|\bover and over\b|\btime and (?:time )?again\b",
        perm=2.0,
    ),
    _cue(r"\balways\b", perm=2.0),
    # Sweeping self-judgements: permanent, pervasive and personal at once.
    _cue(
        r"\b(?:can't|cannot|couldn't|could not) do (?:this|my|the) (?:whole )?job\b|"
        r"\bnot (?:cut out|built|made|meant) for\b|\bdon't have what it takes\b|"
        r"\b(?:wrong|the wrong) (?:job|career|line of work)\b|\bshould (?:just )?quit\b|"
        r"\bnot (?:a |much of a )?people person\b|\b(?:weakest|worst|slowest|dumbest) "
        r"(?:agent|person|one|member)\b|\bnot (?:smart|good|strong|patient|clever|tough|"
        r"fast) enough\b|\bdon't have the (?:personality|temperament|patience|brains|skills)"
        r"\b|\bnot (?:meant|built|made) to\b|\b(?:not |un)suited (?:to|for)\b|"
        r"\b(?:a )?(?:bad|poor|terrible|wrong) fit\b|\bnot (?:a )?(?:good|great|natural) fit\b",
        perm=1.5,
        perv=2.0,
        pers=2.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:i'm|i am|i've always been|i have always been|i've been|i feel like|i feel|"
        r"i'm such|i am such|i was|i'm literally) " + ADV + r"(?:a |an |the )?(?:useless|"
        r"hopeless|stupid|idiot|moron|failure|disaster|incompetent|worthless|pathetic|joke|"
        r"fraud|loser|dumb|thick|embarrassment|liability|waste of space|problem|mess|clown|"
        r"burden|(?:terrible|awful|bad|rubbish|lousy|crap|horrible|useless|hopeless|weak) "
        r"(?:agent|person|employee|worker|colleague|communicator|listener))\b"
        r"(?! (?:at|with|on|when) )",
        perm=1.25,
        perv=1.75,
        pers=2.0,
    ),
    # "I'm bad at X": a trait, pervasive or specific according to X (see GLOBAL_SCOPE).
    _cue(
        r"\b(?:i'm|i am|i've always been|i have always been|i've been|i have been|i was "
        r"never|i've never been|i'll never be|i will never be|i'm never|i am never|i feel|"
        r"i get|i have never been|i had never been|(?:ever|never|won't|not|never going to|"
        r"not going to|never gonna) be|being) "
        + ADV
        + r"(?:any )?(?:"
        + TRAIT_BAD
        + r"|good|great|any good) (?:at|with|on|when it comes to|in) (?P<scope>[^.,;!?]+)",
        perm=1.5,
        perv=0.0,
        pers=1.75,
        negatable=False,
        scoped=True,
    ),
    _cue(
        r"\bi(?:'ve| have|'m| am)? (?:always |really |just |still |often |been )?"
        r"(?:struggle[sd]?|struggling|ha(?:ve|d) (?:a hard time|trouble|problems|difficulty)) "
        r"(?:with )?"
        r"(?P<scope>[^.,;!?]+)",
        perm=1.0,
        perv=0.0,
        pers=1.5,
        negatable=False,
        scoped=True,
    ),
    _cue(
        r"\b(?:it's|it is|it was|it's always|it's all|it's clearly|clearly|must be|"
        r"the problem is|the problem was) (?:me|my fault)\b|\bthe problem is me\b|"
        r"\bsomething (?:about|wrong with) me\b|\bwhat's wrong with me\b",
        perm=1.0,
        perv=0.5,
        pers=2.5,
        negatable=False,
    ),
    # --- Permanent: always, never, every time, habits, traits, "that's how it is" ---------
    _cue(
        r"\b(?:don't|do not) think (?:i|it|they|this|that)(?:'ll| will| can| could)? ever\b",
        perm=2.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:not|never|isn't|aren't|won't|nothing's|nothing is) (?:ever )?(?:getting|"
        r"going to get|gonna get|get) (?:any )?better\b",
        perm=2.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:won't|will not|never|not going to|can't|cannot|isn't going to|doesn't|"
        r"don't|nothing will|nothing ever|nothing's going to) (?:ever )?change(?:s)?\b",
        perm=2.0,
        negatable=False,
    ),
    _cue(r"\bnever\b", perm=1.5),
    _cue(
        r"\b(?:yet|once) again\b|\bas (?:usual|always|ever)\b|\bsame (?:as )?(?:always|"
        r"ever|old)\b|\bsame old\b|\bstory of my (?:life|career)\b|\bhere we go again\b",
        perm=1.75,
        negatable=False,
    ),
    _cue(
        r"\b(?:the )?same (?:[\w-]+ )?(?:thing|things|mistake|mistakes|problem|problems|way|"
        r"story|trouble|error|errors|issue|issues|complaint|complaints|bug)\b",
        perm=1.25,
    ),
    _cue(r"\bkeeps? (?:on )?[\w-]+ing\b|\b(?:this|it) keeps happening\b", perm=1.5),
    _cue(r"\bagain\b", perm=0.75, negatable=False),
    _cue(
        r"\b(?:nothing|nobody|no one|none of them|they|customers|people) ever\b",
        perm=1.5,
        negatable=False,
    ),
    _cue(
        r"\bstill (?:can't|cannot|don't|do not|haven't|struggle|struggling|get|make|mess|"
        r"freeze|panic|fumble|forget|have trouble)\b",
        perm=1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:for|in) (?:years|months|ages|decades|as long as|a year|a long time)\b|"
        r"\bsince (?:i started|i joined|day one|forever|the beginning|the start|i began)\b|"
        r"\bthe whole time i(?:'ve| have) been\b|\bfrom day one\b",
        perm=1.5,
    ),
    _cue(r"\b(?:these days|nowadays|any more|anymore)\b", perm=1.0),
    _cue(
        r"\b(?:it's|it has|it's always|has|have|'s|'ve) (?:always )?been (?:like (?:this|that)|"
        r"that way|this way|the same|a (?:problem|pain|nightmare|sore point))\b|\bsince "
        r"(?:launch|it launched|the launch|it started|(?:last|early|late) (?:year|spring|"
        r"summer|autumn|winter)|(?:january|february|march|april|may|june|july|august|"
        r"september|october|november|december)|(?:19|20)\d\d)\b|\bfor (?:\d+|two|three|"
        r"four|five|six|several|many|a few|a couple of) (?:years|months)\b",
        perm=1.5,
        negatable=False,
    ),
    _cue(r"\bin general\b|\bgenerally\b", perm=1.0, perv=1.5),
    _cue(
        r"\b(?:that's|that is|it's|it is|this is|thats) (?:just |simply )?(?:how|who|what) "
        r"(?:i am|i'm like|i do|he is|she is|they are|he's like|she's like|people are|"
        r"customers are|it is|it goes|it works|things are|this job is|support is)\b",
        perm=2.0,
        negatable=False,
    ),
    _cue(
        r"\bthat's (?:just )?people\b|\bpeople are like that\b|\bcustomers are like that\b",
        perm=2.0,
        perv=1.5,
        pers=-1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:he's|she's|they're|he is|she is|they are|i'm|i am) (?:just |always )?like "
        r"(?:that|this)\b(?! (?:today|this week|this morning|right now|at the moment))",
        perm=1.5,
    ),
    _cue(
        r"\bthe nature of (?:this|the) (?:job|work|role|business)\b|\bpart of the job\b|"
        r"\bcomes with the (?:job|territory)\b",
        perm=2.0,
        perv=1.5,
        pers=-1.0,
    ),
    _cue(
        r"\b(?:my|his|her|their) (?:personality|nature|character)\b|\bin my nature\b|"
        r"\bby nature\b|\bthe (?:kind|type|sort) of (?:person|agent|guy|girl|man|woman)\b|"
        r"\bwho i am\b|\bthe way i am\b|\bthe way i'm (?:wired|built|made)\b|"
        r"\bi was born\b",
        perm=2.0,
        pers=1.0,
    ),
    _cue(
        r"\b(?:a|my) habit\b|\bpattern\b|\bmy (?:weak (?:spot|point|area)|weakness|"
        r"achilles heel|kryptonite|nemesis|blind spot)\b|\bnot my (?:thing|strong (?:suit|"
        r"point)|forte|area)\b",
        perm=1.5,
        pers=1.5,
        perv=-0.5,
    ),
    _cue(
        r"\b(?:i|i'm|i am) (?:just|simply) (?:not|don't|can't|cannot|do not)\b",
        perm=1.25,
        pers=1.0,
        negatable=False,
    ),
    _cue(
        r"\bdoesn't matter (?:what|who|how|which)\b|\bno matter (?:what|who|how|which)\b|"
        r"\bwhatever (?:we|i|you) (?:do|say|offer|try)\b|\bwhatever the reason\b",
        perm=1.5,
        perv=1.0,
        negatable=False,
    ),
    _cue(
        r"(?<!their )(?<!these )(?<!those )(?<!some )(?<!both )(?<!most )(?<!many )(?<!few )"
        r"\b(?:customers|people|callers|clients|users|folks|humans)(?: (?:just|always|"
        r"never|all|really|these days|nowadays|generally|in general))? (?:are|get|hate|"
        r"expect|want|take|blame|come in|call in|find|think|read|won't|don't|can't|vent|yell|"
        r"shout|love|like|assume|never|always|just)\b",
        perm=1.0,
        perv=0.75,
        pers=-0.75,
    ),
    _cue(
        r"(?<!their )(?<!these )(?<!those )(?<!some )(?<!both )(?<!the )(?<!most )(?<!when )"
        r"(?<!if )(?<!whenever )(?<!telling )(?<!tell )(?<!asking )"
        r"\b(?:customers|people|callers|clients|users|folks)(?: just| always| never| all| "
        r"really| often| constantly)? (?!(?:who|that|on|in|at|with|from|of|and|or|were|was|had|"
        r"did|got|went|said|told|could|would|might|to|for|like|about|waiting|calling|is|"
        r"noticed|felt|feel|their|the|a|an|my|our|your|his|her|this|it|them|me|us|you|more|"
        r"less|"
        r"so|too|very|ask|asked|say|here|there|now|then|today)\b)[a-z]+(?<!ed)\b",
        perm=0.75,
        pers=-0.5,
        negatable=True,
    ),
    _cue(r"\b(?:they|they're|they are)(?: just| all)? (?:never|always)\b", perv=0.75, pers=-0.5),
    # Habitual present: "I get nervous", "I freeze", "I go too fast" (not "I got", "I froze").
    _cue(
        r"\bi (?:always |often |usually |tend to |just |still |constantly |immediately |"
        r"instantly |kind of |then |basically )?(?:get (?:so |really |too |all )?"
        r"(?:nervous|flustered|rattled|defensive|tongue-tied|anxious|emotional|muddled|"
        r"confused|mixed up|overwhelmed|frustrated|impatient|stressed|thrown|panicky|"
        r"wound up|worked up|short)|go (?:too fast|blank|quiet|to pieces)|freeze|"
        r"talk too|cave|crumble|fall apart|end up|panic|ramble|fumble|mess (?:it |things )?up|"
        r"lose (?:it|my|track|the thread|control)|choke|overthink|overexplain|over-explain|"
        r"over-apologi[sz]e|overapologi[sz]e|apologi[sz]e too|stumble|blank|clam up|"
        r"shut down|can't seem|never seem|seem to|make the same|say the wrong|sound)\b",
        perm=1.0,
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi (?:can't|cannot|can never|never) (?:seem to |ever )?(?:handle|cope|deal|do|"
        r"keep|get|manage|calm|remember|explain|follow|say no|find the words|think)\b",
        perm=0.75,
        pers=1.25,
        negatable=False,
    ),
    # --- Temporary: time anchors, states, events, change ----------------------------------
    _cue(
        r"\b(?:today|tonight|yesterday|this (?:morning|afternoon|evening|week|weekend|month|"
        r"shift|quarter|time|once|round)|last (?:night|week|shift)|right now|at the moment|"
        r"for now|currently|lately|recently|this past (?:week|month|few days)|on "
        + WEEKDAY
        + r"|that day|for a (?:few|couple of) (?:days|hours|weeks)|for a (?:second|moment|"
        r"minute|bit)|in that moment|at that moment|since (?:" + WEEKDAY + r"|lunch|this "
        r"morning|the (?:move|weekend|update|outage|change|holidays?))|on this occasion|"
        r"on the day|all shift|all morning|all afternoon|this (?:past )?week|end of (?:my|"
        r"the) shift|after (?:the|that|my) (?:previous|last|earlier) call|after lunch|"
        r"before lunch|at lunchtime|this lunchtime|at lunch)\b",
        perm=-1.5,
    ),
    _cue(
        r"\b(?:this one|on this (?:one|call)|on that (?:one|call))\b", perm=-0.75, negatable=False
    ),
    _cue(
        r"\b(?:one-off|one off|a one-time|one time thing|for once|first time|just once|"
        r"out of character|unusual|a fluke|an exception|rare for me|not like me|unlike me|"
        r"not (?:usually|normally|typically)|not myself|off day|one of those days)\b",
        perm=-2.0,
        negatable=False,
    ),
    _cue(
        r"\bi (?:usually|normally|generally|typically|mostly) (?:handle|do|manage|am|get on|"
        r"deal|cope|stay|keep|know|get)\b",
        perm=-2.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:i was|i'm|i am|i've been|i have been|i felt|i was feeling|i'm feeling) "
        + ADV
        + STATE
        + r"\b",
        perm=-1.25,
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:bad|rough|long|off|tough|hard|terrible|awful|crazy|hectic|busy|horrible|weird|"
        r"difficult|shocking|nightmare) (?:day|shift|week|morning|afternoon|night|evening)\b",
        perm=-1.25,
        negatable=False,
    ),
    _cue(
        r"(?<!and )(?<!but )\byet\b(?! again)|\bfor the first time\b", perm=-1.25, negatable=False
    ),
    _cue(
        r"\b(?:new|newly|just (?:launched|introduced|changed|started))\b",
        perm=-0.75,
        negatable=False,
    ),
    _cue(
        r"\bnext time\b|\bi(?:'ll| will) (?:[\w-]+ ){0,2}(?:better|learn|practi[sc]e|"
        r"double-check|check|ask|read|prepare|try|reset|remember|slow down|review|make sure|"
        r"be fine|get there|improve|do better|fix|sleep|rest|take a break|reread|re-read)\b|"
        r"\b(?:still )?learning\b|\bgetting (?:better|there)\b|\b(?:will|should|it'll|it "
        r"will|hopefully it|it should) (?:pass|settle|calm down|blow over|get better|improve|"
        r"be fine|be back)\b|\bonce (?:it|the|things|this|we|i)\b|\bpasses\b|\btemporary\b|"
        r"\btemporarily\b|\buntil\b|\bhopefully\b|\bfor a while\b|\bsoon\b|\bafter some "
        r"(?:sleep|rest)\b|\bi need (?:a break|to rest|some sleep)\b",
        perm=-1.25,
        negatable=False,
    ),
    _cue(r"\b" + EVENT + r"\b", perm=-1.0, pers=-1.0, negatable=False),
    # --- Pervasive: everything, everyone, every call, the whole job -----------------------
    _cue(r"\b(?:everything|everyone|everybody)\b", perv=1.75),
    _cue(r"\b(?:anyone|anybody|anything|everywhere|anywhere)\b", perv=1.0),
    _cue(r"\b(?:nothing|nobody|no one|none of them|none of it)\b", perv=1.0, negatable=False),
    _cue(
        r"\bacross the board\b|\bacross the whole\b|\bin every (?:way|area|part)\b|"
        r"\bat work and\b|\bevery part of\b|\bin all (?:areas|parts)\b|\beverything else\b",
        perv=2.0,
        negatable=False,
    ),
    _cue(
        r"\ball (?:of )?(?:my |the |our |their |his |her )?(?:calls|customers|chats|tickets|"
        r"conversations|work|callers|clients|emails|accounts|orders|interactions|queues|teams|"
        r"shifts|contacts|cases|messages|replies|of (?:it|them|this|support|us))\b|"
        r"\ball (?:of )?(?:support|the agents|the staff|the phones)\b",
        perv=1.5,
    ),
    _cue(
        r"\bevery (?:single )?(?:[\w-]+ )?(?:call|caller|customer|conversation|chat|ticket|"
        r"interaction|email|queue|team|one|client|contact|message|person|reply|case|feature|"
        r"product|service|part|area|department|channel|system|tool|page|thing)s?\b|"
        r"\beach (?:call|customer|chat|ticket|conversation)\b|"
        r"\bany of my (?:calls|chats|tickets|customers)\b|\bany (?:customer|call|chat|"
        r"ticket|conversation)\b",
        perm=0.5,
        perv=1.5,
    ),
    _cue(
        r"\bevery (?:single )?(?:" + WEEKDAY + r"|morning|evening|month-end|quarter|time i|day|"
        r"shift|week|month|year|night|weekend|fortnight)\b|"
        r"\bevery (?:few|couple of|other|\d+|two|three) "
        r"(?:days|weeks|months|hours|minutes|calls|shifts)\b",
        perm=1.25,
    ),
    _cue(
        r"\b(?:whole|entire) (?:[\w-]+ )?(?:job|queue|team|system|process|company|industry|"
        r"day|shift|week|region|country|town|city|world|life|career|place|department|org|"
        r"organisation|organization|floor|site|app|thing|service|network|office|month|setup|"
        r"set-up|operation|model|approach|structure|culture|way)\b",
        perv=1.5,
    ),
    _cue(
        r"\b(?:this|the|my|our) (?:job|role|career|line of work|profession|workplace)\b|"
        r"\bthis place\b",
        perv=1.0,
    ),
    _cue(r"\b(?:people|humans|folks)\b", perv=0.75, negatable=False),
    _cue(r"\b(?:customers|callers|clients|users)\b", perv=0.5, negatable=False),
    _cue(
        r"\b(?:half|most|all|nearly all|pretty much all) (?:of )?(?:the|my|our) [\w-]+s\b",
        perv=0.75,
    ),
    _cue(r"\bhalf the [\w-]+\b|\bhalf of (?:the|our)\b", perv=0.75),
    # --- Specific: this one, that call, a named topic --------------------------------------
    _cue(
        r"\b(?:only|just|particularly|specifically) (?:this|that|the|one|with|on|about|"
        r"for|when)\b|\b(?:this|that) (?:particular|specific)\b|\bin particular\b|\bone "
        r"(?:customer|call|caller|chat|ticket|thing|person|question|order|account|client|"
        r"email|case|topic)\b",
        perv=-1.25,
    ),
    _cue(
        r"\b(?:this|that|the) (?:one|call|chat|ticket|conversation|customer|caller|guy|man|"
        r"woman|lady|person|client|account|order|case|email|question|refund|request|issue|"
        r"complaint|interaction|exchange|situation|contact|thread|message|bug|fee|form|page|"
        r"tool|screen|plan|reply|topic|product|parcel|package|invoice|bill|booking|line|"
        r"appointment|policy|clause|rule|feature|part|bit)\b",
        perv=-1.0,
        once=True,
    ),
    _cue(
        r"\b(?:this|that) (?:one|call|chat|ticket|conversation|customer|caller|guy)\b",
        perv=-0.5,
        once=True,
    ),
    _cue(TOPIC, perv=-0.6, once=True),
    _cue(r"\b(?:he|she|him|her|his)\b", perv=-0.3, once=True, negatable=False),
    # --- Personal: my fault, I messed up, I should have ------------------------------------
    _cue(r"\b(?:my|our) (?:own )?fault\b|\bblame myself\b|\bi blame me\b", pers=2.5),
    _cue(
        r"\b(?:my|entirely my|all my|totally my) (?:mistake|bad|error|slip|screw-up|screwup|"
        r"doing|responsibility|failure|fumble|miss|oversight)\b",
        pers=2.0,
    ),
    _cue(
        r"\b(?:that's|that is|that was|it's|it is|it was|this is|this was|this one's|that "
        r"one's|that one is|that one was|it's all|that's all|this one is|that bit's|that "
        r"part's) (?:[\w-]+ )?on me\b",
        pers=2.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:because of|thanks to|due to) me\b|\bi(?:'m| am| was) the (?:problem|reason|"
        r"cause)\b",
        perm=0.5,
        pers=2.5,
    ),
    _cue(r"\b(?:on my (?:end|side|part)|my part in)\b", pers=1.5),
    _cue(
        r"\bi (?:should|could|ought to)(?:'ve| have| of)\b|\bi (?:shouldn't|should not)"
        r"(?:'ve| have)\b|\bshould(?:'ve| have) (?:checked|asked|listened|read|escalated|"
        r"known|said|been)\b",
        pers=1.75,
        negatable=False,
    ),
    _cue(
        r"\bi (?:(?:[\w-]+ly|just|really|then|also|even|still) )?(?:messed up|screwed up|"
        r"blew it|botched|fumbled|dropped the ball|slipped|slipped up|"
        r"forgot|missed|misread|misheard|misunderstood|misjudged|mixed up|overlooked|rushed|"
        r"panicked|froze|snapped|interrupted|talked over|guessed|rambled|stumbled|caved|"
        r"blanked|choked|overpromised|over-promised|overexplained|over-explained|"
        r"overcomplicated|"
        r"overdid|brought (?:the|that|it|my|this)|lost (?:my|it|track|patience|focus|the "
        r"thread|control|him|her|the customer)|got (?:[\w-]+ )?(?:defensive|flustered|nervous|"
        r"impatient|short|snippy|snappy|rattled|confused|mixed up|angry|irritated|annoyed|"
        r"frustrated|sarcastic|emotional|overwhelmed|muddled|tongue-tied|it wrong|"
        r"[\w-]+ wrong|everything wrong|distracted|carried away|sidetracked|thrown|upset)|"
        r"(?:gave|sent|picked|chose|quoted|used|read|applied|offered|pasted|told) (?:[\w-]+ )"
        r"{0,3}(?:the |a |an )?wrong|said (?:[\w-]+ )?(?:the )?wrong|said something|"
        r"made (?:a |an |the |another |some |such a |that )?(?:mistake|error|mess|hash|"
        r"blunder|slip)|made (?:it|things|everything|the situation|matters) worse|"
        r"handled (?:it|that|this|him|her|the call|the chat) (?:badly|poorly|wrong)|"
        r"failed to|took (?:it|this|that|her [\w-]+|his [\w-]+|their [\w-]+) personally|"
        r"jumped (?:to|in)|copy-pasted|copied|brought my|let (?:it|my|him|her|them|that)|"
        r"promised|sounded|came across|came off|read (?:straight )?from|skipped|assumed|"
        r"didn't|did not|couldn't|could not|wasn't|was not|closed|ignored|argued|raised my|"
        r"hung up|gave up|went blank|went too|was too|talked too|spoke too)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi (?:(?:[\w-]+ly|just|really|still|also) )?(?:keep|kept) (?:on )?[\w-]+ing\b|"
        r"\bi (?:(?:[\w-]+ly|always|just|often|still|usually) )?(?:get|got|have|had) "
        r"(?:[\w-]+ ){0,3}wrong\b|"
        r"\bi(?:'ve| have)? (?:been )?making (?:[\w-]+ )?(?:errors|mistakes|a mess)\b|"
        r"\bi (?:haven't|have not|wasn't|was not|am not|'m not|couldn't) (?:been )?able to\b|"
        r"\bi(?:'ve| have)? never been able to\b|"
        r"\b(?:lose|lost|losing) my (?:cool|temper|patience|head|nerve|rag)\b|"
        r"\bi (?:was|'m|am) half-[\w]+\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi (?:always|never|constantly|still|tend to|often|invariably) (?!(?:get|got|had|"
        r"have|am|was|seem)\b)[a-z'-]+\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(r"\bi (?:just |simply |really )?lack\b", perm=1.0, pers=1.5, negatable=False),
    _cue(
        r"\bi (?:(?:[\w-]+ly|just|really|always|often|still|then|also|even|kind of) )?"
        r"(?:ruin|ruined|fail|failed|mess|wreck|wrecked|spoil|spoiled|spoilt|upset|annoy|"
        r"annoyed|frustrate|frustrated|confuse|confused|disappoint|disappointed|let|lose|"
        r"break|broke|screw|botch|fumble|stumble|stumbled|snap|freeze|misjudge|misjudged|"
        r"misread|misunderstand|forget|miss|overreact|overreacted|escalate|escalated|"
        r"overcomplicate|overcomplicated|make|made)\b(?! (?:sure|a note|contact|it clear|"
        r"a point|progress|the call|up for)\b)",
        pers=1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:i|and|then|but) (?:[\w-]+ )?(?:made|make|making|keep making|kept making) "
        r"(?:[\w-]+ ){0,2}(?:mistakes|errors|a mess|a hash|blunders|slips)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi(?:'m| am) (?:just )?(?:a |an )(?:[\w-]+ )?(?:slow|bad|poor|terrible|weak|nervous|"
        r"awkward|anxious|shy|lousy|rubbish|hopeless|clumsy|sloppy|disorgani[sz]ed|impatient|"
        r"messy|careless|forgetful) [\w-]+(?:er|or|ist|ian|person)\b",
        perm=1.25,
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bmy (?:[\w-]+ ){1,5}(?:is|are|was|were) (?:[\w-]+ )?(?:terrible|weak|awful|bad|"
        r"rubbish|poor|not good|shaky|limited|basic|slow|rusty|patchy)\b",
        perm=1.0,
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bi (?:should|ought to|need to|needed to) (?:know|have known|be|remember|get|do|"
        r"learn|stop|slow|listen|prepare|read|check)\b",
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bi (?:[\w'-]+ ){0,2}too (?:long|slow|fast|quick|hard|much|little|soon|late|early|"
        r"formal|casual|blunt|harsh|quiet|loud|defensive|quickly|personally)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:and|but|then) (?:was|got|came across as|came off as|sounded|seemed) (?:so |"
        r"really |too |a bit |very |quite )?(?:curt|short|rude|cold|snappy|snippy|defensive|"
        r"impatient|abrupt|dismissive|sarcastic|robotic|flustered|nervous|condescending)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi (?:just )?had (?:a|an|such a) (?:bad|rough|off|tough|terrible|awful|horrible|"
        r"difficult|hard|long|shocking|stressful) (?:day|morning|afternoon|shift|week|night|"
        r"start|weekend)\b",
        pers=1.0,
        negatable=False,
    ),
    _cue(
        r"(?:^|[.!?]\s*)(?:didn't|forgot|missed|misread|messed up|jumped to|rushed|"
        r"panicked|froze|snapped|blanked|totally blanked|completely forgot|should have|"
        r"should've|shouldn't have)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi(?:'ve| have)? (?:never|not|don't|do not|didn't|did not|still don't|can't|"
        r"cannot|can never|couldn't) (?:really |fully |properly |quite |actually )?"
        r"(?:know|knew|understand|understood|remember|remembered|grasp|grasped|explain|"
        r"explained|listen|listened|read|check|checked|prepare|prepared|follow|followed|"
        r"focus|concentrate|think|thought|ask|asked|notice|noticed|manage|keep|answer|"
        r"handle|deal)\b",
        pers=1.25,
        negatable=False,
    ),
    _cue(
        r"\bi (?:was|am|'m|were)? ?(?:so |really |too |a bit |a little |very |pretty |quite )?"
        r"(?:rude|short|curt|cold|impatient|abrupt|defensive|snappy|snippy|sarcastic|careless|"
        r"sloppy|unprepared|unclear|vague|slow|condescending|dismissive|robotic|clumsy|pushy|"
        r"not (?:listening|focused|prepared|patient|clear|ready|at my best|paying attention|"
        r"concentrating))\b",
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bi (?:sounded|came across|seemed|came off) (?:[\w-]+ )?(?:cold|rude|robotic|"
        r"dismissive|impatient|annoyed|condescending|defensive|unsure|nervous|bored|short)\b",
        pers=1.5,
        negatable=False,
    ),
    _cue(
        r"\bmy (?:tone|attitude|explanations?|answers?|replies|reply|responses?|wording|"
        r"temper|patience|mood|head|nerves|focus|energy|confidence)\b",
        pers=1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:i|me) (?:need|needed) to (?:be|get|slow|read|check|prepare|learn|work|stop|"
        r"listen|practi[sc]e)\b",
        pers=0.75,
        negatable=False,
    ),
    _cue(
        r"\bi (?:am|'m) (?:too|so) (?:sensitive|soft|slow|shy|awkward|emotional|anxious|"
        r"impatient|nervous|quiet|nice|blunt)\b",
        perm=1.25,
        pers=1.75,
    ),
    # --- External: not my fault, the system, the customer's state, third parties ---------
    _cue(
        r"\bnot (?:about|at|because of|aimed at|directed at|on|down to) me\b|\b(?:wasn't|"
        r"isn't|was not|is not) (?:about|at|aimed at|directed at|down to) me\b|\b(?:not|"
        r"wasn't|isn't|nothing) personal\b|\bnot me\b|\bnot (?:at )?all me\b|\bnot (?:on|down "
        r"to) us\b",
        pers=-2.5,
        negatable=False,
    ),
    _cue(
        r"\bout of my (?:hands|control)\b|\b(?:beyond|outside) (?:my|our) control\b|"
        r"\bnot (?:in|within|under) my control\b|\bcouldn't have (?:done|changed|prevented|"
        r"stopped|helped)\b|\b(?:no one|nobody) could have\b|\b(?:anyone|anybody) (?:else )?"
        r"would have\b|\bin my (?:place|shoes)\b|\bany agent\b|\bi followed (?:every|the|all)"
        r"\b|\bi did everything\b|\bi did (?:it )?(?:all )?(?:right|correctly|by the book)\b|"
        r"\bnothing i did\b|\bnot anything i did\b|\bnot (?:anything|something) i said\b|"
        r"\bwhatever i said\b|\banything i said\b|\bdid nothing wrong\b",
        pers=-2.5,
        negatable=False,
    ),
    _cue(
        r"\b(?:bad luck|unlucky|unfortunate timing|bad timing|just one of those things|these "
        r"things happen|it happens|sheer luck|pure luck|a fluke)\b",
        perm=-0.5,
        pers=-2.0,
        negatable=False,
    ),
    _cue(
        r"\balready (?:so |really |very )?" + UPSET + r"|\bbefore (?:i|we) (?:even )?"
        r"(?:picked up|said|answered|spoke|started|got|could|opened|had a chance|say|said a "
        r"word)|\bbefore the (?:call|chat) (?:even )?(?:started|began)\b|\bfrom the (?:first|"
        r"start|get-go|beginning|outset|first minute|first message|first word|word go)\b|"
        r"\b(?:came|come|coming) in (?:hot|angry|furious|swinging|expecting)\b|\bexpecting a "
        r"fight\b|\bhad (?:already )?decided\b|\b'd (?:already )?decided\b|\bset on\b|"
        r"\bwanted a manager\b|\bwasn't going to (?:accept|listen|be happy)\b",
        pers=-2.0,
        subject=True,
        negatable=False,
    ),
    _cue(
        r"\b(?:took|take|takes|taking) it out on\b|\bvent(?:ed|ing|s)? (?:at|on|to)\b|"
        r"\b(?:the )?last straw\b|\bshoot(?:ing)? the messenger\b|\bwhoever (?:answers|picks "
        r"up|is on|takes|was on)\b|\bwho(?:ever)? picks up\b|\bthe last link\b|\bon the "
        r"receiving end\b|\bin the firing line\b|\bpassed around\b|\bbounced around\b|"
        r"\bblow(?:s|n)? up at\b|\bblew up at\b|\blet us have it\b|\btook it out\b",
        pers=-2.0,
        negatable=False,
    ),
    _cue(
        r"\b" + CUSTOMER + r"(?:'d| had| was| were|'s| is| are|'re| seemed| got| had been|"
        r"'d been| has been| came in| sounded| arrived)? (?:already |just |clearly |obviously "
        r"|really |so |very |absolutely |completely |totally |understandably |quite )*"
        + UPSET
        + r"\b",
        pers=-1.5,
        negatable=False,
    ),
    _cue(
        r"\b" + CUSTOMER + r" (?:misread|misunderstood|didn't read|never read|ignored|wanted|"
        r"wouldn't|refused|insisted|demanded|kept (?:interrupting|shouting|yelling|swearing)|"
        r"swore|yelled|shouted|hung up|decided|had been|'d been|had had|'d had|had just|'d just|"
        r"was having|got (?:upset|angry|cross|mad)|exploded|lost (?:it|his|her|their)|blew up|"
        r"took|came in|wasn't listening|didn't listen|would not|won't|doesn't|don't|"
        r"never reads|never read|expects|expected|blow up)\b",
        pers=-1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:angry|upset|mad|furious|cross|frustrated) (?:at|with|about) (?:the|our|his|her|"
        r"their|a|an|that|this)\b",
        pers=-1.0,
        negatable=False,
    ),
    _cue(
        r"\b(?:the |our |their |a |an |this |that |his |her |my )?(?:[\w-]+ )?"
        + THING
        + r"(?:'s)?\b[^.;!?]{0,30}?\b(?:down|crashed|crashing|crashes|froze|frozen|freezes|"
        r"broke|broken|breaks|failed|failing|fails|glitched|glitching|buggy|slow|crawling|"
        r"lagging|timed out|timing out|times out|went down|goes down|dropped|drops|cutting "
        r"out|cut out|stopped working|wasn't working|not working|doesn't work|didn't work|"
        r"never works|never worked|showed (?:the |a |an )?(?:wrong|old|incorrect)|wrong|"
        r"out of date|outdated|misleading|confusing|unclear|messed up|a mess|lost|doubled|"
        r"charged|declined|rejected|held|stuck|kept crashing|kept dropping|is terrible|was "
        r"terrible|terrible|rubbish|awful|useless|impossible|backwards|against)\b",
        pers=-1.5,
        subject=True,
        negatable=False,
    ),
    _cue(
        r"\b(?:because of|due to|thanks to|blame|blamed on|caused by|down to|after|with) "
        r"(?:the |our |their |a |an |this |that )?(?:[\w-]+ )?" + THIRD_PARTY + r"\b",
        pers=-1.25,
        negatable=False,
    ),
    _cue(
        r"\b(?:the |our |their |a |an |this |that |his |her )?(?:[\w-]+ )?"
        + THIRD_PARTY
        + r"(?:'s)? (?:[\w-]+ly |just |still |only |also )?(?:was|were|is|are|had|has|have|"
        r"did|didn't|doesn't|don't|won't|wouldn't|can't|couldn't|never|always|lost|sent|"
        r"shipped|made|makes|gave|gives|promised|told|said|says|say|changed|raised|held|"
        r"charged|took|takes|kept|keeps|failed|broke|crashed|refused|ships|sends|allows|"
        r"allow|covers|cover|requires|require|annoys|annoy|confuses|confuse|frustrates|"
        r"drives|causes|caused|cut|cuts|gave|forgot|messed|mixed|lost|delayed|cancelled|"
        r"canceled|rejected|declined|listens|fixes|fix|treats|treat|hates|hate)\b",
        pers=-1.25,
        subject=True,
        negatable=False,
    ),
    _cue(
        r"\b(?:our|the) (?:system|systems|tools|website|app|policy|policies|process|product|"
        r"side|team|company|terms)\b",
        pers=-0.5,
        subject=True,
        negatable=False,
        once=True,
    ),
    _cue(
        r"\b(?:the |a |an |his |her |their )?(?:customer|caller|client)(?:'s)? (?:own )?"
        r"(?:mistake|error|fault)\b|\b(?:his|her|their) (?:own )?(?:mistake|error|fault)\b",
        pers=-2.0,
    ),
]

NEGATORS = frozenset(
    {
        "not", "no", "never", "hardly", "rarely", "isn't", "wasn't", "aren't", "weren't",
        "don't", "doesn't", "didn't", "won't", "wouldn't", "can't", "cannot", "couldn't",
        "shouldn't", "haven't", "hasn't", "hadn't", "ain't", "nor",
    }
)  # fmt: skip
# Words allowed between a negator and the cue it negates ("not really always", "not just").
FILLERS = frozenset(
    {
        "really", "just", "exactly", "entirely", "necessarily", "totally", "quite", "even",
        "at", "all", "always", "only", "completely", "fully", "solely", "simply", "so", "that",
        "like",
    }
)  # fmt: skip
INTENSIFIERS = frozenset(
    {
        "really", "so", "very", "completely", "totally", "utterly", "absolutely", "such",
        "extremely", "truly", "incredibly", "genuinely", "seriously", "literally", "super",
    }
)  # fmt: skip
