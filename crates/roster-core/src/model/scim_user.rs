//! Reading a SCIM User resource straight into a [`User`].
//!
//! A full load reads every user of the organisation: going through the owned
//! `UserResource` built ~25 strings and vectors per user (schemas, `meta.location`,
//! group names, email types, …), most of them thrown away again, and malloc and free
//! were about a third of the client's CPU time at 100k users. Here text borrows from
//! the reply's JSON wherever it holds no escape, attributes Roster does not show are
//! skipped by the parser, and only what a [`User`] keeps is allocated.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};
use roster_proto::resources::InvitationState;
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::{
    Email, GroupId, InvitationStatus, LicenseGrant, LicenseId, LicenseOrigin, Unknown, User, UserId,
};

/// A JSON string, borrowed from the input when it holds no escape.
#[derive(Debug, Default)]
pub(crate) struct Text<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor { lenient: false }).map(Text)
    }
}

/// Like [`Text`], but a number or a boolean is read as its text and `null` as "",
/// as [`roster_proto::lenient::string_or_number`] reads them (some servers' ids).
#[derive(Debug, Default)]
struct LenientText<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for LenientText<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TextVisitor { lenient: true })
            .map(LenientText)
    }
}

struct TextVisitor {
    lenient: bool,
}

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.lenient {
            "a string or a number"
        } else {
            "a string"
        })
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.number(serde_json::Number::from(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.number(serde_json::Number::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => self.number(n),
            None => Err(E::invalid_type(de::Unexpected::Float(v), &self)),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        if self.lenient {
            Ok(Cow::Owned(v.to_string()))
        } else {
            Err(E::invalid_type(de::Unexpected::Bool(v), &self))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        if self.lenient {
            Ok(Cow::Borrowed(""))
        } else {
            Err(E::invalid_type(de::Unexpected::Unit, &self))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        // serde_json's `arbitrary_precision` hands numbers over as a one-entry map.
        let value = serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        match value {
            serde_json::Value::Number(n) if self.lenient => Ok(Cow::Owned(n.to_string())),
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

impl TextVisitor {
    fn number<E: de::Error>(&self, n: serde_json::Number) -> Result<Cow<'static, str>, E> {
        if self.lenient {
            Ok(Cow::Owned(n.to_string()))
        } else {
            Err(E::invalid_type(de::Unexpected::Other("a number"), self))
        }
    }
}

/// A point in time: RFC 3339, read by chrono's RFC 3339 parser first (several times
/// faster than its general one), then by the general one for what is only close to
/// it, as chrono's own `Deserialize` accepts.
struct Time(DateTime<Utc>);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Text::deserialize(d)?.0;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .or_else(|_| text.parse::<DateTime<Utc>>())
            .map(Time)
            .map_err(de::Error::custom)
    }
}

/// The parts of a User resource a [`User`] is made of, borrowed from the JSON.
/// Everything else is skipped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ScimUser<'a> {
    #[serde(default, borrow)]
    id: LenientText<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
    #[serde(default, borrow)]
    name: Option<ScimName<'a>>,
    #[serde(default, borrow)]
    display_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    emails: Vec<ScimEmail<'a>>,
    #[serde(default)]
    active: Option<bool>,
    #[serde(default, borrow)]
    groups: Vec<ScimGroupRef<'a>>,
    #[serde(default, borrow)]
    entitlements: Vec<ScimValue<'a>>,
    #[serde(
        default,
        borrow,
        rename = "urn:roster:params:scim:schemas:extension:organisation:2.0:User"
    )]
    roster: Option<ScimRosterExtension<'a>>,
    #[serde(default, borrow)]
    meta: Option<ScimMeta<'a>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimName<'a> {
    #[serde(default, borrow)]
    formatted: Option<Text<'a>>,
    #[serde(default, borrow)]
    given_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    family_name: Option<Text<'a>>,
}

#[derive(Deserialize)]
struct ScimEmail<'a> {
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(default)]
    primary: Option<bool>,
}

#[derive(Deserialize)]
struct ScimGroupRef<'a> {
    #[serde(borrow)]
    value: LenientText<'a>,
}

