use super::*;
use crate::schema::{GROUP, USER};
use roster_proto::ScimType;
use roster_proto::urn::{GROUP as GROUP_URN, ROSTER_GROUP, ROSTER_USER, USER as USER_URN};
use serde_json::json;

fn user(input: Value) -> Result<Value, ApiError> {
    normalize(&USER, &input, Mode::Create)
}

fn scim_type(r: Result<Value, ApiError>) -> ScimType {
    r.expect_err("should fail")
        .scim_type
        .expect("has a scimType")
}

#[test]
fn canonical_names_and_dropped_keys() {
    let doc = user(json!({
        "schemas": [USER_URN.to_lowercase(), ROSTER_USER],
        "id": "ignored", "meta": {"version": "W/\"1\""},
        "USERNAME": "ann@x.org",
        "Name": {"GivenName": "Ann", "familyname": "Lee"},
        "externalid": "ext-1",
        "ACTIVE": true,
    }))
    .unwrap();
    assert_eq!(
        doc,
        json!({
            "userName": "ann@x.org",
            "name": {"givenName": "Ann", "familyName": "Lee"},
            "externalId": "ext-1",
            "active": true,
        })
    );
}

#[test]
fn extension_object_and_urn_prefixed_keys_merge() {
    let doc = user(json!({
        "userName": "a",
        (ROSTER_USER.to_uppercase()): {"OrganisationAdministrator": "TRUE"},
        (format!("{ROSTER_USER}:localLogin")): false,
        (format!("{USER_URN}:displayName")): "Ann",
    }))
    .unwrap();
    assert_eq!(
        doc,
        json!({
            "userName": "a",
            "displayName": "Ann",
            ROSTER_USER: {"organisationAdministrator": true, "localLogin": false},
        })
    );
}

#[test]
fn core_urn_object_holds_core_attributes() {
    let doc = user(json!({USER_URN: {"userName": "a", "title": "Dr"}})).unwrap();
    assert_eq!(doc, json!({"userName": "a", "title": "Dr"}));
}

#[test]
fn read_only_attributes_are_dropped() {
    let doc = user(json!({
        "userName": "a",
        "groups": [{"value": "g1"}],
        ROSTER_USER: {"lastConnection": "2026-01-01T00:00:00Z", "invitation": {"status": "accepted"}},
    }))
    .unwrap();
    assert_eq!(doc, json!({"userName": "a"}));
    let group = normalize(
        &GROUP,
        &json!({"displayName": "G", "members": [{"value": "u1", "display": "Ann", "type": "User"}]}),
        Mode::Create,
    )
    .unwrap();
    assert_eq!(group["members"], json!([{"value": "u1", "type": "User"}]));
}

#[test]
fn write_only_attributes_are_not_kept() {
    static ATTRS: [AttrDef; 2] = [
        AttrDef::string("login", "").required(),
        AttrDef::string("secret", "").write_only(),
    ];
    static SCHEMA: SchemaDef = SchemaDef {
        id: "urn:test:Account",
        name: "Account",
        description: "",
        attributes: &ATTRS,
    };
    static ACCOUNT: ResourceDef = ResourceDef {
        name: "Account",
        endpoint: "/Accounts",
        description: "",
        schema: &SCHEMA,
        extensions: &[],
    };
    let doc = normalize(
        &ACCOUNT,
        &json!({"login": "a", "secret": "s"}),
        Mode::Create,
    )
    .unwrap();
    assert_eq!(doc, json!({"login": "a"}));
}

