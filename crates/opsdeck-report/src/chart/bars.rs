//! Bar charts: vertical bars per category with optional status (class + fill pattern + words)
//! and target line; and stacked bars with a legend.

use super::common::{
    begin, count_noun, dims, draw_legend, empty_note, legend_height, legend_layout, pattern_url,
    span_text, status_patterns, status_stroke, LegendItem, Plot, PlotSpec, Swatch, FONT,
};
use super::css;
use super::line::padded_labels;
use super::scale::{clean, clean_range, extent};
use super::svg::{sanitize_id, text_width, truncate, Svg};
use super::{Series, Status};

/// One bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    /// `None` (or NaN/inf) draws an "n/a" mark instead of a bar, never a zero bar.
    pub value: Option<f64>,
    /// Status against target: class and fill pattern of the bar, and a legend entry.
    pub status: Option<Status>,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: Option<f64>) -> Self {
        Bar {
            label: label.into(),
            value,
            status: None,
        }
    }

    pub fn with_status(mut self, status: Status) -> Self {
        self.status = Some(status);
        self
    }
}

/// A bar chart. Build with [`BarSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct BarSpec {
    pub id: String,
    pub title: String,
    /// Size in px (default 640 × 240).
    pub width: f64,
    pub height: f64,
    pub bars: Vec<Bar>,
    /// Horizontal target line, drawn over the bars.
    pub target: Option<f64>,
    /// Fixed value range; `None` fits zero, the values and the target.
    pub y_range: Option<(f64, f64)>,
    /// What the categories are, plural, for the description (default "categories").
    pub noun: String,
}

impl BarSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        BarSpec {
            id: id.into(),
            title: title.into(),
            width: 640.0,
            height: 240.0,
            bars: Vec::new(),
            target: None,
            y_range: None,
            noun: "categories".into(),
        }
    }
}

/// Domain for bars: the values (and target) plus zero, or the caller's fixed range.
fn bar_domain(
    values: impl IntoIterator<Item = Option<f64>>,
    fixed: Option<(f64, f64)>,
) -> ((f64, f64), bool) {
    match fixed {
        Some(r) => (r, false),
        None => {
            let (lo, hi) = extent(values.into_iter().chain([Some(0.0)])).unwrap_or((0.0, 1.0));
            ((lo, hi), true)
        }
    }
}

