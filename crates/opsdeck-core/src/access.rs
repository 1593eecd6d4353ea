//! Who may see what: the roles of opsdeck's users and the [`Scope`] of clients a caller may
//! read. Every read of client data (reference data, facts, contracts, SLA results, batches,
//! quarantine) takes a `Scope`; data of a client outside it is not returned — to the caller it
//! looks exactly like data that does not exist.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A user's role: what they may read and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Everything, including users and tokens.
    Admin,
    /// Reads every client.
    Executive,
    /// Reads and operates (ingest, replace, void) the clients assigned to them.
    AccountManager,
    /// Reads its own client only.
    ClientViewer,
    /// Reads everything and the audit trail; writes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Executive,
        Role::AccountManager,
        Role::ClientViewer,
        Role::Auditor,
    ];

    /// The name used in files, flags and the API (`account-manager`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::AccountManager => "account-manager",
            Role::ClientViewer => "client-viewer",
            Role::Auditor => "auditor",
        }
    }

    /// Whether the role sees every client whatever it is assigned.
    pub fn sees_every_client(self) -> bool {
        matches!(self, Role::Admin | Role::Executive | Role::Auditor)
    }

    /// Whether the role may change data of the clients in its scope (ingest, replace, void).
    pub fn operates(self) -> bool {
        matches!(self, Role::Admin | Role::AccountManager)
    }

    /// Whether the role may change reference data, contracts, users and tokens.
    pub fn administers(self) -> bool {
        self == Role::Admin
    }

    /// Whether the role may read the audit trail.
    pub fn reads_audit(self) -> bool {
        matches!(self, Role::Admin | Role::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role {} (roles: {})",
                    crate::quoted(s),
                    Role::ALL.map(Role::as_str).join(", ")
                )
            })
    }
}

/// The clients a caller may read. Built once per caller ([`Scope::for_role`]) and passed to
/// every read; there is no way to read client data without one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    clients: Clients,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Clients {
    Every,
    Only(BTreeSet<String>),
}

impl Scope {
    /// Every client: the operator of a workspace on its own machine (the CLI), and the roles
    /// that see everything.
    pub fn every_client() -> Scope {
        Scope {
            clients: Clients::Every,
        }
    }

    /// No client at all (a user without a role's clients).
    pub fn nothing() -> Scope {
        Scope {
            clients: Clients::Only(BTreeSet::new()),
        }
    }

    /// Exactly these clients.
    pub fn only<I, S>(clients: I) -> Scope
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Scope {
            clients: Clients::Only(clients.into_iter().map(Into::into).collect()),
        }
    }

    /// The scope of a user with `role` assigned `clients`: admin, executive and auditor see
    /// every client; an account manager and a client viewer see their assigned clients; a
    /// user without a role sees nothing.
    pub fn for_role<S: AsRef<str>>(role: Option<Role>, clients: &[S]) -> Scope {
        match role {
            Some(r) if r.sees_every_client() => Scope::every_client(),
            Some(_) => Scope::only(clients.iter().map(|c| c.as_ref().to_string())),
            None => Scope::nothing(),
        }
    }

    /// Whether data of `client` may be read.
    pub fn allows(&self, client: &str) -> bool {
        match &self.clients {
            Clients::Every => true,
            Clients::Only(set) => set.contains(client),
        }
    }

    /// Whether every client is in scope.
    pub fn is_every_client(&self) -> bool {
        matches!(self.clients, Clients::Every)
    }

    /// The clients of the scope when it is not every client.
    pub fn listed(&self) -> Option<&BTreeSet<String>> {
        match &self.clients {
            Clients::Every => None,
            Clients::Only(set) => Some(set),
        }
    }

    /// Whether data that concerns all of `clients` may be read: every one of them is in
    /// scope. Data of no known client (an empty list) only by a scope of every client.
    pub fn sees_all_of<S: AsRef<str>>(&self, clients: &[S]) -> bool {
        if self.is_every_client() {
            return true;
        }
        !clients.is_empty() && clients.iter().all(|c| self.allows(c.as_ref()))
    }

    /// The part of `self` that `client` (a caller's filter) leaves: that client when in scope,
    /// else nothing — so a filter naming another client returns nothing of it.
    pub fn narrowed_to(&self, client: &str) -> Scope {
        if self.allows(client) {
            Scope::only([client])
        } else {
            Scope::nothing()
        }
    }
}

impl Scope {
    /// The reference data this scope may read: its clients, their programs and queues, and the
    /// sites and calendars those use. Every client's scope returns `raw` as it is.
    pub fn narrow_org(&self, mut raw: crate::org::RawOrg) -> crate::org::RawOrg {
        if self.is_every_client() {
            return raw;
        }
        raw.clients.retain(|c| self.allows(&c.id));
        raw.programs.retain(|p| self.allows(&p.client));
        let programs: BTreeSet<&str> = raw.programs.iter().map(|p| p.id.as_str()).collect();
        raw.queues.retain(|q| programs.contains(q.program.as_str()));
        let calendars: BTreeSet<String> = raw.queues.iter().map(|q| q.calendar.clone()).collect();
        let sites: BTreeSet<String> = raw
            .queues
            .iter()
            .filter_map(|q| q.site.clone())
            .chain(raw.programs.iter().flat_map(|p| p.sites.iter().cloned()))
            .collect();
        raw.calendars.retain(|c| calendars.contains(&c.id));
        raw.sites.retain(|s| sites.contains(&s.id));
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_the_issue_says() {
        let mine = ["acme"];
        for r in Role::ALL {
            let s = Scope::for_role(Some(r), &mine);
            assert!(s.allows("acme"), "{r}");
            assert_eq!(s.allows("globex"), r.sees_every_client(), "{r}");
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!(!Scope::for_role(None, &mine).allows("acme"));
        assert!(!Scope::for_role(Some(Role::ClientViewer), &[] as &[&str]).allows("acme"));
        assert!("owner"
            .parse::<Role>()
            .unwrap_err()
            .contains("admin, executive"));
        assert!(Role::Auditor.reads_audit() && !Role::Auditor.operates());
        assert!(Role::AccountManager.operates() && !Role::AccountManager.administers());
    }

    #[test]
    fn a_filter_never_widens_a_scope() {
        let s = Scope::only(["acme"]);
        assert!(s.narrowed_to("acme").allows("acme"));
        assert!(!s.narrowed_to("globex").allows("globex"));
        assert!(!s.narrowed_to("globex").allows("acme"));
        assert!(Scope::every_client().narrowed_to("globex").allows("globex"));
        assert!(!Scope::every_client().narrowed_to("globex").allows("acme"));
    }

    #[test]
    fn a_narrowed_org_holds_only_the_scopes_clients() {
        use crate::org::{RawClient, RawOrg, RawProgram};
        let client = |id: &str| RawClient {
            id: id.into(),
            name: id.to_uppercase(),
            industry: "retail".into(),
        };
        let program = |id: &str, c: &str| RawProgram {
            id: id.into(),
            name: id.into(),
            client: c.into(),
            sites: vec![format!("site-{c}")],
        };
        let raw = RawOrg {
            clients: vec![client("acme"), client("globex")],
            programs: vec![program("a1", "acme"), program("g1", "globex")],
            ..RawOrg::default()
        };
        let n = Scope::only(["acme"]).narrow_org(raw.clone());
        assert_eq!(n.clients.len(), 1);
        assert_eq!(n.programs[0].id, "a1");
        assert!(Scope::nothing().narrow_org(raw.clone()).programs.is_empty());
        assert_eq!(Scope::every_client().narrow_org(raw.clone()), raw);
    }
}
