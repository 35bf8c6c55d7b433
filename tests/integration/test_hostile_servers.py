# -*- coding: utf-8 -*-
# Copyright: (c) 2026, pbguard maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 17: the client and the modules against real misbehaving HTTP servers on 127.0.0.1/127.0.0.2.

Each test reproduces a failure of the old transport (``open_url(follow_redirects="safe")`` with a
per-read timeout and an unbounded ``read()``) and shows the fixed behaviour.
"""

import time

import pytest

import hostile  # pylint: disable=import-error

from ansible_collections.pbguard.pocketbase.plugins.module_utils._api import (
    PocketBaseClient, PocketBaseError)

SECRET_TOKEN = "pbguard-test-token-Zq81x"
SECRET_PASSWORD = "pbguard-test-password-Kx7"


def raises(fn):
    with pytest.raises(PocketBaseError) as info:
        fn()
    return info.value


# ----------------------------------------------------------------------- item 1: redirects

@pytest.mark.parametrize("path", ["/api/settings", "/api/collections", "/api/health",
                                  "/api/collections/_superusers/records"])
def test_token_is_not_sent_across_a_cross_origin_redirect(path):
    with hostile.HostileServer(hostile.pocketbase_like(), host="127.0.0.2") as other, \
            hostile.HostileServer(hostile.redirect_to(other.url)) as first:
        client = PocketBaseClient(first.url, token=SECRET_TOKEN, timeout=3, generation="v023")
        err = raises(lambda: client.request("GET", path))
        assert err.kind == "protocol"
        assert first.url in err.message and other.url in err.message
        assert other.requests == []  # the other origin was never contacted
        assert SECRET_TOKEN not in str(err)


def test_password_login_is_not_sent_across_a_cross_origin_redirect():
    with hostile.HostileServer(hostile.pocketbase_like(), host="127.0.0.2") as other, \
            hostile.HostileServer(hostile.redirect_to(other.url, status=307)) as first:
        client = PocketBaseClient(first.url, email="a@example.com", password=SECRET_PASSWORD, timeout=3,
                                  generation="v023")
        raises(client.connect)
        assert other.password_requests(SECRET_PASSWORD) == []
        assert other.requests == []


def test_same_origin_redirect_is_followed_with_the_token():
    def behaviour(handler):
        if not handler.path.startswith("/old"):
            return hostile.pocketbase_like()(handler)
        handler.send_response(301)
        handler.send_header("Location", handler.path[len("/old"):])
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return None

    with hostile.HostileServer(behaviour) as srv:
        client = PocketBaseClient(srv.url, token=SECRET_TOKEN, timeout=3, generation="v023")
        assert client.request("GET", "/old/api/settings") == {"meta": {"appName": "hostile"}}
        assert [r[1] for r in srv.authorized_requests()] == ["/old/api/settings", "/api/settings"]


def test_info_module_fails_naming_both_urls_on_a_cross_origin_redirect(run_module):
    with hostile.HostileServer(hostile.pocketbase_like(), host="127.0.0.2") as other, \
            hostile.HostileServer(hostile.redirect_to(other.url)) as first:
        res = run_module("pocketbase_info", url=first.url, token=SECRET_TOKEN, timeout=3)
        assert res.failed, res
        assert first.url in res.msg and other.url in res.msg
        assert other.authorized_requests() == []
        assert SECRET_TOKEN not in res.raw


# ----------------------------------------------------------------------- item 5: deadline and size cap

@pytest.mark.parametrize("behaviour", [hostile.drip, hostile.drip_body], ids=["headers", "body"])
def test_a_dripping_server_is_cut_at_the_whole_request_deadline(behaviour):
    with hostile.HostileServer(behaviour(interval=0.5)) as srv:
        client = PocketBaseClient(srv.url, token=SECRET_TOKEN, timeout=2, generation="v023", retries=2,
                                  retry_delay=0.1)
        started = time.monotonic()
        err = raises(lambda: client.request("GET", "/api/settings"))
        elapsed = time.monotonic() - started
        assert err.kind == "unreachable"
        assert "within 2" in err.message, err.message
        assert "3 attempt" in err.message
        # the server would drip for 10 minutes: the client stopped at its documented bound
        # (3 x timeout + retry delays), not at the server's pace
        assert elapsed < 3 * 2 + 0.3 + 5


def test_info_module_is_cut_by_timeout_on_a_dripping_server(run_module):
    with hostile.HostileServer(hostile.drip(interval=1.0)) as srv:
        res = run_module("pocketbase_info", url=srv.url, token=SECRET_TOKEN, timeout=2, api_generation="v023")
        assert res.failed
        assert "within 2" in res.msg


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_a_huge_body_is_refused_at_the_size_cap(declare_length):
    with hostile.HostileServer(hostile.huge_body(megabytes=400, declare_length=declare_length)) as srv:
        client = PocketBaseClient(srv.url, token=SECRET_TOKEN, timeout=20, generation="v023",
                                  max_bytes=2 * 1024 * 1024)
        err = raises(lambda: client.request("GET", "/api/settings"))
        assert err.kind == "protocol"
        assert "limit" in err.message and "max_response_mb" in err.message
        assert len(client.calls) == 1  # not retried


def test_info_module_refuses_a_body_over_max_response_mb(run_module):
    with hostile.HostileServer(hostile.huge_body(megabytes=400)) as srv:
        res = run_module("pocketbase_info", url=srv.url, token=SECRET_TOKEN, timeout=20,
                         api_generation="v023", max_response_mb=1)
        assert res.failed
        assert "max_response_mb" in res.msg


# ----------------------------------------------------------------------- item 6: answers of the wrong shape

@pytest.mark.parametrize("path,answer", [
    ("/api/settings", [1, 2]),
    ("/api/collections", ["not", "objects"]),
    ("/api/collections", {"items": "nope"}),
    ("/api/collections/_superusers/records", {"items": [1]}),
])
def test_answers_of_the_wrong_json_shape_are_protocol_errors(path, answer):
    with hostile.HostileServer(hostile.pocketbase_like({path: (200, answer)})) as srv:
        client = PocketBaseClient(srv.url, token=SECRET_TOKEN, timeout=3, generation="v023")
        getter = {"/api/settings": client.get_settings, "/api/collections": client.list_collections,
                  "/api/collections/_superusers/records": client.list_superusers}[path]
        err = raises(getter)
        assert err.kind == "protocol", err
        assert srv.url in err.message
