//! Judging an SLA version on one measurement window: the achieved value (from the one KPI
//! definition in `kpi`), the volume that decides whether the window is measured, met or missed,
//! and the margin; and how a month's windows combine into the month's verdict.

use crate::contract::{Metric, SlaVersion};
use crate::kpi::{ratio, IntervalSums};
use serde::Serialize;

/// The achieved value of a metric over some sums and the volume it rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Measure {
    /// In the metric's unit (a fraction for rates, seconds for times, NPS points); `None` when
    /// undefined.
    pub achieved: Option<f64>,
    /// The metric's own base: offered for service level and abandonment, answered for ASA,
    /// handled for AHT, responses for CSAT/NPS, rated contacts for FCR, cases for case metrics.
    pub volume: i64,
}

/// The contact-centre metrics, computed by the KPI functions of `IntervalSums`; `None` for case
/// metrics, which are measured from case clocks ([`measure_cases`]).
pub fn measure(metric: &Metric, s: &IntervalSums) -> Option<Measure> {
    let (achieved, volume) = match metric {
        Metric::ServiceLevel { variant } => (s.service_level(*variant), s.offered),
        Metric::Asa => (s.asa_s(), s.answered),
        Metric::Aht => (s.aht_s(), s.handled),
        Metric::AbandonRate => (s.abandon_rate(), s.offered),
        Metric::Csat => (s.csat_top2_rate(), s.csat_responses),
        Metric::Nps => (s.nps(), s.nps_responses),
        Metric::Fcr => (s.fcr_rate(), s.fcr_rated),
        Metric::CaseFirstResponse { .. } | Metric::CaseResolution { .. } | Metric::BacklogAge => {
            return None
        }
    };
    Some(Measure { achieved, volume })
}

/// Case metrics over case clock results: the share of `cases` whose clock stayed within target
/// (a fraction), or for backlog age the oldest open case's age (seconds, `oldest_open_s`).
pub fn measure_cases(
    metric: &Metric,
    cases: i64,
    within: i64,
    oldest_open_s: Option<i64>,
) -> Option<Measure> {
    match metric {
        Metric::CaseFirstResponse { .. } | Metric::CaseResolution { .. } => Some(Measure {
            achieved: ratio(within, cases),
            volume: cases,
        }),
        Metric::BacklogAge => Some(Measure {
            achieved: oldest_open_s.map(|s| s as f64),
            volume: cases,
        }),
        _ => None,
    }
}

/// Why a window was not measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum NotMeasured {
    /// Volume under the SLA's minimum.
    BelowMinVolume { volume: i64, min_volume: i64 },
    /// The metric's denominator is zero (e.g. no survey responses).
    Undefined,
    /// Every day of the window is excluded.
    Excluded { reason: String },
    /// Nothing in the scope had data in the window.
    NoData,
    /// The data cannot answer the SLA as written (e.g. facts computed with another T).
    Unmeasurable { detail: String },
}

impl NotMeasured {
    pub fn describe(&self) -> String {
        match self {
            NotMeasured::BelowMinVolume { volume, min_volume } => {
                format!("below minimum volume ({volume} < {min_volume})")
            }
            NotMeasured::Undefined => "undefined (zero denominator)".into(),
            NotMeasured::Excluded { reason } => format!("excluded: {reason}"),
            NotMeasured::NoData => "no data".into(),
            NotMeasured::Unmeasurable { detail } => format!("not measurable: {detail}"),
        }
    }
}

/// The verdict on one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub achieved: Option<f64>,
    pub volume: i64,
    /// `None` when not measured.
    pub met: Option<bool>,
    /// Achieved minus target, positive on the good side; `None` when not measured.
    pub margin: Option<f64>,
    pub not_measured: Option<NotMeasured>,
}

impl Verdict {
    pub fn not_measured(why: NotMeasured, m: Option<Measure>) -> Verdict {
        Verdict {
            achieved: m.and_then(|m| m.achieved),
            volume: m.map_or(0, |m| m.volume),
            met: None,
            margin: None,
            not_measured: Some(why),
        }
    }
}

/// Judge a measure against an SLA version: below the minimum volume or undefined → not
/// measured; otherwise met or missed by the version's comparison.
pub fn judge(v: &SlaVersion, m: Measure) -> Verdict {
    if m.volume < v.min_volume {
        let why = NotMeasured::BelowMinVolume {
            volume: m.volume,
            min_volume: v.min_volume,
        };
        return Verdict::not_measured(why, Some(m));
    }
    match m.achieved {
        None if m.volume == 0 => Verdict::not_measured(NotMeasured::NoData, Some(m)),
        None => Verdict::not_measured(NotMeasured::Undefined, Some(m)),
        Some(a) => Verdict {
            achieved: Some(a),
            volume: m.volume,
            met: Some(v.comparison.met(a, v.target)),
            margin: Some(v.comparison.margin(a, v.target)),
            not_measured: None,
        },
    }
}

/// A month's verdict on an SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Missed,
    /// No window could be judged (volume under the minimum, undefined metric, excluded, not
    /// measurable from the facts).
    NotMeasured,
    /// Data is missing for part of the period (coverage under the contract's minimum): no
    /// verdict is given.
    InsufficientData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::Missed => "missed",
            Status::NotMeasured => "not_measured",
            Status::InsufficientData => "insufficient_data",
        }
    }
}

/// The verdict a period gets once its coverage is known: below `min_coverage` (or with no
/// open interval covered at all) it is `InsufficientData` whatever the windows say.
pub fn with_coverage(status: Status, coverage: Option<f64>, min_coverage: f64) -> Status {
    match coverage {
        Some(c) if c + 1e-12 < min_coverage => Status::InsufficientData,
        _ => status,
    }
}

/// Combine a month's windows: missed if any measured window missed, met if every measured
/// window met and at least one was measured, otherwise not measured.
pub fn month_status<'a>(windows: impl IntoIterator<Item = &'a Verdict>) -> Status {
    let mut any_met = false;
    for w in windows {
        match w.met {
            Some(false) => return Status::Missed,
            Some(true) => any_met = true,
            None => {}
        }
    }
    if any_met {
        Status::Met
    } else {
        Status::NotMeasured
    }
}
