//! Conformance suite: every check runs against SQLite (always, in a fresh temp dir) and
//! PostgreSQL (when `OPSDECK_TEST_DATABASE_URL` is set, each test in its own schema).

use opsdeck_core::org::{
    RawCalendar, RawClient, RawHoliday, RawOrg, RawProgram, RawQueue, RawSite,
};
use opsdeck_core::Scope;
use opsdeck_store::{
    open, AnyStore, ApplyReport, EntityReport, IngestRecord, PgStore, Store, StoreError,
    StoreTarget,
};
use std::collections::BTreeMap;

/// The CLI's scope: every client.
static ALL: std::sync::LazyLock<Scope> = std::sync::LazyLock::new(Scope::every_client);
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------------
// Fixtures

/// Where a test's store lives; `open` can be called again to reopen the same data.
enum Fixture {
    Sqlite {
        _dir: tempfile::TempDir,
        path: PathBuf,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

const PG_ENV: &str = "OPSDECK_TEST_DATABASE_URL";

impl Fixture {
    fn sqlite() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        // A nested path also checks that missing parent directories are created.
        let path = dir.path().join("workspace").join("opsdeck.db");
        Fixture::Sqlite { _dir: dir, path }
    }

    fn postgres(check: &str) -> Option<Fixture> {
        let Ok(url) = std::env::var(PG_ENV) else {
            eprintln!("skipping postgresql conformance check {check}: set {PG_ENV} to run it");
            return None;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let mut schema = format!("t_{}_{nanos}_{check}", std::process::id());
        schema.truncate(63);
        Some(Fixture::Postgres { url, schema })
    }

    /// The same store opened for reading only (no migration, nothing written).
    async fn open_read_only(&self) -> opsdeck_store::Result<AnyStore> {
        match self {
            Fixture::Sqlite { path, .. } => {
                opsdeck_store::open_read_only(&StoreTarget::Sqlite(path.clone())).await
            }
            Fixture::Postgres { url, schema } => PgStore::connect_in_schema_read_only(url, schema)
                .await
                .map(AnyStore::Postgres),
        }
    }

    /// How the store's messages name its database.
    fn location(&self) -> String {
        match self {
            Fixture::Sqlite { path, .. } => format!("sqlite database {}", path.display()),
            Fixture::Postgres { url, schema } => format!(
                "postgresql at {} (schema {schema})",
                opsdeck_store::redact_url(url)
            ),
        }
    }

    async fn open(&self) -> AnyStore {
        match self {
            Fixture::Sqlite { path, .. } => open(&StoreTarget::Sqlite(path.clone()))
                .await
                .expect("open sqlite store"),
            Fixture::Postgres { url, schema } => AnyStore::Postgres(
                PgStore::connect_in_schema(url, schema)
                    .await
                    .expect("connect to postgresql"),
            ),
        }
    }
}

/// Drop a test schema (the suite's own cleanup; the store API has no reason to drop schemas).
async fn drop_schema(url: &str, schema: &str) {
    use sqlx::{Connection, Executor};
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .expect("connect for cleanup");
    conn.execute(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE").as_str())
        .await
        .expect("drop test schema");
    let _ = conn.close().await;
}

/// Generates one SQLite and one PostgreSQL test per check. `store` checks get a freshly opened
/// store; `fixture` checks get the fixture and open (and reopen) stores themselves.
macro_rules! conformance {
    (store: [$($s:ident),* $(,)?], fixture: [$($f:ident),* $(,)?] $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $s() {
                    let fx = super::Fixture::sqlite();
                    let store = fx.open().await;
                    super::$s(&store).await;
                    super::Store::close(store).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $f() {
                    super::$f(&super::Fixture::sqlite()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $s() {
                    let Some(fx) = super::Fixture::postgres(stringify!($s)) else { return };
                    super::run_in_schema(fx, |fx| Box::pin(async move {
                        let store = fx.open().await;
                        super::$s(&store).await;
                        super::Store::close(store).await;
                    })).await;
                }
            )*
            $(
                #[tokio::test]
                async fn $f() {
                    let Some(fx) = super::Fixture::postgres(stringify!($f)) else { return };
                    super::run_in_schema(fx, |fx| Box::pin(super::$f(fx))).await;
                }
            )*
        }
    };
}

type BoxFut<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

/// Run a check in its own task so the schema is dropped even when the check panics, then
/// re-raise the panic.
async fn run_in_schema(fx: Fixture, check: for<'a> fn(&'a Fixture) -> BoxFut<'a>) {
    let (url, schema) = match &fx {
        Fixture::Postgres { url, schema } => (url.clone(), schema.clone()),
        Fixture::Sqlite { .. } => unreachable!("postgresql fixture expected"),
    };
    let outcome = tokio::spawn(async move { check(&fx).await }).await;
    drop_schema(&url, &schema).await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

conformance! {
    store: [
        apply_then_load_round_trips,
        second_apply_changes_nothing,
        changed_fields_update_only_those_entities,
        entities_missing_from_the_file_are_kept,
        foreign_key_violation_rolls_back_everything,
        ingest_log_round_trips_and_ignores_repeated_batches,
        contracts_keep_every_revision_and_reapply_adds_none,
        contracts_for_unknown_or_other_clients_are_refused,
        reads_are_narrowed_to_the_scope,
        users_tokens_and_sessions_round_trip,
    ],
    fixture: [
        reopening_sees_the_data,
        audit_chain_verifies_and_names_the_tampered_event,
        read_only_opening_reads_writes_nothing_and_names_the_database,
    ],
}

// ---------------------------------------------------------------------------------------------
// Data

fn s(x: &str) -> String {
    x.to_string()
}

fn ids(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|x| s(x)).collect()
}

/// A small organisation, every list deliberately out of id order.
fn sample() -> RawOrg {
    RawOrg {
        sites: vec![
            RawSite {
                id: s("mnl"),
                name: s("Manila"),
                country: s("PH"),
                time_zone: s("Asia/Manila"),
                cost_per_productive_hour: 12.35,
                currency: s("USD"),
            },
            RawSite {
                id: s("bog"),
                name: s("Bogotá – Torre 2"),
                country: s("CO"),
                time_zone: s("America/Bogota"),
                cost_per_productive_hour: 0.1 + 0.2,
                currency: s("COP"),
            },
        ],
        clients: vec![
            RawClient {
                id: s("globex"),
                name: s("Globex"),
                industry: String::new(),
            },
            RawClient {
                id: s("acme"),
                name: s("Acme \"Corp\""),
                industry: s("retail"),
            },
        ],
        programs: vec![
            RawProgram {
                id: s("globex-sales"),
                name: s("Sales"),
                client: s("globex"),
                sites: vec![],
            },
            // Site order is as declared, not sorted.
            RawProgram {
                id: s("acme-care"),
                name: s("Care"),
                client: s("acme"),
                sites: ids(&["mnl", "bog"]),
            },
        ],
        calendars: vec![
            RawCalendar {
                id: s("us"),
                time_zone: s("America/New_York"),
                hours: BTreeMap::from([
                    (s("mon"), s("08:00-20:00")),
                    (s("sat"), s("09:00-13:00,14:00-18:00")),
                    (s("sun"), s("24h")),
                ]),
                holidays: vec![
                    RawHoliday {
                        date: s("2025-12-25"),
                        name: s("Christmas"),
                    },
                    RawHoliday {
                        date: s("2025-01-01"),
                        name: s("New Year"),
                    },
                    RawHoliday {
                        date: s("2025-07-04"),
                        name: String::new(),
                    },
                ],
            },
            RawCalendar {
                id: s("always"),
                time_zone: s("UTC"),
                hours: BTreeMap::new(),
                holidays: vec![],
            },
        ],
        queues: vec![
            RawQueue {
                id: s("globex-voice"),
                name: s("Voice"),
                program: s("globex-sales"),
                channel: s("voice"),
                calendar: s("always"),
                threshold_s: 30,
                short_abandon_s: 0,
                interval_minutes: 60,
                sl_target: 0.9,
                site: Some(s("bog")),
            },
            RawQueue {
                id: s("acme-voice"),
                name: s("Voice"),
                program: s("acme-care"),
                channel: s("voice"),
                calendar: s("us"),
                threshold_s: 20,
                short_abandon_s: 5,
                interval_minutes: 30,
                sl_target: 0.8,
                site: Some(s("mnl")),
            },
            RawQueue {
                id: s("acme-chat"),
                name: s("Chat"),
                program: s("acme-care"),
                channel: s("chat"),
                calendar: s("us"),
                threshold_s: 60,
                short_abandon_s: 10,
                interval_minutes: 15,
                sl_target: 0.85,
                site: None,
            },
        ],
    }
}

/// What `load_org` must return for `org`: lists by id, holidays by date.
fn canonical(mut org: RawOrg) -> RawOrg {
    org.sites.sort_by(|a, b| a.id.cmp(&b.id));
    org.clients.sort_by(|a, b| a.id.cmp(&b.id));
    org.programs.sort_by(|a, b| a.id.cmp(&b.id));
    org.calendars.sort_by(|a, b| a.id.cmp(&b.id));
    org.queues.sort_by(|a, b| a.id.cmp(&b.id));
    for c in &mut org.calendars {
        c.holidays.sort_by(|a, b| a.date.cmp(&b.date));
    }
    org
}

fn unchanged(xs: &[&str]) -> EntityReport {
    EntityReport {
        unchanged: ids(xs),
        ..EntityReport::default()
    }
}

fn all_unchanged() -> ApplyReport {
    ApplyReport {
        sites: unchanged(&["bog", "mnl"]),
        clients: unchanged(&["acme", "globex"]),
        programs: unchanged(&["acme-care", "globex-sales"]),
        calendars: unchanged(&["always", "us"]),
        queues: unchanged(&["acme-chat", "acme-voice", "globex-voice"]),
    }
}

fn ingest(batch_id: &str, files: &[&str], rows_read: i64) -> IngestRecord {
    IngestRecord {
        batch_id: s(batch_id),
        kind: s("contacts"),
        files: ids(files),
        rows_read,
        rows_accepted: rows_read - 3,
        rows_duplicate: 1,
        rows_quarantined: 2,
        committed_at: s("2025-03-30T01:59:59+01:00"),
        clients: ids(&["acme"]),
    }
}

// ---------------------------------------------------------------------------------------------
// Checks

async fn apply_then_load_round_trips(store: &impl Store) {
    assert_eq!(
        store.load_org(&ALL).await.expect("load empty"),
        RawOrg::default()
    );
    let report = store.apply_org(&sample()).await.expect("apply");
    let created = |xs: &[&str]| EntityReport {
        created: ids(xs),
        ..EntityReport::default()
    };
    assert_eq!(
        report,
        ApplyReport {
            sites: created(&["bog", "mnl"]),
            clients: created(&["acme", "globex"]),
            programs: created(&["acme-care", "globex-sales"]),
            calendars: created(&["always", "us"]),
            queues: created(&["acme-chat", "acme-voice", "globex-voice"]),
        }
    );
    assert!(report.changed());
    assert_eq!(
        store.load_org(&ALL).await.expect("load"),
        canonical(sample())
    );
}

async fn second_apply_changes_nothing(store: &impl Store) {
    assert_eq!(store.data_version().await.unwrap(), 0);
    store.apply_org(&sample()).await.expect("first apply");
    let v1 = store.data_version().await.unwrap();
    assert!(v1 > 0, "a change raises the data version");
    let report = store.apply_org(&sample()).await.expect("second apply");
    assert_eq!(report, all_unchanged());
    assert!(!report.changed());
    assert_eq!(
        store.data_version().await.unwrap(),
        v1,
        "no change, same version"
    );
    // Declaration order does not matter: the same org shuffled is still unchanged.
    let mut shuffled = sample();
    shuffled.sites.reverse();
    shuffled.queues.rotate_left(1);
    shuffled
        .calendars
        .iter_mut()
        .for_each(|c| c.holidays.reverse());
    let report = store.apply_org(&shuffled).await.expect("shuffled apply");
    assert_eq!(report, all_unchanged());
    assert_eq!(
        store.load_org(&ALL).await.expect("load"),
        canonical(sample())
    );
}

async fn changed_fields_update_only_those_entities(store: &impl Store) {
    store.apply_org(&sample()).await.expect("first apply");
    let mut edited = sample();
    let voice = edited
        .queues
        .iter_mut()
        .find(|q| q.id == "acme-voice")
        .expect("queue");
    voice.threshold_s = 15;
    let us = edited
        .calendars
        .iter_mut()
        .find(|c| c.id == "us")
        .expect("calendar");
    us.holidays.retain(|h| h.date != "2025-07-04");
    us.holidays.push(RawHoliday {
        date: s("2025-11-27"),
        name: s("Thanksgiving"),
    });
    let report = store.apply_org(&edited).await.expect("apply edit");
    let mut want = all_unchanged();
    want.queues = EntityReport {
        updated: ids(&["acme-voice"]),
        unchanged: ids(&["acme-chat", "globex-voice"]),
        ..EntityReport::default()
    };
    want.calendars = EntityReport {
        updated: ids(&["us"]),
        unchanged: ids(&["always"]),
        ..EntityReport::default()
    };
    assert_eq!(report, want);
    assert!(report.changed());
    let loaded = store.load_org(&ALL).await.expect("load");
    assert_eq!(loaded, canonical(edited.clone()));
    let dates: Vec<&str> = loaded.calendars[1]
        .holidays
        .iter()
        .map(|h| h.date.as_str())
        .collect();
    assert_eq!(dates, ["2025-01-01", "2025-11-27", "2025-12-25"]);
    assert_eq!(
        store.apply_org(&edited).await.expect("reapply edit"),
        all_unchanged()
    );
}

async fn entities_missing_from_the_file_are_kept(store: &impl Store) {
    store.apply_org(&sample()).await.expect("first apply");
    let mut smaller = sample();
    smaller.clients.retain(|c| c.id != "globex");
    smaller.programs.retain(|p| p.client != "globex");
    smaller.queues.retain(|q| q.program != "globex-sales");
    let report = store
        .apply_org(&smaller)
        .await
        .expect("apply without globex");
    let kept = |unchanged: &[&str], missing: &[&str]| EntityReport {
        unchanged: ids(unchanged),
        not_in_file: ids(missing),
        ..EntityReport::default()
    };
    let mut want = all_unchanged();
    want.clients = kept(&["acme"], &["globex"]);
    want.programs = kept(&["acme-care"], &["globex-sales"]);
    want.queues = kept(&["acme-chat", "acme-voice"], &["globex-voice"]);
    assert_eq!(report, want);
    assert!(!report.changed());
    assert_eq!(
        store.load_org(&ALL).await.expect("load"),
        canonical(sample())
    );
}

async fn foreign_key_violation_rolls_back_everything(store: &impl Store) {
    // Bypassing core validation: the database itself must refuse, and keep nothing of the
    // batch although the valid sites, clients and programs were written before the bad queue.
    let mut bad = sample();
    bad.queues.push(RawQueue {
        id: s("ghost"),
        program: s("missing"),
        ..bad.queues[0].clone()
    });
    let e = store
        .apply_org(&bad)
        .await
        .expect_err("queue with a missing program");
    assert!(
        matches!(&e, StoreError::Refused { entity: "queue", id, .. } if id == "ghost"),
        "unexpected error: {e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.starts_with("the database refused queue \"ghost\""),
        "{msg}"
    );
    assert!(msg.ends_with("nothing was written"), "{msg}");
    assert_eq!(
        store.load_org(&ALL).await.expect("load after refusal"),
        RawOrg::default()
    );

    // Same on a populated store: an update, a new client and a bad reference, all or nothing.
    store.apply_org(&sample()).await.expect("apply");
    let mut bad = sample();
    bad.sites[0].name = s("Manila North");
    bad.clients.push(RawClient {
        id: s("initech"),
        name: s("Initech"),
        industry: s("software"),
    });
    bad.programs[0].sites.push(s("nowhere"));
    let e = store
        .apply_org(&bad)
        .await
        .expect_err("program with a missing site");
    assert!(
        matches!(&e, StoreError::Refused { entity: "program", id, .. } if id == "globex-sales"),
        "unexpected error: {e:?}"
    );
    assert_eq!(
        store.load_org(&ALL).await.expect("load after refusal"),
        canonical(sample())
    );
    assert_eq!(
        store.apply_org(&sample()).await.expect("reapply"),
        all_unchanged()
    );
}

async fn ingest_log_round_trips_and_ignores_repeated_batches(store: &impl Store) {
    assert_eq!(store.list_ingests(&ALL).await.expect("list empty"), vec![]);
    let b = ingest(
        "b-0002",
        &[
            "contacts/2025-03-30.csv",
            "contacts/ünïcode, \"quoted\".parquet",
        ],
        1000,
    );
    let a = ingest("a-0001", &[], 0);
    store.record_ingest(&b).await.expect("record b");
    store.record_ingest(&a).await.expect("record a");
    assert_eq!(
        store.list_ingests(&ALL).await.expect("list"),
        vec![b.clone(), a.clone()]
    );
    // Same batch id, different content: the first record stands.
    let b_again = IngestRecord {
        rows_read: 7,
        files: ids(&["other.csv"]),
        ..b.clone()
    };
    store.record_ingest(&b_again).await.expect("record b again");
    let c = IngestRecord {
        kind: s("agent_states"),
        ..ingest("c-0003", &["states.json"], i64::MAX)
    };
    store.record_ingest(&c).await.expect("record c");
    assert_eq!(store.list_ingests(&ALL).await.expect("list"), vec![b, a, c]);
}

/// A reader opens the store without migrating it and can read everything; a write through it
/// is refused by the database, and the message names which database; a database this opsdeck
/// would have to migrate first is refused, not migrated.
async fn read_only_opening_reads_writes_nothing_and_names_the_database(fx: &Fixture) {
    // nothing to read yet: the schema is not there (and a reader does not create it); an
    // empty file is an SQLite database without tables
    if let Fixture::Sqlite { path, .. } = fx {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, b"").unwrap();
    }
    let e = fx
        .open_read_only()
        .await
        .expect_err("an unmigrated store is refused");
    assert!(matches!(e, StoreError::Outdated { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.starts_with(&fx.location()), "{msg}");
    assert!(msg.contains("migrations 1, 2, 3, 4 not applied"), "{msg}");

    let store = fx.open().await;
    store.apply_org(&sample()).await.expect("apply");
    let rec = ingest("r-1", &["x.csv"], 10);
    store.record_ingest(&rec).await.expect("record");
    store.close().await;

    let reader = fx.open_read_only().await.expect("open read-only");
    assert_eq!(
        reader.load_org(&ALL).await.expect("load"),
        canonical(sample())
    );
    assert_eq!(
        reader.list_ingests(&ALL).await.expect("list"),
        vec![rec.clone()]
    );
    let e = reader
        .record_ingest(&ingest("r-2", &["y.csv"], 1))
        .await
        .expect_err("a read-only store refuses writes");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "{}: database error while recording an ingest batch: ",
            fx.location()
        )),
        "{msg}"
    );
    assert!(
        !msg.contains("opsdeck@") && !msg.contains(":opsdeck"),
        "no password: {msg}"
    );
    reader.close().await;
    let store = fx.open().await;
    assert_eq!(store.list_ingests(&ALL).await.expect("list"), vec![rec]);
    store.close().await;
}