/// Renders a bar chart.
pub fn bars(spec: &BarSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (640.0, 240.0), (120.0, 80.0));
    let labels: Vec<String> = spec.bars.iter().map(|b| b.label.clone()).collect();
    let target = clean(spec.target);
    let used: Vec<Status> = Status::ALL
        .into_iter()
        .filter(|s| spec.bars.iter().any(|b| b.status == Some(*s)))
        .collect();

    let desc = describe_bars(spec, &labels, target, fmt);
    let mut w = Svg::new();
    begin(&mut w, &id, "bars", &spec.title, &desc, width, height);
    if !used.is_empty() {
        w.tag("defs").open();
        status_patterns(&mut w, &id, &used);
        w.close();
        w.newline();
    }
    let items: Vec<LegendItem> = used
        .iter()
        .map(|&s| LegendItem {
            swatch: Swatch::Status(s),
            label: s.label().into(),
        })
        .collect();
    let (pos, rows) = legend_layout(&items, 8.0, width - 8.0);

    let (domain, extend) = bar_domain(
        spec.bars.iter().map(|b| b.value).chain([target]),
        clean_range(spec.y_range),
    );
    let plot = Plot::layout(
        &PlotSpec {
            width,
            height,
            top: legend_height(rows),
            right: 0.0,
            labels: &labels,
            domain,
            extend,
            rotate: true,
        },
        fmt,
    );
    draw_legend(&mut w, &id, &items, &pos, 4.0);
    plot.draw_value_axis(&mut w, fmt);
    if spec.bars.iter().all(|b| clean(b.value).is_none()) {
        empty_note(&mut w, plot.x0, plot.y0, plot.x1, plot.y1);
    }

    let step = plot.step();
    let bw = (step * 0.72).min(64.0);
    let base = plot.baseline();
    w.tag("g").attr("class", "bars").open();
    for (i, b) in spec.bars.iter().enumerate() {
        let cx = plot.cx(i);
        let tip_status = b
            .status
            .map(|s| format!(" ({})", s.label()))
            .unwrap_or_default();
        let Some(v) = clean(b.value) else {
            w.tag("text")
                .attr("class", "na")
                .at(cx, base - 4.0)
                .attr("text-anchor", "middle")
                .attr("fill", css::MUTED)
                .open();
            w.content("n/a");
            w.title(&format!("{}: no data{tip_status}", truncate(&b.label, 60)));
            w.close();
            continue;
        };
        let y = plot.y.map(v);
        let (top, h) = (y.min(base), (y - base).abs());
        let tag = w.tag("rect").rect(cx - bw / 2.0, top, bw, h);
        match b.status {
            Some(s) => tag
                .attr("class", &format!("bar {}", s.class()))
                .attr("fill", &pattern_url(&id, s))
                .attr("stroke", status_stroke(s))
                .num("stroke-width", 1.0)
                .open(),
            None => tag
                .attr("class", "bar s0")
                .attr("fill", css::SERIES[0])
                .open(),
        }
        w.title(&format!(
            "{}: {}{tip_status}",
            truncate(&b.label, 60),
            fmt(b.value.unwrap_or(v))
        ));
        w.close();
        let text = truncate(&fmt(b.value.unwrap_or(v)), 16);
        if text_width(&text, FONT) <= step - 2.0 {
            let ty = if v >= 0.0 {
                (top - 4.0).max(plot.y0 + 9.0)
            } else {
                (top + h + 11.0).min(plot.y1 - 2.0)
            };
            w.tag("text")
                .attr("class", "vlabel halo")
                .at(cx, ty)
                .attr("text-anchor", "middle")
                .attr("fill", css::INK)
                .attr("stroke", "#ffffff")
                .num("stroke-width", 3.0)
                .attr("paint-order", "stroke")
                .text(&text);
        }
    }
    w.close();
    w.newline();
    plot.draw_target(&mut w, target, fmt);
    plot.draw_category_axis(&mut w, &labels);
    w.finish()
}

fn describe_bars(
    spec: &BarSpec,
    labels: &[String],
    target: Option<f64>,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let mut parts = vec![format!(
        "{}{}",
        count_noun(labels.len(), &spec.noun),
        span_text(labels)
    )];
    let counts: Vec<String> = Status::ALL
        .iter()
        .filter_map(|s| {
            let k = spec.bars.iter().filter(|b| b.status == Some(*s)).count();
            (k > 0).then(|| format!("{k} {}", s.label()))
        })
        .collect();
    if !counts.is_empty() {
        parts.push(counts.join(", "));
    }
    let best = spec
        .bars
        .iter()
        .filter_map(|b| b.value.filter(|v| v.is_finite()).map(|v| (v, b)))
        .fold(None::<(f64, &Bar)>, |acc, (v, b)| match acc {
            Some((m, _)) if m >= v => acc,
            _ => Some((v, b)),
        });
    match best {
        Some((v, b)) => parts.push(format!("highest {} ({})", fmt(v), truncate(&b.label, 40))),
        None => parts.push("no data".into()),
    }
    if let Some(t) = target {
        parts.push(format!("target {}", fmt(t)));
    }
    parts.join("; ")
}

/// A stacked bar chart. Build with [`StackedSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct StackedSpec {
    pub id: String,
    pub title: String,
    /// Size in px (default 640 × 240).
    pub width: f64,
    pub height: f64,
    /// Category labels along x.
    pub labels: Vec<String>,
    /// Stack layers, bottom first (the legend lists them in this order); value `i` belongs to
    /// label `i`. Negative values stack downward from zero; missing values add nothing.
    pub series: Vec<Series>,
    /// What the categories are, plural, for the description (default "categories").
    pub noun: String,
}

impl StackedSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        StackedSpec {
            id: id.into(),
            title: title.into(),
            width: 640.0,
            height: 240.0,
            labels: Vec::new(),
            series: Vec::new(),
            noun: "categories".into(),
        }
    }
}

