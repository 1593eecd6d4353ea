//! Pieces every chart shares: the `<svg>` root with title and description, status patterns,
//! the cartesian plot frame (value axis, category axis with thinned or rotated labels), legends,
//! target lines and the "no data" note.

use super::css;
use super::scale::{nice_ticks, Linear, Ticks};
use super::svg::{chars_fitting, num, text_width, truncate, Svg, MAX_TEXT};
use super::Status;

/// Font size of all chart text, px.
pub(crate) const FONT: f64 = 11.0;
/// Height of one legend row, px.
const LEGEND_ROW: f64 = 16.0;

/// Chart dimensions: the requested size if usable, else the default; clamped to sane limits.
pub(crate) fn dims(w: f64, h: f64, default: (f64, f64), min: (f64, f64)) -> (f64, f64) {
    let pick = |v: f64, d: f64, lo: f64| {
        if v.is_finite() && v > 0.0 {
            v.clamp(lo, 10_000.0)
        } else {
            d
        }
    };
    (
        pick(w, default.0, min.0).round(),
        pick(h, default.1, min.1).round(),
    )
}

/// Opens the `<svg>` root with its `<title>` and `<desc>` (ids `{id}-title`, `{id}-desc`).
pub(crate) fn begin(
    w: &mut Svg,
    id: &str,
    kind: &str,
    title: &str,
    desc: &str,
    width: f64,
    height: f64,
) {
    begin_scaled(w, id, kind, title, desc, (width, height), (width, height));
}

/// [`begin`] with a display size (`width`/`height` attributes) other than the drawing's
/// (`viewBox`).
pub(crate) fn begin_scaled(
    w: &mut Svg,
    id: &str,
    kind: &str,
    title: &str,
    desc: &str,
    view: (f64, f64),
    display: (f64, f64),
) {
    let view = format!("0 0 {} {}", num(view.0), num(view.1));
    w.tag("svg")
        .attr("xmlns", "http://www.w3.org/2000/svg")
        .attr("viewBox", &view)
        .num("width", display.0)
        .num("height", display.1)
        .attr("role", "img")
        .attr("aria-labelledby", &format!("{id}-title {id}-desc"))
        .attr("class", &format!("odc odc-{kind}"))
        .attr("font-family", "system-ui, sans-serif")
        .num("font-size", FONT)
        .open();
    w.newline();
    w.tag("title")
        .attr("id", &format!("{id}-title"))
        .text(&truncate(title, MAX_TEXT));
    w.tag("desc")
        .attr("id", &format!("{id}-desc"))
        .text(&truncate(desc, 4 * MAX_TEXT));
    w.newline();
}

/// `{id}-p-{class}`: the id of a status's fill pattern.
pub(crate) fn pattern_id(id: &str, s: Status) -> String {
    format!("{id}-p-{}", s.class())
}

/// `url(#…)` of a status's fill pattern.
pub(crate) fn pattern_url(id: &str, s: Status) -> String {
    format!("url(#{})", pattern_id(id, s))
}

/// Writes a `<pattern>` per status in `used` (inside an open `<defs>`): met solid, at risk dots,
/// missed diagonal hatching, no data diagonal cross-hatching on white. The colour sits on the
/// pattern's `.pbg` rectangle, the texture (`.ptex`) is white, so print and greyscale keep the
/// distinction.
pub(crate) fn status_patterns(w: &mut Svg, id: &str, used: &[Status]) {
    for &s in Status::ALL.iter().filter(|s| used.contains(s)) {
        let (bg, size, rotate) = match s {
            Status::Met => (css::MET, 8.0, false),
            Status::AtRisk => (css::AT_RISK, 6.0, false),
            Status::Missed => (css::MISSED, 6.0, true),
            Status::NoData => ("#ffffff", 6.0, true),
        };
        w.tag("pattern")
            .attr("id", &pattern_id(id, s))
            .attr("patternUnits", "userSpaceOnUse")
            .num("width", size)
            .num("height", size)
            .attr_opt("patternTransform", rotate.then_some("rotate(45)"))
            .open();
        w.tag("rect")
            .attr("class", &format!("pbg {}", s.class()))
            .rect(0.0, 0.0, size, size)
            .attr("fill", bg)
            .end();
        match s {
            Status::Met => {}
            Status::AtRisk => w
                .tag("circle")
                .attr("class", "ptex")
                .num("cx", 3.0)
                .num("cy", 3.0)
                .num("r", 1.3)
                .attr("fill", "#ffffff")
                .end(),
            Status::Missed => w
                .tag("rect")
                .attr("class", "ptex")
                .rect(0.0, 0.0, 2.5, size)
                .attr("fill", "#ffffff")
                .end(),
            Status::NoData => w
                .tag("path")
                .attr("class", "ptex-nd")
                .attr("d", "M3,0 L3,6 M0,3 L6,3")
                .attr("stroke", css::NO_DATA)
                .num("stroke-width", 1.0)
                .end(),
        }
        w.close();
    }
}