async fn reopening_sees_the_data(fx: &Fixture) {
    let store = fx.open().await;
    store.apply_org(&sample()).await.expect("apply");
    let rec = ingest("r-1", &["x.csv"], 10);
    store.record_ingest(&rec).await.expect("record");
    if let Fixture::Sqlite { path, .. } = fx {
        assert!(
            path.exists(),
            "database file created with its parent directory"
        );
        let wal = PathBuf::from(format!("{}-wal", path.display()));
        assert!(wal.exists(), "write-ahead log in use: {}", wal.display());
    }
    store.close().await;

    let store = fx.open().await;
    assert_eq!(
        store.load_org(&ALL).await.expect("load after reopen"),
        canonical(sample())
    );
    assert_eq!(
        store.list_ingests(&ALL).await.expect("list after reopen"),
        vec![rec]
    );
    assert_eq!(
        store
            .apply_org(&sample())
            .await
            .expect("apply after reopen"),
        all_unchanged()
    );
    store.close().await;
}

// ---------------------------------------------------------------------------------------------
// Opening by URL (no database needed)

#[tokio::test]
async fn sqlite_urls_open_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("a").join("o.db").display());
    let store = open(&StoreTarget::from_url(&url).expect("sqlite url"))
        .await
        .expect("open");
    assert_eq!(store.backend(), "sqlite");
    store.close().await;
    // A target given as a plain `Url` is resolved by scheme too.
    let url = format!("sqlite:{}", dir.path().join("b.db").display());
    let store = open(&StoreTarget::Url(url)).await.expect("open");
    assert_eq!(store.backend(), "sqlite");
    store.close().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused_clearly() {
    let e = open(&StoreTarget::Url(s("mysql://root:hunter2@db/opsdeck")))
        .await
        .expect_err("mysql");
    assert_eq!(
        e.to_string(),
        "unsupported database url scheme \"mysql\": use sqlite://PATH, sqlite:PATH, postgres://... or postgresql://..."
    );
}

