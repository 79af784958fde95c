//! Property tests: generated trees print and re-parse to equal trees; `not F` is the complement
//! of `F` wherever `F` evaluates without error.

// Test helpers outside #[test] functions panic on purpose: a failed expectation is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use scim_filter::{
    AttrName, AttrPath, CompValue, CompareOp, CoreSchemas, Filter, Logical, Matcher, Number,
    PatchPath, SchemaUrn, Untyped, ValuePath,
};
use serde_json::{Map, Value, json};

fn attr_name() -> impl Strategy<Value = AttrName> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        // Names that are also keywords must still round-trip.
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "NOT", "true", "null", "$ref", "urn"])
            .prop_map(String::from),
    ]
    .prop_map(|s| AttrName::new(&s).unwrap())
}

fn schema() -> impl Strategy<Value = Option<SchemaUrn>> {
    prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(vec![
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            "URN:x:y",
        ])
        .prop_map(|s| Some(SchemaUrn::new(s).unwrap())),
        1 => "urn:[a-z]{1,4}:[a-zA-Z0-9.-]{1,6}(:[a-zA-Z0-9.]{1,4})?"
            .prop_map(|s| Some(SchemaUrn::new(&s).unwrap())),
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (schema(), attr_name(), prop::option::of(attr_name()))
        .prop_map(|(s, a, sub)| AttrPath::new(s, a, sub))
}

fn number() -> impl Strategy<Value = Number> {
    "-?(0|[1-9][0-9]{0,6})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?"
        .prop_map(|s| Number::new(&s).unwrap())
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        number().prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
        "[\"\\\\/\\u{0}-\\u{1f}a-z é😀]{0,6}".prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

/// A filter whose paths fit inside brackets: unqualified single names.
fn inner_filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        (attr_name(), op(), comp_value()).prop_map(|(a, op, v)| Filter::compare(
            AttrPath::attr_only(a),
            op,
            v
        )),
        attr_name().prop_map(|a| Filter::present(AttrPath::attr_only(a))),
    ];
    leaf.prop_recursive(3, 12, 3, logic)
}

fn logic(inner: BoxedStrategy<Filter>) -> impl Strategy<Value = Filter> {
    prop_oneof![
        prop::collection::vec(inner.clone(), 2..4).prop_map(|v| Filter::And(logical(v))),
        prop::collection::vec(inner.clone(), 2..4).prop_map(|v| Filter::Or(logical(v))),
        inner.prop_map(Filter::negate),
    ]
}

fn logical(operands: Vec<Filter>) -> Logical {
    let mut it = operands.into_iter();
    let mut l = Logical::new(it.next().unwrap(), it.next().unwrap());
    it.for_each(|f| l.push(f));
    l
}

