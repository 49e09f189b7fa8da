"""The voices of the demo: how customers in each mood and the agents answering them talk.

The issue catalogue says *what* a conversation is about; these phrases say *how* it is said.
Keeping the two apart multiplies variety (every issue in every mood on every channel) while
each piece stays small enough to read and fix. Negativity is deliberately graded, from a calm
complaint to the rare abusive message, because the signals, drills and morale features are
only convincing when the demo has the whole range.
"""

from __future__ import annotations

MOODS: tuple[str, ...] = (
    "calm",
    "confused",
    "anxious",
    "frustrated",
    "angry",
    "abusive",
    "grateful",
)
# Share of first contacts opening in each mood (in MOODS order): ~45% calm, ~10% anxious or
# confused, ~20% frustrated, ~8% angry, ~2% abusive, ~15% grateful.
MOOD_WEIGHTS: tuple[float, ...] = (45, 5, 5, 20, 8, 2, 15)
# A repeat contact is rarely in a good mood.
REPEAT_MOOD_WEIGHTS: tuple[float, ...] = (30, 3, 5, 42, 14, 3, 3)
NEGATIVE_MOODS: tuple[str, ...] = ("frustrated", "angry", "abusive")

# ------------------------------------------------------------------ customer, first turn
PREFIXES: dict[str, tuple[str, ...]] = {
    "calm": ("", "", "", "Hope you're well.", "Quick question.", "I wonder if you can help."),
    "confused": (
        "Sorry if this is a silly question.",
        "I'm a bit confused.",
        "Not sure if I'm doing something wrong here.",
        "I'm not very techy, sorry.",
    ),
    "anxious": (
        "I'm quite worried about this.",
        "Sorry to bother you, but this is urgent.",
        "Please help.",
        "",
    ),
    "frustrated": (
        "Not happy, I'm afraid.",
        "Honestly, this is getting old.",
        "",
        "Not impressed so far.",
    ),
    "angry": (
        "This is ridiculous.",
        "I am absolutely fuming.",
        "Unbelievable.",
        "What is going on with your company?",
    ),
    "abusive": (
        "Are you people completely incompetent?",
        "What a joke of a company.",
        "Listen, because I'm only saying this once.",
    ),
    "grateful": (
        "First of all, love the product!",
        "Hope you're having a good day :)",
        "You've always been great, so I'm sure you can help.",
        "",
    ),
}
SUFFIXES: dict[str, tuple[str, ...]] = {
    "calm": (
        "Could you take a look, please?",
        "Can you help?",
        "Thanks in advance.",
        "What should I do?",
        "I'd appreciate an update.",
        "Could someone look into this? Thanks.",
        "",
    ),
    "confused": (
        "Am I missing something?",
        "What am I supposed to do now?",
        "I don't really understand what's happening.",
        "Any idea what I'm doing wrong?",
    ),
    "anxious": (
        "I really need this sorted today, I have {stake}.",
        "Please let me know as soon as you can.",
        "I'm worried I've lost something important.",
        "Is my account safe?",
    ),
    "frustrated": (
        "This is getting really frustrating.",
        "I've already wasted an hour on this.",
        "Can someone actually fix this, please?",
        "I expected better, to be honest.",
        "Really not impressed.",
    ),
    "angry": (
        "Sort it out NOW.",
        "This is completely unacceptable!",
        "I've been a customer for {years} years and this is how you treat me??",
        "Fix this today or I'm cancelling and leaving a review everywhere I can.",
        "I want this fixed and I want compensation.",
    ),
    "abusive": (
        "Fix it, you useless lot.",
        "Don't give me your scripted crap, just fix it.",
        "Honestly, what kind of idiots run this place?",
        "If this isn't fixed today I'll make sure everyone knows what a pathetic joke you are.",
    ),
    "grateful": (
        "No rush at all, thanks so much!",
        "Thanks a million in advance.",
        "Appreciate any help!",
        "Thanks, you're always really helpful.",
    ),
}
STAKES: tuple[str, ...] = (
    "a presentation tomorrow morning",
    "invoices to send to clients today",
    "my rent going out on Friday",
    "family staying with us this weekend",
    "an exam to study for",
    "a job interview on video tomorrow",
)

