use super::*;
use crate::schema::{GROUP, USER};
use roster_proto::urn::{ROSTER_GROUP, ROSTER_USER};
use serde_json::json;

fn run(resource: &ResourceDef, doc: Value, ops: Value) -> Result<Value, ApiError> {
    let ops: Vec<PatchOp> = serde_json::from_value(ops).expect("valid operations");
    let mut doc = doc;
    apply(resource, &mut doc, &ops).map(|()| doc)
}

fn user(ops: Value) -> Result<Value, ApiError> {
    run(&USER, base_user(), ops)
}

fn base_user() -> Value {
    json!({
        "userName": "ann@x.org",
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [
            {"value": "ann@x.org", "type": "work", "primary": true},
            {"value": "ann@home.net", "type": "home"},
        ],
        "active": true,
    })
}

fn base_group() -> Value {
    json!({"displayName": "Sales", "members": [
        {"value": "u1", "type": "User"},
        {"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"},
    ]})
}

fn failure(r: Result<Value, ApiError>) -> (ScimType, String) {
    let e = r.expect_err("should fail");
    (e.scim_type.expect("scimType"), e.detail)
}

#[test]
fn rfc_add_member() {
    // RFC 7644 §3.5.2.1
    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "add", "path": "members", "value": [{
            "display": "Babs Jensen",
            "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "value": "902c246b-6245-4190-8e05-00816be7344a"}]}]),
    )
    .unwrap();
    let members = doc["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    assert_eq!(members[2]["value"], "902c246b-6245-4190-8e05-00816be7344a");
    assert!(members[2].get("display").is_none(), "display is readOnly");
}

#[test]
fn adding_an_existing_member_is_a_no_op() {
    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "Add", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}, {"value": "u3"}]}]),
    )
    .unwrap();
    let values: Vec<&str> = doc["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["u1", "2819c223-7f76-453a-919d-413861904646", "u3"]);
}

#[test]
fn rfc_remove_member_by_filter() {
    // RFC 7644 §3.5.2.2
    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "remove", "path": "members[value eq \"2819c223-7f76-453a-919d-413861904646\"]"}]),
    )
    .unwrap();
    assert_eq!(doc["members"], json!([{"value": "u1", "type": "User"}]));
    let (t, _) = failure(run(
        &GROUP,
        base_group(),
        json!([{"op": "remove", "path": "members[value eq \"nobody\"]"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
}

#[test]
fn remove_all_members_and_the_azure_value_list_form() {
    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "remove", "path": "members"}]),
    )
    .unwrap();
    assert_eq!(doc, json!({"displayName": "Sales"}));
    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "Remove", "path": "members", "value": [{"value": "U1"}, {"value": "absent"}]}]),
    )
    .unwrap();
    assert_eq!(
        doc["members"],
        json!([{"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"}])
    );
    let doc = run(
        &GROUP,
        json!({"displayName": "G", "members": [{"value": "u1"}]}),
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}]}]),
    )
    .unwrap();
    assert_eq!(
        doc,
        json!({"displayName": "G"}),
        "an emptied attribute disappears"
    );
}

