"""Redaction of customer identity, shared below the areas.

The wall's praise, the manual's mined drafts, alerts, the weekly digest and training's
practice scenarios (drawn from real hard messages) all send customers' words where the customer
is not: each redacts them here, so one rule set decides what counts as identifying.

Rules only, no model and no download: regular expressions for emails (also broken up by
spaces or written in words, "jane at example dot com"), links, @handles and user names
shaped as one ("jo_smith_88") or given ("username jsmith", "logged in as jsmith", "logged in
under jsmith", "log in with JSmith", "my user is jsmith", "my login jsmith", "acct name
jsmith"), phone numbers, order/account numbers, postal addresses and postcodes (by their
shape in the UK and Canada, next to a town, street or state elsewhere: a number alone is no
postcode), and for names a list of first names from many cultures plus context (sign-offs,
also in capitals, "my name is", titles, greetings, "my husband …", "I spoke to …", "… told
me", hashtags such as "#JusticeForMona", and agents' initials signing a reply, "^ACM").
Context finds names no list holds; words that stand where a person would but name a company,
product or team ("Apple told me", "Prime Video said") are kept by ``NOT_PERSONS``, and a
place a text is signed from ("Love from London") by ``PLACES``.

Agents' first names stay, because the praise is for them: Poise knows its users, so a name
that belongs to a user is kept unless the context says the writer is introducing themselves
("my name is Sam", "Cheers, Sam"). A signature stays a signature with where the writer lives
after it ("Jean-Pierre Dubois, 75011 Paris"): the postcode and street go, the town stays. A
lead still reviews every redaction before publishing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from poise.redaction.names import (
    AMBIGUOUS,
    FIRST_NAMES,
    LOWER_CASE_WORDS,
    NOT_PERSONS,
    PLACES,
    POSTCODE_PLACES,
)


def _words(text: str) -> list[str]:
    return text.split()


PLACEHOLDERS = {
    "email": "[email]",
    "link": "[link]",
    "handle": "[handle]",
    "phone": "[phone]",
    "number": "[number]",
    "address": "[address]",
    "name": "[name]",
}
PLACEHOLDER_RE = re.compile(r"\[(?:" + "|".join(PLACEHOLDERS) + r")\]")

# The endings of domains an address is written with, for an e-mail broken up so no program
# reads it ("jane @ example .com", "jane at example dot com"): without a known ending after
# it, "at … dot" is prose ("I looked at example dot points").
_TLD = (
    r"(?:com|org|net|edu|gov|mil|int|info|biz|co|io|me|ai|app|dev|us|uk|ie|ca|au|nz|in|de|fr"
    r"|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|br|mx|jp|cn|kr|za|ru|eu)"
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Words of prose that stand before "at" where no address is: "I signed up at gmail dot com",
# "email me at …", "members only at Target dot com". Alone before "at" such a word is no
# local part (a domain alone names no one); "up dot north at …" still is one.
NOT_LOCAL_PARTS = frozenset(
    _words(
        """up in on out off over down back away around through into onto about along there here
        home work school office church online only just also even still now then again already
        all once least last first i me you him her us them it we they she he someone anyone
        everyone somebody anybody is am are was were be been being the a an my your our their
        this that shop shopped shopping order ordered ordering buy bought look looked looking
        sign signed signing log logged logging register registered live lives lived works
        worked working stay stayed arrive arrived sold available found listed purchased"""
    )
)
_LOCAL_PART = r"(?!(?:" + "|".join(sorted(NOT_LOCAL_PARTS)) + r")(?: at |\s*[\[(]at[\])]))"
# Words for the marks: "jane(at)example(dot)co(dot)uk", "jane dot doe at example dot com".
# Each part is counted ({0,3}): "dot dot dot …" read to its end from every word was quadratic.
WORDED_EMAIL_RE = re.compile(
    r"(?<![\w.+-])" + _LOCAL_PART + r"[\w.+-]+\s*[\[(]at[\])]\s*[\w-]+"
    r"(?:\s*[\[(]dot[\])]\s*\w+){1,4}"
    r"|\b(?<!['’])" + _LOCAL_PART + r"[\w.+-]+(?: dot [\w+-]+){0,3} at [\w-]+"
    r"(?: dot [\w-]+){0,3}? dot " + _TLD + r"\b(?: dot " + _TLD + r"\b)?",
    re.IGNORECASE,
)
# Spaces around the "@" or a dot: "jane @ example.com", "jane@ example.com", "jane@example
# .com"; the ending in lower case. A space before the "@" alone is an @mention's ("work
# @118721. It's", "pickup @115821.in"), and so is a domain without a letter.
SPACED_EMAIL_RE = re.compile(
    r"(?<![\w.+@-])[\w.+-]*\w(?:[ \t]+@[ \t]+|@[ \t]*)(?=[\w.-]*[A-Za-z])[\w-]+"
    r"(?:[ \t]*\.[ \t]*[\w-]+)*[ \t]*\.[ \t]*" + _TLD + r"(?![\w'’@-])"
)
LINK_RE = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+"
    # a domain and a path without the scheme ("twitter.com/jsmith"): a page, often a profile;
    # a sentence's closing mark stays outside it
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24}/"
    r"(?:\S*[^\s.,;:!?)\]'\"\u2019\u201d])?",
    re.IGNORECASE,
)
# A user name may hold a dot ("jo.smith"), never two in a row: "@united...do you" and
# "you....Since" join words with an ellipsis.
_DOT = r"\.(?!\.)"
_USER_NAME = r"(?P<value>[A-Za-z0-9_](?:[\w-]|" + _DOT + r"){1,29})(?<![.-])"
HANDLE_RE = re.compile(
    r"(?<![\w.@])@[A-Za-z0-9_](?:[A-Za-z0-9_]|" + _DOT + r"){1,29}(?<!\.)"
    r"|\bu/[A-Za-z0-9_-]{3,}",
    re.IGNORECASE,
)
# Where a customer names an account of theirs: "Username jdoe99", "my login is jane.doe_82",
# "user id: bsmith", "account name: k.tanaka", "my instagram is bakesbybea". A word that names
# the account's name may stand right before it; a platform ("Xbox 1S", "login page") may not.
_ACCOUNT_NAME_WORD = (
    r"(?:handle|user[ -]?name|user[ -]?id|log[- ]?in[ -]?(?:id|name)"
    r"|(?:account|acct\.?) (?:name|id)|screen[ -]?name|gamer[ -]?tag"
    r"|(?:psn|steam|skype|apple|xbox) (?:id|name)|nick ?name)"
)
_ACCOUNT_WORD = (
    r"(?:log[- ]?in|psn|xbox(?: live)?|steam|discord|snapchat|skype|insta|instagram|twitter"
    r"|tiktok|IG)"
)
_SAID = r"\s*[:=]\s*|\s+(?:is|was)\s+|['’]s\s+"  # "login: jsmith", "… is", "login's …"
HANDLE_KEYWORD_RE = re.compile(
    r"\b(?P<my>my\s+)?(?:(?P<named>"
    + _ACCOUNT_NAME_WORD
    + r")(?P<sep>"
    + _SAID
    + r"|\s+[-–—]\s+|\s+)"
    r"|(?P<account>" + _ACCOUNT_WORD + r")(?P<said>" + _SAID + r")"
    # "my login jsmith": a login said as one's own, the name right after it
    r"|(?P<login>log[- ]?(?:in|on)|sign[- ]?in)\s+"
    # "user" alone names a user name only before a form's colon ("user: jsmith") or after
    # "my" ("my user is jsmith")
    r"|user(?:(?P<colon>\s*[:=]\s*)|(?P<user_is>\s+(?:is|was)\s+|['’]s\s+)))"
    + _USER_NAME
    + r"(?![\w@])",
    re.IGNORECASE,
)
# The words that name nothing but a name: right after them a plain word is one ("username
# jsmith", "account name jsmith"). After "handle" or "Apple ID" it is as often a verb or a
# noun ("handle it", "Apple ID password").
_ONLY_A_NAME_RE = re.compile(
    r"user[ -]?(?:name|id)|log[- ]?in[ -]?(?:id|name)|(?:account|acct\.?) name|screen[ -]?name"
    r"|gamer[ -]?tag|(?:psn|steam|skype|xbox) (?:id|name)|nick ?name"
)
# Plain words after "my login" that name no user: what a login has, does or when ("my login
# session", "my login broke", "my login never works"), where ``NOT_USER_NAMES`` and the endings
# that say how ("details", "failed") leave them.
NOT_LOGIN_NAMES = frozenset(
    _words(
        """username info information details credentials session portal process flow attempt
        problem trouble method system app script site website web account bonus streak reward
        broke froze died crashed never sometimes often anymore today yesterday tonight
        tomorrow"""
    )
)
# A version of a page or an app ("my login v2 page", "log in with v3.1"): letters with a digit
# as a user name is, but what a login or a way of signing in comes in, never whose it is.
_VERSION_RE = re.compile(r"v\d{1,2}(?:\.\d+)*", re.IGNORECASE)
# An initial or two joined to a surname, how logins are often made ("JSmith", "MLopez"):
# after "log in with" a capital else names a company ("signed up with Kovo").
_INITIALS_AND_SURNAME_RE = re.compile(r"[A-Z]{2,3}[a-z]{2,}")
# Who a customer is signed in as: "logged in as jsmith", "signed-in as mlopez", "I logged
# into my account as jsmith", "logged in under jsmith", "log in with jsmith". Articles,
# pronouns, roles and ways ("as an admin", "as him", "as guest", "as usual") name no one
# (``NOT_USER_NAMES``); after "under" and "with" nor does a state or a way of signing in
# (``NOT_SIGN_IN_NAMES``: "under duress", "with ease", "with google").
SIGNED_IN_AS_RE = re.compile(
    r"\b(?:log(?:ged|ging|s)?|sign(?:ed|ing|s)?)[ -]?(?P<way>in|on|up)(?:[ \t]*to)?"
    r"(?:\s+(?:my|the|your|our|their|his|her|this|that|an?)\s+[\w-]+)?"
    r"\s+(?P<cue>as|under|with)\s+" + _USER_NAME + r"(?![\w@])",
    re.IGNORECASE,
)
# Plain words after "username" or "logged in as" that name no user: a role ("admin",
# "subscription owner"), a pronoun, a way ("as usual", "as per"), what a form or a login has
# ("username field", "username keeps changing", "username doesn't work").
NOT_USER_NAMES = frozenset(
    _words(
        """i me you he him she her it we us they them myself yourself himself herself itself
        ourselves themselves someone somebody anyone anybody everyone everybody nobody noone
        one other others else this that these those such which what who whom whose when while
        where whether if because since though although until unless so then than is am are
        was were be been being do does did done doesn don didn isn aren wasn weren won wouldn
        can cannot couldn shouldn hasn haven hadn will would shall should may might must could
        has have had get gets got keep keeps kept need needs work works show shows appear
        appears say says admin admins administrator administrators guest guests user users
        owner owners member members holder holders customer customers client clients root
        superuser moderator mod mods host parent parents child children kid kids student
        students teacher teachers manager managers employee employees staff agent agents
        visitor visitors volunteer volunteers anonymous business seller sellers buyer buyers
        subscriber subscribers subscription family organizer organiser developer tester demo
        default primary secondary main global local standard personal premium free trial pro
        vip beta basic
        home school office usual normal expected per soon well much far part opposed follows
        follow mentioned above below field box section bar form page screen change changes
        reset recovery reminder requirement requirements rules policy please again here
        password pw pass passcode email mail address login log sign signin option options
        button link text input prompt request question history display update hint check
        lookup search error issue problem thing stuff etc by via into through under after
        before without within across over up down out about against like acct number no num
        nr id code btw tho haha hahaha hah ha hehe lol lmao lmfao rofl xd oh omg wow ugh yikes
        idk imo tbh smh jk fyi ok okay yeah yep nope pls plz thx ty ever whenever sort kind
        actually literally totally seriously really definitely probably maybe perhaps made
        make goes went came come look seem sound read fit suit game goals man bro dude
        guy guys lady girl mate buddy pal friend folks team sir madam generator format length
        availability creation test"""
    )
)
# Words after "logged in under" or "log in with" that say in what state or by what way one
# signs in, not as whom ("under duress", "with ease", "with google", "with face id"): the
# ways are often lower case, where a company's name is not ("signed up with Kovo").
NOT_SIGN_IN_NAMES = frozenset(
    _words(
        """duress pressure protest contract false oath age warranty review maintenance threat
        supervision instruction guidance impression assumption belief ease difficulty success
        trouble google facebook apple microsoft twitter amazon github gmail outlook yahoo
        hotmail icloud instagram linkedin paypal steam xbox psn face touch fingerprint
        biometric biometrics passcode pin otp sso 2fa mfa sms qr phone mobile iphone android
        ipad tablet laptop computer desktop browser app chrome safari firefox wifi vpn
        username credentials details info some any all each every several many few multiple
        various great little zero incognito passkey passkeys"""
    )
)
# A role after the word, which is then the role's kind ("as subscription owner", "as
# different user", "as global admin").
_ROLE_AFTER_RE = re.compile(
    r"[ \t]+(?i:users?|owners?|admins?|administrators?|members?|accounts?|holders?|guests?"
    r"|customers?|organi[sz]ers?|managers?|parents?|students?|teachers?|employees?"
    r"|subscribers?|profiles?)\b"
)
# The same said the other way round: "quochuy046 is my psn", "dark_wolf_77 is my gamertag".
ACCOUNT_NAME_FIRST_RE = re.compile(
    r"(?<![\w@.])"
    + _USER_NAME
    + r"\s+(?:is|was)\s+my\s+(?:"
    + _ACCOUNT_NAME_WORD
    + r"|"
    + _ACCOUNT_WORD
    + r"|account)\b",
    re.IGNORECASE,
)
# A user name by its shape alone, with no word naming it ("it's jo_smith_88"): words joined by
# underscores. Code and files are written so too ("ERR_CONNECTION_REFUSED", "IMG_2041.jpg",
# "max_retries", "user_id"): capitals only, a file's extension, a call or a word of code
# (``CODE_WORDS``) in it keeps it.
BARE_HANDLE_RE = re.compile(
    r"(?<![\w@#./:=\\$-])(?P<value>[A-Za-z0-9]+(?:_+[A-Za-z0-9]+)+)(?![\w@(]|\.\w)"
)
CODE_WORDS = frozenset(
    _words(
        """id ids code key keys token name names type url uri path file files dir error err
        config conf cfg user users api count size max min num status level mode log logs tmp
        temp test data value val time date msg info debug get set is has env var str int list
        dict http https www html json xml db sql null none true false retries retry timeout
        limit default enable enabled disable disabled flag on off new old no not to of by the
        in out at and or my case account profile page settings setting option options email
        password phone number sync"""
    )
)
# What follows "my login is" when it is not a user name: the state the customer reports.
NOT_HANDLES = frozenset(
    _words(
        """not still now also just already being broken locked blocked taken wrong correct
        incorrect invalid valid different same fine there gone missing stuck new old mine right
        case sensitive case-sensitive disabled suspended expired hacked compromised deleted linked
        unknown unavailable down weird strange empty blank the a an my your our their on off in
        at for to with and or but as of from been too very really definitely correct unique
        optional shown visible hidden public private mandatory available usually always
        something both only another longer shorter long short known bad slow slower fast faster
        quick easy easier simple hard harder difficult tricky secure insecure safe good great
        nice ok okay fine super so"""
    )
)
_KEYWORD = (
    r"(?:order|account|acct|invoice|ticket|case|ref|reference|confirmation|booking|reservation"
    r"|tracking|customer|member|membership|policy|claim|subscription|contract|serial|card"
    r"|iban|sort code|parcel|shipment|return|rma|loyalty|licen[cs]e|ending(?: in)?)"
)
NUMBER_AFTER_KEYWORD_RE = re.compile(
    _KEYWORD + r"\b(?:\s+(?:no\.?|number|num|nr|id|code|#|ref|reference)(?!\w))?"
    r"\s*(?:[:#]\s*|is\s+|was\s+)?"
    r"(?P<value>(?=[#A-Z0-9/-]*\d)#?[A-Z0-9](?:[A-Z0-9/-]|\s(?=\d{3,}))*[A-Z0-9])",
    re.IGNORECASE,
)
NUMBER_RE = re.compile(
    r"#\d{3,}\b"
    r"|\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]+(?:-[A-Z0-9]+)+\b"
    r"|\b[A-Z]{2,4}\d{5,}[A-Z0-9]*\b"
    r"|\b\d{6,}\b"
)
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,6}(?:[\s.-]\d{2,8}){1,4}(?!\w)"
    r"|(?<![\w+])\+\d{7,15}\b"
)
DATE_LIKE_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
_STREET = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Boulevard|Blvd|Drive|Dr|Court|Ct|Way|Place|Pl"
    r"|Terrace|Close|Crescent|Cres|Square|Sq|Parkway|Pkwy|Highway|Hwy|Gardens|Grove|Row|Mews"
    r"|Hill|Circle|Cir|Walk|Terr|Trl)"
)
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}"
ADDRESS_RES = (
    re.compile(
        r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z0-9][\w'-]*\.?\s+){1,4}" + _STREET + r"\b\.?"
        r"(?:\s+[NSEW]{1,2}\b)?"
        r"(?:,?\s*(?:Apt|Apartment|Unit|Suite|Flat|#)\.?\s*#?\w+)?"
        r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})?"
        r"(?:,?\s*[A-Z]{2}\s+(?:\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d)"
        r"|,?\s*" + _UK_POSTCODE + r")?"
    ),
    re.compile(
        r"\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|weg|gasse|platz|allee|laan|straat|gracht|vej|gatan)"
        r"\s+\d+[a-z]?(?:,\s*\d{4,5}\s+[A-ZÄÖÜ][a-zäöüß]+)?"
    ),
    re.compile(
        r"\b\d{1,4},?\s+(?:rue|avenue|boulevard|bd|via|calle|rua|chemin|place|corso|avenida)\s+"
        r"(?:(?:de la|de|du|des|del|da|do|dos|di)\s+|d')?[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,3}"
        r"(?:,\s*\d{4,5}\s+[A-Z][a-z]+)?",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:Calle|Via|Rua|Avenida|Carrer|Strada|Plaza|Piazza)\s+"
        r"(?:(?:de la|de|del|da|dos|di)\s+)?[A-Z][\w'-]+(?:\s[A-Z][\w'-]+){0,3},?\s+\d+[a-z]?"
        r"(?:,\s*\d{4,5}\s+[A-Z][a-z]+)?"
    ),
    re.compile(r"\b(?:apt|apartment|flat|unit|suite)\.?\s*#?\d+[A-Z]?\b", re.IGNORECASE),
    re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+\b", re.IGNORECASE),
    re.compile(r"\b" + _UK_POSTCODE + r"\b"),
    re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b"),
)
# A postcode of digits ("75011", "90210-1234", "1012 AB") is shaped as any number is ("2026",
# "room 101", "10000 steps"): it counts only next to an address clue (see :func:`_postcodes`).
# The UK's and Canada's ("SW1A 1AA", "K1A 0B6") are distinctive and go wherever they stand.
_DIGIT_POSTCODE = r"\d{5}(?:-\d{4})?|\d{4} ?[A-Z]{2}(?![A-Za-z])"
DIGIT_POSTCODE_RE = re.compile(r"(?<![\w.,/#$£€+-])(?:" + _DIGIT_POSTCODE + r")(?![\w/%-]|[.,:]\d)")
# The US states' codes before a ZIP code ("Chicago, IL 60614").
US_STATES = frozenset(
    _words(
        """AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE
        NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"""
    )
)
# A street's word right before a postcode ("Main Street 90210", "Hauptstraße 5, 10115").
_STREET_BEFORE_POSTCODE = re.compile(
    r"(?:[A-Za-zÀ-ÿ]*(?i:straße|strasse|weg|gasse|laan|straat|gracht)"
    r"|\b(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|rue|place))"
    r"\.?(?:[ \t]+\d{1,5}[a-z]?)?[ \t]*,?[ \t]*$"
)
# Words that end a street's name in lower case or capitals too ("12 b baker st", "758 P
# Ocampo ST", "3003 e 107 terr"), where the words before are no ordinary phrase ("3 hours on
# the street", "a 5 minute walk", "2 lane road", "the 2 pm st louis flight"). "drive", "way",
# "dr", "ct" and "pl" count only after "live at", "ship to" and the like: "a 5 hr drive",
# "£7.50 each way", "3:00 AM CT".
_STREET_LOWER = (
    r"(?:street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|terrace|terr|crescent|parkway)"
)
_NOT_STREET_NAMES = frozenset(
    _words(
        """the a an my your our their his her its this that on in at of to for from by with and
        or but into onto down up along across over off near past is was are were it i we you
        they he she not no just still then more less lane way hour hours minute minutes min
        mins day days week weeks month months year years mile miles km times time block blocks
        second seconds dollar dollars pound pounds door doors car cars bus trip ride drive am pm
        noon"""
    )
)
_LOWER_STREET_RE = re.compile(
    r"\b(?P<value>\d{1,5}[a-z]?,?\s+(?P<words>(?:[A-Za-z0-9][\w'-]*\s+){1,3})(?i:"
    + _STREET_LOWER
    + r"))\b",
)
_LEAD_STREET_RE = re.compile(
    r"(?i:live (?:at|on)|address is|address:|deliver(?:ed)? to|sent to|send to|ship(?:ped)? to)"
    r"\s+(?P<value>\d{1,5}[a-z]?,?\s+(?P<words>(?:[A-Za-z0-9][\w'-]*\s+){1,3})(?i:"
    + _STREET
    + r"))\b",
)
ADDRESS_LEAD_RE = re.compile(
    r"(?:live (?:at|on)|address is|deliver(?:ed)? to|sent to|ship(?:ped)? to)\s+"
    r"(?P<value>\d{1,5}\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){0,3})"
)

_LOWER = "a-zß-öø-ÿā-ž"  # Latin letters with accents (ł, ś, ğ…), lower case
_WORD = (
    rf"(?:[A-Z]'[A-Z][{_LOWER}]+|[A-ZÀ-ÖØ-ÞĀ-Ž][{_LOWER}]+"
    rf"(?:-[A-Z]?[{_LOWER}]+|'(?!s\b)[A-Z]?[{_LOWER}]+|[A-Z][{_LOWER}]+)?)"
)
_SELF_INTRO = re.compile(
    r"\b(?i:my name is|my name's|name's|i am|i'm|this is|signed|call me|it's|contact:|"
    r"name:|from:)\s+"
    r"(?P<value>" + _WORD + r"(?:\s+" + _WORD + r")?)"
)
# A tweet split in parts ends each with its mark ("… Regards, Vicky 3/3", "- Jayne (2/2)"),
# and many with a link.
_PART_MARK = r"(?:\s+\(?\d{1,2}/\d{1,2}\)?)?(?:\s+https?://\S+)*"
# A text signed off at its end, however the sign-off is phrased: a sign-off word ("Cheers",
# "Hugs from", "Signed,"), a phrase about the writer after an article ("a very relieved",
# "your grateful"), then the names ("Jo and Sam", "Oona, Ilse & Bertil"), and after them
# the ones with them ("and the kids"), kisses, a note in brackets ("(a happy customer)"),
# a part mark, emoji. One name alone: "Signed, Sealed, Delivered" is no list of names.
# Thanks and regards as written in the other languages customers praise in ("Merci beaucoup
# Élodie Durand", "Grüße, Jürgen Müller"): the name after them went public whole.
_THANKS_ABROAD = (
    r"merci beaucoup|merci bien|merci|vielen dank|danke schön|danke schon|danke sehr|danke"
    r"|muchas gracias|gracias|grazie mille|grazie|muito obrigad[oa]|obrigad[oa]|hartelijk dank"
    r"|dank je wel|dank u wel|bedankt|tusen takk|tack så mycket|dziękuję"
)
_REGARDS_ABROAD = (
    r"liebe grüße|viele grüße|beste grüße|freundliche grüße|mit freundlichen grüßen|grüße|gruß"
    r"|liebe grüsse|viele grüsse|beste grüsse|grüsse|mfg|cordialement|bien à vous|bisous"
    r"|bises|amitiés|saludos|un saludo|abrazos|besos|un abrazo|saluti|cordiali saluti|un abbraccio"
    r"|abraços|beijos|cumprimentos|groetjes|groeten|met vriendelijke groet|hälsningar|mvh"
    r"|pozdrawiam|pozdrowienia"
)
_SIGN_OFF_WORDS = (
    r"cheers|thanks|thank you|thanks again|many thanks|regards|best|best wishes|kind regards"
    r"|warm regards|best regards|love|lots of love|all my love|big love|hugs|big hugs"
    r"|hugs and kisses|xoxo|warmly|sincerely|take care|with gratitude|with thanks|with love"
    r"|xx|x|from|all the best|yours|yours truly|yours sincerely|gratefully|signed|ta"
    r"|" + _THANKS_ABROAD + r"|" + _REGARDS_ABROAD
)
_SIGNER = r"(?:(?i:a|an|one|your|the|two|three)\s+(?:[a-z]+\s+){0,3})?"
_SIGNER_NAME = _WORD + r"(?:\s+" + _WORD + r")?"
_SIGNER_NAMES = (
    r"(?P<names>" + _SIGNER_NAME + r"(?:(?:\s*,\s*" + _SIGNER_NAME + r")*"
    r"\s*(?:\s(?i:and)\s|&)\s*" + _SIGNER_NAME + r")?)"
)
# Where the writer lives, after their name: a place, a postcode, a country, a street line, each
# after a comma or on a line of its own ("…, 75011 Paris", "…, Beverly Hills, CA 90210",
# "…\n12 rue de la Paix\nParis"). A signature so followed still ends the text.
_TAIL_LOWER = (
    r"de|la|le|les|du|des|sur|am|an|im|der|den|di|del|da|do|dos|upon|on|rue|avenue|av|bd"
    r"|boulevard|chemin|via|calle|rua|street|st|road|rd|lane|ave|place"
)
_TAIL_TOKEN = (
    r"(?:" + _UK_POSTCODE + r"|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4} ?[A-Z]{2}(?![A-Za-z])"
    r"|\d{1,5}(?:-\d{4})?[A-Za-z]?|[A-Z]{2,3}|" + _WORD + r"|(?i:" + _TAIL_LOWER + r"))"
    r"(?![\w'’])"
)
_TAIL_PART = _TAIL_TOKEN + r"(?:(?:[ \t]+|-)" + _TAIL_TOKEN + r"){0,5}"
_ADDRESS_TAIL = r"(?P<tail>(?:[ \t]*[,\n][ \t\n]*" + _TAIL_PART + r"){1,4})"
_NAME_PARTICLE = r"(?:van|von|de|da|del|della|der|den|di|du|le|la|dos|das|ter|al|el|bin|ibn)"
# Where the signers are or work, after their names: "Cheers from Jo in London", "Hedda at Acme".
_SIGNED_WHERE = r"(?:\s+(?:in|at|from)\s+(?:the\s+)?" + _WORD + r"(?:\s+" + _WORD + r"){0,2})?"
_SIGNED_END = (
    _SIGNED_WHERE + r"(?:\s+and\s+(?:the|my|our|all)\s[^.!?()\n]{1,40})?(?:" + _ADDRESS_TAIL + r")?"
    r"(?:\s+(?i:x+|xo(?:xo)*)\b)?"
    r"(?:\s*\([^()\n]{1,40}\))?[.!]*" + _PART_MARK + r"[^\w?]*$"
)
_SIGN_OFF = re.compile(
    r"(?:^|(?<=[^\w\s,;:'’\"#@-])\s*|\n)(?i:" + _SIGN_OFF_WORDS + r")(?P<from>\s+(?i:from))?"
    r"[,!.:]?\s*(?P<dash>[-—–])?\s*(?P<signer>" + _SIGNER + r")" + _SIGNER_NAMES + _SIGNED_END
)
# A signature in capitals ("- JOHN DOE", "Regards,\nOTTILIE BRANDAUER"): one to three words of
# two letters or more. Capitals after a dash are as often a shout ("- NOT HAPPENED!",
# "- GAME CHANGER"): see :func:`_capital_signatures` for which count.
_CAPS_WORD = r"[A-ZÀ-ÖØ-Þ](?:[A-ZÀ-ÖØ-Þ]|['’-](?=[A-ZÀ-ÖØ-Þ]))*[A-ZÀ-ÖØ-Þ]"
_CAPS_NAME = r"(?P<value>" + _CAPS_WORD + r"(?:[ \t]+" + _CAPS_WORD + r"){0,2})"
_CAPS_END = r"[.!]*" + _PART_MARK + r"[^\w?]*$"
# The mark before a signature: a dash, or two or three hyphens typed for one ("-- sarah").
_SIGN_DASH = r"(?:-{1,3}|[—–~])"
_CAPS_DASH_SIGN = re.compile(
    r"(?:^|\s)(?P<sign>" + _SIGN_DASH + r")[ \t]*" + _CAPS_NAME + _CAPS_END
)
_CAPS_SIGN_OFF = re.compile(
    r"(?:^|(?<=[^\w\s,;:'’\"#@-])\s*|\n)(?i:(?:"
    + _SIGN_OFF_WORDS
    + r")(?: so much| very much| a lot)?)"
    r"(?:[ \t]*[,!.:][ \t]*\n?|[ \t]*\n|[ \t]*(?P<sign>[-—–])|[ \t]+(?i:from))[ \t]*"
    + _CAPS_NAME
    + _CAPS_END
)
_BARE_SIGNATURE = re.compile(
    r"(?:[.!?]\s+|\n)(?P<value>" + _WORD + r"\s+" + _WORD + r")\s*[.!]?\s*$"
)
# One name alone on a text's last line signs it ("Great help!\nKeelin", "…\n— Élodie x").
_LAST_LINE_SIGNATURE = re.compile(
    r"\n[ \t]*(?P<value>"
    + _WORD
    + r")[ \t]*[.!]*(?:[ \t]+(?i:x+|xo(?:xo)*)\b)?"
    + _PART_MARK
    + r"[^\w?]*$"
)
# A name no list holds, known by its letters: two or three capitalised words, one with a letter
# beyond ASCII ("Élodie Durand", "Jürgen Müller", "Íñigo Pérez"), with particles ("Inès de la
# Fuente"). The names list spells first names in ASCII and holds few from outside English, so
# "Merci beaucoup Élodie Durand" went public whole. See :func:`_accented_names` for what stays.
_ACCENTED_NAME = re.compile(
    r"(?<![\w'’@#.\"“„«-])(?P<value>"
    + _WORD
    + r"(?:[ \t]+(?:"
    + _NAME_PARTICLE
    + r"[ \t]+){0,2}"
    + _WORD
    + r"){1,2})(?![\w'’@])"
)
# A signature at a text's end with where the writer lives after it ("Merci ! Jean-Pierre
# Dubois, 75011 Paris"): a name of two or three words, with particles ("Pieter de Vries").
_NAME_WITH_PARTICLES = (
    _WORD + r"(?:\s+" + _NAME_PARTICLE + r"){0,2}\s+" + _WORD + r"(?:\s+" + _WORD + r")?"
)
_SIGNED_WITH_ADDRESS = re.compile(
    r"(?:[.!?]\s+|\n)(?P<value>"
    + _NAME_WITH_PARTICLES
    + r")"
    + _ADDRESS_TAIL
    + r"[.!]*"
    + _PART_MARK
    + r"[^\w?]*$"
)
_DASH_SIGN = re.compile(
    r"(?:^|\s)(?P<sign>" + _SIGN_DASH + r")\s*(?P<signer>)" + _SIGNER_NAMES + _SIGNED_END
)
# Words in the phrase before a signer's name that make the name a company's or a team's
# ("Cheers from all of us at Acme", "Love from the team at Acme"): a company may stay.
_NOT_SIGNERS = frozenset(
    _words("of for in at from with by team us all everyone everybody staff crew folks gang lot")
)
# An unlisted word ending so is a verb or adjective, not a name ("Signed, Sealed").
_WORD_ENDINGS = re.compile(r"(?:[^e]ed|ing)$")
_LOWER_WORD_NEXT = re.compile(r"[^\S\n]+[a-z]")
_RELATION = re.compile(
    r"\b(?i:my)\s+(?i:husband|wife|son|daughter|mum|mom|mother|dad|father|partner|friend|colleague|"
    r"boss|brother|sister|grandma|grandmother|grandpa|grandfather|neighbou?r|kid|child|baby|"
    r"fiancée?|aunt|uncle|cousin|flatmate|roommate|boyfriend|girlfriend)\s*,?\s+"
    r"(?P<value>" + _WORD + r"(?:\s+" + _WORD + r")?)"
)
_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Madam|Mme|Mlle|Herr|Frau|Sr|Sra|Señor|Señora)\.?\s+"
    r"(?P<value>" + _WORD + r"(?:\s+" + _WORD + r")?)"
)
_ADDRESSED = re.compile(
    r"\b(?i:thanks|thank you|thank you so much|thanks so much|thanks a lot|many thanks|ty|hi|hello|"
    r"hey|dear|good morning|good afternoon|good evening|kudos to|shout ?out to|"
    r"props to|big up|bravo|well done|" + _THANKS_ABROAD + r")\s*,?\s+(?P<value>" + _WORD + r")\b",
)
# One spoken to by name at the end of a clause, after a word in lower case: "We're sorry to
# hear that, Mona." ("Cebu, Philippines" and "Portland, Maine" name places after a name).
_SPOKEN_TO = re.compile(r"(?<![\w'’@#])[a-z][\w'’]*,\s+(?P<value>" + _WORD + r")(?=\s*[.!?])")
NOT_SPOKEN_TO = frozenset(
    _words(
        """now again today tonight tomorrow yesterday please asap seriously really honestly
        thanks thx everyone everybody anyone guys folks team sir madam ma'am mate buddy pal
        friend friends people all though too either jan feb mar apr jun jul aug sep sept oct
        nov dec"""
    )
)
# Whom the writer dealt with, named after the words that say so, listed or not: "I spoke to
# Jeanine", "asked for Rosalind", "helped by Ottilie", "your agent Bartosz", "a lady called
# Marisela". A company or product stands there too ("spoke to Apple"): ``NOT_PERSONS`` keeps it.
_DEALT_WITH = re.compile(
    r"\b(?i:(?:spoke|speak|speaking|talked|talk|talking|chatted|chat|chatting)\s+(?:to|with)"
    r"|(?:helped|served|assisted|sorted|looked after)\s+(?:out\s+)?by"
    r"|ask(?:ed|ing)?\s+for|(?:agent|rep|representative|advisor|adviser|operator)\s*,?"
    r"|(?:guy|lady|man|woman|girl|gentleman|chap|bloke|someone|somebody|person|agent|rep)"
    r"\s+(?:named|called))"
    r"\s+(?P<value>" + _WORD + r")"
)
# One who said something, named before the verb: "Pascal told me", "… and Thibault said".
# The verb in lower case: "Capt Said" is a headline's. No "assured" ("Rest assured").
_WHO_SAID = re.compile(
    r"(?<![\w'’@#.-])(?P<value>" + _WORD + r")\s+(?:told|said|says|explained|promised"
    r"|advised|mentioned|insisted|replied)\b"
)
_BEFORE_WHO_SAID = re.compile(r"(?<![@#\w])(?P<word>[\w'’-]+)[ \t]+$")
# The capitalised word after a name: a company's ("spoke to Kuwait Airlines") makes it none.
_NEXT_WORD = re.compile(r"\s+(" + _WORD + r")\b")
_CONTRACTION = re.compile(r"['’](?:ve|re|ll|d|m|t)$", re.IGNORECASE)  # "We've said"
_DETERMINERS = frozenset(
    _words("the a an my your our their his her its this that these those whose which what")
)
# Words before a name that leave it the first of its phrase ("Then Jeanine said") …
_LEADING_WORDS = frozenset(
    _words(
        """then and but so or also yesterday today tonight later earlier finally apparently
        eventually again still now first next when while because after before since until if
        though although once yes no ok okay well anyway actually"""
    )
)
# … and words that make it part of a company's ("Bank of America said", "Head of Sales said").
_NAME_OF = frozenset(_words("of for in at from with by"))
# A hashtag's words ("#JusticeForMona": Justice, For, Mona), and the words after which one is
# a person's name ("#RIPBenedikt", "#ThankYouPriya").
HASHTAG_RE = re.compile(r"(?<![\w&#])#(?P<tag>[A-Za-z][A-Za-z0-9]*)")
_TAG_PART_RE = re.compile(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+")
# ("#PrayForParis" prays for a place: after "PrayFor" only a listed name counts; "#RipOffs"
# rips no one off: "RIP" counts in capitals.) An unlisted word after a cue counts when it
# ends the tag ("#thanksJetBlue" thanks a company).
_TAG_CUES = ("justicefor", "thankyou", "thanks", "thanksto")
_TAG_ANY_NAME_CUES = ("justicefor",)
# Words before a listed name that make it a place's: "#SanDiego", "St Louis", "Fort Worth".
_PLACE_WORDS = frozenset(_words("san santa sao st saint los las new fort port mount mt lake"))
# A reply signed with the agent's initials or name: "… ^ACM", "^Clarissa", "… -KW".
# The mark goes with them: it only says "signed by", and alone it read "… ^[name]".
_CARET_SIGN = re.compile(r"(?<![\w^])(?P<sign>\^)\s?(?P<value>[A-Z]{2,4}\b|" + _WORD + r"\b)")
_INITIALS_SIGN = re.compile(
    r"(?:^|\s)(?P<sign>[-—–*~/])\s?(?P<value>[A-Z]{2,3})[\s.!]*" + _PART_MARK + r"\s*$"
)
# Capitals after a dash or slash at a text's end that are no one's initials: places
# ("-NY", "-USA": where the writer is), words said in capitals ("-OK", "-LOL", "/PS", "-FYI",
# "-TBD") and times ("-AM", "-GMT"). Only the commonest: initials are 2-3 letters too, and an
# agent signing "-KW" (Kuwait's code as well) must still go. A caret always signs ("^AM").
NOT_INITIALS = frozenset(
    _words(
        """US USA UK GB EU UAE NY NYC LA DC SF NZ PS PPS OK LOL FYI ASAP TBD TBC ETA FAQ NB
        BTW IMO OMG AKA AM PM GMT UTC BST CET EST PST"""
    )
)
TOKEN_RE = re.compile(r"\b" + _WORD + r"\b")
LOWER_TOKEN_RE = re.compile(rf"(?<![\w@#/.'-])[{_LOWER}]{{2,}}(?![\w@/-])")
# The words before a name written in lower case that say it is one. A customer who
# introduces themselves, signs or names a relative is never a user Poise knows of…
_OWN_NAME_CUES = (
    r"my name is|my name's|name's|name is|name:|call me|this is|it's|its|i am|i'm|im|signed"
    r"|from|love from|regards|kind regards|best regards|best wishes|best|cheers|love|xx|x"
    r"|my (?:husband|wife|son|daughter|mum|mom|mother|dad|father|partner|friend|colleague|boss"
    r"|brother|sister|neighbou?r|boyfriend|girlfriend|fiancée?|aunt|uncle|cousin)"
)
# … while one thanked, greeted or spoken to may be the agent, whose first name stays.
_ADDRESS_CUES = (
    r"thank you so much|thanks so much|thank you very much|thanks very much|thanks a lot"
    r"|thanks again|many thanks|thank you|thanks|thx|ty|hi|hello|hey|hiya|dear|morning"
    r"|good morning|good afternoon|good evening|bye|kudos to|shout ?out to|props to"
    r"|(?:spoke|speaking|talked|talking|chatted|chatting) (?:to|with)|dealt with"
    r"|(?:helped|served|assisted|sorted) by|ask(?:ed)? for|agent|" + _THANKS_ABROAD
)
_OWN_NAME_BEFORE = re.compile(r"(?:^|[^\w'])(?i:" + _OWN_NAME_CUES + r")[\s,:.!—–-]*$")
_ADDRESS_BEFORE = re.compile(r"(?:^|[^\w'])(?i:" + _ADDRESS_CUES + r")[\s,:!—–-]*$")
_SIGNED_BEFORE = re.compile(r"(?:^|[^\w'])(?i:call me|signed)[\s,:.!—–-]*$")
_SIGN_OFF_BEFORE = re.compile(
    r"(?:^|[^\w'])(?i:love|love from|regards|kind regards|best regards|best wishes|cheers|"
    r"sincerely|xx|x|ta)[\s,:.!—–-]*$"
)
# A signature's mark before a name, or the line break that puts it alone on the last line.
_DASH_BEFORE = re.compile(r"(?:(?:^|\s)(?:" + _SIGN_DASH + r"|\^)\s*|\n[ \t]*)$")
_ENDS_TEXT = re.compile(r"[\s.!]*(?:x+)?[\s.!]*$")
# "my name is keelin", "mr smith": a name whatever it is, unless a plain word stands there.
_NAMED_LOWER = re.compile(
    r"\b(?i:my name is|my name's|mr\.?|mrs\.?|ms\.?)\s+"
    rf"(?P<value>[{_LOWER}][{_LOWER}'-]+)\b"
)
NOT_NAMED = frozenset(
    _words(
        """not on in spelled spelt misspelled wrong correct listed still the a an and also just
        already different same missing showing written printed there attached mine too here
        btw lol please"""
    )
)
SURNAME_PARTICLES = frozenset(
    {
        "van",
        "von",
        "de",
        "da",
        "del",
        "della",
        "der",
        "den",
        "di",
        "du",
        "le",
        "la",
        "al",
        "el",
        "bin",
        "binti",
        "ben",
        "ibn",
        "mac",
        "dos",
        "das",
        "ter",
    }
)
NOT_NAMES = frozenset(
    _words(
        """i i'm i've i'd i'll the a an and but or so you your we our they this that these those it
        its he she his her my me thanks thank hi hello hey dear cheers regards best love sincerely
        monday tuesday wednesday thursday friday saturday sunday january february march april june
        july august september october november december today tomorrow yesterday amazing great
        wonderful awesome brilliant fantastic excellent super really very so much also just not
        please sorry support team customer service poise help helpful everyone everything always
        never what when where why how who which if then there here after before because since
        honestly seriously truly absolutely five stars star wow omg again still even only once
        happy glad grateful thankful lovely kind patient quick fast friendly above beyond ok okay
        yes no good nice cool perfect top class chat call phone email order account refund
        delivery package parcel app website store shop manager agent rep
        merci beaucoup bien danke schön schon sehr vielen dank gracias muchas grazie mille muito
        obrigado obrigada bedankt hartelijk wel tusen takk grüße grüsse gruß grüßen liebe viele
        beste freundliche freundlichen schöne schönen cordialement bisous bises amitiés saludos
        saludo abrazos abrazo besos saluti cordiali abbraccio abraços beijos cumprimentos
        groetjes groeten hälsningar mvh pozdrawiam pozdrowienia enjoy peace cntd contd"""
    )
)


@dataclass(frozen=True)
class Span:
    """A redacted piece of the original text: what kind, where, and what it said."""

    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Redaction:
    """The redacted text and every span taken out, for the lead's review."""

    original: str
    text: str
    spans: list[Span] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for span in self.spans:
            found[span.kind] = found.get(span.kind, 0) + 1
        return found

    def segments(self) -> list[tuple[str, str | None]]:
        """The original as ``(text, kind or None)`` pieces, to highlight what will go."""
        pieces: list[tuple[str, str | None]] = []
        at = 0
        for span in self.spans:
            pieces.append((self.original[at : span.start], None))
            pieces.append((span.text, span.kind))
            at = span.end
        pieces.append((self.original[at:], None))
        return [p for p in pieces if p[0]]


