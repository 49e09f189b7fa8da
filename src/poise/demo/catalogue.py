"""What the demo organisation sells and what its customers write in about.

Each :class:`Issue` is one recurring support problem, written the way customers and agents
actually phrase it, so that the knowledge-base miner, FCR and the hotspot charts have real
clusters to find. Templates use ``{slot}`` fields filled per conversation (see
:data:`SLOT_NAMES`): the same order number or amount then runs through a whole thread.
"""

from __future__ import annotations

from dataclasses import dataclass

BILLING = "Billing & Accounts"
DEVICES = "Devices & Connectivity"
APP_WEB = "App & Web"
TEAMS: tuple[str, ...] = (BILLING, DEVICES, APP_WEB)

MOBILE = "Poise Mobile"
ROUTER = "Router X2"
DASHBOARD = "Web Dashboard"
PLUG = "Smart Plug Mini"

# Every slot a template may use; the generator fills all of them for every conversation.
SLOT_NAMES: tuple[str, ...] = (
    "first",
    "agent",
    "product",
    "feature",
    "order",
    "amount",
    "card",
    "plan",
    "weeks",
    "weekday",
    "device",
    "browser",
    "fw",
    "email",
    "colleague",
    "room",
    "report",
    "seats",
    "stake",
    "years",
    "prev_weekday",
    "prev_agent",
    "prev_notes",
    "contact_ordinal",
    "contact_count",
    "topic",
)
# How a customer names a feature in a sentence ("about {topic}").
TOPICS: dict[str, str] = {
    "billing": "billing",
    "login": "logging in",
    "subscription": "our subscription",
    "delivery": "my order",
    "setup": "the router setup",
    "wifi": "the wifi",
    "firmware": "the router firmware",
    "pairing": "my smart plug",
    "schedules": "plug schedules",
    "sync": "sync",
    "notifications": "notifications",
    "export": "exports",
    "reports": "reports",
    "permissions": "user access",
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One kind of problem: how customers report it and how agents answer it.

    When there are as many ``details`` as ``asks``, ``details[i]`` answers ``asks[i]``;
    otherwise every detail answers every ask. ``tries`` are first suggestions that do not
    always work (they feed the "still broken" loops that make conversations long and tempers
    short); ``fixes`` are what finally solves it; ``recurrences`` open a repeat contact;
    ``escalations`` end a conversation still pending.
    """

    key: str
    team: str
    product: str
    feature: str
    weight: float
    purpose: str
    subjects: tuple[str, ...]
    reports: tuple[str, ...]
    asks: tuple[str, ...]
    details: tuple[str, ...]
    tries: tuple[str, ...]
    still: tuple[str, ...]
    fixes: tuple[str, ...]
    recurrences: tuple[str, ...]
    escalations: tuple[str, ...]


ISSUES: tuple[Issue, ...] = (
    # ---------------------------------------------------------------- Billing & Accounts
    Issue(
        key="double_charge",
        team=BILLING,
        product=MOBILE,
        feature="billing",
        weight=1.3,
        purpose="Charged twice for the subscription",
        subjects=(
            "Charged twice this month",
            "Double charge on my card",
            "Duplicate payment for {plan}",
        ),
        reports=(
            "I've been charged twice for my {plan} subscription this month: two payments of "
            "{amount} on my {card}.",
            "my bank statement shows two charges of {amount} from you on {weekday}, but I only "
            "have one subscription.",
            "you took {amount} from my account twice for the {plan} plan. I only signed up once.",
        ),
        asks=(
            "Could you tell me the email address on the account and the dates of both charges?",
            "Can you send me the order numbers from both receipts? They start with PX.",
        ),
        details=(
            "The account email is {email}. Both charges were on {weekday}.",
            "One receipt says {order}, the other one has no number, just the amount {amount}.",
        ),
        tries=(
            "I can only see one payment on our side, so the second one may be a pending "
            "authorisation that your bank will release in a couple of days.",
            "Could you check whether one of the two charges is marked as pending in your "
            "banking app? Pending ones usually drop off on their own.",
        ),
        still=(
            "Both charges are definitely taken, not pending. The money is gone.",
            "It's been three days and both payments are still there.",
        ),
        fixes=(
            "I found it: the app retried a payment that had already gone through. I've refunded "
            "the second charge of {amount}; it should be back on your {card} within 3 to 5 "
            "business days.",
            "You're right, the second payment was our mistake. I've issued a full refund of "
            "{amount} (reference {order}-R) and flagged the account so it can't happen again.",
        ),
        recurrences=(
            "I've been charged twice again.",
            "the refund you promised still hasn't arrived.",
        ),
        escalations=(
            "I've passed this to our payments team so they can trace the second "
            "charge. They'll get back to you within 48 hours.",
        ),
    ),
    Issue(
        key="refund_delay",
        team=BILLING,
        product=MOBILE,
        feature="billing",
        weight=1.2,
        purpose="Refund not received after cancelling",
        subjects=(
            "Still waiting for my refund",
            "Refund status?",
            "Where is my refund?",
            "Refund for {order}",
        ),
        reports=(
            "I cancelled my {plan} plan {weeks} ago and was told I'd get a refund of {amount}, "
            "but nothing has arrived.",
            "still no refund after {weeks}. I was told it would take five days.",
            "I cancelled within the trial and I still haven't seen the {amount} refund. Order "
            "{order}.",
        ),
        asks=(
            "Could you confirm the order number and the card the refund should go to?",
            "Can you tell me roughly when you cancelled and which email the account is under?",
        ),
        details=(
            "Order {order}, it was paid with my {card}.",
            "I cancelled {weeks} ago, account is {email}.",
        ),
        tries=(
            "I can see the refund was approved on our side. Refunds can take 5 to 10 business "
            "days to reach your card, depending on the bank.",
            "Our system shows the refund as processed. Could you check with your bank whether "
            "they have a pending credit from us?",
        ),
        still=(
            "It's been well over ten business days. My bank says nothing is pending.",
            "I called the bank, they have nothing from you.",
        ),
        fixes=(
            "I've found the problem: the refund bounced because the card was replaced. I've "
            "re-sent {amount} by bank transfer instead, and you'll have it within two business "
            "days.",
            "The refund got stuck in a failed batch. I've pushed it through manually just now: "
            "{amount}, reference {order}-R, and I've added a month of {plan} for free for the "
            "trouble.",
        ),
        recurrences=(
            "the refund still hasn't arrived.",
            "I was told the refund was re-sent, but there's still nothing.",
        ),
        escalations=(
            "I've raised this with our finance team, who can see the bank side. "
            "They'll update you by email within two business days.",
        ),
    ),
    Issue(
        key="cancel_subscription",
        team=BILLING,
        product=MOBILE,
        feature="billing",
        weight=0.9,
        purpose="Cancel the subscription",
        subjects=("Cancel my subscription", "How do I cancel?", "Cancellation"),
        reports=(
            "I'd like to cancel my {plan} subscription but I can't find the option anywhere in "
            "the app.",
            "the cancel button in Settings just takes me back to the home screen. I want to stop "
            "the subscription before the next payment.",
            "I want to cancel. I don't use the app enough any more to justify {amount} a month.",
        ),
        asks=(
            "Did you subscribe through the app store on your phone or on our website? The steps "
            "are different.",
            "Which device are you using, and do you remember if you signed up on the website?",
        ),
        details=(
            "On my {device}, through the app.",
            "I think it was the website, but I only use it on my {device}.",
        ),
        tries=(
            "In the app, go to Settings > Account > Subscription and tap Cancel plan at the "
            "bottom of the page.",
            "Could you update the app to the latest version and try Settings > Subscription again?",
        ),
        still=(
            "There is no Cancel plan button there. Just Upgrade.",
            "Updated it, same thing. The button isn't there.",
        ),
        fixes=(
            "Thanks for checking. Because you subscribed through the app store, it has to be "
            "cancelled there: Settings > your name > Subscriptions > Poise Mobile. I've also "
            "made sure we won't charge you again from our side.",
            "I've cancelled the subscription for you from our side. You'll keep access until "
            "the end of the current period, and there will be no further charges.",
        ),
        recurrences=(
            "I thought I'd cancelled but I was charged {amount} again.",
            "the subscription is still active after I cancelled it.",
        ),
        escalations=(
            "I've asked our billing team to cancel this manually; you'll get a "
            "confirmation email once it's done.",
        ),
    ),
    Issue(
        key="plan_change",
        team=BILLING,
        product=MOBILE,
        feature="billing",
        weight=0.7,
        purpose="Switch to a cheaper plan",
        subjects=("Downgrade my plan", "Change from {plan} to Basic", "Plan change"),
        reports=(
            "how do I move from {plan} to the Basic plan? I don't use the extra features any more.",
            "I want to downgrade to Basic but the app says I have to wait until my renewal date.",
        ),
        asks=(
            "Would you like the change to happen now, with a pro-rated credit, or at the next "
            "renewal?",
        ),
        details=(
            "Now please, if I get the difference back.",
            "Renewal is fine, as long as I'm not charged for {plan} again.",
        ),
        tries=("You can switch yourself under Settings > Subscription > Change plan.",),
        still=("That screen only lets me upgrade.",),
        fixes=(
            "Done: you're now on Basic, and the unused part of this month ({amount}) has been "
            "credited to your account.",
            "All set. Your plan will switch to Basic at the next renewal and you'll be charged "
            "the lower price from then on.",
        ),
        recurrences=("I'm still being charged the {plan} price after switching to Basic.",),
        escalations=(
            "I've asked billing to apply the change by hand; it should be done within a day.",
        ),
    ),
    Issue(
        key="reset_email_missing",
        team=BILLING,
        product=MOBILE,
        feature="login",
        weight=1.1,
        purpose="Password reset email never arrives",
        subjects=("Password reset not working", "Can't log in", "No reset email"),
        reports=(
            "I've requested a password reset three times and the email never arrives. I can't "
            "get into my account.",
            "I can't log in and the 'forgot password' email isn't coming through. I've checked "
            "spam.",
        ),
        asks=(
            "Which email address are you using to request the reset?",
            "Could you confirm the email on the account? Sometimes it's an older address.",
        ),
        details=("It's {email}.", "{email}, the same one I've always used."),
        tries=(
            "I've sent a fresh reset link. It can take up to 10 minutes, so please check the "
            "spam and promotions folders too.",
            "Could you add no-reply@poise.example to your contacts and request the reset again?",
        ),
        still=("Nothing. Not in spam either.", "Still no email."),
        fixes=(
            "Your email provider was bouncing our messages, so I've removed the block on our "
            "side and sent the link again. It should be with you now.",
            "I've verified your identity and set a temporary password for you by secure link. "
            "Once you're in, you'll be asked to pick a new one.",
        ),
        recurrences=("I'm locked out again and the reset email isn't coming.",),
        escalations=(
            "I've asked our accounts team to check the mail logs for {email}; we'll "
            "write back as soon as we know more.",
        ),
    ),
    Issue(
        key="locked_out_2fa",
        team=BILLING,
        product=MOBILE,
        feature="login",
        weight=0.8,
        purpose="Locked out after changing phone (two-factor)",
        subjects=("Locked out after new phone", "2FA codes not working", "Lost my 2FA device"),
        reports=(
            "I got a new phone and now the app wants a two-factor code I can't get, because "
            "the old phone is gone.",
            "I'm locked out. The 2FA code from my authenticator keeps saying it's invalid.",
        ),
        asks=(
            "To verify it's you, could you confirm the email on the account and the last four "
            "digits of the card you pay with?",
            "Do you still have the backup codes you saved when you turned on two-factor?",
        ),
        details=("{email}, and the card is {card}.", "No, I never saved any backup codes."),
        tries=(
            "Please check that the time on your {device} is set automatically; authenticator "
            "codes fail when the clock is off.",
        ),
        still=("The time is automatic. Codes still rejected.",),
        fixes=(
            "Thanks, you're verified. I've reset two-factor on the account, so you can log in "
            "with your password and set it up again on the new phone.",
        ),
        recurrences=("I'm locked out again after setting up two-factor on the new phone.",),
        escalations=(
            "For security, a two-factor reset needs a second check by our accounts "
            "team. They'll email you within 24 hours.",
        ),
    ),
    Issue(
        key="invoice_details",
        team=BILLING,
        product=DASHBOARD,
        feature="subscription",
        weight=0.7,
        purpose="Invoice needs company details and VAT number",
        subjects=(
            "Invoice with VAT number",
            "Wrong company name on invoice",
            "Invoice for {order}",
        ),
        reports=(
            "our invoices don't show our VAT number, so our accountant can't book them. Can you "
            "reissue them?",
            "the invoice for {order} has my personal name on it instead of the company.",
        ),
        asks=("Could you send me the company name, address and VAT number as they should appear?",),
        details=(
            "Company is Northwind Studio Ltd, VAT GB 123 4567 89, same address as before.",
            "It should be the company name and our VAT number, which is in the billing "
            "settings already.",
        ),
        tries=(
            "You can add the VAT number under Dashboard > Billing > Invoice details, and new "
            "invoices will include it.",
        ),
        still=("I did that, but the old invoices are still wrong and I need those.",),
        fixes=(
            "I've updated the billing details and reissued the last six invoices with the "
            "VAT number. You'll find them under Billing > Invoices.",
        ),
        recurrences=("the new invoice is wrong again, the VAT number is missing.",),
        escalations=(
            "I've asked our finance team to reissue the invoices; they'll send them "
            "within three business days.",
        ),
    ),
    Issue(
        key="seat_overbilling",
        team=BILLING,
        product=DASHBOARD,
        feature="subscription",
        weight=0.6,
        purpose="Billed for more seats than used",
        subjects=("Billed for too many seats", "Seat count on invoice is wrong"),
        reports=(
            "we're being billed for {seats} seats but only have 12 people on the dashboard.",
            "our invoice went up to {amount} this month, it says {seats} seats. We removed "
            "people last month.",
        ),
        asks=(
            "Did you remove the users, or only deactivate them? Deactivated users still "
            "count as seats.",
        ),
        details=(
            "We deactivated them, I thought that was the same thing.",
            "Removed, I'm pretty sure. {colleague} did it.",
        ),
        tries=(
            "If you go to Settings > Users and filter by 'Deactivated', you can remove them "
            "from there.",
        ),
        still=("I did, the seat count hasn't changed.",),
        fixes=(
            "I've corrected the seat count to 12 and credited the difference for this "
            "month to your account. The next invoice will reflect it.",
        ),
        recurrences=("we've been billed for {seats} seats again.",),
        escalations=(
            "I've sent this to billing to recalculate the invoice; you'll hear back "
            "within two business days.",
        ),
    ),
    Issue(
        key="delivery_late",
        team=BILLING,
        product=ROUTER,
        feature="delivery",
        weight=0.9,
        purpose="Router order hasn't arrived",
        subjects=("Where is my order?", "Order {order} not delivered", "Delivery delayed"),
        reports=(
            "I ordered a Router X2 {weeks} ago (order {order}) and it still hasn't arrived.",
            "tracking for {order} has said 'in transit' for a week.",
            "my router was supposed to arrive on {weekday}. Nothing came and nobody called.",
        ),
        asks=(
            "Could you confirm the delivery address and postcode on the order?",
            "Can you give me the order number so I can check with the courier?",
        ),
        details=(
            "Order {order}, same address as my account.",
            "It's {order}. Delivery address is my work address.",
        ),
        tries=(
            "The courier shows it out for delivery today, so it should reach you by this evening.",
        ),
        still=("It didn't come. Tracking still says in transit.",),
        fixes=(
            "The courier has confirmed the parcel was lost in their depot. I've sent a "
            "replacement by express delivery; it will arrive tomorrow, and here's the new "
            "tracking link.",
            "I've cancelled the lost shipment and refunded the delivery fee. A new router is "
            "on its way with next-day delivery.",
        ),
        recurrences=("the replacement router still hasn't arrived either.",),
        escalations=(
            "I've opened an investigation with the courier; they take up to 48 hours "
            "to answer, and I'll update you as soon as they do.",
        ),
    ),
    Issue(
        key="return_request",
        team=BILLING,
        product=ROUTER,
        feature="delivery",
        weight=0.4,
        purpose="Return a router for a refund",
        subjects=("Return request", "How do I return my router?", "Returning Router X2"),
        reports=(
            "I'd like to return the Router X2 I bought. It's not what I need.",
            "how do I send back my router? It arrived fine but it's too big for our flat.",
        ),
        asks=("Could you share the order number, and is the router in its original box?",),
        details=(
            "Order {order}, yes, still in the box.",
            "It's {order}. Box is a bit battered but everything's there.",
        ),
        tries=("You can start the return from your account under Orders > {order} > Return item.",),
        still=("The return option is greyed out.",),
        fixes=(
            "I've booked the return for you and emailed a prepaid label. Once the courier "
            "scans it, the refund of {amount} goes out automatically.",
        ),
        recurrences=("I still haven't received the return label.",),
        escalations=(
            "I've asked the warehouse to set up the return by hand; they'll email "
            "the label within two business days.",
        ),
    ),
    Issue(
        key="return_refund_missing",
        team=BILLING,
        product=ROUTER,
        feature="delivery",
        weight=0.4,
        purpose="No refund for a returned router",
        subjects=("Refund for returned router", "Returned item, no refund"),
        reports=(
            "I sent the router back {weeks} ago and haven't heard anything about the refund.",
            "you received my returned router (tracking says delivered) but I still don't have "
            "my {amount} back.",
        ),
        asks=("Could you share the order number and the return tracking number?",),
        details=(
            "It's {order}. I used the return label you sent.",
            "Order {order}. The tracking number is on the label, I don't have it to hand.",
        ),
        tries=(
            "Returns take up to 10 business days to be checked in, so it may still be in "
            "the queue.",
        ),
        still=("It's been longer than that.",),
        fixes=(
            "Our warehouse received it on {weekday}. I've released the refund of {amount}; "
            "it will show on your card within a few days.",
        ),
        recurrences=("the refund for my returned router still hasn't come through.",),
        escalations=(
            "I've asked the warehouse to check whether the parcel has arrived; "
            "they'll confirm within two business days.",
        ),
    ),
    # ---------------------------------------------------------------- Devices & Connectivity
    Issue(
        key="setup_no_internet",
        team=DEVICES,
        product=ROUTER,
        feature="setup",
        weight=1.0,
        purpose="No internet after setting up the router",
        subjects=(
            "Router set up but no internet",
            "Router X2 setup problem",
            "Orange light on new router",
        ),
        reports=(
            "I've just set up my Router X2 and the light stays orange. Devices connect to the "
            "wifi but there's no internet.",
            "my new router is connected to the wifi but nothing loads. The old one worked "
            "fine an hour ago.",
        ),
        asks=(
            "Is the cable from your modem plugged into the yellow WAN port on the back of the "
            "router?",
            "What does the status page at 192.168.1.1 say under 'Internet'?",
        ),
        details=(
            "Yes, it's in the yellow port. The light is still orange.",
            "It says 'Waiting for IP address'.",
        ),
        tries=(
            "Please switch the modem off for 30 seconds, switch it back on, and then restart "
            "the router.",
            "Could you try a different network cable between the modem and the router?",
        ),
        still=("Restarted both. Still orange.", "Different cable, same thing."),
        fixes=(
            "Your provider needs the router to log in with a username (PPPoE). In the app, go "
            "to Internet > Connection type, pick PPPoE and enter the details from your "
            "provider's letter. The light should turn white within a minute.",
            "Your modem remembered the old router. I've walked you through cloning the old "
            "MAC address under Advanced > WAN, and the connection is up now.",
        ),
        recurrences=("the internet dropped again after a restart and the light is orange.",),
        escalations=(
            "I'd like our device specialists to look at the router logs remotely. "
            "They'll call you tomorrow morning.",
        ),
    ),
    Issue(
        key="setup_app_not_found",
        team=DEVICES,
        product=ROUTER,
        feature="setup",
        weight=0.7,
        purpose="Setup app can't find the router",
        subjects=("App can't find my router", "Setup stuck at 'searching'"),
        reports=(
            "the setup app has been 'searching for your router' for twenty minutes.",
            "the Poise app can't find my new router. Bluetooth is on.",
        ),
        asks=("Which phone are you using, and is location access allowed for the app?",),
        details=(
            "{device}. I think location is off for the app.",
            "{device}, and I'm not sure about location.",
        ),
        tries=(
            "Please hold the button on the back for 5 seconds until the light blinks blue, "
            "then try again.",
        ),
        still=("It's blinking blue but the app still can't find it.",),
        fixes=(
            "You can skip the app: join the wifi network printed on the sticker under the "
            "router and open 192.168.1.1 in your browser. Setup takes two minutes from "
            "there.",
            "Allowing location access did it: the app needs it for Bluetooth scanning. It "
            "should find the router straight away now.",
        ),
        recurrences=("the app can't find the router again after I reset it.",),
        escalations=(
            "I've passed this to our app team with your phone model; we'll get back "
            "to you shortly.",
        ),
    ),
    Issue(
        key="wifi_drops",
        team=DEVICES,
        product=ROUTER,
        feature="wifi",
        weight=1.4,
        purpose="Wi-Fi keeps dropping",
        subjects=("Wifi keeps dropping", "Constant disconnects", "Wi-Fi drops every evening"),
        reports=(
            "my wifi drops several times an evening. Everything disconnects for a minute and "
            "then comes back.",
            "the Router X2 keeps disconnecting. I work from home and I've been kicked out of "
            "three video calls today.",
            "the wifi cuts out every night around 8. The router lights look normal.",
        ),
        asks=(
            "Does it happen on every device, or mainly on a few? And is the router close to "
            "a microwave or a baby monitor?",
            "When it drops, does the light on the router change colour?",
        ),
        details=(
            "All devices. The router is in the {room}, nothing else nearby.",
            "The light stays white, that's the weird part.",
        ),
        tries=(
            "Please restart the router and, under Wi-Fi > Channel, switch from Auto to channel 36.",
            "Could you update the router from the app? Settings > Firmware > Check now.",
        ),
        still=(
            "Done that, it dropped again last night.",
            "Still dropping. Twice in the last hour.",
        ),
        fixes=(
            "Your router was switching channels because of a neighbour's network. I've pinned "
            "it to a clear channel and turned off band steering remotely. You should see a "
            "stable connection from now on.",
            "The logs show the router overheating. I'm sending you a replacement Router X2 at "
            "no cost; it will arrive in two days with a return label for this one.",
        ),
        recurrences=("the wifi is dropping again, same as before.", "the disconnects are back."),
        escalations=(
            "I've sent the router logs to our engineers; they'll look at them and "
            "get back to you within 24 hours.",
        ),
    ),
    Issue(
        key="wifi_slow",
        team=DEVICES,
        product=ROUTER,
        feature="wifi",
        weight=0.9,
        purpose="Slow wifi in some rooms",
        subjects=("Slow wifi upstairs", "Weak signal in {room}", "Speeds much lower than expected"),
        reports=(
            "the wifi is really slow in the {room}, about 5 Mbps, while next to the router I "
            "get 300.",
            "I'm paying for fast broadband but the router only gives me a fraction of it in "
            "the {room}.",
        ),
        asks=("How far is the {room} from the router, and how many walls are in between?",),
        details=("Two floors up, concrete walls.", "Other end of the house, maybe three walls."),
        tries=("Try moving the router off the floor and into a more central, open spot.",),
        still=("I moved it, it's a bit better but still slow.",),
        fixes=(
            "With concrete walls the best fix is a mesh point. I've applied a 30% discount "
            "code to your account for the X2 Mesh add-on, and it pairs automatically.",
            "I've switched the {room} devices to the 2.4 GHz band, which goes through walls "
            "better. Speeds should be much steadier now.",
        ),
        recurrences=("the {room} is slow again.",),
        escalations=(
            "I'll ask a specialist to go through a coverage check with you; they'll "
            "email to book a time.",
        ),
    ),
    Issue(
        key="firmware_update_failed",
        team=DEVICES,
        product=ROUTER,
        feature="firmware",
        weight=0.8,
        purpose="Firmware update stuck or failed",
        subjects=("Firmware update failed", "Update stuck at 60%", "Router stuck updating"),
        reports=(
            "the firmware update to {fw} has been stuck at 60% for an hour. Should I unplug it?",
            "the app says the firmware update failed, and now the light is blinking red.",
        ),
        asks=(
            "Please don't unplug it yet. What colour is the light right now, and is it blinking?",
        ),
        details=("Solid red now.", "Blinking red, about once a second."),
        tries=("Please wait ten minutes, then restart the router with the power button.",),
        still=("Still red after the restart.",),
        fixes=(
            "The router has a recovery mode: hold the reset button while you switch it on "
            "and keep holding for 15 seconds. It reinstalls {fw} on its own, and your "
            "settings are kept.",
            "I've pushed the update again from our side and it completed. The router is on "
            "{fw} and online.",
        ),
        recurrences=("the router got stuck updating again last night.",),
        escalations=(
            "The recovery didn't complete, so I've arranged a replacement router; "
            "shipping details will follow by email.",
        ),
    ),
    Issue(
        key="firmware_broke_wifi",
        team=DEVICES,
        product=ROUTER,
        feature="firmware",
        weight=0.3,
        purpose="Problems since the latest firmware update",
        subjects=(
            "Problems since firmware {fw}",
            "Update broke my wifi",
            "Router worse since last update",
        ),
        reports=(
            "since the router updated itself to {fw} last night, half my devices can't connect.",
            "after the {fw} update my smart TV and printer won't join the wifi any more.",
            "the automatic update to {fw} broke everything. Nothing connects to the 5 GHz network.",
        ),
        asks=("Which devices are affected? Older devices are the most likely.",),
        details=(
            "The printer, the TV and an older laptop.",
            "Mostly older stuff, my {device} is fine.",
        ),
        tries=(
            "Please restart the router once more; some settings only apply after a second restart.",
        ),
        still=("Restarted twice. Same.",),
        fixes=(
            "This is a known issue with {fw}: it turned on WPA3-only mode. Under Wi-Fi > "
            "Security, choose 'WPA2/WPA3 mixed' and your older devices will reconnect. A "
            "fix is rolling out this week.",
            "I've rolled your router back to the previous firmware remotely, and turned off "
            "automatic updates until the fixed version is out.",
        ),
        recurrences=("the problem came back after the router updated again.",),
        escalations=(
            "Our engineers are working on a fix for {fw}. I've added you to the list "
            "and we'll email you as soon as it's out.",
        ),
    ),
    Issue(
        key="plug_wont_pair",
        team=DEVICES,
        product=PLUG,
        feature="pairing",
        weight=0.8,
        purpose="Smart plug won't pair with the app",
        subjects=("Smart plug won't pair", "Can't add plug to app", "Pairing failed"),
        reports=(
            "I can't get my Smart Plug Mini to pair. The app says 'device not found' every time.",
            "the new smart plug blinks but the app never finds it.",
        ),
        asks=(
            "Is your phone connected to a 2.4 GHz wifi network while you pair? The plug "
            "can't use 5 GHz.",
        ),
        details=("I have no idea, it's just my home wifi.", "It's the router's default network."),
        tries=("Hold the plug's button for 6 seconds until it blinks fast, then try again.",),
        still=("Blinks fast, still not found.",),
        fixes=(
            "Your wifi uses one name for both bands. I've shown you how to pair using "
            "'Compatibility mode' under Add device > Other options, which forces 2.4 GHz. It "
            "paired, so you're all set.",
        ),
        recurrences=("the plug dropped off and won't pair again.",),
        escalations=(
            "Could be a faulty unit. I've started a replacement; you'll get the "
            "shipping details by email.",
        ),
    ),
    Issue(
        key="plug_offline",
        team=DEVICES,
        product=PLUG,
        feature="pairing",
        weight=0.6,
        purpose="Smart plug shows offline",
        subjects=("Plug shows offline", "Smart plug offline in app"),
        reports=(
            "my smart plug shows 'offline' in the app, but the light on it is on.",
            "two of my plugs went offline after a power cut and won't come back.",
        ),
        asks=("Did anything change with your wifi recently, like a new router or password?",),
        details=("We changed the wifi password last week.", "Not that I know of."),
        tries=("Unplug the plug for ten seconds and plug it back in.",),
        still=("Still offline.",),
        fixes=(
            "The plug has lost its link to your wifi and needs re-adding: remove it in the "
            "app, then add it again. Your schedules come back automatically.",
        ),
        recurrences=("the plug is offline again.",),
        escalations=(
            "I've asked our device team to check the plug's last connection logs; "
            "we'll update you tomorrow.",
        ),
    ),
    Issue(
        key="schedule_wrong_time",
        team=DEVICES,
        product=PLUG,
        feature="schedules",
        weight=0.6,
        purpose="Plug schedule switches at the wrong time",
        subjects=("Schedule an hour off", "Plug turns on at the wrong time"),
        reports=(
            "my plug schedule turns the lamp on an hour late since the clocks changed.",
            "the schedule I set for the heater didn't run this morning and the house was freezing.",
        ),
        asks=("What time zone is set for the plug under Device settings > Location?",),
        details=("It says UTC.", "UTC, I think. I never changed it."),
        tries=("Could you delete the schedule and create it again?",),
        still=("Recreated it, still runs at the wrong time.",),
        fixes=(
            "The plug's time zone was set to UTC, so it ignored daylight saving. I've set "
            "it to your local zone and your schedules now run at the right time.",
        ),
        recurrences=("the schedule is running at the wrong time again.",),
        escalations=(
            "I've passed this to the app team as a bug with schedules; they'll "
            "confirm a fix by email.",
        ),
    ),
    # ---------------------------------------------------------------- App & Web
    Issue(
        key="sync_missing",
        team=APP_WEB,
        product=MOBILE,
        feature="sync",
        weight=1.1,
        purpose="Data not syncing between devices",
        subjects=("Sync not working", "Data missing on my tablet", "Entries not syncing"),
        reports=(
            "the entries I add on my phone don't show up on my tablet any more. Sync used to "
            "work fine.",
            "I've lost two weeks of entries on my {device}. They're on the laptop but not on "
            "the phone.",
        ),
        asks=(
            "When did you last see the 'Synced' tick at the bottom of the screen on each device?",
            "Are both devices logged into the same account? The email is under Settings > Account.",
        ),
        details=("The phone says last synced {weeks} ago.", "Same account, {email} on both."),
        tries=(
            "Please pull down on the main screen to force a sync on both devices.",
            "Could you log out and back in on the phone? Your data is safe on our servers.",
        ),
        still=("Pulled down, nothing new appears.", "Logged out and in, still missing."),
        fixes=(
            "A sync conflict was blocking your account. I've cleared it from our side and "
            "everything from the last two weeks is back on all devices.",
            "Your phone was on an old app version that can't sync with the new server. "
            "After updating from the app store, all entries came back.",
        ),
        recurrences=("sync has stopped again.", "the entries are missing again on my {device}."),
        escalations=(
            "I've passed your account to our sync engineers so they can check the "
            "server logs; we'll email you within a day.",
        ),
    ),
    Issue(
        key="sync_duplicates",
        team=APP_WEB,
        product=MOBILE,
        feature="sync",
        weight=0.6,
        purpose="Duplicate entries after sync",
        subjects=("Everything duplicated", "Duplicate entries after update"),
        reports=(
            "after the last update every entry in my app appears twice.",
            "sync has duplicated hundreds of my entries. It's a mess.",
        ),
        asks=("Do the duplicates show on every device or only on one?",),
        details=("Only on my {device}.", "Everywhere, web too."),
        tries=("Try Settings > Storage > Rebuild local data on that device.",),
        still=("Rebuilt it, the duplicates are still there.",),
        fixes=(
            "I've run our clean-up on your account: it removed the duplicate copies and "
            "kept the newest version of each entry. Nothing else was touched.",
        ),
        recurrences=("the duplicates are back after the clean-up.",),
        escalations=(
            "I've asked the engineers to run a clean-up script on your account; "
            "they'll let you know when it's done.",
        ),
    ),
    Issue(
        key="no_notifications",
        team=APP_WEB,
        product=MOBILE,
        feature="notifications",
        weight=0.9,
        purpose="Not receiving notifications",
        subjects=("No notifications", "Reminders not showing", "Push notifications stopped"),
        reports=(
            "I'm not getting any reminders from the app since last week.",
            "notifications stopped working on my {device}. I've missed two payment "
            "reminders because of it.",
        ),
        asks=(
            "Are notifications allowed for Poise in your phone's settings, and is Focus or "
            "Do Not Disturb on?",
        ),
        details=("They're allowed, Do Not Disturb is off.", "All on as far as I can see."),
        tries=("In the app, go to Settings > Notifications and toggle them off and on again.",),
        still=("Did that, still nothing.",),
        fixes=(
            "Your phone's battery saver was closing the app in the background. Add Poise "
            "to the 'not optimised' list under Battery settings and reminders will come "
            "through again.",
            "Your device token had expired on our side. I've reset it, and a test "
            "notification should arrive in a minute.",
        ),
        recurrences=("notifications have stopped again.",),
        escalations=(
            "I've asked the app team to look into the notification logs for your "
            "{device}; we'll follow up by email.",
        ),
    ),
    Issue(
        key="notification_spam",
        team=APP_WEB,
        product=MOBILE,
        feature="notifications",
        weight=0.5,
        purpose="Too many repeated notifications",
        subjects=("Stop the notifications", "Same notification 20 times"),
        reports=(
            "the app sent me the same notification about twenty times last night.",
            "I keep getting notifications I already turned off.",
        ),
        asks=("Which notification was it, and at what time roughly?",),
        details=("The 'sync complete' one, around 2am.", "The weekly summary."),
        tries=("Please update the app; the latest version fixes repeated alerts.",),
        still=("Updated, got five more this morning.",),
        fixes=(
            "I've turned off that notification type for your account from our side and "
            "reported the bug; the repeats have stopped.",
        ),
        recurrences=("the notifications are spamming me again.",),
        escalations=(
            "I've logged this as a bug with the app team and muted the alert on your "
            "account while they fix it.",
        ),
    ),
    Issue(
        key="export_garbled",
        team=APP_WEB,
        product=DASHBOARD,
        feature="export",
        weight=0.8,
        purpose="CSV export has garbled characters",
        subjects=(
            "CSV export broken",
            "Export shows strange characters",
            "Accents wrong in export",
        ),
        reports=(
            "when I export to CSV and open it in Excel, all the names with accents show as "
            "gibberish.",
            "the CSV export of the '{report}' report is garbled: strange symbols everywhere.",
        ),
        asks=("Are you opening the file by double-clicking it, or through Excel's import?",),
        details=("Double-clicking it.", "I just open it in Excel."),
        tries=("Could you try exporting again with the 'Excel compatible' box ticked?",),
        still=("There's no such box on my screen.",),
        fixes=(
            "Excel guesses the wrong encoding on double-click. Under Export > Format, pick "
            "'CSV for Excel (UTF-8 with BOM)' and the accents will show correctly.",
        ),
        recurrences=("the export is garbled again.",),
        escalations=(
            "I've sent a sample of your file to the web team; they'll get back to you with a fix.",
        ),
    ),
    Issue(
        key="export_timeout",
        team=APP_WEB,
        product=DASHBOARD,
        feature="export",
        weight=0.7,
        purpose="Export never finishes",
        subjects=("Export stuck", "Export never finishes", "Can't download my data"),
        reports=(
            "I've been trying to export a year of data and it just spins forever.",
            "the export of the '{report}' report times out after five minutes every time.",
        ),
        asks=("How big a date range are you exporting, and which browser are you using?",),
        details=("All of last year, in {browser}.", "Twelve months, {browser}."),
        tries=("Please try a smaller range first, such as three months.",),
        still=("Three months works, but I need the whole year in one file.",),
        fixes=(
            "Large exports now run in the background: choose 'Email me the file' under "
            "Export, and you'll get a download link within a few minutes.",
            "I've generated the full-year export for you; the download link is in your "
            "inbox and stays valid for 7 days.",
        ),
        recurrences=("the export is stuck again.",),
        escalations=(
            "I've asked the engineers to run the export from our side; they'll email you the file.",
        ),
    ),
    Issue(
        key="report_mismatch",
        team=APP_WEB,
        product=DASHBOARD,
        feature="reports",
        weight=0.8,
        purpose="Report totals don't match",
        subjects=("Report numbers are wrong", "Totals don't add up", "Revenue report mismatch"),
        reports=(
            "the totals in the '{report}' report don't match what I see on the overview page.",
            "our '{report}' numbers for last month are about 8% lower than our own records.",
        ),
        asks=("Which time zone is set for your workspace under Settings > General?",),
        details=("UTC I think. We're in Sydney.", "It says UTC."),
        tries=("Could you clear the report cache under Reports > Options > Refresh data?",),
        still=("Refreshed, same numbers.",),
        fixes=(
            "The report uses the workspace time zone (UTC), so late-evening sales fell into "
            "the next day. I've set it to your local time zone and the numbers match now.",
        ),
        recurrences=("the '{report}' numbers are off again.",),
        escalations=(
            "I've asked the data team to compare the report with your raw data; "
            "they'll reply within two business days.",
        ),
    ),
    Issue(
        key="scheduled_report_missing",
        team=APP_WEB,
        product=DASHBOARD,
        feature="reports",
        weight=0.5,
        purpose="Scheduled report emails stopped",
        subjects=("Weekly report not arriving", "Scheduled report stopped"),
        reports=(
            "the weekly '{report}' email stopped arriving three weeks ago.",
            "our Monday report email didn't come this week, again.",
        ),
        asks=("Who is the schedule owner? It stops if the owner's account is deactivated.",),
        details=(
            "{colleague} set it up, she left last month.",
            "No idea. Possibly {colleague}, who has left.",
        ),
        tries=("Please open the schedule and press 'Send now' to check it's working.",),
        still=("'Send now' gives an error.",),
        fixes=(
            "The schedule belonged to a deactivated user. I've moved it to your account and "
            "sent a test; the next one goes out Monday at 8am.",
        ),
        recurrences=("the scheduled report stopped again.",),
        escalations=(
            "I've asked our web team to check the mail logs for the schedule; we'll "
            "get back to you.",
        ),
    ),
    Issue(
        key="invite_colleague",
        team=APP_WEB,
        product=DASHBOARD,
        feature="permissions",
        weight=0.7,
        purpose="Can't give a colleague access",
        subjects=("Can't invite colleague", "Invite link expired", "Access for new team member"),
        reports=(
            "I'm trying to give my colleague {colleague} access to the dashboard but the "
            "invite link says it's expired.",
            "{colleague} joined our team and I can't add her: the Invite button is grey.",
        ),
        asks=("Are you an admin on the workspace? Only admins can invite.",),
        details=("I'm not sure. I'm the manager.", "I thought I was."),
        tries=("Please resend the invite from Settings > Users; links expire after 48 hours.",),
        still=("Resent it, she gets the same error.",),
        fixes=(
            "You had 'Editor' rights, which can't invite. With your admin's approval I've "
            "made you an admin and sent {colleague} a fresh invite.",
            "Your plan was at its seat limit, which greys out the button. I've added a "
            "seat so {colleague} can join; it appears on your next invoice.",
        ),
        recurrences=("{colleague} still can't get in.",),
        escalations=(
            "I need the workspace owner to approve this; I've emailed them and will update you.",
        ),
    ),
    Issue(
        key="lost_admin",
        team=APP_WEB,
        product=DASHBOARD,
        feature="permissions",
        weight=0.4,
        purpose="No admin left on the workspace",
        subjects=("Our admin left", "Need admin rights", "No one can manage users"),
        reports=(
            "our only admin left the company and now nobody can add or remove users.",
            "I need admin rights on our workspace. The person who had them has left.",
        ),
        asks=(
            "To transfer ownership we need a request from a company email address. Could "
            "you send it from one?",
        ),
        details=("I'm writing from my company address now.", "Sure, this is my work email."),
        tries=("Could the previous admin hand over rights before their account is closed?",),
        still=("No, their account is already gone.",),
        fixes=(
            "Thanks, verified. I've made you the workspace admin; you can now manage users "
            "under Settings > Users.",
        ),
        recurrences=("I'm still not an admin.",),
        escalations=(
            "Ownership transfers need a check by our security team; they'll contact "
            "you within one business day.",
        ),
    ),
)
