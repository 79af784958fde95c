"""The SCIM requests Okta's provisioning (and Entra's) sends, over real HTTP against a running
okta-server, with a token issued by `okta-server okta setup`.

Two Okta styles are replayed: apps from the OIN template (profile and group changes by PATCH)
and App Integration Wizard apps (every write a PUT, deactivation included). After each flow
the provisioning worker's effect is read from the application database, read-only.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from scim_replay.scim import (
    SCIM_ENTERPRISE,
    SCIM_GROUP,
    SCIM_LIST,
    SCIM_USER,
    ScimClient,
    expect_error,
    expect_status,
    filter_query,
    issue_token,
)
from support.server import OktaServer

ORG = "test-org"
OKTA_HEADERS = {"User-Agent": "Okta SCIM Client 1.0.0"}
ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"
APPLY_TIMEOUT_S = 60.0


@pytest.fixture(scope="module")
def token(okta_server: OktaServer, tmp_path_factory: pytest.TempPathFactory) -> str:
    return issue_token(okta_server, ORG, tmp_path_factory.mktemp("scim-okta"))


@pytest.fixture
def scim(okta_server: OktaServer, token: str) -> Iterator[ScimClient]:
    client = ScimClient.for_org(okta_server, ORG, token)
    yield client
    client.close()


def unique_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@Example.COM"


def okta_user(email: str, given: str, family: str) -> dict[str, Any]:
    """The body of Okta's create: what a Header-Auth SCIM 2.0 app sends on assignment."""
    return {
        "schemas": [SCIM_USER, SCIM_ENTERPRISE],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "title": "Engineer",
        "externalId": "00u" + uuid.uuid4().hex[:17],
        "groups": [],
        "password": "Not-returned-1!",
        "active": True,
        SCIM_ENTERPRISE: {"department": "R&D"},
    }


def assert_list(answer: Any, total: int, start: int = 1) -> list[dict[str, Any]]:
    """A ListResponse with integer paging fields and `Resources` (empty list when none)."""
    expect_status(answer, 200)
    assert answer.content_type.startswith("application/scim+json"), answer.content_type
    body = answer.json()
    assert body["schemas"] == [SCIM_LIST], body
    assert body["totalResults"] == total, body
    assert body["startIndex"] == start, body
    assert type(body["itemsPerPage"]) is int and body["itemsPerPage"] == len(body["Resources"]), body
    return body["Resources"]


def lookup_user(scim: ScimClient, user_name: str) -> list[dict[str, Any]]:
    """Okta's lookup before create (and after): `userName eq` with paging."""
    answer = scim.get(
        "/Users" + filter_query(f'userName eq "{user_name}"', startIndex=1, count=100),
        headers=OKTA_HEADERS,
    )
    body = answer.json()
    return assert_list(answer, body.get("totalResults", -1))


def assert_created_user(answer: Any, sent: dict[str, Any]) -> dict[str, Any]:
    expect_status(answer, 201)
    user = answer.json()
    assert user["id"] and isinstance(user["id"], str)
    assert answer.headers["Location"] == user["meta"]["location"]
    assert user["meta"]["location"].endswith(f"/okta/scim/Users/{user['id']}")
    assert user["meta"]["resourceType"] == "User"
    assert user["userName"] == sent["userName"]  # case preserved
    assert user["name"] == sent["name"]
    assert user["emails"] == sent["emails"]
    assert user["externalId"] == sent["externalId"]
    assert user["displayName"] == sent["displayName"]
    assert user["active"] is True
    assert "password" not in user
    assert SCIM_USER in user["schemas"]
    assert user[SCIM_ENTERPRISE] == {"department": "R&D"}
    assert user.get("groups", []) == []
    return user


def patched(scim: ScimClient, path: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
    """PATCH answered 204 (RFC 7644 §3.5.2 allows it without `attributes`), or 200 with the
    resource; returns the resource as a following GET reads it (equal to a 200 body)."""
    answer = expect_status_in(scim.patch(path, operations), (200, 204))
    now = get_json(scim, path)
    if answer.status == 200:
        assert answer.json() == now
    return now


def get_json(scim: ScimClient, path: str) -> dict[str, Any]:
    answer = expect_status(scim.get(path, headers=OKTA_HEADERS), 200)
    assert answer.content_type.startswith("application/scim+json")
    return answer.json()


def member_values(group: dict[str, Any]) -> set[str]:
    return {m["value"] for m in group.get("members") or []}


def app_db(server: OktaServer) -> sqlite3.Connection:
    """The application database (members, groups, memberships), opened read-only."""
    path = Path(server.data_dir) / "app.sqlite3"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def wait_for_app_state(server: OktaServer, query: str, args: tuple[Any, ...], want: list[tuple[Any, ...]]) -> None:
    """Polls the application database until the worker has applied the expected state."""
    deadline = time.monotonic() + APPLY_TIMEOUT_S
    rows: list[tuple[Any, ...]] = []
    while time.monotonic() < deadline:
        with app_db(server) as db:
            rows = db.execute(query, args).fetchall()
        if rows == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"application tables: {rows}, expected {want} after {APPLY_TIMEOUT_S}s")