#[test]
fn rfc_replace_work_address_by_filter() {
    // RFC 7644 §3.5.2.3
    let doc = json!({"userName": "b", "addresses": [
        {"type": "work", "streetAddress": "1 Old St", "locality": "Paris"},
        {"type": "home", "streetAddress": "2 Home St"},
    ]});
    let new = json!({"type": "work", "streetAddress": "911 Universal City Plaza",
                     "locality": "Hollywood", "region": "CA", "postalCode": "91608",
                     "country": "US", "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                     "primary": true});
    let out = run(
        &USER,
        doc.clone(),
        json!([{"op": "replace", "path": "addresses[type eq \"work\"]", "value": new.clone()}]),
    )
    .unwrap();
    assert_eq!(out["addresses"][0], new);
    assert_eq!(out["addresses"][1], doc["addresses"][1]);
    let out = run(
        &USER,
        doc,
        json!([{"op": "replace", "path": "addresses[type eq \"work\"].streetAddress", "value": "1010 Broadway Ave"}]),
    )
    .unwrap();
    assert_eq!(
        out["addresses"][0],
        json!({"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Paris"})
    );
}

#[test]
fn azure_creates_a_missing_element_from_an_eq_filter() {
    let doc = run(
        &USER,
        json!({"userName": "a"}),
        json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "a@x.org"},
               {"op": "Replace", "path": "phoneNumbers[type eq \"mobile\" and primary eq true].value", "value": "+33 6"}]),
    )
    .unwrap();
    assert_eq!(doc["emails"], json!([{"type": "work", "value": "a@x.org"}]));
    assert_eq!(
        doc["phoneNumbers"],
        json!([{"type": "mobile", "primary": true, "value": "+33 6"}])
    );
    // An existing element is updated, not duplicated.
    let doc = user(
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x.org"}]),
    )
    .unwrap();
    assert_eq!(
        doc["emails"][0],
        json!({"value": "new@x.org", "type": "work", "primary": true})
    );
    assert_eq!(doc["emails"].as_array().unwrap().len(), 2);
    // A filter that does not describe an element cannot create one.
    let (t, _) = failure(user(
        json!([{"op": "replace", "path": "emails[value co \"zzz\"].type", "value": "other"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
}

#[test]
fn active_from_string_with_and_without_path() {
    let doc = user(json!([{"op": "Replace", "path": "active", "value": "False"}])).unwrap();
    assert_eq!(doc["active"], false);
    let doc =
        user(json!([{"op": "replace", "value": {"active": "False", "id": "ignored"}}])).unwrap();
    assert_eq!(doc["active"], false);
    assert!(doc.get("id").is_none());
}

#[test]
fn replace_complex_merges_sub_attributes() {
    let doc =
        user(json!([{"op": "replace", "path": "name", "value": {"givenName": "Babs"}}])).unwrap();
    assert_eq!(
        doc["name"],
        json!({"givenName": "Babs", "familyName": "Lee"})
    );
    let doc = user(
        json!([{"op": "replace", "value": {"name": {"GIVENNAME": "Babs", "familyName": null}}}]),
    )
    .unwrap();
    assert_eq!(doc["name"], json!({"givenName": "Babs"}));
    let doc =
        user(json!([{"op": "replace", "path": "name.familyName", "value": "Jensen"}])).unwrap();
    assert_eq!(
        doc["name"],
        json!({"givenName": "Ann", "familyName": "Jensen"})
    );
    let doc = user(json!([{"op": "add", "path": "name.middleName", "value": "J"}])).unwrap();
    assert_eq!(doc["name"]["middleName"], "J");
}

#[test]
fn replace_multi_valued_replaces_all_values() {
    let doc =
        user(json!([{"op": "replace", "path": "emails", "value": [{"value": "only@x.org"}]}]))
            .unwrap();
    assert_eq!(doc["emails"], json!([{"value": "only@x.org"}]));
    let doc = user(json!([{"op": "replace", "path": "emails", "value": []}])).unwrap();
    assert!(doc.get("emails").is_none());
}

#[test]
fn a_new_primary_demotes_the_old_one() {
    let doc = user(
        json!([{"op": "add", "path": "emails", "value": {"value": "b@x.org", "primary": true}}]),
    )
    .unwrap();
    let emails = doc["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3);
    assert!(emails[0].get("primary").is_none());
    assert_eq!(emails[2], json!({"value": "b@x.org", "primary": true}));
    let doc =
        user(json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]))
            .unwrap();
    assert!(doc["emails"][0].get("primary").is_none());
    assert_eq!(doc["emails"][1]["primary"], true);
    let doc = user(json!([{"op": "replace", "path": "emails.primary", "value": true}])).unwrap();
    let primaries = doc["emails"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["primary"] == true)
        .count();
    assert_eq!(primaries, 1);
}

#[test]
fn required_attributes_cannot_go_and_failures_change_nothing() {
    let (t, d) = failure(user(json!([{"op": "remove", "path": "userName"}])));
    assert_eq!(t, ScimType::InvalidValue);
    assert!(d.contains("userName"), "{d}");
    let (t, _) = failure(user(
        json!([{"op": "replace", "path": "userName", "value": " "}]),
    ));
    assert_eq!(t, ScimType::InvalidValue);
    let (t, _) = failure(run(
        &GROUP,
        base_group(),
        json!([{"op": "replace", "value": {"displayName": null}}]),
    ));
    assert_eq!(t, ScimType::InvalidValue);

    let mut doc = base_user();
    let ops: Vec<PatchOp> = serde_json::from_value(json!([
        {"op": "replace", "path": "title", "value": "Dr"},
        {"op": "remove", "path": "nope"},
    ]))
    .unwrap();
    let err = apply(&USER, &mut doc, &ops).unwrap_err();
    assert!(err.detail.starts_with("Operations[1]"), "{}", err.detail);
    assert_eq!(doc, base_user(), "all or nothing");
}

#[test]
fn path_errors() {
    for (ops, expected) in [
        (json!([{"op": "remove"}]), ScimType::NoTarget),
        (json!([{"op": "remove", "path": ""}]), ScimType::NoTarget),
        (
            json!([{"op": "replace", "path": "shoeSize", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "name.nick", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "userName.x", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[colour eq \"x\"].value", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[type gt true]", "value": {}}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "emails[type eq \"work\"].colour", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "userName[value eq \"x\"]", "value": "x"}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "replace", "path": "urn:example:x:y", "value": 1}]),
            ScimType::InvalidPath,
        ),
        (
            json!([{"op": "add", "path": "title"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "add", "value": "not an object"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "add", "path": "active", "value": "maybe"}]),
            ScimType::InvalidValue,
        ),
        (
            json!([{"op": "add", "value": {"shoeSize": 1}}]),
            ScimType::InvalidSyntax,
        ),
    ] {
        let (t, d) = failure(user(ops.clone()));
        assert_eq!(t, expected, "{ops}: {d}");
    }
}

#[test]
fn read_only_targets_are_mutability_errors() {
    for path in [
        "groups".to_owned(),
        "groups[value eq \"g1\"]".to_owned(),
        format!("{ROSTER_USER}:lastConnection"),
        format!("{ROSTER_USER}:invitation.status"),
    ] {
        let (t, _) = failure(user(json!([{"op": "replace", "path": path, "value": "x"}])));
        assert_eq!(t, ScimType::Mutability, "{path}");
    }
    let (t, _) = failure(run(
        &GROUP,
        base_group(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].display", "value": "x"}]),
    ));
    assert_eq!(t, ScimType::Mutability);
}

#[test]
fn immutable_member_value_cannot_change_in_place() {
    let (t, _) = failure(run(
        &GROUP,
        base_group(),
        json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u9"}]),
    ));
    assert_eq!(t, ScimType::Mutability);
    // Setting it to the value it has is not a change.
    assert!(
        run(
            &GROUP,
            base_group(),
            json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u1"}]),
        )
        .is_ok()
    );
}

#[test]
fn extension_paths_and_values() {
    let doc = user(
        json!([{"op": "replace", "path": format!("{ROSTER_USER}:localLogin"), "value": "true"}]),
    )
    .unwrap();
    assert_eq!(doc[ROSTER_USER], json!({"localLogin": true}));
    let upper = format!("{}:LOCALLOGIN", ROSTER_USER.to_uppercase());
    let doc = run(&USER, doc, json!([{"op": "remove", "path": upper}])).unwrap();
    assert!(
        doc.get(ROSTER_USER).is_none(),
        "an emptied extension disappears: {doc}"
    );

    let doc = user(json!([{"op": "add", "value": {
        (format!("{ROSTER_USER}:localLogin")): true,
        ROSTER_USER: {"organisationAdministrator": "True"},
    }}]))
    .unwrap();
    assert_eq!(
        doc[ROSTER_USER],
        json!({"localLogin": true, "organisationAdministrator": true})
    );

    let doc = user(json!([{"op": "replace", "path": ROSTER_USER, "value": {"localLogin": false}}]))
        .unwrap();
    assert_eq!(doc[ROSTER_USER], json!({"localLogin": false}));
    let doc = run(&USER, doc, json!([{"op": "remove", "path": ROSTER_USER}])).unwrap();
    assert!(doc.get(ROSTER_USER).is_none());

    let doc = run(
        &GROUP,
        base_group(),
        json!([{"op": "add", "path": format!("{ROSTER_GROUP}:licenses"), "value": ["lic-a"]}]),
    )
    .unwrap();
    assert_eq!(doc[ROSTER_GROUP]["licenses"], json!([{"value": "lic-a"}]));
}

#[test]
fn null_unassigns_on_replace_only() {
    let doc = user(json!([{"op": "replace", "path": "active", "value": null}])).unwrap();
    assert!(doc.get("active").is_none());
    let doc = user(json!([{"op": "replace", "value": {"name": null}}])).unwrap();
    assert!(doc.get("name").is_none());
    let doc = user(json!([{"op": "add", "value": {"active": null}}])).unwrap();
    assert_eq!(doc["active"], true);
    let doc = run(
        &USER,
        json!({"userName": "a"}),
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": null}]),
    )
    .unwrap();
    assert_eq!(
        doc,
        json!({"userName": "a"}),
        "unassigning nothing creates nothing"
    );
}

#[test]
fn add_without_path_appends_merges_and_sets() {
    let doc = user(json!([{"op": "add", "value": {
        "emails": [{"value": "new@x.org", "type": "other"}, {"value": "ann@home.net", "type": "home"}],
        "name": {"middleName": "J"},
        "title": "Dr",
        "userName": "ann2@x.org",
    }}]))
    .unwrap();
    assert_eq!(
        doc["emails"].as_array().unwrap().len(),
        3,
        "exact duplicate skipped"
    );
    assert_eq!(
        doc["name"],
        json!({"givenName": "Ann", "familyName": "Lee", "middleName": "J"})
    );
    assert_eq!(doc["title"], "Dr");
    assert_eq!(doc["userName"], "ann2@x.org");
}

#[test]
fn values_are_normalised_like_bodies() {
    let doc = user(json!([{"op": "add", "path": "EMAILS", "value": "b@x.org"}])).unwrap();
    assert_eq!(doc["emails"][2], json!({"value": "b@x.org"}));
    let doc = user(json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:title", "value": "Dr"}])).unwrap();
    assert_eq!(doc["title"], "Dr");
}

#[test]
fn remove_sub_attributes_and_elements() {
    let doc = user(json!([{"op": "remove", "path": "emails[type eq \"work\"].type"}])).unwrap();
    assert_eq!(
        doc["emails"][0],
        json!({"value": "ann@x.org", "primary": true})
    );
    let doc =
        user(json!([{"op": "remove", "path": "emails[type eq \"work\" or type eq \"home\"]"}]))
            .unwrap();
    assert!(doc.get("emails").is_none());
    let doc = user(json!([{"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"}])).unwrap();
    assert!(doc.get("name").is_none());
    let doc = user(json!([{"op": "remove", "path": "title"}])).unwrap();
    assert_eq!(doc, base_user(), "removing an absent attribute is a no-op");
    let doc = user(json!([{"op": "remove", "path": "emails.type"}])).unwrap();
    assert!(
        doc["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("type").is_none())
    );
}

#[test]
fn sub_attribute_of_every_element_and_whole_element_add() {
    let doc = user(json!([{"op": "replace", "path": "emails.type", "value": "other"}])).unwrap();
    assert!(
        doc["emails"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["type"] == "other")
    );
    let (t, _) = failure(run(
        &USER,
        json!({"userName": "a"}),
        json!([{"op": "replace", "path": "emails.type", "value": "other"}]),
    ));
    assert_eq!(t, ScimType::NoTarget);
    let doc = user(
        json!([{"op": "add", "path": "emails[type eq \"home\"]", "value": {"display": "Home"}}]),
    )
    .unwrap();
    assert_eq!(
        doc["emails"][1],
        json!({"value": "ann@home.net", "type": "home", "display": "Home"})
    );
    let doc = user(json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": null}]))
        .unwrap();
    assert_eq!(doc["emails"].as_array().unwrap().len(), 1);
}
