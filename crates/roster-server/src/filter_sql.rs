//! Translates a list filter (RFC 7644 §3.4.2.2) and `sortBy` into SQLite SQL over
//! the store's tables: `users u`, `groups g`, `members`, `group_licenses`,
//! `licenses`.
//!
//! Safety: client text only ever reaches SQLite as `?` parameters. The SQL text is
//! built from fixed fragments and the schema's canonical attribute names (JSON
//! paths such as `$."urn:…:User"."localLogin"`), never from the filter's spelling.
//!
//! Semantics (shared with [`crate::value_filter`], which holds the operator rules):
//! each comparison under a `not` is wrapped as `IFNULL((…), 0)` so that `not (…)`
//! of an absent value is true; `ne` matches absent values; on a multi-valued attribute a
//! comparison matches when some element matches, except `ne`, which matches when
//! no element is equal (so `emails.type ne "work"` means "has no work email");
//! `pr` is "present and not empty"; `eq null` is "absent". Case-insensitive
//! comparisons use the `casefold` SQL function ([`register_functions`]) on the
//! column and Rust's lowercase on the parameter.

use std::fmt::Write as _;

use roster_proto::filter::{AttrExp, AttrPath, CompareOp, Filter, PatchPath, ValFilter};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::{Value as SqlValue, ValueRef};

use crate::error::ApiError;
use crate::schema::AttrType;
use crate::value_filter::{self, Operand, fold};

use resolve::{Elements, Kind, Scalar, Source, Target, resolve};

/// A `WHERE` condition and its positional parameters, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlFilter {
    /// SQL for a `WHERE` clause over `users u` or `groups g`; `?` placeholders only.
    pub sql: String,
    /// The values of the placeholders, in order.
    pub params: Vec<SqlValue>,
}

/// The `WHERE` condition selecting users (table alias `u`) that match `filter`.
/// Unknown attributes and operator/type mismatches are 400 invalidFilter.
pub fn users_where(filter: &Filter) -> Result<SqlFilter, ApiError> {
    translate(Kind::Users, filter)
}

/// The `WHERE` condition selecting groups (table alias `g`) that match `filter`.
pub fn groups_where(filter: &Filter) -> Result<SqlFilter, ApiError> {
    translate(Kind::Groups, filter)
}

/// The `ORDER BY` expression (without direction) for `sortBy=path` on users.
/// Unknown or unsortable attributes are 400 invalidValue. A multi-valued attribute
/// sorts by its primary (else first) element's `value` (RFC 7644 §3.4.2.3).
pub fn users_order_by(path: &str) -> Result<String, ApiError> {
    order_by(Kind::Users, path)
}

/// The `ORDER BY` expression (without direction) for `sortBy=path` on groups.
pub fn groups_order_by(path: &str) -> Result<String, ApiError> {
    order_by(Kind::Groups, path)
}

/// Registers the SQL functions the generated SQL uses on `conn`: `casefold(x)`,
/// the Unicode lowercase of a text value (other values pass through unchanged).
/// Deterministic, so it may be used in indexes and generated columns.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "casefold",
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).to_lowercase()),
                ValueRef::Null => SqlValue::Null,
                ValueRef::Integer(i) => SqlValue::Integer(i),
                ValueRef::Real(f) => SqlValue::Real(f),
                ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
            })
        },
    )
}

fn translate(kind: Kind, filter: &Filter) -> Result<SqlFilter, ApiError> {
    let mut b = Builder::default();
    b.filter(kind, filter)?;
    Ok(SqlFilter {
        sql: b.sql,
        params: b.params,
    })
}

#[derive(Default)]
struct Builder {
    sql: String,
    params: Vec<SqlValue>,
    /// How many `not`s enclose the current position.
    negated: usize,
}

impl Builder {
    fn filter(&mut self, kind: Kind, filter: &Filter) -> Result<(), ApiError> {
        match filter {
            Filter::Attr(exp) => self.wrapped(|b| b.leaf(kind, exp)),
            Filter::ValuePath(vp) => self.wrapped(|b| {
                let elements = value_path_elements(kind, &vp.attr)?;
                b.any(&elements, |b| b.val_filter(&elements, &vp.filter))
            }),
            Filter::Not(inner) => self.not(|b| b.filter(kind, inner)),
            Filter::And(items) => self.joined(" AND ", items, |b, f| b.filter(kind, f)),
            Filter::Or(items) => self.joined(" OR ", items, |b, f| b.filter(kind, f)),
        }
    }

