//! Golden contract scenarios worked by hand: met, missed, below minimum volume, excluded day,
//! cap binding, earn-back earned / lost / pending, a version change mid-month, the $2,000
//! worked example, data coverage; and contract files with errors naming the file and the key.
//! The scenarios put data on a few days of a month, so their contract asks no coverage
//! (`min_coverage = 0`); the coverage scenarios use the default (1: every open interval).

use chrono::NaiveDate;
use opsdeck_core::contract::Contract;
use opsdeck_core::credits::EarnBack;
use opsdeck_core::sla::Status;
use opsdeck_core::{IntervalSums, Org, RawOrg, Thresholds, YearMonth};
use opsdeck_engine::inputs::contract::read_contract;
use opsdeck_engine::views::sla::{evaluate, explain, missing_days, Evaluation, Inclusion, Role};
use opsdeck_engine::workspace::IntervalFact;
use std::path::Path;

const ORG: &str = r#"
[[site]]
id = "mnl"
name = "Manila"
country = "PH"
time_zone = "Asia/Manila"
cost_per_productive_hour = 14.5

[[client]]
id = "acme"
name = "Acme"

[[client]]
id = "other"
name = "Other"

[[program]]
id = "care"
name = "Care"
client = "acme"
sites = ["mnl"]

[[program]]
id = "other-care"
name = "Other care"
client = "other"

[[calendar]]
id = "utc"
time_zone = "UTC"

[[queue]]
id = "voice"
name = "Voice"
program = "care"
channel = "voice"
calendar = "utc"

[[queue]]
id = "chat"
name = "Chat"
program = "care"
channel = "chat"
calendar = "utc"
threshold_s = 60
"#;

fn org() -> Org {
    let raw: RawOrg = toml::from_str(ORG).unwrap();
    Org::from_raw(&raw).unwrap()
}

/// Head and credit scheme shared by the scenarios: 20 FTE × $5,000 = $100,000 a month, no
/// per-contact price, 10 % at risk (C = $10,000), pool 250 %.
fn contract(earn_back: u32, slas: &str, extra: &str) -> Contract {
    contract_covering(Some(0.0), earn_back, slas, extra)
}

/// The same contract with `min_coverage` set (or left to its default).
fn contract_covering(
    min_coverage: Option<f64>,
    earn_back: u32,
    slas: &str,
    extra: &str,
) -> Contract {
    let coverage = min_coverage.map_or(String::new(), |m| format!("min_coverage = {m:?}"));
    let text = format!(
        r#"
[contract]
id = "acme-msa"
client = "acme"
start = "2026-01-01"
currency = "USD"
{coverage}

[[fte_rate]]
program = "care"
fte = 20
monthly_rate = 5000

[credits]
at_risk_pct = 10
pool_pct = 250
earn_back_periods = {earn_back}
{extra}
{slas}
"#
    );
    read_contract(&text, Path::new("acme.toml"), &org())
        .unwrap()
        .1
}

const SL_VOICE: &str = r#"
[[sla]]
id = "voice-sl"
effective_from = "2026-01-01"
metric = "service_level"
queues = ["voice"]
target = 80
min_volume = 50
credit_allocation_pct = 40
"#;

fn day(d: &str) -> i64 {
    d.parse::<NaiveDate>()
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

/// One voice interval on `d` with `offered` contacts of which `within` answered within T and
/// the rest abandoned after T.
fn voice(d: &str, offered: i64, within: i64) -> IntervalFact {
    IntervalFact {
        client: "acme".into(),
        program: "care".into(),
        queue: "voice".into(),
        interval_start_utc: day(d),
        interval_minutes: 30,
        zone: chrono_tz::UTC,
        thresholds: Thresholds::default(),
        sl_target: 0.8,
        sums: IntervalSums {
            offered,
            answered: within,
            handled: within,
            answered_within_t: within,
            abandoned: offered - within,
            sum_wait_answered_s: within * 10,
            ..Default::default()
        },
    }
}

fn eval(c: &Contract, facts: &[IntervalFact], month: &str) -> Evaluation {
    evaluate(c, 1, &org(), facts, &[], YearMonth::parse(month).unwrap()).unwrap()
}

fn row<'a>(e: &'a Evaluation, sla: &str) -> &'a opsdeck_engine::views::sla::SlaResult {
    e.slas
        .iter()
        .find(|r| r.sla == sla && r.role == Role::Governing)
        .unwrap()
}

