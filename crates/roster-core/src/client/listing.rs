//! What the pages of a listing say about themselves, read beside the typed
//! resources: ids (to drop repeats and to notice a page that brings nothing new),
//! userNames (to report two users sharing one) and name lengths (to leave out a
//! resource with an absurd name instead of keeping a 10 MB string in the grid).

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasher, RandomState};

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Longest userName, displayName or name part kept, in bytes. Real names and
/// email addresses are far shorter; anything longer is a broken or hostile server.
pub const MAX_ATTRIBUTE_BYTES: usize = 4096;

/// Something wrong with a listing that did not stop it: reported in the log and
/// meant for the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListWarning {
    /// Several resources had the same id: only the first of each is kept.
    RepeatedIds {
        /// What was listed ("user", "group", …).
        noun: String,
        /// Resources left out (five sharing one id count 4).
        count: usize,
        /// One of the ids.
        example: String,
    },
    /// Several users had the same userName (compared without case): all are kept.
    SharedUserNames {
        /// What was listed.
        noun: String,
        /// Resources whose userName an earlier one already had.
        count: usize,
        /// One of the userNames.
        example: String,
    },
    /// A resource with an attribute longer than [`MAX_ATTRIBUTE_BYTES`]: left out.
    Oversized {
        /// What was listed.
        noun: String,
        /// The resource's id.
        id: String,
        /// The attribute ("userName", "name.givenName", …).
        attribute: String,
        /// Its length in bytes.
        bytes: usize,
    },
}

impl fmt::Display for ListWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RepeatedIds {
                noun,
                count,
                example,
            } => write!(
                f,
                "the server returned {} twice (the same id, e.g. {example:?}); Roster shows \
                 each once",
                crate::words::count(*count as u64, noun, &format!("{noun}s"))
            ),
            Self::SharedUserNames {
                noun,
                count,
                example,
            } => write!(
                f,
                "the server returned {} with the userName of another (e.g. {example:?}); \
                 Roster shows all of them: check them on the server",
                crate::words::count(*count as u64, noun, &format!("{noun}s"))
            ),
            Self::Oversized {
                noun,
                id,
                attribute,
                bytes,
            } => write!(
                f,
                "the server returned a {noun} (id {id:?}) with a {attribute} of \
                 {bytes} bytes (Roster keeps at most {MAX_ATTRIBUTE_BYTES}); it is left out"
            ),
        }
    }
}

/// The parts of a page the checks read, for resources whose typed form does not
/// hold them ([`Listed::keys`] is `None`): a second, lighter parse of the page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageKeys {
    #[serde(default, rename = "Resources", alias = "resources")]
    pub(super) resources: Vec<RawKeys>,
}

/// The parts of one resource the checks read (any JSON type: ids may be numbers).
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawKeys {
    #[serde(default)]
    id: Option<Value>,
    #[serde(default, rename = "userName")]
    user_name: Option<Value>,
    #[serde(default, rename = "displayName")]
    display_name: Option<Value>,
    #[serde(default)]
    name: Option<Value>,
}

impl RawKeys {
    /// The keys as the checks use them.
    fn keys(&self) -> Keys<'_> {
        let id = match &self.id {
            Some(Value::String(s)) => Some(Cow::Borrowed(s.as_str())),
            None | Some(Value::Null) => None,
            Some(other) => Some(Cow::Owned(other.to_string())),
        };
        let user_name = match &self.user_name {
            Some(Value::String(s)) => Some(s.as_str()),
            _ => None,
        };
        Keys {
            id,
            user_name,
            oversized: self.oversized(),
        }
    }

    /// The first attribute over the limit, with its length.
    fn oversized(&self) -> Option<(String, usize)> {
        let long = |v: &Value| match v {
            Value::String(s) if s.len() > MAX_ATTRIBUTE_BYTES => Some(s.len()),
            _ => None,
        };
        if let Some(n) = self.user_name.as_ref().and_then(long) {
            return Some(("userName".to_owned(), n));
        }
        if let Some(n) = self.display_name.as_ref().and_then(long) {
            return Some(("displayName".to_owned(), n));
        }
        if let Some(Value::Object(parts)) = &self.name {
            for (part, value) in parts {
                if let Some(n) = long(value) {
                    return Some((format!("name.{part}"), n));
                }
            }
        }
        None
    }
}

