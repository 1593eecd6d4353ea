//! The commentary drafted from the data, deterministically: sentences whose every number is a
//! cell of an output table as people read it (`human`) — the same cells the pack's tables
//! show — each linked to the explain view behind it. No free text from a model, no number
//! typed into a template: where a sentence compares, it names both figures.

use opsdeck_core::Org;
use opsdeck_engine::views::sla::money_table;
use opsdeck_engine::views::sla_period::PeriodEvaluation;
use opsdeck_engine::views::table::{human, Table, Value};

/// One sentence and the rows behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub text: String,
    pub link: Option<String>,
}

/// The cell of `col` in `row` as people read it.
pub(super) fn h(t: &Table, row: usize, col: &str) -> String {
    match t.columns.iter().position(|c| c.name == col) {
        Some(c) => human(&t.columns, &t.rows[row], c),
        None => String::new(),
    }
}

fn text<'a>(t: &'a Table, row: usize, col: &str) -> &'a str {
    super::doc::text(t, row, col)
}

fn num(t: &Table, row: usize, col: &str) -> Option<f64> {
    match t.get(row, col) {
        Some(Value::Num(v)) => *v,
        Some(Value::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

/// The rows of the current revisions (a month's earlier revisions follow its rows).
fn current_rows(t: &Table) -> Vec<usize> {
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for r in 0..t.rows.len() {
        let key = (
            text(t, r, "period").to_string(),
            text(t, r, "sla").to_string(),
        );
        if !seen.contains(&key) {
            seen.push(key);
            out.push(r);
        }
    }
    out
}

fn status_words(s: &str) -> &str {
    match s {
        "met" => "met",
        "missed" => "missed",
        "insufficient_data" => "no verdict: data is missing",
        _ => "not measured",
    }
}

/// A client's period: each SLA against its target (and the month before), the money, and
/// each program's volume and service beside the period before.
pub fn client(
    period: Option<&PeriodEvaluation>,
    prev: Option<&PeriodEvaluation>,
    card: Option<&Table>,
    prev_card: Option<&Table>,
    label: &str,
    base: &str,
    client: &str,
) -> Vec<Sentence> {
    let mut out = Vec::new();
    if let Some(pe) = period {
        let t = pe.sla_rows();
        let before = prev.map(|p| p.sla_rows());
        for r in current_rows(&t) {
            let (sla, month) = (text(&t, r, "sla"), text(&t, r, "period"));
            let verdict = text(&t, r, "verdict");
            let mut s = format!(
                "{sla} ({}), {month}: {} against a target of {} {} — {}.",
                text(&t, r, "metric"),
                h(&t, r, "achieved"),
                text(&t, r, "comparison"),
                h(&t, r, "target"),
                if verdict.is_empty() {
                    status_words(text(&t, r, "status"))
                } else {
                    verdict
                }
            );
            if let Some(b) = &before {
                if let Some(pr) = current_rows(b)
                    .into_iter()
                    .find(|&i| text(b, i, "sla") == sla)
                {
                    s.push_str(&format!(
                        " It was {} in {} ({}).",
                        h(b, pr, "achieved"),
                        text(b, pr, "period"),
                        status_words(text(b, pr, "status"))
                    ));
                }
            }
            if num(&t, r, "credit").is_some_and(|c| c > 0.0) {
                s.push_str(&format!(" It carries a credit of {}", h(&t, r, "credit")));
                let earn = text(&t, r, "earn_back");
                if earn.is_empty() {
                    s.push('.');
                } else {
                    s.push_str(&format!("; earn-back: {earn}."));
                }
            }
            out.push(Sentence {
                text: s,
                link: Some(format!(
                    "{base}/sla/{}?client={}&period={}",
                    crate::html::url(sla),
                    crate::html::url(client),
                    crate::html::url(month)
                )),
            });
        }
        let m = money_table(&pe.evals, label);
        for r in 0..m.rows.len() {
            out.push(Sentence {
                text: format!(
                    "{} {}: invoice {}, credits payable {} ({} pending earn-back, {} earned back), net {}.",
                    text(&m, r, "contract"),
                    text(&m, r, "period"),
                    h(&m, r, "invoice"),
                    h(&m, r, "credits_payable"),
                    h(&m, r, "credits_pending"),
                    h(&m, r, "credits_earned_back"),
                    h(&m, r, "net")
                ),
                link: Some(format!(
                    "{base}/clients/{}?period={}",
                    crate::html::url(client),
                    crate::html::url(text(&m, r, "period").rsplit("..").next().unwrap_or(""))
                )),
            });
        }
    }
    if let Some(c) = card {
        // a month or a ticket program without contacts has no figure to speak of
        for r in (0..c.rows.len()).filter(|&r| num(c, r, "offered").is_some_and(|o| o > 0.0)) {
            let (program, channel) = (text(c, r, "program"), text(c, r, "channel"));
            let mut s = format!(
                "{program} ({channel}), {}: {} contacts offered, service level {}, abandonment {}, AHT {}.",
                text(c, r, "period"),
                h(c, r, "offered"),
                h(c, r, "service_level"),
                h(c, r, "abandon_rate"),
                h(c, r, "aht_s")
            );
            if let Some(p) = prev_card {
                let same = |i: usize| {
                    text(p, i, "program") == program
                        && text(p, i, "channel") == channel
                        && num(p, i, "offered").is_some_and(|o| o > 0.0)
                };
                if let Some(pr) = (0..p.rows.len()).find(|&i| same(i)) {
                    s.push(' ');
                    s.push_str(&movement(c, r, p, pr));
                }
            }
            out.push(Sentence {
                text: s,
                link: Some(format!(
                    "{base}/clients/{}?level=program",
                    crate::html::url(client)
                )),
            });
        }
    }
    out
}

/// Share of change under which a figure is said to have held.
const STEADY: f64 = 0.05;
/// Service-level change (fraction points) under which it is said to have held.
const SL_STEADY: f64 = 0.02;

/// How a figure moved between two rows, in words: "rose from 396 to 455".
fn moved(
    cur: &Table,
    r: usize,
    prev: &Table,
    pr: usize,
    col: &str,
    steady: f64,
    relative: bool,
) -> (i8, String) {
    let (Some(a), Some(b)) = (num(prev, pr, col), num(cur, r, col)) else {
        return (
            0,
            format!("{} (before: {})", h(cur, r, col), h(prev, pr, col)),
        );
    };
    let change = if relative && a != 0.0 {
        (b - a) / a.abs()
    } else {
        b - a
    };
    let dir: i8 = if change.abs() < steady {
        0
    } else if change > 0.0 {
        1
    } else {
        -1
    };
    let verb = match dir {
        1 => "rose",
        -1 => "fell",
        _ => "held",
    };
    (
        dir,
        format!("{verb} from {} to {}", h(prev, pr, col), h(cur, r, col)),
    )
}

/// A headline movement and its drivers, from two scorecard rows of one program and channel:
/// when the service level moved, which of volume, handle time and abandonment moved with it;
/// every number a cell of the two rows.
fn movement(cur: &Table, r: usize, prev: &Table, pr: usize) -> String {
    let period = text(prev, pr, "period");
    let (sl, sl_words) = moved(cur, r, prev, pr, "service_level", SL_STEADY, false);
    let (vol, vol_words) = moved(cur, r, prev, pr, "offered", STEADY, true);
    let (aht, aht_words) = moved(cur, r, prev, pr, "aht_s", STEADY, true);
    let (_, ab_words) = moved(cur, r, prev, pr, "abandon_rate", SL_STEADY / 2.0, false);
    let mut drivers = Vec::new();
    // what pushes service down: more contacts, longer handling (and the reverse)
    if sl != 0 && vol == -sl {
        drivers.push(format!("volume {vol_words}"));
    }
    if sl != 0 && aht == -sl {
        drivers.push(format!("AHT {aht_words}"));
    }
    let head = format!("Since {period}, service level {sl_words}");
    match (sl, drivers.is_empty()) {
        (0, _) => format!("{head}; volume {vol_words}, AHT {aht_words}."),
        (_, true) => format!(
            "{head} while volume {vol_words} and AHT {aht_words}: neither explains it; abandonment {ab_words}."
        ),
        (_, false) => format!(
            "{head} as {}; abandonment {ab_words}.",
            drivers.join(" and ")
        ),
    }
}

/// "Mondays" for "Mon".
fn plural_day(short: &str) -> &str {
    match short {
        "Mon" => "Mondays",
        "Tue" => "Tuesdays",
        "Wed" => "Wednesdays",
        "Thu" => "Thursdays",
        "Fri" => "Fridays",
        "Sat" => "Saturdays",
        "Sun" => "Sundays",
        other => other,
    }
}

/// Off the forecast by this share (either way) on a weekday, volume is a driver to name.
const OFF_FORECAST: f64 = 0.05;

/// The weekday a queue's volume ran furthest from the plan's forecast (`forecast_vs_actual`),
/// when it ran 5 % or more off: a sentence of its cells.
pub fn forecast(t: &Table, queue_name: &str, base: &str, queue: &str) -> Vec<Sentence> {
    let worst = (0..t.rows.len())
        .filter_map(|r| num(t, r, "actual_vs_forecast").map(|d| (r, d)))
        .filter(|(_, d)| d.abs() >= OFF_FORECAST)
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()).then(b.0.cmp(&a.0)));
    let Some((r, d)) = worst else {
        return Vec::new();
    };
    vec![Sentence {
        text: format!(
            "{queue_name}: on {} volume ran {} the forecast — {} contacts against {} forecast over {} days ({}); the plan required up to {} agents in an interval.",
            plural_day(text(t, r, "weekday")),
            if d > 0.0 { "above" } else { "below" },
            h(t, r, "actual"),
            h(t, r, "forecast"),
            h(t, r, "days"),
            h(t, r, "actual_vs_forecast"),
            h(t, r, "required_agents_peak")
        ),
        link: Some(format!("{base}/queues/{}", crate::html::url(queue))),
    }]
}

/// A client's place in the board pack's ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub client: String,
    pub line: String,
}