#[test]
fn met() {
    // 170 of 200 within T = 85 % ≥ 80 %: met by 5 points, no credit
    let c = contract(0, SL_VOICE, "");
    let e = eval(
        &c,
        &[voice("2026-10-05", 100, 90), voice("2026-10-06", 100, 80)],
        "2026-10",
    );
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::Met);
    assert_eq!(r.achieved, Some(0.85));
    assert_eq!(r.volume, 200);
    assert!((r.margin.unwrap() - 0.05).abs() < 1e-9);
    assert_eq!(r.credit, 0.0);
    assert_eq!(
        (e.invoice.base, e.credits.payable, e.net),
        (100_000.0, 0.0, 100_000.0)
    );
}

#[test]
fn missed() {
    // 150 of 200 = 75 %: missed by 5; credit = 100 % × 40 % × $10,000 = $4,000
    let c = contract(0, SL_VOICE, "");
    let e = eval(
        &c,
        &[voice("2026-10-05", 100, 70), voice("2026-10-06", 100, 80)],
        "2026-10",
    );
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::Missed);
    assert_eq!(r.achieved, Some(0.75));
    assert!((r.margin.unwrap() + 0.05).abs() < 1e-9);
    assert_eq!(r.credit, 4_000.0);
    assert_eq!(e.credits.at_risk, 10_000.0);
    assert_eq!(e.credits.payable, 4_000.0);
    assert_eq!(e.net, 96_000.0);
}

