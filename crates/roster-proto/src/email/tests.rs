use super::*;

#[test]
fn plain_addresses_are_accepted_and_split_at_the_at() {
    for good in [
        "ann@x.org",
        "Ann.Lee@Corp.Example",
        "a+tag@b.co",
        "o'brien@x.org",
        "élodie@exemple.fr",
        "first.last-1_x@sub.domain-2.example",
        "!#$%&'*+-/=?^_`{|}~@x.org",
    ] {
        assert!(parse(good).is_ok(), "{good:?} refused: {:?}", parse(good));
    }
    let a = parse("ann.lee@corp.example").unwrap();
    assert_eq!((a.local, a.domain), ("ann.lee", "corp.example"));
    assert_eq!(a.to_string(), "ann.lee@corp.example");
}

#[test]
fn hostile_addresses_are_refused_with_their_reason() {
    use AddressError::*;
    let cases: &[(&str, AddressError)] = &[
        ("x@evil.example@chaos.example", SeveralAt),
        ("evil@evil.example, ok@chaos.example", SeveralAddresses(',')),
        ("a@x.org;b@x.org", SeveralAddresses(';')),
        ("\"evil@evil.example\"@chaos.example", Quoted),
        (
            "Evil <evil@evil.example>, x@chaos.example",
            SeveralAddresses(','),
        ),
        (
            "ok@chaos.example\r\nBcc: evil@evil.example",
            ControlCharacter('\r'),
        ),
        (
            "ok@chaos.example\nBcc: evil@evil.example",
            ControlCharacter('\n'),
        ),
        ("ok\0@chaos.example", ControlCharacter('\0')),
        ("ok@chaos.example\t", ControlCharacter('\t')),
        (
            "Evil <evil@evil.example>",
            DisplayName {
                address: Some("evil@evil.example".into()),
            },
        ),
        ("<a@x.org> <b@x.org>", DisplayName { address: None }),
        ("a>@x.org", DisplayName { address: None }),
        ("a b@x.org", Space),
        (" a@x.org", Space),
        ("a@x.org\u{a0}", Space),
        ("", Empty),
        ("plain", NoAt),
        ("a@@x.org", SeveralAt),
    ];
    for (text, expected) in cases {
        assert_eq!(parse(text).as_ref(), Err(expected), "{text:?}");
    }
}

#[test]
fn local_part_is_a_dot_atom() {
    for bad in [
        "@x.org",
        ".a@x.org",
        "a.@x.org",
        "a..b@x.org",
        "a(b)@x.org",
        "a\\b@x.org",
        "a:b@x.org",
        "a[b]@x.org",
    ] {
        assert!(
            matches!(parse(bad), Err(AddressError::Local(_))),
            "{bad:?}: {:?}",
            parse(bad)
        );
    }
    let long = format!("{}@x.org", "a".repeat(65));
    assert!(matches!(parse(&long), Err(AddressError::Local(_))));
}

#[test]
fn domain_is_ldh_labels_with_a_dot() {
    for bad in [
        "a@",
        "a@localhost",
        "a@x..org",
        "a@.x.org",
        "a@x.org.",
        "a@-x.org",
        "a@x-.org",
        "a@x_y.org",
        "a@[10.0.0.1]",
        "a@exämple.org",
    ] {
        assert!(
            matches!(parse(bad), Err(AddressError::Domain(_))),
            "{bad:?}: {:?}",
            parse(bad)
        );
    }
    let label = format!("a@{}.org", "x".repeat(64));
    assert!(matches!(parse(&label), Err(AddressError::Domain(_))));
    let long = format!("a@{}org", "abcdefghi.".repeat(26));
    assert_eq!(parse(&long), Err(AddressError::TooLong));
}

#[test]
fn messages_say_what_to_do() {
    let e = parse("Jane Doe <jd@x.example>").unwrap_err();
    assert_eq!(
        e.to_string(),
        "only the address belongs here, without a name or angle brackets: jd@x.example"
    );
    let e = parse("Jane Doe <jd@x>").unwrap_err();
    assert_eq!(
        e,
        AddressError::DisplayName {
            address: Some("jd@x".into())
        }
    );
    let e = parse("a@x.org\r\nBcc: b@y.org").unwrap_err();
    assert!(e.to_string().contains("'\\r'"), "{e}");
    assert_eq!(escape("a\r\nb\0"), "a\\r\\nb\\0");
}

#[test]
fn every_ascii_character_in_the_local_part_is_judged() {
    for b in 0u8..128 {
        let c = char::from(b);
        let text = format!("a{c}b@x.example");
        let got = parse(&text);
        let ok = c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c);
        assert_eq!(got.is_ok(), ok, "{c:?}: {got:?}");
        // What the one pass over the bytes lets through is judged by the dot-atom
        // check; the rest by the check of that very character.
        let expected_kind = match c {
            _ if ok => continue,
            '@' => "SeveralAt",
            ',' | ';' => "SeveralAddresses",
            '<' | '>' => "DisplayName",
            '"' => "Quoted",
            ' ' => "Space",
            _ if c.is_control() => "ControlCharacter",
            _ => "Local",
        };
        assert!(
            format!("{got:?}").starts_with(&format!("Err({expected_kind}")),
            "{c:?}: {got:?}"
        );
    }
}
