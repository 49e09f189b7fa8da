"""The demo team's issue & resolution manual: what its agents wrote down before Poise came.

Two thirds of the catalogue's issues have a published article, each resolution written as a
procedure (what to check, what to do, what to tell the customer), the way a team's own
manual reads. The rest are left out on purpose, so a new user sees every part of the manual
at work on the demo: suggestions in the assist panel, first contact resolution by article,
gaps logged from searches, and **Mine now** proposing the issues nobody wrote up yet.
"""

from __future__ import annotations

# Issue key (see ``catalogue.ISSUES``) → the resolution, step by step.
PROCEDURES: dict[str, str] = {
    "double_charge": (
        "1. Ask for the account email and the dates of both charges.\n"
        "2. In Billing > Payments, look for a retried payment: two captures with the same "
        "order number a few minutes apart.\n"
        "3. If one is only a pending authorisation, tell the customer their bank releases it "
        "within 2 business days.\n"
        "4. If both were captured, refund the second one and flag the account; the refund "
        "reaches the card in 3 to 5 business days."
    ),
    "refund_delay": (
        "1. Find the refund under Billing > Refunds and read its status.\n"
        "2. If it bounced because the card was replaced or closed, re-send it by bank "
        "transfer (2 business days).\n"
        "3. If it is stuck in a failed batch, push it through manually and give the customer "
        "the refund reference.\n"
        "4. When the customer has waited more than two weeks, add a free month as an apology."
    ),
    "cancel_subscription": (
        "1. Check where the customer subscribed: in the app store, or with us on the web.\n"
        "2. App store: it has to be cancelled there (iPhone: Settings > your name > "
        "Subscriptions > Poise Mobile; Android: Play Store > Payments & subscriptions).\n"
        "3. With us: cancel it under Billing > Subscription. Access stays until the end of "
        "the period and no further charge is taken.\n"
        "4. Confirm in writing that nothing more will be charged."
    ),
    "plan_change": (
        "1. Ask whether the switch should happen now or at the next renewal.\n"
        "2. Now: change the plan under Billing > Plan and credit the unused part of the "
        "month to the account.\n"
        "3. At renewal: schedule the change; the lower price applies from the next invoice."
    ),
    "reset_email_missing": (
        "1. Check the email log for bounces to the customer's address.\n"
        "2. If their provider bounced our messages, remove the block on our side and send "
        "the reset link again.\n"
        "3. Ask them to look in spam and to wait five minutes before asking for another link "
        "(each new link cancels the last).\n"
        "4. Still nothing: verify their identity and send a temporary password by secure link."
    ),
    "locked_out_2fa": (
        "1. Verify the customer's identity (account email, last payment, date of sign-up).\n"
        "2. Reset two-factor on the account under Users > Security.\n"
        "3. Tell them to sign in with their password and set up two-factor again on the new "
        "phone, and to save the backup codes this time."
    ),
    "invoice_details": (
        "1. Take the company name, address and VAT number from the customer.\n"
        "2. Update them under Billing > Details on the workspace.\n"
        "3. Reissue the invoices the customer needs (up to six months back); they appear "
        "under Billing > Invoices."
    ),
    "delivery_late": (
        "1. Look up the order's tracking with the courier.\n"
        "2. If the parcel is marked lost or has not moved for 3 days, send a replacement by "
        "express delivery and give the customer the new tracking link.\n"
        "3. Otherwise give the courier's latest date and offer to check again on that day."
    ),
    "setup_no_internet": (
        "1. Ask which provider the customer has and what the router's status light shows.\n"
        "2. Providers that log in with a username (PPPoE): in the app, Internet > Connection "
        "type > PPPoE, and enter the details from the provider's letter.\n"
        "3. Others: restart the provider's modem, then the router, in that order.\n"
        "4. If the light stays red, run Diagnostics in the app and send us the report."
    ),
    "setup_app_not_found": (
        "1. Check the phone is on the router's wifi, with Bluetooth and location allowed "
        "for the app.\n"
        "2. Or skip the app: join the network printed on the sticker under the router and "
        "open 192.168.1.1 in a browser; setup takes two minutes from there."
    ),
    "wifi_drops": (
        "1. Open the router's channel log remotely and look for channel switches.\n"
        "2. If a neighbour's network forces switches, pin the router to a clear channel and "
        "turn off band steering.\n"
        "3. Ask the customer to watch it for a day and reply if the drops come back."
    ),
    "wifi_slow": (
        "1. Ask where the router stands and what the walls are made of.\n"
        "2. Move the router up and away from the TV and the microwave where possible.\n"
        "3. For concrete walls or more than two floors, offer the X2 Mesh add-on (30% off "
        "with a support code); it pairs by itself."
    ),
    "firmware_update_failed": (
        "1. Ask the customer not to unplug the router while its light blinks.\n"
        "2. If the update has not finished after 20 minutes, use recovery mode: hold the "
        "reset button while switching the router on, for 15 seconds.\n"
        "3. The router reinstalls its firmware on its own; the settings are kept."
    ),
    "plug_wont_pair": (
        "1. Check whether the home wifi uses one name for both bands.\n"
        "2. If so, pair with Add device > Other options > Compatibility mode, which forces "
        "2.4 GHz.\n"
        "3. Keep the phone within 2 metres of the plug while pairing."
    ),
    "plug_offline": (
        "1. Ask whether the wifi name or password changed recently.\n"
        "2. Remove the plug in the app and add it again; its schedules come back on their "
        "own.\n"
        "3. If it will not join again, hold its button for 10 seconds to reset it first."
    ),
    "sync_missing": (
        "1. Ask which devices are out of step and when they last matched.\n"
        "2. Look for a sync conflict on the account under Users > Sync and clear it.\n"
        "3. Ask the customer to open the app on each device; data from the last two weeks "
        "comes back."
    ),
    "no_notifications": (
        "1. Check notifications are on for Poise in the phone's settings and in the app.\n"
        "2. Android: add Poise to the 'not optimised' list under Battery settings, or the "
        "battery saver closes it in the background.\n"
        "3. iPhone: turn on Background App Refresh for Poise."
    ),
    "export_garbled": (
        "1. Excel guesses the wrong encoding when a CSV is opened by double-click.\n"
        "2. Under Export > Format, pick 'CSV for Excel (UTF-8 with BOM)'; accents then "
        "show correctly.\n"
        "3. Or in Excel use Data > From Text/CSV and choose UTF-8."
    ),
    "export_timeout": (
        "1. Exports of more than about 100,000 rows take longer than the page waits.\n"
        "2. Choose 'Email me the file' under Export: a download link arrives within a few "
        "minutes.\n"
        "3. For regular large exports, suggest a scheduled export instead."
    ),
    "invite_colleague": (
        "1. Check the customer's role: only admins can invite ('Editor' cannot).\n"
        "2. Ask a workspace admin to invite the colleague, or to make the customer an admin.\n"
        "3. If the invite expired (after 7 days), send a fresh one under Settings > Users."
    ),
}
