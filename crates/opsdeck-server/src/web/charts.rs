//! The dashboard's charts, drawn by the report crate's chart module (the one the review packs
//! use) from the engine's output tables; values are labelled as the tables write them.

use super::html::esc;
use opsdeck_engine::views::table::{measure, Table, Value};
use opsdeck_report::chart::{line, sparkline, LineSpec, Series, SparklineSpec};

/// A value of `unit` (`fraction`, `seconds`, `points`, `count`) as people read it.
fn formatter(unit: &str) -> impl Fn(f64) -> String + '_ {
    move |v| measure(v, unit)
}

fn range_of(unit: &str) -> Option<(f64, f64)> {
    (unit == "fraction").then_some((0.0, 1.0))
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
        out.push_str(&format!(
            "<figure class=\"chart\"><figcaption>{}</figcaption>{}</figure>",
            esc(&title),
            line(&spec, &formatter(&unit))
        ));
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
    format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption>{}</figure>",
        esc(title),
        line(&spec, &formatter("count"))
    )
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
    format!(
        "<figure class=\"chart\"><figcaption>{}</figcaption>{}</figure>",
        esc(title),
        line(&spec, &formatter("count"))
    )
}
