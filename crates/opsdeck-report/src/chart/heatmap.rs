//! Heatmap: a rows × columns grid (e.g. weekday × interval of day) of optional values on a
//! five-class sequential scale (`h0`…`h4`, `hna` for no data) with a legend of the class ranges.

use super::common::{
    begin, dims, draw_legend, empty_note, label_content, label_mode, legend_height, legend_layout,
    pattern_url, status_patterns, status_stroke, LabelMode, LegendItem, Swatch, FONT,
};
use super::css;
use super::scale::{clean, extent};
use super::svg::{chars_fitting, sanitize_id, text_width, truncate, Svg};
use super::Status;

/// Number of colour classes.
const CLASSES: usize = 5;

/// A heatmap. Build with [`HeatmapSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapSpec {
    pub id: String,
    pub title: String,
    /// Size in px (default 640 × 240).
    pub width: f64,
    pub height: f64,
    /// Row labels, top to bottom (e.g. weekdays).
    pub rows: Vec<String>,
    /// Column labels, left to right (e.g. intervals); thinned when crowded.
    pub cols: Vec<String>,
    /// `values[row][col]`; missing rows/cells and NaN/inf are "no data".
    pub values: Vec<Vec<Option<f64>>>,
    /// The four class boundaries (ascending): class `h{k}` holds values with exactly `k`
    /// boundaries ≤ value. `None`: five equal-width classes between the data's min and max.
    pub breaks: Option<[f64; 4]>,
}

impl HeatmapSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        HeatmapSpec {
            id: id.into(),
            title: title.into(),
            width: 640.0,
            height: 240.0,
            rows: Vec::new(),
            cols: Vec::new(),
            values: Vec::new(),
            breaks: None,
        }
    }
}

/// How values map to classes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Classes {
    /// Every value is the same: one class, the middle one.
    Single(f64),
    /// Boundaries from data (min, max) or from the caller.
    Breaks {
        b: [f64; 4],
        lo: Option<f64>,
        hi: Option<f64>,
    },
}

impl Classes {
    pub(crate) fn new(breaks: Option<[f64; 4]>, data: Option<(f64, f64)>) -> Option<Classes> {
        if let Some(mut b) = breaks.filter(|b| b.iter().all(|v| v.is_finite())) {
            b.sort_by(f64::total_cmp);
            return Some(Classes::Breaks {
                b,
                lo: None,
                hi: None,
            });
        }
        let (lo, hi) = data?;
        if hi <= lo {
            return Some(Classes::Single(lo));
        }
        let step = (hi - lo) / CLASSES as f64;
        let b = [1.0, 2.0, 3.0, 4.0].map(|k| lo + k * step);
        Some(Classes::Breaks {
            b,
            lo: Some(lo),
            hi: Some(hi),
        })
    }

    /// Class index `0..5` of a value.
    pub(crate) fn class_of(&self, v: f64) -> usize {
        match self {
            Classes::Single(_) => CLASSES / 2,
            Classes::Breaks { b, .. } => b.iter().filter(|&&x| v >= x).count(),
        }
    }

    /// Legend entries: (class index, range text).
    fn legend(&self, fmt: &dyn Fn(f64) -> String) -> Vec<(usize, String)> {
        match *self {
            Classes::Single(v) => vec![(CLASSES / 2, fmt(v))],
            Classes::Breaks { b, lo, hi } => (0..CLASSES)
                .map(|k| {
                    let text = match (k, lo, hi) {
                        (0, Some(lo), _) => format!("{} – {}", fmt(lo), fmt(b[0])),
                        (0, None, _) => format!("< {}", fmt(b[0])),
                        (4, _, Some(hi)) => format!("{} – {}", fmt(b[3]), fmt(hi)),
                        (4, _, None) => format!("≥ {}", fmt(b[3])),
                        (k, _, _) => format!("{} – {}", fmt(b[k - 1]), fmt(b[k])),
                    };
                    (k, text)
                })
                .collect(),
        }
    }
}

