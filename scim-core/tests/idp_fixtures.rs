//! Replays the recorded identity-provider suites in the shared fixtures (read from
//! `SHARED_FIXTURES_DIR`): Okta's SCIM 2.0 SPEC test (Runscope steps with their assertions)
//! and Microsoft's Entra Postman collection (every request, with the status its test script
//! expects).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code: a panic is the failure report

mod common;
#[path = "common/server.rs"]
mod server;

use std::collections::HashMap;

use common::{engine, fixture};
use serde_json::{Value, json};
use server::Server;

fn substitute(text: &str, vars: &HashMap<String, String>) -> String {
    let mut out = text.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// `Resources[0].name.familyName` style property access.
fn property<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    let mut cur = v;
    for part in path.split('.') {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        cur = cur.get(name)?;
        if let Some(i) = index {
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn okta_spec_suite_replays() {
    let suite = fixture("scim/okta/Okta-SCIM-20-SPEC-Test.json");
    let (scim, _) = engine("2024-05-23T10:00:00Z", &[]);
    let server = Server::new(scim);
    // Step 1 needs at least one user on the server.
    let (s, _) = server.handle(
        "POST",
        "/Users",
        Some(r#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"existing@atko.com","name":{"givenName":"Ex","familyName":"Isting"},"emails":[{"value":"existing@atko.com","primary":true,"type":"work"}],"active":true}"#),
    );
    assert_eq!(s, 201);
    // Variables as Initial_Script_Spec.txt sets them (random parts fixed).
    let mut vars: HashMap<String, String> = HashMap::new();
    let email = "Runscope123Xxxxxxxx456@atko.com";
    for (k, v) in [
        ("SCIMBaseURL", ""),
        ("randomGivenName", "Runscope123"),
        ("randomFamilyName", "Xxxxxxxx456"),
        ("randomEmail", email),
        ("randomUsername", email),
        ("randomUsernameCaps", &email.to_uppercase()),
        ("InvalidUserEmail", "abcdefgh@atko.com"),
        ("UserIdThatDoesNotExist", "010101001010101011001010101011"),
        ("auth", "Bearer test"),
    ] {
        vars.insert(k.into(), v.into());
    }
    let mut checked = 0;
    for step in suite["steps"].as_array().unwrap() {
        let Some(url) = step.get("url").and_then(Value::as_str) else {
            continue;
        };
        let note = step["note"].as_str().unwrap_or("");
        let asserts = step["assertions"].as_array().unwrap();
        if asserts.iter().any(|a| a["value"] == "401") {
            // Bearer authentication belongs to the HTTP layer (okta-integration).
            continue;
        }
        let path = substitute(url, &vars);
        let body = step
            .get("body")
            .and_then(Value::as_str)
            .map(|b| substitute(b, &vars));
        let (status, json) =
            server.handle(step["method"].as_str().unwrap(), &path, body.as_deref());
        for a in asserts {
            let want = a["value"].as_str().map(|v| substitute(v, &vars));
            let source = a["source"].as_str().unwrap();
            let ok = match (source, a["comparison"].as_str().unwrap()) {
                ("response_status", "equal_number") => Some(status.to_string()) == want,
                ("response_time", _) => true,
                ("response_json", cmp) => {
                    let prop = a["property"].as_str().unwrap();
                    let got = property(&json, prop);
                    match cmp {
                        "not_empty" => got.is_some_and(|v| {
                            !matches!(v, Value::Null)
                                && v != &json!("")
                                && v != &json!([])
                                && v != &json!({})
                        }),
                        "is_a_number" => got.is_some_and(Value::is_number),
                        "equal" | "equal_number" => got.map(as_text) == want,
                        "has_value" | "contains" => got
                            .and_then(Value::as_array)
                            .is_some_and(|a| a.iter().any(|x| Some(as_text(x)) == want)),
                        other => panic!("unknown comparison {other}"),
                    }
                }
                other => panic!("unknown assertion source {other:?}"),
            };
            assert!(ok, "{note}: {a} failed; status {status}, body {json}");
            checked += 1;
        }
        for v in step["variables"].as_array().into_iter().flatten() {
            let got = property(&json, v["property"].as_str().unwrap())
                .map(as_text)
                .unwrap();
            vars.insert(v["name"].as_str().unwrap().into(), got);
        }
    }
    assert!(checked >= 40, "only {checked} assertions checked");
    // userName keeps the case it was sent with, and the upper-cased lookup found it.
    let (_, list) = server.handle(
        "GET",
        &format!(
            "/Users?filter=userName%20eq%20%22{}%22",
            email.to_uppercase()
        ),
        None,
    );
    assert_eq!(list["totalResults"], json!(1));
    assert_eq!(list["Resources"][0]["userName"], json!(email));
}

/// Each request of the Postman collection with the status its test script expects, plus
/// the dialect-specific checks this crate makes on the results.
#[test]
fn entra_postman_collection_replays() {
    let coll = fixture("scim/entra/SCIMReferenceCode-PostmanCollection.json");
    let (scim, _) = engine("2023-08-30T10:00:00Z", &[]);
    let server = Server::new(scim);
    let mut vars: HashMap<String, String> = HashMap::new();
    let mut uuid = 0;
    let mut results: Vec<(String, u16, Value)> = Vec::new();
    let mut items: Vec<(String, Value)> = Vec::new();
    fn walk(prefix: &str, list: &[Value], out: &mut Vec<(String, Value)>) {
        for it in list {
            let name = format!("{prefix}{}", it["name"].as_str().unwrap());
            match it.get("item").and_then(Value::as_array) {
                Some(children) => walk(&format!("{name}/"), children, out),
                None => out.push((name, it.clone())),
            }
        }
    }
    walk("", coll["item"].as_array().unwrap(), &mut items);
    for (name, it) in items {
        if name.starts_with("Get Token") {
            continue; // a route of Microsoft's reference code, not SCIM
        }
        let req = &it["request"];
        let raw = req["url"]["raw"].as_str().unwrap();
        let path = substitute(raw.split("{{Api}}").nth(1).unwrap(), &vars);
        let mut body = req
            .get("body")
            .and_then(|b| b["raw"].as_str())
            .map(|b| substitute(b, &vars));
        if let Some(b) = body.as_mut() {
            while b.contains("${__UUID}") {
                uuid += 1;
                *b = b.replacen(
                    "${__UUID}",
                    &format!("00000000-0000-0000-0000-{uuid:012}"),
                    1,
                );
            }
        }
        let method = req["method"].as_str().unwrap();
        let (status, json) = server.handle(
            method,
            &path,
            body.as_deref().filter(|b| !b.trim().is_empty()),
        );
        let script: String = it["event"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["listen"] == "test")
            .flat_map(|e| {
                e["script"]["exec"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l.as_str().unwrap().to_owned())
            })
            .collect::<Vec<_>>()
            .join("\n");
        if let Some(pos) = script.find("have.status(") {
            let want: u16 = script[pos + 12..]
                .split(')')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            // PATCH may answer 200 with the resource where the script wants 204; both are RFC 7644 §3.5.2.
            let ok = status == want || (method == "PATCH" && want == 204 && status == 200);
            assert!(ok, "{name}: status {status}, expected {want}; body {json}");
        } else {
            assert!(status < 400, "{name}: status {status}; body {json}");
        }
        let mut rest = script.as_str();
        while let Some(pos) = rest.find("environment.set(\"") {
            rest = &rest[pos + 17..];
            let var = rest.split('"').next().unwrap();
            vars.insert(var.into(), json["id"].as_str().unwrap().into());
        }
        results.push((name, status, json));
    }
    let find = |n: &str| {
        results
            .iter()
            .find(|(name, _, _)| name == n)
            .map(|(_, s, j)| (*s, j.clone()))
            .unwrap()
    };
    // PascalCase keys were read case-insensitively and written back canonical.
    let (_, u) = find("User tests/Post EnterpriseUser");
    assert_eq!(
        u["emails"][0],
        json!({"primary": true, "type": "work", "value": "testing@bob2.com"})
    );
    assert_eq!(
        u["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        json!({"department": "bob", "manager": {"value": "SuzzyQ"}})
    );
    // Filter with a PascalCase attribute, '+' for spaces and a trailing slash.
    let (_, l) = find("User tests/Get User Filters");
    assert_eq!(l["totalResults"], json!(1));
    assert_eq!(l["Resources"][0]["displayName"], json!("BobIsAmazing"));
    // attributes=emails[type eq "work"] is read as attributes=emails.
    let (_, l) = find("ComplexAttribute tests/Get user attributes");
    assert!(l["Resources"][0].get("userName").is_none());
    assert!(l["Resources"][0]["emails"].is_array());
    // "active": "True" as a string became a boolean.
    let (_, u) = find("User tests with garbage/Post emp1 with string \"True\"");
    assert_eq!(u["active"], json!(true));
    // Unquoted filter values (lenient) and dateTime comparison.
    let (s, l) = find("User tests with garbage/filter starts with");
    assert_eq!((s, l["totalResults"].clone()), (200, json!(1))); // OMalley (renamed back by PUT)
    let (_, l) = find("User tests with garbage/filter greater than");
    assert_eq!(l["totalResults"], json!(5)); // every user, all created after 2015
    let (_, l) = find("User tests with garbage/filter eq and (val or val)");
    assert_eq!(l["totalResults"], json!(4)); // emp1, emp2, emp3, enterprise
    // Plain string member values were added as members; excludedAttributes=members works.
    let (_, g) = find("Group tests with garbage/Get group");
    assert_eq!(
        g["members"],
        json!([{"value": "string id 1"}, {"value": "string id 2"}])
    );
    let (_, g) = find("Group tests with garbage/Get group exclude members");
    assert!(g.get("members").is_none());
    // A member item with "displayName" instead of "display" (lenient), after remove + re-add.
    let (_, g) = find("Group tests/Get group by id");
    assert_eq!(
        g["members"],
        json!([{"display": "new User", "value": vars["id4"]}])
    );
    // `remove` with path "members" and no value clears the list.
    let (_, _, g) = results
        .iter()
        .rev()
        .find(|(n, _, _)| n == "Group tests/Get group by id")
        .unwrap();
    assert!(g.get("members").is_none(), "{g}");
    // PUT replaced group 3's name and members.
    let (_, g) = find("Group tests/Validate group 3");
    assert_eq!(g["displayName"], json!("putName"));
    assert_eq!(g["members"].as_array().unwrap().len(), 2);
}
