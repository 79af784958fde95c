//! IdP metadata parsing on arbitrary bytes: never panics, never exceeds its limits, and what it
//! accepts is internally consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saml_sp::metadata::{IdpMetadata, MAX_SIGNING_CERTIFICATES};

fuzz_target!(|data: &[u8]| {
    if let Ok(idp) = IdpMetadata::parse(data) {
        assert!(!idp.entity_id().is_empty());
        assert!(!idp.single_sign_on_services().is_empty());
        let certificates = idp.signing_certificates();
        assert!(!certificates.is_empty() && certificates.len() <= MAX_SIGNING_CERTIFICATES);
        assert_eq!(idp.signing_certificates_pem().len(), certificates.len());
        for endpoint in idp.single_sign_on_services() {
            assert!(idp.sso_url(endpoint.binding()).is_some());
        }
    }
});