#[tokio::test]
async fn connection_errors_hide_the_password() {
    // Port 1 on the loopback refuses at once; no server or network is involved.
    let e = PgStore::connect("postgres://opsdeck:hunter2@127.0.0.1:1/opsdeck")
        .await
        .expect_err("refused");
    let msg = e.to_string();
    assert!(
        msg.starts_with(
            "cannot connect to postgresql at postgres://opsdeck:***@127.0.0.1:1/opsdeck: "
        ),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
}

#[tokio::test]
async fn schema_names_are_checked() {
    let e = PgStore::connect_in_schema("postgres://127.0.0.1:1/x", "a\"; drop")
        .await
        .expect_err("bad schema");
    assert!(matches!(e, StoreError::InvalidSchema(_)), "{e:?}");
}

// ---------------------------------------------------------------------------------------------
// Contracts

fn contract(id: &str, client: &str, target: f64) -> opsdeck_store::RawContract {
    serde_json::from_value(serde_json::json!({
        "contract": {"id": id, "client": client, "name": "MSA – «2026»", "start": "2026-01-01", "currency": "USD"},
        "fte_rate": [{"program": "acme-care", "fte": 12.5, "monthly_rate": 4200.1}],
        "sla": [
            {"id": "sl", "effective_from": "2026-01-01", "metric": "service_level", "target": target,
             "min_volume": 100, "credit_allocation_pct": 40.0, "queues": ["acme-voice"]},
            {"id": "sl", "effective_from": "2026-10-15", "metric": "service_level", "target": 0.1 + 0.2}
        ],
        "credits": {"at_risk_pct": 10.0, "pool_pct": 150.0, "earn_back_periods": 2,
                    "exclusion": [{"date": "2026-10-06", "reason": "typhoon"}]}
    }))
    .expect("contract json")
}

async fn contracts_keep_every_revision_and_reapply_adds_none(store: &impl Store) {
    store.apply_org(&sample()).await.unwrap();
    assert!(store.load_contracts(&ALL).await.unwrap().is_empty());
    let v1 = contract("acme-msa", "acme", 80.0);
    let r = store
        .apply_contract(&v1, "2026-11-01T10:00:00Z")
        .await
        .unwrap();
    assert_eq!((r.revision, r.changed), (1, true));
    // identical again: no new revision
    let before = store.data_version().await.unwrap();
    let r = store
        .apply_contract(&v1, "2026-11-02T10:00:00Z")
        .await
        .unwrap();
    assert_eq!((r.revision, r.changed), (1, false));
    assert_eq!(store.data_version().await.unwrap(), before);
    let v2 = contract("acme-msa", "acme", 85.0);
    let r = store
        .apply_contract(&v2, "2026-11-03T10:00:00Z")
        .await
        .unwrap();
    assert_eq!((r.revision, r.changed), (2, true));
    assert!(
        store.data_version().await.unwrap() > before,
        "a new revision raises it"
    );
    store
        .apply_contract(&contract("acme-2027", "acme", 90.0), "2026-11-04T10:00:00Z")
        .await
        .unwrap();
    let latest = store.load_contracts(&ALL).await.unwrap();
    assert_eq!(
        latest
            .iter()
            .map(|c| (c.contract_id.as_str(), c.revision))
            .collect::<Vec<_>>(),
        [("acme-2027", 1), ("acme-msa", 2)]
    );
    assert_eq!(
        latest[1].contract, v2,
        "round trip keeps every field exactly"
    );
    let revs = store.contract_revisions(&ALL, "acme-msa").await.unwrap();
    assert_eq!(revs.len(), 2);
    assert_eq!(
        (revs[0].contract.clone(), revs[0].applied_at.as_str()),
        (v1, "2026-11-01T10:00:00Z")
    );
    assert_eq!(revs[1].client, "acme");
    assert!(store
        .contract_revisions(&ALL, "nope")
        .await
        .unwrap()
        .is_empty());
}

async fn contracts_for_unknown_or_other_clients_are_refused(store: &impl Store) {
    store.apply_org(&sample()).await.unwrap();
    let e = store
        .apply_contract(&contract("x", "nobody", 80.0), "2026-11-01T10:00:00Z")
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            StoreError::Refused {
                entity: "contract",
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("client that is not stored"), "{e}");
    store
        .apply_contract(&contract("x", "acme", 80.0), "2026-11-01T10:00:00Z")
        .await
        .unwrap();
    let e = store
        .apply_contract(&contract("x", "globex", 80.0), "2026-11-01T10:00:00Z")
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("cannot move to client \"globex\""),
        "{e}"
    );
    assert_eq!(store.contract_revisions(&ALL, "x").await.unwrap().len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Scope, access and audit

async fn reads_are_narrowed_to_the_scope(store: &AnyStore) {
    store.apply_org(&sample()).await.unwrap();
    for (id, client) in [("a-msa", "acme"), ("g-msa", "globex")] {
        store
            .apply_contract(&contract(id, client, 80.0), "2026-11-01T10:00:00Z")
            .await
            .unwrap();
    }
    let mut both = ingest("b-both", &["x.csv"], 10);
    both.clients = ids(&["acme", "globex"]);
    let mut old = ingest("b-old", &["y.csv"], 10);
    old.clients = Vec::new();
    for rec in [ingest("b-acme", &["a.csv"], 10), both, old] {
        store.record_ingest(&rec).await.unwrap();
    }

    let acme = Scope::only(["acme"]);
    let org = store.load_org(&acme).await.unwrap();
    assert_eq!(
        org.clients
            .iter()
            .map(|c| c.id.as_str())
            .collect::<Vec<_>>(),
        ["acme"]
    );
    assert!(org.programs.iter().all(|p| p.client == "acme"));
    assert!(
        org.queues.iter().all(|q| q.id.starts_with("acme-")),
        "{:?}",
        org.queues
    );
    let ids_of = |v: Vec<opsdeck_store::ContractRevision>| {
        v.into_iter().map(|c| c.contract_id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids_of(store.load_contracts(&acme).await.unwrap()),
        ["a-msa"]
    );
    assert!(store
        .contract_revisions(&acme, "g-msa")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .contract_revisions(&acme, "a-msa")
            .await
            .unwrap()
            .len(),
        1
    );
    let batches = |v: Vec<IngestRecord>| v.into_iter().map(|b| b.batch_id).collect::<Vec<_>>();
    // a batch is listed only when every client it touched is in scope; one of unknown
    // clients only to the scope of every client
    assert_eq!(
        batches(store.list_ingests(&acme).await.unwrap()),
        ["b-acme"]
    );
    assert_eq!(
        batches(store.list_ingests(&ALL).await.unwrap()),
        ["b-acme", "b-both", "b-old"]
    );
    let both_scope = Scope::only(["acme", "globex"]);
    assert_eq!(
        batches(store.list_ingests(&both_scope).await.unwrap()),
        ["b-acme", "b-both"]
    );

    let none = Scope::nothing();
    let org = store.load_org(&none).await.unwrap();
    assert!(org.clients.is_empty() && org.programs.is_empty() && org.queues.is_empty());
    assert!(org.sites.is_empty() && org.calendars.is_empty());
    assert!(store.load_contracts(&none).await.unwrap().is_empty());
    assert!(store.list_ingests(&none).await.unwrap().is_empty());
}

async fn users_tokens_and_sessions_round_trip(store: &AnyStore) {
    use opsdeck_store::{SessionRecord, TokenRecord, UserRecord};
    let ana = UserRecord {
        email: s("ana@example.com"),
        role: s("account-manager"),
        clients: ids(&["acme", "globex"]),
        password_hash: Some(s("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")),
        disabled: false,
        created_at: s("2026-12-04T10:00:00Z"),
    };
    store.add_user(&ana).await.unwrap();
    let e = store.add_user(&ana).await.unwrap_err();
    assert!(
        matches!(e, StoreError::Refused { entity: "user", .. }),
        "{e}"
    );
    assert_eq!(
        store.user("ana@example.com").await.unwrap(),
        Some(ana.clone())
    );
    assert_eq!(store.user("bob@example.com").await.unwrap(), None);
    let mut changed = ana.clone();
    changed.role = s("client-viewer");
    changed.clients = ids(&["acme"]);
    changed.disabled = true;
    changed.password_hash = None;
    assert!(store.save_user(&changed).await.unwrap());
    assert_eq!(store.list_users().await.unwrap(), [changed.clone()]);
    let mut ghost = changed.clone();
    ghost.email = s("ghost@example.com");
    assert!(!store.save_user(&ghost).await.unwrap());

    let tok = TokenRecord {
        id: s("t1"),
        email: s("ana@example.com"),
        name: s("ci"),
        token_hash: s("ab".repeat(32).as_str()),
        created_at: s("2026-12-04T10:00:00Z"),
        expires_at: Some(s("2027-01-01T00:00:00Z")),
        revoked_at: None,
    };
    store.add_token(&tok).await.unwrap();
    let mut orphan = tok.clone();
    orphan.id = s("t2");
    orphan.token_hash = s("cd".repeat(32).as_str());
    orphan.email = s("nobody@example.com");
    assert!(
        store.add_token(&orphan).await.is_err(),
        "a token needs a user"
    );
    assert_eq!(
        store.token_by_hash(&tok.token_hash).await.unwrap(),
        Some(tok.clone())
    );
    assert_eq!(store.token_by_hash("00").await.unwrap(), None);
    assert!(store
        .revoke_token("t1", "2026-12-05T00:00:00Z")
        .await
        .unwrap());
    assert!(!store
        .revoke_token("t1", "2026-12-06T00:00:00Z")
        .await
        .unwrap());
    let listed = store.list_tokens().await.unwrap();
    assert_eq!(
        listed[0].revoked_at.as_deref(),
        Some("2026-12-05T00:00:00Z")
    );

    let sess = SessionRecord {
        id_hash: s("ef".repeat(32).as_str()),
        email: s("ana@example.com"),
        csrf: s("csrf-1"),
        created_at: s("2026-12-04T10:00:00Z"),
        last_seen_at: s("2026-12-04T10:00:00Z"),
        expires_at: s("2026-12-04T22:00:00Z"),
    };
    store.add_session(&sess).await.unwrap();
    store
        .touch_session(&sess.id_hash, "2026-12-04T11:00:00Z")
        .await
        .unwrap();
    let got = store.session(&sess.id_hash).await.unwrap().unwrap();
    assert_eq!(got.last_seen_at, "2026-12-04T11:00:00Z");
    assert!(store.end_session(&sess.id_hash).await.unwrap());
    assert_eq!(store.session(&sess.id_hash).await.unwrap(), None);
    store.add_session(&sess).await.unwrap();
    assert_eq!(store.end_sessions_of("ana@example.com").await.unwrap(), 1);
    assert_eq!(store.session(&sess.id_hash).await.unwrap(), None);
}

fn audit_event(i: usize) -> opsdeck_store::NewAuditEvent {
    opsdeck_store::NewAuditEvent {
        at: format!("2026-12-04T10:00:0{i}Z"),
        actor: s("os:ana"),
        action: s("ingest.contacts"),
        object: format!("b{i}"),
        client: i.is_multiple_of(2).then(|| s("acme")),
        request_id: None,
        payload_digest: opsdeck_core::audit::digest(format!("payload {i}").as_bytes()),
    }
}

/// Run SQL on the fixture's database behind the store's back.
async fn tamper(fx: &Fixture, sql: &str) {
    use sqlx::{Connection, Executor};
    match fx {
        Fixture::Sqlite { path, .. } => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .expect("connect to sqlite");
            c.execute(sql).await.expect("tamper sqlite");
            let _ = c.close().await;
        }
        Fixture::Postgres { url, schema } => {
            let mut c = sqlx::PgConnection::connect(url)
                .await
                .expect("connect to postgresql");
            c.execute(format!("SET search_path TO \"{schema}\"").as_str())
                .await
                .expect("search path");
            c.execute(sql).await.expect("tamper postgresql");
            let _ = c.close().await;
        }
    }
}

async fn audit_chain_verifies_and_names_the_tampered_event(fx: &Fixture) {
    use opsdeck_core::audit::verify;
    let store = fx.open().await;
    for i in 1..=5 {
        let ev = store.append_audit(audit_event(i)).await.unwrap();
        assert_eq!(ev.seq, i as i64);
    }
    let all = || async { store.audit_events(0, 1000).await.unwrap() };
    assert_eq!(verify(&all().await), Ok(5));
    assert_eq!(store.audit_events(3, 1).await.unwrap()[0].seq, 4);

    // edited
    tamper(
        fx,
        "UPDATE audit_event SET actor = 'os:mallory' WHERE seq = 3",
    )
    .await;
    let b = verify(&all().await).unwrap_err();
    assert_eq!(b.seq, 3, "{b}");
    assert!(b.reason.contains("edited"), "{b}");
    tamper(fx, "UPDATE audit_event SET actor = 'os:ana' WHERE seq = 3").await;
    assert_eq!(verify(&all().await), Ok(5));

    // deleted (and kept aside to restore)
    let kept = all().await[1].clone();
    tamper(fx, "DELETE FROM audit_event WHERE seq = 2").await;
    let b = verify(&all().await).unwrap_err();
    assert_eq!(b.seq, 3, "{b}");
    tamper(
        fx,
        &format!(
            "INSERT INTO audit_event (seq, at, actor, action, object, client, request_id, payload_digest, prev_hash, hash) \
             VALUES (2, '{}', '{}', '{}', '{}', '{}', NULL, '{}', '{}', '{}')",
            kept.event.at, kept.event.actor, kept.event.action, kept.event.object,
            kept.event.client.as_deref().expect("event 2 has a client"),
            kept.event.payload_digest, kept.prev_hash, kept.hash
        ),
    )
    .await;
    assert_eq!(verify(&all().await), Ok(5));

    // reordered: events 2 and 4 swap places
    tamper(fx, "UPDATE audit_event SET seq = -2 WHERE seq = 2").await;
    tamper(fx, "UPDATE audit_event SET seq = 2 WHERE seq = 4").await;
    tamper(fx, "UPDATE audit_event SET seq = 4 WHERE seq = -2").await;
    let b = verify(&all().await).unwrap_err();
    assert_eq!(b.seq, 2, "{b}");

    // a new event still chains to the last stored one
    let ev = store.append_audit(audit_event(6)).await.unwrap();
    assert_eq!(ev.seq, 6);
    Store::close(store).await;
}
