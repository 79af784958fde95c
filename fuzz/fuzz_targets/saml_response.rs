//! Full response verification with a fixed IdP certificate and a fixed clock: never panics,
//! and whatever it accepts comes from the configured IdP and answers the expected request.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use saml_sp::time::UnixTime;
use saml_sp::{
    AcsUrl, Certificate, EntityId, IdpConfig, ReplayCache, ReplayRefusal, RequestId, SpConfig,
};

const IDP_CERT: &str = include_str!("../../saml-sp/tests/data/generated/keys/idp-rsa2048.crt");
const ISSUER: &str = "http://www.okta.com/exk5vect0rs0000h7x8";
const REQUEST_ID: &str = "id-7c1f0e4a9b2d4c58a0f3e6d1b2c3a4f5";

/// Forgets every assertion, so that each input is judged on its own (a stateful cache would
/// make crashes depend on earlier inputs).
#[derive(Debug)]
struct Stateless;

impl ReplayCache for Stateless {
    fn check_and_record(&self, _: &str, _: UnixTime, _: UnixTime) -> Result<(), ReplayRefusal> {
        Ok(())
    }
}

struct Fixture {
    sp: SpConfig,
    request: RequestId,
    now: UnixTime,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let idp = IdpConfig::new(
            EntityId::try_from(ISSUER).expect("issuer"),
            Certificate::from_pem_bundle(IDP_CERT).expect("certificate"),
        )
        .expect("idp");
        let sp = SpConfig::builder(
            EntityId::try_from("https://acme.example.com").expect("entity id"),
            AcsUrl::try_from("https://acme.example.com/okta/auth").expect("acs url"),
            idp,
        )
        .allow_unsolicited_responses(true)
        .with_replay_cache(Arc::new(Stateless))
        .build()
        .expect("config");
        Fixture {
            sp,
            request: RequestId::try_from(REQUEST_ID).expect("request id"),
            now: UnixTime::parse_xs_datetime("2030-06-15T09:31:00Z").expect("now"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    if let Ok(user) = f.sp.verify_response(data, Some(&f.request), f.now) {
        assert_eq!(user.issuer(), ISSUER);
        assert_eq!(user.in_response_to(), Some(REQUEST_ID));
    }
    if let Ok(user) = f.sp.verify_response(data, None, f.now) {
        assert_eq!(user.issuer(), ISSUER);
        assert_eq!(user.in_response_to(), None);
    }
    if let Ok(user) = f.sp.verify_assertion(data, Some(&f.request), f.now) {
        assert_eq!(user.issuer(), ISSUER);
    }
});
