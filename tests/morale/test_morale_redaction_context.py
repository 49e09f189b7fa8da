"""Names written in lower case and user names typed into text: redacted where the words
around them say what they are, and ordinary words that are also names left alone.

The planted cases are a table: each must-redact row names what must go, each must-keep row
must come back unchanged. Outside text (real support tweets, ``../shared``) bounds how much
a redaction takes that is not personal data."""

from __future__ import annotations

import csv
import hashlib
import json
import re

import pytest

from poise.redaction import StaffNames, redact
from support import shared_data

# (text, the personal data in it): each piece must be gone from the redacted text.
MUST_REDACT: list[tuple[str, list[str]]] = [
    ("thanks so much, maria", ["maria"]),
    ("i spoke to john yesterday and he sorted it", ["john"]),
    ("hi maria, my order never came", ["maria"]),
    ("hello john, quick question", ["john"]),
    ("dear susan, thank you", ["susan"]),
    ("thank you emma for the help", ["emma"]),
    ("cheers, chris", ["chris"]),
    ("all sorted now, ta - emma", ["emma"]),
    ("my name is keelin and my parcel is lost", ["keelin"]),
    ("my name is charles martin, i live in phoenix", ["charles martin"]),
    ("this is david from the office", ["david"]),
    ("i'm sarah, i wrote yesterday", ["sarah"]),
    ("my husband dave called twice", ["dave"]),
    ("i talked to priya on the phone", ["priya"]),
    ("was helped by kevin last week", ["kevin"]),
    ("regards, olivia", ["olivia"]),
    ("mr smith said it would be refunded", ["smith"]),
    ("Thanks so much, Keelin!", ["Keelin"]),
    ("Username jdoe99", ["jdoe99"]),
    ("my login is jane.doe_82", ["jane.doe_82"]),
    ("user id: bsmith", ["bsmith"]),
    ("account name: k.tanaka.", ["k.tanaka"]),
    ("My username is j_smith and it is locked", ["j_smith"]),
    ("login: mgarcia", ["mgarcia"]),
    ("my psn id quochuy046, can you help me?", ["quochuy046"]),
    ("the gamer tag is TalibanKelo508", ["TalibanKelo508"]),
    ("my instagram is bakesbybea", ["bakesbybea"]),
    ("screen name = r0adrunner", ["r0adrunner"]),
    # A user name of two words, a login after "is", addresses and names in lower case.
    ("my gamertag is Dark Wolf", ["Dark", "Wolf"]),
    ("Gamer tag: Silent Reaper 77, still banned", ["Silent", "Reaper", "77"]),
    ("my xbox name is Captain Mittens and it won't sign in", ["Captain", "Mittens"]),
    ("my login is jsmith", ["jsmith"]),
    ("My login was mlopez, can you unlock it?", ["mlopez"]),
    ("my psn is tommyg and the store won't load", ["tommyg"]),
    ("i live at 12 baker street", ["12 baker street"]),
    ("please ship to 4 rue de la paix, paris", ["4 rue de la paix"]),
    ("deliver to 221b elm road please", ["221b elm road"]),
    ("my address is 77 king's road, chelsea", ["77 king's road"]),
    ("it went to 9 oak avenue instead of my house", ["9 oak avenue"]),
    ("my name is grace", ["grace"]),
    ("my name is mark and my card was charged twice", ["mark"]),
    ("got it sorted, ta - mark", ["mark"]),
    ("thanks, love grace", ["grace"]),
    # A greeting of the day, a signature before the tweet's part mark, a user name said first.
    ("Good morning, Sylvie! Have a great flight!", ["Sylvie"]),
    ("Please DM us your order details. Regards, Vicky 3/3 https://t.co/x1", ["Vicky"]),
    ("We have passed it on to the store. - Jayne (2/2)", ["Jayne"]),
    ("quochuy046 is my psn, please help", ["quochuy046"]),
    ("dark_wolf_77 is my gamertag", ["dark_wolf_77"]),
    # The customer spoken to by name at the end of a clause, whatever their name.
    ("Sorry about that, Odalys! We'll sort it out.", ["Odalys"]),
    ("We've refunded the fee to you, Bartholomew. Safe travels", ["Bartholomew"]),
    # Names no list holds, mid-sentence, given away by the words around them.
    ("I spoke to Jeanine yesterday and she said it was fixed", ["Jeanine"]),
    ("Pascal told me the refund was on its way", ["Pascal"]),
    ("when I rang back Thibault said to wait a week", ["Thibault"]),
    ("I asked for Rosalind and she sorted it", ["Rosalind"]),
    ("your agent Bartosz Wielgosz was lovely", ["Bartosz", "Wielgosz"]),
    ("I was helped by Ottilie on the chat", ["Ottilie"]),
    ("a lady called Marisela explained it all", ["Marisela"]),
    # A user name by its shape alone: words joined by underscores.
    ("it's jo_smith_88 if you need it", ["jo_smith_88"]),
    ("add me, Dark_Wolf_Rider, and I'll send the receipt", ["Dark_Wolf_Rider"]),
    # Names inside hashtags: listed, or after "JusticeFor", "RIP", "ThankYou".
    ("#JusticeForMona they lost her parcel", ["Mona"]),
    ("Best agent ever #ThankYouPriya", ["Priya"]),
    ("Still waiting #RIPBenedikt", ["Benedikt"]),
    ("#justiceforodile", ["odile"]),
    # Agents' initials signing a reply.
    ("Sorted in minutes, thanks for waiting ^ACM", ["ACM"]),
    ("Please DM us your email ^JB https://t.co/x1", ["JB"]),
    ("Glad we could help! -KW", ["KW"]),
    # Sign-offs at a text's end: a phrase about the writer, kisses, a note in brackets, or
    # several names after "Cheers from", "Hugs from", "Signed,".
    ("Signed, a very relieved Ingeborg Svensson", ["Ingeborg", "Svensson"]),
    ("Hugs from Margit", ["Margit"]),
    ("Love, Margit x", ["Margit"]),
    ("Cheers from Jo and Sam", ["Jo", "Sam"]),
    ("Fixed in a day. Love from Hedda and the kids!", ["Hedda"]),
    ("Cheers from Wiebke and all the gang at the pub", ["Wiebke"]),
    ("Great job. — Ingeborg (a happy customer)", ["Ingeborg"]),
    ("Sorted in a day! Love from your grateful Thorvald xx", ["Thorvald"]),
    ("Brilliant service 😊 Big hugs from Oona, Ilse & Bertil", ["Oona", "Ilse", "Bertil"]),
    ("Thank you!! Warm regards, one happy Radomir Kovac (3/3)", ["Radomir", "Kovac"]),
    # A signer "from" somewhere is still a person; a place's word ("Sydney") that is also a
    # first name goes; a sign-off joined to the name by a dash ("Thanks-Sam") goes too.
    ("Love from Hedda and the kids", ["Hedda"]),
    ("Cheers from Jo in London", ["Jo"]),
    ("Love from Sydney", ["Sydney"]),
    ("Love from Paris", ["Paris"]),
    ("Thanks-Sam", ["Sam"]),
    ("Many thanks-Hedda!", ["Hedda"]),
    ("Cheers–Ottilie", ["Ottilie"]),
    # Found by variants written before the rules above: a relative's word before the name,
    # and "Ta" as a sign-off.
    ("Hugs from Grandma Beatrix", ["Beatrix"]),
    ("Ta-Margit!", ["Margit"]),
    # A signature followed by where the writer lives: a place, a postcode, a country, a
    # street line. Written as variants before the rule that finds them.
    ("Danke! Hans-Jürgen Müller, 10115 Berlin", ["Hans-Jürgen", "Müller", "10115"]),
    ("Gracias por todo. María José Fernández, Madrid", ["María", "Fernández"]),
    ("Top service!\nSiobhan O'Sullivan\nCork, Ireland", ["Siobhan", "O'Sullivan"]),
    ("Thank you so much. Kwame Mensah-Bonsu, Accra, Ghana", ["Kwame", "Mensah-Bonsu"]),
    ("Bedankt! Pieter de Vries, 1012 AB Amsterdam", ["Pieter", "Vries", "1012 AB"]),
    ("Cheers, Ingeborg Lindqvist, Malmö", ["Ingeborg", "Lindqvist"]),
    ("Brilliant help. — Tadhg D'Arcy, Galway", ["Tadhg", "D'Arcy"]),
    (
        "Sorted in a day! Marguerite Lefèvre, 12 rue de la Paix, 75002 Paris",
        ["Marguerite", "Lefèvre", "12 rue de la Paix", "75002"],
    ),
    (
        "Thanks a million. Dolores Haze-Whitfield, Beverly Hills, CA 90210-1234",
        ["Dolores", "Haze-Whitfield", "90210"],
    ),
    (
        "Thanks Kenji! Ottilie Brandauer, Hauptstraße 5, 10115 Berlin",
        ["Ottilie", "Brandauer", "Hauptstraße 5", "10115"],
    ),
    ("Merci pour tout ! Anne-Sophie Girard, Lyon, France", ["Anne-Sophie", "Girard"]),
    (
        "Yours, Bartholomew Okonkwo, Ottawa ON K1A 0B6",
        ["Bartholomew", "Okonkwo", "K1A 0B6"],
    ),
    (
        "Amazing team!\n\nRegards,\nFionnuala McCarthy\nLondon SW1A 1AA",
        ["Fionnuala", "McCarthy", "SW1A 1AA"],
    ),
    ("Loved it. Callum D'Souza, EC1V 9HX", ["Callum", "D'Souza", "EC1V 9HX"]),
    ("The parcel went to 10115 Berlin instead", ["10115"]),
    ("my new zip is Chicago, IL 60614", ["60614"]),
    ("Thanks Sven — Jürgen Weiß, München", ["Jürgen", "Weiß"]),
    # Found missed by a review of the rules: a signature in capitals after a dash or a
    # sign-off, initials after an en dash (real replies sign "–EK"), an e-mail written with
    # spaces or words for its marks, a street whose name is a number or whose word is "Terr",
    # in capitals or in lower case, and a user name after "username is" or "my log in is".
    ("Sorted in minutes, thank you. - JOHN DOE", ["JOHN", "DOE"]),
    ("Sorted in minutes.\n— JANE SMITH", ["JANE", "SMITH"]),
    ("Brilliant help -JOHN", ["JOHN"]),
    ("Thanks so much, KEELIN MURPHY", ["KEELIN", "MURPHY"]),
    ("Regards,\nOTTILIE BRANDAUER", ["OTTILIE", "BRANDAUER"]),
    ("Could you DM me details on how I could assist you? –EK", ["EK"]),
    ("Please write to jane@example .com instead", ["jane", "example"]),
    ("Please write to jane @ example.com instead", ["jane", "example"]),
    ("Please write to jane@ example.com instead", ["jane", "example"]),
    ("Please write to jane.doe@example. co.uk instead", ["jane", "doe", "example"]),
    ("my email is jane dot doe at example dot com", ["jane", "doe", "example"]),
    ("my email is jane.doe at gmail dot com", ["jane", "doe", "gmail"]),
    ("write to jane at example dot co dot uk", ["jane", "example", "uk"]),
    ("jane(at)example(dot)co(dot)uk", ["jane", "example", "uk"]),
    ("My mailing address is 3003 E 107 Terr  Kansas City MO 64137", ["3003 E 107 Terr"]),
    ("it is at 758 P Ocampo ST. Malate, Manila", ["758 P Ocampo ST"]),
    ("it went to 12 b baker st by mistake", ["12 b baker st"]),
    ("the van stopped at 3003 e 107 terr, not mine", ["3003 e 107 terr"]),
    ("it went to 42 elm ln instead", ["42 elm ln"]),
    ("username is jsmith", ["jsmith"]),
    ("my log in is jsmith", ["jsmith"]),
    ("the user name is jsmith but it says no", ["jsmith"]),
]

