//! Evaluates a value filter such as `emails[type eq "work" and value co "@x.org"]`
//! on one element of a multi-valued attribute, in memory (PATCH value paths).
//!
//! The operator rules (RFC 7644 §3.4.2.2) live here once, in `operand`, and the
//! SQL translation (`filter_sql`) applies the same ones:
//! - strings compare case-insensitively (Unicode lowercase) unless the attribute
//!   is caseExact; `gt`/`ge`/`lt`/`le` on strings are lexical;
//! - booleans allow only `eq`/`ne`; binary refuses `gt`/`ge`/`lt`/`le` (both are
//!   400 invalidFilter, as the RFC requires);
//! - numbers compare numerically and refuse `co`/`sw`/`ew`, which only make
//!   sense for text;
//! - dateTimes compare as instants (the operand is normalised to the stored UTC
//!   format; an unparsable one is invalidFilter); `co`/`sw`/`ew` on a dateTime
//!   compare the stored text;
//! - an absent value matches only `ne` (and `not (…)`); `eq null` means absent and
//!   `ne null` present; `pr` means present and not empty.
//!
//! Errors are 400 invalidFilter; a PATCH caller maps them to invalidPath.

use std::cmp::Ordering;

use roster_proto::filter::{AttrExp, AttrPath, CompValue, CompareOp, ValFilter};
use serde_json::{Number, Value};

use crate::error::ApiError;
use crate::schema::{AttrDef, AttrType};

/// A filter operand checked against the attribute it is compared with.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// `null`: only with `eq` (absent) and `ne` (present).
    Null,
    Bool(bool),
    Number(Number),
    /// Text: a dateTime already in the stored format (except under `co`/`sw`/`ew`);
    /// strings as given (callers fold case when the attribute is not caseExact).
    Text(String),
}

/// Whether `filter` matches `element`, one value of the multi-valued attribute
/// `attr`. Sub-attribute names resolve case-insensitively through the schema; an
/// unknown one, or an operator the sub-attribute's type does not allow, is
/// 400 invalidFilter, even when the element would not need it.
pub fn matches(filter: &ValFilter, element: &Value, attr: &AttrDef) -> Result<bool, ApiError> {
    check(filter, attr)?;
    eval(filter, element, attr)
}

/// Checks `filter` against `attr` without an element: names, operators and operand
/// types (so an invalid filter fails even on an empty attribute).
pub fn check(filter: &ValFilter, attr: &AttrDef) -> Result<(), ApiError> {
    match filter {
        ValFilter::Attr(AttrExp::Present(path)) => target(attr, path).map(|_| ()),
        ValFilter::Attr(AttrExp::Comparison(path, op, comp)) => {
            let (def, label) = target(attr, path)?;
            operand(def, op, comp, &label).map(|_| ())
        }
        ValFilter::Not(inner) => check(inner, attr),
        ValFilter::And(items) | ValFilter::Or(items) => {
            items.iter().try_for_each(|f| check(f, attr))
        }
    }
}

/// Checks the operand of `<label> <op> <comp>` against the attribute `def`.
pub(crate) fn operand(
    def: &AttrDef,
    op: &CompareOp,
    comp: &CompValue,
    label: &str,
) -> Result<Operand, ApiError> {
    let refuse = |why: &str| ApiError::invalid_filter(format!("'{label} {op} {comp}': {why}"));
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    if def.ty == AttrType::Complex {
        return Err(refuse("compare one of its sub-attributes instead"));
    }
    if *comp == CompValue::Null {
        return match op {
            CompareOp::Eq | CompareOp::Ne => Ok(Operand::Null),
            _ => Err(refuse("null can only be compared with eq or ne")),
        };
    }
    match def.ty {
        AttrType::Boolean => {
            if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                return Err(refuse("a boolean can only be compared with eq or ne"));
            }
            match comp {
                CompValue::True => Ok(Operand::Bool(true)),
                CompValue::False => Ok(Operand::Bool(false)),
                CompValue::Str(s) if s.eq_ignore_ascii_case("true") => Ok(Operand::Bool(true)),
                CompValue::Str(s) if s.eq_ignore_ascii_case("false") => Ok(Operand::Bool(false)),
                _ => Err(refuse("expected true or false")),
            }
        }
        AttrType::Integer | AttrType::Decimal => match comp {
            _ if substring => Err(refuse("co, sw and ew apply to text, not numbers")),
            CompValue::Number(n) => Ok(Operand::Number(n.clone())),
            _ => Err(refuse("expected a number")),
        },
        AttrType::DateTime => match comp {
            CompValue::Str(s) if substring => Ok(Operand::Text(s.clone())),
            CompValue::Str(s) => crate::time::normalize(s)
                .map(Operand::Text)
                .ok_or_else(|| refuse("expected an RFC 3339 dateTime")),
            _ => Err(refuse("expected an RFC 3339 dateTime string")),
        },
        AttrType::Binary if ordering => Err(refuse("binary values cannot be ordered")),
        AttrType::String | AttrType::Reference | AttrType::Binary => match comp {
            CompValue::Str(s) => Ok(Operand::Text(s.clone())),
            _ => Err(refuse("expected a string")),
        },
        AttrType::Complex => unreachable!("refused above"),
    }
}

