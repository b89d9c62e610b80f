//! Identifiers: distinct types so a group id can never be passed as a user id.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A text that many values share (a few dozen group and license ids across a
/// million users): one copy per thread instead of one per user. Bounded, so that a
/// server sending a new id each time cannot make it grow without end.
fn shared(text: &str) -> Arc<str> {
    const KEPT_AT_MOST: usize = 4096;
    thread_local! {
        static KEPT: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
    }
    KEPT.with(|kept| {
        let mut kept = kept.borrow_mut();
        if let Some(text) = kept.get(text) {
            return Arc::clone(text);
        }
        if kept.len() >= KEPT_AT_MOST {
            kept.clear();
        }
        let text: Arc<str> = Arc::from(text);
        kept.insert(Arc::clone(&text));
        text
    })
}

/// A text made once and shared by its clones (a user's id is held by the user,
/// its grid row, the selection…: a count, not a copy each).
fn once(text: &str) -> Arc<str> {
    Arc::from(text)
}

/// An id type over an `Arc<str>`, made by `$make` from the server's text.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $make:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The id as the server spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self($make(s))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self($make(&s))
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Borrowed where the input allows it, so no String is made first
                // (a plain `Cow<str>` always deserializes into a String).
                let text = super::scim_user::Text::deserialize(d)?;
                Ok(Self($make(&text.0)))
            }
        }
    };
}

id_type!(
    /// The server's id of a user.
    UserId,
    once
);
id_type!(
    /// The server's id of a group; equal ids made on one thread share their text.
    GroupId,
    shared
);
id_type!(
    /// The id of a license (what users' `entitlements` carry); equal ids made on
    /// one thread share their text.
    LicenseId,
    shared
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_ids_share_one_text_and_read_and_write_as_plain_strings() {
        let a = GroupId::from("sales");
        let b = GroupId::from(String::from("sales"));
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        let json = serde_json::to_string(&vec![a.clone(), GroupId::from("eng")]).unwrap();
        assert_eq!(json, r#"["sales","eng"]"#);
        let back: Vec<GroupId> = serde_json::from_str(&json).unwrap();
        assert!(Arc::ptr_eq(&back[0].0, &a.0));
        assert_eq!(back[1].as_str(), "eng");
    }
}