#[derive(Deserialize)]
struct ScimValue<'a> {
    #[serde(borrow)]
    value: Text<'a>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimRosterExtension<'a> {
    #[serde(default)]
    organisation_administrator: Option<bool>,
    #[serde(default)]
    local_login: Option<bool>,
    #[serde(default)]
    last_connection: Option<Time>,
    #[serde(default, borrow)]
    inherited_licenses: Vec<ScimInheritedLicense<'a>>,
    #[serde(default)]
    invitation: Option<ScimInvitation>,
}

#[derive(Deserialize)]
struct ScimInheritedLicense<'a> {
    #[serde(borrow)]
    value: Text<'a>,
    #[serde(borrow)]
    group: ScimValue<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimInvitation {
    status: InvitationState,
    #[serde(default)]
    sent_at: Option<Time>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScimMeta<'a> {
    #[serde(default, borrow)]
    version: Option<Text<'a>>,
    #[serde(default)]
    last_modified: Option<Time>,
}

impl ScimUser<'_> {
    /// The server's id as text ("" when it gave none).
    pub(crate) fn id(&self) -> &str {
        &self.id.0
    }

    /// The first of userName, displayName and the name parts that is longer than
    /// `limit` bytes, with its length.
    pub(crate) fn oversized(&self, limit: usize) -> Option<(&'static str, usize)> {
        let name = self.name.as_ref();
        let part = |p: Option<&Option<Text<'_>>>| p.and_then(Option::as_ref).map(|t| t.0.len());
        [
            ("userName", Some(self.user_name.0.len())),
            ("displayName", self.display_name.as_ref().map(|t| t.0.len())),
            ("name.familyName", part(name.map(|n| &n.family_name))),
            ("name.formatted", part(name.map(|n| &n.formatted))),
            ("name.givenName", part(name.map(|n| &n.given_name))),
        ]
        .into_iter()
        .find_map(|(attribute, len)| len.filter(|&n| n > limit).map(|n| (attribute, n)))
    }

    /// The [`User`] this resource describes.
    pub(crate) fn into_user(self) -> User {
        // The primary address is only looked at when the userName is not one.
        let email = Email::if_valid(&self.user_name.0).or_else(|| {
            self.emails
                .iter()
                .find(|e| e.primary == Some(true))
                .or_else(|| self.emails.first())
                .and_then(|e| Email::if_valid(&e.value.0))
        });
        let (given_name, family_name) = names(
            &self.name.unwrap_or_default(),
            self.display_name.as_ref().map(|t| &*t.0),
        );
        let unknown = match &self.roster {
            None => Unknown::ALL,
            Some(ext) => Unknown {
                admin: ext.organisation_administrator.is_none(),
                local_login: ext.local_login.is_none(),
                // The Roster extension always says it (absent = never connected).
                last_connection: false,
            },
        };
        let ext = self.roster.unwrap_or_default();
        let last_connection = ext.last_connection.map(|t| t.0);
        let mut licenses: Vec<LicenseGrant> =
            Vec::with_capacity(self.entitlements.len() + ext.inherited_licenses.len());
        licenses.extend(self.entitlements.iter().map(|e| LicenseGrant {
            license: LicenseId::from(&*e.value.0),
            origin: LicenseOrigin::Direct,
        }));
        licenses.extend(ext.inherited_licenses.iter().map(|l| LicenseGrant {
            license: LicenseId::from(&*l.value.0),
            origin: LicenseOrigin::Group(GroupId::from(&*l.group.value.0)),
        }));
        let invitation = match (ext.invitation, last_connection) {
            (_, Some(_)) => InvitationStatus::Accepted,
            (Some(inv), None) => match inv.status {
                InvitationState::Pending => InvitationStatus::Pending(inv.sent_at.map(|t| t.0)),
                InvitationState::Accepted => InvitationStatus::Accepted,
            },
            (None, None) => InvitationStatus::Unknown,
        };
        let meta = self.meta.unwrap_or_default();
        User {
            id: UserId::from(&*self.id.0),
            user_name: self.user_name.0.into_owned(),
            email,
            given_name,
            family_name,
            active: self.active.unwrap_or(true),
            admin: ext.organisation_administrator.unwrap_or(false),
            local_login: ext.local_login.unwrap_or(false),
            last_connection,
            licenses,
            groups: self
                .groups
                .iter()
                .map(|g| GroupId::from(&*g.value.0))
                .collect(),
            invitation,
            version: meta.version.map(|t| t.0.into_owned()),
            last_modified: meta.last_modified.map(|t| t.0),
            unknown,
        }
    }
}

