//! What Okta and Microsoft Entra send, and how each quirk is handled. Each row has a test in
//! `tests/scim_flows.rs` or `tests/saml_flows.rs` replaying the request.
//!
//! | quirk | sender | handling |
//! |---|---|---|
//! | Test Connector Configuration is `GET /Users?startIndex=1&count=2` and nothing else | Okta | a ListResponse with integer paging fields, even when empty |
//! | user lookup by `userName eq "…"` before every create, in any case | Okta, Entra | filter on the case-insensitive `userName` index; `200` ListResponse with `totalResults: 0` when absent |
//! | create sends `password`, `groups: []` and `externalId` (`00u…`) | Okta | `password` kept write-only (never returned), `groups` ignored (read-only) |
//! | duplicate `userName` on create | Okta, Entra | `409` with `scimType: uniqueness` |
//! | profile update is a `PUT` of what was read (with `id`, `meta`, `groups`) | Okta | read-only input ignored, `200` with the resource |
//! | deactivation is `PATCH` `{"op":"replace","value":{"active":false}}` (no path) | Okta (OIN) | dialect rule of scim-core; `204`; sign-in refused and sessions ended in the same transaction |
//! | deactivation is a full `PUT` with `"active": false`; groups are `PUT` too | Okta (App Integration Wizard apps) | PUT is complete (members included) |
//! | group rename `PATCH` carries the group's `id` inside `value`, and is sent with every membership push | Okta | the matching `id` is ignored |
//! | member removal as `members[value eq "…"]`, removal of non-members | Okta | valuePath remove; a non-member is a no-op |
//! | capitalised ops (`"Replace"`), `"False"` strings for booleans | Entra | lenient dialect (scim-core [`Options`](scim_core::Options)) |
//! | `remove` of `members` with a value array removes only those members | Entra | dialect rule |
//! | unknown non-URN schema in a group's `schemas` | Entra | ignored |
//! | `excludedAttributes=members` on get and list | Entra | projection |
//! | PATCH expected to answer `204` | Entra | [`PatchResponse::NoContent`](crate::PatchResponse) by default; `200` with the resource when `attributes` are requested |
//! | lower-case `/users` path, trailing slash | Entra test tools | paths matched case-insensitively |
//! | IdP-initiated sign-in from "My Apps" (no `InResponseTo`) | Okta, Entra | on by default ([`OktaIntegrationBuilder::with_idp_initiated`](crate::OktaIntegrationBuilder::with_idp_initiated)) |
//! | NameID is the email, which is the SCIM `userName` | Okta ("Application username: Email") | sign-in looks the NameID up as `userName`, case-insensitively |
//! | "Default RelayState" is a path | Okta | followed when it is a relative path of the same site, else the landing page |