# Ordinary words that are also names, and keywords of accounts followed by no user name.
MUST_KEEP: list[str] = [
    "I will call you tomorrow",
    "thanks will do",
    "@comcastcares Will do",
    "@AmericanAir Will they reimburse?",
    "May I have your ticket number, please?",
    "please mark as read",
    "my bill is wrong again",
    "hope it helps",
    "thanks, hope it helps",
    "by the grace of god it arrived",
    "i may be late",
    "i will sue you",
    "thank you per your email",
    "max speed is too low",
    "i spoke to someone yesterday",
    "i spoke to your manager",
    "this is ridiculous",
    "i'm sure it will be fine",
    "hi there, my app crashes",
    "thanks again for nothing",
    "my name is not on the account",
    "my name is spelled wrong",
    "my login is broken",
    "my username is not working",
    "my login is disabled",
    "my username is taken",
    "instagram is down again",
    "Amazon Twitter is staffed by the same people",
    "username and password please",
    "I tried to log in 3 times",
    "my username is the same as before",
    # The same words where they name no one and nothing.
    "my login is broken again",
    "my login is jammed",
    "my login was fine yesterday",
    "my login is the problem",
    "my gamertag is showing as offline",
    "My Gamertag Is Missing From My Profile",
    "my gamertag is not loading",
    "by grace of god it came",
    "mark it as read please",
    "please mark the ticket as solved",
    "grace period is over and i was charged",
    "you have 12 days to return it",
    "i live in a flat with no lift",
    "we waited 3 hours on the street",
    "it took 2 weeks to reach my road",
    "i will mark my calendar",
    "did you ship to the right address?",
    "it was delivered to 3 different neighbours",
    "Deliver to 2 locations at once?",
    "my son will call you tomorrow",
    "i am will-ing to wait",
    "this is mark two of the device",
    "Good morning, team! Any update?",
    "Good morning! Is the store open?",
    "this is my account, not yours",
    "Xbox is my favourite console",
    "The 22.12 train left early. 2/2",
    "I need to get from Lima to Cebu, Philippines.",
    "We landed in Portland, Maine.",
    "@AmazonHelp where is my parcel, Amazon?",
    "I need it fixed, Now!",
    "I've asked three times, Seriously.",
    "@united, Understandable. I tried twice",
    "all flights for tomorrow, Feb. 23, are cancelled",
    # Capitalised words where a name would stand, that name a company, product, day or team.
    "Apple told me to reinstall it",
    "Monday said it would ship",
    "Amazon said it would arrive today",
    "Customer Service told me to wait",
    "The app said my card was declined",
    "Someone told me to call back",
    "Everyone says the same thing",
    "I spoke to Apple and they said no",
    "I spoke to Prime Video support twice",
    "Prime Video keeps buffering",
    "I asked for Express delivery",
    "Will you help me?",
    "Grace period ended yesterday",
    "My Mum told me to ask",
    "Google says the page is down",
    "Then Netflix said my card expired",
    "The Manager said no",
    "Apple Support said to reset it",
    "Virgin Media said no refund",
    "Bank of America told me to wait",
    "@Zalando_UK Zalando said it was sent",
    "I asked for Priority Boarding",
    "Hotel said the room was ready",
    "you need to speak to Kuwait Airlines directly",
    "Rest assured, your feedback is passed on",
    "Was told it would ship today. We've said it twice",
    "#SanDiego to #StLouis, then San Diego again",
    "#thanksJetBlue #RipOffs",
    # Underscores in code and file names, hashtags of no one, carets of no one.
    "error code ERR_CONNECTION_REFUSED again",
    "the file IMG_2041.jpg won't upload",
    "set max_retries and user_id in the config",
    "#BlackFriday deals are broken",
    "#ThanksForNothing #CustomerService",
    "#PrayForParis",
    "my_account page shows snake_case",
    "2^10 is 1024",
    "lol ^_^",
    "Is the app down? ^^",
    # Capitals ending a text that are places, acronyms or words, not anyone's initials.
    "Fastest delivery I've had -NY",
    "Best support in the whole -USA",
    "Shipping is free -UK",
    "Prices include VAT -EU",
    "Will call back tomorrow /PS",
    "Refund landed, all good -OK",
    "the hold music though -LOL",
    "You can track it in the app -FYI",
    "please fix it -ASAP",
    "New date for the launch -TBD",
    "Store opens at 9 -AM",
    "Last orders at 5 -PM",
    "Maintenance tonight at 2 -GMT",
    "Your parcel arrives Friday -ETA",
    # Sign-off words that sign nothing, and a company sending its thanks.
    "Signed, sealed, delivered",
    "Signed, Sealed, Delivered!",
    "Cheers from all of us at Acme",
    "Cheers from the team at Acme",
    "Love from Apple",
    # A sign-off "from" a place or an organisation: where the writer is, who sends it.
    "Love from London",
    "Love from New York",
    "Best wishes from Canada",
    "Hugs from Dublin xx",
    "Love from Leeds and the kids",
    "Cheers from Acme Ltd",
    "Thanks from the Acme team",
    # Numbers that are no postcode, and places after a sentence that signs no one.
    "I waited 3 days",
    "order placed in 2026",
    "room 101 was cold",
    "Flight BA 2490 to Paris",
    "We walked 10000 steps in London",
    "Great service. Best Buy, Chicago",
    "Thanks again. Kuala Lumpur, Malaysia",
    "Back in London, 2026 was our best year",
    # Capitals after a dash that sign no one, "at … dot" that is no address, numbers before
    # a word a street may end with that name no street, an account's word and its state.
    "I was promised a full refund - NOT HAPPENED!",
    "Love the new app - GAME CHANGER",
    "Worst service ever - NEVER AGAIN",
    "Fixed it for me - THANK YOU",
    "The hold music - WILL DO",
    "I looked at example dot points",
    "look at the menu dot com is down",
    "A First Weekend Upgrade for £7.50 each way",
    "unavailable due to maintenance until 3:00 AM CT",
    "we drove 2 miles down the road",
    "I look forward to the 240 kms drive to the office",
    "rented van drove to toledo. 5 hr drive.",
    "booked the 2 pm st louis flight",
    "username is required",
    "username is case sensitive",
    "the username is your email address",
    "my log in is not working",
    "username is too long",
    "@117154 Having access to your Apple ID is important.",
]