#[test]
fn below_minimum_volume_is_not_measured_and_earns_no_credit() {
    // 40 offered < 50: not measured even though 50 % would miss
    let c = contract(0, SL_VOICE, "");
    let e = eval(&c, &[voice("2026-10-05", 40, 20)], "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::NotMeasured);
    // a not-measured SLA shows no achieved value, only its reason
    assert_eq!((r.achieved, r.volume), (None, 40));
    assert_eq!(r.margin, None);
    assert_eq!(
        r.not_measured.as_deref(),
        Some("below minimum volume (40 < 50)")
    );
    assert_eq!(e.credits.payable, 0.0);
}

#[test]
fn excluded_day_is_taken_out_of_measurement() {
    // daily windows; 10-06 (30 %) is a force-majeure day: without it both days meet 90 %
    let sla = SL_VOICE.replace("target = 80", "target = 80\nwindow = \"day\"");
    let exclusion = r#"
[[credits.exclusion]]
date = "2026-10-06"
reason = "typhoon: site power loss"
"#;
    let facts = [
        voice("2026-10-05", 100, 90),
        voice("2026-10-06", 100, 30),
        voice("2026-10-07", 100, 90),
    ];
    let c = contract(0, &sla, exclusion);
    let e = eval(&c, &facts, "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::Met);
    assert_eq!(
        (r.windows_measured, r.windows_met, r.windows_missed),
        (2, 2, 0)
    );
    assert_eq!(r.achieved, Some(0.9));
    assert_eq!(r.volume, 200);
    assert_eq!(
        r.excluded_days,
        vec![(
            "2026-10-06".parse().unwrap(),
            "typhoon: site power loss".to_string()
        )]
    );
    let excluded_window = r.windows.iter().find(|w| w.window == "2026-10-06").unwrap();
    assert_eq!(excluded_window.verdict.met, None);
    assert_eq!(r.verdict, "met: 2 of 2 days >= 80.0 %");
    // the same data without the exclusion misses on 10-06, and says which day and by how much
    let e = eval(&contract(0, &sla, ""), &facts, "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::Missed);
    assert_eq!(
        (r.worst_window.as_deref(), r.worst_window_achieved),
        (Some("2026-10-06"), Some(0.3))
    );
    assert_eq!(
        r.verdict,
        "missed: 1 of 3 days below 80.0 % (worst 2026-10-06: 30.0 %)"
    );
    // explain shows the day as excluded, and the included rows re-sum to the figure
    let v = &c.slas["voice-sl"][0];
    let rows = explain(
        &c,
        v,
        &org(),
        &facts,
        YearMonth::parse("2026-10").unwrap(),
        false,
    );
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1].inclusion, Inclusion::ExcludedDay);
    let offered: i64 = rows
        .iter()
        .filter(|r| r.inclusion == Inclusion::Included)
        .map(|r| r.sums.offered)
        .sum();
    assert_eq!(offered, 200);
}

#[test]
fn cap_binds_when_credits_exceed_the_at_risk_amount() {
    // three SLAs missed with 60 % + 50 % + 40 % of C = $10,000 → $15,000, capped at $10,000
    let slas = r#"
[[sla]]
id = "sl"
effective_from = "2026-01-01"
metric = "service_level"
queues = ["voice"]
target = 80
credit_allocation_pct = 60

[[sla]]
id = "asa"
effective_from = "2026-01-01"
metric = "asa"
queues = ["voice"]
target = 5
credit_allocation_pct = 50

[[sla]]
id = "abandon"
effective_from = "2026-01-01"
metric = "abandon_rate"
queues = ["voice"]
target = 5
credit_allocation_pct = 40
"#;
    let c = contract(0, slas, "");
    // 50 % within T, ASA 10 s, 50 % abandoned
    let e = eval(&c, &[voice("2026-10-05", 100, 50)], "2026-10");
    for id in ["sl", "asa", "abandon"] {
        assert_eq!(row(&e, id).status, Status::Missed, "{id}");
    }
    assert_eq!(row(&e, "asa").achieved, Some(10.0));
    assert_eq!(e.credits.gross, 15_000.0);
    assert_eq!(e.credits.payable, 10_000.0);
    assert!(e.credits.cap_binding);
    assert_eq!(e.net, 90_000.0);
}

#[test]
fn earn_back_earned_lost_and_pending() {
    // K = 2. October missed (75 %); credit $4,000.
    let c = contract(2, SL_VOICE, "");
    let oct = voice("2026-10-05", 100, 75);
    // November and December met → earned back, nothing payable
    let e = eval(
        &c,
        &[
            oct.clone(),
            voice("2026-11-05", 100, 90),
            voice("2026-12-05", 100, 85),
        ],
        "2026-10",
    );
    let r = row(&e, "voice-sl");
    assert_eq!(
        (r.status, r.credit, r.earn_back),
        (Status::Missed, 4_000.0, EarnBack::Earned)
    );
    assert_eq!((e.credits.earned_back, e.credits.payable), (4_000.0, 0.0));
    // December missed → lost, payable
    let e = eval(
        &c,
        &[
            oct.clone(),
            voice("2026-11-05", 100, 90),
            voice("2026-12-05", 100, 60),
        ],
        "2026-10",
    );
    assert_eq!(row(&e, "voice-sl").earn_back, EarnBack::Lost);
    assert_eq!(e.credits.payable, 4_000.0);
    // December below minimum volume → not met → lost
    let e = eval(
        &c,
        &[
            oct.clone(),
            voice("2026-11-05", 100, 90),
            voice("2026-12-05", 10, 10),
        ],
        "2026-10",
    );
    assert_eq!(row(&e, "voice-sl").earn_back, EarnBack::Lost);
    // no December data yet → pending, still owed
    let e = eval(&c, &[oct, voice("2026-11-05", 100, 90)], "2026-10");
    assert_eq!(
        row(&e, "voice-sl").earn_back,
        EarnBack::Pending { met: 1, needed: 2 }
    );
    assert_eq!((e.credits.pending, e.credits.payable), (4_000.0, 4_000.0));
}

#[test]
fn version_change_mid_month_shows_both_and_the_old_one_governs() {
    // v2 (target 90) takes effect 2026-10-15. October (85 %) is governed by v1 (met); v2 is
    // shown beside it (missed, informational, no credit). November is governed by v2.
    let slas = format!(
        "{SL_VOICE}{}",
        SL_VOICE
            .replace("2026-01-01", "2026-10-15")
            .replace("target = 80", "target = 90")
    );
    let c = contract(0, &slas, "");
    let facts = [
        voice("2026-10-05", 100, 85),
        voice("2026-10-20", 100, 85),
        voice("2026-11-05", 100, 85),
    ];
    let e = eval(&c, &facts, "2026-10");
    let rows: Vec<_> = e.slas.iter().filter(|r| r.sla == "voice-sl").collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].version, rows[0].role, rows[0].status),
        (1, Role::Governing, Status::Met)
    );
    assert_eq!(
        (rows[1].version, rows[1].role, rows[1].status),
        (2, Role::Informational, Status::Missed)
    );
    assert_eq!(rows[1].credit, 0.0);
    assert_eq!(e.credits.payable, 0.0);
    let e = eval(&c, &facts, "2026-11");
    let rows: Vec<_> = e.slas.iter().filter(|r| r.sla == "voice-sl").collect();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].version, rows[0].status), (2, Status::Missed));
    assert_eq!(e.credits.payable, 4_000.0);
}

#[test]
fn dir_worked_example_through_a_contract() {
    // 50 % (category) × 40 % (SLA) × (10 % × $100,000) = $2,000
    let sla = SL_VOICE.replace(
        "credit_allocation_pct = 40",
        "credit_allocation_pct = 40\ncategory = \"critical\"",
    );
    let cat = "[[credits.category]]\nid = \"critical\"\nallocation_pct = 50\n";
    let c = contract(0, &sla, cat);
    let e = eval(&c, &[voice("2026-10-05", 100, 50)], "2026-10");
    assert_eq!(row(&e, "voice-sl").credit, 2_000.0);
    assert_eq!(e.credits.payable, 2_000.0);
}