#[test]
fn unknown_attributes_and_schemas_are_invalid_syntax() {
    for input in [
        json!({"userName": "a", "shoeSize": 42}),
        json!({"userName": "a", "name": {"nick": "x"}}),
        json!({"userName": "a", "emails": [{"value": "a@b", "label": "x"}]}),
        json!({"userName": "a", ROSTER_USER: {"colour": "red"}}),
        json!({"userName": "a", (format!("{ROSTER_USER}:colour")): 1}),
        json!({"userName": "a", "schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]}),
        json!({"userName": "a", "schemas": USER_URN}),
        json!({"userName": "a", "schemas": [42]}),
        json!({"userName": "a", ROSTER_USER: true}),
        json!(["not", "an", "object"]),
    ] {
        assert_eq!(
            scim_type(user(input.clone())),
            ScimType::InvalidSyntax,
            "{input}"
        );
    }
    let err = user(json!({"userName": "a", "shoeSize": 42})).unwrap_err();
    assert!(err.detail.contains("shoeSize"), "{}", err.detail);
}

#[test]
fn group_schemas_are_checked_against_the_group() {
    let ok = json!({"schemas": [GROUP_URN, ROSTER_GROUP], "displayName": "G"});
    assert!(normalize(&GROUP, &ok, Mode::Create).is_ok());
    let wrong = json!({"schemas": [USER_URN], "displayName": "G"});
    assert_eq!(
        scim_type(normalize(&GROUP, &wrong, Mode::Create)),
        ScimType::InvalidSyntax
    );
}

#[test]
fn nulls_and_empty_arrays_are_absent() {
    let doc =
        user(json!({"userName": "a", "title": null, "emails": [], "name": {"givenName": null}}))
            .unwrap();
    assert_eq!(doc, json!({"userName": "a"}));
}

#[test]
fn fragment_keeps_explicit_nulls_and_skips_required() {
    let doc = normalize(
        &USER,
        &json!({"title": null, "emails": [], "name": {"givenName": null, "familyName": "Lee"}, ROSTER_USER: null}),
        Mode::Fragment,
    )
    .unwrap();
    assert_eq!(
        doc,
        json!({"title": null, "emails": null, "name": {"givenName": null, "familyName": "Lee"}, ROSTER_USER: null})
    );
}

#[test]
fn boolean_coercions() {
    for (input, expected) in [
        (json!(true), true),
        (json!("False"), false),
        (json!("TRUE"), true),
        (json!(" true "), true),
    ] {
        let doc = user(json!({"userName": "a", "active": input})).unwrap();
        assert_eq!(doc["active"], json!(expected));
    }
    for bad in [json!("yes"), json!(1), json!({})] {
        let err = user(json!({"userName": "a", "active": bad})).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
        assert!(
            err.detail.contains("active") && err.detail.contains("boolean"),
            "{}",
            err.detail
        );
    }
}

#[test]
fn scalar_type_checks() {
    for bad in [
        json!({"userName": 42}),
        json!({"userName": "a", "name": "Ann Lee"}),
        json!({"userName": "a", "emails": [{"value": 5}]}),
        json!({"userName": "a", "emails": [["a@b"]]}),
        json!({"userName": "a", "x509Certificates": [{"value": true}]}),
    ] {
        assert_eq!(
            scim_type(user(bad.clone())),
            ScimType::InvalidValue,
            "{bad}"
        );
    }
}

#[test]
fn integer_decimal_and_date_time_types() {
    static N: AttrDef = AttrDef::new("n", AttrType::Integer, "");
    static D: AttrDef = AttrDef::new("d", AttrType::Decimal, "");
    static T: AttrDef = AttrDef::new("t", AttrType::DateTime, "");
    assert_eq!(
        attr_value(&N, &json!(3), "n", false).unwrap(),
        Some(json!(3))
    );
    assert_eq!(
        attr_value(&N, &json!(3.0), "n", false).unwrap(),
        Some(json!(3))
    );
    assert!(attr_value(&N, &json!(3.5), "n", false).is_err());
    assert!(attr_value(&N, &json!("3"), "n", false).is_err());
    assert_eq!(
        attr_value(&D, &json!(2.5), "d", false).unwrap(),
        Some(json!(2.5))
    );
    assert!(attr_value(&D, &json!("2.5"), "d", false).is_err());
    assert_eq!(
        attr_value(&T, &json!("2026-03-01T10:00:00+01:00"), "t", false).unwrap(),
        Some(json!("2026-03-01T09:00:00.000Z"))
    );
    let err = attr_value(&T, &json!("tomorrow"), "t", false).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::InvalidValue));
}

