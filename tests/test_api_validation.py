"""Input checks of the HTTP API over the fake backends: an impossible date in a filter is a 422 naming the field,
JSON answers carry ``X-Content-Type-Options: nosniff``, and a document URL that is not http(s) is refused."""

from __future__ import annotations

import pytest

from tests.helpers import api_client

pytestmark = pytest.mark.usefixtures("fake_backends")


def test_an_impossible_date_filter_is_422(tmp_path):
    c = api_client(tmp_path / "home")
    r = c.post("/v1/ask", json={"question": "what?", "filters": {"date_from": "2019-13-45"}})
    assert r.status_code == 422 and r.json()["error"]["field"] == "filters.date_from"
    assert c.post("/v1/ask", json={"question": "what?", "filters": {"date_from": "2019-12-31"}}).status_code == 200


def test_json_responses_say_nosniff_and_javascript_urls_are_refused(tmp_path):
    c = api_client(tmp_path / "home")
    assert c.get("/healthz").headers["x-content-type-options"] == "nosniff"
    r = c.post("/v1/documents", json={"documents": [{"text": "Some text. More.", "url": "javascript:alert(1)"}]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "documents[0].url"
    assert r.headers["x-content-type-options"] == "nosniff"
    ok = c.post("/v1/documents", json={"documents": [{"text": "Some text. More.", "url": "https://e.org/a"}]})
    assert ok.json()["results"][0]["status"] == "added"