@pytest.mark.parametrize(("text", "personal"), MUST_REDACT)
def test_names_and_user_names_in_context_are_redacted(text: str, personal: list[str]) -> None:
    redacted = redact(text).text
    for piece in personal:
        assert piece not in redacted, (text, redacted)
    assert "[" in redacted


@pytest.mark.parametrize("text", MUST_KEEP)
def test_ordinary_words_that_are_also_names_stay(text: str) -> None:
    taken = [s.text for s in redact(text).spans if not s.text.startswith("@")]
    assert taken == [], text  # a reply's opening @mention goes, as every @handle does


def test_an_agent_thanked_in_lower_case_keeps_their_name_but_not_when_it_signs() -> None:
    staff = StaffNames.of(["Maria Lopez"])
    assert redact("thanks so much, maria", staff=staff).text == "thanks so much, maria"
    assert redact("my name is maria too", staff=staff).text == "my name is [name] too"


def test_a_signature_goes_with_the_mark_before_it() -> None:
    """ "^ACM" and "-KW" left a stray "^[name]" / "-[name]" on the wall: the caret or dash
    only says "signed by", so it goes with the initials."""
    for text, redacted in [
        ("Sorted in minutes ^ACM", "Sorted in minutes [name]"),
        ("Try the app. ^Clarissa", "Try the app. [name]"),
        ("Please DM us your email ^JB https://t.co/x1", "Please DM us your email [name] [link]"),
        ("Glad we could help! -KW", "Glad we could help! [name]"),
        ("Anything else? *TJN 2/2", "Anything else? [name] 2/2"),
    ]:
        assert redact(text).text == redacted, text


