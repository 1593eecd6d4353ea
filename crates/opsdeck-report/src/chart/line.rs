//! Line chart: series of optional values over categorical x labels (periods, intervals), with
//! gaps for missing values, an optional target line and target band, and point tooltips.

use super::common::{
    begin, count_noun, dims, draw_legend, empty_note, legend_height, legend_layout, marker_open,
    span_text, LegendItem, Plot, PlotSpec, Swatch,
};
use super::css;
use super::scale::{clean, clean_range, extent};
use super::svg::{sanitize_id, truncate, PathData, Svg};
use super::Series;

/// A line chart. Build with [`LineSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct LineSpec {
    /// Prefix of the chart's element ids; unique per page.
    pub id: String,
    pub title: String,
    /// Size in px (default 640 × 240).
    pub width: f64,
    pub height: f64,
    /// Category labels along x, in order.
    pub labels: Vec<String>,
    /// Series; value `i` belongs to label `i`. More than one series gets a legend.
    pub series: Vec<Series>,
    /// Horizontal target line.
    pub target: Option<f64>,
    /// Target band `(lo, hi)`, drawn behind the lines.
    pub band: Option<(f64, f64)>,
    /// Fixed y range (e.g. `(0.0, 1.0)` for fractions); values outside are drawn at the edge.
    /// `None`: the range fits the data, target and band, widened to nice ticks.
    pub y_range: Option<(f64, f64)>,
    /// What the categories are, plural, for the description (default "periods").
    pub noun: String,
}

impl LineSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        LineSpec {
            id: id.into(),
            title: title.into(),
            width: 640.0,
            height: 240.0,
            labels: Vec::new(),
            series: Vec::new(),
            target: None,
            band: None,
            y_range: None,
            noun: "periods".into(),
        }
    }
}

/// Category labels padded to cover the longest value list.
pub(crate) fn padded_labels(labels: &[String], lens: impl Iterator<Item = usize>) -> Vec<String> {
    let n = lens.fold(labels.len(), usize::max);
    let mut out = labels.to_vec();
    out.resize(n, String::new());
    out
}

/// The last finite value of a series with its index.
pub(crate) fn last_value(values: &[Option<f64>]) -> Option<(usize, f64)> {
    values
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, v)| v.filter(|x| x.is_finite()).map(|x| (i, x)))
}

