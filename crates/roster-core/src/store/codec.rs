//! The compact binary form of a cached [`User`].
//!
//! Why not JSON: a cold start decodes every user of the organisation. Measured on
//! 100k users, serde_json spent ~330 ms (half of it on key names, timestamps parsed from
//! text and escapes); this form decodes in a fraction of that and is half the size on
//! disk, which also halves the I/O of a full save. Groups, licenses and the organisation
//! are few and stay JSON.
//!
//! Layout of format 3, what [`encode_user`] writes (lengths, counts and indexes as
//! LEB128 varints):
//! ```text
//! format: u8 = 3
//! user_name: str                      (the id is the row's key, not repeated here)
//! email: u8 0 none | 1 + str | 2 = the same text as user_name
//! given_name, family_name: str
//! flags: u8 (bit 0 active, bit 1 admin, bit 2 local_login)
//! last_connection: opt<time>
//! groups: count, then str each
//! licenses: count, then per grant: license str, origin u8 (0 direct, 1 group + group
//!   str, 2 group + index into groups)
//! invitation: u8 (0 pending without time, 1 pending + time, 2 accepted, 3 unknown)
//! version: opt<str>
//! last_modified: opt<time>
//! unknown: u8 (bit 0 admin, bit 1 local_login, bit 2 last_connection)
//! str = varint byte length + UTF-8;  opt<T> = u8 0 | u8 1 + T
//! time = zigzag varint seconds since the epoch + varint nanoseconds
//! ```
//! Format 3 is about 40% smaller than format 2 (the id, the address and group ids
//! are not written twice), which shortens a full save, its checkpoint and a cold
//! start's read alike.
//!
//! Formats 1 and 2, written by older versions, are still read: the id after the
//! format byte, licenses before groups and every origin as 0 or 1 + str, times as
//! i64 seconds + u32 nanoseconds little-endian, email 0 or 1 + str; format 1 has no
//! `unknown` byte (nothing unknown). To change the layout again: add a format and
//! keep decoding these, so a cache written by an older Roster still loads without a
//! migration.

use chrono::{DateTime, Utc};

use crate::model::{
    Email, GroupId, InvitationStatus, LicenseGrant, LicenseId, LicenseOrigin, User, UserId,
};

/// The format [`encode_user`] writes.
const FORMAT: u8 = 3;
/// The format before the compact one: the id in the row, nothing shared.
const FORMAT_2: u8 = 2;
/// The format before [`User::unknown`]: still read.
const FORMAT_1: u8 = 1;

const ACTIVE: u8 = 1;
const ADMIN: u8 = 2;
const LOCAL_LOGIN: u8 = 4;

/// Appends the binary form of `user` to `out` (the row's key holds its id).
pub(crate) fn encode_user(user: &User, out: &mut Vec<u8>) {
    encode_user_as(FORMAT, user, out);
}

/// A row as Roster wrote it before format 3, for the tests that read old rows.
#[cfg(test)]
pub(super) fn encode_user_format_2(user: &User, out: &mut Vec<u8>) {
    encode_user_as(FORMAT_2, user, out);
}