def test_a_sign_off_joined_to_the_name_by_a_dash_goes_with_the_dash() -> None:
    """ "Thanks-Sam" reached the wall as "Thanks-[name]": the dash only joins the sign-off to
    the name, so it goes with the name, as in "- Jayne", and a space keeps the words apart."""
    for text, redacted in [
        ("Thanks-Sam", "Thanks [name]"),
        ("Many thanks-Hedda!", "Many thanks [name]!"),
        ("Cheers–Ottilie", "Cheers [name]"),
        ("Great fix. Thanks-Jo and Sam", "Great fix. Thanks [name] and [name]"),
        ("Thanks, Sam", "Thanks, [name]"),
        ("Cheers from Jo in London", "Cheers from [name] in London"),
        ("Love from Hedda and the kids", "Love from [name] and the kids"),
    ]:
        assert redact(text).text == redacted, text
        assert redact(redact(text).text).text == redacted, text  # publishing redacts again


def test_an_agent_named_in_context_or_a_hashtag_keeps_their_first_name() -> None:
    staff = StaffNames.of(["Jeanine Okafor", "Priya Shah"])
    for text in ("I spoke to Jeanine and she fixed it", "Jeanine told me it was sorted"):
        assert redact(text, staff=staff).text == text
    assert redact("#ThankYouPriya", staff=staff).text == "#ThankYouPriya"
    assert redact("#ThankYouPriya").text == "#ThankYou[name]"


# ---------------------------------------------------------------- outside text