    fn val_filter(&mut self, elements: &Elements, filter: &ValFilter) -> Result<(), ApiError> {
        match filter {
            ValFilter::Attr(exp) => self.wrapped(|b| {
                let path = match exp {
                    AttrExp::Present(p) | AttrExp::Comparison(p, ..) => p,
                };
                if path.uri.is_some() {
                    return Err(ApiError::invalid_filter(format!(
                        "'{path}' inside [...] must be a sub-attribute of '{}'",
                        elements.attr.name
                    )));
                }
                let scalar = elements.sub(&path.name, path.sub_attr.as_deref())?;
                b.scalar_leaf(&scalar, exp, &path.to_string())
            }),
            ValFilter::Not(inner) => self.not(|b| b.val_filter(elements, inner)),
            ValFilter::And(items) => self.joined(" AND ", items, |b, f| b.val_filter(elements, f)),
            ValFilter::Or(items) => self.joined(" OR ", items, |b, f| b.val_filter(elements, f)),
        }
    }

    /// A leaf in parentheses; under a `not`, as `IFNULL((…), 0)`: a comparison
    /// with an absent value is NULL, and `NOT NULL` is NULL (false), while the
    /// filter's `not` of it must be true. Outside any `not`, NULL and 0 select the
    /// same rows, and leaving the bare comparison lets SQLite use an index
    /// (`u.user_name_key = ?`, `u.last_modified > ?`).
    fn wrapped(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let wrap = self.negated > 0;
        self.sql.push_str(if wrap { "IFNULL((" } else { "(" });
        f(self)?;
        self.sql.push_str(if wrap { "), 0)" } else { ")" });
        Ok(())
    }

    fn not(&mut self, f: impl FnOnce(&mut Self) -> Result<(), ApiError>) -> Result<(), ApiError> {
        self.sql.push_str("NOT (");
        self.negated += 1;
        f(self)?;
        self.negated -= 1;
        self.sql.push(')');
        Ok(())
    }

    fn joined<T>(
        &mut self,
        sep: &str,
        items: &[T],
        mut f: impl FnMut(&mut Self, &T) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        self.sql.push('(');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.sql.push_str(sep);
            }
            f(self, item)?;
        }
        self.sql.push(')');
        Ok(())
    }

    /// `EXISTS` an element satisfying `cond` (or `cond` itself for a single value).
    fn any(
        &mut self,
        elements: &Elements,
        cond: impl FnOnce(&mut Self) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let Some(from) = &elements.from else {
            return cond(self);
        };
        let _ = write!(self.sql, "EXISTS (SELECT 1 FROM {from} WHERE ");
        if let Some(correlate) = elements.correlate {
            let _ = write!(self.sql, "{correlate} AND ");
        }
        self.sql.push('(');
        cond(self)?;
        self.sql.push_str("))");
        Ok(())
    }

    fn leaf(&mut self, kind: Kind, exp: &AttrExp) -> Result<(), ApiError> {
        let path = match exp {
            AttrExp::Present(p) | AttrExp::Comparison(p, ..) => p,
        };
        let label = path.to_string();
        match resolve(kind, path)? {
            Target::Scalar(scalar) => self.scalar_leaf(&scalar, exp, &label),
            Target::Single(elements) => self.scalar_leaf(&elements.whole(), exp, &label),
            Target::Many(elements, None) if matches!(exp, AttrExp::Present(_)) => {
                self.any(&elements, |b| {
                    b.sql.push('1');
                    Ok(())
                })
            }
            Target::Many(elements, sub) => {
                // `emails eq "x"` compares the elements' `value`.
                let sub = match (sub, elements.attr.ty) {
                    (Some(sub), _) => sub,
                    (None, AttrType::Complex) if elements.attr.sub("value").is_none() => {
                        return Err(ApiError::invalid_filter(format!(
                            "'{label}': compare one of its sub-attributes"
                        )));
                    }
                    (None, _) => "value".to_owned(),
                };
                let scalar = elements.sub(&sub, None)?;
                let AttrExp::Comparison(_, op, comp) = exp else {
                    return self.any(&elements, |b| {
                        b.present(&scalar);
                        Ok(())
                    });
                };
                let operand = value_filter::operand(scalar.def, op, comp, &label)?;
                match (op, operand) {
                    (CompareOp::Eq, Operand::Null) => {
                        self.sql.push_str("NOT ");
                        self.any(&elements, |b| {
                            b.present(&scalar);
                            Ok(())
                        })
                    }
                    (CompareOp::Ne, Operand::Null) => self.any(&elements, |b| {
                        b.present(&scalar);
                        Ok(())
                    }),
                    (CompareOp::Ne, operand) => {
                        self.sql.push_str("NOT ");
                        self.any(&elements, |b| {
                            b.compare(&scalar, &CompareOp::Eq, operand);
                            Ok(())
                        })
                    }
                    (op, operand) => self.any(&elements, |b| {
                        b.compare(&scalar, op, operand);
                        Ok(())
                    }),
                }
            }
        }
    }

    fn scalar_leaf(&mut self, scalar: &Scalar, exp: &AttrExp, label: &str) -> Result<(), ApiError> {
        match exp {
            AttrExp::Present(_) => self.present(scalar),
            AttrExp::Comparison(_, op, comp) => {
                let operand = value_filter::operand(scalar.def, op, comp, label)?;
                self.compare(scalar, op, operand);
            }
        }
        Ok(())
    }

    fn present(&mut self, scalar: &Scalar) {
        let e = &scalar.expr;
        let _ = write!(self.sql, "{e} IS NOT NULL AND {e} <> ''");
    }

    fn compare(&mut self, scalar: &Scalar, op: &CompareOp, operand: Operand) {
        let e = &scalar.expr;
        let (x, value) = match operand {
            Operand::Null => {
                let _ = write!(
                    self.sql,
                    "{e} IS {}NULL",
                    if *op == CompareOp::Ne { "NOT " } else { "" }
                );
                return;
            }
            Operand::Bool(b) => (e.clone(), SqlValue::Integer(i64::from(b))),
            Operand::Number(n) => (
                e.clone(),
                match n.as_i64() {
                    Some(i) => SqlValue::Integer(i),
                    None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
                },
            ),
            Operand::Text(s) => {
                let text = fold(&s, scalar.def);
                if matches!(op, CompareOp::Sw | CompareOp::Ew) {
                    return self.affix(&scalar.compared(), op, text);
                }
                (scalar.compared(), SqlValue::Text(text))
            }
        };
        let _ = match op {
            CompareOp::Ne => write!(self.sql, "{e} IS NULL OR {x} <> ?"),
            CompareOp::Co => write!(self.sql, "instr({x}, ?) > 0"),
            _ => write!(self.sql, "{x} {} ?", sql_op(op)),
        };
        self.params.push(value);
    }

    /// `sw` / `ew` without LIKE (whose `%`/`_` wildcards and ASCII-only case
    /// folding would be wrong), counting characters as SQLite's substr does.
    fn affix(&mut self, x: &str, op: &CompareOp, text: String) {
        let len = i64::try_from(text.chars().count()).unwrap_or(i64::MAX);
        if len == 0 {
            let _ = write!(self.sql, "{x} IS NOT NULL");
            return;
        }
        let start = if *op == CompareOp::Sw { "1" } else { "-?" };
        if *op == CompareOp::Ew {
            self.params.push(SqlValue::Integer(len));
        }
        let _ = write!(self.sql, "substr({x}, {start}, ?) = ?");
        self.params.push(SqlValue::Integer(len));
        self.params.push(SqlValue::Text(text));
    }
}

