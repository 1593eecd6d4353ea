//! Pareto chart: category counts as bars sorted descending, the cumulative share as a line on a
//! right axis 0–100 %, and an 80 % reference line.

use super::common::{
    begin, count_noun, dims, draw_legend, empty_note, legend_height, legend_layout, marker_open,
    LegendItem, Plot, PlotSpec, Swatch,
};
use super::css;
use super::scale::{clean, Linear};
use super::svg::{sanitize_id, truncate, PathData, Svg};

/// A Pareto chart. Build with [`ParetoSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct ParetoSpec {
    pub id: String,
    pub title: String,
    /// Size in px (default 640 × 240).
    pub width: f64,
    pub height: f64,
    /// `(category, count)` in any order: the chart sorts them by count, descending, ties by
    /// category name. Negative, NaN and infinite counts count as 0.
    pub items: Vec<(String, f64)>,
    /// What the categories are, plural, for the description (default "categories").
    pub noun: String,
}

impl ParetoSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        ParetoSpec {
            id: id.into(),
            title: title.into(),
            width: 640.0,
            height: 240.0,
            items: Vec::new(),
            noun: "categories".into(),
        }
    }
}

/// One sorted Pareto row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) count: f64,
    /// Share of the total, percent.
    pub(crate) share: f64,
    /// Cumulative share up to and including this row, percent.
    pub(crate) cum: f64,
}

/// Sorts (count descending, then label) and accumulates shares; the total is 0 when nothing
/// was counted (shares are then 0).
pub(crate) fn rows(items: &[(String, f64)]) -> (Vec<Row>, f64) {
    let mut sorted: Vec<(String, f64)> = items
        .iter()
        .map(|(l, c)| (l.clone(), clean(Some(*c)).unwrap_or(0.0).max(0.0)))
        .collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let total: f64 = sorted.iter().map(|r| r.1).sum();
    let total = if total.is_finite() { total } else { f64::MAX };
    let mut acc = 0.0;
    let rows = sorted
        .into_iter()
        .map(|(label, count)| {
            acc += count;
            let pct = |x: f64| {
                if total > 0.0 {
                    (x / total * 100.0).clamp(0.0, 100.0)
                } else {
                    0.0
                }
            };
            Row {
                label,
                count,
                share: pct(count),
                cum: pct(acc),
            }
        })
        .collect();
    (rows, total)
}

fn pct_text(p: f64) -> String {
    format!("{p:.1} %")
}