/// Renders a line chart.
pub fn line(spec: &LineSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (640.0, 240.0), (120.0, 80.0));
    let labels = padded_labels(&spec.labels, spec.series.iter().map(|s| s.values.len()));
    let n = labels.len();
    let band = clean_range(spec.band).or_else(|| {
        // a band with lo == hi is still a target; keep it as a line-thin band
        let (a, b) = spec.band?;
        let a = clean(Some(a))?;
        (clean(Some(b)) == Some(a)).then_some((a, a))
    });
    let target = clean(spec.target);
    let fixed = clean_range(spec.y_range);
    let data = extent(
        spec.series
            .iter()
            .flat_map(|s| s.values.iter().take(n).copied()),
    );

    let desc = describe(spec, &labels, data.is_some(), target, band, fmt);
    let mut w = Svg::new();
    begin(&mut w, &id, "line", &spec.title, &desc, width, height);

    let items: Vec<LegendItem> = if spec.series.len() > 1 {
        spec.series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendItem {
                swatch: Swatch::Series(i),
                label: s.name.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let (pos, rows) = legend_layout(&items, 8.0, width - 8.0);
    let legend_h = legend_height(rows);

    let (domain, extend) = match fixed {
        Some(r) => (r, false),
        None => {
            let extra = [target, band.map(|b| b.0), band.map(|b| b.1)];
            let all = extent(
                data.into_iter()
                    .flat_map(|(a, b)| [Some(a), Some(b)])
                    .chain(extra),
            );
            (all.unwrap_or((0.0, 1.0)), true)
        }
    };
    let plot = Plot::layout(
        &PlotSpec {
            width,
            height,
            top: legend_h,
            right: 0.0,
            labels: &labels,
            domain,
            extend,
            rotate: false,
        },
        fmt,
    );
    draw_legend(&mut w, &id, &items, &pos, 4.0);
    plot.draw_value_axis(&mut w, fmt);

    if let Some((lo, hi)) = band {
        let (ya, yb) = (plot.y.map(hi), plot.y.map(lo));
        w.tag("rect")
            .attr("class", "band")
            .rect(plot.x0, ya, plot.x1 - plot.x0, (yb - ya).max(1.0))
            .attr("fill", css::BAND)
            .open();
        w.title(&format!("target band {} – {}", fmt(lo), fmt(hi)));
        w.close();
        w.newline();
    }
    plot.draw_target(&mut w, target, fmt);

    if data.is_none() {
        empty_note(&mut w, plot.x0, plot.y0, plot.x1, plot.y1);
    }
    let r = (plot.step() * 0.25).clamp(1.5, 3.5);
    for (si, s) in spec.series.iter().enumerate() {
        let ci = si % css::SERIES.len();
        let colour = css::SERIES[ci];
        let points: Vec<Option<(f64, f64)>> = (0..n)
            .map(|i| clean(s.values.get(i).copied().flatten()).map(|v| (plot.cx(i), plot.y.map(v))))
            .collect();
        w.tag("g")
            .attr("class", &format!("series s{ci}"))
            .attr("fill", colour)
            .attr("stroke", colour)
            .open();
        let d = segments(&points);
        if !d.is_empty() {
            w.tag("path")
                .attr("class", &format!("line s{ci}"))
                .attr("d", d.as_str())
                .attr("fill", "none")
                .num("stroke-width", 2.0)
                .attr("stroke-linejoin", "round")
                .attr_opt("stroke-dasharray", css::DASHES[ci])
                .end();
        }
        w.tag("g").attr("class", &format!("pts s{ci}")).open();
        for (i, p) in points.iter().enumerate() {
            let (Some((x, y)), Some(v)) = (p, s.values.get(i).copied().flatten()) else {
                continue;
            };
            marker_open(&mut w, si, *x, *y, r);
            let who = if spec.series.len() > 1 {
                format!("{} — ", truncate(&s.name, 60))
            } else {
                String::new()
            };
            w.title(&format!("{who}{}: {}", truncate(&labels[i], 60), fmt(v)));
            w.close();
        }
        w.close();
        w.close();
        w.newline();
    }
    plot.draw_category_axis(&mut w, &labels);
    w.finish()
}

/// Path data for runs of consecutive points: each run starts with `M`, so a gap breaks the line.
pub(crate) fn segments(points: &[Option<(f64, f64)>]) -> PathData {
    let mut d = PathData::new();
    let mut pen_down = false;
    for p in points {
        match p {
            Some((x, y)) if pen_down => {
                d.l(*x, *y);
            }
            Some((x, y)) => {
                d.m(*x, *y);
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    d
}

fn describe(
    spec: &LineSpec,
    labels: &[String],
    has_data: bool,
    target: Option<f64>,
    band: Option<(f64, f64)>,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let mut parts = vec![format!(
        "{}{}",
        count_noun(labels.len(), &spec.noun),
        span_text(labels)
    )];
    if !has_data {
        parts.push("no data".into());
    } else if spec.series.len() == 1 {
        if let Some((_, v)) =
            last_value(&spec.series[0].values[..spec.series[0].values.len().min(labels.len())])
        {
            parts.push(format!("last {}", fmt(v)));
        }
    } else {
        let lasts: Vec<String> = spec
            .series
            .iter()
            .map(|s| {
                let vals = &s.values[..s.values.len().min(labels.len())];
                match last_value(vals) {
                    Some((_, v)) => format!("{} last {}", truncate(&s.name, 40), fmt(v)),
                    None => format!("{} no data", truncate(&s.name, 40)),
                }
            })
            .collect();
        parts.push(lasts.join(", "));
    }
    if let Some(t) = target {
        parts.push(format!("target {}", fmt(t)));
    }
    if let Some((lo, hi)) = band {
        parts.push(format!("target band {} – {}", fmt(lo), fmt(hi)));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(v: f64) -> String {
        format!("{:.1} %", v * 100.0)
    }

    #[test]
    fn a_gap_breaks_the_line_and_has_no_point() {
        let mut s = LineSpec::new("g", "Gap");
        s.labels = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        s.series = vec![Series::new(
            "x",
            vec![Some(1.0), Some(2.0), None, Some(3.0), Some(2.5)],
        )];
        let svg = line(&s, &|v| format!("{v}"));
        let d = svg
            .split("class=\"line s0\" d=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("");
        assert_eq!(d.matches('M').count(), 2, "{d}");
        assert_eq!(d.matches('L').count(), 2, "{d}");
        assert_eq!(svg.matches("<circle class=\"pt\"").count(), 4);
        assert!(!svg.contains("<title>c:"));
        assert!(svg.contains("<title>d: 3</title>"));
    }

    #[test]
    fn description_names_span_last_and_target() {
        let mut s = LineSpec::new("sl", "Service level");
        s.labels = [
            "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
        ]
        .map(String::from)
        .to_vec();
        s.series = vec![Series::new(
            "SL",
            vec![
                Some(0.79),
                Some(0.82),
                None,
                Some(0.8),
                Some(0.83),
                Some(0.848),
            ],
        )];
        s.target = Some(0.8);
        let svg = line(&s, &pct);
        assert!(svg.contains("<desc id=\"sl-desc\">6 periods from 2025-06 to 2025-11; last 84.8 %; target 80.0 %</desc>"), "{svg}");
    }

    #[test]
    fn ticks_use_the_formatter() {
        let mut s = LineSpec::new("t", "Ticks");
        s.labels = vec!["a".into(), "b".into()];
        s.series = vec![Series::new("x", vec![Some(0.0), Some(0.87)])];
        let svg = line(&s, &pct);
        for t in ["0.0 %", "20.0 %", "40.0 %", "60.0 %", "80.0 %"] {
            assert!(svg.contains(&format!(">{t}</text>")), "tick {t} missing");
        }
    }

    #[test]
    fn clamp_keeps_points_inside() {
        let mut s = LineSpec::new("c", "Clamp");
        s.labels = vec!["a".into(), "b".into()];
        s.series = vec![Series::new("x", vec![Some(-5.0), Some(7.0)])];
        s.y_range = Some((0.0, 1.0));
        let svg = line(&s, &pct);
        // tooltips keep the real values
        assert!(svg.contains("b: 700.0 %"));
    }
}
