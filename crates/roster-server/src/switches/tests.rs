use super::*;

#[test]
fn last_modified_is_found_outside_strings_only() {
    assert!(names_last_modified(
        "meta.lastModified gt \"2026-01-01T00:00:00Z\""
    ));
    assert!(names_last_modified(
        "userName eq \"a\" or META.LASTMODIFIED ge \"x\""
    ));
    assert!(!names_last_modified("displayName eq \"meta.lastModified\""));
    assert!(!names_last_modified(
        "displayName eq \"a\\\"meta.lastModified\""
    ));
}

#[test]
fn extension_paths() {
    assert!(names_extension_path(
        "urn:roster:params:scim:schemas:extension:organisation:2.0:User:localLogin"
    ));
    assert!(names_extension_path("organisationAdministrator"));
    assert!(names_extension_path("licenses[value eq \"x\"]"));
    assert!(!names_extension_path("members[value eq \"x\"]"));
    assert!(!names_extension_path("name.givenName"));
    assert!(!names_extension_path(""));
}
