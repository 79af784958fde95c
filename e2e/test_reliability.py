"""Reliability of the SCIM server under concurrency, hostile input and a crash:

- 50 concurrent creates of one userName: exactly one 201, 49 × 409 `uniqueness`;
- another organization's valid token: 401 on every SCIM route;
- malformed JSON: 400 `invalidSyntax`; a body over the limit: 413;
- `kill -9` while 1,000 users are being provisioned, restart on the same data: every created
  user reaches the application's members table, and no change id is applied twice.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from load.scim_load import (
    Outcome,
    State,
    applied_change_ids,
    create_users,
    load_email,
    member_emails,
    queue_change_ids,
    state,
    wait_until_applied,
)
from scim_replay.scim import (
    SCIM_GROUP,
    SCIM_USER,
    ScimClient,
    expect_error,
    expect_status,
    issue_token,
)
from support.server import OktaServer

CONCURRENT_CREATES = 50
CRASH_USERS = 1000
APPLY_TIMEOUT_S = 120.0
DEFAULT_MAX_BODY = 1024 * 1024


def test_concurrent_creates_of_one_user_name(start_okta_server, tmp_path: Path) -> None:
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    email = f"same.{uuid.uuid4().hex[:8]}@example.com"
    barrier = threading.Barrier(CONCURRENT_CREATES)
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        client = ScimClient.for_org(server, "test-org", token)
        body = {"schemas": [SCIM_USER], "userName": email if i % 2 else email.upper(), "externalId": f"00u{i}"}
        try:
            barrier.wait(timeout=30)
            answer = client.post("/Users", body)
            with lock:
                answers.append((answer.status, answer.json()))
        finally:
            client.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(CONCURRENT_CREATES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == CONCURRENT_CREATES
    statuses = Counter(status for status, _ in answers)
    assert statuses == {201: 1, 409: CONCURRENT_CREATES - 1}, statuses
    for status, body in answers:
        if status == 409:
            assert body["scimType"] == "uniqueness" and body["status"] == "409" and body["detail"], body
    (created,) = [body for status, body in answers if status == 201]
    reader = ScimClient.for_org(server, "test-org", token)
    listed = reader.get(f'/Users?filter=userName%20eq%20%22{email}%22').json()
    assert listed["totalResults"] == 1 and listed["Resources"][0]["id"] == created["id"]
    reader.close()
    final = wait_until_applied(server.data_dir, "test-org", APPLY_TIMEOUT_S)
    assert final.members == 1 and final.applied == 1


def test_another_organizations_token_is_refused_everywhere(start_okta_server, tmp_path: Path) -> None:
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    server.cli("org", "create", "org2")
    token2 = issue_token(server, "org2", tmp_path)
    own = ScimClient.for_org(server, "test-org", token)
    user = expect_status(own.post("/Users", {"schemas": [SCIM_USER], "userName": "victim@example.com"}), 201).json()
    group = expect_status(own.post("/Groups", {"schemas": [SCIM_GROUP], "displayName": "Victims"}), 201).json()
    # org2's token is valid: it works on org2.
    org2 = ScimClient.for_org(server, "org2", token2)
    expect_status(org2.get("/Users"), 200)
    org2.close()

    intruder = ScimClient.for_org(server, "test-org", token2)
    uid, gid = user["id"], group["id"]
    user_body = {"schemas": [SCIM_USER], "userName": "victim@example.com", "active": False}
    group_body = {"schemas": [SCIM_GROUP], "displayName": "Taken"}
    patch = [{"op": "replace", "value": {"active": False}}]
    search = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'userName pr'}
    routes = [
        ("GET", "/Users", None), ("POST", "/Users", user_body),
        ("GET", f"/Users/{uid}", None), ("PUT", f"/Users/{uid}", user_body),
        ("PATCH", f"/Users/{uid}", None), ("DELETE", f"/Users/{uid}", None),
        ("GET", "/Groups", None), ("POST", "/Groups", group_body),
        ("GET", f"/Groups/{gid}", None), ("PUT", f"/Groups/{gid}", group_body),
        ("PATCH", f"/Groups/{gid}", None), ("DELETE", f"/Groups/{gid}", None),
        ("POST", "/.search", search), ("POST", "/Users/.search", search), ("POST", "/Groups/.search", search),
        ("GET", "/ServiceProviderConfig", None), ("GET", "/ResourceTypes", None),
        ("GET", "/ResourceTypes/User", None), ("GET", "/Schemas", None), ("GET", f"/Schemas/{SCIM_USER}", None),
        ("GET", "/Me", None), ("GET", "/Bulk", None), ("POST", "/Bulk", {"Operations": []}),
        ("GET", "/Users?filter=userName%20eq%20%22victim%40example.com%22", None),
    ]
    user_before = own.get(f"/Users/{uid}").json()
    group_before = own.get(f"/Groups/{gid}").json()
    try:
        for method, path, body in routes:
            if method == "PATCH":
                answer = intruder.patch(path, patch)
            else:
                answer = intruder.request(method, path, body)
            expect_error(answer, 401)
        # Nothing changed.
        assert own.get(f"/Users/{uid}").json() == user_before
        assert own.get(f"/Groups/{gid}").json() == group_before
        assert own.get("/Users").json()["totalResults"] == 1
        assert own.get("/Groups").json()["totalResults"] == 1
    finally:
        intruder.close()
        own.close()


def test_malformed_json_and_oversized_bodies(start_okta_server, tmp_path: Path) -> None:
    server: OktaServer = start_okta_server()
    token = issue_token(server, "test-org", tmp_path)
    client = ScimClient.for_org(server, "test-org", token)
    uid = expect_status(client.post("/Users", {"schemas": [SCIM_USER], "userName": "shape@example.com"}), 201).json()["id"]
    try:
        for method, path in (
            ("POST", "/Users"), ("PUT", f"/Users/{uid}"), ("PATCH", f"/Users/{uid}"),
            ("POST", "/Groups"), ("POST", "/.search"),
        ):
            for junk in (b'{"userName": "x@example.com",', b"not json", b'{"acve": tre}', b"\xff\xfe{}"):
                expect_error(client.raw(method, path, junk), 400, "invalidSyntax")
        # Valid JSON of the wrong shape is refused too, without a panic or 500.
        expect_error(client.raw("POST", "/Users", b"[]"), 400, "invalidSyntax")
        assert client.get(f"/Users/{uid}").json()["userName"] == "shape@example.com"

        # A valid user padded with JSON whitespace to exactly the limit is read and created;
        # one byte more is refused with 413, declared up front or streamed in chunks.
        head = b'{"schemas":["' + SCIM_USER.encode() + b'"],"userName":"big@example.com"}'
        at_limit = head + b" " * (DEFAULT_MAX_BODY - len(head))
        over = at_limit + b" "
        assert len(at_limit) == DEFAULT_MAX_BODY
        refused = client.raw("POST", "/Users", over)
        assert refused.status == 413, refused
        client.close()
        assert chunked_post_status(server, token, over) == 413
        assert client.get("/Users?filter=userName%20eq%20%22big%40example.com%22").json()["totalResults"] == 0
        expect_status(client.raw("POST", "/Users", at_limit), 201)
        assert client.get("/Users?filter=userName%20eq%20%22big%40example.com%22").json()["totalResults"] == 1
        client.close()
        assert chunked_post_status(server, token, at_limit.replace(b"big@", b"bg2@")) == 201
    finally:
        client.close()


def chunked_post_status(server: OktaServer, token: str, body: bytes) -> int:
    """POSTs `body` with chunked transfer encoding (no Content-Length)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.putrequest("POST", "/okta/scim/Users", skip_host=True)
        conn.putheader("Host", server.org_host("test-org"))
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", "application/scim+json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        try:
            for start in range(0, len(body), 64 * 1024):
                piece = body[start : start + 64 * 1024]
                conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            pass  # The server may answer and close before the whole body is sent.
        return conn.getresponse().status
    finally:
        conn.close()


