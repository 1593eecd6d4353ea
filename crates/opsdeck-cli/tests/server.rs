//! `opsdeck serve` end to end, on real sockets: the demo workspace, users of every role made
//! by the CLI, and requests made the way a browser or a script makes them. The access matrix
//! is generated from the server's route table (every route × every role × own client / other
//! client / no client) and fails on any leak of another client's ids or names, on any route
//! that answers without authentication, and on any 5xx. The same suite runs on SQLite and,
//! when `OPSDECK_TEST_DATABASE_URL` is set, on PostgreSQL — there with two server processes
//! sharing one database.

mod dashboard;
mod util;

use opsdeck_server::routes::{Access, In, Method, Output, ROUTES};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use util::{in_schema, Dir, PgSchema};

const PG_ENV: &str = "OPSDECK_TEST_DATABASE_URL";
const PASSWORD: &str = "correct horse battery staple";
const OWN: &str = "northwind";

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client (one request per connection)

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn cookies(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| {
                let kv = v.split(';').next()?;
                let (k, v) = kv.split_once('=')?;
                Some((k.trim().to_string(), v.trim().to_string()))
            })
            .collect()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not json ({e}): {}", self.body))
    }
}

fn request(addr: &str, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    // to the end of the stream, or of the body its Content-Length announces (chromedriver
    // keeps the connection open)
    let mut raw = Vec::new();
    let mut chunk = [0u8; 64 * 1024];
    loop {
        let n = s.read(&mut chunk).unwrap();
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&chunk[..n]);
        if let Some(head_end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&raw[..head_end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if length.is_some_and(|len| raw.len() >= head_end + 4 + len) {
                break;
            }
        }
    }
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
            rest = &rest[nl + 4 + n..];
        }
        body = out;
    }
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("Authorization", format!("Bearer {token}"))]
}