@dataclass(frozen=True)
class StaffNames:
    """The users' names Poise knows: their first names may stay in public praise."""

    first: frozenset[str] = frozenset()
    last: frozenset[str] = frozenset()

    @classmethod
    def of(cls, names: Iterable[str]) -> StaffNames:
        parts = [n.strip().split() for n in names if n.strip()]
        # as written ("zoë") for the context rules, and folded ("zoe") as the names list spells
        # it: without the folded form an agent called Zoë was redacted as a customer
        first = frozenset(p[0].lower() for p in parts) | frozenset(_plain(p[0]) for p in parts)
        last = frozenset(p[-1].lower() for p in parts if len(p) > 1)
        return cls(first, last)


# A mark that joins a sign-off to the name it goes with ("Thanks-Sam", "Cheers–Jo").
_JOINING_MARKS = "-—–~"


def redact(text: str, *, staff: StaffNames | None = None) -> Redaction:
    """Take customer identity out of ``text``; ``staff`` names (agents' first names) stay."""
    staff = staff or StaffNames()
    shadow, origin = _as_read(text)
    spans = _merge(shadow, list(_find_all(shadow, staff)))
    if shadow != text:
        spans = [_in_original(text, span, origin) for span in spans]
    out, at = [], 0
    for span in spans:
        out.append(text[at : span.start])
        joined = text[span.start - 1 : span.start].strip()  # "Thanks-Sam", "Cheers!- Jo"
        if span.text[:1] in _JOINING_MARKS and joined:
            out.append(" ")  # "Thanks [name]", not "Thanks[name]"
        out.append(PLACEHOLDERS[span.kind])
        at = span.end
    out.append(text[at:])
    return Redaction(original=text, text="".join(out), spans=spans)