/// Renders a heatmap.
pub fn heatmap(spec: &HeatmapSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let (width, height) = dims(spec.width, spec.height, (640.0, 240.0), (120.0, 80.0));
    let nr = spec.rows.len().max(spec.values.len());
    let nc = spec
        .values
        .iter()
        .map(Vec::len)
        .fold(spec.cols.len(), usize::max);
    let mut rows = spec.rows.clone();
    rows.resize(nr, String::new());
    let mut cols = spec.cols.clone();
    cols.resize(nc, String::new());
    let raw = |r: usize, c: usize| {
        spec.values
            .get(r)
            .and_then(|row| row.get(c))
            .copied()
            .flatten()
    };
    let cell = |r: usize, c: usize| clean(raw(r, c));
    let data = extent(
        (0..nr)
            .flat_map(|r| (0..nc).map(move |c| (r, c)))
            .map(|(r, c)| cell(r, c)),
    );
    let missing = nr * nc
        - (0..nr)
            .flat_map(|r| (0..nc).map(move |c| (r, c)))
            .filter(|&(r, c)| cell(r, c).is_some())
            .count();
    let classes = Classes::new(spec.breaks, data);

    let desc = describe(&rows, &cols, data, missing, fmt, &raw);
    let mut w = Svg::new();
    begin(&mut w, &id, "heatmap", &spec.title, &desc, width, height);
    if missing > 0 {
        w.tag("defs").open();
        status_patterns(&mut w, &id, &[Status::NoData]);
        w.close();
        w.newline();
    }

    // legend at the bottom
    let mut items: Vec<LegendItem> = classes
        .map(|c| c.legend(fmt))
        .unwrap_or_default()
        .into_iter()
        .map(|(k, text)| LegendItem {
            swatch: Swatch::Fill {
                class: format!("h{k}"),
                fill: css::HEAT[k].into(),
            },
            label: text,
        })
        .collect();
    if missing > 0 {
        items.push(LegendItem {
            swatch: Swatch::Status(Status::NoData),
            label: "no data".into(),
        });
    }
    let (pos, legend_rows) = legend_layout(&items, 8.0, width - 8.0);
    let legend_h = legend_height(legend_rows);

    let row_chars = rows
        .iter()
        .map(|r| r.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let left = (text_width(&"x".repeat(row_chars), FONT) + 12.0).clamp(12.0, width * 0.3);
    let (x0, x1) = (left, width - 8.0);
    let y0 = 8.0;
    let y1 = (height - legend_h - 6.0 - 18.0).max(y0 + 10.0);
    if nr == 0 || nc == 0 {
        empty_note(&mut w, x0, y0, x1, y1);
        draw_legend(&mut w, &id, &items, &pos, height - legend_h - 4.0);
        return w.finish();
    }
    let cw = (x1 - x0) / nc as f64;
    let ch = (y1 - y0) / nr as f64;

    // cells
    w.tag("g")
        .attr("class", "cells")
        .attr("stroke", "#ffffff")
        .num(
            "stroke-width",
            if cw >= 4.0 && ch >= 4.0 { 1.0 } else { 0.0 },
        )
        .open();
    for (r, row) in rows.iter().enumerate() {
        for (c, col) in cols.iter().enumerate() {
            let (x, y) = (x0 + c as f64 * cw, y0 + r as f64 * ch);
            let tip = format!("{} · {}", truncate(row, 60), truncate(col, 60));
            match (cell(r, c), classes) {
                (Some(v), Some(cl)) => {
                    let k = cl.class_of(v);
                    w.tag("rect")
                        .attr("class", &format!("h{k}"))
                        .rect(x, y, cw, ch)
                        .attr("fill", css::HEAT[k])
                        .open();
                    let shown = raw(r, c).unwrap_or(v);
                    w.title(&format!("{tip}: {}", fmt(shown)));
                    w.close();
                    let text = fmt(shown);
                    if ch >= FONT + 2.0 && text_width(&text, FONT) + 4.0 <= cw {
                        let dark = css::heat_on_dark(k);
                        w.tag("text")
                            .attr("class", if dark { "hv on-dark" } else { "hv" })
                            .at(x + cw / 2.0, y + ch / 2.0 + 3.5)
                            .attr("text-anchor", "middle")
                            .attr("fill", if dark { "#ffffff" } else { css::INK })
                            .attr("stroke", "none")
                            .text(&text);
                    }
                }
                _ => {
                    w.tag("rect")
                        .attr("class", "hna")
                        .rect(x, y, cw, ch)
                        .attr("fill", &pattern_url(&id, Status::NoData))
                        .attr("stroke", status_stroke(Status::NoData))
                        .num("stroke-width", 0.5)
                        .open();
                    w.title(&format!("{tip}: no data"));
                    w.close();
                }
            }
        }
    }
    w.close();
    w.tag("rect")
        .attr("class", "frame")
        .rect(x0, y0, x1 - x0, y1 - y0)
        .attr("fill", "none")
        .attr("stroke", css::MUTED)
        .num("stroke-width", 0.5)
        .end();
    w.newline();

    // row labels, thinned when rows are shorter than a line of text
    let every_row = ((FONT + 1.0) / ch).ceil().max(1.0) as usize;
    let row_fit = chars_fitting(left - 10.0, FONT);
    w.tag("g").attr("class", "axis-y").open();
    for (r, label) in rows.iter().enumerate().filter(|(r, _)| r % every_row == 0) {
        w.tag("text")
            .attr("class", "tick")
            .at(x0 - 5.0, y0 + (r as f64 + 0.5) * ch + 3.5)
            .attr("text-anchor", "end")
            .attr("fill", css::MUTED)
            .open();
        label_content(&mut w, label, row_fit);
        w.close();
    }
    w.close();
    // column labels
    let (every, chars) = match label_mode(&cols, cw, false) {
        LabelMode::Flat { every, chars } | LabelMode::Rotated { every, chars } => {
            (every.max(1), chars)
        }
    };
    w.tag("g").attr("class", "axis-x").open();
    for (c, label) in cols.iter().enumerate().filter(|(c, _)| c % every == 0) {
        let x = x0 + c as f64 * cw;
        // labels of thinned columns start at their column's left edge (interval start)
        let (tx, anchor) = if every > 1 {
            (x, "start")
        } else {
            (x + cw / 2.0, "middle")
        };
        w.tag("text")
            .attr("class", "xlabel")
            .at(tx, y1 + 13.0)
            .attr("text-anchor", anchor)
            .attr("fill", css::MUTED)
            .open();
        label_content(&mut w, label, chars);
        w.close();
    }
    w.close();
    w.newline();
    draw_legend(&mut w, &id, &items, &pos, height - legend_h - 4.0);
    w.finish()
}

fn describe(
    rows: &[String],
    cols: &[String],
    data: Option<(f64, f64)>,
    missing: usize,
    fmt: &dyn Fn(f64) -> String,
    raw: &dyn Fn(usize, usize) -> Option<f64>,
) -> String {
    let mut parts = vec![format!("{} rows × {} columns", rows.len(), cols.len())];
    if data.is_none() {
        parts.push("no data".into());
        return parts.join("; ");
    }
    // the highest finite value, first in row-major order
    let mut best: Option<(f64, usize, usize)> = None;
    let mut low: Option<f64> = None;
    for r in 0..rows.len() {
        for c in 0..cols.len() {
            let Some(v) = raw(r, c).filter(|v| v.is_finite()) else {
                continue;
            };
            if best.is_none_or(|(b, _, _)| v > b) {
                best = Some((v, r, c));
            }
            if low.is_none_or(|l| v < l) {
                low = Some(v);
            }
        }
    }
    if let (Some((hi, r, c)), Some(lo)) = (best, low) {
        parts.push(format!("values from {} to {}", fmt(lo), fmt(hi)));
        parts.push(format!(
            "highest at {} {}",
            truncate(&rows[r], 40),
            truncate(&cols[c], 40)
        ));
    }
    if missing > 0 {
        parts.push(format!("{missing} cells without data"));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_boundaries_belong_to_the_upper_class() {
        let c = Classes::new(None, Some((0.0, 10.0))).expect("classes");
        assert_eq!(c.class_of(0.0), 0);
        assert_eq!(c.class_of(1.999), 0);
        assert_eq!(c.class_of(2.0), 1);
        assert_eq!(c.class_of(4.0), 2);
        assert_eq!(c.class_of(6.0), 3);
        assert_eq!(c.class_of(7.999), 3);
        assert_eq!(c.class_of(8.0), 4);
        assert_eq!(c.class_of(10.0), 4);
        let c = Classes::new(Some([0.95, 0.6, 0.75, 0.85]), None).expect("classes");
        assert_eq!(c.class_of(0.5), 0);
        assert_eq!(c.class_of(0.6), 1);
        assert_eq!(c.class_of(0.85), 3);
        assert_eq!(c.class_of(1.2), 4);
        assert_eq!(
            Classes::new(None, Some((3.0, 3.0))).map(|c| c.class_of(3.0)),
            Some(2)
        );
        assert_eq!(Classes::new(Some([f64::NAN, 1.0, 2.0, 3.0]), None), None);
    }

    #[test]
    fn cells_get_classes_and_tooltips() {
        let mut s = HeatmapSpec::new("hm", "Occupancy");
        s.rows = vec!["Mon".into(), "Tue".into()];
        s.cols = vec!["08:00".into(), "08:30".into(), "09:00".into()];
        s.values = vec![
            vec![Some(0.0), Some(2.0), Some(10.0)],
            vec![Some(8.0), None],
        ];
        let svg = heatmap(&s, &|v| format!("{v:.1}"));
        assert!(svg.contains("<rect class=\"h0\""));
        assert!(svg.contains("<rect class=\"h1\""));
        assert_eq!(svg.matches("<rect class=\"h4\"").count(), 2);
        assert_eq!(
            svg.matches("<rect class=\"hna\"").count(),
            2,
            "missing and ragged cells"
        );
        assert!(svg.contains("<title>Tue · 08:30: no data</title>"));
        assert!(svg.contains("<title>Mon · 09:00: 10.0</title>"));
        assert!(svg.contains(">0.0 – 2.0<"), "legend range");
        assert!(svg.contains("2 rows × 3 columns; values from 0.0 to 10.0; highest at Mon 09:00; 2 cells without data"));
    }
}