// ---------------------------------------------------------------------------------------------
// A server process

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(home: &std::path::Path, db: Option<&str>, extra: &[&str]) -> Server {
        let mut cmd = Command::new(util::bin());
        cmd.arg("--home").arg(home);
        if let Some(u) = db {
            cmd.args(["--database-url", u]);
        }
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start opsdeck serve");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        // read stderr to its end, so the server never blocks on a full pipe
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        let url = rest.split_whitespace().next().unwrap_or("");
                        let addr = url.split("://").nth(1).unwrap_or(url).to_string();
                        let _ = tx.send(addr);
                        sent = true;
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server says where it listens");
        Server { child, addr }
    }

    fn get(&self, path: &str, token: &str) -> Resp {
        request(&self.addr, "GET", path, &bearer(token), b"")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The demo workspace with a user and token per role

struct Fixture {
    dir: Dir,
    db: Option<String>,
    _schema: Option<PgSchema>,
    /// Role name → API token.
    tokens: BTreeMap<&'static str, String>,
}

/// The users of the matrix: a role, and the clients it is assigned.
const USERS: &[(&str, &str, Option<&str>)] = &[
    ("admin", "admin@example.com", None),
    ("executive", "exec@example.com", None),
    ("auditor", "audit@example.com", None),
    ("account-manager", "am@example.com", Some(OWN)),
    ("client-viewer", "viewer@example.com", Some(OWN)),
];

impl Fixture {
    fn new(pg: Option<(&str, &str)>) -> Fixture {
        let dir = Dir::new();
        let (db, schema) = match pg {
            Some((base, name)) => {
                let s = PgSchema::new(base, name);
                (Some(in_schema(base, &s.name)), Some(s))
            }
            None => (None, None),
        };
        let mut fx = Fixture {
            dir,
            db,
            _schema: schema,
            tokens: BTreeMap::new(),
        };
        fx.cli(&["demo", "--days", "31", "--scale", "0.05"])
            .success();
        for (role, email, client) in USERS {
            let mut args = vec!["user", "add", email, "--role", role, "--password-stdin"];
            if let Some(c) = client {
                args.extend(["--client", c]);
            }
            let out = fx.cli_stdin(&args, &format!("{PASSWORD}\n"));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = fx.cli(&["token", "create", email]).success();
            let token = out.stdout.trim().to_string();
            assert!(token.starts_with("odk_"), "{token}");
            fx.tokens.insert(role, token);
        }
        fx
    }

    fn base(&self) -> util::TestCommand {
        let mut c = self.dir.cmd();
        if let Some(u) = &self.db {
            c.args(["--database-url", u]);
        }
        c.args(["--actor", "test-suite"]);
        c
    }

    fn cli(&self, args: &[&str]) -> util::Output {
        self.base().args(args).run()
    }

    fn cli_stdin(&self, args: &[&str], input: &str) -> std::process::Output {
        let mut cmd = Command::new(util::bin());
        cmd.arg("--home").arg(self.dir.home());
        if let Some(u) = &self.db {
            cmd.args(["--database-url", u]);
        }
        cmd.args(["--actor", "test-suite"]);
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn server(&self, extra: &[&str]) -> Server {
        Server::start(&self.dir.home(), self.db.as_deref(), extra)
    }
}

// ---------------------------------------------------------------------------------------------
// The access matrix

/// Everything that names a client other than `own`, as the admin sees it: ids and names of
/// clients, programs, queues and contracts.
fn foreign_names(s: &Server, admin: &str) -> Vec<String> {
    let mut out = Vec::new();
    let clients = s.get("/api/v1/clients", admin).json();
    for c in clients["clients"].as_array().unwrap() {
        if c["id"] != OWN {
            out.push(c["id"].as_str().unwrap().to_string());
            out.push(c["name"].as_str().unwrap().to_string());
        }
    }
    let programs = s.get("/api/v1/programs", admin).json();
    let mut foreign_programs = Vec::new();
    for p in programs["programs"].as_array().unwrap() {
        if p["client"] != OWN {
            foreign_programs.push(p["id"].as_str().unwrap().to_string());
            out.push(p["id"].as_str().unwrap().to_string());
            out.push(p["name"].as_str().unwrap().to_string());
        }
    }
    let queues = s.get("/api/v1/queues", admin).json();
    for q in queues["queues"].as_array().unwrap() {
        if foreign_programs.iter().any(|p| q["program"] == p.as_str()) {
            out.push(q["id"].as_str().unwrap().to_string());
            out.push(q["name"].as_str().unwrap().to_string());
        }
    }
    let contracts = s.get("/api/v1/contracts", admin).json();
    for c in contracts["contracts"].as_array().unwrap() {
        if c["client"] != OWN {
            out.push(c["contract_id"].as_str().unwrap().to_string());
            for sla in c["contract"]["sla"].as_array().into_iter().flatten() {
                out.push(sla["id"].as_str().unwrap().to_string());
            }
        }
    }
    let batches = s.get("/api/v1/batches", admin).json();
    for b in batches["rows"].as_array().unwrap() {
        if b["clients"].as_str().unwrap().split(' ').any(|c| c != OWN) {
            out.push(b["batch_id"].as_str().unwrap().to_string());
        }
    }
    assert!(out.len() >= 10, "the demo has other clients: {out:?}");
    out
}

/// The ids a path parameter takes for each tenant case: own client's, another client's, and
/// one of no client at all.
fn path_ids(s: &Server, admin: &str, param_route: &str) -> [(&'static str, String); 3] {
    match param_route {
        "client" | "page_client" => [
            ("own", OWN.to_string()),
            ("other", "telvia".to_string()),
            ("none", "no-such-client".to_string()),
        ],
        "contract" => {
            let list = s.get("/api/v1/contracts", admin).json();
            let pick = |own: bool| {
                list["contracts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| (c["client"] == OWN) == own)
                    .map(|c| c["contract_id"].as_str().unwrap().to_string())
                    .unwrap()
            };
            [
                ("own", pick(true)),
                ("other", pick(false)),
                ("none", "no-such-contract".to_string()),
            ]
        }
        "page_stored_pack" => [
            ("own", "monthly-northwind-2025-09.html".to_string()),
            ("other", "monthly-telvia-2025-09.html".to_string()),
            ("none", "..%2F..%2Fetc%2Fpasswd".to_string()),
        ],
        "page_queue" => [
            ("own", "nwb-cards-voice".to_string()),
            ("other", "tlv-care-voice".to_string()),
            ("none", "no-such-queue".to_string()),
        ],
        "quarantine" | "page_quarantine" => {
            let b = s.get("/api/v1/batches", admin).json();
            let id = b["rows"][0]["batch_id"].as_str().unwrap().to_string();
            // the demo's one batch holds every client's contacts
            [
                ("own", id.clone()),
                ("other", id),
                ("none", "../../etc/passwd".to_string()),
            ]
        }
        // writes: ids that name nothing, so the matrix changes no data (the writes are
        // exercised in `writes_are_audited_and_the_chain_verifies`)
        "void" | "page_void" | "user_disable" | "user_enable" | "user_role" | "token_revoke" => [
            ("own", "nobody-1@example.com".to_string()),
            ("other", "b-nothing-2".to_string()),
            ("none", "../../etc/passwd".to_string()),
        ],
        other => panic!("no path ids for route {other}"),
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The requests of one route for the three tenant cases.
fn requests_of(
    s: &Server,
    admin: &str,
    r: &opsdeck_server::routes::Route,
) -> Vec<(&'static str, String)> {
    let has = |name: &str| r.params.iter().any(|p| p.name == name && p.at == In::Query);
    let required_period = r.params.iter().any(|p| p.name == "period" && p.required);
    let required_from = r.params.iter().any(|p| p.name == "from" && p.required);
    let base_query = match (required_period, required_from) {
        (true, _) => "period=2025-09",
        (_, true) => "from=2025-09-29&days=1&history_weeks=4",
        _ => "",
    };
    let join = |path: &str, q: &str| match q {
        "" => path.to_string(),
        q => format!("{path}?{q}"),
    };
    if r.params.iter().any(|p| p.name == "sla" && p.required) {
        return [
            ("own", "nwb-cards-voice-sl"),
            ("other", "crt-voice-sl"),
            ("none", "no-such-sla"),
        ]
        .into_iter()
        .map(|(case, sla)| (case, join(r.path, &format!("period=2025-09&sla={sla}"))))
        .collect();
    }
    if r.name == "page_contacts" {
        return [
            ("own", "nwb-cards-voice"),
            ("other", "tlv-care-voice"),
            ("none", "no-such-queue"),
        ]
        .into_iter()
        .map(|(case, q)| {
            (
                case,
                format!("/queues/{q}/contacts?start=2025-09-03T13:30:00Z"),
            )
        })
        .collect();
    }
    if r.name == "page_sla" {
        // an SLA of the own client, one of another client (asked under that client), none
        return [
            (
                "own",
                "/sla/nwb-cards-voice-sl?client=northwind&period=2025-09",
            ),
            ("other", "/sla/crt-voice-sl?client=cartly&period=2025-09"),
            ("none", "/sla/no-such-sla?client=northwind&period=2025-09"),
        ]
        .into_iter()
        .map(|(case, p)| (case, p.to_string()))
        .collect();
    }
    if r.params.iter().any(|p| p.at == In::Path) {
        return path_ids(s, admin, r.name)
            .into_iter()
            .map(|(case, id)| {
                let path = r.path.replace("{id}", &encode(&id));
                (case, join(&path, base_query))
            })
            .collect();
    }
    if has("client") {
        return [("own", OWN), ("other", "telvia"), ("none", "")]
            .into_iter()
            .map(|(case, c)| {
                let mut q = base_query.to_string();
                if !c.is_empty() {
                    if !q.is_empty() {
                        q.push('&');
                    }
                    q.push_str(&format!("client={c}"));
                }
                (case, join(r.path, &q))
            })
            .collect();
    }
    if has("queue") {
        return [
            ("own", "nwb-cards-voice"),
            ("other", "tlv-care-voice"),
            ("none", "no-such-queue"),
        ]
        .into_iter()
        .map(|(case, q)| (case, join(r.path, &format!("{base_query}&queue={q}"))))
        .collect();
    }
    vec![("none", join(r.path, base_query))]
}

fn body_of(r: &opsdeck_server::routes::Route) -> Vec<u8> {
    match r.name {
        "ingest_contacts" => format!("{}\n", util::HEADER).into_bytes(),
        "contract_apply" => b"not = [a contract".to_vec(),
        "login" => b"email=x%40example.com&password=wrong".to_vec(),
        "user_add" | "user_role" | "token_create" => b"{}".to_vec(),
        "setup_apply" => b"[[client]\nid = ".to_vec(),
        // forms that change nothing: no file, an unknown action
        "page_admin_change" => b"action=nothing".to_vec(),
        _ => Vec::new(),
    }
}

#[derive(Default)]
struct Tally {
    tried: usize,
    leaks: Vec<String>,
}

fn access_matrix(fx: &Fixture, s: &Server) {
    let admin = fx.tokens["admin"].clone();
    let foreign = foreign_names(s, &admin);
    let mut t = Tally::default();
    let mut routes_tried = 0;
    for r in ROUTES {
        routes_tried += 1;
        let method = r.method.as_str();
        for (case, path) in requests_of(s, &admin, r) {
            let body = body_of(r);
            // no credentials: only public routes answer
            let anon = request(&s.addr, method, &path, &[], &body);
            t.tried += 1;
            assert!(anon.status < 500, "{method} {path} anonymous: {anon:?}");
            if r.access != Access::Public && matches!(r.output, Output::Html(_)) {
                // a page sends a browser without a session to the login form
                assert_eq!(
                    (anon.status, anon.header("location")),
                    (303, Some("/login")),
                    "{method} {path} anonymous: {}",
                    anon.body
                );
            } else if r.access != Access::Public {
                assert_eq!(
                    anon.status, 401,
                    "{method} {path} answered without authentication: {}",
                    anon.body
                );
            }
            for (role, _, client) in USERS {
                t.tried += 1;
                let res = request(&s.addr, method, &path, &bearer(&fx.tokens[role]), &body);
                assert!(res.status < 500, "{method} {path} as {role}: {res:?}");
                let role_ok = match r.access {
                    Access::Public | Access::Read => true,
                    Access::Operate => matches!(*role, "admin" | "account-manager"),
                    Access::Administer => *role == "admin",
                    Access::Audit => matches!(*role, "admin" | "auditor"),
                };
                if !role_ok {
                    assert_eq!(res.status, 403, "{method} {path} as {role}: {}", res.body);
                    continue;
                }
                if client.is_none() {
                    continue; // every client is in scope
                }
                // a scoped caller: nothing of another client, and another client's object
                // looks exactly like one that does not exist
                for name in &foreign {
                    if res.body.contains(name.as_str()) && !path.contains(&encode(name)) {
                        t.leaks.push(format!(
                            "{method} {path} as {role}: {name:?} in {}",
                            res.body.chars().take(300).collect::<String>()
                        ));
                    }
                }
                // another client's object named in the path is not found; a filter naming
                // another client finds nothing (404, or an empty list)
                let in_path = r
                    .params
                    .iter()
                    .any(|p| p.at == In::Path || (p.required && matches!(p.name, "sla" | "queue")));
                if case == "other" && in_path && r.method == Method::Get && res.status != 404 {
                    t.leaks.push(format!(
                        "{method} {path} as {role}: {} instead of 404",
                        res.status
                    ));
                }
            }
        }
    }
    println!(
        "access matrix: {routes_tried} routes x {} roles (and no credentials) x own/other/no client: {} requests tried, {} leaks",
        USERS.len(),
        t.tried,
        t.leaks.len()
    );
    assert!(t.leaks.is_empty(), "leaks:\n{}", t.leaks.join("\n"));
}

/// Not-found answers for an object outside the scope and for one that does not exist are
/// the same (apart from the id named and the request id).
fn no_existence_leak(fx: &Fixture, s: &Server) {
    let viewer = &fx.tokens["client-viewer"];
    // the own client's figures are there
    let x = s.get(
        "/api/v1/sla/explain?sla=nwb-cards-voice-sl&period=2025-09",
        viewer,
    );
    assert_eq!(x.status, 200, "{x:?}");
    assert!(!x.json()["rows"].as_array().unwrap().is_empty());
    let plan = request(
        &s.addr,
        "POST",
        "/api/v1/plan?queue=nwb-cards-voice&from=2025-09-29&days=1&history_weeks=4",
        &bearer(viewer),
        b"volume_pct = 10\n",
    );
    assert_eq!(plan.status, 200, "{plan:?}");
    let log = "case_id,activity,timestamp\n\
               c1,open,2025-09-01T09:00:00Z\nc1,assign,2025-09-01T09:05:00Z\nc1,close,2025-09-01T10:00:00Z\n\
               c2,open,2025-09-01T11:00:00Z\nc2,close,2025-09-01T11:30:00Z\n";
    let m = request(
        &s.addr,
        "POST",
        "/api/v1/mining/summary?top=5",
        &bearer(viewer),
        log.as_bytes(),
    );
    assert_eq!(m.status, 200, "{m:?}");
    let v = m.json();
    assert_eq!(
        (
            v["summary"]["cases"].as_u64(),
            v["summary"]["variants"].as_u64()
        ),
        (Some(2), Some(2)),
        "{v}"
    );
    // the CLI's filters, by the same names: repeated `where` ORs, a time range
    let log = "case_id,activity,timestamp,team\n\
               c1,open,2025-09-01T09:00:00Z,A\nc1,close,2025-09-01T10:00:00Z,A\n\
               c2,open,2025-09-01T11:00:00Z,B\nc2,close,2025-09-01T11:30:00Z,B\n";
    for (q, cases, status) in [
        ("where=team%3DB", Some(1), 200),
        ("where=team%3DA&where=team%3DB", Some(2), 200),
        ("from=2025-09-01T10:30:00Z&to=2025-09-01", Some(1), 200),
        ("from=2025-09-02&to=2025-09-01", None, 400),
        ("time_mode=sideways", None, 400),
        ("where=%3Dx", None, 400),
    ] {
        let m = request(
            &s.addr,
            "POST",
            &format!("/api/v1/mining/summary?{q}"),
            &bearer(viewer),
            log.as_bytes(),
        );
        assert_eq!(m.status, status, "{q}: {m:?}");
        assert_eq!(m.json()["summary"]["cases"].as_u64(), cases, "{q}: {m:?}");
    }
    assert!(!plan.json()["intervals"].as_array().unwrap().is_empty());
    let strip = |r: Resp| {
        let mut v = r.json();
        v["error"]["request_id"] = serde_json::Value::Null;
        (r.status, v.to_string())
    };
    for (path, other, none) in [
        ("/api/v1/clients/", "telvia", "zzzzzz"),
        ("/api/v1/scorecard?client=", "telvia", "zzzzzz"),
        (
            "/api/v1/sla/evaluation?period=2025-09&client=",
            "telvia",
            "zzzzzz",
        ),
    ] {
        let a = strip(s.get(&format!("{path}{other}"), viewer));
        let b = strip(s.get(&format!("{path}{none}"), viewer));
        assert_eq!(a.0, 404, "{path}{other}: {}", a.1);
        assert_eq!(a.1.replace(other, "X"), b.1.replace(none, "X"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions, CSRF, throttling, injection

fn login(s: &Server, email: &str, password: &str) -> (Resp, Option<String>) {
    let form = request(&s.addr, "GET", "/login", &[], b"");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"password\""));
    let token = form
        .cookies()
        .into_iter()
        .find(|(k, _)| k == "opsdeck_login")
        .map(|(_, v)| v)
        .unwrap();
    let body = format!(
        "email={}&password={}&csrf={token}",
        encode(email),
        encode(password)
    );
    let res = request(
        &s.addr,
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded".into()),
            ("Cookie", format!("opsdeck_login={token}")),
        ],
        body.as_bytes(),
    );
    let session = res
        .cookies()
        .into_iter()
        .find(|(k, v)| k == "opsdeck_session" && !v.is_empty())
        .map(|(_, v)| v);
    (res, session)
}

fn sessions_and_csrf(fx: &Fixture, s: &Server) {
    let (res, session) = login(s, "viewer@example.com", PASSWORD);
    assert_eq!(res.status, 303, "{res:?}");
    let cookie_line = res
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("opsdeck_session="))
        .unwrap()
        .1
        .clone();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie_line.contains(attr), "{cookie_line}");
    }
    let session = session.unwrap();
    let cookie = vec![("Cookie", format!("opsdeck_session={session}"))];
    let me = request(&s.addr, "GET", "/api/v1/me", &cookie, b"");
    assert_eq!(me.status, 200, "{me:?}");
    let csrf = me.json()["csrf"].as_str().unwrap().to_string();

    // tampered cookie
    let mut tampered = session.clone();
    let last = if tampered.ends_with('0') { "1" } else { "0" };
    tampered.replace_range(63.., last);
    let r = request(
        &s.addr,
        "GET",
        "/api/v1/me",
        &[("Cookie", format!("opsdeck_session={tampered}"))],
        b"",
    );
    assert_eq!(r.status, 401);

    // a state-changing request without the CSRF token, then with it
    let r = request(&s.addr, "POST", "/logout", &cookie, b"");
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.json()["error"]["code"], "csrf");
    let mut with = cookie.clone();
    with.push(("Content-Type", "application/x-www-form-urlencoded".into()));
    let r = request(
        &s.addr,
        "POST",
        "/logout",
        &with,
        format!("csrf={csrf}").as_bytes(),
    );
    assert_eq!(r.status, 303, "{r:?}");
    // logged out server-side: the old cookie is worthless
    let r = request(&s.addr, "GET", "/api/v1/me", &cookie, b"");
    assert_eq!(r.status, 401);

    // a wrong password, and a login form without its token
    let (r, none) = login(s, "viewer@example.com", "wrong password!");
    assert_eq!((r.status, none), (401, None));
    let r = request(
        &s.addr,
        "POST",
        "/login",
        &[("Content-Type", "application/x-www-form-urlencoded".into())],
        format!("email=viewer%40example.com&password={}", encode(PASSWORD)).as_bytes(),
    );
    assert_eq!(r.status, 403, "a login without the form's token");

    // an auditor cannot write; a disabled user's token stops working
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/contracts",
        &bearer(&fx.tokens["auditor"]),
        b"x",
    );
    assert_eq!(r.status, 403);
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/ingest/contacts",
        &bearer(&fx.tokens["auditor"]),
        b"x",
    );
    assert_eq!(r.status, 403);
    fx.cli(&["user", "disable", "exec@example.com"]).success();
    assert_eq!(s.get("/api/v1/me", &fx.tokens["executive"]).status, 401);
    fx.cli(&["user", "enable", "exec@example.com"]).success();
    assert_eq!(s.get("/api/v1/me", &fx.tokens["executive"]).status, 200);
    // a revoked token
    let out = fx
        .cli(&["token", "create", "exec@example.com", "--name", "short"])
        .success();
    let t = out.stdout.trim().to_string();
    assert_eq!(s.get("/api/v1/me", &t).status, 200);
    let id = t.split('_').nth(1).unwrap();
    fx.cli(&["token", "revoke", id]).success();
    assert_eq!(s.get("/api/v1/me", &t).status, 401);
    assert_eq!(s.get("/api/v1/me", "odk_garbage").status, 401);
}

fn throttling(s: &Server) {
    for _ in 0..5 {
        let (r, _) = login(s, "am@example.com", "not the password");
        assert_eq!(r.status, 401);
    }
    // throttled now, even with the right password
    let (r, session) = login(s, "am@example.com", PASSWORD);
    assert_eq!(r.status, 429, "{r:?}");
    assert!(r.header("retry-after").is_some());
    assert!(session.is_none());
}

fn hostile_parameters(fx: &Fixture, s: &Server) {
    let hostile = [
        "' OR '1'='1",
        "1; DROP TABLE app_user; --",
        "../../../../etc/passwd",
        "%00",
        "telvia\u{0}",
        "\u{202e}northwind",
        "<script>alert(1)</script>",
        "northwind' --",
    ];
    let viewer = &fx.tokens["client-viewer"];
    let mut tried = 0;
    for r in ROUTES.iter().filter(|r| r.method == Method::Get) {
        for h in hostile {
            let e = encode(h);
            let mut paths = Vec::new();
            if r.path.contains("{id}") {
                paths.push(r.path.replace("{id}", &e));
            } else {
                for p in r.params.iter().filter(|p| p.at == In::Query) {
                    paths.push(format!("{}?{}={e}", r.path, p.name));
                }
            }
            for p in paths {
                tried += 1;
                let res = s.get(&p, viewer);
                assert!(res.status < 500, "{p}: {res:?}");
                if r.access == Access::Read && r.name != "openapi" && r.path != "/healthz" {
                    assert!(
                        res.status >= 400 || !res.body.contains("telvia"),
                        "{p}: {}",
                        res.body
                    );
                }
            }
        }
    }
    assert!(tried > 50, "{tried}");
    // NUL in a login form and in a contract: refused, never a 5xx (PostgreSQL refuses NUL)
    let (r, _) = login(s, "viewer\u{0}@example.com", PASSWORD);
    assert_eq!(r.status, 401, "{r:?}");
    let contract = "[contract]\nid = \"x\\u0000\"\nclient = \"northwind\"\n";
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/contracts",
        &bearer(&fx.tokens["admin"]),
        contract.as_bytes(),
    );
    assert!((400..500).contains(&r.status), "{r:?}");
    // the users table is still there
    assert_eq!(s.get("/api/v1/users", &fx.tokens["admin"]).status, 200);
}