/// How category labels are written under a plot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum LabelMode {
    /// Horizontal, every `every`-th label, at most `chars` characters.
    Flat { every: usize, chars: usize },
    /// Rotated by −45°, every `every`-th label, at most `chars` characters.
    Rotated { every: usize, chars: usize },
}

impl LabelMode {
    fn every(self) -> usize {
        match self {
            LabelMode::Flat { every, .. } | LabelMode::Rotated { every, .. } => every.max(1),
        }
    }

    /// Height needed under the plot.
    fn height(self) -> f64 {
        match self {
            LabelMode::Flat { .. } => 20.0,
            LabelMode::Rotated { chars, .. } => {
                14.0 + chars as f64 * super::svg::char_width(FONT) * 0.71
            }
        }
    }
}

/// Picks the label mode for `labels` on bands `step` px wide: all flat if they fit; rotated
/// (if allowed) when bands are tall enough for a line of text; otherwise thinned.
pub(crate) fn label_mode(labels: &[String], step: f64, rotate: bool) -> LabelMode {
    let longest = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let need = text_width(&"x".repeat(longest), FONT) + 6.0;
    let step = if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    };
    if need <= step {
        return LabelMode::Flat {
            every: 1,
            chars: longest.max(1),
        };
    }
    let line = FONT + 3.0;
    if rotate {
        let every = (line / step).ceil().max(1.0) as usize;
        return LabelMode::Rotated {
            every,
            chars: longest.clamp(1, 16),
        };
    }
    let every = (need / step).ceil().clamp(1.0, 1e6) as usize;
    let chars = chars_fitting(every as f64 * step - 6.0, FONT)
        .min(longest)
        .max(1);
    LabelMode::Flat { every, chars }
}

/// A laid-out cartesian plot: the plot area in pixels, the value scale and the category bands.
pub(crate) struct Plot {
    pub(crate) x0: f64,
    pub(crate) x1: f64,
    pub(crate) y0: f64,
    pub(crate) y1: f64,
    pub(crate) y: Linear,
    pub(crate) ticks: Ticks,
    pub(crate) n: usize,
    pub(crate) mode: LabelMode,
}

/// What [`Plot::layout`] needs.
pub(crate) struct PlotSpec<'a> {
    pub(crate) width: f64,
    pub(crate) height: f64,
    /// Space above the plot (legend), px.
    pub(crate) top: f64,
    /// Space right of the plot (a right axis), px.
    pub(crate) right: f64,
    pub(crate) labels: &'a [String],
    /// Value domain to cover.
    pub(crate) domain: (f64, f64),
    /// Grow the domain to nice ticks (auto ranges) or keep it (caller-fixed ranges).
    pub(crate) extend: bool,
    /// Whether crowded category labels may be rotated (names) rather than thinned (periods).
    pub(crate) rotate: bool,
}

impl Plot {
    pub(crate) fn layout(s: &PlotSpec<'_>, fmt: &dyn Fn(f64) -> String) -> Plot {
        // a legend above gets a little air before the first tick label
        let top = 8.0 + s.top + if s.top > 0.0 { 6.0 } else { 0.0 };
        let right = 12.0 + s.right;
        let n = s.labels.len();
        let mut bottom = 20.0;
        let mut left = 30.0;
        let mut ticks = nice_ticks(s.domain.0, s.domain.1, 4, s.extend);
        let mut mode = LabelMode::Flat { every: 1, chars: 1 };
        let mut left_fixed = false;
        for _ in 0..3 {
            let plot_h = (s.height - top - bottom).max(10.0);
            let target = (plot_h / 40.0).round().clamp(2.0, 8.0) as usize;
            ticks = nice_ticks(s.domain.0, s.domain.1, target, s.extend);
            let widest = ticks
                .values
                .iter()
                .map(|&v| text_width(&truncate(&fmt(v), 16), FONT))
                .fold(0.0, f64::max);
            if !left_fixed {
                left = (widest + 10.0).clamp(24.0, (s.width * 0.35).max(24.0));
            }
            let plot_w = (s.width - left - right).max(10.0);
            mode = label_mode(s.labels, plot_w / n.max(1) as f64, s.rotate);
            let need = mode.height().min((s.height * 0.45).max(20.0));
            if (need - bottom).abs() < 0.5 {
                break;
            }
            bottom = need;
            left_fixed = true;
        }
        let x0 = left;
        let x1 = (s.width - right).max(x0 + 10.0);
        let y0 = top;
        let y1 = (s.height - bottom).max(y0 + 10.0);
        let y = Linear::new((ticks.lo, ticks.hi), (y1, y0));
        Plot {
            x0,
            x1,
            y0,
            y1,
            y,
            ticks,
            n,
            mode,
        }
    }