def _as_read(text: str) -> tuple[str, list[int]]:
    """The text as a reader sees it, for the rules to search, and where each of its characters
    stands in ``text``: invisible format characters (a zero-width space, a soft hyphen) left
    out, and a full-width or styled letter, digit or sign ("＠", "𝟒") as its plain one. Each
    hid an e-mail, a number or a name from the rules while the wall showed it whole. A
    zero-width joiner between emoji (not beside a letter or digit) stays, as it joins them."""
    kept: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        if unicodedata.category(char) == "Cf" and not _joins_emoji(text, i):
            continue
        plain = unicodedata.normalize("NFKC", char) if not char.isascii() else char
        kept.append(plain if len(plain) == 1 and plain.isascii() else char)
        origin.append(i)
    origin.append(len(text))
    return "".join(kept), origin


def _joins_emoji(text: str, i: int) -> bool:
    if text[i] != "\u200d":
        return False
    before, after = text[i - 1 : i], text[i + 1 : i + 2]
    return bool(before and after) and not (before.isalnum() or after.isalnum())


def _in_original(text: str, span: Span, origin: list[int]) -> Span:
    """A span found in the text as read (:func:`_as_read`), placed on the text as written."""
    start = origin[span.start]
    end = origin[span.end - 1] + 1 if span.end > span.start else start
    return Span(span.kind, start, end, text[start:end])


