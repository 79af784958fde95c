//! SCIM resource bodies on arbitrary bytes: validation never panics; an accepted body renders,
//! survives the storage round trip, validates again from its own rendering, and a PUT of the
//! same body is accepted and changes nothing. Strict and lenient policies are both exercised.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use scim_core::ids::SequentialIds;
use scim_core::time::{FixedClock, Timestamp};
use scim_core::{Options, RenderOptions, Resource, Scim, UnknownAttributes};
use serde_json::Value;

static ENGINES: LazyLock<Vec<Scim>> = LazyLock::new(|| {
    let clock = Arc::new(FixedClock::new(
        Timestamp::from_unix_seconds(1_300_000_000).unwrap_or_else(|_| unreachable!()),
    ));
    let base = Scim::new(clock, Arc::new(SequentialIds::new("f")));
    vec![
        base.clone(),
        base.with_options(
            Options::default()
                .with_lenient(false)
                .with_unknown_attributes(UnknownAttributes::Reject),
        ),
    ]
});

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for scim in ENGINES.iter() {
        for rt in ["User", "Group"] {
            let Ok(res) = scim.create(rt, &body) else {
                continue;
            };
            let out = scim
                .render(&res, RenderOptions::default())
                .unwrap_or_else(|e| panic!("render failed: {e}"));
            assert!(out.get("password").is_none(), "password returned: {out}");
            let stored = Resource::from_storage_json(&res.to_storage_json())
                .unwrap_or_else(|e| panic!("storage round trip failed: {e}"));
            assert_eq!(stored, res);
            // What we send out is itself a valid body.
            if let Err(e) = scim.create(rt, &out) {
                panic!("rendered resource does not validate: {e}: {out}");
            }
            let again = scim
                .replace(&res, &body)
                .unwrap_or_else(|e| panic!("PUT of the create body failed: {e}"));
            assert_eq!(again, res, "PUT of the same body changed the resource");
        }
    }
});