/// A User resource in a server's reply, read into a [`User`] as it is parsed (see
/// the module's comment): `get_json::<UserReply>` where a [`User`] is wanted.
#[derive(Debug)]
pub struct UserReply(pub User);

impl<'de> Deserialize<'de> for UserReply {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ScimUser::deserialize(d).map(|u| Self(u.into_user()))
    }
}

/// First and last name: `givenName`/`familyName` when either is given, else
/// `name.formatted`, else `displayName`, split before the last word ("Ada King
/// Lovelace" → "Ada King" + "Lovelace"; one word stays whole as the first name).
fn names(name: &ScimName<'_>, display_name: Option<&str>) -> (String, String) {
    let (given, family) = (trimmed(&name.given_name), trimmed(&name.family_name));
    if !given.is_empty() || !family.is_empty() {
        return (given.to_owned(), family.to_owned());
    }
    let whole = [name.formatted.as_ref().map(|t| &*t.0), display_name]
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("");
    let words: Vec<&str> = whole.split_whitespace().collect();
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => (rest.join(" "), (*last).to_owned()),
        _ => (words.join(" "), String::new()),
    }
}

fn trimmed<'t>(text: &'t Option<Text<'_>>) -> &'t str {
    text.as_ref().map_or("", |t| t.0.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> User {
        serde_json::from_value::<UserReply>(v).unwrap().0
    }

    #[test]
    fn reads_a_roster_user_with_direct_and_inherited_licenses() {
        let u = read(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u1", "userName": "Ann@Corp.example",
            "name": {"givenName": "Ann", "familyName": "Smith"},
            "emails": [{"value": "other@corp.example", "type": "work", "primary": true}],
            "entitlements": [{"value": "office", "display": "Office", "type": "license"}],
            "groups": [{"value": "g1", "display": "Sales", "$ref": "../Groups/g1"}],
            "urn:roster:params:scim:schemas:extension:organisation:2.0:User": {
                "organisationAdministrator": true, "localLogin": false,
                "inheritedLicenses": [{"value": "crm", "group": {"value": "g1"}},
                                      {"value": "office", "group": {"value": "g1"}}],
                "invitation": {"status": "pending", "sentAt": "2026-01-01T00:00:00Z"}
            },
            "meta": {"version": "W/\"3\"", "resourceType": "User",
                     "lastModified": "2026-02-03T04:05:06.789+01:00"}
        }));
        assert_eq!(
            u.email.as_ref().map(Email::key),
            Some("ann@corp.example"),
            "the userName, being an address, wins over the primary email"
        );
        assert!(u.admin && !u.local_login);
        assert_eq!(
            u.direct_licenses()
                .map(LicenseId::as_str)
                .collect::<Vec<_>>(),
            ["office"]
        );
        let effective: Vec<&str> = u
            .effective_licenses()
            .into_iter()
            .map(LicenseId::as_str)
            .collect();
        assert_eq!(effective, ["office", "crm"]);
        assert_eq!(
            u.groups.iter().map(GroupId::as_str).collect::<Vec<_>>(),
            ["g1"]
        );
        assert!(matches!(u.invitation, InvitationStatus::Pending(Some(_))));
        assert_eq!(u.version.as_deref(), Some("W/\"3\""));
        assert_eq!(
            u.last_modified.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-02-03T03:05:06.789+00:00"),
            "an offset is taken into account"
        );
        assert_eq!(u.full_name(), "Ann Smith");
        assert_eq!(u.unknown, Unknown::default());
    }

    #[test]
    fn a_plain_scim_user_without_the_extension_still_reads() {
        let u = read(json!({
            "id": "u2", "userName": "not-an-email",
            "emails": [{"value": "x@y.example", "primary": true}]
        }));
        assert_eq!(u.email.as_ref().map(Email::as_str), Some("x@y.example"));
        assert_eq!(u.invitation, InvitationStatus::Unknown);
        assert!(!u.admin);
        assert_eq!(u.full_name(), "not-an-email");
        assert_eq!(u.unknown, Unknown::ALL);
        assert_eq!(u.admin_fact(), None);
        assert_eq!(u.last_connection_fact(), None);
    }

    #[test]
    fn names_come_from_formatted_then_display_name() {
        let u = read(json!({"id": 7, "userName": "a@b.example",
            "name": {"formatted": "Ada King Lovelace"}, "displayName": "Ignored"}));
        assert_eq!(u.id.as_str(), "7", "an integer id is read");
        assert_eq!(
            (u.given_name.as_str(), u.family_name.as_str()),
            ("Ada King", "Lovelace")
        );
        let u = read(json!({"id": "x", "userName": "a@b.example", "displayName": "Grace Hopper"}));
        assert_eq!(
            (u.given_name.as_str(), u.family_name.as_str()),
            ("Grace", "Hopper")
        );
        let u = read(json!({"id": "x", "userName": "a@b.example", "displayName": "Cher"}));
        assert_eq!(u.full_name(), "Cher");
        let u = read(
            json!({"id": "x", "userName": "a@b.example", "active": false,
            "name": {"familyName": "Only"}, "displayName": "Not Used"}),
        );
        assert_eq!(u.full_name(), "Only");
        assert!(!u.active, "active: false is read");
    }

    #[test]
    fn text_borrows_from_the_json_unless_an_escape_must_be_undone() {
        let json = r#"{"id": 12, "userName": "plain@x.example",
            "displayName": "Caf\u00e9 Owner", "groups": [{"value": 5}, {"value": "g"}],
            "meta": {"lastModified": "2026-01-02 03:04:05Z"}}"#;
        let u: ScimUser<'_> = serde_json::from_str(json).unwrap();
        assert!(matches!(u.user_name.0, Cow::Borrowed("plain@x.example")));
        assert!(matches!(&u.display_name, Some(Text(Cow::Owned(s))) if s == "Café Owner"));
        assert_eq!(u.id(), "12");
        let user = u.into_user();
        assert_eq!(
            user.groups.iter().map(GroupId::as_str).collect::<Vec<_>>(),
            ["5", "g"],
            "numeric group ids are read as text"
        );
        assert_eq!(
            user.last_modified.map(|t| t.timestamp()),
            Some(1_767_323_045),
            "a time only close to RFC 3339 is still read"
        );
    }

    #[test]
    fn wrong_types_are_errors_not_guesses() {
        for bad in [
            json!({"id": "a", "userName": 5}),
            json!({"id": "a"}),
            json!({"id": "a", "userName": "a@b.example", "active": "yes"}),
            json!({"id": "a", "userName": "a@b.example", "meta": {"lastModified": "soon"}}),
            json!({"id": "a", "userName": "a@b.example", "emails": [{"primary": true}]}),
            json!({"id": ["a"], "userName": "a@b.example"}),
        ] {
            assert!(
                serde_json::from_value::<UserReply>(bad.clone()).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_first_oversized_attribute_is_named() {
        let json = json!({
            "id": "a", "userName": "a@b.example", "displayName": "short",
            "name": {"givenName": "n".repeat(20), "formatted": "f".repeat(30)}
        })
        .to_string();
        let u: ScimUser<'_> = serde_json::from_str(&json).unwrap();
        assert_eq!(u.oversized(12), Some(("name.formatted", 30)));
        assert_eq!(u.oversized(10), Some(("userName", 11)));
        assert_eq!(u.oversized(25), Some(("name.formatted", 30)));
        assert_eq!(u.oversized(30), None);
        let u: ScimUser<'_> = serde_json::from_str(r#"{"userName": "short"}"#).unwrap();
        assert_eq!((u.oversized(4), u.id()), (Some(("userName", 5)), ""));
    }
}