def _find_all(text: str, staff: StaffNames) -> Iterator[Span]:
    yield from _emails(text)
    yield from _regex_spans(text, "link", [LINK_RE])
    yield from _regex_spans(text, "handle", [HANDLE_RE])
    yield from _account_names(text)
    yield from _bare_handles(text)
    yield from _keyword_numbers(text)
    streets = list(_regex_spans(text, "address", list(ADDRESS_RES)))
    yield from _postcodes(text, streets)  # before phones: "60614-1234" is a ZIP code there
    yield from _phones(text)
    yield from _regex_spans(text, "number", [NUMBER_RE])
    yield from streets
    yield from _group_spans(text, "address", ADDRESS_LEAD_RE)
    yield from _lower_case_streets(text)
    yield from _names(text, staff)


def _emails(text: str) -> Iterator[Span]:
    """E-mail addresses, as written or broken up (see ``SPACED_EMAIL_RE``,
    ``WORDED_EMAIL_RE``); each pattern only where its mark stands, as most texts have none."""
    if "@" in text:
        yield from _regex_spans(text, "email", [EMAIL_RE, SPACED_EMAIL_RE])
    if _DOT_WORD.search(text):
        yield from _regex_spans(text, "email", [WORDED_EMAIL_RE])


_DOT_WORD = re.compile("dot", re.IGNORECASE)