/// Clients by risk: SLAs missed, then credits payable, then SLAs without a verdict for
/// missing data, then id — each with its figures.
pub fn risk_ranking(e: Option<&PeriodEvaluation>, org: &Org) -> Vec<Ranked> {
    let Some(e) = e else { return Vec::new() };
    let t = e.sla_rows();
    let rows = current_rows(&t);
    let label = match (e.evals.first(), e.evals.last()) {
        (Some(a), Some(b)) if a.period != b.period => format!("{}..{}", a.period, b.period),
        (Some(a), _) => a.period.clone(),
        _ => return Vec::new(),
    };
    let money = money_table(&e.evals, &label);
    let mut clients: Vec<&str> = e.evals.iter().map(|x| x.client.as_str()).collect();
    clients.sort();
    clients.dedup();
    let mut ranked: Vec<(usize, f64, usize, Ranked)> = clients
        .into_iter()
        .map(|c| {
            let mine: Vec<usize> = rows.iter().copied().filter(|&r| text(&t, r, "client") == c).collect();
            let count = |s: &str| mine.iter().filter(|&&r| text(&t, r, "status") == s).count();
            let (missed, nodata) = (count("missed"), count("insufficient_data"));
            let m = (0..money.rows.len()).find(|&r| text(&money, r, "client") == c && text(&money, r, "period") == label);
            let credits = m.and_then(|r| num(&money, r, "credits_payable")).unwrap_or(0.0);
            let name = org.clients.get(c).map_or(c, |x| x.name.as_str());
            let line = format!(
                "{name}: {missed} of {} SLA results missed, {nodata} without a verdict for missing data, credits payable {} in {label}.",
                mine.len(),
                m.map_or("—".into(), |r| h(&money, r, "credits_payable")),
            );
            (missed, credits, nodata, Ranked { client: c.to_string(), line })
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.total_cmp(&a.1))
            .then(b.2.cmp(&a.2))
            .then(a.3.client.cmp(&b.3.client))
    });
    ranked.into_iter().map(|(_, _, _, r)| r).collect()
}

