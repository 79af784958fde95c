"""SAML sign-in end to end: an independent IdP (pysaml2 + xmlsec1) signs users in to the
running server, IdP-initiated (Okta "My Apps") and SP-initiated (`/okta/login`), and the
server refuses who it must: unprovisioned, deactivated and other organizations' users,
tampered and replayed responses, and sessions of deactivated users.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from idp import SIGN_MODES, IdentityProvider, SignMode, generate_key_pair
from idp.provider import encode_response
from support.http import OrgClient, Response, cookie_attributes
from support.okta import (
    owner_sign_in,
    scim_create_user,
    scim_set_active,
    wait_until_applied,
)
from support.server import OktaServer

ORG = "test-org"
OTHER_ORG = "other-org"
IDP_ENTITY_ID = "http://idp.e2e.test/exk1e2etest"
IDP_SSO_URL = "http://127.0.0.1:9/app/e2e/sso/saml"
SESSION_COOKIE = "okta_server_session"

NOT_PROVISIONED = "Your account has not been provisioned yet. Ask your administrator to assign"
DEACTIVATED = "Your account in this organization has been deactivated."
NOT_VERIFIED = "Your sign-in from Okta could not be accepted."
EXPIRED = "This sign-in expired, start again from Okta."

# Users provisioned in test-org: one per sign mode for first sign-ins, and some for the
# stateful cases (deactivation, replay).
SIGN_MODE_USERS = {mode: f"{mode}.signer@example.com" for mode in SIGN_MODES}
SP_USER = "sp.initiated@example.com"
REPLAY_USER = "replay.target@example.com"
DEACTIVATED_USER = "deactivated.user@example.com"
SESSION_USER = "session.holder@example.com"
OTHER_ORG_USER = "other.org.only@example.com"
UNPROVISIONED_USER = "never.provisioned@example.com"


@dataclass
class Setup:
    server: OktaServer
    idp: IdentityProvider
    other_idp: IdentityProvider
    token: str
    other_token: str
    user_ids: dict[str, str]

    def client(self, org: str = ORG) -> OrgClient:
        return self.server.client(org)


def metadata(client: OrgClient) -> str:
    response = client.get("/okta/metadata")
    assert response.status == 200
    return response.text


@pytest.fixture(scope="module")
def setup(okta_server: OktaServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    keys = generate_key_pair(tmp_path_factory.mktemp("idp-keys"))
    token = okta_server.cli(
        "okta", "setup", ORG, "--sso-url", IDP_SSO_URL, "--issuer", IDP_ENTITY_ID,
        "--cert", str(keys.cert_file),
    ).strip()
    assert re.fullmatch(r"[A-Za-z0-9_\-]+", token), f"okta setup printed {token!r}"

    created = okta_server.cli("org", "create", OTHER_ORG)
    assert f"organization: {OTHER_ORG} {okta_server.org_url(OTHER_ORG)}" in created
    other_token = okta_server.cli(
        "okta", "setup", OTHER_ORG, "--sso-url", IDP_SSO_URL, "--issuer", IDP_ENTITY_ID,
        "--cert", str(keys.cert_file),
    ).strip()
    assert other_token != token

    okta = okta_server.client(ORG)
    user_ids = {}
    for email in [*SIGN_MODE_USERS.values(), SP_USER, REPLAY_USER, DEACTIVATED_USER, SESSION_USER]:
        given, family = email.split("@")[0].split(".")
        user_ids[email] = scim_create_user(okta, token, email, given.title(), family.title())
    other_okta = okta_server.client(OTHER_ORG)
    # A token of one organization is no key to another.
    assert other_okta.get("/okta/scim/Users", bearer=token).status == 401
    user_ids[OTHER_ORG_USER] = scim_create_user(other_okta, other_token, OTHER_ORG_USER, "Other", "Org")

    owner = okta_server.client(ORG)
    owner_sign_in(owner, okta_server.sign_in_url(ORG))
    wait_until_applied(owner)
    users_page = owner.get("/settings/okta/users")
    assert users_page.status == 200
    for email in user_ids:
        assert (email in users_page.text) is (email != OTHER_ORG_USER), email

    other_owner = okta_server.client(OTHER_ORG)
    owner_sign_in(other_owner, sign_in_url_of(created))
    wait_until_applied(other_owner)

    idp = IdentityProvider(IDP_ENTITY_ID, IDP_SSO_URL, keys, metadata(okta))
    other_idp = IdentityProvider(IDP_ENTITY_ID, IDP_SSO_URL, keys, metadata(other_okta))
    assert idp.sp_entity_id() == okta_server.org_url(ORG)
    assert idp.acs_url() == f"{okta_server.org_url(ORG)}/okta/auth"
    yield Setup(okta_server, idp, other_idp, token, other_token, user_ids)


def sign_in_url_of(printed: str) -> str:
    (line,) = [l for l in printed.splitlines() if l.startswith("sign-in-url: ")]
    return line.split(" ", 2)[2]


def post_response(client: OrgClient, xml: str, relay_state: Optional[str] = None) -> Response:
    form = {"SAMLResponse": encode_response(xml)}
    if relay_state is not None:
        form["RelayState"] = relay_state
    return client.post("/okta/auth", form=form)


def assert_signed_in(response: Response, client: OrgClient, location: str = "/") -> None:
    assert response.status == 303, response.text
    assert response.location == location
    (set_cookie,) = [c for c in response.set_cookies() if c.startswith(f"{SESSION_COOKIE}=")]
    attributes = cookie_attributes(set_cookie)
    assert "httponly" in attributes
    assert attributes.get("samesite") == "Lax"
    assert attributes.get("path") == "/"
    assert "secure" not in attributes  # served over http
    assert SESSION_COOKIE in client.cookies


def assert_refused(response: Response, status: int, text: str) -> None:
    assert response.status == status, response.text
    assert text in response.text
    assert not response.set_cookies()


def signature_count(xml: str) -> int:
    return len(re.findall(r"<(?:\w+:)?Signature[ >]", xml))


def home_after_first_sign_in(client: OrgClient, email: str) -> None:
    """`/` leads to the Connect GitHub step once, whose Skip link leads to the home page."""
    first = client.get("/")
    assert first.status == 303
    assert first.location == "/welcome/github"
    step = client.get("/welcome/github")
    assert step.status == 200
    assert "Connect GitHub" in step.text
    assert '<a href="/">Skip for now</a>' in step.text
    home = client.get("/")
    assert home.status == 200
    assert f"Signed in as {email} (Member)." in home.text


# --- IdP-initiated ------------------------------------------------------------------------


@pytest.mark.parametrize("sign", SIGN_MODES)
def test_idp_initiated_sign_in(setup: Setup, sign: SignMode) -> None:
    email = SIGN_MODE_USERS[sign]
    xml = setup.idp.response_xml(email, sign)
    assert signature_count(xml) == (2 if sign == "both" else 1)
    assert "InResponseTo" not in xml

    browser = setup.client()
    assert_signed_in(post_response(browser, xml), browser)
    home_after_first_sign_in(browser, email)

    # The second sign-in goes straight home: the GitHub step was offered once.
    again = setup.client()
    assert_signed_in(post_response(again, setup.idp.response_xml(email, sign)), again)
    home = again.get("/")
    assert home.status == 200
    assert f"Signed in as {email} (Member)." in home.text


def test_idp_initiated_relay_state_is_a_relative_path_only(setup: Setup) -> None:
    email = SIGN_MODE_USERS["both"]
    browser = setup.client()
    response = post_response(browser, setup.idp.response_xml(email, "both"), "/?from=okta")
    assert_signed_in(response, browser, location="/?from=okta")

    for absolute in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        browser = setup.client()
        response = post_response(browser, setup.idp.response_xml(email, "both"), absolute)
        assert_signed_in(response, browser, location="/")


def test_email_is_matched_case_insensitively(setup: Setup) -> None:
    email = SIGN_MODE_USERS["assertion"]
    browser = setup.client()
    assert_signed_in(post_response(browser, setup.idp.response_xml(email.upper(), "assertion")), browser)


# --- SP-initiated -------------------------------------------------------------------------


def start_sp_sign_in(client: OrgClient, query: str = "") -> tuple[str, str]:
    """GET /okta/login: the redirect to the IdP; returns (SAMLRequest, RelayState)."""
    response = client.get(f"/okta/login{query}")
    assert response.status == 302, response.text
    # The request is bound to this browser by a cookie sent only to the ACS (no SameSite
    # attribute over plain http, so the IdP's cross-site POST carries it).
    (binding,) = [c for c in response.set_cookies() if c.startswith("okta_saml_request=")]
    attributes = cookie_attributes(binding)
    assert attributes.get("path") == "/okta/auth"
    assert "httponly" in attributes
    assert "samesite" not in attributes and "secure" not in attributes
    location = urlsplit(response.location or "")
    assert f"{location.scheme}://{location.netloc}{location.path}" == IDP_SSO_URL
    params = parse_qs(location.query)
    assert set(params) == {"SAMLRequest", "RelayState"}
    (saml_request,) = params["SAMLRequest"]
    (relay_state,) = params["RelayState"]
    return saml_request, relay_state


@pytest.mark.parametrize("sign", SIGN_MODES)
def test_sp_initiated_sign_in_honours_relay_state(setup: Setup, sign: SignMode) -> None:
    browser = setup.client()
    saml_request, relay_state = start_sp_sign_in(browser, "?return_to=/welcome/github%3Ffrom%3Dlogin")
    info, xml = setup.idp.answer(saml_request, SP_USER, sign)
    assert info.sp_entity_id == setup.server.org_url(ORG)
    assert info.acs_url == f"{setup.server.org_url(ORG)}/okta/auth"
    assert f'InResponseTo="{info.request_id}"' in xml

    response = post_response(browser, xml, relay_state)
    assert_signed_in(response, browser, location="/welcome/github?from=login")
    step = browser.get("/welcome/github?from=login")
    assert step.status == 200
    assert "Connect GitHub" in step.text

    # The request was answered once: the same response again is refused.
    assert_refused(post_response(setup.client(), xml, relay_state), 403, EXPIRED)


def test_sp_initiated_drops_an_absolute_return_to(setup: Setup) -> None:
    browser = setup.client()
    saml_request, relay_state = start_sp_sign_in(browser, "?return_to=https%3A%2F%2Fevil.example%2F")
    _, xml = setup.idp.answer(saml_request, SP_USER)
    assert_signed_in(post_response(browser, xml, relay_state), browser, location="/")


def test_sp_initiated_response_to_another_request_is_refused(setup: Setup) -> None:
    browser = setup.client()
    first_request, _ = start_sp_sign_in(browser)
    _, second_relay = start_sp_sign_in(browser)
    _, xml = setup.idp.answer(first_request, SP_USER)
    assert_refused(post_response(browser, xml, second_relay), 403, EXPIRED)


def test_sp_initiated_answer_posted_by_another_browser_is_refused(setup: Setup) -> None:
    # Login CSRF: an attacker starts a sign-in in their own browser, signs in at the IdP as
    # themselves, and makes the victim's browser post the answer. The victim's browser lacks
    # the request's binding cookie, so the answer is refused and no session is created.
    attacker = setup.client()
    saml_request, relay_state = start_sp_sign_in(attacker)
    assert attacker.cookies["okta_saml_request"] == relay_state
    _, xml = setup.idp.answer(saml_request, SP_USER)
    victim = setup.client()
    response = post_response(victim, xml, relay_state)
    assert_refused(response, 403, EXPIRED)
    assert SESSION_COOKIE not in victim.cookies


# --- refusals -----------------------------------------------------------------------------


def test_unprovisioned_user_is_refused(setup: Setup) -> None:
    for sign in SIGN_MODES:
        response = post_response(setup.client(), setup.idp.response_xml(UNPROVISIONED_USER, sign))
        assert_refused(response, 403, NOT_PROVISIONED)


def test_user_of_another_organization_is_refused(setup: Setup) -> None:
    # Same IdP, same certificate: signed in to the organization that provisioned the user...
    home_org = setup.client(OTHER_ORG)
    assert_signed_in(post_response(home_org, setup.other_idp.response_xml(OTHER_ORG_USER, "both")), home_org)
    # ...but not to test-org, and that organization's response is not accepted here either.
    assert_refused(
        post_response(setup.client(), setup.idp.response_xml(OTHER_ORG_USER, "both")),
        403,
        NOT_PROVISIONED,
    )
    assert_refused(
        post_response(setup.client(), setup.other_idp.response_xml(SIGN_MODE_USERS["both"], "both")),
        403,
        NOT_VERIFIED,
    )
    # The session cookie of other-org opens nothing in test-org.
    cookie = home_org.cookies[SESSION_COOKIE]
    stranger = setup.client()
    stranger.cookies[SESSION_COOKIE] = cookie
    page = stranger.get("/")
    assert page.status == 200
    assert "Sign in with Okta" in page.text
    assert "Signed in as" not in page.text


def test_deactivated_user_is_refused(setup: Setup) -> None:
    user_id = setup.user_ids[DEACTIVATED_USER]
    browser = setup.client()
    assert_signed_in(post_response(browser, setup.idp.response_xml(DEACTIVATED_USER, "both")), browser)

    scim_set_active(setup.client(), setup.token, user_id, False)
    for sign in SIGN_MODES:
        response = post_response(setup.client(), setup.idp.response_xml(DEACTIVATED_USER, sign))
        assert_refused(response, 403, DEACTIVATED)

    scim_set_active(setup.client(), setup.token, user_id, True)
    owner = setup.client()
    owner_sign_in(owner, setup.server.cli("org", "sign-in-link", ORG).split(" ", 2)[2].strip())
    wait_until_applied(owner)
    again = setup.client()
    assert_signed_in(post_response(again, setup.idp.response_xml(DEACTIVATED_USER, "both")), again)


@pytest.mark.parametrize("sign", SIGN_MODES)
def test_tampered_response_is_refused(setup: Setup, sign: SignMode) -> None:
    victim = SIGN_MODE_USERS[sign]
    attacker_target = REPLAY_USER  # provisioned and active: only the signature can refuse it
    xml = setup.idp.response_xml(victim, sign)
    tampered = xml.replace(f">{victim}</", f">{attacker_target}</")
    assert tampered != xml
    assert_refused(post_response(setup.client(), tampered), 403, NOT_VERIFIED)
    # The untouched response still signs its user in: the refusal was the tampering.
    browser = setup.client()
    assert_signed_in(post_response(browser, xml), browser)


def test_unsigned_response_is_refused(setup: Setup) -> None:
    xml = setup.idp.response_xml(REPLAY_USER, "both")
    stripped = re.sub(r"<(\w+):Signature[ >].*?</\1:Signature>", "", xml, flags=re.S)
    assert signature_count(stripped) == 0
    assert_refused(post_response(setup.client(), stripped), 403, NOT_VERIFIED)


def test_replayed_response_is_refused(setup: Setup) -> None:
    xml = setup.idp.response_xml(REPLAY_USER, "assertion")
    browser = setup.client()
    assert_signed_in(post_response(browser, xml), browser)
    assert_refused(post_response(setup.client(), xml), 403, EXPIRED)
    # Also when the replay names a destination.
    assert_refused(post_response(setup.client(), xml, "/"), 403, EXPIRED)


def test_session_is_refused_after_deactivation(setup: Setup) -> None:
    browser = setup.client()
    assert_signed_in(post_response(browser, setup.idp.response_xml(SESSION_USER, "both")), browser)
    home_after_first_sign_in(browser, SESSION_USER)

    scim_set_active(setup.client(), setup.token, setup.user_ids[SESSION_USER], False)
    # At once, without waiting for the worker: the same cookie no longer signs anyone in.
    assert SESSION_COOKIE in browser.cookies
    page = browser.get("/")
    assert page.status == 200
    assert "Sign in with Okta" in page.text
    assert "Signed in as" not in page.text
    step = browser.get("/welcome/github")
    assert step.status == 303
    assert step.location == "/signin"
