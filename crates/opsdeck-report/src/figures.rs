//! Charts of opsdeck's figures for the dashboard and the review packs: the chart module drawn
//! from the engine's output tables, values labelled as the tables write them.

use crate::chart::{
    bars, heatmap, line, pareto, sparkline, stacked_bars, Bar, BarSpec, HeatmapSpec, LineSpec,
    ParetoSpec, Series, SparklineSpec, StackedSpec, Status,
};
use crate::html::esc;
use opsdeck_engine::views::table::{measure, Table, Value};

/// A value of `unit` (`fraction`, `seconds`, `points`, `count`) as people read it; an axis
/// tick between two counts keeps its decimal (2.5, not a second "2").
fn formatter(unit: &str) -> impl Fn(f64) -> String + '_ {
    move |v| {
        if unit == "count" && v.fract() != 0.0 {
            opsdeck_engine::views::table::decimal(v, 1)
        } else {
            measure(v, unit)
        }
    }
}

fn range_of(unit: &str) -> Option<(f64, f64)> {
    (unit == "fraction").then_some((0.0, 1.0))
}

/// A chart in a figure with its caption.
fn figure(title: &str, svg: &str) -> String {
    format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption>{svg}</figure>",
        esc(title)
    )
}

/// A sparkline of an SLA's months (oldest first), with its target.
pub fn sla_sparkline(
    id: &str,
    title: &str,
    values: &[Option<f64>],
    target: f64,
    unit: &str,
) -> String {
    let mut spec = SparklineSpec::new(id, title);
    spec.target = Some(target);
    spec.width = 120.0;
    sparkline(values, &spec, &formatter(unit))
}

fn text<'a>(t: &'a Table, row: usize, col: &str) -> &'a str {
    match t.get(row, col) {
        Some(Value::Text(s)) => s,
        _ => "",
    }
}

fn num(t: &Table, row: usize, col: &str) -> Option<f64> {
    match t.get(row, col) {
        Some(Value::Num(v)) => *v,
        Some(Value::Int(i)) => Some(*i as f64),
        _ => None,
    }
}

/// One line chart per SLA of an SLA table (`slas`, the current revision's rows): achieved by
/// month against the target.
pub fn sla_trends(t: &Table, months: &[String]) -> String {
    let mut slas: Vec<(String, String)> = Vec::new();
    for r in 0..t.rows.len() {
        let key = (
            text(t, r, "contract").to_string(),
            text(t, r, "sla").to_string(),
        );
        if !slas.contains(&key) {
            slas.push(key);
        }
    }
    let mut out = String::new();
    for (i, (contract, sla)) in slas.iter().enumerate() {
        let rows: Vec<usize> = (0..t.rows.len())
            .filter(|&r| text(t, r, "contract") == contract && text(t, r, "sla") == sla)
            .collect();
        let Some(&last) = rows.last() else { continue };
        let unit = text(t, last, "unit").to_string();
        let values: Vec<Option<f64>> = months
            .iter()
            .map(|m| {
                rows.iter()
                    .find(|&&r| text(t, r, "period") == m)
                    .and_then(|&r| num(t, r, "achieved"))
            })
            .collect();
        let title = format!("{sla}: achieved by month");
        let mut spec = LineSpec::new(format!("trend-{i}"), &title);
        spec.labels = months.to_vec();
        spec.series = vec![Series::new(sla.as_str(), values)];
        spec.target = num(t, last, "target");
        spec.y_range = range_of(&unit);
        spec.width = 420.0;
        spec.height = 180.0;
        spec.noun = "months".into();
        out.push_str(&figure(&title, &line(&spec, &formatter(&unit))));
    }
    if out.is_empty() {
        out
    } else {
        format!("<div class=\"charts\">{out}</div>")
    }
}

/// Offered by interval of a day: the actual and, where a plan exists, its forecast.
pub fn intraday(title: &str, labels: &[String], series: Vec<Series>) -> String {
    let mut spec = LineSpec::new("intraday", title);
    spec.labels = labels.to_vec();
    spec.series = series;
    spec.noun = "intervals".into();
    spec.height = 220.0;
    figure(title, &line(&spec, &formatter("count")))
}