fn writes_are_audited_and_the_chain_verifies(fx: &Fixture, s: &Server) {
    // an account manager uploads contacts: their client's queue is stored, another
    // client's queue is quarantined as unknown
    let rows = format!(
        "{}\nup-1,nwb-cards-voice,voice,2025-09-30 10:00:00,2025-09-30 10:00:05,2025-09-30 10:05:00,280,0,10,a1,5\nup-2,tlv-care-voice,voice,2025-09-30 10:00:00,2025-09-30 10:00:05,2025-09-30 10:05:00,280,0,10,a1,5\n",
        util::HEADER
    );
    // the answers kept by the server follow the facts: a commit changes the answer
    let offered = |s: &Server| {
        let v = s
            .get("/api/v1/scorecard?client=northwind&period=2025-09-30&level=queue&queue=nwb-cards-voice", &fx.tokens["account-manager"])
            .json();
        v["rows"][0]["offered"].as_i64().unwrap_or(0)
    };
    let before = offered(s);
    assert_eq!(offered(s), before);
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/ingest/contacts?max_rejects=5",
        &bearer(&fx.tokens["account-manager"]),
        rows.as_bytes(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let v = r.json();
    assert_eq!(
        (v["rows_accepted"].as_u64(), v["rows_quarantined"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    // the uploader reads why its row was rejected, line and field named
    let rejected = &v["rejected"][0];
    assert_eq!(
        (rejected["line"].as_u64(), rejected["field"].as_str()),
        (Some(3), Some("queue")),
        "{v}"
    );
    assert!(
        rejected["reason"]
            .as_str()
            .unwrap()
            .contains("tlv-care-voice"),
        "{v}"
    );
    let batch = v["batch_id"].as_str().unwrap().to_string();
    assert_eq!(
        offered(s),
        before + 1,
        "the kept answer was computed before the commit"
    );
    // the same bytes again: known by their digest, nothing committed, the batch named
    let again = request(
        &s.addr,
        "POST",
        "/api/v1/ingest/contacts?max_rejects=5",
        &bearer(&fx.tokens["account-manager"]),
        rows.as_bytes(),
    );
    assert_eq!(again.status, 200, "{again:?}");
    let w = again.json();
    assert_eq!(
        (
            w["committed"].as_bool(),
            w["same_as"].as_str(),
            w["rows_duplicate"].as_u64()
        ),
        (Some(false), Some(batch.as_str()), Some(1)),
        "{w}"
    );
    assert_eq!(offered(s), before + 1);
    // the manager sees the batch (it touched only their client)
    let b = s
        .get("/api/v1/batches", &fx.tokens["account-manager"])
        .json();
    assert!(
        b["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["batch_id"] == batch.as_str()),
        "{b}"
    );

    // the manager withdraws their batch; the demo's batch (every client) is not theirs to see
    let demo_batch = s.get("/api/v1/batches", &fx.tokens["admin"]).json()["rows"][0]["batch_id"]
        .as_str()
        .unwrap()
        .to_string();
    let am = bearer(&fx.tokens["account-manager"]);
    let r = request(
        &s.addr,
        "POST",
        &format!("/api/v1/batches/{demo_batch}/void"),
        &am,
        b"",
    );
    assert_eq!(r.status, 404, "{r:?}");
    let r = request(
        &s.addr,
        "POST",
        &format!("/api/v1/batches/{batch}/void"),
        &am,
        b"",
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["rows_withdrawn"], 1);
    assert_eq!(offered(s), before, "the withdrawal is in the answer");

    // the setup as stored, applied again through the API: nothing changes
    let setup = fx.cli(&["setup", "show"]).success().stdout;
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/setup",
        &bearer(&fx.tokens["admin"]),
        setup.as_bytes(),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["changed"], false, "{}", r.body);
    let r = request(&s.addr, "POST", "/api/v1/setup", &am, setup.as_bytes());
    assert_eq!(r.status, 403);

    // users and tokens over the API (admin)
    let admin = bearer(&fx.tokens["admin"]);
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/users",
        &admin,
        br#"{"email": "New@Example.com", "role": "client-viewer", "clients": ["telvia"]}"#,
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json()["user"]["email"], "new@example.com");
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/tokens",
        &admin,
        br#"{"email": "new@example.com"}"#,
    );
    assert_eq!(r.status, 201, "{r:?}");
    let v = r.json();
    let new_token = v["token"].as_str().unwrap().to_string();
    let me = s.get("/api/v1/me", &new_token).json();
    assert_eq!(me["clients"], serde_json::json!(["telvia"]));
    // a client-viewer of another client sees nothing of the manager's client
    assert_eq!(s.get("/api/v1/clients/northwind", &new_token).status, 404);
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/users/new@example.com/role",
        &admin,
        br#"{"role": "client-viewer", "clients": ["telvia", "cartly"]}"#,
    );
    assert_eq!(r.status, 400, "a client viewer has one client: {r:?}");
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/users/new@example.com/disable",
        &admin,
        b"",
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(s.get("/api/v1/me", &new_token).status, 401);
    let r = request(
        &s.addr,
        "POST",
        "/api/v1/users/new@example.com/enable",
        &admin,
        b"",
    );
    assert_eq!(r.status, 200, "{r:?}");
    let id = v["id"].as_str().unwrap();
    let r = request(
        &s.addr,
        "POST",
        &format!("/api/v1/tokens/{id}/revoke"),
        &admin,
        b"",
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(s.get("/api/v1/me", &new_token).status, 401);

    let audit = s
        .get("/api/v1/audit?limit=5000", &fx.tokens["auditor"])
        .json();
    let actions: Vec<String> = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["actor"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "setup.apply test-suite",
        "contract.apply test-suite",
        "ingest.contacts test-suite",
        "user.add test-suite",
        "token.create test-suite",
        "token.revoke test-suite",
        "user.disable test-suite",
        "login.success viewer@example.com",
        "login.failure viewer@example.com",
        "logout viewer@example.com",
        "ingest.contacts am@example.com",
        "ingest.void am@example.com",
        "user.add admin@example.com",
        "user.disable admin@example.com",
        "token.create admin@example.com",
        "token.revoke admin@example.com",
    ] {
        assert!(
            actions.iter().any(|a| a == want),
            "{want} not in {actions:?}"
        );
    }
    let v = s.get("/api/v1/audit/verify", &fx.tokens["auditor"]).json();
    assert_eq!(v["ok"], true, "{v}");
    fx.cli(&["audit", "verify"])
        .success()
        .stdout_has("audit trail intact");
}

fn run_suite(fx: &Fixture) {
    let s = fx.server(&[]);
    assert_eq!(request(&s.addr, "GET", "/healthz", &[], b"").status, 200);
    access_matrix(fx, &s);
    no_existence_leak(fx, &s);
    sessions_and_csrf(fx, &s);
    hostile_parameters(fx, &s);
    writes_are_audited_and_the_chain_verifies(fx, &s);
    throttling(&s);
}

#[test]
fn the_api_on_sqlite() {
    let fx = Fixture::new(None);
    run_suite(&fx);
}

#[test]
fn the_dashboard_in_a_real_browser() {
    let fx = Fixture::new(None);
    let s = fx.server(&[]);
    dashboard::pages_match_the_cli(&fx, &s);
    dashboard::every_role_in_a_browser(&fx, &s);
}

#[test]
fn the_api_on_postgresql_with_two_servers_sharing_it() {
    let Ok(base) = std::env::var(PG_ENV) else {
        eprintln!("skipping: set {PG_ENV} to run the postgresql case");
        return;
    };
    let fx = Fixture::new(Some((&base, "api")));
    run_suite(&fx);
    // two processes on one database and one facts directory: a session started on one is
    // honoured by the other, a write through one is read through the other
    let a = fx.server(&[]);
    let b = fx.server(&[]);
    let (res, session) = login(&a, "viewer@example.com", PASSWORD);
    assert_eq!(res.status, 303);
    let cookie = vec![("Cookie", format!("opsdeck_session={}", session.unwrap()))];
    assert_eq!(
        request(&b.addr, "GET", "/api/v1/me", &cookie, b"").status,
        200
    );
    let rows = format!(
        "{}\ntwo-1,nwb-cards-voice,voice,2025-09-29 10:00:00,2025-09-29 10:00:05,2025-09-29 10:05:00,280,0,10,a1,5\n",
        util::HEADER
    );
    let up = request(
        &a.addr,
        "POST",
        "/api/v1/ingest/contacts",
        &bearer(&fx.tokens["admin"]),
        rows.as_bytes(),
    );
    assert_eq!(up.status, 200, "{up:?}");
    let batch = up.json()["batch_id"].as_str().unwrap().to_string();
    let seen = b.get("/api/v1/batches", &fx.tokens["admin"]).json();
    assert!(seen["rows"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["batch_id"] == batch.as_str()));
    assert_eq!(
        b.get("/api/v1/audit/verify", &fx.tokens["auditor"]).json()["ok"],
        true
    );
}

#[test]
fn sessions_end_when_idle() {
    let fx = Fixture::new(None);
    let s = fx.server(&["--session-idle", "1s"]);
    let (res, session) = login(&s, "viewer@example.com", PASSWORD);
    assert_eq!(res.status, 303);
    let cookie = vec![("Cookie", format!("opsdeck_session={}", session.unwrap()))];
    assert_eq!(
        request(&s.addr, "GET", "/api/v1/me", &cookie, b"").status,
        200
    );
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(
        request(&s.addr, "GET", "/api/v1/me", &cookie, b"").status,
        401
    );
}

/// `--tls`: HTTPS in the process itself, with a self-signed certificate made by openssl;
/// session cookies are `Secure`, and plain HTTP is not answered.
#[test]
fn https_with_tls() {
    let have = |tool: &str, arg: &str| {
        Command::new(tool)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("openssl", "version") || !have("curl", "--version") {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl and curl are needed for the TLS test"
        );
        eprintln!("skipping: openssl or curl is missing");
        return;
    }
    let fx = Fixture::new(None);
    let (cert, key) = (fx.dir.path("cert.pem"), fx.dir.path("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let s = fx.server(&[
        "--tls",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let curl = |path: &str| {
        let out = Command::new("curl")
            .args(["-sk", "-D", "-", "-o", "/dev/null", "--max-time", "20"])
            .arg(format!("https://{}{path}", s.addr))
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let health = curl("/healthz");
    assert!(
        health.starts_with("HTTP/") && health.contains(" 200"),
        "{health}"
    );
    let login = curl("/login");
    let cookie = login
        .lines()
        .find(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie: opsdeck_login=")
        })
        .unwrap_or_else(|| panic!("{login}"));
    assert!(cookie.contains("Secure"), "{cookie}");
    // plain HTTP to the TLS port gets no HTTP answer
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut buf = Vec::new();
    let _ = c.read_to_end(&mut buf);
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));
}
