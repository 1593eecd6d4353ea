//! Sparkline: a tiny line without axes for tables and tiles, gaps for missing values, the last
//! point marked, an optional target line.

use super::common::{begin, count_noun, dims};
use super::css;
use super::line::{last_value, segments};
use super::scale::{clean, extent, nice_ticks, Linear};
use super::svg::{sanitize_id, Svg};

/// Options of a sparkline (the values are passed to [`sparkline`] separately).
#[derive(Clone, Debug, PartialEq)]
pub struct SparklineSpec {
    pub id: String,
    /// Title (tooltip and accessible name), e.g. the KPI's name.
    pub title: String,
    /// Size in px (default 100 × 24).
    pub width: f64,
    pub height: f64,
    /// Dashed target line.
    pub target: Option<f64>,
    /// Fixed value range; `None` fits the values (and target).
    pub y_range: Option<(f64, f64)>,
}

impl SparklineSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        SparklineSpec {
            id: id.into(),
            title: title.into(),
            width: 100.0,
            height: 24.0,
            target: None,
            y_range: None,
        }
    }
}

/// Renders a sparkline of `values` (oldest first).
pub fn sparkline(
    values: &[Option<f64>],
    spec: &SparklineSpec,
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (100.0, 24.0), (20.0, 8.0));
    let target = clean(spec.target);
    let data = extent(values.iter().copied());
    let last = last_value(values);

    let mut parts = vec![count_noun(values.len(), "points")];
    match (last, data) {
        (Some((_, v)), Some((lo, hi))) => {
            parts.push(format!("last {}", fmt(v)));
            parts.push(format!("range {} to {}", fmt(lo), fmt(hi)));
        }
        _ => parts.push("no data".into()),
    }
    if let Some(t) = target {
        parts.push(format!("target {}", fmt(t)));
    }
    let desc = parts.join("; ");

    let mut w = Svg::new();
    begin(&mut w, &id, "spark", &spec.title, &desc, width, height);
    let (lo, hi) = match super::scale::clean_range(spec.y_range) {
        Some(r) => r,
        None => {
            let (a, b) = extent(
                data.into_iter()
                    .flat_map(|(a, b)| [Some(a), Some(b)])
                    .chain([target]),
            )
            .unwrap_or((0.0, 1.0));
            let t = nice_ticks(a, b, 2, false);
            (t.lo, t.hi)
        }
    };
    let pad = 3.0;
    let y = Linear::new((lo, hi), (height - pad, pad));
    let n = values.len();
    let x = |i: usize| {
        if n <= 1 {
            width / 2.0
        } else {
            pad + i as f64 * (width - 2.0 * pad) / (n - 1) as f64
        }
    };
    if let Some(t) = target {
        let ty = y.map(t);
        w.tag("line")
            .attr("class", "target")
            .line(0.0, ty, width, ty)
            .attr("stroke", css::MUTED)
            .attr("stroke-dasharray", "3 2")
            .num("stroke-width", 1.0)
            .end();
    }
    let points: Vec<Option<(f64, f64)>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| clean(*v).map(|v| (x(i), y.map(v))))
        .collect();
    let d = segments(&points);
    if !d.is_empty() {
        w.tag("path")
            .attr("class", "line s0")
            .attr("d", d.as_str())
            .attr("fill", "none")
            .attr("stroke", css::SERIES[0])
            .num("stroke-width", 1.5)
            .attr("stroke-linejoin", "round")
            .end();
    }
    // isolated points (no neighbour to draw a segment to) still show
    for (i, p) in points.iter().enumerate() {
        let alone = |j: Option<usize>| j.and_then(|j| points.get(j)).is_none_or(|q| q.is_none());
        if let Some((px, py)) = p {
            if alone(i.checked_sub(1)) && alone(Some(i + 1)) && Some(i) != last.map(|l| l.0) {
                w.tag("circle")
                    .attr("class", "pt s0")
                    .num("cx", *px)
                    .num("cy", *py)
                    .num("r", 1.2)
                    .attr("fill", css::SERIES[0])
                    .end();
            }
        }
    }
    if let Some((i, v)) = last {
        if let Some(Some((px, py))) = points.get(i) {
            w.tag("circle")
                .attr("class", "last")
                .num("cx", *px)
                .num("cy", *py)
                .num("r", 2.2)
                .attr("fill", css::INK)
                .open();
            w.title(&format!("{}: last {}", spec.title, fmt(v)));
            w.close();
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_point_is_marked_and_gaps_break() {
        let s = SparklineSpec {
            target: Some(0.8),
            ..SparklineSpec::new("sp", "SL")
        };
        let svg = sparkline(&[Some(0.7), None, Some(0.9), Some(0.85), None], &s, &|v| {
            format!("{:.0} %", v * 100.0)
        });
        assert!(svg.contains("class=\"last\""));
        assert!(svg.contains("<title>SL: last 85 %</title>"));
        assert!(svg.contains("5 points; last 85 %; range 70 % to 90 %; target 80 %"));
        assert_eq!(
            svg.matches("<circle class=\"pt s0\"").count(),
            1,
            "the isolated first point"
        );
        assert!(svg.contains("viewBox=\"0 0 100 24\""));
    }
}
