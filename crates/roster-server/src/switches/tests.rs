use super::*;

fn refused(switches: Switches, filter: &str) -> bool {
    switches.filter(Some(filter)).is_err()
}

#[test]
fn last_modified_is_found_outside_strings_only() {
    let s = Switches {
        refuse_last_modified_filter: true,
        ..Switches::default()
    };
    assert!(refused(s, "meta.lastModified gt \"2026-01-01T00:00:00Z\""));
    assert!(refused(
        s,
        "userName eq \"a\" or META.LASTMODIFIED ge \"x\""
    ));
    assert!(!refused(s, "displayName eq \"meta.lastModified\""));
    assert!(!refused(s, "displayName eq \"a\\\"meta.lastModified\""));
    assert!(!refused(Switches::default(), "meta.lastModified gt \"x\""));
}

#[test]
fn extension_attributes_in_filters_are_unknown_without_the_extension() {
    let s = Switches {
        no_roster_extension: true,
        ..Switches::default()
    };
    assert!(refused(s, "organisationAdministrator eq true"));
    assert!(refused(s, "userName sw \"a\" and (LocalLogin eq false)"));
    assert!(refused(
        s,
        "urn:roster:params:scim:schemas:extension:organisation:2.0:User:localLogin eq true"
    ));
    assert!(!refused(s, "userName eq \"localLogin\""));
    assert!(!refused(
        s,
        "emails[type eq \"work\"] and name.givenName sw \"A\""
    ));
    let no_filter = Switches {
        no_filter: true,
        ..s
    };
    assert_eq!(
        no_filter
            .filter(Some("organisationAdministrator eq true"))
            .ok(),
        Some(None)
    );
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