/// What the checks read of one resource: its id, its userName (users only) and the
/// first attribute over [`MAX_ATTRIBUTE_BYTES`].
pub(crate) struct Keys<'a> {
    /// The id as text (`None` when the resource has none).
    pub(crate) id: Option<Cow<'a, str>>,
    /// The userName, for users.
    pub(crate) user_name: Option<&'a str>,
    /// The first attribute over the limit, with its length in bytes.
    pub(crate) oversized: Option<(String, usize)>,
}

impl<'a> Keys<'a> {
    /// The keys of a resource whose id is `id` ("" for none), with nothing else.
    pub(crate) fn of_id(id: &'a str) -> Self {
        Keys {
            id: (!id.is_empty()).then_some(Cow::Borrowed(id)),
            user_name: None,
            oversized: None,
        }
    }
}

/// A resource a listing reads.
pub(crate) trait Listed: DeserializeOwned + Send + 'static {
    /// The checked parts, read from the typed resource; `None` (the default) reads
    /// them from the page's JSON instead, a second parse of every page.
    fn keys(&self) -> Option<Keys<'_>> {
        None
    }
}

/// What a page brought, once checked.
pub(super) struct Admitted<T> {
    /// The resources kept, in page order.
    pub(super) kept: Vec<T>,
    /// How many of the page's resources were left out as repeats of earlier ones.
    pub(super) repeats: usize,
}

/// What the listing has seen so far.
///
/// Ids and userNames are kept as 128-bit keyed hashes, not as text: at a million
/// users the text sets alone took ~200 MB. The keys are random per listing, so a
/// server cannot aim for a collision; by chance one is ~10^-26 likely at 1M users.
pub(super) struct Seen {
    noun: String,
    hashers: (RandomState, RandomState),
    ids: HashSet<u128>,
    user_names: HashSet<u128>,
    repeated_ids: usize,
    repeated_id: Option<String>,
    shared_names: usize,
    shared_name: Option<String>,
    oversized: Vec<ListWarning>,
}

impl Seen {
    /// Nothing seen yet of `endpoint` ("Users": a listing of "user"s).
    pub(super) fn new(endpoint: &str) -> Self {
        let noun = endpoint.to_lowercase();
        Self {
            noun: noun.strip_suffix('s').unwrap_or(&noun).to_owned(),
            hashers: (RandomState::new(), RandomState::new()),
            ids: HashSet::new(),
            user_names: HashSet::new(),
            repeated_ids: 0,
            repeated_id: None,
            shared_names: 0,
            shared_name: None,
            oversized: Vec::new(),
        }
    }

    fn hash(&self, text: &str) -> u128 {
        (u128::from(self.hashers.0.hash_one(text)) << 64)
            | u128::from(self.hashers.1.hash_one(text))
    }

    /// Distinct resources kept so far.
    pub(super) fn distinct(&self) -> usize {
        self.ids.len()
    }