/// Whether values of `def` compare case-insensitively: text that is not caseExact.
/// (dateTimes compare as instants in one fixed format, so never fold.)
pub(crate) fn folds(def: &AttrDef) -> bool {
    !def.case_exact
        && matches!(
            def.ty,
            AttrType::String | AttrType::Reference | AttrType::Binary
        )
}

/// `s` lowercased when `def` compares case-insensitively.
pub(crate) fn fold(s: &str, def: &AttrDef) -> String {
    if folds(def) {
        s.to_lowercase()
    } else {
        s.to_owned()
    }
}

fn eval(filter: &ValFilter, element: &Value, attr: &AttrDef) -> Result<bool, ApiError> {
    Ok(match filter {
        ValFilter::Attr(exp) => leaf(exp, element, attr)?,
        ValFilter::Not(inner) => !eval(inner, element, attr)?,
        ValFilter::And(items) => {
            for f in items.iter() {
                if !eval(f, element, attr)? {
                    return Ok(false);
                }
            }
            true
        }
        ValFilter::Or(items) => {
            for f in items.iter() {
                if eval(f, element, attr)? {
                    return Ok(true);
                }
            }
            false
        }
    })
}

fn leaf(exp: &AttrExp, element: &Value, attr: &AttrDef) -> Result<bool, ApiError> {
    let path = match exp {
        AttrExp::Present(path) | AttrExp::Comparison(path, ..) => path,
    };
    let (def, label) = target(attr, path)?;
    let actual = value_at(element, attr, path, def).filter(|v| !v.is_null());
    let AttrExp::Comparison(_, op, comp) = exp else {
        return Ok(actual.is_some_and(|v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        }));
    };
    let operand = operand(def, op, comp, &label)?;
    Ok(match (actual, operand) {
        (actual, Operand::Null) => actual.is_some() == (*op == CompareOp::Ne),
        (None, _) => *op == CompareOp::Ne,
        (Some(actual), Operand::Bool(b)) => (as_bool(actual) == Some(b)) == (*op == CompareOp::Eq),
        (Some(actual), Operand::Number(n)) => match (actual.as_f64(), n.as_f64()) {
            (Some(a), Some(b)) => a.partial_cmp(&b).is_some_and(|o| ordered(op, o)),
            _ => *op == CompareOp::Ne,
        },
        (Some(Value::String(a)), Operand::Text(b)) => {
            // Stored dateTimes are already normalised; normalising again keeps
            // the comparison right for any well-formed value.
            let a = match def.ty {
                AttrType::DateTime if !is_substring(op) => {
                    crate::time::normalize(a).unwrap_or_else(|| a.clone())
                }
                _ => a.clone(),
            };
            text_op(&fold(&a, def), op, &fold(&b, def))
        }
        (Some(_), Operand::Text(_)) => *op == CompareOp::Ne,
    })
}

