//! The dashboard in a real browser: Debian's headless Chromium driven over W3C WebDriver
//! (chromedriver, plain HTTP calls). Each role logs in through the form, opens its pages and
//! follows their links; a scoped role must find no other client's name or id on any page it
//! reaches, and another client's URL must look exactly like one that does not exist. A
//! screenshot of each kind of page per role is kept under `target/dashboard-screenshots/`.
//! The figures of the client and drill-down pages are compared with the CLI's for the same
//! query.

use super::*;
use serde_json::{json, Value};
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

/// The real browser binary behind Debian's `chromium` wrapper script.
const CHROMIUM: &str = "/usr/lib/chromium/chromium";
/// Pages a role opens at most (the drill-down links to every day of a month).
const MAX_PAGES: usize = 40;

/// chromedriver on a free port, and one browser session.
pub struct Browser {
    driver: Child,
    addr: String,
    session: String,
}

impl Browser {
    /// A headless browser, or why there is none (a notice; a failure under `CI=true`).
    pub fn start() -> Option<Browser> {
        let missing = !std::path::Path::new(CHROMIUM).exists()
            || Command::new("chromedriver")
                .arg("--version")
                .output()
                .is_err();
        if missing {
            let msg = "chromium / chromedriver are not installed (scripts/test.sh installs \
                       Debian's chromium and chromium-driver when it runs as root)";
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
            eprintln!("skipping the browser test: {msg}");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..100 {
            if TcpStream::connect(&addr).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update",
                         "--disable-sync", "--no-first-run", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())],
            }
        }}});
        let mut b = Browser {
            driver,
            addr,
            session: String::new(),
        };
        let v = b.call("POST", "/session", Some(caps));
        b.session = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no browser session: {v}"))
            .to_string();
        Some(b)
    }

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let res = request(
            &self.addr,
            method,
            path,
            &[("Content-Type", "application/json".into())],
            body.as_bytes(),
        );
        let v: Value = serde_json::from_str(&res.body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}: {}", res.body));
        assert!(res.status < 400, "{method} {path}: {}", res.body);
        v["value"].clone()
    }

    pub fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    pub fn open(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({ "url": url })));
    }

    pub fn url(&self) -> String {
        self.call("GET", &self.s("/url"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn source(&self) -> String {
        self.call("GET", &self.s("/source"), None)
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Evaluate a script in the page (the test's own probing; the pages need none).
    pub fn eval(&self, script: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({"script": script, "args": []})),
        )
    }

    fn element(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({"using": "css selector", "value": css})),
        );
        v["element-6066-11e4-a52e-4f735466cecf"]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/value")),
            Some(json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.element(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{e}/click")),
            Some(json!({})),
        );
    }

    pub fn screenshot(&self, file: &std::path::Path) {
        let v = self.call("GET", &self.s("/screenshot"), None);
        let png = base64_decode(v.as_str().unwrap_or(""));
        std::fs::write(file, png).unwrap();
    }

    pub fn delete_cookies(&self) {
        self.call("DELETE", &self.s("/cookie"), None);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = request(&self.addr, "DELETE", &self.s(""), &[], b"");
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The kind of a page, for one screenshot per kind: its path without ids.
fn kind_of(path: &str) -> String {
    let p = path.split('?').next().unwrap_or("");
    let mut parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() > 1 {
        parts[1] = "id";
    }
    let mut k = parts.join("-");
    if path.contains("day=") {
        k.push_str("-day");
    } else if path.contains("window=") {
        k.push_str("-window");
    }
    if k.is_empty() {
        "home".into()
    } else {
        k
    }
}

/// Log in as `email` through the form, open every page reachable from the start by links,
/// and check each; returns the paths visited.
fn crawl(b: &Browser, base: &str, role: &str, email: &str, foreign: &[String]) -> Vec<String> {
    b.delete_cookies();
    b.open(&format!("{base}/"));
    assert!(
        b.url().ends_with("/login"),
        "an anonymous visit goes to the login form: {}",
        b.url()
    );
    b.type_into("input[name=email]", email);
    b.type_into("input[name=password]", PASSWORD);
    b.click("button[type=submit]");
    // a click does not always wait for the navigation it starts
    let mut landed = b.url();
    for _ in 0..50 {
        if !landed.ends_with("/login") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        landed = b.url();
    }
    if landed.ends_with("/login") {
        panic!("{role}: the login did not go through: {}", b.source());
    }
    if role == "client-viewer" {
        assert!(
            landed.ends_with(&format!("/clients/{OWN}")),
            "{role} lands on {landed}"
        );
    } else {
        assert_eq!(landed, format!("{base}/"), "{role} lands on the portfolio");
    }
    let shots = screenshots_dir();
    let mut seen = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::from([landed.trim_start_matches(base).to_string()]);
    let mut visited = Vec::new();
    // breadth first, but a page of a kind not seen yet goes before the others
    while let Some(path) = queue
        .iter()
        .position(|p| !kinds.contains(&kind_of(p)) && !seen.contains(p))
        .and_then(|i| queue.remove(i))
        .or_else(|| queue.pop_front())
    {
        if visited.len() >= MAX_PAGES || !seen.insert(path.clone()) {
            continue;
        }
        b.open(&format!("{base}{path}"));
        let html = b.source();
        let title = b
            .eval("return document.title")
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            !title.starts_with("Not found")
                && !title.starts_with("Something went wrong")
                && !title.starts_with("Cannot show"),
            "{role}: {path} is an error page: {title}"
        );
        assert!(html.contains("<main"), "{role}: {path} has no main: {html}");
        // every control has a label, every table a caption and column headers
        let a11y = b.eval(
            "return [\
               Array.from(document.querySelectorAll('input:not([type=hidden]),select,textarea')).filter(e => !e.closest('label')).length,\
               Array.from(document.querySelectorAll('table')).filter(t => !t.querySelector('caption') || !t.querySelector('th[scope=col]')).length,\
               document.querySelectorAll('h1').length, document.documentElement.lang]",
        );
        assert_eq!(a11y, json!([0, 0, 1, "en"]), "{role}: {path}: unlabelled controls, tables without caption or headers, h1 count, lang");
        if role == "account-manager" || role == "client-viewer" {
            for name in foreign {
                assert!(
                    !html.contains(name.as_str()),
                    "{role}: {path} shows another client's {name:?}"
                );
            }
        }
        let kind = kind_of(&path);
        if kinds.insert(kind.clone()) {
            b.screenshot(&shots.join(format!("{role}-{kind}.png")));
        }
        visited.push(path.clone());
        let links = b.eval(
            "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))",
        );
        for l in links
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            // pages only: CSV downloads are checked over HTTP, the skip link is this page
            let download =
                l.contains("csv=") || l.starts_with("/data/quarantine/") || l.ends_with(".pdf");
            if l.starts_with('/') && !download && !l.starts_with("/api/") {
                queue.push_back(l.replace("&amp;", "&"));
            }
        }
    }
    // the what-if form: 10 % more volume and a site out for a day, submitted
    b.open(&format!("{base}/plan?queue=nwb-cards-voice"));
    b.type_into("input[name=from]", "09/22/2025");
    b.type_into("input[name=volume_pct]", "10");
    b.type_into("textarea[name=outages]", "mnl:2025-09-23:2025-09-23");
    b.click("form.whatif button[type=submit]");
    for _ in 0..100 {
        if b.url().contains("volume_pct=10") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let html = b.source();
    assert!(
        html.contains("By day: baseline and scenario") && html.contains("volume +10 %"),
        "{role}: the what-if plan: {} {}",
        b.url(),
        html.chars().take(3000).collect::<String>()
    );
    if kinds.insert("plan-whatif".into()) {
        b.screenshot(&shots.join(format!("{role}-plan-whatif.png")));
    }
    let wait_for = |b: &Browser, what: &str| {
        for _ in 0..150 {
            if b.source().contains(what) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    };
    let files = tempfile::tempdir().unwrap();
    // a page's upload form sent with `file`; the answer must say `expect`
    let upload = |url: &str, file: &std::path::Path, expect: &str| {
        b.open(url);
        b.type_into("form.upload input[name=file]", &file.display().to_string());
        b.click("form.upload button[type=submit]");
        assert!(wait_for(b, expect), "{role}: {url}: {}", b.source());
    };
    // an upload of contacts, by the roles that operate
    if role == "admin" || role == "account-manager" {
        let csv = files.path().join("contacts.csv");
        std::fs::write(
            &csv,
            format!(
                "{}\nweb-{role}-1,nwb-cards-voice,voice,2025-09-29 11:00:00,2025-09-29 11:00:07,2025-09-29 11:04:00,200,0,20,a1,4\n",
                util::HEADER
            ),
        )
        .unwrap();
        upload(&format!("{base}/data"), &csv, "stored as batch");
        b.screenshot(&shots.join(format!("{role}-data-upload.png")));
        kinds.insert("data-upload".into());
    }
    // process mining of an uploaded log, by everyone
    let log = files.path().join("log.csv");
    std::fs::write(
        &log,
        "case_id,activity,timestamp\nc1,open,2025-09-01T09:00:00Z\nc1,assign,2025-09-01T09:05:00Z\nc1,close,2025-09-01T10:00:00Z\n\
         c2,open,2025-09-01T11:00:00Z\nc2,assign,2025-09-01T11:02:00Z\nc2,assign,2025-09-01T11:20:00Z\nc2,close,2025-09-01T11:30:00Z\n",
    )
    .unwrap();
    upload(
        &format!("{base}/mining"),
        &log,
        "Directly-follows graph: the",
    );
    let html = b.source();
    assert!(
        html.contains("<svg") && html.contains("2 cases"),
        "{role}: mining: {html}"
    );
    b.screenshot(&shots.join(format!("{role}-mining-result.png")));
    // a token made on the admin page; other roles are refused it
    b.open(&format!("{base}/admin"));
    if role == "admin" {
        b.type_into("form.new-token input[name=email]", "exec@example.com");
        b.click("form.new-token button[type=submit]");
        assert!(
            wait_for(b, "shown this once"),
            "{role}: token: {}",
            b.source()
        );
        b.screenshot(&shots.join(format!("{role}-admin-token.png")));
    } else {
        let title = b.eval("return document.title");
        assert!(
            title.as_str().unwrap_or("").starts_with("Not allowed"),
            "{role} on /admin: {title}"
        );
    }
    // another client's page looks exactly like one that does not exist
    if role == "client-viewer" || role == "account-manager" {
        let strip = |b: &Browser, url: &str| {
            b.open(url);
            (
                b.eval("return document.querySelector('h1').textContent"),
                b.eval("return document.title"),
            )
        };
        let other = strip(b, &format!("{base}/clients/telvia"));
        let none = strip(b, &format!("{base}/clients/zzzzzz"));
        assert_eq!(other.0, json!("Not found"), "{role}: {other:?}");
        assert_eq!(other, none, "{role}");
    }
    // on a tablet (768 px): no page scrolls sideways (wide tables scroll in their box)
    b.call(
        "POST",
        &b.s("/window/rect"),
        Some(json!({"width": 768, "height": 1024})),
    );
    let mut tablet = BTreeSet::new();
    for path in &visited {
        if !tablet.insert(kind_of(path)) {
            continue;
        }
        b.open(&format!("{base}{path}"));
        let wide = b.eval("return document.documentElement.scrollWidth - window.innerWidth");
        assert!(
            wide.as_i64().unwrap_or(0) <= 1,
            "{role}: {path} is {wide} px wider than a 768 px tablet"
        );
        if kind_of(path) == "clients-id" {
            b.screenshot(&shots.join(format!("{role}-clients-id-tablet.png")));
        }
    }
    b.call(
        "POST",
        &b.s("/window/rect"),
        Some(json!({"width": 1280, "height": 900})),
    );
    // logging out ends the session: pages go back to the login form
    b.open(&format!("{base}/clients"));
    b.click("form.logout button");
    for _ in 0..50 {
        if b.url().ends_with("/login") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    b.open(&format!("{base}/clients"));
    assert!(
        b.url().ends_with("/login"),
        "{role} after logout: {}",
        b.url()
    );
    visited
}

/// Every role in the browser.
pub fn every_role_in_a_browser(fx: &Fixture, s: &Server) {
    let Some(b) = Browser::start() else {
        return;
    };
    let admin = fx.tokens["admin"].clone();
    let foreign = foreign_names(s, &admin);
    let base = format!("http://{}", s.addr);
    let mut total = 0;
    let mut admin_paths: Vec<String> = Vec::new();
    for (role, email, _) in USERS {
        let t0 = std::time::Instant::now();
        let visited = crawl(&b, &base, role, email, &foreign);
        if *role == "admin" {
            admin_paths = visited.clone();
        }
        assert!(visited.len() >= 2, "{role} reached only {visited:?}");
        let kinds: BTreeSet<String> = visited.iter().map(|p| kind_of(p)).collect();
        assert!(
            kinds.contains("sla-id"),
            "{role} never reached a drill-down: {visited:?}"
        );
        assert!(
            kinds.contains("sla-id-day"),
            "{role} never reached a day's intervals: {visited:?}"
        );
        let mut must = vec![
            "queues-id",
            "queues-id-contacts",
            "plan",
            "clients-id",
            "data",
            "mining",
        ];
        if *role == "admin" {
            must.push("admin");
        }
        if matches!(*role, "admin" | "auditor") {
            must.push("audit");
        }
        for k in must {
            assert!(
                kinds.contains(k),
                "{role} never reached a {k} page: {visited:?}"
            );
        }
        println!(
            "browser: {role}: {} pages ({}) in {:.1} s",
            visited.len(),
            kinds.into_iter().collect::<Vec<_>>().join(", "),
            t0.elapsed().as_secs_f64()
        );
        total += visited.len();
    }
    println!(
        "browser: {total} pages opened, screenshots in {}",
        screenshots_dir().display()
    );
    // page weight and server time of one page of each kind, as the admin (a second request:
    // the first computes, the second is what a returning reader gets)
    let mut seen = BTreeSet::new();
    for path in &admin_paths {
        if !seen.insert(kind_of(path)) {
            continue;
        }
        let cold = std::time::Instant::now();
        let r = s.get(path, &admin);
        let cold = cold.elapsed();
        let warm = std::time::Instant::now();
        let _ = s.get(path, &admin);
        let warm = warm.elapsed();
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.body.len() < 300 * 1024,
            "{path} weighs {} bytes",
            r.body.len()
        );
        println!(
            "page weight: {:<22} {:>7} bytes, first {:>6.1} ms, again {:>5.1} ms  {path}",
            kind_of(path),
            r.body.len(),
            cold.as_secs_f64() * 1e3,
            warm.as_secs_f64() * 1e3
        );
    }
}

/// The CSV of a page's table equals the CLI's CSV for the same query, and each cell of the
/// page's HTML table reads as the CLI's table does.
pub fn pages_match_the_cli(fx: &Fixture, s: &Server) {
    let viewer = &fx.tokens["client-viewer"];
    let page_csv = |path: &str| {
        let r = s.get(path, viewer);
        assert_eq!(r.status, 200, "{path}: {r:?}");
        assert!(
            r.header("content-type")
                .unwrap_or("")
                .starts_with("text/csv"),
            "{path}"
        );
        r.body
    };
    // the drill-down: the days behind an SLA's month
    let cli = fx
        .cli(&[
            "sla",
            "explain",
            "nwb-cards-voice-sl",
            "--period",
            "2025-09",
            "--client",
            OWN,
            "--format",
            "csv",
        ])
        .success()
        .stdout;
    let page = page_csv(&format!(
        "/sla/nwb-cards-voice-sl?client={OWN}&period=2025-09&csv=rows"
    ));
    assert_eq!(page, cli, "drill-down rows");
    assert!(cli.lines().count() > 10, "{cli}");
    // the review packs through the caller's scope: a board pack of the viewer's one client,
    // another client's pack not found, and each drafted pack in the audit trail
    let board = s.get("/reports/pack?kind=board&period=2025-09", viewer);
    assert_eq!(board.status, 200, "{board:?}");
    assert!(board.body.contains("Northwind Bank"));
    for other in ["telvia", "Telvia Mobile", "cartly", "Cartly"] {
        assert!(
            !board.body.contains(other),
            "the viewer's board pack names {other}"
        );
    }
    let other = s.get(
        "/reports/pack?kind=monthly&client=telvia&period=2025-09",
        viewer,
    );
    assert_eq!(other.status, 404, "{other:?}");
    let own = s.get(
        "/reports/pack?kind=monthly&client=northwind&period=2025-09",
        viewer,
    );
    assert_eq!(own.status, 200, "{own:?}");
    let audit = s
        .get("/api/v1/audit?limit=5000", &fx.tokens["auditor"])
        .json();
    let drafted = audit["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "report.generate")
        .count();
    assert!(drafted >= 2, "{drafted} pack(s) in the audit trail");
    // scheduled packs: stored once per period, listed and served by scope
    std::fs::write(
        fx.dir.home().join("report-schedules.toml"),
        "[[report_schedule]]\nkind = \"monthly\"\nclient = \"northwind\"\nrule = \"0 6 2 * *\"\npdf = true\n\
         [[report_schedule]]\nkind = \"monthly\"\nclient = \"telvia\"\nrule = \"0 6 2 * *\"\n\
         [[report_schedule]]\nkind = \"board\"\nrule = \"0 6 2 * *\"\n",
    )
    .unwrap();
    let ran = fx
        .cli(&["report", "scheduled", "--at", "2025-10-02T06:00:00Z"])
        .success();
    // three HTML packs and the northwind pack's PDF (the browser test needs Chromium anyway)
    assert_eq!(ran.stdout.lines().count(), 4, "{}", ran.stdout);
    let again = fx
        .cli(&["report", "scheduled", "--at", "2025-10-02T06:00:00Z"])
        .success();
    assert_eq!(again.stdout, "", "a stored pack is not drafted again");
    let nothing = fx
        .cli(&["report", "scheduled", "--at", "2025-10-02T07:00:00Z"])
        .success();
    assert_eq!(nothing.stdout, "");
    let list = s.get("/reports", viewer).body;
    assert!(list.contains("monthly-northwind-2025-09.html"), "{list}");
    assert!(
        !list.contains("telvia") && !list.contains("board-2025-09"),
        "{list}"
    );
    let pdf = s.get("/reports/stored/monthly-northwind-2025-09.pdf", viewer);
    assert_eq!(
        (pdf.status, pdf.header("content-type")),
        (200, Some("application/pdf"))
    );
    assert!(pdf.body.starts_with("%PDF"));
    let own = s.get("/reports/stored/monthly-northwind-2025-09.html", viewer);
    assert_eq!(own.status, 200);
    assert!(own
        .body
        .contains("Monthly service review — Northwind Bank — 2025-09"));
    for other in [
        "monthly-telvia-2025-09.html",
        "board-2025-09.html",
        "..%2Freport-schedules.toml",
    ] {
        let r = s.get(&format!("/reports/stored/{other}"), viewer);
        assert_eq!(r.status, 404, "{other}: {r:?}");
    }
    assert_eq!(
        s.get(
            "/reports/stored/board-2025-09.html",
            &fx.tokens["executive"]
        )
        .status,
        200
    );
    // the last step: the contacts behind an interval are as many as the interval counts
    let intervals = fx
        .cli(&[
            "sla",
            "explain",
            "nwb-cards-voice-sl",
            "--period",
            "2025-09",
            "--client",
            OWN,
            "--by-interval",
            "--format",
            "json",
        ])
        .success()
        .stdout;
    let rows: serde_json::Value = serde_json::from_str(&intervals).unwrap();
    let rows = rows.as_array().expect("explain rows");
    let busy: Vec<&Value> = rows
        .iter()
        .filter(|r| r["offered"].as_i64().unwrap_or(0) > 0)
        .take(3)
        .collect();
    assert!(!busy.is_empty(), "some interval has contacts");
    for r in busy {
        let start = r["period"].as_str().unwrap();
        let q = r["queue"].as_str().unwrap();
        let csv = page_csv(&format!(
            "/queues/{q}/contacts?start={}&csv=contacts",
            encode(start)
        ));
        assert_eq!(
            csv.lines().count() as i64 - 1,
            r["offered"].as_i64().unwrap(),
            "contacts of {q} {start}:\n{csv}"
        );
    }
    // the client page's scorecard: the trend of six months ending at the month shown
    let scorecard = |format: &str| {
        fx.cli(&[
            "scorecard",
            "--client",
            OWN,
            "--period",
            "2025-04..2025-09",
            "--level",
            "program",
            "--by",
            "month",
            "--format",
            format,
        ])
        .success()
        .stdout
    };
    let cli = scorecard("csv");
    let page = page_csv(&format!(
        "/clients/{OWN}?period=2025-09&level=program&by=month&csv=scorecard"
    ));
    assert_eq!(page, cli, "client scorecard");
    // the client page's SLA rows and money rows: the CLI's `sla evaluate` for the same months
    for (view, table) in [("slas", "slas"), ("money", "credits")] {
        let cli = fx
            .cli(&[
                "sla",
                "evaluate",
                "--client",
                OWN,
                "--period",
                "2025-04..2025-09",
                "--view",
                view,
                "--format",
                "csv",
            ])
            .success()
            .stdout;
        let page = page_csv(&format!("/clients/{OWN}?period=2025-09&csv={table}"));
        assert_eq!(page, cli, "client page {table}");
        assert!(cli.lines().count() > 1, "{cli}");
    }
    // the same table as people read it: every cell of the page is the CLI table's cell
    let text = scorecard("table");
    let html = s
        .get(
            &format!("/clients/{OWN}?period=2025-09&level=program&by=month"),
            viewer,
        )
        .body;
    let start = html
        .find("Scorecard by program")
        .expect("the scorecard table");
    let cells = td_texts(&html[start..]);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let width = header.split_whitespace().count();
    let expected: Vec<String> = lines.flat_map(|l| split_cells(l, width)).collect();
    assert_eq!(
        cells.len(),
        expected.len(),
        "cells: {cells:?}\nexpected: {expected:?}"
    );
    assert_eq!(cells, expected);
}

/// The text of each `<td>` of the first table in `html`.
fn td_texts(html: &str) -> Vec<String> {
    let end = html.find("</table>").unwrap_or(html.len());
    let mut out = Vec::new();
    let mut rest = &html[..end];
    while let Some(i) = rest.find("<td") {
        let after = &rest[i..];
        let open = after.find('>').unwrap() + 1;
        let close = after.find("</td>").unwrap();
        let mut text = String::new();
        let mut in_tag = false;
        for ch in after[open..close].chars() {
            match ch {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push(
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&apos;", "'"),
        );
        rest = &after[close..];
    }
    out
}

/// A line of the CLI's text table split into its `width` cells (separated by two or more
/// spaces; a cell holds single spaces only).
fn split_cells(line: &str, width: usize) -> Vec<String> {
    let cells: Vec<String> = line
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect();
    assert_eq!(cells.len(), width, "{line:?}");
    cells
}