#[test]
fn invoice_prices_handled_contacts_by_the_most_specific_line() {
    // voice: the program's line (0.75) wins over the channel's (0.50): 90 × 0.75 = 67.50;
    // chat has no line: its 10 handled contacts are reported as unpriced
    let prices = r#"
[[contact_price]]
channel = "voice"
price = 0.50

[[contact_price]]
channel = "voice"
program = "care"
price = 0.75
"#;
    let c = contract(0, SL_VOICE, prices);
    let mut chat = voice("2026-10-05", 10, 10);
    chat.queue = "chat".into();
    let e = eval(&c, &[voice("2026-10-05", 100, 90), chat], "2026-10");
    assert_eq!(e.invoice.fte_charges, 100_000.0);
    assert_eq!(e.invoice.contact_charges, 67.5);
    assert_eq!(e.invoice.unpriced_contacts, 10);
    assert_eq!(e.invoice.base, 100_067.5);
    // an FTE-only contract prices no contacts and reports none as unpriced
    let e = eval(
        &contract(0, SL_VOICE, ""),
        &[voice("2026-10-05", 100, 90)],
        "2026-10",
    );
    assert_eq!(
        (e.invoice.contact_charges, e.invoice.unpriced_contacts),
        (0.0, 0)
    );
}

#[test]
fn sla_threshold_other_than_the_facts_is_not_measured() {
    let sla = SL_VOICE.replace("target = 80", "target = 80\nthreshold_s = 30");
    let e = eval(
        &contract(0, &sla, ""),
        &[voice("2026-10-05", 100, 50)],
        "2026-10",
    );
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::NotMeasured);
    assert!(
        r.not_measured
            .as_deref()
            .unwrap()
            .contains("T = 20 s, the SLA asks T = 30 s"),
        "{r:?}"
    );
}

#[test]
fn re_evaluating_is_idempotent() {
    let c = contract(2, SL_VOICE, "");
    let facts = [voice("2026-10-05", 100, 75), voice("2026-11-05", 100, 90)];
    assert_eq!(eval(&c, &facts, "2026-10"), eval(&c, &facts, "2026-10"));
}