/// The sub-attribute a filter path names, with a label for messages.
fn target(attr: &AttrDef, path: &AttrPath) -> Result<(&'static AttrDef, String), ApiError> {
    let unknown = || {
        ApiError::invalid_filter(format!(
            "'{path}' is not a sub-attribute of '{}'",
            attr.name
        ))
    };
    if path.uri.is_some() {
        return Err(unknown());
    }
    if attr.ty != AttrType::Complex {
        // A simple multi-valued attribute: `value` is the element itself.
        return match (path.name.eq_ignore_ascii_case("value"), &path.sub_attr) {
            (true, None) => Ok((simple_value_def(attr), format!("{}.value", attr.name))),
            _ => Err(unknown()),
        };
    }
    let sub = attr.sub(&path.name).ok_or_else(unknown)?;
    match &path.sub_attr {
        None => Ok((sub, format!("{}.{}", attr.name, sub.name))),
        Some(s) => {
            let inner = sub.sub(s).ok_or_else(unknown)?;
            Ok((inner, format!("{}.{}.{}", attr.name, sub.name, inner.name)))
        }
    }
}

/// The definition used for the elements of a simple multi-valued attribute.
pub(crate) fn simple_value_def(attr: &AttrDef) -> &'static AttrDef {
    static STRING: AttrDef = AttrDef::string("value", "");
    static STRING_EXACT: AttrDef = AttrDef::string("value", "").case_exact();
    static BOOLEAN: AttrDef = AttrDef::boolean("value", "");
    static INTEGER: AttrDef = AttrDef::new("value", AttrType::Integer, "");
    static DECIMAL: AttrDef = AttrDef::new("value", AttrType::Decimal, "");
    static DATE_TIME: AttrDef = AttrDef::new("value", AttrType::DateTime, "");
    static BINARY: AttrDef = AttrDef::new("value", AttrType::Binary, "").case_exact();
    match attr.ty {
        AttrType::Boolean => &BOOLEAN,
        AttrType::Integer => &INTEGER,
        AttrType::Decimal => &DECIMAL,
        AttrType::DateTime => &DATE_TIME,
        AttrType::Binary => &BINARY,
        _ if attr.case_exact => &STRING_EXACT,
        _ => &STRING,
    }
}

fn value_at<'e>(
    element: &'e Value,
    attr: &AttrDef,
    path: &AttrPath,
    def: &AttrDef,
) -> Option<&'e Value> {
    if attr.ty != AttrType::Complex {
        return Some(element);
    }
    match &path.sub_attr {
        None => element.get(def.name),
        Some(_) => {
            let outer = attr.sub(&path.name)?;
            element.get(outer.name)?.get(def.name)
        }
    }
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn is_substring(op: &CompareOp) -> bool {
    matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
}