EMAIL_GREETINGS: tuple[str, ...] = (
    "Hi,",
    "Hello,",
    "Hi there,",
    "Dear Poise support,",
    "Good morning,",
    "Hello team,",
)
EMAIL_SIGNOFFS: dict[str, tuple[str, ...]] = {
    "calm": ("Thanks,", "Best regards,", "Kind regards,", "Thank you,"),
    "confused": ("Thanks,", "Many thanks,"),
    "anxious": ("Thanks,", "Thank you so much,"),
    "frustrated": ("Regards,", ""),
    "angry": ("", "Regards,"),
    "abusive": ("",),
    "grateful": ("Many thanks!", "Cheers,", "Best wishes,"),
}
CHAT_GREETINGS: tuple[str, ...] = ("hi", "Hi!", "Hello,", "hey", "Hi there.", "", "")
PHONE_OPENERS: tuple[str, ...] = (
    "Hi, yes, I'm calling because",
    "Yeah, hi. I'm ringing because",
    "Hello, um, so",
    "Hi there. I'm calling because",
)
SOCIAL_HANDLE = "@PoiseHelp"

# A repeat contact starts from the earlier one. Ending in a letter or ':' continues the
# sentence (lower-case recurrence); '.', '!' or '?' starts a new one.
FOLLOW_UP_INTROS: tuple[str, ...] = (
    "I was in touch on {prev_weekday} about this and",
    "I spoke to {prev_agent} on {prev_weekday} about the same problem, and",
    "This is my {contact_ordinal} time contacting you about this:",
    "Following up on my conversation from {prev_weekday}:",
    "Me again.",
)
# A repeat contact about another problem with the same feature.
SIBLING_INTROS: tuple[str, ...] = (
    "I was in touch on {prev_weekday} about {topic}, and now there's another problem:",
    "Another problem with {topic}, I'm afraid, after the one {prev_agent} helped with on "
    "{prev_weekday}.",
    "Me again, about {topic}.",
)
FOLLOW_UP_SUBJECTS: tuple[str, ...] = (
    "Re: {subject}",
    "Still not fixed: {subject}",
    "Again: {subject}",
    "{subject}",
)