/// [`encode_user`] in `format` (2 or 3; older formats are only written by tests).
fn encode_user_as(format: u8, user: &User, out: &mut Vec<u8>) {
    // Destructured so that a new field in `User` fails to compile here instead of being
    // silently dropped from the cache.
    let User {
        id,
        user_name,
        email,
        given_name,
        family_name,
        active,
        admin,
        local_login,
        last_connection,
        licenses,
        groups,
        invitation,
        version,
        last_modified,
        unknown,
    } = user;
    let compact = format >= FORMAT;
    let put_time = if compact { put_time } else { put_time_2 };
    out.push(format);
    if !compact {
        put_str(out, id.as_str());
    }
    put_str(out, user_name);
    match email {
        None => out.push(0),
        Some(e) if compact && e.as_str() == user_name => out.push(2),
        Some(e) => {
            out.push(1);
            put_str(out, e.as_str());
        }
    }
    put_str(out, given_name);
    put_str(out, family_name);
    let flags = if *active { ACTIVE } else { 0 }
        | if *admin { ADMIN } else { 0 }
        | if *local_login { LOCAL_LOGIN } else { 0 };
    out.push(flags);
    put_opt(out, last_connection.as_ref(), put_time);
    let put_groups = |out: &mut Vec<u8>| {
        put_len(out, groups.len());
        for group in groups {
            put_str(out, group.as_str());
        }
    };
    if compact {
        put_groups(out);
    }
    put_len(out, licenses.len());
    for LicenseGrant { license, origin } in licenses {
        put_str(out, license.as_str());
        match origin {
            LicenseOrigin::Direct => out.push(0),
            LicenseOrigin::Group(group) => {
                match groups.iter().position(|g| g == group).filter(|_| compact) {
                    Some(index) => {
                        out.push(2);
                        put_len(out, index);
                    }
                    None => {
                        out.push(1);
                        put_str(out, group.as_str());
                    }
                }
            }
        }
    }
    if !compact {
        put_groups(out);
    }
    match invitation {
        InvitationStatus::Pending(None) => out.push(0),
        InvitationStatus::Pending(Some(sent)) => {
            out.push(1);
            put_time(out, sent);
        }
        InvitationStatus::Accepted => out.push(2),
        InvitationStatus::Unknown => out.push(3),
    }
    put_opt(out, version.as_ref(), |out, v| put_str(out, v));
    put_opt(out, last_modified.as_ref(), put_time);
    out.push(
        u8::from(unknown.admin)
            | u8::from(unknown.local_login) << 1
            | u8::from(unknown.last_connection) << 2,
    );
}

