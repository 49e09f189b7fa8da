"""The shared HTTP client's rate-limit handling, and native webhooks nobody set up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from fastapi.testclient import TestClient

from connectors.recorded import Replay, too_many
from poise.connectors.client import Api, ConnectorError


def api(replay: Replay) -> Api:
    return Api("Zendesk", "https://acme.zendesk.com", replay.seam)


def test_retry_after_as_an_http_date_is_waited_out() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    replay = Replay().add("GET", "/x", too_many(later), httpx.Response(200, json={"ok": 1}))
    assert api(replay).get("/x") == {"ok": 1}
    assert len(replay.slept) == 1 and 25 <= replay.slept[0] <= 30


def test_a_wait_too_long_or_too_many_refusals_end_the_run_in_plain_words() -> None:
    replay = Replay().add("GET", "/x", too_many("3600"))
    with pytest.raises(ConnectorError, match="asked us to wait 3600 s"):
        api(replay).get("/x")
    replay = Replay().add("GET", "/x", *(too_many("1") for _ in range(6)))
    with pytest.raises(ConnectorError, match="kept answering 'too many requests'"):
        api(replay).get("/x")
    assert replay.slept == [1.0] * 5


def test_a_webhook_for_no_connector_or_no_such_helpdesk_is_refused(client: TestClient) -> None:
    body = b'{"id": "evt"}'
    headers = {"X-Zendesk-Webhook-Signature": "x", "X-Zendesk-Webhook-Signature-Timestamp": "t"}
    unset = client.post("/api/v1/connectors/zendesk/webhook", content=body, headers=headers)
    assert unset.status_code == 404 and "connector is not set up" in unset.text
    assert client.post("/api/v1/connectors/zammad/webhook", content=body).status_code == 404