# What a hand check of every redacted message found to be a person's name: agents' names
# and signatures, customers greeted by name. Any other name or user-name span is counted as
# a false redaction (a city, an aircraft, a company, "Will" the verb…).
_CHECKED = """Keelin Angela Sreejit Helen Eric Christine Becky Wendss Kirsty Sabi Jenny Chris Mary
    Ashley Jane Jen Oliver Sara Andy Ellen Jin Yen Anwar Alex Pete Raj Naomi Gemma Natalie
    Julie Portia John Dan Kevin Hannah Calum Bruce Angel Robbie Luke James Steven
    Vicky Jayne Tracey Skylar Mona Gilbert Thamim Clarissa Asmita Kit Jo Taweel Seth_tubbs
    Example Legacy CaptainClare uroller1950"""  # user names: a gamer tag of two words and more
CHECKED_NAMES = frozenset(_CHECKED.split())
# Agents' initials signing a reply ("^ACM", "*TJN 2/2", "/RS"): each one in the 400 was read.
INITIALS = re.compile(r"[A-Z]{2,4}")
SIGN_MARK = re.compile(r"^[-—–~^*/]\s*")  # a signature's span takes its mark ("^ACM", "- Jayne")
# False name and user-name redactions in that hand check of these 400 messages: Airasia and
# Size (companies greeted), Charlotte twice, prince William county and Charles de Gaulle
# (places), a 737 Max, "I'm Waiting", Tom Tom (a brand, two spans). Before lower-case names
# and user names were added there were 12: "Will do" and "Hope your…" after a reply's
# @mention were taken as names too. Names spoken to ("sorry to hear that, Mona."), signatures
# before a part mark ("Regards, Vicky 3/3") and "uroller1950 is my account" added 9 true spans
# and no false one (the misses were found reading all 400, so this set flatters them).
# Agents' initials ("^ACM", "*TJN", "/RS": 68), names after a caret (4), a bare user name
# with underscores and "#KevinTaweel" added 75 more true spans and no false one; these 400
# were read while writing those rules, and so were 18,938 other twcs and airline tweets. On
# 900 messages that were not (twcs rows 12, 37, 62…, 300 airline tweets, the kudos fixtures)
# they added 34 true spans (30 initials) and none false, and "San" now keeps "Miguel".
# Sign-offs phrased more freely ("Hugs from Margit", "Cheers from Jo and Sam") and the
# stoplist of capitals that are no one's initials ("-NY", "-LOL") changed nothing in these
# 400; on twcs' first 5,000 and all 14,640 airline tweets they add 2 true spans ("Thanks-Emir",
# "- Carrie!") and take no initials back (none there is on the stoplist). Places and
# companies kept after a sign-off's "from", where the signer is ("Jo in London"), a relative's
# word before a signer's name and "Ta" changed nothing in these 400, nor in those 19,641
# tweets, but for 5 signatures joined by a dash ("Thanks-Emir"), whose dash now goes too.
# Signatures followed by where the writer lives ("Jean-Pierre Dubois, 75011 Paris") and
# postcodes next to a town, street or state changed nothing in these 400; on twcs' first
# 5,000, the twcs Kaggle sample and all 14,640 airline tweets they add 3 spans, all ZIP codes of
# customers' addresses, and take none back.
# Signatures in capitals ("- JOHN DOE", "Thank you. UO."), initials after an en dash ("–EK"),
# e-mails broken by spaces or written in words, "Terr" and streets in lower case or capitals
# ("12 b baker st", "758 P Ocampo ST") and "username is jsmith" changed nothing in these 400;
# on twcs' first 5,000 and all 8,706 TweetSumm turns they changed 16 messages, each read: 14
# agents' initials and 2 street lines (a customer's, a ticket office's), and on the twcs
# Kaggle sample and all 14,640 airline tweets none.
FALSE_REDACTIONS_MEASURED = 10


def _outside_messages() -> list[str]:
    """200 tweets of twcs (every 25th of its first 5,000) and 200 TweetSumm turns (the
    first by SHA-1 of their text): customers' and agents' words alike."""
    twcs = shared_data("twcs-sample", "twcs_first5000.csv")  # skips, saying why, when absent
    tweetsumm = shared_data("tweetsumm", "dialog_text", "twitter.json")
    with twcs.open(encoding="utf-8", newline="") as f:
        tweets = [row["text"] for row in csv.DictReader(f)][::25][:200]
    turns = [
        part.strip()
        for doc in json.loads(tweetsumm.read_text(encoding="utf-8"))["document"]
        for part in re.split(r"^\t(?:Customer|Agent):\t", doc, flags=re.M)[1:]
    ]
    turns.sort(key=lambda t: hashlib.sha1(t.encode(), usedforsecurity=False).hexdigest())
    return tweets + turns[:200]


@pytest.mark.shared_data
def test_real_support_text_loses_few_words_that_are_not_personal_data() -> None:
    false = [
        (SIGN_MARK.sub("", span.text), text)
        for text in _outside_messages()
        for span in redact(text).spans
        if span.kind in ("name", "handle")
        and not span.text.startswith(("@", "u/"))
        and not set(SIGN_MARK.sub("", span.text).split()) <= CHECKED_NAMES
        and not INITIALS.fullmatch(SIGN_MARK.sub("", span.text))
    ]
    assert len(false) <= FALSE_REDACTIONS_MEASURED, false