    /// Checks one page: drops repeats and oversized resources, notes shared
    /// userNames. The keys come from each resource ([`Listed::keys`]) or else from
    /// `page` (the page's JSON read for them); when neither lines up with the
    /// resources, as with a page the checks could not read, everything is kept
    /// unchecked.
    pub(super) fn admit<T: Listed>(
        &mut self,
        resources: Vec<T>,
        page: Option<&PageKeys>,
    ) -> Admitted<T> {
        let raw = page.filter(|p| p.resources.len() == resources.len());
        let typed = resources.first().is_some_and(|r| r.keys().is_some());
        if !typed && raw.is_none() {
            return Admitted {
                kept: resources,
                repeats: 0,
            };
        }
        let mut kept = Vec::with_capacity(resources.len());
        let mut repeats = 0;
        for (i, resource) in resources.into_iter().enumerate() {
            let keep = {
                let keys = match resource.keys() {
                    Some(keys) => keys,
                    None => match raw {
                        Some(page) => page.resources[i].keys(),
                        None => Keys {
                            id: None,
                            user_name: None,
                            oversized: None,
                        },
                    },
                };
                self.check(keys)
            };
            match keep {
                Verdict::Keep => kept.push(resource),
                Verdict::Repeat => repeats += 1,
                Verdict::Oversized => {}
            }
        }
        Admitted { kept, repeats }
    }

    fn check(&mut self, keys: Keys<'_>) -> Verdict {
        if let Some((attribute, bytes)) = keys.oversized {
            self.oversized.push(ListWarning::Oversized {
                noun: self.noun.clone(),
                id: keys.id.map(Cow::into_owned).unwrap_or_default(),
                attribute,
                bytes,
            });
            return Verdict::Oversized;
        }
        if let Some(id) = &keys.id
            && !self.ids.insert(self.hash(id))
        {
            self.repeated_ids += 1;
            if self.repeated_id.is_none() {
                self.repeated_id = Some(id.clone().into_owned());
            }
            return Verdict::Repeat;
        }
        if let Some(name) = keys.user_name {
            // Most userNames are lower case already: no copy for those.
            let folded = if name.chars().any(char::is_uppercase) {
                Cow::Owned(name.to_lowercase())
            } else {
                Cow::Borrowed(name)
            };
            if !self.user_names.insert(self.hash(&folded)) {
                self.shared_names += 1;
                self.shared_name.get_or_insert_with(|| name.to_owned());
            }
        }
        Verdict::Keep
    }

    /// The warnings of the whole listing.
    pub(super) fn warnings(self) -> Vec<ListWarning> {
        let mut out = Vec::new();
        if let Some(example) = self.repeated_id {
            out.push(ListWarning::RepeatedIds {
                noun: self.noun.clone(),
                count: self.repeated_ids,
                example,
            });
        }
        if let Some(example) = self.shared_name {
            out.push(ListWarning::SharedUserNames {
                noun: self.noun.clone(),
                count: self.shared_names,
                example,
            });
        }
        out.extend(self.oversized);
        out
    }
}

/// What the checks decided for one resource.
enum Verdict {
    Keep,
    Repeat,
    Oversized,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(json: &str) -> PageKeys {
        serde_json::from_str(json).unwrap()
    }

    /// Numbers stand for resources whose keys come from the page's JSON.
    impl Listed for i32 {}

    #[test]
    fn repeats_are_dropped_shared_names_kept_long_names_left_out() {
        let mut seen = Seen::new("Users");
        let page = keys(
            r#"{"Resources":[{"id":"a","userName":"x@e"},{"id":"a","userName":"x@e"},
                {"id":7,"userName":"X@E"},{"id":"b","name":{"givenName":"Ann"}}]}"#,
        );
        let got = seen.admit(vec![1, 2, 3, 4], Some(&page));
        assert_eq!((got.kept, got.repeats), (vec![1, 3, 4], 1));
        let long = format!(
            r#"{{"Resources":[{{"id":"c","name":{{"familyName":"{}"}}}}]}}"#,
            "n".repeat(MAX_ATTRIBUTE_BYTES + 1)
        );
        assert!(seen.admit(vec![5], Some(&keys(&long))).kept.is_empty());
        let warnings = seen.warnings();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert_eq!(
            warnings[0].to_string(),
            "the server returned 1 user twice (the same id, e.g. \"a\"); Roster shows each once"
        );
        assert!(matches!(
            &warnings[1],
            ListWarning::SharedUserNames { count: 1, .. }
        ));
        assert!(
            warnings[2]
                .to_string()
                .contains("name.familyName of 4097 bytes")
        );
    }
}
