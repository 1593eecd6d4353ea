//! The chart stylesheet ([`CHART_CSS`]) and the same colours as presentation-attribute defaults,
//! so a chart renders standalone and a page's stylesheet can still restyle it.
//!
//! Contrast on white (WCAG 2.x): text colours ≥ 4.5:1; series, status and stacked-segment
//! colours ≥ 3:1 (the series and status colours ≥ 4.5:1). Value labels sit on stacked segments
//! in white on the dark classes and in ink on the medium ones, ≥ 4.5:1 either way. The heatmap's
//! light classes are the exception WCAG cannot avoid for a sequential scale: its cells carry
//! their values in tooltips and the legend states each class's range.

/// Body text.
pub(crate) const INK: &str = "#1f2328";
/// Axis labels, secondary text, axis lines (6.4:1 on white).
pub(crate) const MUTED: &str = "#57606a";
/// Grid lines (decorative).
pub(crate) const GRID: &str = "#d8dee4";
/// Target band fill (decorative; the band is also named in the description).
pub(crate) const BAND: &str = "#dcefe0";
/// Line/bar series colours `s0…s5` (all ≥ 5:1 on white); distinguished without colour by dash
/// pattern and marker shape.
pub(crate) const SERIES: [&str; 6] = [
    "#0b5fa5", "#a64b00", "#1b7a3f", "#7b3f9e", "#00707a", "#a3246b",
];
/// Dash patterns of the series, `None` for solid.
pub(crate) const DASHES: [Option<&str>; 6] = [
    None,
    Some("6 3"),
    Some("2 2"),
    Some("8 3 2 3"),
    Some("4 2 1 2"),
    Some("1 3"),
];
/// Stacked-segment colours `k0…k5`: dark and medium tones alternate so that neighbouring
/// segments differ in lightness too (greyscale print).
pub(crate) const STACK: [&str; 6] = [
    "#0b5fa5", "#d97a00", "#1b5e3a", "#b07cc6", "#7a2e0e", "#3a9a9e",
];
/// Whether value text on stack class `k{i}` is white (dark fill) rather than ink.
pub(crate) fn stack_on_dark(i: usize) -> bool {
    i.is_multiple_of(2)
}
/// Heatmap classes `h0…h4`, light to dark (monotonic lightness, prints as a grey ramp).
pub(crate) const HEAT: [&str; 5] = ["#deebf7", "#9ecae1", "#4292c6", "#2171b5", "#08306b"];
/// Whether value text on heat class `h{i}` is white.
pub(crate) fn heat_on_dark(i: usize) -> bool {
    i >= 3
}
/// Status colours: met, at risk, missed, no data.
pub(crate) const MET: &str = "#1a7f37";
pub(crate) const AT_RISK: &str = "#9a6700";
pub(crate) const MISSED: &str = "#cf222e";
pub(crate) const NO_DATA: &str = "#6e7781";
/// Back edges (rework) in process graphs and the Pareto cumulative line.
pub(crate) const ACCENT: &str = "#a64b00";