def test_a_signature_followed_by_where_the_writer_lives_goes_but_the_place_stays() -> None:
    """ "Merci Zoë ! Jean-Pierre Dubois, 75011 Paris" reached the wall whole: a signature
    counted only at the text's very end, so ", Paris" or ", 90210" after it kept the name,
    and a postcode of digits was never taken. The agent thanked stays; the place stays."""
    staff = StaffNames.of(["Zoë Martin", "Kenji Sato"])
    for text, redacted in [
        ("Merci Zoë ! Jean-Pierre Dubois, 75011 Paris", "Merci Zoë ! [name], [address] Paris"),
        ("Thanks Kenji! Jean-Pierre Dubois, Paris", "Thanks Kenji! [name], Paris"),
        ("Great help. Sam O'Neill, 90210", "Great help. [name], [address]"),
        ("Thanks Kenji! Jean-Pierre Dubois", "Thanks Kenji! [name]"),
        ("Thanks Kenji! Priya D'Souza, Leeds, UK", "Thanks Kenji! [name], Leeds, UK"),
    ]:
        assert redact(text, staff=staff).text == redacted, text
        assert redact(redacted, staff=staff).text == redacted, text  # publishing redacts again


def test_a_postcode_goes_by_its_shape_or_next_to_an_address() -> None:
    for text, redacted in [
        ("Sent from London SW1A 1AA", "Sent from London [address]"),
        ("our office, EC1V 9HX", "our office, [address]"),
        ("it came back to Ottawa K1A 0B6", "it came back to Ottawa [address]"),
        ("moved to Chicago, IL 60614-1234 last year", "moved to Chicago, IL [address] last year"),
        ("we're at 10115 Berlin now", "we're at [address] Berlin now"),
        ("posted to 1012 AB Amsterdam", "posted to [address] Amsterdam"),
        ("12 rue de Rivoli 75001 Paris", "[address] [address] Paris"),
    ]:
        assert redact(text).text == redacted, text


def test_a_town_before_its_state_and_zip_code_is_no_signature() -> None:
    """Found in real tweets: "Long Beach, CA 90803" on an address's line read as a name
    signing the text; the ZIP code goes, the town stays."""
    text = "6290 E Pacific Coast Hwy\nLong Beach, CA  90803"
    assert redact(text).text == "[address]\nLong Beach, CA  [address]"


def test_a_signature_in_capitals_goes_with_its_mark_and_an_e_mail_in_words_goes_whole() -> None:
    """ "- JOHN DOE" and "–EK" reached the wall whole (a name in capitals matched no rule,
    initials only after a hyphen), and "jane at example dot co dot uk" as "[email] dot uk"."""
    for text, redacted in [
        ("Sorted in minutes. - JOHN DOE", "Sorted in minutes. [name]"),
        ("Thanks - JOHN DOE!", "Thanks [name]!"),
        ("Regards,\nOTTILIE BRANDAUER", "Regards,\n[name]"),
        ("How could I assist you? –EK", "How could I assist you? [name]"),
        ("write to jane @ example.com please", "write to [email] please"),
        ("write to jane@example .com please", "write to [email] please"),
        ("write to jane at example dot co dot uk", "write to [email]"),
        ("jane dot doe at example dot com", "[email]"),
    ]:
        assert redact(text).text == redacted, text
        assert redact(redacted).text == redacted, text  # publishing redacts again


# Found by running the rules on wall drafts: a sign-off after "--" or alone on the last line,
# and names beyond ASCII that no list holds, reached the wall whole. Each piece must go; the
# agent's first name stays.
SIGNATURES_AND_NAMES_ABROAD: list[tuple[str, str]] = [
    ("thanks maria!! -- sarah", "thanks [name]!! -- [name]"),
    ("Sorted in minutes -- Keelin", "Sorted in minutes [name]"),
    ("Brilliant help --- Ottilie!", "Brilliant help [name]!"),
    ("all fixed, ta -- emma", "all fixed, ta -- [name]"),
    ("Great help, thank you!\nKeelin", "Great help, thank you!\n[name]"),
    ("So patient with me.\n  Ingeborg x", "So patient with me.\n  [name] x"),
    ("lovely service\nsarah", "lovely service\n[name]"),
    ("Merci beaucoup Élodie Durand", "Merci beaucoup [name]"),
    ("Grüße, Jürgen Müller", "Grüße, [name]"),
    ("Liebe Grüße\nJürgen", "Liebe Grüße\n[name]"),
    ("Danke schön, Jürgen!", "Danke schön, [name]!"),
    ("Muchas gracias, Íñigo Pérez", "Muchas gracias, [name]"),
    ("Cordialement, Hélène", "Cordialement, [name]"),
    ("Maya was kind to Małgorzata Wójcik and me", "Maya was kind to [name] and me"),
    ("Inès de la Fuente loved the refund", "[name] loved the refund"),
    ("Søren Kierkegaard says thank you", "[name] says thank you"),
]
# … while the places, companies and words beside them stay.
ABROAD_KEPT = [
    "Merci Beaucoup!",
    "Vielen Dank für die schnelle Hilfe",
    "Schöne Grüße aus München",
    "We flew to São Paulo and back",
    "Stuck at Zürich Airport for hours",
    "The Café Rouge staff were lovely",
    "Société Générale Bank was slow",
    "Great service - highly recommended",
    "Thanks!\nCheers",
    "Thank you so much!\nAmazing",
    "Really helpful -- 10/10",
    "You've still got me hooked. (for now!)\nPeace.",
    "I am asking for a refund.\nRespectfully",
    'Wähle die Kategorie "Bücher Fremdsprachig" aus',
    "¿Ya entraste en contacto con nuestro Servicio de Atención al Cliente?",
]