/// Renders a stacked bar chart with a legend.
pub fn stacked_bars(spec: &StackedSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (640.0, 240.0), (120.0, 80.0));
    let labels = padded_labels(&spec.labels, spec.series.iter().map(|s| s.values.len()));
    let n = labels.len();
    let value = |s: &Series, i: usize| clean(s.values.get(i).copied().flatten());
    // (sum of positives, sum of negatives, any value) per category
    let totals: Vec<(f64, f64, bool)> = (0..n)
        .map(|i| {
            spec.series.iter().filter_map(|s| value(s, i)).fold(
                (0.0, 0.0, false),
                |(p, q, _), v| {
                    if v >= 0.0 {
                        (p + v, q, true)
                    } else {
                        (p, q + v, true)
                    }
                },
            )
        })
        .collect();
    let any = totals.iter().any(|t| t.2);

    let desc = describe_stacked(spec, &labels, &totals, fmt);
    let mut w = Svg::new();
    begin(&mut w, &id, "stacked", &spec.title, &desc, width, height);
    let items: Vec<LegendItem> = spec
        .series
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let k = j % css::STACK.len();
            LegendItem {
                swatch: Swatch::Fill {
                    class: format!("k{k}"),
                    fill: css::STACK[k].into(),
                },
                label: s.name.clone(),
            }
        })
        .collect();
    let (pos, rows) = legend_layout(&items, 8.0, width - 8.0);
    let (domain, _) = bar_domain(totals.iter().flat_map(|t| [Some(t.0), Some(t.1)]), None);
    let plot = Plot::layout(
        &PlotSpec {
            width,
            height,
            top: legend_height(rows),
            right: 0.0,
            labels: &labels,
            domain,
            extend: true,
            rotate: true,
        },
        fmt,
    );
    draw_legend(&mut w, &id, &items, &pos, 4.0);
    plot.draw_value_axis(&mut w, fmt);
    if !any {
        empty_note(&mut w, plot.x0, plot.y0, plot.x1, plot.y1);
    }
    let step = plot.step();
    let bw = (step * 0.72).min(64.0);
    w.tag("g").attr("class", "stacks").open();
    for (i, label) in labels.iter().enumerate() {
        let cx = plot.cx(i);
        let (mut up, mut down) = (0.0_f64, 0.0_f64);
        w.tag("g").attr("class", "stack").open();
        for (j, s) in spec.series.iter().enumerate() {
            let Some(v) = value(s, i) else { continue };
            let (from, to) = if v >= 0.0 {
                up += v;
                (up - v, up)
            } else {
                down += v;
                (down - v, down)
            };
            let (ya, yb) = (plot.y.map(to), plot.y.map(from));
            let (top, h) = (ya.min(yb), (ya - yb).abs());
            let k = j % css::STACK.len();
            w.tag("rect")
                .attr("class", &format!("seg k{k}"))
                .rect(cx - bw / 2.0, top, bw, h)
                .attr("fill", css::STACK[k])
                .attr("stroke", "#ffffff")
                .num("stroke-width", 0.5)
                .open();
            let raw = s.values.get(i).copied().flatten().unwrap_or(v);
            w.title(&format!(
                "{} · {}: {}",
                truncate(label, 60),
                truncate(&s.name, 60),
                fmt(raw)
            ));
            w.close();
            let text = truncate(&fmt(raw), 16);
            if h >= FONT + 2.0 && text_width(&text, FONT) <= bw - 2.0 {
                let on = if css::stack_on_dark(k) {
                    "vlabel on-dark"
                } else {
                    "vlabel"
                };
                w.tag("text")
                    .attr("class", on)
                    .at(cx, top + h / 2.0 + 3.5)
                    .attr("text-anchor", "middle")
                    .attr(
                        "fill",
                        if css::stack_on_dark(k) {
                            "#ffffff"
                        } else {
                            css::INK
                        },
                    )
                    .text(&text);
            }
        }
        let (p, q, has) = totals[i];
        let text = truncate(&fmt(p + q), 16);
        if has && text_width(&text, FONT) <= step - 2.0 {
            let ty = (plot.y.map(p) - 4.0).max(plot.y0 + 9.0);
            w.tag("text")
                .attr("class", "vlabel total")
                .at(cx, ty)
                .attr("text-anchor", "middle")
                .attr("fill", css::INK)
                .text(&text);
        }
        w.close();
    }
    w.close();
    w.newline();
    plot.draw_category_axis(&mut w, &labels);
    w.finish()
}