fn contract_err(body: &str) -> String {
    let text = format!(
        "[contract]\nid = \"x\"\nclient = \"acme\"\nstart = \"2026-01-01\"\ncurrency = \"USD\"\n{body}"
    );
    read_contract(&text, Path::new("contracts/acme.toml"), &org())
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_contract_files_name_the_file_and_the_key() {
    for (body, expected) in [
        ("tarrget = 1\n", "unknown field `tarrget`"),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"service_level\"\ntarget = 180\n",
            "sla[0].target (sla \"s\"): must be a percent between 0 and 100",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-13-01\"\nmetric = \"asa\"\ntarget = 20\n",
            "sla[0].effective_from (sla \"s\"): \"2026-13-01\" is not a date",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"speed\"\ntarget = 20\n",
            "sla[0].metric (sla \"s\"): unknown metric \"speed\"",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"asa\"\ntarget = 20\nqueues = [\"nope\"]\n",
            "sla[0].queues (sla \"s\"): unknown queue \"nope\"",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"asa\"\ntarget = 20\nprogram = \"other-care\"\n",
            "belongs to client \"other\", not \"acme\"",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"asa\"\ntarget = 20\ncredit_allocation_pct = 10\n",
            "no [credits] section",
        ),
        (
            "[credits]\nat_risk_pct = 10\npool_pct = 50\n[[sla]]\nid = \"a\"\neffective_from = \"2026-01-01\"\nmetric = \"asa\"\ntarget = 20\ncredit_allocation_pct = 40\n[[sla]]\nid = \"b\"\neffective_from = \"2026-01-01\"\nmetric = \"aht\"\ntarget = 200\ncredit_allocation_pct = 40\n",
            "credits.pool_pct: the SLAs in force on 2026-01-01 allocate 80% of the at-risk amount, more than the pool of 50%",
        ),
        (
            "[[sla]]\nid = \"s\"\neffective_from = \"2026-01-01\"\nmetric = \"case_resolution\"\ntarget = 90\n",
            "sla[0].within_s (sla \"s\"): metric \"case_resolution\" needs within_s",
        ),
        ("[[contact_price]]\nchannel = \"fax\"\nprice = 1\n", "contact_price[0].channel: unknown channel \"fax\""),
    ] {
        let e = contract_err(body);
        assert!(e.starts_with("contracts/acme.toml: "), "{e}");
        assert!(e.contains(expected), "expected {expected:?} in {e:?}");
    }
    let e = read_contract(
        "[contract]\nid = \"x\"\nclient = \"nobody\"\nstart = \"2026-01-01\"\ncurrency = \"USD\"\n",
        Path::new("c.toml"),
        &org(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("contract.client: unknown client \"nobody\""),
        "{e}"
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Over random months of facts and random targets: re-evaluating unchanged definitions
        /// gives the same result, the order of the facts does not matter, and payable credits
        /// never exceed the cap.
        #[test]
        fn evaluation_is_idempotent_order_free_and_capped(
            days in prop::collection::vec((1u32..=28, 1u32..=2, 0i64..200, 0i64..200), 1..30),
            t1 in 0u32..100, t2 in 0u32..100, alloc in 0u32..=100, k in 0u32..3,
        ) {
            let slas = format!(
                "{}\n[[sla]]\nid = \"abandon\"\neffective_from = \"2026-01-01\"\nmetric = \"abandon_rate\"\ntarget = {t2}\ncredit_allocation_pct = 100\n",
                SL_VOICE.replace("target = 80", &format!("target = {t1}")).replace("credit_allocation_pct = 40", &format!("credit_allocation_pct = {alloc}"))
            );
            let c = contract(k, &slas, "");
            let facts: Vec<_> = days.iter().map(|(d, m, a, b)| {
                let offered = a + b;
                voice(&format!("2026-{:02}-{d:02}", 9 + m), offered, *a)
            }).collect();
            let e1 = eval(&c, &facts, "2026-10");
            let e2 = eval(&c, &facts, "2026-10");
            prop_assert_eq!(&e1, &e2);
            let mut rev = facts.clone();
            rev.reverse();
            let e3 = eval(&c, &rev, "2026-10");
            prop_assert_eq!(&e1, &e3);
            prop_assert!(e1.credits.payable <= e1.credits.at_risk);
        }
    }
}

/// A month with a missing week has no verdict: `insufficient_data` whatever the data present
/// says, its credit provisional; once the week is ingested it is met. No data at all is
/// insufficient data too, never "no credit".
#[test]
fn a_missing_week_is_insufficient_data_until_it_arrives() {
    let c = contract_covering(None, 0, SL_VOICE, "");
    let october = |skip: std::ops::RangeInclusive<u32>, within: i64| -> Vec<IntervalFact> {
        (1..=31)
            .filter(|d| !skip.contains(d))
            .map(|d| voice(&format!("2026-10-{d:02}"), 100, within))
            .collect()
    };
    let partial = october(8..=14, 90);
    let e = eval(&c, &partial, "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(r.status, Status::InsufficientData);
    assert_eq!(r.provisional_status, Some(Status::Met));
    assert_eq!((r.open_intervals, r.covered_intervals), (31 * 48, 24 * 48));
    assert!((r.coverage.unwrap() - 24.0 / 31.0).abs() < 1e-12);
    assert!(r.provisional);
    assert!(e.provisional);
    assert_eq!(e.credits.provisional_slas, ["voice-sl"]);
    let missing = missing_days(
        &c,
        &c.slas["voice-sl"][0],
        &org(),
        &partial,
        YearMonth::parse("2026-10").unwrap(),
    );
    let days: Vec<String> = missing.iter().map(|m| m.day.to_string()).collect();
    assert_eq!(days.len(), 7);
    assert_eq!(
        (days[0].as_str(), days[6].as_str()),
        ("2026-10-08", "2026-10-14")
    );
    // the week arrives: met, nothing provisional
    let e = eval(&c, &october(0..=0, 90), "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(
        (r.status, r.coverage, r.provisional),
        (Status::Met, Some(1.0), false)
    );
    assert!(!e.provisional);
    // a missed month with a missing week: provisionally credited, and said so
    let e = eval(&c, &october(8..=14, 50), "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(
        (r.status, r.provisional_status, r.credit, r.provisional),
        (
            Status::InsufficientData,
            Some(Status::Missed),
            4_000.0,
            true
        )
    );
    assert_eq!(
        (e.credits.provisional, e.credits.payable),
        (4_000.0, 4_000.0)
    );
    // no data at all: insufficient data, never a quiet "no credit"
    let e = eval(&c, &[], "2026-10");
    let r = row(&e, "voice-sl");
    assert_eq!(
        (r.status, r.coverage),
        (Status::InsufficientData, Some(0.0))
    );
    assert!(e.provisional);
}