/// Stylesheet for the charts' classes; include it once per page (it is scoped to `.odc`).
///
/// Elements filled with a status/no-data `<pattern>` take their colour from the pattern's
/// `.pbg` rectangle, so restyle `.pbg.missed`, not the bar: a `fill` rule on a patterned
/// element would replace its pattern.
pub const CHART_CSS: &str = r#".odc { max-width: 100%; height: auto; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 11px; }
.odc text { fill: #1f2328; }
.odc .tick, .odc .xlabel, .odc .empty, .odc .ncount, .odc .key-text.muted { fill: #57606a; }
.odc .grid { stroke: #d8dee4; }
.odc .axis, .odc .zero { stroke: #57606a; }
.odc .target { stroke: #1f2328; stroke-dasharray: 6 3; }
.odc .target-label, .odc .vlabel, .odc .elabel, .odc .nname { fill: #1f2328; }
.odc .band { fill: #dcefe0; }
.odc .s0 { fill: #0b5fa5; stroke: #0b5fa5; }
.odc .s1 { fill: #a64b00; stroke: #a64b00; }
.odc .s2 { fill: #1b7a3f; stroke: #1b7a3f; }
.odc .s3 { fill: #7b3f9e; stroke: #7b3f9e; }
.odc .s4 { fill: #00707a; stroke: #00707a; }
.odc .s5 { fill: #a3246b; stroke: #a3246b; }
.odc .line { fill: none; }
.odc .pt { stroke: #ffffff; }
.odc .k0 { fill: #0b5fa5; }
.odc .k1 { fill: #d97a00; }
.odc .k2 { fill: #1b5e3a; }
.odc .k3 { fill: #b07cc6; }
.odc .k4 { fill: #7a2e0e; }
.odc .k5 { fill: #3a9a9e; }
.odc .seg { stroke: #ffffff; }
.odc .vlabel.on-dark, .odc .hv.on-dark { fill: #ffffff; }
.odc .pbg.met { fill: #1a7f37; }
.odc .pbg.at-risk { fill: #9a6700; }
.odc .pbg.missed { fill: #cf222e; }
.odc .pbg.no-data { fill: #ffffff; }
.odc .ptex { fill: #ffffff; }
.odc .ptex-nd { stroke: #6e7781; }
.odc .bar.met { stroke: #1a7f37; }
.odc .bar.at-risk { stroke: #9a6700; }
.odc .bar.missed { stroke: #cf222e; }
.odc .bar.no-data, .odc .hna, .odc .key-box.no-data { stroke: #6e7781; }
.odc .na { fill: #57606a; }
.odc .h0 { fill: #deebf7; }
.odc .h1 { fill: #9ecae1; }
.odc .h2 { fill: #4292c6; }
.odc .h3 { fill: #2171b5; }
.odc .h4 { fill: #08306b; }
.odc .hv { fill: #1f2328; }
.odc .frame { fill: none; stroke: #57606a; }
.odc .cum { fill: none; stroke: #a64b00; }
.odc .cum-pt { fill: #a64b00; stroke: #ffffff; }
.odc .ref { stroke: #57606a; stroke-dasharray: 2 3; }
.odc .last { fill: #1f2328; }
.odc .node rect { fill: #ffffff; stroke: #1f2328; }
.odc .nname { font-weight: 600; }
.odc .edge { fill: none; stroke: #57606a; }
.odc .edge.back { stroke: #a64b00; stroke-dasharray: 5 3; }
.odc .arrow { fill: #57606a; }
.odc .arrow.back { fill: #a64b00; }
.odc .halo { paint-order: stroke; stroke: #ffffff; stroke-width: 3px; stroke-linejoin: round; }
@media print {
  .odc { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .odc text, .odc .target-label { fill: #000000; }
  .odc .vlabel.on-dark, .odc .hv.on-dark { fill: #ffffff; }
  .odc .grid { stroke: #c0c0c0; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheet_and_defaults_agree() {
        let all = [
            INK, MUTED, GRID, BAND, MET, AT_RISK, MISSED, NO_DATA, ACCENT,
        ];
        for c in all.iter().chain(&SERIES).chain(&STACK).chain(&HEAT) {
            assert!(CHART_CSS.contains(c), "{c} missing from CHART_CSS");
        }
        for (i, c) in SERIES.iter().enumerate() {
            assert!(CHART_CSS.contains(&format!(".odc .s{i} {{ fill: {c}; stroke: {c}; }}")));
        }
        for (i, c) in STACK.iter().enumerate() {
            assert!(CHART_CSS.contains(&format!(".odc .k{i} {{ fill: {c}; }}")));
        }
        for (i, c) in HEAT.iter().enumerate() {
            assert!(CHART_CSS.contains(&format!(".odc .h{i} {{ fill: {c}; }}")));
        }
    }

    /// WCAG relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let ch = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * ch(1) + 0.7152 * ch(3) + 0.0722 * ch(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    #[test]
    fn colours_meet_wcag_aa_on_white() {
        for c in [INK, MUTED] {
            assert!(contrast(c, "#ffffff") >= 4.5, "{c}");
        }
        for c in SERIES
            .iter()
            .chain(&[MET, AT_RISK, MISSED, NO_DATA, ACCENT])
        {
            assert!(contrast(c, "#ffffff") >= 4.5, "{c}");
        }
        for (i, c) in STACK.iter().enumerate() {
            assert!(contrast(c, "#ffffff") >= 3.0, "{c}");
            let text = if stack_on_dark(i) { "#ffffff" } else { INK };
            assert!(contrast(c, text) >= 4.5, "{c} with {text}");
        }
        for (i, c) in HEAT.iter().enumerate() {
            let text = if heat_on_dark(i) { "#ffffff" } else { INK };
            assert!(contrast(c, text) >= 4.5, "{c} with {text}");
        }
        // lightness must fall monotonically along the heat scale
        assert!(HEAT.windows(2).all(|w| luminance(w[0]) > luminance(w[1])));
    }
}