@pytest.mark.parametrize(("text", "redacted"), SIGNATURES_AND_NAMES_ABROAD)
def test_a_signature_after_dashes_or_on_the_last_line_and_names_abroad_go(
    text: str, redacted: str
) -> None:
    staff = StaffNames.of(["Maya Lopez"])
    assert redact(text, staff=staff).text == redacted
    assert redact(redacted, staff=staff).text == redacted  # publishing redacts again


@pytest.mark.parametrize("text", ABROAD_KEPT)
def test_places_companies_and_words_beside_those_names_stay(text: str) -> None:
    assert redact(text).text == text


def test_an_agent_named_beyond_ascii_keeps_her_first_name_but_not_her_surname() -> None:
    staff = StaffNames.of(["Élodie Martin"])
    kept = "Merci Élodie, vous êtes géniale"
    assert redact(kept, staff=staff).text == kept
    assert redact("Élodie Martin fixed it", staff=staff).text == "Élodie [name] fixed it"


# ---------------------------------------------------------------- user names after cues

# A user name said after the words that give it ("user: jsmith", "logged in as jsmith")
# reached the wall whole: only "username is …", a colon after "username", or a name shaped as
# one ("j.smith_88") were read as a user name. The name goes; the words before it stay.
USER_NAMES_AFTER_CUES: list[tuple[str, str]] = [
    ("user: jsmith", "user: [handle]"),
    ("User = jsmith", "User = [handle]"),
    ("My user name: jsmith", "My user name: [handle]"),
    ("username jsmith", "username [handle]"),
    ("Username - jsmith", "Username - [handle]"),
    ("user name jsmith, can you reset it?", "user name [handle], can you reset it?"),
    ("account name jsmith", "account name [handle]"),
    ("account name j.smith_88", "account name [handle]"),
    ("login name tkowalski please unlock", "login name [handle] please unlock"),
    ("my username jsmith doesn't work", "my username [handle] doesn't work"),
    ("my login is jsmith", "my login is [handle]"),
    ("my login's jsmith", "my login's [handle]"),
    ("My username’s jsmith and it's locked", "My username’s [handle] and it's locked"),
    ("logged in as jsmith", "logged in as [handle]"),
    ("I'm logged in as jsmith and it still fails", "I'm logged in as [handle] and it still fails"),
    ("i was logged in as tkowalski yesterday", "i was logged in as [handle] yesterday"),
    (
        "signed in as mlopez but it shows someone else",
        "signed in as [handle] but it shows someone else",
    ),
    ("when I sign in as jsmith nothing loads", "when I sign in as [handle] nothing loads"),
    ("Logged on as JSmith88, same error", "Logged on as [handle], same error"),
    ("currently signed-in as jsmith.", "currently signed-in as [handle]."),
    ("I logged into my account as jsmith", "I logged into my account as [handle]"),
    ("logged in as Kate Brown on the app", "logged in as [handle] on the app"),
    ("user: John Smith", "user: [handle]"),
    ("account name Liang Wenhui and phone number", "account name [handle] and phone number"),
]

# The same cues before words that name no one: articles, pronouns, roles, ways of saying
# how ("as usual"), and phrasings like those that follow them in real support text, Reddit
# comments and complaint narratives ("… as subscription owner", "username checks out").
WORDS_AFTER_CUES: list[str] = [
    "logged in as an admin",
    "logged in as a guest",
    "logged in as admin and it worked",
    "logged in as guest",
    "logged in as him to check",
    "logged in as usual this morning",
    "logged in as normal",
    "logged in as myself",
    "logged in as someone else",
    "logged in as the owner",
    "logged in as my wife",
    "logged in as requested",
    "logged in as soon as it opened",
    "signed in as per the instructions",
    "signed in as another user",
    "signed in as plan owner",
    "logged on as family member",
    "sign in as tenant admin",
    "not signing in as of last week",
    "can't log into my account as it says locked",
    "are you signed in to the app as well?",
    "username or email",
    "account name and full address",
    "send your gamertag when you can",
    "the username field is empty",
    "my username keeps changing",
    "username doesn't work",
    "username please",
    "user: admin",
    "the user: is it me?",
    # Talk about a user name, not one given (found over Reddit comments and complaints).
    "your username checks out lol",
    "love the username btw",
    "that username though",
    "nice username man",
    "username generator",
    "you change the username by tapping forgot username",
    "Account name Acct # unknown",
]


@pytest.mark.parametrize(("text", "redacted"), USER_NAMES_AFTER_CUES)
def test_a_user_name_after_the_words_that_give_it_goes(text: str, redacted: str) -> None:
    assert redact(text).text == redacted
    assert redact(redacted).text == redacted  # publishing redacts again


@pytest.mark.parametrize("text", WORDS_AFTER_CUES)
def test_the_words_after_a_login_cue_that_name_no_one_stay(text: str) -> None:
    assert redact(text).text == text


# ---------------------------------------------------------------- e-mails in words