#[test]
fn multi_valued_wrapping() {
    let doc = user(json!({
        "userName": "a",
        "emails": "a@x.org",
        "phoneNumbers": ["+33 1", {"value": "+33 2", "type": "work"}, null],
    }))
    .unwrap();
    assert_eq!(doc["emails"], json!([{"value": "a@x.org"}]));
    assert_eq!(
        doc["phoneNumbers"],
        json!([{"value": "+33 1"}, {"value": "+33 2", "type": "work"}])
    );
}

#[test]
fn at_most_one_primary() {
    let two = json!({"userName": "a", "emails": [
        {"value": "a@x", "primary": true}, {"value": "b@x", "primary": "true"}]});
    assert_eq!(scim_type(user(two)), ScimType::InvalidValue);
    let one = json!({"userName": "a", "emails": [
        {"value": "a@x", "primary": true}, {"value": "b@x", "primary": false}]});
    assert!(user(one).is_ok());
}

#[test]
fn required_attributes() {
    for bad in [
        json!({}),
        json!({"userName": "  "}),
        json!({"userName": null}),
    ] {
        let err = user(bad.clone()).unwrap_err();
        assert_eq!(err.scim_type, Some(ScimType::InvalidValue), "{bad}");
        assert!(err.detail.contains("userName"));
    }
    assert!(normalize(&USER, &json!({"title": "x"}), Mode::Replace).is_err());
    assert!(normalize(&USER, &json!({"title": "x"}), Mode::Fragment).is_ok());
    let err = normalize(&GROUP, &json!({"members": []}), Mode::Create).unwrap_err();
    assert!(err.detail.contains("displayName"));
}

#[test]
fn immutable_attributes_may_be_set_once() {
    static SUBS: [AttrDef; 2] = [
        AttrDef::string("fixed", "").immutable(),
        AttrDef::string("free", ""),
    ];
    static ATTRS: [AttrDef; 2] = [
        AttrDef::string("code", "").immutable(),
        AttrDef::complex("badge", "", &SUBS),
    ];
    static SCHEMA: SchemaDef = SchemaDef {
        id: "urn:test:Thing",
        name: "Thing",
        description: "",
        attributes: &ATTRS,
    };
    static THING: ResourceDef = ResourceDef {
        name: "Thing",
        endpoint: "/Things",
        description: "",
        schema: &SCHEMA,
        extensions: &[],
    };
    let ok = |old: Value, new: Value| check_immutable(&THING, &old, &new);
    assert!(ok(json!({}), json!({"code": "a"})).is_ok());
    assert!(ok(json!({"code": "a"}), json!({"code": "a"})).is_ok());
    let err = ok(json!({"code": "a"}), json!({"code": "b"})).unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::Mutability));
    assert!(ok(json!({"code": "a"}), json!({})).is_err());
    assert!(
        ok(
            json!({"badge": {"free": "x"}}),
            json!({"badge": {"fixed": "1"}})
        )
        .is_ok()
    );
    assert!(
        ok(
            json!({"badge": {"fixed": "1"}}),
            json!({"badge": {"fixed": "1", "free": "y"}})
        )
        .is_ok()
    );
    let err = ok(
        json!({"badge": {"fixed": "1"}}),
        json!({"badge": {"fixed": "2"}}),
    )
    .unwrap_err();
    assert!(err.detail.contains("badge.fixed"), "{}", err.detail);
}

#[test]
fn group_members_may_change_despite_immutable_value() {
    let old = json!({"displayName": "G", "members": [{"value": "u1"}]});
    let new = json!({"displayName": "G", "members": [{"value": "u2"}]});
    assert!(check_immutable(&GROUP, &old, &new).is_ok());
}

#[test]
fn schemas_inside_an_extension_object_is_accepted_and_dropped() {
    let input = json!({
        "userName": "a",
        ROSTER_USER: {"schemas": [ROSTER_USER], "localLogin": true},
    });
    let doc = normalize(&USER, &input, Mode::Create).expect("accepted");
    assert_eq!(doc[ROSTER_USER], json!({"localLogin": true}));
    let bad = json!({"userName": "a", ROSTER_USER: {"schemas": ["urn:nope"]}});
    assert!(normalize(&USER, &bad, Mode::Create).is_err());
}
