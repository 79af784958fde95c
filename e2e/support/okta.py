"""What an Owner and Okta do against a running server: one-time sign-in, SCIM user writes,
and waiting for the provisioning worker (its progress on the Okta Integration page)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .http import OrgClient, Response

SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

#: How long the worker may take to apply a handful of queued changes.
APPLY_TIMEOUT_S = 30.0
APPLY_POLL_S = 0.1


class FlowError(AssertionError):
    """A step of the flow did not answer as documented."""


def expect(response: Response, status: int, what: str) -> Response:
    if response.status != status:
        raise FlowError(f"{what}: expected {status}, got {response.status}: {response.text[:2000]}")
    return response


def owner_sign_in(client: OrgClient, one_time_url: str) -> None:
    """Uses an Owner's one-time sign-in URL as a browser would: GET shows a form, POST signs in."""
    url = urlsplit(one_time_url)
    page = expect(client.get(f"{url.path}?{url.query}"), 200, "one-time sign-in page")
    (token,) = parse_qs(url.query)["token"]
    if f'value="{token}"' not in page.text:
        raise FlowError("the one-time sign-in page does not carry the token in its form")
    done = expect(client.post("/signin/one-time", form={"token": token}), 303, "one-time sign-in")
    if done.location != "/" or not client.cookies:
        raise FlowError(f"one-time sign-in gave Location {done.location!r}, cookies {client.cookies}")


@dataclass(frozen=True)
class Progress:
    """The provisioning counts of the Okta Integration page."""

    queued: int
    applied: int
    failed: int


def progress(owner: OrgClient) -> Progress:
    page = expect(owner.get("/settings/okta"), 200, "Okta Integration page")

    def count(name: str) -> int:
        match = re.search(rf'<b id="{name}">(\d+)</b>', page.text)
        if match is None:
            raise FlowError(f"no {name} count on the Okta Integration page")
        return int(match.group(1))

    return Progress(count("queued"), count("applied"), count("failed"))


def wait_until_applied(owner: OrgClient, timeout: float = APPLY_TIMEOUT_S) -> Progress:
    """Polls the documented progress until nothing is queued; fails on a failed change."""
    deadline = time.monotonic() + timeout
    while True:
        now = progress(owner)
        if now.failed:
            raise FlowError(f"provisioning failures: {now}")
        if now.queued == 0:
            return now
        if time.monotonic() > deadline:
            raise FlowError(f"provisioning still queued after {timeout}s: {now}")
        time.sleep(APPLY_POLL_S)


def okta_user(email: str, given: str, family: str) -> dict[str, Any]:
    """A user as Okta's provisioning creates it."""
    return {
        "schemas": [SCIM_USER],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": f"00u-{email.split('@')[0]}",
        "groups": [],
        "password": "not-used-1A!",
        "active": True,
    }


def scim_create_user(client: OrgClient, token: str, email: str, given: str, family: str) -> str:
    """POST /okta/scim/Users; returns the new user's id."""
    created = expect(
        client.post("/okta/scim/Users", json=okta_user(email, given, family), bearer=token),
        201,
        f"SCIM create {email}",
    ).json()
    if created.get("userName") != email or created.get("active") is not True:
        raise FlowError(f"SCIM create answered {created}")
    return str(created["id"])


def scim_set_active(client: OrgClient, token: str, user_id: str, active: bool) -> dict[str, Any]:
    """Okta's deactivate/reactivate: PATCH replace {active} (answered 204, the integration's
    documented default), then GET shows the new state."""
    body = {
        "schemas": [SCIM_PATCH],
        "Operations": [{"op": "replace", "value": {"active": active}}],
    }
    expect(
        client.request("PATCH", f"/okta/scim/Users/{user_id}", json=body, bearer=token),
        204,
        f"SCIM PATCH active={active}",
    )
    user = expect(
        client.get(f"/okta/scim/Users/{user_id}", bearer=token), 200, "SCIM GET user"
    ).json()
    if user.get("active") is not active:
        raise FlowError(f"after PATCH active={active} the user is {user}")
    return user