    /// Width of one category band.
    pub(crate) fn step(&self) -> f64 {
        (self.x1 - self.x0) / self.n.max(1) as f64
    }

    /// Centre of category `i`.
    pub(crate) fn cx(&self, i: usize) -> f64 {
        self.x0 + (i as f64 + 0.5) * self.step()
    }

    /// Pixel y of the zero line, or of the domain edge nearest to zero.
    pub(crate) fn baseline(&self) -> f64 {
        self.y.map(0.0)
    }

    /// Grid lines, tick labels (through `fmt`), the zero line and the bottom axis line.
    pub(crate) fn draw_value_axis(&self, w: &mut Svg, fmt: &dyn Fn(f64) -> String) {
        w.tag("g").attr("class", "axis-y").open();
        for &v in &self.ticks.values {
            let y = self.y.map(v);
            w.tag("line")
                .attr("class", "grid")
                .line(self.x0, y, self.x1, y)
                .attr("stroke", css::GRID)
                .end();
            w.tag("text")
                .attr("class", "tick")
                .at(self.x0 - 5.0, y + 3.5)
                .attr("text-anchor", "end")
                .attr("fill", css::MUTED)
                .text(&truncate(&fmt(v), 16));
        }
        if self.ticks.lo < 0.0 && self.ticks.hi > 0.0 {
            let y = self.y.map(0.0);
            w.tag("line")
                .attr("class", "zero")
                .line(self.x0, y, self.x1, y)
                .attr("stroke", css::MUTED)
                .end();
        }
        w.tag("line")
            .attr("class", "axis")
            .line(self.x0, self.y1, self.x1, self.y1)
            .attr("stroke", css::MUTED)
            .end();
        w.close();
        w.newline();
    }

    /// The category labels under the plot, thinned or rotated per [`LabelMode`]; a shortened
    /// label carries its full text as a tooltip.
    pub(crate) fn draw_category_axis(&self, w: &mut Svg, labels: &[String]) {
        w.tag("g").attr("class", "axis-x").open();
        let every = self.mode.every();
        for (i, label) in labels.iter().enumerate() {
            if i % every != 0 {
                continue;
            }
            let x = self.cx(i);
            match self.mode {
                LabelMode::Flat { chars, .. } => {
                    w.tag("text")
                        .attr("class", "xlabel")
                        .at(x, self.y1 + 14.0)
                        .attr("text-anchor", "middle")
                        .attr("fill", css::MUTED)
                        .open();
                    label_content(w, label, chars);
                }
                LabelMode::Rotated { chars, .. } => {
                    let y = self.y1 + 10.0;
                    let rot = format!("rotate(-45 {} {})", num(x), num(y));
                    w.tag("text")
                        .attr("class", "xlabel")
                        .at(x + 3.0, y + 3.0)
                        .attr("text-anchor", "end")
                        .attr("transform", &rot)
                        .attr("fill", css::MUTED)
                        .open();
                    label_content(w, label, chars);
                }
            }
            w.close();
        }
        w.close();
        w.newline();
    }

