use super::*;
use crate::schema::{GROUP, USER};
use roster_proto::urn::{ROSTER_USER, USER as USER_URN};

#[test]
fn resolution_of_paths() {
    let Some(Named::Attr(l)) = resolve(&USER, None, "USERNAME") else {
        panic!()
    };
    assert_eq!((l.def.name, l.ext.is_none()), ("userName", true));
    let Some(Named::Attr(l)) = resolve(&USER, None, "locallogin") else {
        panic!()
    };
    assert_eq!(l.ext.map(|s| s.id), Some(ROSTER_USER));
    let Some(Named::Attr(l)) = resolve(&USER, Some(&ROSTER_USER.to_lowercase()), "localLogin")
    else {
        panic!()
    };
    assert_eq!(l.label(), format!("{ROSTER_USER}:localLogin"));
    let Some(Named::Schema(s)) = resolve(
        &USER,
        Some("urn:roster:params:scim:schemas:extension:organisation:2.0"),
        "User",
    ) else {
        panic!()
    };
    assert_eq!(s.id, ROSTER_USER);
    assert!(resolve(&USER, Some(USER_URN), "localLogin").is_none());
    assert!(resolve(&USER, Some("urn:other"), "userName").is_none());
    assert!(resolve(&USER, None, "nope").is_none());
    let text = format!("{USER_URN}:name.givenName");
    let Some((Named::Attr(l), Some(sub))) = resolve_text(&USER, &text) else {
        panic!()
    };
    assert_eq!((l.def.name, sub), ("name", "givenName"));
    assert!(matches!(
        resolve_text(&USER, ROSTER_USER),
        Some((Named::Schema(_), None))
    ));
    assert!(
        matches!(resolve_text(&GROUP, "urn:roster:params:scim:schemas:extension:organisation:2.0:Group:licenses.value"),
        Some((Named::Attr(l), Some("value"))) if l.ext.is_some())
    );
}