def test_kill_9_during_provisioning_then_restart(start_okta_server, tmp_path: Path) -> None:
    server: OktaServer = start_okta_server()
    data = server.data_dir
    token = issue_token(server, "test-org", tmp_path)
    emails = [load_email(f"crash{uuid.uuid4().hex[:6]}-", i) for i in range(CRASH_USERS)]
    killed = threading.Event()
    seen_at_kill: dict[str, object] = {}
    created = Counter[str]()
    lock = threading.Lock()

    def on_outcome(outcome: Outcome) -> None:
        with lock:
            if outcome.status == 201:
                created["201"] += 1
            count = created["201"]
        # Kill once a good part is created and the worker has changes still queued.
        if not killed.is_set() and CRASH_USERS // 4 <= count <= CRASH_USERS * 3 // 4:
            now = state(data, "test-org")
            if now.pending > 0 and now.members < CRASH_USERS:
                with lock:
                    if killed.is_set():
                        return
                    killed.set()
                seen_at_kill["state"] = now
                server.kill()

    first = create_users(server.port, server.org_host("test-org"), token, emails, 16, on_outcome, stop=killed)
    assert killed.is_set(), "the worker never had queued changes while users were being created"
    before = seen_at_kill["state"]
    assert isinstance(before, State)
    assert 0 < before.pending and before.members < CRASH_USERS
    ok_first = {o.email for o in first if o.status == 201}
    broken = {o.email for o in first if o.status is None}
    unexpected = [o for o in first if o.status not in (201, None)]
    assert not unexpected, unexpected[:5]
    assert CRASH_USERS // 4 <= len(ok_first) < CRASH_USERS
    assert len(broken) <= 16 and len(first) < CRASH_USERS  # at most the requests in flight broke

    restarted: OktaServer = start_okta_server(data)
    # What the killed process committed survives: every 201 is stored.
    stored_now = state(data, "test-org")
    assert stored_now.resources >= len(ok_first)
    # Retry what got no answer and send what was never sent: 201, or 409 when the create had
    # committed before the kill.
    answered = ok_first | broken
    rest = [e for e in emails if e not in ok_first]
    second = create_users(restarted.port, restarted.org_host("test-org"), token, rest, 16)
    statuses = {o.email: o.status for o in second}
    assert len(statuses) == len(rest)
    assert all(s == 201 or (s == 409 and e in broken) for e, s in statuses.items()), Counter(statuses.values())
    assert all(statuses[e] == 201 for e in rest if e not in answered)

    final = wait_until_applied(data, "test-org", APPLY_TIMEOUT_S)
    assert final.resources == CRASH_USERS
    assert final.failed == 0
    assert final.members == CRASH_USERS
    assert sorted(member_emails(data, "test-org")) == sorted(emails)
    # Each queued change applied exactly once: the applied ids are the queue's ids, no repeats.
    queued = queue_change_ids(data, "test-org")
    applied = applied_change_ids(data, "test-org")
    assert len(queued) == final.applied == CRASH_USERS
    assert len(applied) == len(set(applied)) == final.applied_ids == final.distinct_applied_ids
    assert sorted(applied, key=int) == queued
    time.sleep(0.5)
    assert state(data, "test-org") == final  # nothing applied again afterwards
    assert restarted.stop() == 0