    /// A horizontal target line across the plot with a label at its right end; nothing when the
    /// target is outside the drawn domain.
    pub(crate) fn draw_target(
        &self,
        w: &mut Svg,
        target: Option<f64>,
        fmt: &dyn Fn(f64) -> String,
    ) {
        let Some(t) = target.filter(|t| t.is_finite()) else {
            return;
        };
        if t < self.ticks.lo || t > self.ticks.hi {
            return;
        }
        let y = self.y.map(t);
        let label = format!("target {}", fmt(t));
        w.tag("g").attr("class", "target-group").open();
        w.tag("line")
            .attr("class", "target")
            .line(self.x0, y, self.x1, y)
            .attr("stroke", css::INK)
            .attr("stroke-dasharray", "6 3")
            .num("stroke-width", 1.2)
            .end();
        w.tag("text")
            .attr("class", "target-label halo")
            .at(self.x1 - 2.0, y - 4.0)
            .attr("text-anchor", "end")
            .attr("fill", css::INK)
            .text(&truncate(&label, 40));
        w.close();
        w.newline();
    }
}

/// Writes `label` shortened to `chars`, with the full label as a tooltip when shortened.
pub(crate) fn label_content(w: &mut Svg, label: &str, chars: usize) {
    let short = truncate(label, chars);
    w.content(&short);
    if short != label {
        w.title(label);
    }
}

/// What a legend key looks like.
pub(crate) enum Swatch {
    /// A line sample for series `i` (colour, dash and marker shape).
    Series(usize),
    /// A filled box with a CSS class and default fill (stacked segment, heat class).
    Fill { class: String, fill: String },
    /// A box filled with a status pattern.
    Status(Status),
}

/// One legend entry.
pub(crate) struct LegendItem {
    pub(crate) swatch: Swatch,
    pub(crate) label: String,
}

/// Positions (x, row) of legend items flowed left to right from `x0`, wrapping before `x_max`;
/// returns them and the number of rows.
pub(crate) fn legend_layout(
    items: &[LegendItem],
    x0: f64,
    x_max: f64,
) -> (Vec<(f64, usize)>, usize) {
    let mut out = Vec::with_capacity(items.len());
    let (mut x, mut row) = (x0, 0usize);
    for it in items {
        let wdt = legend_item_width(it);
        if x > x0 && x + wdt > x_max {
            x = x0;
            row += 1;
        }
        out.push((x, row));
        x += wdt + 12.0;
    }
    let rows = if items.is_empty() { 0 } else { row + 1 };
    (out, rows)
}

fn legend_item_width(it: &LegendItem) -> f64 {
    let key = match it.swatch {
        Swatch::Series(_) => 22.0,
        _ => 12.0,
    };
    key + 4.0 + text_width(&truncate(&it.label, 32), FONT)
}

/// Height a legend of `rows` rows takes.
pub(crate) fn legend_height(rows: usize) -> f64 {
    rows as f64 * LEGEND_ROW
}

/// Draws legend items at the positions from [`legend_layout`], rows starting at `y_top`.
pub(crate) fn draw_legend(
    w: &mut Svg,
    id: &str,
    items: &[LegendItem],
    pos: &[(f64, usize)],
    y_top: f64,
) {
    if items.is_empty() {
        return;
    }
    w.tag("g").attr("class", "legend").open();
    for (it, &(x, row)) in items.iter().zip(pos) {
        let cy = y_top + row as f64 * LEGEND_ROW + LEGEND_ROW / 2.0;
        let text_x = match &it.swatch {
            Swatch::Series(i) => {
                let i = i % css::SERIES.len();
                let c = css::SERIES[i];
                w.tag("g")
                    .attr("class", &format!("key s{i}"))
                    .attr("fill", c)
                    .attr("stroke", c)
                    .open();
                w.tag("path")
                    .attr("class", "line")
                    .attr(
                        "d",
                        &format!("M{},{} L{},{}", num(x), num(cy), num(x + 22.0), num(cy)),
                    )
                    .attr("fill", "none")
                    .num("stroke-width", 2.0)
                    .attr_opt("stroke-dasharray", css::DASHES[i])
                    .end();
                marker(w, i, x + 11.0, cy, 3.0);
                w.close();
                x + 26.0
            }
            Swatch::Fill { class, fill } => {
                w.tag("rect")
                    .attr("class", &format!("key {class}"))
                    .rect(x, cy - 5.0, 12.0, 10.0)
                    .attr("fill", fill)
                    .end();
                x + 16.0
            }
            Swatch::Status(s) => {
                w.tag("rect")
                    .attr("class", &format!("key-box {}", s.class()))
                    .rect(x, cy - 5.0, 12.0, 10.0)
                    .attr("fill", &pattern_url(id, *s))
                    .attr("stroke", status_stroke(*s))
                    .end();
                x + 16.0
            }
        };
        w.tag("text")
            .attr("class", "key-text")
            .at(text_x, cy + 3.5)
            .attr("fill", css::INK)
            .open();
        label_content(w, &it.label, 32);
        w.close();
    }
    w.close();
    w.newline();
}