# ------------------------------------------------------------------ customer, later turns
DETAIL_PREFIXES: dict[str, tuple[str, ...]] = {
    "calm": ("Sure.", "Of course.", "", "", "Here you go."),
    "confused": ("I think so?", "Not sure I've got this right, but here goes.", "Ok."),
    "anxious": ("Ok.", "Here you go, please hurry.", "Yes."),
    "frustrated": ("Fine.", "I already wrote that, but ok.", "Again:"),
    "angry": ("I already told you this.", "Read my first message.", "Seriously?"),
    "abusive": ("Can you not read?", "Are you even listening?", "Unbelievable."),
    "grateful": ("Sure thing!", "Of course!", "Thanks!"),
}
STILL_SUFFIXES: dict[str, tuple[str, ...]] = {
    "calm": ("Anything else I can try?", "What next?", ""),
    "confused": ("Did I do it wrong?", "Not sure what else to do."),
    "anxious": ("I'm starting to panic a bit.", "What else can we try?"),
    "frustrated": (
        "This is getting ridiculous.",
        "Honestly, I'm losing patience.",
        "I've now spent my whole evening on this.",
    ),
    "angry": (
        "That's the first thing I tried, obviously!",
        "Are you actually going to fix this or not?",
        "I want to speak to a manager.",
    ),
    "abusive": (
        "Do you even know what you're doing?",
        "Useless. Absolutely useless.",
        "Put someone competent on this, for god's sake.",
    ),
    "grateful": ("Sorry to be a pain!", "Thanks for your patience with me."),
}
REACTIONS: dict[str, tuple[str, ...]] = {
    "thankful": (
        "That worked, thank you!",
        "Perfect, all sorted. Thanks {agent}!",
        "Brilliant, thanks so much for your help.",
        "Great, that's done it. Thank you!",
        "Amazing, you're a star. Thank you {agent}!",
    ),
    "relieved": (
        "Oh thank goodness, it's working. Thank you so much!",
        "Phew. That's a huge relief, thank you!",
        "It worked! Thank you, I was really worried.",
    ),
    "neutral": (
        "Ok, thanks.",
        "Got it, thanks.",
        "That seems to have worked.",
        "Perfect, thanks.",
        "Great, thanks.",
    ),
    "grudging": (
        "Fine. It works now. Took long enough.",
        "Ok. Would have been nice not to have to chase this.",
        "Finally.",
        "Right. Let's hope it stays fixed this time.",
    ),
    "turnaround": (
        "Ok, that fixed it. Sorry I was short with you earlier, it's been a rough "
        "week. Thanks for sticking with me.",
        "Right, that's sorted. Apologies for the rant, you've been really helpful, {agent}.",
        "It works! Sorry for losing my temper earlier. Thank you for being so patient.",
    ),
    "hostile": (
        "Whatever. Don't expect me to renew.",
        "About time. Your company is still a joke.",
        "Don't bother. I'm done with you people.",
    ),
}
BYES: tuple[str, ...] = (
    "No, that's everything. Have a good day!",
    "That's all, thanks!",
    "nope, all good",
    "Thanks again!",
    "No, that's it. Cheers.",
)
NUDGES: dict[str, tuple[str, ...]] = {
    "calm": (
        "Any update on this?",
        "Just following up on my message above.",
        "Is anyone looking at this?",
    ),
    "negative": (
        "Hello? Is anyone looking at this?",
        "Still waiting to hear back...",
        "HELLO?? Anyone there?",
        "Still nothing. Great service.",
    ),
}
CHAT_EXTRAS: tuple[str, ...] = ("sorry, forgot to say:", "also", "oh and")
# Second turns in a row when there is no further detail to give.
CHAT_WAITING: tuple[str, ...] = ("hello?", "are you there?", "anyone there?", "??")
EMAIL_ADDENDA: tuple[str, ...] = (
    "Sorry, I forgot to mention: my account email is {email}.",
    "In case it helps, my account email is {email}.",
)
EMAIL_EXTRAS: tuple[str, ...] = (
    "Sorry, I forgot to mention:",
    "Quick addition to my email:",
    "One more detail:",
)
DRIFT_INTROS: tuple[str, ...] = (
    "Oh, and while I have you:",
    "One more thing, actually.",
    "Also, unrelated, but",
    "Sorry, different question:",
)

