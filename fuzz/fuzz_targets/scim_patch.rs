//! PATCH on arbitrary bytes against a sample User and Group: parsing and application never
//! panic; a failed request leaves the resource exactly as it was (atomicity); a successful
//! one leaves a resource that is still schema-valid (it validates again from its rendering).
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use scim_core::ids::SequentialIds;
use scim_core::time::{FixedClock, Timestamp};
use scim_core::{RenderOptions, Resource, Scim};
use serde_json::{Value, json};

static SCIM: LazyLock<Scim> = LazyLock::new(|| {
    let clock = Arc::new(FixedClock::new(
        Timestamp::from_unix_seconds(1_300_000_000).unwrap_or_else(|_| unreachable!()),
    ));
    Scim::new(clock, Arc::new(SequentialIds::new("p")))
});

static SAMPLES: LazyLock<Vec<Resource>> = LazyLock::new(|| {
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": "bjensen@example.com", "externalId": "00u1",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "active": true, "password": "secret",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                   {"value": "babs@jensen.org", "type": "home"}],
        "addresses": [{"type": "work", "streetAddress": "100 Universal City Plaza"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
            {"department": "Tours", "manager": {"value": "m1"}}
    });
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides",
        "members": [{"value": "u1", "display": "One"}, {"value": "u2"}, {"value": "u3", "type": "User"}]
    });
    vec![
        SCIM.create("User", &user).unwrap_or_else(|e| panic!("{e}")),
        SCIM.create("Group", &group)
            .unwrap_or_else(|e| panic!("{e}")),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Ok(req) = SCIM.parse_patch(&body) else {
        return;
    };
    for sample in SAMPLES.iter() {
        let mut res = sample.clone();
        match SCIM.patch(&mut res, &req) {
            Err(_) => assert_eq!(&res, sample, "a failed PATCH changed the resource"),
            Ok(outcome) => {
                if !outcome.changed {
                    assert_eq!(res.attributes(), sample.attributes());
                }
                let out = SCIM
                    .render(&res, RenderOptions::default())
                    .unwrap_or_else(|e| panic!("render failed: {e}"));
                if let Err(e) = SCIM.create(res.resource_type(), &out) {
                    panic!("PATCH result is not schema-valid: {e}: {out}");
                }
            }
        }
    }
});
