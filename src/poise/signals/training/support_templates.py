"""Hand-written customer-support messages, generated from templates (authored here, no licence).

Public emotion data has few *calm reports of a failed service* and few polite support
questions, which is exactly where customer-support negativity differs from general emotion.
These templates cover many industries (shops, telecoms, software, banking, travel,
utilities) so no single domain dominates; they are a supplement, weighted below real data.
"""

from __future__ import annotations

import random
import re

_SLOTS: dict[str, tuple[str, ...]] = {
    "thing": (
        "refund",
        "replacement",
        "order",
        "package",
        "invoice",
        "reply",
        "callback",
        "confirmation email",
        "new card",
        "repair",
        "delivery",
        "credit",
        "reimbursement",
    ),
    "product": (
        "router",
        "phone",
        "laptop",
        "washing machine",
        "app",
        "account",
        "card",
        "subscription",
        "headphones",
        "printer",
        "modem",
        "tv",
        "car",
        "booking",
    ),
    "service": (
        "internet",
        "subscription",
        "membership",
        "phone plan",
        "streaming plan",
        "gym membership",
        "insurance policy",
        "account",
        "trial",
    ),
    "duration": (
        "three weeks",
        "two hours",
        "5 days",
        "a month",
        "45 minutes",
        "two days",
        "over an hour",
        "10 days",
        "six weeks",
        "3 hrs",
        "all morning",
        "a week",
    ),
    "when": (
        "yesterday",
        "last week",
        "on Monday",
        "this morning",
        "two days ago",
        "last month",
        "on the 3rd",
        "since Friday",
    ),
    "action": (
        "update my address",
        "change my password",
        "cancel my order",
        "add a user",
        "download my invoice",
        "transfer money",
        "change my seat",
        "reset my pin",
        "upgrade my plan",
        "track my parcel",
        "pay my bill",
        "book an appointment",
    ),
    "topic": (
        "my bill",
        "the new plan",
        "shipping times",
        "your return policy",
        "international fees",
        "the warranty",
        "my account settings",
        "the upgrade",
    ),
    "n": ("three", "four", "five", "several", "2", "6"),
    "amount": ("20", "49.99", "150", "12", "300"),
    "agent": (
        "Sarah",
        "the agent",
        "your rep",
        "Mike",
        "the technician",
        "your team",
        "the guy on the phone",
        "Priya",
    ),
}