fn filter() -> impl Strategy<Value = Filter> {
    let leaf = prop_oneof![
        3 => (attr_path(), op(), comp_value()).prop_map(|(p, op, v)| Filter::compare(p, op, v)),
        1 => attr_path().prop_map(Filter::present),
        1 => (schema(), attr_name(), inner_filter())
            .prop_map(|(s, a, f)| Filter::ValuePath(ValuePath::new(AttrPath::new(s, a, None), f).unwrap())),
    ];
    leaf.prop_recursive(4, 24, 4, logic)
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path().prop_map(PatchPath::new),
        (attr_path(), inner_filter()).prop_map(|(p, f)| PatchPath::with_filter(p, f).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn filters_print_and_reparse_equal(f in filter()) {
        let text = f.to_string();
        let parsed = Filter::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&parsed, &f, "{}", text);
        // Printing is a fixed point.
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn patch_paths_print_and_reparse_equal(p in patch_path()) {
        let text = p.to_string();
        let parsed = PatchPath::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(&parsed, &p, "{}", text);
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        let _ = Filter::parse(&text);
        let _ = PatchPath::parse(&text);
        let _ = AttrPath::parse(&text);
    }

    #[test]
    fn filter_like_text_reparses_when_valid(text in "[a-z. ()\\[\\]\"]{0,10}(eq|pr|and|or|not|\\(|\\)|[\\[\\]]| |\"x\"|1|true|[a-z]{1,3}){0,12}") {
        if let Ok(f) = Filter::parse(&text) {
            prop_assert_eq!(Filter::parse(&f.to_string()).unwrap(), f);
        }
    }

    #[test]
    fn not_is_the_complement(f in eval_filter(), resource in resource()) {
        for untyped in [false, true] {
            let bind = |f: &Filter| if untyped { Matcher::new(f, &Untyped) } else { Matcher::new(f, &CoreSchemas) };
            let Ok(m) = bind(&f) else { continue };
            let Ok(result) = m.matches(&resource) else { continue };
            let not = bind(&Filter::negate(f.clone())).unwrap();
            prop_assert_eq!(not.matches(&resource).unwrap(), !result, "{}", f);
            // The text form evaluates the same.
            let reparsed = bind(&Filter::parse(&f.to_string()).unwrap()).unwrap();
            prop_assert_eq!(reparsed.matches(&resource).unwrap(), result);
            // F and not F never holds; F or not F always does.
            let both = bind(&Filter::and(f.clone(), Filter::negate(f.clone()))).unwrap();
            prop_assert!(!both.matches(&resource).unwrap());
            let either = bind(&Filter::or(f.clone(), Filter::negate(f.clone()))).unwrap();
            prop_assert!(either.matches(&resource).unwrap());
        }
    }
}

// Filters and resources over a shared small vocabulary, so that comparisons often match.

const ATTRS: &[&str] = &[
    "userName",
    "title",
    "active",
    "loginCount",
    "emails",
    "meta",
    "x",
];
const SUBS: &[&str] = &["value", "type", "primary", "lastModified"];
const WORDS: &[&str] = &[
    "bjensen",
    "BJensen",
    "work",
    "home",
    "",
    "Bärbel",
    "2011-05-13T04:42:34Z",
    "2011-05-13T06:42:34+02:00",
];

fn small_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(|n| json!(n)),
        prop::sample::select(vec![0.5f64, 1.0, -2.5]).prop_map(|n| json!(n)),
        prop::sample::select(WORDS.to_vec()).prop_map(|s| json!(s)),
    ]
}

fn element() -> impl Strategy<Value = Value> {
    prop_oneof![
        small_value(),
        prop::collection::btree_map(
            prop::sample::select(SUBS.to_vec()).prop_map(String::from),
            small_value(),
            0..4
        )
        .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
    ]
}

fn resource() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(ATTRS.to_vec()).prop_map(String::from),
        prop_oneof![
            element(),
            prop::collection::vec(element(), 0..3).prop_map(Value::Array)
        ],
        0..6,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

fn eval_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        (-3i64..4).prop_map(CompValue::from),
        prop::sample::select(WORDS.to_vec()).prop_map(CompValue::from),
        prop::sample::select(vec!["bj", "en", "K", "ä"]).prop_map(CompValue::from),
    ]
}

fn eval_path(sub: bool) -> impl Strategy<Value = AttrPath> {
    let subs = if sub {
        prop::option::of(prop::sample::select(SUBS.to_vec())).boxed()
    } else {
        Just(None).boxed()
    };
    (prop::sample::select(ATTRS.to_vec()), subs).prop_map(|(a, s)| {
        AttrPath::new(
            None,
            AttrName::new(a).unwrap(),
            s.map(|s| AttrName::new(s).unwrap()),
        )
    })
}

fn eval_filter() -> impl Strategy<Value = Filter> {
    let inner_leaf =
        (prop::sample::select(SUBS.to_vec()), op(), eval_value()).prop_map(|(a, op, v)| {
            Filter::compare(AttrPath::attr_only(AttrName::new(a).unwrap()), op, v)
        });
    let leaf = prop_oneof![
        3 => (eval_path(true), op(), eval_value()).prop_map(|(p, op, v)| Filter::compare(p, op, v)),
        1 => eval_path(true).prop_map(Filter::present),
        1 => (eval_path(false), inner_leaf).prop_map(|(p, f)| Filter::ValuePath(ValuePath::new(p, f).unwrap())),
    ];
    leaf.prop_recursive(3, 12, 3, logic)
}
