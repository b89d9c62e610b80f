//! Runs the generated SQL on an in-memory database shaped like the store's.

use super::*;
use roster_proto::ScimType;
use roster_proto::urn::{ROSTER_GROUP, ROSTER_USER, USER as USER_URN};
use rusqlite::params_from_iter;
use serde_json::json;

fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    register_functions(&conn).unwrap();
    conn.execute_batch(
        "CREATE TABLE users (id TEXT, user_name TEXT, user_name_key TEXT, doc TEXT, created TEXT,
             last_modified TEXT, version INTEGER, last_connection TEXT, invited_at TEXT);
         CREATE TABLE groups (id TEXT, display_name TEXT, display_name_key TEXT, doc TEXT,
             created TEXT, last_modified TEXT, version INTEGER);
         CREATE TABLE members (group_id TEXT, member_id TEXT, member_type TEXT);
         CREATE TABLE group_licenses (group_id TEXT, license_id TEXT);
         CREATE TABLE licenses (id TEXT, name TEXT);",
    )
    .unwrap();
    let users = [
        (
            "u1",
            "Ann@Example.org",
            json!({
                "userName": "Ann@Example.org", "externalId": "EXT-1", "title": "Engineer",
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "emails": [{"value": "ann@example.org", "type": "work", "primary": true},
                           {"value": "ann@home.net", "type": "home"}],
                "active": true,
                "entitlements": [{"value": "lic-a"}],
                ROSTER_USER: {"organisationAdministrator": true, "localLogin": false},
            }),
            "2026-01-01T10:00:00.000Z",
            "2026-02-01T10:00:00.000Z",
            Some("2026-02-10T08:00:00.000Z"),
            Some("2026-01-01T10:00:00.000Z"),
        ),
        (
            "u2",
            "élodie@example.fr",
            json!({
                "userName": "élodie@example.fr", "displayName": "Élodie M",
                "name": {"givenName": "Élodie"},
                "emails": [{"value": "elodie@example.fr", "type": "work"}],
                "active": false,
                ROSTER_USER: {"localLogin": true},
            }),
            "2026-01-05T10:00:00.000Z",
            "2026-03-01T10:00:00.000Z",
            None,
            Some("2026-01-05T10:00:00.000Z"),
        ),
        (
            "u3",
            "bob@x.org",
            json!({"userName": "bob@x.org", "title": ""}),
            "2026-01-07T10:00:00.000Z",
            "2026-01-07T10:00:00.000Z",
            None,
            None,
        ),
    ];
    for (id, name, doc, created, modified, last, invited) in users {
        conn.execute(
            "INSERT INTO users VALUES (?1, ?2, casefold(?2), ?3, ?4, ?5, 1, ?6, ?7)",
            rusqlite::params![id, name, doc.to_string(), created, modified, last, invited],
        )
        .unwrap();
    }
    let groups = [
        (
            "g1",
            "Sales",
            json!({"displayName": "Sales", ROSTER_GROUP: {"licenses": [{"value": "lic-a", "display": "Office"}]}}),
        ),
        ("g2", "Engineering", json!({"displayName": "Engineering"})),
        (
            "g3",
            "Empty",
            json!({"displayName": "Empty", "externalId": "x"}),
        ),
    ];
    for (id, name, doc) in groups {
        conn.execute(
            "INSERT INTO groups VALUES (?1, ?2, casefold(?2), ?3, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)",
            rusqlite::params![id, name, doc.to_string()],
        )
        .unwrap();
    }
    conn.execute_batch(
        "INSERT INTO members VALUES ('g1', 'u1', 'User'), ('g1', 'g2', 'Group'), ('g2', 'u2', 'User');
         INSERT INTO group_licenses VALUES ('g1', 'lic-a'), ('g2', 'lic-b');
         INSERT INTO licenses VALUES ('lic-a', 'Office'), ('lic-b', 'Design Suite');",
    )
    .unwrap();
    conn
}