/// Reads what [`encode_user`] wrote (or an older Roster), for the row whose key is
/// `key`. The error says what is wrong, for [`super::StoreError::Corrupt`]; nothing
/// here can panic on bad bytes.
pub(crate) fn decode_user(key: &str, bytes: &[u8]) -> Result<User, String> {
    let mut r = Reader { bytes, pos: 0 };
    let format = r.u8("format")?;
    if !matches!(format, FORMAT_1 | FORMAT_2 | FORMAT) {
        return Err(format!("unknown user format {format}"));
    }
    let compact = format == FORMAT;
    let time = |r: &mut Reader<'_>, what: &str| {
        if compact {
            r.time(what)
        } else {
            r.time_2(what)
        }
    };
    let id = UserId::from(if compact { key } else { r.str("id")? });
    let user_name = r.string("user_name")?;
    let email = match r.u8("email")? {
        0 => None,
        1 => Some(r.str("email")?),
        2 if compact => Some(user_name.as_str()),
        other => return Err(format!("email: bad tag {other}")),
    }
    .map(|text| Email::parse(text).map_err(|e| e.to_string()))
    .transpose()?;
    let given_name = r.string("given_name")?;
    let family_name = r.string("family_name")?;
    let flags = r.u8("flags")?;
    if flags & !(ACTIVE | ADMIN | LOCAL_LOGIN) != 0 {
        return Err(format!("unknown flags {flags:#04x}"));
    }
    let last_connection = r.opt("last_connection", |r| time(r, "last_connection"))?;
    let read_groups = |r: &mut Reader<'_>| -> Result<Vec<GroupId>, String> {
        let count = r.len("groups")?;
        let mut groups = Vec::with_capacity(count);
        for _ in 0..count {
            groups.push(GroupId::from(r.str("group")?));
        }
        Ok(groups)
    };
    let mut groups = if compact {
        read_groups(&mut r)?
    } else {
        Vec::new()
    };
    let count = r.len("licenses")?;
    let mut licenses = Vec::with_capacity(count);
    for _ in 0..count {
        let license = LicenseId::from(r.str("license")?);
        let origin = match r.u8("license origin")? {
            0 => LicenseOrigin::Direct,
            1 => LicenseOrigin::Group(GroupId::from(r.str("license group")?)),
            2 if compact => {
                // Not `len`: an index is bounded by the groups, not by the bytes left.
                let index = r.varint("license group index")?;
                let group = usize::try_from(index)
                    .ok()
                    .and_then(|i| groups.get(i))
                    .ok_or_else(|| format!("license group index {index} out of range"))?;
                LicenseOrigin::Group(group.clone())
            }
            other => return Err(format!("unknown license origin {other}")),
        };
        licenses.push(LicenseGrant { license, origin });
    }
    if !compact {
        groups = read_groups(&mut r)?;
    }
    let invitation = match r.u8("invitation")? {
        0 => InvitationStatus::Pending(None),
        1 => InvitationStatus::Pending(Some(time(&mut r, "invitation time")?)),
        2 => InvitationStatus::Accepted,
        3 => InvitationStatus::Unknown,
        other => return Err(format!("unknown invitation state {other}")),
    };
    let version = r.opt("version", |r| r.string("version"))?;
    let last_modified = r.opt("last_modified", |r| time(r, "last_modified"))?;
    let unknown = if format == FORMAT_1 {
        crate::model::Unknown::default()
    } else {
        let bits = r.u8("unknown")?;
        if bits & !0b111 != 0 {
            return Err(format!("unknown 'unknown' bits {bits:#04x}"));
        }
        crate::model::Unknown {
            admin: bits & 1 != 0,
            local_login: bits & 2 != 0,
            last_connection: bits & 4 != 0,
        }
    };
    if r.pos != bytes.len() {
        return Err(format!(
            "{} unexpected bytes at the end",
            bytes.len() - r.pos
        ));
    }
    Ok(User {
        id,
        user_name,
        email,
        given_name,
        family_name,
        active: flags & ACTIVE != 0,
        admin: flags & ADMIN != 0,
        local_login: flags & LOCAL_LOGIN != 0,
        last_connection,
        licenses,
        groups,
        invitation,
        version,
        last_modified,
        unknown,
    })
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    put_varint(out, len as u64);
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    let secs = t.timestamp();
    // Zigzag: small negative and positive numbers both stay short.
    put_varint(out, ((secs << 1) ^ (secs >> 63)) as u64);
    put_varint(out, u64::from(t.timestamp_subsec_nanos()));
}

/// A time as formats 1 and 2 wrote it.
fn put_time_2(out: &mut Vec<u8>, t: &DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_le_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_le_bytes());
}

fn put_opt<T>(out: &mut Vec<u8>, value: Option<T>, put: impl FnOnce(&mut Vec<u8>, T)) {
    match value {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            put(out, v);
        }
    }
}

fn time_at(secs: i64, nanos: u32, what: &str) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(secs, nanos)
        .ok_or_else(|| format!("{what}: invalid time {secs}s {nanos}ns"))
}