fn ordered(op: &CompareOp, o: Ordering) -> bool {
    match op {
        CompareOp::Eq => o.is_eq(),
        CompareOp::Ne => o.is_ne(),
        CompareOp::Gt => o.is_gt(),
        CompareOp::Ge => o.is_ge(),
        CompareOp::Lt => o.is_lt(),
        CompareOp::Le => o.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn text_op(a: &str, op: &CompareOp, b: &str) -> bool {
    match op {
        CompareOp::Co => a.contains(b),
        CompareOp::Sw => a.starts_with(b),
        CompareOp::Ew => a.ends_with(b),
        _ => ordered(op, a.cmp(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{GROUP, ROSTER_USER_SCHEMA, USER};
    use roster_proto::ScimType;
    use roster_proto::filter::PatchPath;
    use serde_json::json;

    /// Parses `attr[filter]` and evaluates it on `element`.
    fn eval_on(attr: &AttrDef, filter: &str, element: Value) -> Result<bool, ApiError> {
        let path: PatchPath = format!("{}[{filter}]", attr.name).parse().expect("parses");
        let PatchPath::Value(vp) = path else {
            panic!("not a value path")
        };
        matches(&vp.filter, &element, attr)
    }

    fn emails() -> &'static AttrDef {
        USER.schema.attr("emails").unwrap()
    }

    fn yes(filter: &str, element: Value) {
        assert!(
            eval_on(emails(), filter, element.clone()).unwrap(),
            "{filter} on {element}"
        );
    }

    fn no(filter: &str, element: Value) {
        assert!(
            !eval_on(emails(), filter, element.clone()).unwrap(),
            "{filter} on {element}"
        );
    }

    fn refused(attr: &AttrDef, filter: &str) -> ScimType {
        eval_on(attr, filter, json!({}))
            .unwrap_err()
            .scim_type
            .unwrap()
    }

    #[test]
    fn string_operators_fold_case() {
        let e = json!({"value": "Ann.Lee@Example.ORG", "type": "work"});
        yes(r#"value eq "ann.lee@example.org""#, e.clone());
        no(r#"value ne "ANN.LEE@example.org""#, e.clone());
        yes(r#"value ne "bob@example.org""#, e.clone());
        yes(r#"value co "LEE@EX""#, e.clone());
        no(r#"value co "bob""#, e.clone());
        yes(r#"value sw "ann.""#, e.clone());
        no(r#"value sw "lee""#, e.clone());
        yes(r#"value ew ".Org""#, e.clone());
        no(r#"value ew ".com""#, e.clone());
        yes(r#"value gt "aaa""#, e.clone());
        no(r#"value gt "b""#, e.clone());
        yes(r#"value ge "ann.lee@example.org""#, e.clone());
        yes(r#"value lt "B""#, e.clone());
        yes(r#"value le "ANN.LEE@EXAMPLE.ORG""#, e.clone());
        no(r#"value lt "ann""#, e);
    }

    #[test]
    fn unicode_case_folding() {
        let e = json!({"value": "élodie@x.fr"});
        yes(r#"value eq "ÉLODIE@X.FR""#, e.clone());
        yes(r#"value sw "ÉLO""#, e);
    }

    #[test]
    fn case_exact_sub_attributes_compare_exactly() {
        let members = GROUP.schema.attr("members").unwrap();
        // members.value is not caseExact in the schema, so ids fold; x509 values are.
        assert!(eval_on(members, r#"value eq "ABC""#, json!({"value": "abc"})).unwrap());
        let certs = USER.schema.attr("x509Certificates").unwrap();
        assert!(!eval_on(certs, r#"value eq "ABC""#, json!({"value": "abc"})).unwrap());
        assert!(eval_on(certs, r#"value eq "abc""#, json!({"value": "abc"})).unwrap());
    }

    #[test]
    fn logic_and_absent_values() {
        let e = json!({"value": "a@x.org", "type": "work"});
        yes(r#"type eq "work" and value co "@x""#, e.clone());
        no(r#"type eq "home" and value co "@x""#, e.clone());
        yes(r#"type eq "home" or value co "@x""#, e.clone());
        yes(r#"not (type eq "home")"#, e.clone());
        no(r#"not (type eq "work")"#, e.clone());
        let bare = json!({"value": "a@x.org"});
        no(r#"type eq "work""#, bare.clone());
        no(r#"type co "w""#, bare.clone());
        no(r#"type gt "a""#, bare.clone());
        yes(r#"type ne "work""#, bare.clone());
        yes(r#"not (type eq "work")"#, bare.clone());
        yes("type eq null", bare.clone());
        no("type ne null", bare.clone());
        yes("value ne null", bare.clone());
        no("type pr", bare.clone());
        yes("value pr", bare);
        no("value pr", json!({"value": ""}));
        no("value pr", json!({"value": null}));
    }

    #[test]
    fn booleans_only_eq_and_ne() {
        let e = json!({"value": "a", "primary": true});
        yes("primary eq true", e.clone());
        no("primary eq false", e.clone());
        yes("primary ne false", e.clone());
        yes(r#"primary eq "TRUE""#, e.clone());
        no("primary eq true", json!({"value": "a"}));
        yes("primary ne true", json!({"value": "a"}));
        assert_eq!(
            refused(emails(), "primary gt false"),
            ScimType::InvalidFilter
        );
        assert_eq!(
            refused(emails(), "primary co true"),
            ScimType::InvalidFilter
        );
        assert_eq!(
            refused(emails(), r#"primary eq "yes""#),
            ScimType::InvalidFilter
        );
    }

    #[test]
    fn date_times_compare_as_instants() {
        let invitation_sent = ROSTER_USER_SCHEMA.attr("invitation").unwrap();
        // A single-valued complex used as a pseudo element keeps this test
        // independent of which multi-valued attributes carry dateTimes.
        let e = json!({"status": "pending", "sentAt": "2026-01-02T01:04:05.000Z"});
        let t = |f: &str| eval_on(invitation_sent, f, e.clone()).unwrap();
        assert!(t(r#"sentAt eq "2026-01-02T03:04:05+02:00""#));
        assert!(t(r#"sentAt gt "2026-01-02T02:04:05+02:00""#));
        assert!(!t(r#"sentAt gt "2026-01-02T03:04:05.001+02:00""#));
        assert!(t(r#"sentAt le "2026-01-02T01:04:05Z""#));
        assert!(t(r#"sentAt sw "2026-01""#));
        let err = eval_on(invitation_sent, r#"sentAt gt "yesterday""#, e.clone()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
        assert!(eval_on(invitation_sent, "sentAt gt 5", e).is_err());
    }

    #[test]
    fn numbers_compare_numerically() {
        static SUBS: [AttrDef; 1] = [AttrDef::new("n", AttrType::Integer, "")];
        static A: AttrDef = AttrDef::complex("things", "", &SUBS).multi();
        let e = json!({"n": 10});
        assert!(eval_on(&A, "n gt 9", e.clone()).unwrap());
        assert!(eval_on(&A, "n eq 10.0", e.clone()).unwrap());
        assert!(!eval_on(&A, "n lt 9.5", e.clone()).unwrap());
        assert_eq!(refused(&A, "n co 1"), ScimType::InvalidFilter);
        assert_eq!(refused(&A, r#"n eq "10""#), ScimType::InvalidFilter);
    }

    #[test]
    fn unknown_sub_attributes_and_bad_operands_are_invalid_filter() {
        assert_eq!(
            refused(emails(), r#"colour eq "x""#),
            ScimType::InvalidFilter
        );
        assert_eq!(
            refused(emails(), r#"value.x eq "x""#),
            ScimType::InvalidFilter
        );
        assert_eq!(refused(emails(), r#"value eq 5"#), ScimType::InvalidFilter);
        assert_eq!(
            refused(emails(), r#"value gt null"#),
            ScimType::InvalidFilter
        );
        let certs = USER.schema.attr("x509Certificates").unwrap();
        assert_eq!(refused(certs, r#"value gt "a""#), ScimType::InvalidFilter);
        let err = eval_on(emails(), r#"colour eq "x""#, json!({})).unwrap_err();
        assert!(err.detail.contains("colour"), "{}", err.detail);
    }

    #[test]
    fn errors_surface_even_when_an_earlier_branch_decides() {
        // `or` short-circuits on the first element, but the bad name must still fail.
        let r = eval_on(
            emails(),
            r#"type eq "work" or colour eq "x""#,
            json!({"type": "work"}),
        );
        assert!(r.is_err());
        let r = check(
            &ValFilter::Attr(AttrExp::Present(AttrPath::with_name("nope"))),
            emails(),
        );
        assert!(r.is_err());
    }

    #[test]
    fn nested_complex_sub_attribute() {
        let inherited = ROSTER_USER_SCHEMA.attr("inheritedLicenses").unwrap();
        let e = json!({"value": "l1", "group": {"value": "g1", "display": "Sales"}});
        assert!(eval_on(inherited, r#"group.display eq "sales""#, e.clone()).unwrap());
        assert!(!eval_on(inherited, r#"group.value eq "g2""#, e.clone()).unwrap());
        assert_eq!(
            refused(inherited, r#"group eq "g1""#),
            ScimType::InvalidFilter
        );
        assert!(eval_on(inherited, "group pr", e).unwrap());
    }

    #[test]
    fn simple_multi_valued_attributes_use_value_for_the_element() {
        static DOMAINS: AttrDef = AttrDef::string("domains", "").multi();
        assert!(eval_on(&DOMAINS, r#"value ew ".ORG""#, json!("x.org")).unwrap());
        assert!(!eval_on(&DOMAINS, r#"value eq "y.org""#, json!("x.org")).unwrap());
        assert_eq!(refused(&DOMAINS, r#"type eq "x""#), ScimType::InvalidFilter);
    }

    #[test]
    fn urn_inside_a_value_filter_is_refused() {
        let f = ValFilter::Attr(AttrExp::Comparison(
            AttrPath {
                uri: Some(roster_proto::urn::USER.into()),
                name: "type".into(),
                sub_attr: None,
            },
            CompareOp::Eq,
            "work".into(),
        ));
        assert!(matches(&f, &json!({"type": "work"}), emails()).is_err());
    }
}