/// A plan's baseline beside its scenario, per day.
pub fn baseline_vs_scenario(
    title: &str,
    labels: &[String],
    baseline: Vec<Option<f64>>,
    scenario: Vec<Option<f64>>,
) -> String {
    let mut spec = LineSpec::new("plan-days", title);
    spec.labels = labels.to_vec();
    spec.series = vec![
        Series::new("baseline", baseline),
        Series::new("scenario", scenario),
    ];
    spec.noun = "days".into();
    spec.height = 220.0;
    figure(title, &line(&spec, &formatter("count")))
}

/// A week profile (`week_profile`) as a heatmap of one column: weekdays × slots.
pub fn week_heatmap(id: &str, t: &Table, column: &str, title: &str, unit: &str) -> String {
    let mut slots: Vec<String> = (0..t.rows.len())
        .map(|r| text(t, r, "slot").to_string())
        .collect();
    slots.sort();
    slots.dedup();
    let days = opsdeck_engine::views::profile::WEEKDAYS;
    let values: Vec<Vec<Option<f64>>> = days
        .iter()
        .map(|d| {
            slots
                .iter()
                .map(|slot| {
                    (0..t.rows.len())
                        .find(|&r| text(t, r, "weekday") == *d && text(t, r, "slot") == slot)
                        .and_then(|r| num(t, r, column))
                })
                .collect()
        })
        .collect();
    if slots.is_empty() {
        return String::new();
    }
    let mut spec = HeatmapSpec::new(id, title);
    spec.rows = days.iter().map(|d| d.to_string()).collect();
    spec.cols = slots;
    spec.values = values;
    spec.width = 760.0;
    spec.height = 230.0;
    figure(title, &heatmap(&spec, &formatter(unit)))
}

/// A Pareto chart of named amounts (largest first, cumulative share).
pub fn pareto_of(id: &str, title: &str, items: Vec<(String, f64)>, unit: &str) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut spec = ParetoSpec::new(id, title);
    spec.items = items;
    spec.height = 260.0;
    figure(title, &pareto(&spec, &formatter(unit)))
}

/// Contacts by interval of a scorecard by interval: answered within the threshold, answered
/// after it, abandoned — stacked, so each bar is the interval's offered.
pub fn answer_mix(t: &Table, labels: &[String]) -> String {
    let n = t.rows.len();
    let col = |name: &str| -> Vec<Option<f64>> { (0..n).map(|r| num(t, r, name)).collect() };
    let within = col("answered_within_threshold");
    let answered = col("answered");
    let late: Vec<Option<f64>> = answered
        .iter()
        .zip(&within)
        .map(|(a, w)| Some(a.unwrap_or(0.0) - w.unwrap_or(0.0)))
        .collect();
    let title = "Answered within the threshold, after it, and abandoned, by interval";
    let mut spec = StackedSpec::new("answer-mix", title);
    spec.labels = labels.to_vec();
    spec.series = vec![
        Series::new("answered within T", within),
        Series::new("answered after T", late),
        Series::new("abandoned", col("abandoned")),
    ];
    spec.noun = "intervals".into();
    spec.height = 220.0;
    figure(title, &stacked_bars(&spec, &formatter("count")))
}

/// An SLA's windows (days or weeks) as bars against the target, each with its verdict: met,
/// missed, or not measured (no data) — told by pattern and word as well as colour.
pub fn window_bars(
    id: &str,
    title: &str,
    windows: &[(String, Option<f64>, Option<bool>)],
    target: f64,
    unit: &str,
) -> String {
    if windows.is_empty() {
        return String::new();
    }
    let mut spec = BarSpec::new(id, title);
    spec.bars = windows
        .iter()
        .map(|(label, value, met)| {
            Bar::new(label.clone(), *value).with_status(match met {
                Some(true) => Status::Met,
                Some(false) => Status::Missed,
                None => Status::NoData,
            })
        })
        .collect();
    spec.target = Some(target);
    spec.y_range = range_of(unit);
    spec.noun = "windows".into();
    spec.height = 220.0;
    figure(title, &bars(&spec, &formatter(unit)))
}