# ------------------------------------------------------------------ agents
PHONE_GREETINGS: tuple[str, ...] = (
    "Thank you for calling Poise support, you're speaking with {agent}. How can I help?",
    "Poise support, {agent} speaking. How can I help you today?",
    "Hi, thanks for calling, this is {agent}. What can I do for you?",
)
CHAT_INTROS: tuple[str, ...] = (
    "Hi {first}, I'm {agent}.",
    "Hi {first}! {agent} here.",
    "Hello {first}, thanks for waiting. I'm {agent}.",
)
SOCIAL_ASKS: tuple[str, ...] = (
    "Could you send us a DM so we can look at your account?",
    "Please send us a DM and we'll take a look.",
    "Let's move this to DMs.",
)
ACKS: dict[str, tuple[str, ...]] = {
    "calm": (
        "Thanks for getting in touch.",
        "Thanks for reaching out.",
        "Thanks for letting us know.",
        "Happy to look into this for you.",
    ),
    "confused": (
        "No silly questions here, happy to walk you through it.",
        "No problem at all, it isn't obvious, so let's figure it out together.",
        "Don't worry, this trips up a lot of people.",
    ),
    "anxious": (
        "I understand this is urgent, so let's get it sorted right away.",
        "Don't worry, your data is safe and we'll get this fixed.",
        "I can see why you're worried. I'm on it.",
    ),
    "frustrated": (
        "I'm sorry you've had to deal with this, I can see why it's frustrating.",
        "Sorry for the hassle, and thanks for your patience.",
        "That's really annoying, and I want to get it fixed for you.",
    ),
    "angry": (
        "I'm really sorry. I understand why you're upset, and I'd feel the same.",
        "You're right to be annoyed, this shouldn't have happened.",
        "I'm sorry about this. Let me take ownership and get it sorted.",
    ),
    "abusive": (
        "I can hear how frustrated you are, and I do want to fix this.",
        "I understand you're upset. I'm going to help you, and I'd ask that we keep "
        "this respectful.",
        "I'm sorry this has been so frustrating. Let's focus on getting it fixed.",
    ),
    "grateful": (
        "Thank you for the kind words, that made my day!",
        "Happy to help!",
        "Thanks so much, and good to hear from you!",
    ),
}
FOLLOW_UP_ACKS: tuple[str, ...] = (
    "I'm sorry you've had to contact us again about this.",
    "Sorry this is still causing trouble. I can see {prev_notes} notes from {prev_weekday}.",
    "Thanks for following up, and apologies that it isn't sorted yet.",
)
TRY_INTROS: tuple[str, ...] = (
    "Thanks, that helps.",
    "Thanks for checking.",
    "Got it.",
    "Thanks for the details.",
    "",
)
RETRY_INTROS: tuple[str, ...] = (
    "Sorry that didn't do it.",
    "Thanks for trying that, and sorry it didn't help.",
    "I'm sorry, let's try something else.",
)
FIX_INTROS: tuple[str, ...] = (
    "Thanks for bearing with me.",
    "Thanks, I've had a proper look.",
    "Good news, I found the cause.",
    "Thanks for your patience.",
    "",
    "",
)
BOUNDARIES: tuple[str, ...] = (
    "I want to help, but I need us to keep this respectful. Let's focus on the fix.",
    "I understand you're angry, but please don't speak to me like that. I'm here to help.",
)
DRIFT_ANSWERS: tuple[str, ...] = (
    "As for your other question:",
    "On the other thing you mentioned:",
    "And about your second question:",
)
CLOSES_WARM: tuple[str, ...] = (
    "Glad that's sorted! Is there anything else I can help with?",
    "Great to hear! Have a lovely rest of your day.",
    "You're welcome, {first}! Take care.",
    "Happy I could help. Enjoy the rest of your week!",
)
CLOSES_SORRY: tuple[str, ...] = (
    "I understand, and I'm sorry for the trouble this caused. I've passed your feedback on to "
    "the team.",
    "Thanks for your patience, and sorry again that it took this long.",
    "I'm sorry about the experience, and I've noted your feedback for the team.",
)
AGENT_EMAIL_SIGNOFFS: tuple[str, ...] = (
    "Kind regards,",
    "Best wishes,",
    "Best,",
    "Thanks,",
    "All the best,",
)
EMAIL_AGENT_LAST_LINE = "If anything else comes up, just reply to this email."