fn select(conn: &Connection, table: &str, f: &SqlFilter) -> Vec<String> {
    let alias = &table[..1];
    let sql = format!(
        "SELECT {alias}.id FROM {table} {alias} WHERE {} ORDER BY {alias}.id",
        f.sql
    );
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    stmt.query_map(params_from_iter(&f.params), |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn users(filter: &str) -> Vec<String> {
    let parsed: Filter = filter.parse().unwrap_or_else(|e| panic!("{filter}: {e}"));
    let sql = users_where(&parsed).unwrap_or_else(|e| panic!("{filter}: {e}"));
    select(&db(), "users", &sql)
}

fn groups(filter: &str) -> Vec<String> {
    let parsed: Filter = filter.parse().unwrap_or_else(|e| panic!("{filter}: {e}"));
    let sql = groups_where(&parsed).unwrap_or_else(|e| panic!("{filter}: {e}"));
    select(&db(), "groups", &sql)
}

fn check(cases: &[(&str, &[&str])], run: fn(&str) -> Vec<String>) {
    for (filter, expected) in cases {
        assert_eq!(run(filter), *expected, "{filter}");
    }
}

fn refused_users(filter: &str) -> ApiError {
    let parsed: Filter = filter.parse().unwrap();
    users_where(&parsed).expect_err(filter)
}

#[test]
fn user_name_operators_are_case_insensitive() {
    check(
        &[
            (r#"userName eq "ann@example.org""#, &["u1"]),
            (r#"USERNAME EQ "ANN@EXAMPLE.ORG""#, &["u1"]),
            (r#"userName eq "ÉLODIE@EXAMPLE.FR""#, &["u2"]),
            (r#"userName ne "BOB@X.ORG""#, &["u1", "u2"]),
            (r#"userName co "EXAMPLE""#, &["u1", "u2"]),
            (r#"userName sw "ÉLO""#, &["u2"]),
            (r#"userName sw "lodie""#, &[]),
            (r#"userName ew "@X.ORG""#, &["u3"]),
            (r#"userName ew "ann@example.org""#, &["u1"]),
            (r#"userName ew "xann@example.org""#, &[]),
            (r#"userName sw """#, &["u1", "u2", "u3"]),
            (r#"userName gt "b""#, &["u2", "u3"]),
            (r#"userName ge "BOB@x.org""#, &["u2", "u3"]),
            (r#"userName lt "B""#, &["u1"]),
            (r#"userName le "ann@example.org""#, &["u1"]),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bob@x.org""#,
                &["u3"],
            ),
        ],
        users,
    );
}

#[test]
fn case_exact_and_doc_attributes() {
    check(
        &[
            (r#"id eq "u1""#, &["u1"]),
            (r#"id eq "U1""#, &[]),
            (r#"externalId eq "EXT-1""#, &["u1"]),
            (r#"externalId eq "ext-1""#, &[]),
            (r#"name.givenName eq "élodie""#, &["u2"]),
            (r#"name.familyName pr"#, &["u1"]),
            (r#"name pr"#, &["u1", "u2"]),
            (r#"name[givenName sw "a" and familyName eq "lee"]"#, &["u1"]),
            (r#"displayName co "élodie""#, &["u2"]),
            (r#"title pr"#, &["u1"]),
            (r#"title eq null"#, &["u2"]),
            (r#"title ne null"#, &["u1", "u3"]),
            (r#"title ne "engineer""#, &["u2", "u3"]),
        ],
        users,
    );
}

#[test]
fn booleans() {
    check(
        &[
            ("active eq true", &["u1"]),
            ("active eq false", &["u2"]),
            ("active ne true", &["u2", "u3"]),
            (r#"active eq "True""#, &["u1"]),
            ("active pr", &["u1", "u2"]),
            ("not (active eq true)", &["u2", "u3"]),
        ],
        users,
    );
    for bad in [
        "active gt true",
        "active co true",
        r#"active eq "yes""#,
        "active eq 1",
    ] {
        assert_eq!(
            refused_users(bad).scim_type,
            Some(ScimType::InvalidFilter),
            "{bad}"
        );
    }
}

#[test]
fn multi_valued_doc_attributes() {
    check(
        &[
            (r#"emails.value co "HOME""#, &["u1"]),
            (r#"emails eq "elodie@example.fr""#, &["u2"]),
            (r#"emails.type eq "work""#, &["u1", "u2"]),
            (r#"emails.type ne "home""#, &["u2", "u3"]),
            (r#"emails[type eq "work" and value sw "ANN"]"#, &["u1"]),
            (r#"emails[type eq "home" and value sw "elodie"]"#, &[]),
            (
                r#"emails[type eq "work" or value ew ".net"]"#,
                &["u1", "u2"],
            ),
            (r#"emails[not (type eq "work")]"#, &["u1"]),
            (r#"emails[primary eq true]"#, &["u1"]),
            (r#"emails pr"#, &["u1", "u2"]),
            (r#"emails.primary pr"#, &["u1"]),
            (r#"not (emails pr)"#, &["u3"]),
            (r#"emails.type eq null"#, &["u3"]),
            (r#"entitlements.value eq "LIC-A""#, &["u1"]),
        ],
        users,
    );
}

#[test]
fn extension_attributes() {
    let cases: Vec<(String, &[&str])> = vec![
        (format!("{ROSTER_USER}:localLogin eq true"), &["u2"]),
        (
            format!("{}:LOCALLOGIN eq false", ROSTER_USER.to_uppercase()),
            &["u1"],
        ),
        ("organisationAdministrator eq true".into(), &["u1"]),
        (
            format!("{ROSTER_USER}:organisationAdministrator ne true"),
            &["u2", "u3"],
        ),
        (format!("{ROSTER_USER}:lastConnection pr"), &["u1"]),
        // 09:00+02:00 is 07:00Z, before u1's 08:00Z.
        (
            "lastConnection gt \"2026-02-10T09:00:00+02:00\"".into(),
            &["u1"],
        ),
        (
            "lastConnection gt \"2026-02-10T09:00:00+00:00\"".into(),
            &[],
        ),
        (
            format!("{ROSTER_USER}:invitation.status eq \"pending\""),
            &["u2", "u3"],
        ),
        ("invitation.status eq \"ACCEPTED\"".into(), &["u1"]),
        (
            "invitation.sentAt ge \"2026-01-05T00:00:00Z\"".into(),
            &["u2"],
        ),
        ("invitation pr".into(), &["u1", "u2", "u3"]),
        (
            format!("{ROSTER_USER}:inheritedLicenses.value eq \"lic-a\""),
            &["u1"],
        ),
        ("inheritedLicenses eq \"LIC-B\"".into(), &["u2"]),
        (
            "inheritedLicenses[display eq \"design suite\"]".into(),
            &["u2"],
        ),
        (
            "inheritedLicenses[group.display eq \"SALES\"]".into(),
            &["u1"],
        ),
        ("inheritedLicenses pr".into(), &["u1", "u2"]),
    ];
    for (filter, expected) in cases {
        assert_eq!(users(&filter), expected, "{filter}");
    }
}

#[test]
fn meta_and_date_times() {
    check(
        &[
            (r#"meta.lastModified gt "2026-02-15T00:00:00Z""#, &["u2"]),
            (
                r#"meta.lastModified ge "2026-02-01T11:00:00+01:00""#,
                &["u1", "u2"],
            ),
            (r#"meta.created lt "2026-01-05T10:00:00.000Z""#, &["u1"]),
            (r#"meta.created le "2026-01-05T10:00:00Z""#, &["u1", "u2"]),
            (r#"meta.created eq "2026-01-07T11:00:00+01:00""#, &["u3"]),
            (r#"meta.resourceType eq "user""#, &["u1", "u2", "u3"]),
        ],
        users,
    );
    for bad in [
        r#"meta.lastModified gt "last tuesday""#,
        r#"meta.lastModified gt 5"#,
        r#"meta.version eq "W/\"1\"""#,
        r#"meta.colour eq "x""#,
        r#"meta eq "x""#,
    ] {
        assert_eq!(
            refused_users(bad).scim_type,
            Some(ScimType::InvalidFilter),
            "{bad}"
        );
    }
}

#[test]
fn groups_of_users() {
    check(
        &[
            (r#"groups eq "g1""#, &["u1"]),
            (r#"groups.value eq "g2""#, &["u2"]),
            (r#"groups.display eq "sales""#, &["u1"]),
            (r#"groups[display sw "Eng"]"#, &["u2"]),
            (r#"groups[type eq "direct" and value eq "g1"]"#, &["u1"]),
            (r#"groups pr"#, &["u1", "u2"]),
            (r#"not (groups pr)"#, &["u3"]),
            (r#"groups ne "g1""#, &["u2", "u3"]),
        ],
        users,
    );
}

#[test]
fn logic_nests() {
    check(
        &[
            (r#"userName sw "a" or userName sw "b""#, &["u1", "u3"]),
            (
                r#"(userName sw "a" or userName sw "b") and active pr"#,
                &["u1"],
            ),
            (
                r#"userName sw "a" or userName sw "b" and active pr"#,
                &["u1"],
            ),
            (r#"not (userName sw "a")"#, &["u2", "u3"]),
            (r#"not (userName sw "a" or emails pr)"#, &["u3"]),
            (r#"active eq true and not (title eq "x")"#, &["u1"]),
            (r#"not (not (active eq false))"#, &["u2"]),
        ],
        users,
    );
}

#[test]
fn injection_looking_values_are_just_values() {
    let conn = db();
    for value in [
        "x' OR '1'='1",
        "\") OR 1=1 --",
        "'; DROP TABLE users; --",
        "%",
        "_",
    ] {
        let filter = Filter::Attr(AttrExp::Comparison(
            AttrPath::with_name("userName"),
            CompareOp::Eq,
            value.into(),
        ));
        assert!(
            select(&conn, "users", &users_where(&filter).unwrap()).is_empty(),
            "{value}"
        );
        let co = Filter::Attr(AttrExp::Comparison(
            AttrPath::with_name("displayName"),
            CompareOp::Co,
            value.into(),
        ));
        let f = users_where(&co).unwrap();
        // (`%` and `_` are LIKE wildcards: they must be plain characters here.)
        assert!(value.len() == 1 || !f.sql.contains(value), "{}", f.sql);
        assert!(select(&conn, "users", &f).is_empty(), "{value}");
    }
    let count: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 3);
}

#[test]
fn unknown_or_unusable_attributes_are_invalid_filter() {
    for (bad, named) in [
        (r#"shoeSize eq 1"#, "shoeSize"),
        (r#"name.nick eq "x""#, "name.nick"),
        (r#"urn:example:foo:bar eq "x""#, "bar"),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:localLogin eq true"#,
            "localLogin",
        ),
        (r#"emails[colour eq "x"]"#, "colour"),
        (r#"emails.colour eq "x""#, "colour"),
        (r#"password eq "x""#, "password"),
        (r#"userName.x eq "x""#, "userName.x"),
        (r#"userName[value eq "x"]"#, "userName"),
        (r#"groups.$x eq "x""#, ""),
        (r#"userName eq true"#, "userName"),
        (r#"userName gt 5"#, "userName"),
        (r#"name eq "x""#, "name"),
        (r#"invitation.colour eq "x""#, "invitation.colour"),
        (r#"emails.value gt null"#, "emails"),
    ] {
        let Ok(parsed) = bad.parse::<Filter>() else {
            continue; // the parser already refuses it
        };
        let err = users_where(&parsed).expect_err(bad);
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{bad}");
        assert!(err.detail.contains(named), "{bad}: {}", err.detail);
    }
}

#[test]
fn group_filters() {
    let cases: Vec<(String, &[&str])> = vec![
        (r#"displayName eq "SALES""#.into(), &["g1"]),
        (r#"displayName sw "e""#.into(), &["g2", "g3"]),
        (r#"id eq "g2""#.into(), &["g2"]),
        (r#"externalId pr"#.into(), &["g3"]),
        (r#"members eq "u1""#.into(), &["g1"]),
        (r#"members.value eq "g2""#.into(), &["g1"]),
        (r#"members[type eq "group"]"#.into(), &["g1"]),
        (r#"members.type eq "User""#.into(), &["g1", "g2"]),
        (
            r#"members[value eq "u2" and type eq "User"]"#.into(),
            &["g2"],
        ),
        (r#"members.display eq "ann@example.org""#.into(), &["g1"]),
        (r#"members.display eq "élodie m""#.into(), &["g2"]),
        (r#"members pr"#.into(), &["g1", "g2"]),
        (r#"not (members pr)"#.into(), &["g3"]),
        (
            format!("{ROSTER_GROUP}:licenses.value eq \"lic-a\""),
            &["g1"],
        ),
        (r#"licenses[display co "OFF"]"#.into(), &["g1"]),
        (
            r#"meta.resourceType eq "Group""#.into(),
            &["g1", "g2", "g3"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(groups(&filter), expected, "{filter}");
    }
    let err = groups_where(&r#"userName eq "x""#.parse().unwrap()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    let err = groups_where(&r#"groups eq "x""#.parse().unwrap()).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
}

#[test]
fn sql_uses_placeholders_and_wraps_leaves() {
    let f = users_where(&r#"userName eq "a" and not (emails co "b")"#.parse().unwrap()).unwrap();
    assert_eq!(
        f.params,
        vec![SqlValue::Text("a".into()), SqlValue::Text("b".into())]
    );
    assert!(
        f.sql
            .starts_with("((u.user_name_key = ?) AND NOT (IFNULL((EXISTS"),
        "{}",
        f.sql
    );
    // Absent values under `not`, at every depth.
    check(
        &[
            (
                r#"not (title eq "Engineer" and active eq true)"#,
                &["u2", "u3"],
            ),
            (r#"not (title eq "x" or active eq true)"#, &["u2", "u3"]),
            (r#"not (not (not (active eq true)))"#, &["u2", "u3"]),
            (
                r#"emails[not (type eq "home" and primary eq true)]"#,
                &["u1", "u2"],
            ),
        ],
        users,
    );
}

fn sorted(order: &str, table: &str) -> Vec<String> {
    let alias = &table[..1];
    let sql = format!(
        "SELECT {alias}.id FROM {table} {alias} ORDER BY {order} ASC NULLS LAST, {alias}.id"
    );
    let conn = db();
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn plain_comparisons_can_use_indexes() {
    let conn = db();
    conn.execute_batch("CREATE INDEX users_key ON users(user_name_key)")
        .unwrap();
    let f = users_where(&r#"userName eq "ann@example.org""#.parse().unwrap()).unwrap();
    let plan: String = conn
        .query_row(
            &format!(
                "EXPLAIN QUERY PLAN SELECT u.id FROM users u WHERE {}",
                f.sql
            ),
            params_from_iter(&f.params),
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("users_key"), "{plan}");
}

#[test]
fn sort_orders() {
    let by = |path: &str| sorted(&users_order_by(path).unwrap(), "users");
    assert_eq!(by("userName"), ["u1", "u3", "u2"]);
    assert_eq!(by("name.givenName"), ["u1", "u2", "u3"]);
    assert_eq!(by("meta.lastModified"), ["u3", "u1", "u2"]);
    // u1's primary email is its work one, sorted before élodie's.
    assert_eq!(by("emails"), ["u1", "u2", "u3"]);
    assert_eq!(by("emails.type"), ["u1", "u2", "u3"]);
    assert_eq!(by("groups.display"), ["u2", "u1", "u3"]);
    assert_eq!(
        by(&format!("{ROSTER_USER}:lastConnection")),
        ["u1", "u2", "u3"]
    );
    let by_group = |path: &str| sorted(&groups_order_by(path).unwrap(), "groups");
    assert_eq!(by_group("displayName"), ["g3", "g2", "g1"]);
    assert_eq!(by_group("members.value"), ["g1", "g2", "g3"]);
    for bad in [
        "shoeSize",
        "name",
        r#"emails[type eq "work"]"#,
        "password",
        "",
        "a b",
    ] {
        let err = users_order_by(bad).expect_err(bad);
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
    }
}

#[test]
fn casefold_function() {
    let conn = db();
    let row: (String, Option<String>, i64) = conn
        .query_row(
            "SELECT casefold('ÉLODIE Ω'), casefold(NULL), casefold(5)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, ("élodie ω".to_owned(), None, 5));
    let _ = USER_URN;
}