fn describe_stacked(
    spec: &StackedSpec,
    labels: &[String],
    totals: &[(f64, f64, bool)],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let mut parts = vec![format!(
        "{}{}",
        count_noun(labels.len(), &spec.noun),
        span_text(labels)
    )];
    let names: Vec<String> = spec
        .series
        .iter()
        .take(8)
        .map(|s| truncate(&s.name, 30))
        .collect();
    let more = if spec.series.len() > 8 { ", …" } else { "" };
    parts.push(format!(
        "{}: {}{more}",
        count_noun(spec.series.len(), "series"),
        names.join(", ")
    ));
    let best =
        totals
            .iter()
            .enumerate()
            .filter(|(_, t)| t.2)
            .fold(None::<(usize, f64)>, |acc, (i, t)| match acc {
                Some((_, m)) if m >= t.0 + t.1 => acc,
                _ => Some((i, t.0 + t.1)),
            });
    match best {
        Some((i, v)) => parts.push(format!(
            "highest total {} ({})",
            fmt(v),
            truncate(&labels[i], 40)
        )),
        None => parts.push("no data".into()),
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bars_carry_class_and_pattern() {
        let mut s = BarSpec::new("q", "Queues");
        s.bars = vec![
            Bar::new("Billing", Some(0.85)).with_status(Status::Met),
            Bar::new("Tech", Some(0.7)).with_status(Status::Missed),
            Bar::new("Sales", Some(0.78)).with_status(Status::AtRisk),
            Bar::new("Retention", None).with_status(Status::NoData),
            Bar::new("Other", Some(0.1)).with_status(Status::NoData),
        ];
        s.target = Some(0.8);
        let svg = bars(&s, &|v| format!("{:.0} %", v * 100.0));
        assert!(
            svg.contains("class=\"bar missed\" fill=\"url(#q-p-missed)\""),
            "{svg}"
        );
        assert!(svg.contains("class=\"bar met\" fill=\"url(#q-p-met)\""));
        assert!(svg.contains("class=\"bar at-risk\" fill=\"url(#q-p-at-risk)\""));
        assert!(svg.contains("class=\"bar no-data\" fill=\"url(#q-p-no-data)\""));
        for p in ["q-p-met", "q-p-at-risk", "q-p-missed", "q-p-no-data"] {
            assert!(svg.contains(&format!("<pattern id=\"{p}\"")), "{p}");
        }
        // the Tech bar's tooltip names its status in words
        assert!(svg.contains("<title>Tech: 70 % (missed)</title>"));
        assert!(svg.contains("<title>Retention: no data (no data)</title>"));
        assert!(svg.contains("1 met, 1 at risk, 1 missed, 2 no data"));
        // legend names every status used
        for l in [">met<", ">at risk<", ">missed<", ">no data<"] {
            assert!(svg.contains(l), "{l}");
        }
    }

    #[test]
    fn bars_without_status_use_series_class() {
        let mut s = BarSpec::new("b", "Plain");
        s.bars = vec![Bar::new("a", Some(-3.0)), Bar::new("b", Some(5.0))];
        let svg = bars(&s, &|v| format!("{v}"));
        assert_eq!(svg.matches("class=\"bar s0\"").count(), 2);
        assert!(!svg.contains("<pattern"));
        assert!(svg.contains("class=\"zero\""));
    }

    #[test]
    fn stacks_go_up_and_down() {
        let mut s = StackedSpec::new("st", "Stack");
        s.labels = vec!["a".into(), "b".into()];
        s.series = vec![
            Series::new("x", vec![Some(2.0), Some(-1.0)]),
            Series::new("y", vec![Some(3.0), None]),
        ];
        let svg = stacked_bars(&s, &|v| format!("{v}"));
        assert_eq!(svg.matches("class=\"seg k0\"").count(), 2);
        assert_eq!(svg.matches("class=\"seg k1\"").count(), 1);
        assert!(svg.contains("<title>a · y: 3</title>"));
        assert!(svg.contains("highest total 5 (a)"));
    }
}
