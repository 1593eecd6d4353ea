//! Server-side charts as inline SVG strings, shared by the web dashboard and the PDF/HTML review
//! packs.
//!
//! Every chart is an `<svg role="img">` labelled by its `<title>` and a one-sentence `<desc>`
//! summary; element ids are prefixed with the spec's `id` (sanitised to `[A-Za-z0-9_-]`), so
//! several charts can share a page. Colours come from CSS classes (see [`CHART_CSS`]) with
//! presentation-attribute defaults for standalone use; status is also told by fill pattern and
//! words, series by dash and marker shape, so print and greyscale keep every distinction.
//! Values are written through the caller's formatter (`&dyn Fn(f64) -> String`), axis ticks sit
//! at 1, 2, 2.5 or 5 × 10^k. No input panics: missing, NaN and infinite values are gaps, labels
//! are escaped and shortened for display. Output is deterministic; coordinates carry at most
//! one decimal.
//!
//! ```
//! use opsdeck_report::chart::{line, LineSpec, Series};
//!
//! let mut spec = LineSpec::new("sl", "Service level");
//! spec.labels = vec!["2025-10".into(), "2025-11".into()];
//! spec.series = vec![Series::new("SL", vec![Some(0.81), Some(0.848)])];
//! spec.target = Some(0.8);
//! spec.y_range = Some((0.0, 1.0));
//! let svg = line(&spec, &|v| format!("{:.1} %", v * 100.0));
//! assert!(svg.contains("last 84.8 %"));
//! ```

mod bars;
mod common;
mod css;
mod dfg;
mod heatmap;
mod line;
mod pareto;
mod scale;
mod sparkline;
mod svg;

pub use bars::{bars, stacked_bars, Bar, BarSpec, StackedSpec};
pub use css::CHART_CSS;
pub use dfg::{dfg, DfgEdge, DfgNode, DfgSpec, Direction};
pub use heatmap::{heatmap, HeatmapSpec};
pub use line::{line, LineSpec};
pub use pareto::{pareto, ParetoSpec};
pub use sparkline::{sparkline, SparklineSpec};
/// XML / HTML escaping, one for the charts and the tables.
pub(crate) use svg::escape_into;

/// Performance against a target, drawn by class, pattern and words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// Target met: solid fill, class `met`.
    Met,
    /// Close to missing: dotted fill, class `at-risk`.
    AtRisk,
    /// Target missed: hatched fill, class `missed`.
    Missed,
    /// Too little data to judge: cross-hatched white fill, class `no-data`.
    NoData,
}

impl Status {
    /// The CSS class and pattern-id suffix.
    pub fn class(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::AtRisk => "at-risk",
            Status::Missed => "missed",
            Status::NoData => "no-data",
        }
    }

    /// Words for legends, tooltips and descriptions.
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::AtRisk => "at risk",
            Status::Missed => "missed",
            Status::NoData => "no data",
        }
    }

    pub(crate) const ALL: [Status; 4] =
        [Status::Met, Status::AtRisk, Status::Missed, Status::NoData];
}

/// One named series of values over the chart's categories; `None` is a gap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

impl Series {
    pub fn new(name: impl Into<String>, values: Vec<Option<f64>>) -> Self {
        Series {
            name: name.into(),
            values,
        }
    }
}