/// A cursor over untrusted bytes: every read checks the length first.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| format!("truncated in {what}"))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, String> {
        Ok(self.take(1, what)?[0])
    }

    fn varint(&mut self, what: &str) -> Result<u64, String> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.u8(what)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(format!("overlong number in {what}"))
    }

    fn len(&mut self, what: &str) -> Result<usize, String> {
        let value = self.varint(what)?;
        // A length can never exceed what is left; checking here also keeps a corrupt
        // count from reserving gigabytes in `Vec::with_capacity`.
        usize::try_from(value)
            .ok()
            .filter(|&n| n <= self.bytes.len() - self.pos)
            .ok_or_else(|| format!("length {value} of {what} exceeds the row"))
    }

    fn str(&mut self, what: &str) -> Result<&'a str, String> {
        let len = self.len(what)?;
        std::str::from_utf8(self.take(len, what)?).map_err(|e| format!("{what}: {e}"))
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        self.str(what).map(str::to_owned)
    }

    fn time(&mut self, what: &str) -> Result<DateTime<Utc>, String> {
        let zigzag = self.varint(what)?;
        let secs = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
        let nanos = u32::try_from(self.varint(what)?)
            .map_err(|_| format!("{what}: nanoseconds out of range"))?;
        time_at(secs, nanos, what)
    }

    /// A time as formats 1 and 2 wrote it.
    fn time_2(&mut self, what: &str) -> Result<DateTime<Utc>, String> {
        let mut secs = [0; 8];
        secs.copy_from_slice(self.take(8, what)?);
        let mut nanos = [0; 4];
        nanos.copy_from_slice(self.take(4, what)?);
        time_at(i64::from_le_bytes(secs), u32::from_le_bytes(nanos), what)
    }

    fn opt<T>(
        &mut self,
        what: &str,
        read: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => read(self).map(Some),
            other => Err(format!("{what}: bad option tag {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn full_user() -> User {
        let t = |s: i64, n: u32| Utc.timestamp_opt(s, n).single().expect("time");
        User {
            id: UserId::from("2819c223-7f76-453a-919d-413861904646"),
            user_name: "Élodie.Dupont@Corp.example".to_owned(),
            email: Some(Email::parse("Élodie.Dupont@Corp.example").expect("email")),
            given_name: "Élodie \"Lo\"".to_owned(),
            family_name: "Dupont\n".to_owned(),
            active: false,
            admin: true,
            local_login: true,
            last_connection: Some(t(1_767_225_600, 999_999_999)),
            licenses: vec![
                LicenseGrant {
                    license: LicenseId::from("office"),
                    origin: LicenseOrigin::Direct,
                },
                LicenseGrant {
                    license: LicenseId::from("crm"),
                    origin: LicenseOrigin::Group(GroupId::from("g1")),
                },
                // One of the user's own groups, far down the list: an index larger
                // than the bytes that follow it.
                LicenseGrant {
                    license: LicenseId::from("crm"),
                    origin: LicenseOrigin::Group(GroupId::from("group-199")),
                },
            ],
            groups: (0..200)
                .map(|i| GroupId::from(format!("group-{i}")))
                .collect(),
            invitation: InvitationStatus::Pending(Some(t(-86_400, 1))),
            version: Some("W/\"7\"".to_owned()),
            last_modified: Some(t(253_402_300_799, 0)),
            unknown: crate::model::Unknown {
                admin: true,
                local_login: false,
                last_connection: true,
            },
        }
    }

    fn empty_user() -> User {
        User {
            id: UserId::from(""),
            user_name: String::new(),
            email: None,
            given_name: String::new(),
            family_name: String::new(),
            active: true,
            admin: false,
            local_login: false,
            last_connection: None,
            licenses: vec![],
            groups: vec![],
            invitation: InvitationStatus::Unknown,
            version: None,
            last_modified: None,
            unknown: crate::model::Unknown::default(),
        }
    }

    #[test]
    fn format_1_rows_still_read_with_nothing_unknown() {
        let mut buf = Vec::new();
        encode_user_as(FORMAT_2, &full_user(), &mut buf);
        buf[0] = FORMAT_1;
        buf.pop();
        let u = decode_user("ignored: format 1 holds its id", &buf).expect("format 1 decodes");
        assert_eq!(u.unknown, crate::model::Unknown::default());
        assert_eq!(u.given_name, full_user().given_name);
    }

    fn round_trip(user: &User) -> User {
        let mut buf = Vec::new();
        encode_user(user, &mut buf);
        let compact = decode_user(user.id.as_str(), &buf).expect("decodes");
        // What an older Roster wrote reads the same.
        buf.clear();
        encode_user_as(FORMAT_2, user, &mut buf);
        assert_eq!(decode_user("not used", &buf).as_ref(), Ok(&compact));
        compact
    }

    #[test]
    fn every_field_and_variant_round_trips() {
        let full = full_user();
        assert_eq!(round_trip(&full), full);
        let empty = empty_user();
        assert_eq!(round_trip(&empty), empty);
        for invitation in [
            InvitationStatus::Pending(None),
            InvitationStatus::Accepted,
            InvitationStatus::Unknown,
        ] {
            let u = User {
                invitation,
                ..empty_user()
            };
            assert_eq!(round_trip(&u), u);
        }
        // The extreme times chrono can hold.
        let u = User {
            last_connection: Some(DateTime::<Utc>::MIN_UTC),
            last_modified: Some(DateTime::<Utc>::MAX_UTC),
            ..empty_user()
        };
        assert_eq!(round_trip(&u), u);
    }

    #[test]
    fn the_email_keeps_its_spelling() {
        let u = round_trip(&full_user());
        assert_eq!(
            u.email.as_ref().map(Email::as_str),
            Some("Élodie.Dupont@Corp.example")
        );
    }

    #[test]
    fn every_truncation_and_many_corruptions_are_errors_not_panics() {
        let key = full_user().id;
        let decode = |bytes: &[u8]| decode_user(key.as_str(), bytes);
        for format in [FORMAT, FORMAT_2] {
            let mut buf = Vec::new();
            encode_user_as(format, &full_user(), &mut buf);
            for len in 0..buf.len() {
                assert!(decode(&buf[..len]).is_err(), "prefix of {len} bytes");
            }
            let mut longer = buf.clone();
            longer.push(0);
            assert!(decode(&longer).unwrap_err().contains("unexpected bytes"));
            // Flip every byte in turn: either a clean error or some other valid user.
            for i in 0..buf.len() {
                let mut bad = buf.clone();
                bad[i] ^= 0xff;
                let _ = decode(&bad);
            }
        }
        assert_eq!(
            decode(b"{\"id\":\"u1\"}").unwrap_err(),
            "unknown user format 123"
        );
        // A huge length is refused before anything is allocated.
        assert!(
            decode(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])
                .unwrap_err()
                .contains("exceeds the row")
        );
        assert!(decode(&[1; 11]).is_err());
    }

    #[test]
    fn an_invalid_email_is_an_error() {
        let mut buf = Vec::new();
        let mut u = empty_user();
        u.email = Some(Email::parse("a@b.example").expect("email"));
        encode_user(&u, &mut buf);
        let at = buf.iter().position(|&b| b == b'@').expect("@");
        buf[at] = b' ';
        assert!(
            decode_user("", &buf)
                .unwrap_err()
                .contains("not a valid email")
        );
    }

    #[test]
    fn the_compact_form_shares_the_address_and_group_ids() {
        let group = GroupId::from("3a12b9da-f6f3-4aa9-b749-3ba0f727389c");
        let user = User {
            id: UserId::from("00001fe0-5c72-4c22-8f93-acfb365e7d9d"),
            user_name: "emeka.nakamura42@lumen-analytics.example".to_owned(),
            email: Some(Email::parse("emeka.nakamura42@lumen-analytics.example").expect("email")),
            licenses: vec![LicenseGrant {
                license: LicenseId::from("crm"),
                origin: LicenseOrigin::Group(group.clone()),
            }],
            groups: vec![GroupId::from("other"), group],
            last_modified: DateTime::from_timestamp(1_767_225_600, 123_000_000),
            ..empty_user()
        };
        let (mut compact, mut old) = (Vec::new(), Vec::new());
        encode_user(&user, &mut compact);
        encode_user_as(FORMAT_2, &user, &mut old);
        // The id and its length (37), the address (41), the group id (36) and a few
        // bytes of time: 228 bytes down to 111.
        assert!(
            old.len() - compact.len() >= 115,
            "{} vs {}",
            compact.len(),
            old.len()
        );
        assert_eq!(round_trip(&user), user);
        // An index past the user's groups is corrupt, not a panic.
        let at = compact
            .windows(6)
            .position(|w| w == [3, b'c', b'r', b'm', 2, 1])
            .expect("the grant: license, origin 2, index 1");
        compact[at + 5] = 9;
        assert!(
            decode_user(user.id.as_str(), &compact)
                .unwrap_err()
                .contains("index 9 out of range")
        );
    }
}
