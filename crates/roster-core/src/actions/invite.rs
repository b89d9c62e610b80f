//! The invite dialog's checks: what is wrong with each field, before anything is sent.

use std::collections::BTreeSet;

use crate::model::{Email, GroupId, License, LicenseId, NewUser, Organisation, User};

/// What the administrator typed in the invite dialog.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InviteDraft {
    /// Email as typed.
    pub email: String,
    /// First name as typed.
    pub given_name: String,
    /// Last name as typed.
    pub family_name: String,
    /// Organisation Administrator.
    pub admin: bool,
    /// Local authentication.
    pub local_login: bool,
    /// Licenses to assign.
    pub licenses: BTreeSet<LicenseId>,
    /// Groups to join.
    pub groups: BTreeSet<GroupId>,
}

/// What is wrong, field by field (`None` = fine). Messages are for the administrator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteProblems {
    /// The email.
    pub email: Option<String>,
    /// The first name.
    pub given_name: Option<String>,
    /// The last name.
    pub family_name: Option<String>,
    /// The licenses (a license without a free seat).
    pub licenses: Option<String>,
}

impl InviteProblems {
    /// Whether every field is fine.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// What the checks need to know about the organisation.
pub struct InviteContext<'a> {
    /// Authorized domains; `None` when the server does not tell (then any domain).
    pub organisation: Option<&'a Organisation>,
    /// Licenses with their seats.
    pub licenses: &'a [License],
    /// Whether a user with this email exists already.
    pub exists: &'a dyn Fn(&Email) -> bool,
}

impl InviteDraft {
    /// Checks every field; the user to create when all are fine.
    pub fn check(&self, context: &InviteContext<'_>) -> Result<NewUser, InviteProblems> {
        let mut problems = InviteProblems::default();
        let email = match check_email(&self.email, context) {
            Ok(email) => Some(email),
            Err(message) => {
                problems.email = Some(message);
                None
            }
        };
        let given_name = self.given_name.trim();
        if given_name.is_empty() {
            problems.given_name = Some("First name is required.".to_owned());
        } else if has_control(given_name) {
            problems.given_name = Some("First name contains control characters.".to_owned());
        }
        let family_name = self.family_name.trim();
        if family_name.is_empty() {
            problems.family_name = Some("Last name is required.".to_owned());
        } else if has_control(family_name) {
            problems.family_name = Some("Last name contains control characters.".to_owned());
        }
        let full: Vec<&str> = context
            .licenses
            .iter()
            .filter(|l| self.licenses.contains(&l.id) && l.seats_left() == 0)
            .map(|l| l.name.as_str())
            .collect();
        if !full.is_empty() {
            problems.licenses = Some(format!("No seat left: {}.", full.join(", ")));
        }
        match email {
            Some(email) if problems.is_empty() => Ok(NewUser {
                email,
                given_name: given_name.to_owned(),
                family_name: family_name.to_owned(),
                admin: self.admin,
                local_login: self.local_login,
                licenses: self.licenses.iter().cloned().collect(),
                groups: self.groups.iter().cloned().collect(),
            }),
            _ => Err(problems),
        }
    }
}

/// Whether one of `users` already has `email`, as its email or its userName
/// (case-insensitive): the invite dialog's and the command line's "already exists".
pub fn email_taken(users: &[User], email: &Email) -> bool {
    users.iter().any(|u| {
        u.email.as_ref().is_some_and(|e| e.key() == email.key())
            || u.user_name.eq_ignore_ascii_case(email.as_str())
    })
}

fn check_email(text: &str, context: &InviteContext<'_>) -> Result<Email, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Email is required.".to_owned());
    }
    let email = Email::parse(text).map_err(|e| format!("Not a valid email address: {e}."))?;
    if let Some(org) = context.organisation
        && !org.authorizes(&email)
    {
        return Err(format!(
            "{} is not an authorized domain of {}. Allowed: {}.",
            email.domain(),
            org.name,
            org.authorized_domains.join(", ")
        ));
    }
    if (context.exists)(&email) {
        return Err(format!("A user with the email {email} already exists."));
    }
    Ok(email)
}

fn has_control(text: &str) -> bool {
    text.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org() -> Organisation {
        Organisation {
            name: "Lumen".into(),
            authorized_domains: vec!["lumen.example".into(), "lumen-analytics.example".into()],
            identity_provider: false,
        }
    }

    fn draft(email: &str) -> InviteDraft {
        InviteDraft {
            email: email.into(),
            given_name: " Ada ".into(),
            family_name: "Lovelace".into(),
            ..InviteDraft::default()
        }
    }

    fn check(draft: &InviteDraft, licenses: &[License]) -> Result<NewUser, InviteProblems> {
        let org = org();
        let exists = |e: &Email| e.key() == "taken@lumen.example";
        draft.check(&InviteContext {
            organisation: Some(&org),
            licenses,
            exists: &exists,
        })
    }

    #[test]
    fn a_good_draft_becomes_a_trimmed_new_user() {
        let user = check(&draft(" Ada@Lumen.example "), &[]).unwrap();
        assert_eq!(user.email.as_str(), "Ada@Lumen.example");
        assert_eq!(user.given_name, "Ada");
    }

    #[test]
    fn each_field_says_what_is_wrong() {
        let p = check(&draft("nobody"), &[]).unwrap_err();
        assert!(p.email.unwrap().starts_with("Not a valid email"));
        let p = check(&draft("ada@elsewhere.example"), &[]).unwrap_err();
        let message = p.email.unwrap();
        assert!(message.contains("elsewhere.example"), "{message}");
        assert!(
            message.contains("lumen.example, lumen-analytics.example"),
            "{message}"
        );
        let p = check(&draft("TAKEN@lumen.example"), &[]).unwrap_err();
        assert!(p.email.unwrap().contains("already exists"));
        let mut d = draft("");
        d.given_name = "  ".into();
        d.family_name = "La\u{7}ce".into();
        let p = check(&d, &[]).unwrap_err();
        assert_eq!(p.email.as_deref(), Some("Email is required."));
        assert_eq!(p.given_name.as_deref(), Some("First name is required."));
        assert!(p.family_name.unwrap().contains("control"));
    }

    #[test]
    fn taken_emails_match_without_case_by_email_or_user_name() {
        let user = |name: &str, email: Option<&str>| User {
            id: name.into(),
            user_name: name.into(),
            email: email.map(|e| Email::parse(e).unwrap()),
            given_name: "A".into(),
            family_name: "B".into(),
            active: true,
            admin: false,
            local_login: false,
            last_connection: None,
            licenses: vec![],
            groups: vec![],
            invitation: crate::model::InvitationStatus::Unknown,
            version: None,
            last_modified: None,
            unknown: Default::default(),
        };
        let users = [
            user("Ada@Lumen.example", None),
            user("bob", Some("Bob@lumen.example")),
        ];
        let email = |e: &str| Email::parse(e).unwrap();
        assert!(email_taken(&users, &email("ada@lumen.EXAMPLE")));
        assert!(email_taken(&users, &email("BOB@lumen.example")));
        assert!(!email_taken(&users, &email("cy@lumen.example")));
    }

    #[test]
    fn a_license_without_seats_is_refused() {
        let full = License {
            id: "crm".into(),
            name: "CRM".into(),
            seats: 2,
            seats_assigned: 2,
        };
        let mut d = draft("ada@lumen.example");
        d.licenses.insert("crm".into());
        let p = check(&d, std::slice::from_ref(&full)).unwrap_err();
        assert_eq!(p.licenses.as_deref(), Some("No seat left: CRM."));
    }
}
