//! What a change to administrators' role or sign-in would leave: the organisation
//! must keep an Organisation Administrator who can sign in, and removing your own
//! role is said plainly before it is sent.

use crate::model::{User, UserId};

/// What a planned change does to who can administer the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockout {
    /// Nothing to warn about.
    None,
    /// The signed-in administrator removes their own role or password sign-in;
    /// others can still administer. Needs an explicit confirmation.
    Yourself,
    /// No active user would be an Organisation Administrator. Refused.
    LastAdministrator,
    /// Administrators would remain, but none of them could sign in (no identity
    /// provider, and none with local login). Refused.
    NoAdministratorCanSignIn,
}

impl Lockout {
    /// Whether the change must not be sent.
    pub fn refused(self) -> bool {
        matches!(
            self,
            Self::LastAdministrator | Self::NoAdministratorCanSignIn
        )
    }

    /// The reason or warning, in words (`None` for [`Lockout::None`]).
    pub fn message(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Yourself => Some(
                "This is your own account. Once saved, you lose what this change removes: \
                 without the Organisation Administrator role Roster can no longer be used \
                 with your token, and without local login you cannot sign in with a \
                 password. Only another administrator can give it back.",
            ),
            Self::LastAdministrator => Some(
                "This would leave the organisation without an Organisation Administrator. \
                 Give the role to someone else first.",
            ),
            Self::NoAdministratorCanSignIn => Some(
                "No administrator could sign in afterwards: the organisation has no \
                 identity provider, and no other administrator has local login. Allow \
                 local login for another administrator first.",
            ),
        }
    }
}

/// One user's role and sign-in after the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    /// Organisation Administrator.
    pub admin: bool,
    /// Local login.
    pub local_login: bool,
}

/// What changing the users `changed` (id and their role and sign-in after the
/// change) does, among `users`, for the signed-in administrator `me`, when the
/// organisation signs in through an identity provider (`identity_provider`) or not.
pub fn check(
    users: &[User],
    changed: &[(&UserId, After)],
    me: Option<&UserId>,
    identity_provider: bool,
) -> Lockout {
    let after = |u: &User| {
        changed
            .iter()
            .find(|(id, _)| *id == &u.id)
            .map(|(_, a)| *a)
            .unwrap_or(After {
                admin: u.admin,
                local_login: u.local_login,
            })
    };
    let before = |u: &User| After {
        admin: u.admin,
        local_login: u.local_login,
    };
    let count = |state: &dyn Fn(&User) -> After| {
        let (mut admins, mut can_sign_in) = (0usize, 0usize);
        for a in users.iter().filter(|u| u.active).map(state) {
            if a.admin {
                admins += 1;
                if identity_provider || a.local_login {
                    can_sign_in += 1;
                }
            }
        }
        (admins, can_sign_in)
    };
    let (admins_before, sign_in_before) = count(&before);
    let (admins, can_sign_in) = count(&after);
    // Only what the change makes worse is refused: an organisation already in that
    // state can still be edited.
    if admins == 0 && admins_before > 0 {
        return Lockout::LastAdministrator;
    }
    if can_sign_in == 0 && sign_in_before > 0 {
        return Lockout::NoAdministratorCanSignIn;
    }
    let yourself = me.and_then(|me| {
        let user = users.iter().find(|u| &u.id == me)?;
        let a = changed.iter().find(|(id, _)| *id == me)?.1;
        let loses_role = user.admin && !a.admin;
        let loses_password = user.local_login && !a.local_login && !identity_provider;
        Some(loses_role || loses_password)
    });
    if yourself == Some(true) {
        Lockout::Yourself
    } else {
        Lockout::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str, admin: bool, local_login: bool) -> User {
        User {
            id: UserId::from(id),
            user_name: format!("{id}@x.example"),
            email: None,
            given_name: id.into(),
            family_name: "X".into(),
            active: true,
            admin,
            local_login,
            last_connection: None,
            licenses: Vec::new(),
            groups: Vec::new(),
            invitation: crate::model::InvitationStatus::Accepted,
            version: None,
            last_modified: None,
            unknown: Default::default(),
        }
    }

    fn set(admin: bool, local_login: bool) -> After {
        After { admin, local_login }
    }

    #[test]
    fn the_last_administrator_cannot_lose_the_role() {
        let users = [user("me", true, true), user("b", false, true)];
        let me = UserId::from("me");
        let check = |a| check(&users, &[(&me, a)], Some(&me), false);
        assert_eq!(check(set(false, true)), Lockout::LastAdministrator);
        assert!(check(set(false, true)).refused());
        assert_eq!(check(set(true, true)), Lockout::None);
    }

    #[test]
    fn the_last_administrator_who_can_sign_in_is_kept() {
        let users = [user("me", true, true), user("b", true, false)];
        let me = UserId::from("me");
        assert_eq!(
            check(&users, &[(&me, set(true, false))], Some(&me), false),
            Lockout::NoAdministratorCanSignIn
        );
        // With an identity provider everyone signs in through it.
        assert_eq!(
            check(&users, &[(&me, set(true, false))], Some(&me), true),
            Lockout::None
        );
    }

    #[test]
    fn removing_your_own_role_needs_a_confirmation() {
        let users = [user("me", true, true), user("b", true, true)];
        let me = UserId::from("me");
        let b = UserId::from("b");
        assert_eq!(
            check(&users, &[(&me, set(false, true))], Some(&me), false),
            Lockout::Yourself
        );
        assert_eq!(
            check(&users, &[(&b, set(false, true))], Some(&me), false),
            Lockout::None
        );
    }

    #[test]
    fn an_organisation_already_locked_out_can_still_be_edited() {
        let users = [user("me", true, false), user("b", false, true)];
        let me = UserId::from("me");
        let b = UserId::from("b");
        assert_eq!(
            check(&users, &[(&b, set(false, false))], Some(&me), false),
            Lockout::None
        );
    }

    #[test]
    fn an_inactive_administrator_does_not_count() {
        let mut gone = user("b", true, true);
        gone.active = false;
        let users = [user("me", true, true), gone];
        let me = UserId::from("me");
        assert_eq!(
            check(&users, &[(&me, set(false, true))], Some(&me), false),
            Lockout::LastAdministrator
        );
    }
}