def _regex_spans(text: str, kind: str, patterns: list[re.Pattern[str]]) -> Iterator[Span]:
    for pattern in patterns:
        for m in pattern.finditer(text):
            if not PLACEHOLDER_RE.fullmatch(m.group(0)):
                yield Span(kind, m.start(), m.end(), m.group(0))


def _group_spans(text: str, kind: str, pattern: re.Pattern[str]) -> Iterator[Span]:
    for m in pattern.finditer(text):
        yield Span(kind, m.start("value"), m.end("value"), m.group("value"))


def _postcodes(text: str, streets: list[Span]) -> Iterator[Span]:
    """A postcode of digits ("75011", "90210-1234", "1012 AB") where an address clue stands
    next to it: a place or country ("10115 Berlin", "Chicago, IL 60614", "Paris 75011"), a
    street ("Main Street 90210", "12 rue de Rivoli 75001"). Alone it is any number ("2026",
    "10000 steps", "room 101"): order numbers are found by their keyword instead."""
    ends = {span.end for span in streets}
    for m in DIGIT_POSTCODE_RE.finditer(text):
        start = max(0, m.start() - 80)  # the words just before are enough, on a text of any size
        before = text[start : m.start()]
        street_end = start + len(before.rstrip(" \t\n,"))
        ends_address = _ENDS_ADDRESS.match(text, m.end()) is not None
        if street_end in ends or _postcode_clue_before(before, m.group(0), ends_address):
            yield Span("address", m.start(), m.end(), m.group(0))
        elif (town := _PLACE_AFTER_POSTCODE.match(text, m.end())) and _postcode_place(town[1]):
            yield Span("address", m.start(), m.end(), m.group(0))  # "75011 Paris"


# What follows a postcode that ends an address: the text's or line's end, a comma, a town.
_ENDS_ADDRESS = re.compile(r"[ \t]*(?:$|[,\n]|[.!](?:\s|$)|[A-Z])")
_PLACE_AFTER_POSTCODE = re.compile(r"[ \t]*,?[ \t]*(" + _WORD + r")")


def _postcode_clue_before(before: str, value: str, ends_address: bool) -> bool:
    """Whether the words before a postcode are an address's: a state's code after a town
    ("Chicago, IL"), a place's name ("Paris 75011"), or a street's word ("Main Street 90210",
    only where the address ends there: "down the road 10000 steps" names none)."""
    line = before.rsplit("\n", 1)[-1]
    words = re.findall(r"[\w'’-]+", line)
    gap = line[len(line.rstrip(" \t,")) :]
    if not words or not gap or not re.fullmatch(r"[ \t]*,?[ \t]*", gap):
        return False
    last = words[-1]
    if last in US_STATES and value[:5].isdigit():
        # "Chicago, IL 60614", "Springfield IL 62701": a town's name before the state
        return len(words) > 1 and words[-2][:1].isupper()
    if _postcode_place(last):
        return True
    street = _STREET_BEFORE_POSTCODE.search(line)
    return ends_address and street is not None and street.end() == len(line)


def _postcode_place(word: str) -> bool:
    """A capitalised place's or country's name, as a postcode stands beside one."""
    return word[:1].isupper() and _plain(word) in POSTCODE_PLACES


def _tail_spans(text: str, m: re.Match[str]) -> Iterator[Span]:
    """The parts of where a signer lives that identify them: postcodes and street lines go,
    a town or a country alone stays ("…, [address] Paris", "…, Leeds, UK")."""
    start = m.start("tail")
    for part in re.finditer(r"[^,\n]+", m.group("tail")):
        value = part.group(0).strip()
        if not value:
            continue
        at = start + part.start() + part.group(0).index(value)
        codes = list(_TAIL_POSTCODE_RE.finditer(value))
        house = _HOUSE_NUMBER_RE.match(value)
        if house and not any(c.start() == 0 for c in codes):
            yield Span("address", at, at + len(value), value)  # "12 rue de la Paix"
            continue
        for code in codes or _TAIL_NUMBER_RE.finditer(value):
            yield Span("address", at + code.start(), at + code.end(), code.group(0))


_TAIL_POSTCODE_RE = re.compile(
    r"(?<![\w-])(?:" + _UK_POSTCODE + r"|[A-Z]\d[A-Z] ?\d[A-Z]\d|\d{4} ?[A-Z]{2}(?![A-Za-z])"
    r"|\d{5}(?:-\d{4})?|\d{4}(?=[ \t]+[A-Z]))(?![\w-])"
)
_HOUSE_NUMBER_RE = re.compile(r"\d{1,5}[A-Za-z]?\s+\S")
_TAIL_NUMBER_RE = re.compile(r"(?<![\w-])\d{1,5}[A-Za-z]?(?![\w-])")


def _lower_case_streets(text: str) -> Iterator[Span]:
    """A street written in lower case ("i live at 12 baker street", "ship to 9 elm close"):
    a house number, at most three words that make a name, and a word for a street; any such
    word after "live at" or "ship to", only the unambiguous ones ("road", not "walk") else."""
    for pattern in (_LOWER_STREET_RE, _LEAD_STREET_RE):
        for m in pattern.finditer(text):
            if not any(w.lower() in _NOT_STREET_NAMES for w in m.group("words").split()):
                yield Span("address", m.start("value"), m.end("value"), m.group("value"))


def _account_names(text: str) -> Iterator[Span]:
    """``username jdoe99``, ``user id: bsmith``: the value goes, the word naming it stays.

    After a colon (a form's "user id: bsmith") any word is the name. After "is" or nothing
    ("my login is broken", "log in 3 times") only one shaped as a user name (letters with a
    digit, ``_`` or ``.``) is, or a plain word after "my … is" or "username is" that does not
    say how the account is ("my instagram is bakesbybea", "username is jsmith", not "my login
    is disabled", "username is required"). Right after a word that names nothing but a name
    ("username jsmith", "account name jsmith") and after "logged in as" a plain word is one
    too, unless it names no user (:func:`_plain_user_name`: "username field", "logged in as
    an admin")."""
    for m in HANDLE_KEYWORD_RE.finditer(text):
        value = m.group("value")
        sep = m.group("sep") or m.group("said") or m.group("colon") or m.group("user_is") or ""
        sep = sep.strip().lower()
        if _is_account_name(value, _SEPARATORS.get(sep, sep), m):
            end = _account_name_end(text, m.end("value"), value)
            yield Span("handle", m.start("value"), end, text[m.start("value") : end])
    for m in ACCOUNT_NAME_FIRST_RE.finditer(text):
        if _handle_shaped(m.group("value")):
            yield Span("handle", m.start("value"), m.end("value"), m.group("value"))
    for m in SIGNED_IN_AS_RE.finditer(text):
        value = m.group("value")
        if _signed_in_name(m, value):
            end = _account_name_end(text, m.end("value"), value)
            yield Span("handle", m.start("value"), end, text[m.start("value") : end])


