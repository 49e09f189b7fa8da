"""Live helpdesk connectors: pull from Zendesk, Freshdesk, Help Scout and Intercom, and take
their native webhooks; and send alerts where people work (:mod:`poise.connectors.alerts`).

One shared pull loop (:mod:`poise.connectors.pull`: pages, cursor, retries) and one shared
webhook intake (:mod:`poise.connectors.webhooks`) serve a small module per vendor in
:mod:`poise.connectors.vendors`, which only knows its vendor's URLs, fields and signature.
"""