# --- Test Connector Configuration -------------------------------------------------------------


def test_connector_configuration(okta_server: OktaServer, token: str, tmp_path: Path) -> None:
    """Okta's "Test Connector Configuration": GET /Users?startIndex=1&count=2, no body."""
    fresh = okta_server.cli("org", "create", "connector-check")
    assert "organization: connector-check" in fresh
    fresh_token = issue_token(okta_server, "connector-check", tmp_path)
    client = ScimClient.for_org(okta_server, "connector-check", fresh_token)
    try:
        answer = client.get("/Users?startIndex=1&count=2", headers=OKTA_HEADERS)
        assert assert_list(answer, 0) == []
        assert answer.json() == {
            "schemas": [SCIM_LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": [],
        }
        emails = [unique_email(f"conn{i}") for i in range(3)]
        for email in emails:
            expect_status(client.post("/Users", okta_user(email, "C", "Onn")), 201)
        page = assert_list(client.get("/Users?startIndex=1&count=2", headers=OKTA_HEADERS), 3)
        assert [u["userName"] for u in page] == emails[:2]
        page2 = assert_list(client.get("/Users?startIndex=3&count=2", headers=OKTA_HEADERS), 3, start=3)
        assert [u["userName"] for u in page2] == emails[2:]
        # A wrong token makes the dialog fail with 401.
        client.token = fresh_token + "x"
        expect_error(client.get("/Users?startIndex=1&count=2"), 401)
        client.token = None
        expect_error(client.get("/Users?startIndex=1&count=2"), 401)
    finally:
        client.close()


# --- user lifecycle ---------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["oin-patch", "aiw-put"])
def test_okta_user_and_group_lifecycle(okta_server: OktaServer, scim: ScimClient, style: str) -> None:
    email = unique_email(f"okta-{style}")
    sent = okta_user(email, "Ada", "Lovelace")

    # Assignment: lookup (absent), create, lookup again (case-insensitively too).
    assert lookup_user(scim, email) == []
    created = assert_created_user(scim.post("/Users", sent, headers=OKTA_HEADERS), sent)
    uid = created["id"]
    found = lookup_user(scim, email)
    assert [u["id"] for u in found] == [uid]
    assert [u["id"] for u in lookup_user(scim, email.upper())] == [uid]
    assert get_json(scim, f"/Users/{uid}") == created

    # Assigning the same person again: 409 uniqueness (case-insensitive userName).
    again = dict(sent, userName=email.lower(), externalId="00uother")
    expect_error(scim.post("/Users", again), 409, "uniqueness")

    # Profile update.
    if style == "oin-patch":
        updated = patched(
            scim,
            f"/Users/{uid}",
            [
                {"op": "replace", "path": "name.givenName", "value": "Augusta"},
                {"op": "replace", "value": {"title": "Countess", "displayName": "Augusta Lovelace"}},
            ],
        )
    else:
        read = get_json(scim, f"/Users/{uid}")
        read["name"]["givenName"] = "Augusta"
        read["title"] = "Countess"
        read["displayName"] = "Augusta Lovelace"
        read["groups"] = []
        read["password"] = "Rotated-2!"
        updated = expect_status(scim.put(f"/Users/{uid}", read), 200).json()
    assert updated["id"] == uid
    assert updated["name"] == {"givenName": "Augusta", "familyName": "Lovelace"}
    assert updated["title"] == "Countess"
    assert updated["displayName"] == "Augusta Lovelace"
    assert updated["userName"] == email
    assert updated["active"] is True
    assert "password" not in updated
    assert updated["meta"]["lastModified"] >= created["meta"]["lastModified"]
    assert get_json(scim, f"/Users/{uid}") == updated

    # Deactivate, then reactivate.
    for active in (False, True):
        if style == "oin-patch":
            user = patched(scim, f"/Users/{uid}", [{"op": "replace", "value": {"active": active}}])
        else:
            read = get_json(scim, f"/Users/{uid}")
            read["active"] = active
            user = expect_status(scim.put(f"/Users/{uid}", read), 200).json()
        assert user["active"] is active
        assert get_json(scim, f"/Users/{uid}")["active"] is active
        # Inactive users stay visible to lookups.
        (listed,) = lookup_user(scim, email)
        assert listed["active"] is active
        if not active:
            wait_for_app_state(
                okta_server, "SELECT email, active FROM members WHERE scim_id = ?", (uid,), [(email.lower(), 0)]
            )

    # A second user, then group push.
    other_email = unique_email(f"okta-{style}-2")
    other_sent = okta_user(other_email, "Grace", "Hopper")
    other = assert_created_user(scim.post("/Users", other_sent), other_sent)
    oid = other["id"]

    group_name = f"Engineering {style} {uuid.uuid4().hex[:6]}"
    assert_list(scim.get("/Groups" + filter_query(f'displayName eq "{group_name}"')), 0)
    group_sent = {
        "schemas": [SCIM_GROUP],
        "displayName": group_name,
        "members": [{"value": uid, "display": email}],
    }
    created_group = expect_status(scim.post("/Groups", group_sent), 201).json()
    gid = created_group["id"]
    assert created_group["displayName"] == group_name
    assert created_group["schemas"] == [SCIM_GROUP]
    assert created_group["meta"]["resourceType"] == "Group"
    assert [(m["value"], m.get("display")) for m in created_group["members"]] == [(uid, email)]
    assert member_values(get_json(scim, f"/Groups/{gid}")) == {uid}
    (found_group,) = assert_list(scim.get("/Groups" + filter_query(f'displayName eq "{group_name}"')), 1)
    assert found_group["id"] == gid
    user_groups = get_json(scim, f"/Users/{uid}").get("groups", [])
    assert [(g["value"], g.get("display")) for g in user_groups] == [(gid, group_name)]

    # Member add and remove, then rename.
    renamed = group_name + " (renamed)"
    if style == "oin-patch":
        expect_status_in(
            scim.patch(f"/Groups/{gid}", [
                {"op": "replace", "value": {"id": gid, "displayName": group_name}},
                {"op": "add", "path": "members", "value": [{"value": oid, "display": other_email}]},
            ]),
            (200, 204),
        )
        assert member_values(get_json(scim, f"/Groups/{gid}")) == {uid, oid}
        expect_status_in(
            scim.patch(f"/Groups/{gid}", [
                {"op": "replace", "value": {"id": gid, "displayName": group_name}},
                {"op": "remove", "path": f'members[value eq "{uid}"]'},
            ]),
            (200, 204),
        )
        assert member_values(get_json(scim, f"/Groups/{gid}")) == {oid}
        # Removing a non-member is a no-op success.
        expect_status_in(scim.patch(f"/Groups/{gid}", [{"op": "remove", "path": f'members[value eq "{uid}"]'}]), (200, 204))
        expect_status_in(
            scim.patch(f"/Groups/{gid}", [{"op": "replace", "value": {"id": gid, "displayName": renamed}}]),
            (200, 204),
        )
    else:
        read = get_json(scim, f"/Groups/{gid}")
        read["members"] = [{"value": uid, "display": email}, {"value": oid, "display": other_email}]
        put = expect_status(scim.put(f"/Groups/{gid}", read), 200).json()
        assert member_values(put) == {uid, oid}
        read = get_json(scim, f"/Groups/{gid}")
        read["members"] = [{"value": oid, "display": other_email}]
        put = expect_status(scim.put(f"/Groups/{gid}", read), 200).json()
        assert member_values(put) == {oid}
        read = get_json(scim, f"/Groups/{gid}")
        read["displayName"] = renamed
        put = expect_status(scim.put(f"/Groups/{gid}", read), 200).json()
        assert put["displayName"] == renamed
    group = get_json(scim, f"/Groups/{gid}")
    assert group["displayName"] == renamed
    assert member_values(group) == {oid}
    assert get_json(scim, f"/Users/{uid}").get("groups", []) == []
    assert [g["value"] for g in get_json(scim, f"/Users/{oid}")["groups"]] == [gid]

    # excludedAttributes=members, by id and in a list.
    slim = get_json(scim, f"/Groups/{gid}?excludedAttributes=members")
    assert "members" not in slim and slim["id"] == gid and slim["displayName"] == renamed
    listed = assert_list(
        scim.get("/Groups" + filter_query(f'displayName eq "{renamed}"', excludedAttributes="members")), 1
    )
    assert "members" not in listed[0] and listed[0]["id"] == gid

    # The worker applied it all to the application's tables.
    wait_for_app_state(
        okta_server,
        "SELECT g.display_name, m.member_scim_id FROM groups g JOIN memberships m "
        "ON m.org = g.org AND m.group_scim_id = g.scim_id WHERE g.scim_id = ?",
        (gid,),
        [(renamed, oid)],
    )
    wait_for_app_state(
        okta_server, "SELECT email, display_name, active FROM members WHERE scim_id = ?", (uid,),
        [(email.lower(), "Augusta Lovelace", 1)],
    )

    # Unlinking the pushed group with "delete the group in the target app".
    deleted = expect_status(scim.delete(f"/Groups/{gid}"), 204)
    assert deleted.body == b""
    expect_error(scim.get(f"/Groups/{gid}"), 404)
    assert_list(scim.get("/Groups" + filter_query(f'displayName eq "{renamed}"')), 0)
    wait_for_app_state(okta_server, "SELECT scim_id FROM groups WHERE scim_id = ?", (gid,), [])


def expect_status_in(answer: Any, statuses: tuple[int, ...]) -> Any:
    assert answer.status in statuses, f"expected one of {statuses}, got {answer!r}"
    if answer.status == 204:
        assert answer.body == b""
    return answer


# --- lookup by the guide's unique identifier field --------------------------------------------


def lookup_by_email(scim: ScimClient, email: str) -> Any:
    """Okta's lookup when the admin entered `email` as the "Unique identifier field for users"
    (as the admin guide says): the field name is the filter attribute,
    `GET /okta/scim/Users?filter=email%20eq%20%22...%22&startIndex=1&count=100`."""
    return scim.get("/Users" + filter_query(f'email eq "{email}"', startIndex=1, count=100), headers=OKTA_HEADERS)


def test_okta_lookup_by_email_unique_identifier(scim: ScimClient) -> None:
    email = unique_email("okta-email-field")
    sent = okta_user(email, "Jane", "Doe")

    assert assert_list(lookup_by_email(scim, email), 0) == []
    created = assert_created_user(scim.post("/Users", sent, headers=OKTA_HEADERS), sent)

    # Found (emails.value, any case), so re-assigning links to the user instead of a second POST.
    found = assert_list(lookup_by_email(scim, email), 1)
    assert [u["id"] for u in found] == [created["id"]]
    assert found[0] == created
    assert [u["id"] for u in assert_list(lookup_by_email(scim, email.lower()), 1)] == [created["id"]]
    assert assert_list(lookup_by_email(scim, unique_email("okta-email-other")), 0) == []
    # Without the lookup finding it, Okta's POST would meet 409 for the existing user.
    expect_error(scim.post("/Users", sent, headers=OKTA_HEADERS), 409, "uniqueness")


def test_unknown_ids_are_404(scim: ScimClient) -> None:
    for path in ("/Users/010101001010101011001010101011", "/Groups/00919288221112222"):
        expect_error(scim.get(path), 404)
        expect_error(scim.put(path, {"schemas": [SCIM_USER], "userName": "x@example.com"}), 404)
        expect_error(scim.patch(path, [{"op": "replace", "value": {"active": False}}]), 404)
        expect_error(scim.delete(path), 404)


# --- Entra ------------------------------------------------------------------------------------


def test_entra_requests(okta_server: OktaServer, scim: ScimClient) -> None:
    external = str(uuid.uuid4())
    email = unique_email("entra")
    sent = {
        "schemas": [SCIM_USER, SCIM_ENTERPRISE],
        "externalId": external,
        "userName": email,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
        "roles": [],
        SCIM_ENTERPRISE: {"employeeNumber": "701984", "department": "Sales"},
    }
    # Matching by externalId first (absent), then create.
    assert_list(scim.get("/Users" + filter_query(f'externalId eq "{external}"')), 0)
    user = expect_status(scim.post("/Users", sent), 201).json()
    uid = user["id"]
    assert user["externalId"] == external and user["active"] is True
    assert user[SCIM_ENTERPRISE] == {"employeeNumber": "701984", "department": "Sales"}
    (match,) = assert_list(scim.get("/Users" + filter_query(f'externalId eq "{external}"')), 1)
    assert match["id"] == uid
    # externalId is caseExact.
    assert_list(scim.get("/Users" + filter_query(f'externalId eq "{external.upper()}"')), 0)

    # Update with capitalised ops, a valuePath with a sub-attribute, an extension path.
    new_email = unique_email("entra-new")
    after = patched(scim, f"/Users/{uid}", [
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": new_email},
        {"op": "Replace", "path": "name.familyName", "value": "Renamed"},
        {"op": "Add", "path": f"{SCIM_ENTERPRISE}:department", "value": "Retail"},
        {"op": "Add", "path": "nickName", "value": "Babs"},
    ])
    assert after["emails"] == [{"primary": True, "type": "work", "value": new_email}]
    assert after["name"] == {"formatted": "Test User", "familyName": "Renamed", "givenName": "Test"}
    assert after[SCIM_ENTERPRISE] == {"employeeNumber": "701984", "department": "Retail"}
    assert after["nickName"] == "Babs"
    # With `attributes`, a PATCH must answer 200 with the (projected) resource.
    projected = expect_status(
        scim.patch(f"/Users/{uid}?attributes=nickName", [{"op": "Replace", "path": "nickName", "value": "Bab"}]), 200
    ).json()
    assert projected == {"id": uid, "nickName": "Bab", "schemas": projected["schemas"]}
    (by_email,) = assert_list(scim.get("/Users" + filter_query(f'emails.value eq "{new_email}"')), 1)
    assert by_email["id"] == uid

    # A work email on a user without one is created by the valuePath replace.
    bare_email = unique_email("entra-bare")
    bare = expect_status(scim.post("/Users", {"schemas": [SCIM_USER], "userName": bare_email}), 201).json()
    with_work = patched(
        scim, f"/Users/{bare['id']}", [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": bare_email}]
    )
    assert [(e["type"], e["value"]) for e in with_work["emails"]] == [("work", bare_email)]

    # Disable with the string "False", as Entra's default job sends it.
    disabled = patched(scim, f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "False"}])
    assert disabled["active"] is False
    (still_listed,) = assert_list(scim.get("/Users" + filter_query(f'userName eq "{email}"')), 1)
    assert still_listed["active"] is False
    enabled = patched(scim, f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "True"}])
    assert enabled["active"] is True
    # "False" is a boolean only for boolean attributes.
    expect_error(scim.patch(f"/Users/{uid}", [{"op": "Replace", "path": "active", "value": "maybe"}]), 400, "invalidValue")

    # Groups: an extra non-URN schema is ignored; members by {$ref: null, value}.
    group_name = f"Entra group {uuid.uuid4().hex[:6]}"
    group = expect_status(
        scim.post("/Groups", {
            "schemas": [SCIM_GROUP, ENTRA_GROUP_SCHEMA],
            "externalId": str(uuid.uuid4()),
            "displayName": group_name,
            "meta": {"resourceType": "Group"},
        }),
        201,
    ).json()
    gid = group["id"]
    assert group["displayName"] == group_name and group.get("members", []) == []
    (found,) = assert_list(
        scim.get("/Groups" + filter_query(f'displayName eq "{group_name}"', excludedAttributes="members")), 1
    )
    assert found["id"] == gid and "members" not in found
    expect_status_in(scim.patch(f"/Groups/{gid}", [{"op": "Add", "path": "members", "value": [{"$ref": None, "value": uid}]}]), (200, 204))
    assert member_values(get_json(scim, f"/Groups/{gid}")) == {uid}
    # Entra's legacy removal: path "members" with the values to remove.
    expect_status_in(
        scim.patch(f"/Groups/{gid}", [
            {"op": "Add", "path": "members", "value": [{"$ref": None, "value": bare["id"]}]},
            {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": uid}]},
        ]),
        (200, 204),
    )
    assert member_values(get_json(scim, f"/Groups/{gid}")) == {bare["id"]}
    expect_status_in(scim.patch(f"/Groups/{gid}", [{"op": "Replace", "path": "displayName", "value": group_name + "!"}]), (200, 204))
    assert get_json(scim, f"/Groups/{gid}?excludedAttributes=members") == {
        k: v for k, v in get_json(scim, f"/Groups/{gid}").items() if k != "members"
    }
    assert get_json(scim, f"/Groups/{gid}")["displayName"] == group_name + "!"

    # Hard delete of users and groups.
    for path in (f"/Users/{uid}", f"/Users/{bare['id']}", f"/Groups/{gid}"):
        assert expect_status(scim.delete(path), 204).body == b""
        expect_error(scim.get(path), 404)
    assert_list(scim.get("/Users" + filter_query(f'externalId eq "{external}"')), 0)