def _signed_in_name(m: re.Match[str], value: str) -> bool:
    """Whether the word after "logged in as", "under" or "with" is a user name. After
    "under" and "with" a state, a way or a company more often stands ("under duress", "with
    google", "signed up with Kovo"): a word of ``NOT_SIGN_IN_NAMES`` or ``NOT_PERSONS`` never
    is one, and a plain word only in lower case. One signs up with a company or a plan
    ("signed up with spectrum"), never with a user name."""
    cue = m.group("cue").lower()
    if cue == "with" and m.group("way").lower() == "up":
        return False
    if cue != "as":
        lower = value.lower()
        if lower in NOT_SIGN_IN_NAMES or lower in NOT_PERSONS or _VERSION_RE.fullmatch(value):
            return False
        shaped = _handle_shaped(value) or _INITIALS_AND_SURNAME_RE.fullmatch(value)
        if not shaped and not value[:1].islower():
            return False
    return _handle_shaped(value) or _plain_user_name(m.string, m.end("value"), value)


# Endings of a word that says how or what a user name does ("as requested", "normally",
# "username checks out", "username pops up"), not what it is.
_SAYS_WHAT = re.compile(r"(?:ed|ing|ly|[^su]s)$")
# "login's" says "login is"; a dash says what no separator does ("Username - jsmith").
_SEPARATORS = {"'s": "is", "’s": "is", "-": "", "–": "", "—": ""}


def _plain_user_name(text: str, end: int, value: str) -> bool:
    """Whether a plain word right after "username" or "logged in as" is a user name: not a
    word that names no user (``NOT_USER_NAMES``), nor one that says how or what it does
    ("requested", "normally", "checks") unless it is a first name, nor the kind of a role
    after it ("subscription owner")."""
    lower = value.lower()
    if lower in NOT_USER_NAMES or lower in NOT_HANDLES or lower in NOT_NAMES:
        return False
    if _SAYS_WHAT.search(lower) and _plain(value) not in FIRST_NAMES:
        return False
    return _ROLE_AFTER_RE.match(text, end) is None


# A further word of a user name written with capitals ("Dark Wolf", "Silent Reaper 77").
_NAME_PART_RE = re.compile(r" (?P<part>[A-Z][A-Za-z0-9_]+|\d{1,4})(?![\w@'.-]|\.\w)")


def _bare_handles(text: str) -> Iterator[Span]:
    """``jo_smith_88`` wherever it stands: no word of prose has an underscore in it."""
    for m in BARE_HANDLE_RE.finditer(text):
        value = m.group("value")
        parts = [p.lower() for p in value.split("_") if p]
        if value.upper() == value or any(p in CODE_WORDS for p in parts):
            continue
        if any(len(p) > 2 and not p.isdigit() for p in parts):  # not "X__x", an emoticon
            yield Span("handle", m.start("value"), m.end("value"), value)


def _account_name_end(text: str, end: int, value: str) -> int:
    """Where a user name that may be of several words ends: a gamer tag or display name
    with a capital ("my gamertag is Dark Wolf") goes on over the capitalised words and a
    number after it, up to three more, never over an ordinary word ("… is Dark Please help")."""
    if not value[:1].isupper():
        return end
    for _ in range(3):
        m = _NAME_PART_RE.match(text, end)
        if m is None or m.group("part").lower() in NOT_HANDLES | NOT_NAMES:
            break
        end = m.end()
    return end


def _is_account_name(value: str, sep: str, m: re.Match[str]) -> bool:
    lower = value.lower()
    if lower in NOT_HANDLES or lower in NOT_NAMES:
        return False
    if m.group("colon") is not None and lower in NOT_USER_NAMES:
        return False  # "user: admin", "the user: is it me?"
    if m.group("user_is") is not None:  # "my user is jsmith", not "the user is me"
        return _my_user_name(value, m)
    if m.group("login") is not None:  # "my login jsmith", not "login page"
        return _my_login_name(value, m)
    if sep in (":", "=") or _handle_shaped(value):
        return True
    if not value.isalpha():
        return False
    if sep not in ("is", "was"):  # "username jsmith": only after a word naming a name
        named = (m.group("named") or "").lower()
        only_a_name = _ONLY_A_NAME_RE.fullmatch(named) is not None
        return only_a_name and _plain_user_name(m.string, m.end("value"), value)
    if m.group("my"):
        return not re.search(r"(?:ed|ing|ly|able|ible)$", lower)
    # "username is jsmith", "login is jsmith" without "my": "the handle is loose", "your
    # Apple ID is important", "username is mandatory" and "login is easy" say how it is
    named = (m.group("named") or m.group("account") or "").lower()
    return named.startswith(_NAME_OF_USER) and not _SAYS_HOW.search(lower)


def _my_user_name(value: str, m: re.Match[str]) -> bool:
    """ "my user is jsmith": only after "my" ("the user is new" speaks of someone), and a
    plain word only where it names no user nor says how the user is ("my user is admin",
    "my user is unable")."""
    if not m.group("my"):
        return False
    if _handle_shaped(value):
        return True
    lower = value.lower()
    plain = _plain_user_name(m.string, m.end("value"), value)
    return value.isalpha() and plain and not _SAYS_HOW.search(lower)


def _my_login_name(value: str, m: re.Match[str]) -> bool:
    """ "my login jsmith": only after "my" ("login bonus", "the login screen" name none), and
    a plain word only where it is nothing a login has or does ("my login session", "my login
    broke", "my login 2fa": ``NOT_SIGN_IN_NAMES``) nor says how it is ("my login expired"), nor
    a version ("my login v2 page")."""
    lower = value.lower()
    if not m.group("my") or lower in NOT_SIGN_IN_NAMES or _VERSION_RE.fullmatch(value):
        return False
    if _handle_shaped(value):
        return True
    plain = _plain_user_name(m.string, m.end("value"), value)
    return (
        value.isalpha() and plain and lower not in NOT_LOGIN_NAMES and not _SAYS_HOW.search(lower)
    )


_NAME_OF_USER = ("user", "log", "screen", "gamer", "account", "acct")
_SAYS_HOW = re.compile(r"(?:ed|ing|ly|able|ible|ant|ent|ous|ive|ful|less|ic|al|ory|ary)$")


def _handle_shaped(value: str) -> bool:
    """Letters with a digit, ``_`` or ``.`` in them: how user names look, words do not."""
    return any(ch.isalpha() for ch in value) and any(ch.isdigit() or ch in "_." for ch in value)


def _keyword_numbers(text: str) -> Iterator[Span]:
    """``order 48213``, ``account no. AC-99812``: the keyword stays, the value goes."""
    for m in NUMBER_AFTER_KEYWORD_RE.finditer(text):
        value = m.group("value")
        if any(ch.isdigit() for ch in value) and len(re.sub(r"\W", "", value)) >= 3:
            yield Span("number", m.start("value"), m.end("value"), value)


def _phones(text: str) -> Iterator[Span]:
    for m in PHONE_RE.finditer(text):
        value = m.group(0)
        digits = sum(ch.isdigit() for ch in value)
        if 7 <= digits <= 15 and not DATE_LIKE_RE.match(value.strip()):
            yield Span("phone", m.start(), m.end(), value)


def _names(text: str, staff: StaffNames) -> Iterator[Span]:
    """Names from context (always customers') and from the list (unless a user's)."""
    yield from _sign_offs(text)
    yield from _capital_signatures(text)
    yield from _signed_with_address(text)
    yield from _last_line_signature(text)
    yield from _accented_names(text, staff)
    for pattern in (_SELF_INTRO, _BARE_SIGNATURE, _RELATION, _TITLE):
        for m in pattern.finditer(text):
            value = _trim_name(m.group("value"))
            if value:
                yield Span("name", m.start("value"), m.start("value") + len(value), value)
    for m in _ADDRESSED.finditer(text):
        word = m.group("value")
        if (
            word.lower() not in staff.first
            and word.lower() not in NOT_NAMES
            and not _opens_with_verb(text, m)
        ):
            yield Span("name", m.start("value"), m.end("value"), word)
    yield from _spoken_to(text, staff)
    yield from _dealt_with(text, staff)
    yield from _hashtag_names(text, staff)
    yield from _signed_initials(text, staff)
    yield from _listed_names(text, staff)
    yield from _lower_case_names(text, staff)


def _opens_with_verb(text: str, m: re.Match[str]) -> bool:
    """Whether the word after a greeting is an unlisted word in -ing before one in lower
    case: a verb opening the message ("Hello, Following up on …", "Hi, Checking in"), not
    the one greeted ("Hi Sterling thanks" still names Sterling, a listed name)."""
    word = m.group("value")
    if not word.endswith("ing") or word.lower() in FIRST_NAMES:
        return False
    return _LOWER_WORD_NEXT.match(text, m.end("value")) is not None


def _sign_offs(text: str) -> Iterator[Span]:
    """The names a text is signed with ("Cheers from Jo and Sam", "— Ingeborg (a happy
    customer)"), each its own span so "and" stays. A signer is a customer even when an agent
    shares the name. After "from" or a phrase like "all of us at", a company or a team sends
    the thanks ("Love from Apple", "Cheers from the team at Acme"): its name stays."""
    for pattern in (_SIGN_OFF, _DASH_SIGN):
        for m in pattern.finditer(text):
            signer = m.group("signer").lower().split()
            if any(word in _NOT_SIGNERS for word in signer):
                continue
            # with where they live after it, a place or a company may sign as after "from"
            company_may_sign = bool(signer or m.groupdict().get("from") or m.group("tail"))
            for name in re.finditer(_SIGNER_NAME, m.group("names")):
                kin = _KIN_BEFORE_NAME.match(name.group(0))
                value = name.group(0)[kin.end() :] if kin else name.group(0)
                if _signer_name(value, company_may_sign and not kin):
                    start = m.start("names") + name.end() - len(value)
                    end = start + len(_trim_name(value))
                    if name.start() == 0 and not kin and "sign" in m.groupdict():
                        start = m.start("sign")  # "- Jayne" as "^ACM": the dash goes too
                    elif name.start() == 0 and not kin and m.groupdict().get("dash") and not signer:
                        start = m.start("dash")  # "Thanks-Sam": the dash joins, it goes too
                    yield Span("name", start, end, text[start:end])
            if m.group("tail"):
                yield from _tail_spans(text, m)


def _capital_signatures(text: str) -> Iterator[Span]:
    """A name in capitals that signs the text: after a sign-off ("Thanks, KEELIN MURPHY",
    "Regards,\nJANE SMITH") unless a word of it is an ordinary one ("Thanks, GUYS", "Love
    from LONDON"); after a dash alone only when it opens with a listed first name ("- JOHN
    DOE"), as "- NOT HAPPENED!" and "- GAME CHANGER" shout. The dash goes with the name."""
    for pattern in (_CAPS_SIGN_OFF, _CAPS_DASH_SIGN):
        for m in pattern.finditer(text):
            words = [_plain(word) for word in m.group("value").split()]
            if not _capital_name(words, listed=pattern is _CAPS_DASH_SIGN):
                continue
            start = m.start("sign") if m.group("sign") else m.start("value")
            yield Span("name", start, m.end("value"), text[start : m.end("value")])


_NOT_CAPITAL_NAMES = NOT_NAMES | NOT_PERSONS | NOT_SPOKEN_TO | PLACES | _DETERMINERS