# ------------------------------------------------------------------ ratings
COMMENTS_NAMED: tuple[str, ...] = (
    "{agent} was super patient and fixed my {feature} problem in minutes!",
    "{agent} was brilliant and explained everything clearly.",
    "Thank you {agent}! Sorted in one go.",
    "Really friendly, {agent} went above and beyond.",
    "Big thanks to {agent}, quick and painless.",
    "{agent} knew exactly what the problem was.",
)
COMMENTS_POSITIVE: tuple[str, ...] = (
    "Quick and helpful, thanks!",
    "Fast answer and it worked first time.",
    "Great service as always.",
    "Easy fix, clearly explained.",
    "Very helpful, thank you",
    "Problem solved in one go. Impressed.",
    "super quick, thanks!!",
    "Friendly and efficient.",
)
COMMENTS_TURNAROUND: tuple[str, ...] = (
    "I was angry when I started, but {agent} turned it around. Thank you.",
    "{agent} stayed calm even though I was pretty annoyed. Much appreciated.",
    "Sorry for my tone earlier, the service was great.",
)
COMMENTS_NEUTRAL: tuple[str, ...] = (
    "Got there in the end.",
    "Fine, but it took a while to get a reply.",
    "Answer was ok but felt a bit scripted.",
    "Problem solved, but I had to explain it twice.",
    "ok",
    "Helpful enough, the wait was long though.",
    "Solved, but the fix should be easier to find in the app.",
)
COMMENTS_NEGATIVE: tuple[str, ...] = (
    "Nobody actually read my message.",
    "Copy-paste answers, problem not solved.",
    "Waited far too long for a reply.",
    "The agent was polite but the product is still broken.",
    "Useless.",
    "Had to chase this myself. Not good enough.",
    "Felt like talking to a wall.",
)
COMMENTS_REPEAT: tuple[str, ...] = (
    "Took {contact_count} contacts to get this sorted.",
    "Had to explain everything again from scratch.",
    "Not the first time I've had to write in about this.",
    "Same problem as last week. Fix it properly.",
)
COMMENTS_BY_FEATURE: dict[str, tuple[str, ...]] = {
    "billing": ("Still no refund. Not happy.", "Charged twice and it took ages to sort out."),
    "delivery": ("Still no router. Very disappointing.",),
    "login": ("Locked out of my own account for days.",),
    "wifi": ("Wifi still drops every evening.",),
    "firmware": ("Your update broke my network. Not impressed.",),
    "sync": ("Still missing data.",),
    "export": ("Still can't get a usable export.",),
}

# ------------------------------------------------------------------ the bad firmware release
# A real incident is not a run of calm bug reports: people lost a working day, the children's
# homework, the baby monitor, and they say so. Customers caught by the bad release open in a
# darker mood (calm, confused, anxious, frustrated, angry, abusive, grateful, as MOODS)...
INCIDENT_MOOD_WEIGHTS: tuple[float, ...] = (18, 5, 6, 34, 28, 6, 3)
# ...and the upset ones open with what the release did to them, in their own words.
INCIDENT_REPORTS: tuple[str, ...] = (
    "your {fw} update knocked every device in the house off the wifi overnight. I work from "
    "home and I've lost a whole day of work because of it.",
    "the router installed {fw} by itself and now the TV, the printer and my son's laptop can't "
    "connect. Nobody asked for this update and nobody warned us.",
    "I'm really disappointed. I paid {amount} for the Router X2 and an automatic update I never "
    "agreed to has broken it.",
    "since {fw} half of our devices are offline. I've restarted it five times, reset it once "
    "and wasted my whole evening on your mess.",
    "the {fw} update has wrecked my wifi and I'm sick of it. If it isn't fixed this week I'm "
    "sending the router back and switching to another brand.",
    "how does an update like {fw} even get released? My wifi has been useless for two days "
    "and your status page says everything is fine. Shambolic.",
    "I've been a customer for {years} years and I've never been this let down. After the {fw} "
    "update nothing connects to the 5 GHz network and nobody seems to care.",
    "the baby monitor dropped off the wifi when the router forced {fw} on us. We couldn't hear "
    "our daughter all night. I'm angry and frankly scared.",
    "I've now spent three hours in your forums and on hold about the {fw} update. Half my "
    "devices still have no wifi and nobody can tell me when it will be fixed.",
    "your update broke my wifi the night before {stake}. I'm furious.",
    "I'm fed up. Your {fw} update broke the wifi for every older device in the house and I've "
    "been on hold for an hour.",
    "worst update ever. Since {fw} my printer, TV and laptop can't get online and I've wasted "
    "two evenings on it.",
)
# The same customers coming back because the workaround did not hold.
INCIDENT_RECURRENCES: tuple[str, ...] = (
    "the {fw} problem is back. Your rollback lasted one day and I'm fed up.",
    "nothing has changed since I last wrote. My devices still can't connect after {fw} and "
    "I'm losing patience.",
    "I was promised a fix for {fw} and it still hasn't arrived. I want a refund for the router.",
    "still broken. That's {contact_count} times I've had to contact you about your update.",
)
