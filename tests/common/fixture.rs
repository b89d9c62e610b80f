//! A small organisation built in memory (no server), and a bench that gives views
//! and dialogs their read-only context: what the dialog tests and snapshots share.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use roster::activity::Log;
use roster::connection::Link;
use roster::connection::jobs::Jobs;
use roster::files::picker::NativePicker;
use roster::ui::context::{ViewContext, Windows};
use roster::users::org::OrgState;
use roster::users::page::UsersPage;
use roster::work::Background;
use roster_core::client::{Capabilities, ServerInfo};
use roster_core::model::{
    Email, Group, GroupId, InvitationStatus, License, LicenseGrant, LicenseId, LicenseOrigin,
    Organisation, User, UserId,
};
use roster_core::store::{Snapshot, Store};

pub fn user(
    i: usize,
    given: &str,
    family: &str,
    admin: bool,
    local: bool,
    seen: Option<u32>,
) -> User {
    let email = format!(
        "{}.{}@lumen-analytics.example",
        given.to_lowercase(),
        family.to_lowercase()
    );
    let mut licenses = vec![LicenseGrant {
        license: LicenseId::from("office"),
        origin: LicenseOrigin::Direct,
    }];
    if i.is_multiple_of(3) {
        licenses.push(LicenseGrant {
            license: LicenseId::from("crm"),
            origin: LicenseOrigin::Group(GroupId::from("sales")),
        });
    }
    User {
        id: UserId::from(format!("u{i}")),
        user_name: email.clone(),
        email: Email::parse(&email).ok(),
        given_name: given.into(),
        family_name: family.into(),
        active: true,
        admin,
        local_login: local,
        last_connection: seen.map(|d| Utc.with_ymd_and_hms(2026, 11, d, 9, 30, 0).unwrap()),
        licenses,
        groups: if i.is_multiple_of(3) {
            vec![GroupId::from("sales")]
        } else {
            vec![]
        },
        invitation: if seen.is_some() {
            InvitationStatus::Accepted
        } else {
            InvitationStatus::Pending(None)
        },
        version: None,
        last_modified: None,
        unknown: Default::default(),
    }
}

pub fn fixture() -> (OrgState, UsersPage) {
    let users = vec![
        user(0, "Amara", "Okafor", true, true, Some(28)),
        user(1, "Bastien", "Moreau", false, false, Some(12)),
        user(2, "Chen", "Xu", false, true, None),
        user(3, "Dalia", "Haddad", false, false, Some(3)),
        user(4, "Emeka", "Adeyemi", true, false, Some(20)),
        user(5, "Freya", "Lindqvist", false, false, None),
    ];
    let mut org = OrgState::default();
    org.load(&Snapshot {
        users,
        groups: vec![Group {
            id: GroupId::from("sales"),
            name: "Sales".into(),
            members: vec![],
            licenses: vec![LicenseId::from("crm")],
            version: None,
        }],
        licenses: vec![
            License {
                id: LicenseId::from("office"),
                name: "Office Suite".into(),
                seats: 10,
                seats_assigned: 6,
            },
            License {
                id: LicenseId::from("crm"),
                name: "CRM Enterprise".into(),
                seats: 5,
                seats_assigned: 2,
            },
        ],
        organisation: Some(Organisation {
            name: "Lumen Analytics".into(),
            authorized_domains: vec!["lumen-analytics.example".into()],
            identity_provider: false,
        }),
        synced_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        max_last_modified: None,
    });
    let mut page = UsersPage::default();
    page.refresh(&org, Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap());
    let second = org.rows[page.view[1] as usize].id.clone();
    page.selection.click(
        &second,
        roster::users::selection::ClickKind::Replace,
        &[&second],
    );
    (org, page)
}

/// What a view is given, owned: the fixture organisation, a connection state, jobs,
/// a log, and background work on a runtime with an in-memory store. Tests change
/// the parts (go offline, follow a job) and draw a dialog from [`Bench::ctx`].
pub struct Bench {
    pub org: OrgState,
    pub page: UsersPage,
    pub link: Link,
    pub server: Option<ServerInfo>,
    pub jobs: Jobs,
    pub log: Log,
    pub work: Background,
    pub picker: NativePicker,
    _runtime: Arc<tokio::runtime::Runtime>,
}

impl Bench {
    /// Online, signed in as the fixture's first administrator (Amara Okafor).
    pub fn new() -> Self {
        let runtime = Arc::new(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
        );
        let store = Arc::new(Store::in_memory().unwrap());
        let dir = std::env::temp_dir().join("roster-bench-tokens");
        let work = Background::new(
            runtime.handle().clone(),
            store,
            super::secrets(&dir),
            dir,
            Arc::new(|| {}),
        );
        let (org, page) = fixture();
        let me = org.users[0].clone();
        let mut capabilities = Capabilities::minimal();
        capabilities.roster_extension = true;
        capabilities.licenses = true;
        capabilities.invitations = true;
        Self {
            server: Some(ServerInfo {
                capabilities,
                me: Some(me),
                organisation: org.organisation.clone(),
            }),
            org,
            page,
            link: Link::Online,
            jobs: Jobs::default(),
            log: Log::default(),
            work,
            picker: NativePicker,
            _runtime: runtime,
        }
    }

    /// The fixture user `i`.
    pub fn user(&self, i: usize) -> User {
        self.org.users[i].clone()
    }

    /// The read-only context a dialog draws from.
    pub fn ctx(&self) -> ViewContext<'_> {
        static NO_IMPORTS: BTreeMap<
            roster_core::import::ImportId,
            roster_core::engine::ImportProgress,
        > = BTreeMap::new();
        ViewContext {
            org: &self.org,
            link: &self.link,
            server: self.server.as_ref(),
            profile: "acme",
            demo: false,
            profiles: &[],
            progress: None,
            refreshed: None,
            stale: None,
            waiting: None,
            capabilities: self.server.as_ref().map(|s| &s.capabilities),
            lacks: roster::ui::supports::Lacking::of(self.server.as_ref().map(|s| &s.capabilities)),
            outbox: &[],
            jobs: &self.jobs,
            imports_running: &NO_IMPORTS,
            log: &self.log,
            modal_open: true,
            windows: Windows::default(),
            work: &self.work,
            save_picker: &self.picker,
            // Three days after the sync: snapshots must not change with the calendar.
            now: Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(),
        }
    }
}