/// Renders a Pareto chart.
pub fn pareto(spec: &ParetoSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (640.0, 240.0), (120.0, 80.0));
    let (rows, total) = rows(&spec.items);
    let labels: Vec<String> = rows.iter().map(|r| r.label.clone()).collect();

    let desc = describe(spec, &rows, total, fmt);
    let mut w = Svg::new();
    begin(&mut w, &id, "pareto", &spec.title, &desc, width, height);
    let items = vec![
        LegendItem {
            swatch: Swatch::Fill {
                class: "s0".into(),
                fill: css::SERIES[0].into(),
            },
            label: "count".into(),
        },
        LegendItem {
            swatch: Swatch::Series(1),
            label: "cumulative share".into(),
        },
    ];
    let (pos, legend_rows) = legend_layout(&items, 8.0, width - 8.0);
    let max = rows.first().map_or(0.0, |r| r.count);
    let plot = Plot::layout(
        &PlotSpec {
            width,
            height,
            top: legend_height(legend_rows),
            right: 34.0,
            labels: &labels,
            domain: (0.0, max),
            extend: true,
            rotate: true,
        },
        fmt,
    );
    draw_legend(&mut w, &id, &items, &pos, 4.0);
    plot.draw_value_axis(&mut w, fmt);

    // right axis: cumulative share 0–100 %
    let yr = Linear::new((0.0, 100.0), (plot.y1, plot.y0));
    w.tag("g").attr("class", "axis-y2").open();
    for p in [0.0, 20.0, 40.0, 60.0, 80.0, 100.0] {
        w.tag("text")
            .attr("class", "tick")
            .at(plot.x1 + 5.0, yr.map(p) + 3.5)
            .attr("text-anchor", "start")
            .attr("fill", css::MUTED)
            .text(&format!("{p:.0} %"));
    }
    w.tag("line")
        .attr("class", "axis")
        .line(plot.x1, plot.y0, plot.x1, plot.y1)
        .attr("stroke", css::MUTED)
        .end();
    w.close();
    w.newline();

    if total <= 0.0 {
        empty_note(&mut w, plot.x0, plot.y0, plot.x1, plot.y1);
    }
    let step = plot.step();
    let bw = (step * 0.72).min(64.0);
    let base = plot.baseline();
    w.tag("g").attr("class", "bars").open();
    for (i, r) in rows.iter().enumerate() {
        let y = plot.y.map(r.count);
        w.tag("rect")
            .attr("class", "bar s0")
            .rect(plot.cx(i) - bw / 2.0, y, bw, base - y)
            .attr("fill", css::SERIES[0])
            .open();
        w.title(&format!(
            "{}: {} ({} of total)",
            truncate(&r.label, 60),
            fmt(r.count),
            pct_text(r.share)
        ));
        w.close();
    }
    w.close();
    w.newline();

    // 80 % reference line
    let y80 = yr.map(80.0);
    w.tag("line")
        .attr("class", "ref")
        .line(plot.x0, y80, plot.x1, y80)
        .attr("stroke", css::MUTED)
        .attr("stroke-dasharray", "2 3")
        .num("stroke-width", 1.0)
        .end();

    if total > 0.0 {
        let pts: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (plot.cx(i), yr.map(r.cum)))
            .collect();
        let mut d = PathData::new();
        for (i, &(x, y)) in pts.iter().enumerate() {
            if i == 0 {
                d.m(x, y);
            } else {
                d.l(x, y);
            }
        }
        w.tag("g")
            .attr("class", "cumulative s1")
            .attr("fill", css::SERIES[1])
            .attr("stroke", css::SERIES[1])
            .open();
        w.tag("path")
            .attr("class", "line s1 cum")
            .attr("d", d.as_str())
            .attr("fill", "none")
            .num("stroke-width", 2.0)
            .attr_opt("stroke-dasharray", css::DASHES[1])
            .end();
        let r = (step * 0.25).clamp(1.5, 3.0);
        for (row, &(x, y)) in rows.iter().zip(&pts) {
            marker_open(&mut w, 1, x, y, r);
            w.title(&format!(
                "{}: cumulative {}",
                truncate(&row.label, 60),
                pct_text(row.cum)
            ));
            w.close();
        }
        w.close();
        w.newline();
    }
    w.tag("text")
        .attr("class", "target-label halo")
        .at(plot.x0 + 3.0, y80 - 4.0)
        .attr("fill", css::INK)
        .text("80 %");
    plot.draw_category_axis(&mut w, &labels);
    w.finish()
}

fn describe(spec: &ParetoSpec, rows: &[Row], total: f64, fmt: &dyn Fn(f64) -> String) -> String {
    let mut parts = vec![count_noun(rows.len(), &spec.noun)];
    if total <= 0.0 {
        parts.push("no counts".into());
        return parts.join("; ");
    }
    parts[0] = format!("{}, total {}", parts[0], fmt(total));
    let k = rows
        .iter()
        .position(|r| r.cum >= 80.0 - 1e-9)
        .map_or(rows.len(), |i| i + 1);
    let names: Vec<String> = rows
        .iter()
        .take(k.min(3))
        .map(|r| truncate(&r.label, 30))
        .collect();
    let more = if k > 3 { ", …" } else { "" };
    let reach = rows.get(k.saturating_sub(1)).map_or(0.0, |r| r.cum);
    parts.push(format!(
        "the top {k} ({}{more}) make {} of the total",
        names.join(", "),
        pct_text(reach)
    ));
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_shares() {
        let items = vec![
            ("b".to_string(), 30.0),
            ("c".to_string(), 20.0),
            ("a".to_string(), 50.0),
        ];
        let (rows, total) = rows(&items);
        assert_eq!(total, 100.0);
        let cum: Vec<f64> = rows.iter().map(|r| r.cum).collect();
        assert_eq!(cum, vec![50.0, 80.0, 100.0]);
        let order: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(order, vec!["a", "b", "c"]);
        let svg = pareto(
            &ParetoSpec {
                items,
                ..ParetoSpec::new("p", "Causes")
            },
            &|v| format!("{v:.0}"),
        );
        assert!(svg.contains("<title>a: cumulative 50.0 %</title>"));
        assert!(svg.contains("<title>b: cumulative 80.0 %</title>"));
        assert!(svg.contains("<title>c: cumulative 100.0 %</title>"));
        assert!(
            svg.contains("3 categories, total 100; the top 2 (a, b) make 80.0 % of the total"),
            "{svg}"
        );
    }

    #[test]
    fn ties_sort_by_name_and_bad_counts_are_zero() {
        let items = vec![
            ("z".to_string(), 5.0),
            ("y".to_string(), 5.0),
            ("x".to_string(), f64::NAN),
            ("w".to_string(), -3.0),
        ];
        let (rows, total) = rows(&items);
        assert_eq!(total, 10.0);
        let order: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(order, vec!["y", "z", "w", "x"]);
    }
}
