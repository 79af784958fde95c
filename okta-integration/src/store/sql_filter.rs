//! Translation of `scim-filter` trees into SQL `WHERE` fragments over the SQLite schema.
//!
//! Translated: `eq`, `ne`, `sw`, `co`, `ew`, `gt`, `ge`, `lt`, `le` with string values and `pr`
//! on `userName`, `externalId`, `displayName`, `id` and `emails.value` (also written `emails`,
//! and, as the store takes the tree from `Scim::query_filter` with the lenient dialect's
//! attribute aliases applied, `email` on Users),
//! `eq`/`ne` with `true`/`false` and `pr` on `active`, combined with `and`, `or` and `not`.
//! Anything else (other attributes, value paths, `null`, numbers) is evaluated in memory by
//! `scim-core`: the translatable conjuncts of a top-level `and` still narrow the candidates in
//! SQL, so the result is always exactly what `scim-core` computes.
//!
//! The semantics are those of `scim-filter`'s evaluator, which `scim-core` uses: strings
//! compare case-insensitively (each character lower-cased with `char::to_lowercase`) unless the
//! schema marks the attribute `caseExact`; a missing value fails every comparison, `ne`
//! included; for `emails` any value may match; `pr` means present and non-empty; a value of
//! another JSON type than the needle is "not equal". Every comparison is written against a
//! *key* column that holds the string value already folded per the schema, so plain b-tree
//! indexes serve `eq`, `ne` (as two ranges), `sw` (a range), `gt`/`ge`/`lt`/`le` and `pr`
//! (`> ''`); `not` is pushed down to the comparisons (negation normal form) so it keeps those
//! indexes. `co` uses an FTS5 trigram index (patterns of three characters or more) to find
//! candidates and checks them exactly; shorter `co` patterns and `ew` scan the organization's
//! rows. `emails pr` (without `.value`) is evaluated in memory: it holds for an element with
//! any non-empty sub-attribute.

use scim_filter::{AttrPath, CompValue, CompareOp, Filter};

/// One bound parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(i64),
}

/// Which indexed attribute a path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Attr {
    UserName,
    ExternalId,
    DisplayName,
    Id,
    Active,
    Email,
}

impl Attr {
    /// The key column in `resources` (scalar attributes).
    fn column(self) -> &'static str {
        match self {
            Self::UserName => "r.user_name_key",
            Self::ExternalId => "r.external_id_key",
            Self::DisplayName => "r.display_name_key",
            Self::Id => "r.id",
            Self::Active => "r.active",
            Self::Email => "e.value_key",
        }
    }

    /// The FTS5 column of the trigram index.
    fn fts_column(self) -> &'static str {
        match self {
            Self::UserName => "user_name",
            Self::ExternalId => "external_id",
            Self::DisplayName => "display_name",
            Self::Id => "id",
            Self::Active | Self::Email => "emails",
        }
    }
}

/// Case rules of the indexed attributes (from the schema registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CaseRules {
    pub(crate) user_name_exact: bool,
    pub(crate) external_id_exact: bool,
    pub(crate) display_name_exact: bool,
    pub(crate) id_exact: bool,
    pub(crate) email_exact: bool,
}

impl CaseRules {
    fn exact(&self, a: Attr) -> bool {
        match a {
            Attr::UserName => self.user_name_exact,
            Attr::ExternalId => self.external_id_exact,
            Attr::DisplayName => self.display_name_exact,
            Attr::Id => self.id_exact,
            Attr::Email => self.email_exact,
            Attr::Active => true,
        }
    }

    /// The stored key of a value of `a`.
    pub(crate) fn key(&self, a: Attr, value: &str) -> String {
        if self.exact(a) {
            value.to_owned()
        } else {
            fold(value)
        }
    }
}

/// The resource kind a filter runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Group,
    Other,
}

/// A translated filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    /// SQL boolean expression over `resources r` (`1` when nothing was translated).
    pub(crate) sql: String,
    pub(crate) params: Vec<Param>,
    /// Whether `sql` is the whole filter (else it only narrows the candidates).
    pub(crate) exact: bool,
}

/// The `kind` of a comparison that is translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Cmp(CompareOp),
    Present,
}

struct Ctx<'a> {
    kind: Kind,
    rules: &'a CaseRules,
    user_schema: &'a str,
    group_schema: &'a str,
    params: Vec<Param>,
}