fn sql_op(op: &CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        // Handled by the callers; kept total for safety.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => "=",
    }
}

/// The elements a value path `attr[...]` filters.
fn value_path_elements(kind: Kind, attr: &AttrPath) -> Result<Elements, ApiError> {
    if attr.sub_attr.is_some() {
        return Err(ApiError::invalid_filter(format!(
            "'{attr}[...]': a value filter applies to an attribute, not a sub-attribute"
        )));
    }
    match resolve(kind, attr)? {
        Target::Many(elements, _) | Target::Single(elements) => Ok(elements),
        Target::Scalar(_) => Err(ApiError::invalid_filter(format!(
            "'{attr}[...]': only multi-valued or complex attributes take a value filter"
        ))),
    }
}

fn order_by(kind: Kind, text: &str) -> Result<String, ApiError> {
    let invalid = |detail: String| ApiError::invalid_value(format!("sortBy: {detail}"));
    let path = match text.trim().parse::<PatchPath>() {
        Ok(PatchPath::Attr(path)) => path,
        _ => return Err(invalid(format!("'{text}' is not an attribute path"))),
    };
    let target = resolve(kind, &path).map_err(|e| invalid(e.detail))?;
    let (elements, sub) = match target {
        Target::Single(_) => {
            return Err(invalid(format!(
                "'{path}' is complex; sort by one of its sub-attributes"
            )));
        }
        Target::Scalar(s) => return Ok(s.compared()),
        Target::Many(elements, sub) => (elements, sub),
    };
    let sub = match (sub, elements.attr.ty) {
        (Some(sub), _) => sub,
        (None, AttrType::Complex) if elements.attr.sub("value").is_none() => {
            return Err(invalid(format!("'{path}' has no value to sort by")));
        }
        (None, _) => "value".to_owned(),
    };
    let key = elements
        .sub(&sub, None)
        .map_err(|e| invalid(e.detail))?
        .compared();
    let from = elements.from.as_deref().unwrap_or_default();
    Ok(match (elements.source, elements.correlate) {
        (Source::Json, _) => {
            let primary_first = if elements.attr.sub("primary").is_some() {
                "IFNULL(json_extract(j.value, '$.\"primary\"'), 0) DESC, "
            } else {
                ""
            };
            format!("(SELECT {key} FROM {from} ORDER BY {primary_first}j.key LIMIT 1)")
        }
        // Relations have no element order; the smallest value is stable.
        (_, Some(correlate)) => format!("(SELECT MIN({key}) FROM {from} WHERE {correlate})"),
        (_, None) => format!("(SELECT MIN({key}) FROM {from})"),
    })
}

mod resolve;
#[cfg(test)]
mod tests;