/// Default outline of a status shape.
pub(crate) fn status_stroke(s: Status) -> &'static str {
    match s {
        Status::Met => css::MET,
        Status::AtRisk => css::AT_RISK,
        Status::Missed => css::MISSED,
        Status::NoData => css::NO_DATA,
    }
}

/// A point marker of series `i`: circle, square, triangle, diamond, … (shape tells series apart
/// without colour). Self-closing; use [`marker_open`] to give it a tooltip.
pub(crate) fn marker(w: &mut Svg, i: usize, x: f64, y: f64, r: f64) {
    marker_tag(w, i, x, y, r).end();
}

/// A point marker left open for a `<title>` child; close it with [`Svg::close`].
pub(crate) fn marker_open(w: &mut Svg, i: usize, x: f64, y: f64, r: f64) {
    marker_tag(w, i, x, y, r).open();
}

fn marker_tag(w: &mut Svg, i: usize, x: f64, y: f64, r: f64) -> super::svg::Tag<'_> {
    match i % 4 {
        0 => w
            .tag("circle")
            .attr("class", "pt")
            .num("cx", x)
            .num("cy", y)
            .num("r", r),
        1 => w
            .tag("rect")
            .attr("class", "pt")
            .rect(x - r, y - r, 2.0 * r, 2.0 * r),
        2 => {
            let d = format!(
                "M{},{} L{},{} L{},{} Z",
                num(x),
                num(y - r * 1.2),
                num(x + r * 1.1),
                num(y + r * 0.8),
                num(x - r * 1.1),
                num(y + r * 0.8)
            );
            w.tag("path").attr("class", "pt").attr("d", &d)
        }
        _ => {
            let r = r * 1.25;
            let d = format!(
                "M{},{} L{},{} L{},{} L{},{} Z",
                num(x),
                num(y - r),
                num(x + r),
                num(y),
                num(x),
                num(y + r),
                num(x - r),
                num(y)
            );
            w.tag("path").attr("class", "pt").attr("d", &d)
        }
    }
    .attr("stroke", "#ffffff")
    .num("stroke-width", 0.8)
}

/// A muted "no data" note centred in the box.
pub(crate) fn empty_note(w: &mut Svg, x0: f64, y0: f64, x1: f64, y1: f64) {
    w.tag("text")
        .attr("class", "empty")
        .at((x0 + x1) / 2.0, (y0 + y1) / 2.0 + 4.0)
        .attr("text-anchor", "middle")
        .attr("fill", css::MUTED)
        .text("no data");
}

/// "a to b" for the first and last labels, or "a" for one, or "" for none.
pub(crate) fn span_text(labels: &[String]) -> String {
    match (labels.first(), labels.last()) {
        (Some(a), Some(b)) if labels.len() > 1 => {
            format!(" from {} to {}", truncate(a, 40), truncate(b, 40))
        }
        (Some(a), _) => format!(" ({})", truncate(a, 40)),
        _ => String::new(),
    }
}

/// `n noun` with a plain English plural (`1 period`, `2 periods`).
pub(crate) fn count_noun(n: usize, noun: &str) -> String {
    let noun = truncate(noun, 40);
    if n == 1 {
        let singular = noun.strip_suffix('s').unwrap_or(&noun);
        format!("1 {singular}")
    } else {
        format!("{n} {noun}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize, s: &str) -> Vec<String> {
        (0..n).map(|i| format!("{s}{i}")).collect()
    }

    #[test]
    fn labels_thin_or_rotate_when_crowded() {
        assert_eq!(
            label_mode(&labels(6, "2025-0"), 90.0, false),
            LabelMode::Flat { every: 1, chars: 7 }
        );
        match label_mode(&labels(48, "08:0"), 10.0, false) {
            LabelMode::Flat { every, .. } => assert!(every >= 4),
            m => panic!("{m:?}"),
        }
        match label_mode(&labels(10, "a long cause name "), 40.0, true) {
            LabelMode::Rotated { every: 1, chars } => assert_eq!(chars, 16),
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn plural_nouns() {
        assert_eq!(count_noun(1, "periods"), "1 period");
        assert_eq!(count_noun(3, "periods"), "3 periods");
    }
}