/// The portfolio's period: each client's money beside the period before, volume and service.
#[allow(clippy::too_many_arguments)] // the pack's inputs
pub fn board(
    e: Option<&PeriodEvaluation>,
    before: Option<&PeriodEvaluation>,
    card: Option<&Table>,
    prev_card: Option<&Table>,
    ranked: &[Ranked],
    label: &str,
    base: &str,
    org: &Org,
) -> Vec<Sentence> {
    let mut out = Vec::new();
    if let Some(first) = ranked.first() {
        out.push(Sentence {
            text: format!("Most at risk: {}", first.line),
            link: Some(format!(
                "{base}/clients/{}",
                crate::html::url(&first.client)
            )),
        });
    }
    if let Some(e) = e {
        let m = money_table(&e.evals, label);
        let pm = before.and_then(|b| {
            b.evals
                .first()
                .map(|x| (money_table(&b.evals, &x.period), x.period.clone()))
        });
        for r in (0..m.rows.len()).filter(|&r| text(&m, r, "period") == label) {
            let c = text(&m, r, "client");
            let name = org.clients.get(c).map_or(c, |x| x.name.as_str());
            let mut s = format!(
                "{name}: invoice {}, credits payable {}, at risk {}, net {}.",
                h(&m, r, "invoice"),
                h(&m, r, "credits_payable"),
                h(&m, r, "at_risk"),
                h(&m, r, "net")
            );
            if let Some((p, pl)) = &pm {
                if let Some(pr) = (0..p.rows.len())
                    .find(|&i| text(p, i, "client") == c && text(p, i, "period") == pl)
                {
                    s.push_str(&format!(
                        " In {pl}: credits payable {}, net {}.",
                        h(p, pr, "credits_payable"),
                        h(p, pr, "net")
                    ));
                }
            }
            out.push(Sentence {
                text: s,
                link: Some(format!("{base}/clients/{}", crate::html::url(c))),
            });
        }
    }
    if let Some(c) = card {
        for r in (0..c.rows.len()).filter(|&r| num(c, r, "offered").is_some_and(|o| o > 0.0)) {
            let client = text(c, r, "client");
            let name = org.clients.get(client).map_or(client, |x| x.name.as_str());
            let mut s = format!(
                "{name}: {} contacts offered, service level {}, abandonment {}.",
                h(c, r, "offered"),
                h(c, r, "service_level"),
                h(c, r, "abandon_rate")
            );
            if let Some(p) = prev_card {
                let same = |i: usize| {
                    text(p, i, "client") == client && num(p, i, "offered").is_some_and(|o| o > 0.0)
                };
                if let Some(pr) = (0..p.rows.len()).find(|&i| same(i)) {
                    s.push_str(&format!(
                        " In {}: {} offered, service level {}.",
                        text(p, pr, "period"),
                        h(p, pr, "offered"),
                        h(p, pr, "service_level")
                    ));
                }
            }
            out.push(Sentence {
                text: s,
                link: Some(format!(
                    "{base}/clients/{}?level=client",
                    crate::html::url(client)
                )),
            });
        }
    }
    out
}