def _capital_name(words: list[str], *, listed: bool) -> bool:
    """Whether words written in capitals are a name (see :func:`_capital_signatures`)."""
    if any(w in _NOT_CAPITAL_NAMES or w.upper() in NOT_INITIALS for w in words):
        return False
    first = words[0]
    if listed:
        return first in FIRST_NAMES and first not in AMBIGUOUS | LOWER_CASE_WORDS
    return first in FIRST_NAMES or not _WORD_ENDINGS.search(first)


_STATE_AFTER_TOWN = re.compile(r"[ \t]*,[ \t]*[A-Z]{2}[ \t]+(?:\d{5}|[A-Z]\d[A-Z])")


def _signed_with_address(text: str) -> Iterator[Span]:
    """A name that signs the text before where the writer lives ("Merci ! Jean-Pierre
    Dubois, 75011 Paris", "Loved it. Sam O'Neill, 90210"): the name and the postcode or
    street go, the town stays. Not a place ("Kuala Lumpur, Malaysia") nor a company's or an
    ordinary word ("Best Buy, Chicago")."""
    for m in _SIGNED_WITH_ADDRESS.finditer(text):
        value = m.group("value")
        first = _plain(value.split()[0])
        if first in PLACES or first in _PLACE_WORDS or not _signer_name(value, True):
            continue
        if _STATE_AFTER_TOWN.match(m.group("tail")):
            continue  # "Long Beach, CA 90803": a town before its state, on an address's line
        name = _trim_name(value)
        yield Span("name", m.start("value"), m.start("value") + len(name), name)
        yield from _tail_spans(text, m)


def _last_line_signature(text: str) -> Iterator[Span]:
    """One name alone on the last line signs the text, listed or not ("…\nKeelin"), unless it
    is an ordinary word, a company's or a place ("…\nCheers", "…\nLondon"), or an unlisted
    word shaped as an adverb or adjective ("…\nRespectfully"). Two words there are
    :data:`_BARE_SIGNATURE`'s."""
    for m in _LAST_LINE_SIGNATURE.finditer(text):
        value = m.group("value")
        adverb = _plain(value) not in FIRST_NAMES and _SAYS_HOW.search(value.lower())
        if _signer_name(value, True) and _unlisted_name([value]) and not adverb:
            yield Span("name", m.start("value"), m.end("value"), value)


def _accented_names(text: str, staff: StaffNames) -> Iterator[Span]:
    """Capitalised name pairs with a letter beyond ASCII (see ``_ACCENTED_NAME``). Not when a
    word of them is an ordinary word, a company's or a place's ("Schöne Grüße", "Zürich
    Airport", "São Paulo"), nor when the words around make them part of a longer proper noun
    or a thing's ("the Café Rouge", "Société Générale Bank", "Servicio de Atención al
    Cliente"), nor in quotation marks ("Bücher Fremdsprachig", a shop's category). An agent's
    first name stays; the surname goes, as with a listed name."""
    for m in _ACCENTED_NAME.finditer(text):
        value = m.group("value")
        words = [w for w in value.split() if w[:1].isupper()]
        if value.isascii() or not _unlisted_name(words) or _inside_longer_noun(text, m):
            continue
        if len(words) > 2 and len(words) < len(value.split()):
            continue  # "Servicio de Atención al Cliente": a name's particles stand once
        start = m.start()
        if _plain(words[0]) in staff.first:
            start += len(words[0]) + 1
        yield Span("name", start, m.end(), text[start : m.end()])


_NOT_ACCENTED_NAMES = _NOT_CAPITAL_NAMES | POSTCODE_PLACES | _PLACE_WORDS


def _unlisted_name(words: list[str]) -> bool:
    """Whether capitalised words may be a person's name: none an ordinary word, a company's or
    a place's, as written or as the lists spell it, and the first no verb ("Gebucht")."""
    if any(w.lower() in _NOT_ACCENTED_NAMES or _plain(w) in _NOT_ACCENTED_NAMES for w in words):
        return False
    return not _WORD_ENDINGS.search(_plain(words[0]))


def _inside_longer_noun(text: str, m: re.Match[str]) -> bool:
    """Whether a capitalised word follows ("Société Générale Bank") or one stands before, or
    a determiner ("the Café Rouge"): a longer proper noun's or a thing's name."""
    if _NEXT_WORD.match(text, m.end()):
        return True
    before = _BEFORE_WHO_SAID.search(text, 0, m.start())
    if before is None:
        return False
    word = before.group("word")
    return word.lower() in _DETERMINERS or (word[:1].isupper() and word.lower() not in NOT_NAMES)


# A relative's word before a signer's name ("Hugs from Grandma Beatrix"): the word may stay,
# the name after it is a person's, never a company's.
_KIN_BEFORE_NAME = re.compile(
    r"(?i:grandma|grandpa|granny|gran|grandad|nana|nanna|nan|auntie|aunty|aunt|uncle|cousin"
    r"|mum|mom|mam|mama|dad|papa)\s+(?=\S)"
)


def _signer_name(name: str, company_may_sign: bool) -> bool:
    """Whether a name a text is signed with is a person's: not an ordinary word ("Cheers,
    Team"), nor a verb or adjective no list holds ("Signed, Sealed"), nor, where a company
    may sign, a company's ("Love from Apple"), nor one a company's word ends ("American Air")."""
    words = [_plain(word) for word in name.split()]
    if not _trim_name(name) or (_WORD_ENDINGS.search(words[0]) and words[0] not in FIRST_NAMES):
        return False
    if len(words) > 1 and words[-1] in NOT_PERSONS:
        return False  # "Thank you, American Air": a company's word ends it
    return not (company_may_sign and (words[0] in NOT_PERSONS or _place(words)))


def _place(words: list[str]) -> bool:
    """Whether a signer's name is a place's ("London", "New York", "Buenos Aires"): a
    writer says where they are from. A listed first name is never one (see ``PLACES``)."""
    return words[-1] in PLACES and all(w in PLACES or w in _PLACE_WORDS for w in words)


def _spoken_to(text: str, staff: StaffNames) -> Iterator[Span]:
    """A name the text speaks to ("… to you, Gilbert."), listed or not: an agent's reply
    names the customer so, and a customer an agent, whose first name stays. A company
    spoken to ("where is my parcel, Amazon?") is one the text @mentions."""
    mentioned = " ".join(re.findall(r"@\w+", text)).lower()
    for m in _SPOKEN_TO.finditer(text):
        word = m.group("value").lower()
        if word in NOT_NAMES or word in NOT_SPOKEN_TO or word in staff.first:
            continue
        if word not in mentioned:
            yield Span("name", m.start("value"), m.end("value"), m.group("value"))


def _person_word(word: str, staff: StaffNames) -> bool:
    """Whether a capitalised word standing where a person would may be a customer's name: not
    an ordinary word, a company or product, nor an agent's first name (which stays)."""
    lower = _plain(word)
    return not (lower in NOT_NAMES or lower in NOT_PERSONS or lower in staff.first)


def _dealt_with(text: str, staff: StaffNames) -> Iterator[Span]:
    """Names no list holds, told by the words around them: "I spoke to Jeanine", "Pascal
    told me". A company's word after the name ("spoke to Kuwait Airlines") or before it
    ("Apple Support said"), or a determiner ("the Manager said"), says it is no one's; a first
    name before it makes one name ("Jo Brand said")."""
    mentioned = " ".join(re.findall(r"@\w+", text)).lower()  # "@Argos_Online Argos said"
    for m in _DEALT_WITH.finditer(text):
        if _person_word(m.group("value"), staff) and _plain(m.group("value")) not in mentioned:
            end = _surname_end(text, m.end("value"))
            after = _NEXT_WORD.match(text, m.end("value"))
            if after is None or _person_word(after.group(1), staff):
                yield Span("name", m.start("value"), end, text[m.start("value") : end])
    for m in _WHO_SAID.finditer(text):
        start = _who_said_start(text, m.start("value"), staff)
        value = m.group("value")
        named = _person_word(value, staff) and not _CONTRACTION.search(value)
        if start is not None and named and _plain(m.group("value")) not in mentioned:
            yield Span("name", start, m.end("value"), text[start : m.end("value")])


def _who_said_start(text: str, start: int, staff: StaffNames) -> int | None:
    """Where the name before "said" begins, or None when the word before says it is no one's:
    a determiner ("the Manager said"), a company's word ("Virgin Media said") or an "of"
    ("Bank of America said"); a first name before it makes one name ("Jo Brand said")."""
    before = _BEFORE_WHO_SAID.search(text, 0, start)
    if before is None:
        return start
    word = before.group("word")
    lower = word.lower()
    if lower in _DETERMINERS or lower in _NAME_OF:
        return None
    if not word[:1].isupper() or lower in _LEADING_WORDS or lower in NOT_NAMES:
        return start
    return before.start("word") if _person_word(word, staff) else None


def _hashtag_names(text: str, staff: StaffNames) -> Iterator[Span]:
    """Names inside hashtags: a listed one among its words ("#ThankYouPriya"), or an unlisted
    one that ends the tag after "JusticeFor", "RIP" and the like ("#JusticeForMona"); a
    surname that ends the tag goes with the name ("#KevinTaweel")."""
    for m in HASHTAG_RE.finditer(text):
        tag, at = m.group("tag"), m.start("tag")
        if tag.islower():
            yield from _lower_hashtag_name(tag, at, staff)
            continue
        parts = list(_TAG_PART_RE.finditer(tag))
        for i, part in enumerate(parts):
            if _tag_name(parts, i, staff):
                yield Span("name", at + part.start(), at + part.end(), part.group(0))
                last = parts[-1]
                if i + 1 == len(parts) - 1 and _tag_word(last.group(0), staff):
                    yield Span("name", at + last.start(), at + last.end(), last.group(0))


def _tag_word(word: str, staff: StaffNames) -> bool:
    return len(word) > 1 and word[1:].islower() and _person_word(word, staff)


def _tag_name(parts: list[re.Match[str]], i: int, staff: StaffNames) -> bool:
    """Whether a hashtag's ``i``-th word is a person's name (see :func:`_hashtag_names`)."""
    word = parts[i].group(0)
    previous = parts[i - 1].group(0) if i else ""
    if not _tag_word(word, staff) or previous.lower() in _PLACE_WORDS:
        return False
    if _plain(word) in FIRST_NAMES and _plain(word) not in AMBIGUOUS | LOWER_CASE_WORDS:
        return True
    before = "".join(p.group(0) for p in parts[:i]).lower()
    cued = before.endswith(_TAG_CUES) or previous == "RIP"
    return cued and i == len(parts) - 1


def _lower_hashtag_name(tag: str, at: int, staff: StaffNames) -> Iterator[Span]:
    """``#justiceforodile``: the rest after a cue, any after "justicefor", a listed one else."""
    for cue in (*_TAG_CUES, "rip"):
        rest = tag[len(cue) :]
        if not tag.startswith(cue) or len(rest) < 3 or not _person_word(rest, staff):
            continue
        listed = rest in FIRST_NAMES and rest not in AMBIGUOUS | LOWER_CASE_WORDS
        if listed or cue in _TAG_ANY_NAME_CUES:
            yield Span("name", at + len(cue), at + len(tag), rest)
            return