NEGATIVE: tuple[str, ...] = (
    "still no {thing} after {duration}",
    "I've been waiting {duration} for my {thing} and nobody has gotten back to me",
    "my {product} stopped working {when} and support hasn't helped at all",
    "you charged me twice for my {service}",
    "I was on hold for {duration} and then the call dropped",
    "I have contacted you {n} times about the same problem",
    "my {thing} was supposed to arrive {when} and it's still not here",
    "the {product} arrived broken",
    "I cancelled my {service} {duration} ago but you are still billing me",
    "nobody answers the phone",
    "the app keeps crashing every time I try to {action}",
    "I was promised a callback {when} and it never came",
    "the {service} has been down since {when}",
    "I asked for a refund {duration} ago and haven't seen a cent",
    "you lost my {thing}",
    "my {product} got cancelled without any notice",
    "{duration} delay and no explanation",
    "I can't log in and the reset link doesn't work",
    "worst customer service I have ever dealt with",
    "why is it so hard to get a straight answer",
    "really disappointed with how this was handled",
    "thanks for nothing",
    "great, another {duration} wait. thanks a lot",
    "your agent hung up on me",
    "the technician never showed up {when}",
    "I've explained this {n} times already",
    "wrong item delivered and now I have to pay for the return?",
    "I was overcharged by ${amount}",
    "tracking says delivered but I never got my {thing}",
    "I've been transferred {n} times and nobody can help",
    "{agent} told me it would be fixed {when}, it's not",
    "still waiting on my {thing}. this is ridiculous",
    "I want to speak to a manager",
    "how is it that nobody can tell me where my {thing} is",
    "the {product} you sent me doesn't work",
    "so now I have to pay a fee because of your mistake?",
    "I was told one thing and then charged something else",
    "can't believe it's been {duration} and my {thing} still hasn't been processed",
    "every time I call I get a different answer",
    "still can't {action}, been trying for {duration}",
    "nobody has responded to my emails in {duration}",
    "the {product} is a mess and I want my money back",
    "what's the point of a support line if nobody picks up",
    "your website won't let me {action} and I've tried {n} times",
    "my {thing} request was denied with no reason given",
    "the replacement {product} has the same problem",
    "I was never informed about this fee",
    "missed my appointment because of your delay",
    "you keep sending me emails I unsubscribed from {n} times",
    "I'm not happy with the {product} at all",
)
NEUTRAL: tuple[str, ...] = (
    "can you tell me how to {action}?",
    "how do I {action}",
    "what's the status of my {thing}?",
    "do you offer a discount on {topic}?",
    "I'd like to {action}",
    "is there a way to {action} online?",
    "I have a question about {topic}",
    "when will the new {product} be available?",
    "my order number is 4471, could you check it?",
    "ok, I'll try that and let you know",
    "I just sent you a DM with my details",
    "what are your opening hours on {when}?",
    "could you send me a copy of my {thing}?",
    "do I need to be at home for the {thing}?",
    "which plan includes {topic}?",
    "is it possible to {action} by phone?",
    "please {action} for me",
    "where can I find information about {topic}?",
    "what documents do I need to {action}?",
    "just checking whether my {thing} has been sent yet",
    "I'm moving next month, how do I {action}?",
    "can I {action} from the app?",
    "does the {product} come with a warranty?",
    "sure, my account email is the same as before",
    "yes that's correct",
    "I'll call back later today",
    "how long does a {thing} usually take?",
    "what is the fee for {topic}?",
)
POSITIVE: tuple[str, ...] = (
    "thank you so much for sorting out my {thing}",
    "{agent} was super helpful, thanks!",
    "great service today",
    "problem solved, thanks!",
    "really appreciate the quick response",
    "you guys are awesome",
    "the {product} works perfectly now, thank you",
    "got my {thing} {when}, thanks for the help",
    "{agent} fixed it in {duration}, brilliant",
    "thanks, that answered my question",
    "love the new {product}",
    "thanks for being so patient with me",
    "all sorted now, have a great day",
    "best support experience I've had in a while",
    "appreciate you following up {when}",
    "{agent} went above and beyond, please pass on my thanks",
)
_PREFIXES = ("", "", "", "hi, ", "hello, ", "hey ", "so ", "um ")
_SUFFIXES = ("", "", "", ".", "!", "!!", " please")
_NEG_SUFFIXES = ("", "", ".", "!", "!!", " :(", " again.", ". unacceptable.")
_SLOT = re.compile(r"\{(\w+)\}")


def _fill(template: str, rng: random.Random) -> str:
    return _SLOT.sub(lambda m: rng.choice(_SLOTS[m.group(1)]), template)


def support_messages(per_template: int = 12, seed: int = 7) -> list[tuple[str, int, str]]:
    """(text, negative, emotion) messages; emotion is one of the Poise emotion names."""
    rng = random.Random(seed)
    out: list[tuple[str, int, str]] = []
    groups = (
        (NEGATIVE, 1, "frustrated", _NEG_SUFFIXES),
        (NEUTRAL, 0, "neutral", _SUFFIXES),
        (POSITIVE, 0, "satisfied", _SUFFIXES),
    )
    for templates, negative, emotion, suffixes in groups:
        for template in templates:
            for _ in range(per_template):
                text = rng.choice(_PREFIXES) + _fill(template, rng) + rng.choice(suffixes)
                text = text[0].upper() + text[1:] if rng.random() < 0.5 else text
                out.append((text, negative, emotion))
    return list(dict.fromkeys(out))