/// Translates `f` for resources of `kind`; `org_param` is bound for every subquery.
pub(crate) fn translate(
    f: &Filter,
    kind: Kind,
    rules: &CaseRules,
    org: i64,
    user_schema: &str,
    group_schema: &str,
) -> Plan {
    let mut cx = Ctx {
        kind,
        rules,
        user_schema,
        group_schema,
        params: Vec::new(),
    };
    if let Some(sql) = cx.node(f, false, org) {
        return Plan {
            sql,
            params: cx.params,
            exact: true,
        };
    }
    // Narrow with the translatable conjuncts of a top-level `and`.
    let mut cx = Ctx {
        params: Vec::new(),
        ..cx
    };
    let mut parts = Vec::new();
    if let Filter::And(l) = f {
        for op in l.operands() {
            let saved = cx.params.len();
            match cx.node(op, false, org) {
                Some(s) => parts.push(s),
                None => cx.params.truncate(saved),
            }
        }
    }
    Plan {
        sql: if parts.is_empty() {
            "1".to_owned()
        } else {
            parts.join(" AND ")
        },
        params: cx.params,
        exact: false,
    }
}

impl Ctx<'_> {
    fn node(&mut self, f: &Filter, neg: bool, org: i64) -> Option<String> {
        match f {
            Filter::And(l) | Filter::Or(l) => {
                let is_and = matches!(f, Filter::And(_));
                // Under negation `and` becomes `or` and vice versa.
                let sep = if is_and != neg { " AND " } else { " OR " };
                let mut parts = Vec::with_capacity(l.operands().len());
                for op in l.operands() {
                    parts.push(format!("({})", self.node(op, neg, org)?));
                }
                Some(parts.join(sep))
            }
            Filter::Not(n) => self.node(n.inner(), !neg, org),
            Filter::Present(p) => {
                let attr = self.attr(p.path())?;
                if attr == Attr::Email && p.path().sub_attr().is_none() {
                    // `emails pr` holds for an element with any non-empty sub-attribute, not
                    // only `value`: evaluated in memory.
                    return None;
                }
                self.atom(attr, Op::Present, None, neg, org)
            }
            Filter::Compare(c) => {
                let attr = self.attr(c.path())?;
                self.atom(attr, Op::Cmp(c.op()), Some(c.value()), neg, org)
            }
            Filter::ValuePath(_) => None,
        }
    }

    /// The indexed attribute a path names, if any.
    fn attr(&self, p: &AttrPath) -> Option<Attr> {
        let schema = match self.kind {
            Kind::User => self.user_schema,
            Kind::Group => self.group_schema,
            Kind::Other => return None,
        };
        if let Some(urn) = p.schema() {
            if !urn.as_str().eq_ignore_ascii_case(schema) {
                return None;
            }
        }
        let name = p.attr().as_str();
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        let sub = p.sub_attr().map(|s| s.as_str());
        let attr = if is("id") {
            Attr::Id
        } else if is("externalId") {
            Attr::ExternalId
        } else if is("displayName") {
            Attr::DisplayName
        } else if self.kind == Kind::User && is("userName") {
            Attr::UserName
        } else if self.kind == Kind::User && is("active") {
            Attr::Active
        } else if self.kind == Kind::User && is("emails") {
            return match sub {
                None => Some(Attr::Email),
                Some(s) if s.eq_ignore_ascii_case("value") => Some(Attr::Email),
                Some(_) => None,
            };
        } else {
            return None;
        };
        sub.is_none().then_some(attr)
    }

    fn push(&mut self, p: Param) {
        self.params.push(p);
    }

    fn atom(
        &mut self,
        attr: Attr,
        op: Op,
        value: Option<&CompValue>,
        neg: bool,
        org: i64,
    ) -> Option<String> {
        if attr == Attr::Active {
            return self.active_atom(op, value, neg);
        }
        let key = match (op, value) {
            (Op::Present, _) => String::new(),
            (Op::Cmp(_), Some(CompValue::String(s))) => self.rules.key(attr, s),
            _ => return None,
        };
        let col = attr.column();
        let seq = if attr == Attr::Email {
            "e.res"
        } else {
            "r.seq"
        };
        let t = |s: &str| Param::Text(s.to_owned());
        // `cond`: the comparison on a non-null key; `compl`: its complement on a non-null key,
        // written so that an index can serve it.
        let (cond, cp, compl, kp): (String, Vec<Param>, String, Vec<Param>) = match op {
            Op::Present => (format!("{col} > ''"), vec![], format!("{col} = ''"), vec![]),
            Op::Cmp(CompareOp::Eq) => (
                format!("{col} = ?"),
                vec![t(&key)],
                format!("({col} < ? OR {col} > ?)"),
                vec![t(&key), t(&key)],
            ),
            Op::Cmp(CompareOp::Ne) => (
                format!("({col} < ? OR {col} > ?)"),
                vec![t(&key), t(&key)],
                format!("{col} = ?"),
                vec![t(&key)],
            ),
            Op::Cmp(CompareOp::Gt) => (
                format!("{col} > ?"),
                vec![t(&key)],
                format!("{col} <= ?"),
                vec![t(&key)],
            ),
            Op::Cmp(CompareOp::Ge) => (
                format!("{col} >= ?"),
                vec![t(&key)],
                format!("{col} < ?"),
                vec![t(&key)],
            ),
            Op::Cmp(CompareOp::Lt) => (
                format!("{col} < ?"),
                vec![t(&key)],
                format!("{col} >= ?"),
                vec![t(&key)],
            ),
            Op::Cmp(CompareOp::Le) => (
                format!("{col} <= ?"),
                vec![t(&key)],
                format!("{col} > ?"),
                vec![t(&key)],
            ),
            Op::Cmp(CompareOp::Sw) => match successor(&key) {
                Some(up) => (
                    format!("({col} >= ? AND {col} < ?)"),
                    vec![t(&key), t(&up)],
                    format!("({col} < ? OR {col} >= ?)"),
                    vec![t(&key), t(&up)],
                ),
                None => (
                    format!("{col} >= ?"),
                    vec![t(&key)],
                    format!("{col} < ?"),
                    vec![t(&key)],
                ),
            },
            Op::Cmp(CompareOp::Ew) => {
                let n = i64::try_from(key.chars().count()).ok()?;
                if n == 0 {
                    (
                        format!("{col} >= ''"),
                        vec![],
                        format!("{col} < ''"),
                        vec![],
                    )
                } else {
                    (
                        format!("substr({col}, ?) = ?"),
                        vec![Param::Int(-n), t(&key)],
                        format!("substr({col}, ?) <> ?"),
                        vec![Param::Int(-n), t(&key)],
                    )
                }
            }
            Op::Cmp(CompareOp::Co) => {
                let mut cond = format!("instr({col}, ?) > 0");
                let mut cp = vec![t(&key)];
                if key.chars().count() >= 3 {
                    cond = format!(
                        "({cond} AND {seq} IN (SELECT rowid FROM resource_text WHERE resource_text MATCH ?))"
                    );
                    cp.push(Param::Text(format!(
                        "{} : \"{}\"",
                        attr.fts_column(),
                        key.replace('"', "\"\"")
                    )));
                }
                (cond, cp, format!("instr({col}, ?) = 0"), vec![t(&key)])
            }
        };
        if attr != Attr::Email {
            // Single-valued: a missing value fails every comparison, `ne` included.
            return Some(if neg {
                self.params.extend(kp);
                format!("({col} IS NULL OR {compl})")
            } else {
                self.params.extend(cp);
                cond
            });
        }
        // Multi-valued: one `emails` row per string value; "any value" semantics.
        self.push(Param::Int(org));
        self.params.extend(cp);
        let sub = format!("r.seq IN (SELECT e.res FROM emails e WHERE e.org_id = ? AND {cond})");
        Some(if neg { format!("NOT {sub}") } else { sub })
    }

    fn active_atom(&mut self, op: Op, value: Option<&CompValue>, neg: bool) -> Option<String> {
        // Codes: NULL absent or null, 0 false, 1 true, 2 another non-empty value, 3 an empty
        // one (`""`, `[]`, `{}`). Only JSON booleans compare equal to `true`/`false`; a value of
        // another type is "not equal".
        let (pos, negd) = match (op, value) {
            (Op::Present, _) => (
                "r.active IN (0, 1, 2)".to_owned(),
                "(r.active IS NULL OR r.active = 3)".to_owned(),
            ),
            (Op::Cmp(CompareOp::Eq | CompareOp::Ne), Some(CompValue::Bool(b))) => {
                let (yes, no) = if *b { (1, 0) } else { (0, 1) };
                let eq = format!("r.active = {yes}");
                let not_eq = format!("(r.active IS NULL OR r.active IN ({no}, 2, 3))");
                let ne = format!("r.active IN ({no}, 2, 3)");
                let not_ne = format!("(r.active IS NULL OR r.active = {yes})");
                if let Op::Cmp(CompareOp::Ne) = op {
                    (ne, not_ne)
                } else {
                    (eq, not_eq)
                }
            }
            _ => return None,
        };
        Some(if neg { negd } else { pos })
    }
}

/// Case folding as `scim-filter` evaluates it: each character lower-cased on its own
/// (`char::to_lowercase`), so the folded key of a stored value compares with a folded needle
/// exactly as the in-memory evaluator compares them.
pub(crate) fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// The smallest string greater than every string starting with `prefix` (by code point), or
/// `None` when there is none (the prefix is empty or all `char::MAX`).
pub(crate) fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last).checked_add(1);
        while let Some(n) = next {
            if let Some(c) = char::from_u32(n) {
                chars.push(c);
                return Some(chars.into_iter().collect());
            }
            // Skip the surrogate range.
            next = n.checked_add(1).filter(|n| *n <= u32::from(char::MAX));
        }
    }
    None
}