def _signed_initials(text: str, staff: StaffNames) -> Iterator[Span]:
    """A reply signed "^ACM", "^Clarissa" or "-KW", with its mark: initials go (a public wall
    needs no one's) unless they are a place or a word ("-NY", "-LOL"), a first name after
    a caret unless it is an agent's."""
    for pattern in (_CARET_SIGN, _INITIALS_SIGN):
        for m in pattern.finditer(text):
            value = m.group("value")
            if pattern is _INITIALS_SIGN and value in NOT_INITIALS:
                continue
            if value.isupper() or _person_word(value, staff):
                yield Span(
                    "name", m.start("sign"), m.end("value"), text[m.start("sign") : m.end("value")]
                )


def _lower_case_names(text: str, staff: StaffNames) -> Iterator[Span]:
    """Names written in lower case ("thanks so much, maria", "i spoke to john"): a listed
    name where the words before it say it is one, or any word after "my name is" / "mr".

    A listed name alone is not enough in lower case: "will", "mark", "bill", "grace" and "hope"
    are words first, and so are "per" and "max" (``LOWER_CASE_WORDS``): those are taken only
    where the writer signs with them or says so ("love grace", "call me mark")."""
    for m in _NAMED_LOWER.finditer(text):
        value = m.group("value")
        if value.lower() not in NOT_NAMES and value.lower() not in NOT_NAMED:
            end = _lower_surname_end(text, m.end("value"), own=True)
            yield Span("name", m.start("value"), end, text[m.start("value") : end])
    for m in LOWER_TOKEN_RE.finditer(text):
        word = _plain(m.group(0))
        if word not in FIRST_NAMES or word in NOT_NAMES:
            continue
        if word in AMBIGUOUS or word in LOWER_CASE_WORDS:
            said = "own" if _signed_with(text, m.start(), m.end()) else None
        else:
            said = _named_here(text, m.start(), m.end(), word, staff)
        if said is not None:
            end = _lower_surname_end(text, m.end(), own=said == "own")
            yield Span("name", m.start(), end, text[m.start() : end])


def _signed_with(text: str, start: int, end: int) -> bool:
    """Whether a name that is also a word ("grace", "mark", "will") is the writer's own: it
    signs the text ("…, love grace", "ta - mark") or follows "call me" / "signed". "this is
    mark two", "my son will call" and "by grace of god" name no one."""
    before = text[max(0, start - 40) : start]
    if _SIGNED_BEFORE.search(before):
        return True
    ends = _ENDS_TEXT.fullmatch(text, end) is not None
    return ends and bool(_SIGN_OFF_BEFORE.search(before) or _DASH_BEFORE.search(before))


def _named_here(text: str, start: int, end: int, word: str, staff: StaffNames) -> str | None:
    """Whether the words around a lower-case listed name say it is a person's name: "own"
    (the writer's or a relative's), "addressed" (thanked, greeted, spoken to), else None."""
    before = text[max(0, start - 40) : start]
    if _OWN_NAME_BEFORE.search(before):
        return "own"
    if _DASH_BEFORE.search(before) and _ENDS_TEXT.fullmatch(text, end):
        return "own"  # "… sorted it, ta - maria": a signature
    if word not in staff.first and _ADDRESS_BEFORE.search(before):
        return "addressed"
    return None


def _lower_surname_end(text: str, end: int, *, own: bool) -> int:
    """Extend a lower-case name over its surname: a listed name ("charles martin"), or, when
    the writer gives their own name, the word that closes the clause ("my name is jo smith,")."""
    m = re.compile(rf"\s+([{_LOWER}][{_LOWER}'-]+)\b").match(text, end)
    if m is None:
        return end
    word = m.group(1).lower()
    if word in NOT_NAMES or word in NOT_NAMED or word in AMBIGUOUS:
        return end
    listed = word in FIRST_NAMES and word not in LOWER_CASE_WORDS
    closes = own and re.match(r"\s*(?:[,.!;]|$)", text[m.end() :]) is not None
    return m.end() if listed or closes else end


def _trim_name(value: str) -> str:
    """Drop trailing ordinary words a context pattern swept up ("Sam Thanks" → "Sam")."""
    words = value.split()
    while words and words[-1].lower() in NOT_NAMES:
        words.pop()
    if not words or words[0].lower() in NOT_NAMES:
        return ""
    return " ".join(words)


def _plain(word: str) -> str:
    """``"João"`` → ``"joao"``, ``"Min-jun"`` → ``"min"``: how the names list spells them."""
    folded = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in folded if not unicodedata.combining(ch)).split("-")[0]


def _listed_names(text: str, staff: StaffNames) -> Iterator[Span]:
    for m in TOKEN_RE.finditer(text):
        word = _plain(m.group(0))
        if word not in FIRST_NAMES or word in NOT_NAMES:
            continue
        if word in AMBIGUOUS and _sentence_start(text, m.start()):
            continue
        if _after_place_word(text, m.start()):
            continue  # "San Diego", "St Louis": places
        end = _surname_end(text, m.end())
        if word in staff.first:
            # An agent's first name stays; their surname does not go public either.
            if end > m.end():
                yield Span("name", m.end() + 1, end, text[m.end() + 1 : end])
            continue
        yield Span("name", m.start(), end, text[m.start() : end])


def _after_place_word(text: str, start: int) -> bool:
    before = re.search(r"(?<![\w'])([A-Z][a-z]*)\.?\s+$", text[max(0, start - 12) : start])
    return before is not None and before.group(1).lower() in _PLACE_WORDS


def _surname_end(text: str, end: int) -> int:
    """Extend a first name over a following surname ("Ana de la Cruz", "Kofi Mensah")."""
    pattern = re.compile(r"\s+(?:(?:" + "|".join(SURNAME_PARTICLES) + r")\s+){0,2}" + _WORD)
    m = pattern.match(text, end)
    if m is None:
        return end
    last = m.group(0).split()[-1].lower()
    if last in NOT_NAMES or (last in FIRST_NAMES and last not in AMBIGUOUS):
        return end
    return m.end()


# How far before a name ``_sentence_start`` reads: the words just before decide, and reading
# the whole text before every name made a long message of names quadratic (75,000 characters:
# 14 s).
SENTENCE_LOOKBACK = 400


def _sentence_start(text: str, at: int) -> bool:
    """Whether ``at`` begins a sentence, the @mentions a reply opens with not counted
    ("@comcastcares Will do": "Will" opens the sentence, and is the verb)."""
    start = max(0, at - SENTENCE_LOOKBACK)
    before = LEADING_MENTIONS_RE.sub("", text[start:at].rstrip())
    return not before or before[-1] in ".!?\n\"'“"


LEADING_MENTIONS_RE = re.compile(r"(?:^|(?<=[.!?\n]))\s*\.?(?:@\w+\s*)+$")


def _merge(text: str, spans: list[Span]) -> list[Span]:
    """Overlapping finds become one span, keeping the kind of the one found first."""
    spans.sort(key=lambda s: (s.start, -(s.end - s.start)))
    merged: list[Span] = []
    for span in spans:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(last.kind, last.start, span.end, "")
            continue
        merged.append(span)
    return [Span(s.kind, s.start, s.end, text[s.start : s.end]) for s in merged]


def normalise_tags(raw: str | Iterable[str]) -> list[str]:
    """``"#hugs, Patience, #Café"`` → ``["hugs", "patience", "café"]``: lower-case words of any
    script (composed alike, so two spellings of "café" are one tag), no duplicates. Only ASCII
    letters used to stay: "#café" reached the public wall as "#caf", "#ありがとう" vanished."""
    items = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw)
    tags: list[str] = []
    for item in items:
        word = unicodedata.normalize("NFC", item.strip().lstrip("#").lower())
        tag = re.sub(r"[^\w-]", "", word)[:40]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def tag_leaks(raw: str | Iterable[str], *, staff: StaffNames | None = None) -> dict[str, list[str]]:
    """Each tag as it would go public (``"priyasharmaexamplecom"``) that holds personal data,
    with the kinds found (``["email"]``). Tags reach the public wall and its feed as they are,
    never redacted, so each is read as typed ("jane.doe@example.com" became
    "#janedoeexamplecom" on the wall once normalised) and with a capital, as a name in a
    sentence would stand ("#peter")."""
    items = re.split(r"[\s,]+", raw) if isinstance(raw, str) else list(raw)
    leaks: dict[str, list[str]] = {}
    for item in filter(str.strip, items):
        spans = [*redact(item, staff=staff).spans, *redact(item.capitalize(), staff=staff).spans]
        if spans:
            shown = normalise_tags([item]) or [item.strip()]
            leaks[shown[0]] = sorted({span.kind for span in spans})
    return leaks


@dataclass
class Measurement:
    """Recall of planted personal data per kind, and how much other text was removed."""

    planted: dict[str, int] = field(default_factory=dict)
    found: dict[str, int] = field(default_factory=dict)
    kept_chars: int = 0
    wrongly_removed_chars: int = 0
    comments_with_false_removal: int = 0
    comments: int = 0
    misses: list[str] = field(default_factory=list)

    def recall(self, kind: str) -> float:
        return self.found.get(kind, 0) / self.planted[kind] if self.planted.get(kind) else 1.0

    @property
    def false_removal_rate(self) -> float:
        """Share of the characters that were not personal data but were removed anyway."""
        return self.wrongly_removed_chars / self.kept_chars if self.kept_chars else 0.0


def measure(rows: Iterable[dict[str, object]]) -> Measurement:
    """Score :func:`redact` on rows of ``{"text", "agent", "pii": [{"kind", "start", "end"}]}``.

    A planted item counts as found when every one of its non-space characters was removed,
    whatever kind the redactor called it: for privacy, gone is what matters.
    """
    result = Measurement()
    for row in rows:
        text, agent = str(row["text"]), str(row.get("agent", ""))
        planted = [p for p in row["pii"] if isinstance(p, dict)]  # type: ignore[attr-defined]
        removed = _removed_mask(redact(text, staff=StaffNames.of([agent])))
        _score_row(result, text, planted, removed)
    return result


def _removed_mask(redaction: Redaction) -> list[bool]:
    mask = [False] * len(redaction.original)
    for span in redaction.spans:
        for i in range(span.start, span.end):
            mask[i] = True
    return mask


def _score_row(
    result: Measurement, text: str, planted: list[dict[str, object]], removed: list[bool]
) -> None:
    personal = [False] * len(text)
    for item in planted:
        kind, start, end = str(item["kind"]), int(str(item["start"])), int(str(item["end"]))
        result.planted[kind] = result.planted.get(kind, 0) + 1
        if all(removed[i] for i in range(start, end) if not text[i].isspace()):
            result.found[kind] = result.found.get(kind, 0) + 1
        else:
            result.misses.append(f"{kind}: {text[start:end]!r} in {text!r}")
        for i in range(start, end):
            personal[i] = True
    other = [i for i in range(len(text)) if not personal[i] and not text[i].isspace()]
    wrong = sum(1 for i in other if removed[i])
    result.comments += 1
    result.kept_chars += len(other)
    result.wrongly_removed_chars += wrong
    result.comments_with_false_removal += wrong > 0