# "I signed up at gmail dot com" reached the wall as "I signed [email]": the e-mail written in
# words took "up" as its local part. A word of prose before "at" (a particle, a pronoun, a
# place one is at) is no address's local part, and a domain alone names no one.
NOT_LOCAL_PARTS: list[str] = [
    "I signed up at gmail dot com",
    "I signed in at outlook dot com and it failed",
    "email me at gmail dot com",
    "I'm at work dot com all day",
    "it was sent to us at yahoo dot com",
    "I ordered it online at amazon dot com",
    "The console goes on sale for members only at Target dot com tomorrow",
    "Log back in at hotmail dot co dot uk",
]
LOCAL_PARTS: list[tuple[str, str]] = [
    ("john at gmail dot com", "[email]"),
    ("j dot smith at outlook dot com", "[email]"),
    ("I signed up as john at gmail dot com", "I signed up as [email]"),
    ("write to me: jane99 at yahoo dot co dot uk", "write to me: [email]"),
    ("it's up dot north at gmail dot com", "it's [email]"),
]


@pytest.mark.parametrize("text", NOT_LOCAL_PARTS)
def test_a_word_of_prose_before_at_is_no_e_mail(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize(("text", "redacted"), LOCAL_PARTS)
def test_an_e_mail_in_words_still_goes_whole(text: str, redacted: str) -> None:
    assert redact(text).text == redacted


# ---------------------------------------------------------------- more cues for a user name

# Other ways of saying which account: "logged in under jsmith", "log in with jsmith", "my user
# is jsmith", "acct name jsmith", "login is jsmith" reached the wall whole: only "as" after
# signing in, "account" spelt out and "my login is" were read as giving a user name.
USER_NAMES_AFTER_MORE_CUES: list[tuple[str, str]] = [
    ("logged in under jsmith", "logged in under [handle]"),
    ("I signed in under tkowalski yesterday", "I signed in under [handle] yesterday"),
    ("I logged into my account under jsmith", "I logged into my account under [handle]"),
    ("signed up under jsmith last year", "signed up under [handle] last year"),
    ("log in with jsmith", "log in with [handle]"),
    ("I can't sign in with jsmith.", "I can't sign in with [handle]."),
    ("logging on with JSmith88 fails", "logging on with [handle] fails"),
    ("my user is jsmith", "my user is [handle]"),
    ("My user's jsmith and it's locked", "My user's [handle] and it's locked"),
    ("acct name jsmith", "acct name [handle]"),
    ("Acct. name: jsmith", "Acct. name: [handle]"),
    ("my acct name is jsmith", "my acct name is [handle]"),
    ("acct id: jsmith", "acct id: [handle]"),
    ("login is jsmith", "login is [handle]"),
    ("acct login is jsmith", "acct login is [handle]"),
    ("the login was tkowalski", "the login was [handle]"),
]

# Prose those cues stand in: how one signs in ("with my phone", "with Google", "with face
# id"), in what state ("under duress", "with ease"), what the user or the login is like.
WORDS_AFTER_MORE_CUES: list[str] = [
    "I logged in under duress",
    "logged in under my husband's account",
    "signed up under the old plan",
    "signed up under false pretenses",
    "signed up under pressure from the salesman",
    "signed in under a different email",
    "log in with my phone",
    "log in with google",
    "sign in with Facebook",
    "signed in with apple and it failed",
    "logged in with face id",
    "log in with touch id",
    "log in with fingerprint",
    "log in with password",
    "log in with username and password",
    "I can log in with ease",
    "I could log in with no problem",
    "log in with 2fa",
    "sign in with sso",
    "log in with both accounts",
    "logged in with some difficulty",
    "signed up with Kovo last year",
    "signed up with spectrum last year",
    "signed up with hbo max",
    "logged in with incognito",
    "sign in with passkey",
    "signed up with some program",
    "signed on with XXXX XXXX",
    "logged into my account with the right password",
    "log in it with great difficulty",
    "my user experience",
    "my user is locked",
    "my user is an admin",
    "my user is admin",
    "my user is experiencing issues",
    "my user is unable to log in",
    "the login is slow",
    "login is easy",
    "login is required",
    "login is simple now",
    "acct name and address",
    "signed up as volunteer",
]


@pytest.mark.parametrize(("text", "redacted"), USER_NAMES_AFTER_MORE_CUES)
def test_a_user_name_after_more_cues_goes(text: str, redacted: str) -> None:
    assert redact(text).text == redacted
    assert redact(redacted).text == redacted  # publishing redacts again


@pytest.mark.parametrize("text", WORDS_AFTER_MORE_CUES)
def test_the_words_after_more_cues_that_name_no_one_stay(text: str) -> None:
    assert redact(text).text == text


# "@united...do you still have" reached the wall as "[handle] you still have", and "I
# signed up with you....Since day 1" as "… with [handle] day 1": a user name may hold a
# dot, never two in a row, which join words as an ellipsis (found on the outside text
# by ``benchmarks/redaction_outside.py``).
ELLIPSES_AFTER_USER_NAMES: list[tuple[str, str]] = [
    ("@united...do you still have", "[handle]...do you still have"),
    ("@AmericanAir..still here.", "[handle]..still here."),
    ("Since I signed up with you....Since day 1", "Since I signed up with you....Since day 1"),
    ("logged in as jsmith...then it froze", "logged in as [handle]...then it froze"),
    ("my username is j.smith...and it fails", "my username is [handle]...and it fails"),
    ("@jo.smith said hi", "[handle] said hi"),
]


@pytest.mark.parametrize(("text", "redacted"), ELLIPSES_AFTER_USER_NAMES)
def test_an_ellipsis_after_a_user_name_is_no_part_of_it(text: str, redacted: str) -> None:
    assert redact(text).text == redacted
