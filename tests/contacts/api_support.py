"""Helpers for the REST API tests of the contacts app: the one error shape, moments as the
API writes them, and the ids of a page of results."""

import datetime as dt

API = "/api/v1"
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
ERROR_KEYS = {"status", "code", "detail", "fields"}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def assert_error(response, status: int, *, code: str | None = None, fields=None) -> dict:
    """The one error shape: {"status", "code", "detail", "fields"}."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["status"] == status
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if code is not None:
        assert body["code"] == code
    if fields is not None:
        assert body["fields"] == fields
    return body


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]
