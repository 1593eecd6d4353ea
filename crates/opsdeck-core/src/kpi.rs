//! The one definition of each contact-centre KPI: additive interval sums and the ratios derived
//! from them on read. A ratio with a zero denominator is undefined (`None`), never 0 %.

use crate::contact::{ContactOutcome, Thresholds};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign};
use std::str::FromStr;

/// Additive components of one queue × interval (or of any roll-up of them). Every field is a
/// count or a sum of whole seconds, so any grouping is a plain sum and every ratio derived from
/// it is volume-weighted by construction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntervalSums {
    pub offered: i64,
    pub answered: i64,
    pub abandoned: i64,
    /// Abandoned with wait ≤ S.
    pub short_abandoned: i64,
    /// Answered with wait ≤ T.
    pub answered_within_t: i64,
    /// Abandoned with wait ≤ T.
    pub abandoned_within_t: i64,
    pub sum_wait_answered_s: i64,
    pub sum_wait_abandoned_s: i64,
    /// Contacts an agent handled (answered ones); the denominator of AHT.
    pub handled: i64,
    pub sum_talk_s: i64,
    pub sum_hold_s: i64,
    pub sum_acw_s: i64,
    pub transferred: i64,
    pub fcr_yes: i64,
    pub fcr_rated: i64,
    pub csat_responses: i64,
    pub csat_top2: i64,
    pub nps_responses: i64,
    pub nps_promoters: i64,
    pub nps_detractors: i64,
}

/// Field names in declaration order, as used by the fact files and the reference SQL.
pub const SUM_FIELDS: [&str; 20] = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "answered_within_t",
    "abandoned_within_t",
    "sum_wait_answered_s",
    "sum_wait_abandoned_s",
    "handled",
    "sum_talk_s",
    "sum_hold_s",
    "sum_acw_s",
    "transferred",
    "fcr_yes",
    "fcr_rated",
    "csat_responses",
    "csat_top2",
    "nps_responses",
    "nps_promoters",
    "nps_detractors",
];

impl IntervalSums {
    /// The fields as an array, in `SUM_FIELDS` order.
    pub fn to_array(&self) -> [i64; 20] {
        [
            self.offered,
            self.answered,
            self.abandoned,
            self.short_abandoned,
            self.answered_within_t,
            self.abandoned_within_t,
            self.sum_wait_answered_s,
            self.sum_wait_abandoned_s,
            self.handled,
            self.sum_talk_s,
            self.sum_hold_s,
            self.sum_acw_s,
            self.transferred,
            self.fcr_yes,
            self.fcr_rated,
            self.csat_responses,
            self.csat_top2,
            self.nps_responses,
            self.nps_promoters,
            self.nps_detractors,
        ]
    }

    /// The inverse of `to_array`.
    pub fn from_array(a: [i64; 20]) -> Self {
        IntervalSums {
            offered: a[0],
            answered: a[1],
            abandoned: a[2],
            short_abandoned: a[3],
            answered_within_t: a[4],
            abandoned_within_t: a[5],
            sum_wait_answered_s: a[6],
            sum_wait_abandoned_s: a[7],
            handled: a[8],
            sum_talk_s: a[9],
            sum_hold_s: a[10],
            sum_acw_s: a[11],
            transferred: a[12],
            fcr_yes: a[13],
            fcr_rated: a[14],
            csat_responses: a[15],
            csat_top2: a[16],
            nps_responses: a[17],
            nps_promoters: a[18],
            nps_detractors: a[19],
        }
    }

    /// Credit one contact to these sums (the arrival-interval rule is the caller's choice of
    /// which `IntervalSums` to add to).
    #[inline(always)]
    pub fn add_contact(&mut self, c: &ContactOutcome, t: Thresholds) {
        self.offered += 1;
        if c.answered {
            self.answered += 1;
            self.handled += 1;
            self.answered_within_t += i64::from(c.wait_s <= t.service_s);
            self.sum_wait_answered_s += c.wait_s;
            self.sum_talk_s += c.talk_s;
            self.sum_hold_s += c.hold_s;
            self.sum_acw_s += c.acw_s;
        } else {
            self.abandoned += 1;
            self.abandoned_within_t += i64::from(c.wait_s <= t.service_s);
            self.short_abandoned += i64::from(c.wait_s <= t.short_abandon_s);
            self.sum_wait_abandoned_s += c.wait_s;
        }
        if c.transferred == Some(true) {
            self.transferred += 1;
        }
        if let Some(f) = c.resolved_first_contact {
            self.fcr_rated += 1;
            self.fcr_yes += i64::from(f);
        }
        if let Some(s) = c.csat {
            self.csat_responses += 1;
            self.csat_top2 += i64::from(s >= 4);
        }
        if let Some(n) = c.nps {
            self.nps_responses += 1;
            self.nps_promoters += i64::from(n >= 9);
            self.nps_detractors += i64::from(n <= 6);
        }
    }

    /// Service level under the chosen variant (DOMAIN.md); a fraction 0..1.
    pub fn service_level(&self, v: SlVariant) -> Option<f64> {
        let (num, den) = match v {
            SlVariant::Offered => (self.answered_within_t, self.answered + self.abandoned),
            SlVariant::Answered => (self.answered_within_t, self.answered),
            SlVariant::AbandonsGood => (
                self.answered_within_t + self.abandoned_within_t,
                self.answered + self.abandoned,
            ),
            SlVariant::ExcludeAbandonsWithinT => (
                self.answered_within_t,
                self.answered + self.abandoned - self.abandoned_within_t,
            ),
            SlVariant::ExcludeShortAbandons => (
                self.answered_within_t,
                self.answered + self.abandoned - self.short_abandoned,
            ),
        };
        ratio(num, den)
    }

    /// Average speed of answer: total wait of answered contacts / answered, seconds.
    pub fn asa_s(&self) -> Option<f64> {
        ratio(self.sum_wait_answered_s, self.answered)
    }

    /// Mean wait of all offered contacts (answered and abandoned), seconds.
    pub fn mean_wait_offered_s(&self) -> Option<f64> {
        ratio(
            self.sum_wait_answered_s + self.sum_wait_abandoned_s,
            self.offered,
        )
    }

    /// Mean patience estimate for Erlang A (DOMAIN-REFERENCE §2.5): E[W] / P(Ab), where E[W]
    /// is the mean wait over all offered contacts (abandoners included) and P(Ab) =
    /// abandoned / offered; that is total wait / abandoned. Undefined without abandonments.
    pub fn patience_s(&self) -> Option<f64> {
        ratio(
            self.sum_wait_answered_s + self.sum_wait_abandoned_s,
            self.abandoned,
        )
    }

    /// Average handle time: (talk + hold + after-contact work) / handled, seconds.
    pub fn aht_s(&self) -> Option<f64> {
        ratio(
            self.sum_talk_s + self.sum_hold_s + self.sum_acw_s,
            self.handled,
        )
    }

    /// Abandoned / offered, a fraction.
    pub fn abandon_rate(&self) -> Option<f64> {
        ratio(self.abandoned, self.offered)
    }

    /// Abandon rate with short abandons removed from numerator and denominator.
    pub fn abandon_rate_excl_short(&self) -> Option<f64> {
        ratio(
            self.abandoned - self.short_abandoned,
            self.offered - self.short_abandoned,
        )
    }

    /// Share of CSAT responses in the top two boxes (4–5 of 1–5), a fraction.
    pub fn csat_top2_rate(&self) -> Option<f64> {
        ratio(self.csat_top2, self.csat_responses)
    }

    /// Net promoter score, points −100..100.
    pub fn nps(&self) -> Option<f64> {
        (self.nps_responses > 0).then(|| {
            100.0 * (self.nps_promoters - self.nps_detractors) as f64 / self.nps_responses as f64
        })
    }

    /// First-contact resolution: flagged resolved / handled contacts with a flag, a fraction.
    pub fn fcr_rate(&self) -> Option<f64> {
        ratio(self.fcr_yes, self.fcr_rated)
    }

    /// Transferred / handled, a fraction.
    pub fn transfer_rate(&self) -> Option<f64> {
        ratio(self.transferred, self.handled)
    }

    /// Survey samples under 30 responses are flagged as thin (DOMAIN.md).
    pub fn csat_is_thin(&self) -> bool {
        self.csat_responses < THIN_SAMPLE
    }
}

/// Below this many survey responses a CSAT or NPS figure is flagged as thin.
pub const THIN_SAMPLE: i64 = 30;

/// `num / den`, undefined when `den` is zero.
pub fn ratio(num: i64, den: i64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

/// `100 · num / den` computed as `(100·num) / den`, undefined when `den` is zero.
pub fn pct(num: i64, den: i64) -> Option<f64> {
    (den != 0).then(|| (100 * num) as f64 / den as f64)
}

impl AddAssign for IntervalSums {
    fn add_assign(&mut self, o: Self) {
        let mut a = self.to_array();
        for (x, y) in a.iter_mut().zip(o.to_array()) {
            *x += y;
        }
        *self = IntervalSums::from_array(a);
    }
}

impl Add for IntervalSums {
    type Output = Self;
    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

impl std::iter::Sum for IntervalSums {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(IntervalSums::default(), Add::add)
    }
}

/// The service-level denominator rule. `Offered` is opsdeck's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlVariant {
    /// Ans_T / (Ans + Ab): every abandon counts against.
    #[default]
    Offered,
    /// Ans_T / Ans: abandons ignored.
    Answered,
    /// (Ans_T + Ab_T) / (Ans + Ab): abandons within T count as good.
    AbandonsGood,
    /// Ans_T / (Ans + Ab − Ab_T): abandons within T excluded.
    ExcludeAbandonsWithinT,
    /// Ans_T / (Ans + Ab − Ab_S): short abandons excluded.
    ExcludeShortAbandons,
}

impl SlVariant {
    pub const ALL: [SlVariant; 5] = [
        SlVariant::Offered,
        SlVariant::Answered,
        SlVariant::AbandonsGood,
        SlVariant::ExcludeAbandonsWithinT,
        SlVariant::ExcludeShortAbandons,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SlVariant::Offered => "offered",
            SlVariant::Answered => "answered",
            SlVariant::AbandonsGood => "abandons_good",
            SlVariant::ExcludeAbandonsWithinT => "exclude_abandons_within_t",
            SlVariant::ExcludeShortAbandons => "exclude_short_abandons",
        }
    }
}

impl fmt::Display for SlVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SlVariant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        SlVariant::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown service-level variant {} (expected offered, answered, abandons_good, \
                 exclude_abandons_within_t or exclude_short_abandons)",
                    crate::quoted(s)
                )
            })
    }
}

/// "Share of intervals meeting target": an additive tally, kept apart from service level itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetTally {
    /// Intervals whose service level is defined (volume > 0 under the variant).
    pub intervals_measured: i64,
    /// Of those, intervals whose service level reached the target.
    pub intervals_meeting: i64,
}

impl TargetTally {
    /// Tally one interval against `target` (a fraction).
    pub fn of_interval(s: &IntervalSums, v: SlVariant, target: f64) -> Self {
        match s.service_level(v) {
            Some(sl) => TargetTally {
                intervals_measured: 1,
                intervals_meeting: i64::from(sl >= target),
            },
            None => TargetTally::default(),
        }
    }

    /// Share of measured intervals meeting target, a fraction.
    pub fn share(&self) -> Option<f64> {
        ratio(self.intervals_meeting, self.intervals_measured)
    }
}

impl AddAssign for TargetTally {
    fn add_assign(&mut self, o: Self) {
        self.intervals_measured += o.intervals_measured;
        self.intervals_meeting += o.intervals_meeting;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ICMI's example (DOMAIN-REFERENCE.md §8): 1000 answered, 60 abandoned, 860 answered ≤ 20 s,
    /// 20 abandoned ≤ 20 s, 10 abandoned ≤ 5 s.
    fn icmi() -> IntervalSums {
        IntervalSums {
            offered: 1060,
            answered: 1000,
            abandoned: 60,
            answered_within_t: 860,
            abandoned_within_t: 20,
            short_abandoned: 10,
            ..Default::default()
        }
    }

    fn check(variant: SlVariant, expected_pct: f64) {
        let got = icmi().service_level(variant).expect("defined") * 100.0;
        assert!(
            (got - expected_pct).abs() < 0.005,
            "{variant}: got {got:.4}%, expected {expected_pct}%"
        );
    }

    #[test]
    fn service_level_variants_match_reference_vector() {
        for (v, e) in [
            (SlVariant::AbandonsGood, 83.02),
            (SlVariant::Answered, 86.00),
            (SlVariant::Offered, 81.13),
            (SlVariant::ExcludeAbandonsWithinT, 82.69),
            (SlVariant::ExcludeShortAbandons, 81.90),
        ] {
            check(v, e);
        }
    }

    #[test]
    fn patience_is_mean_wait_over_all_arrivals_over_abandon_probability() {
        // 90 answered waiting 900 s in all, 10 abandoned waiting 300 s: E[W] = 1200/100 = 12 s,
        // P(Ab) = 0.1, patience = 120 s
        let s = IntervalSums {
            offered: 100,
            answered: 90,
            abandoned: 10,
            sum_wait_answered_s: 900,
            sum_wait_abandoned_s: 300,
            ..Default::default()
        };
        assert_eq!(s.patience_s(), Some(120.0));
        assert_eq!(
            s.patience_s(),
            Some(s.mean_wait_offered_s().unwrap() / s.abandon_rate().unwrap())
        );
        assert_eq!(IntervalSums::default().patience_s(), None);
    }

    #[test]
    fn zero_denominators_are_undefined_not_zero() {
        let z = IntervalSums::default();
        for v in SlVariant::ALL {
            assert_eq!(z.service_level(v), None, "{v}");
        }
        assert_eq!(z.asa_s(), None);
        assert_eq!(z.aht_s(), None);
        assert_eq!(z.abandon_rate(), None);
        assert_eq!(z.csat_top2_rate(), None);
        assert_eq!(z.nps(), None);
        assert_eq!(z.fcr_rate(), None);
        assert_eq!(z.mean_wait_offered_s(), None);
        // all abandoned: ASA and AHT undefined, SL defined and 0
        let mut s = IntervalSums::default();
        let t = Thresholds::default();
        s.add_contact(
            &ContactOutcome {
                answered: false,
                wait_s: 40,
                ..Default::default()
            },
            t,
        );
        assert_eq!(s.asa_s(), None);
        assert_eq!(s.aht_s(), None);
        assert_eq!(s.service_level(SlVariant::Offered), Some(0.0));
        assert_eq!(s.service_level(SlVariant::Answered), None);
        assert_eq!(s.abandon_rate(), Some(1.0));
    }

    struct Case {
        name: &'static str,
        contacts: Vec<ContactOutcome>,
        sl: Option<f64>,
        asa: Option<f64>,
        aht: Option<f64>,
        abandon: Option<f64>,
        csat: Option<f64>,
        nps: Option<f64>,
    }

    fn ans(wait_s: i64, talk_s: i64, hold_s: i64, acw_s: i64) -> ContactOutcome {
        ContactOutcome {
            answered: true,
            wait_s,
            talk_s,
            hold_s,
            acw_s,
            ..Default::default()
        }
    }

    fn aban(wait_s: i64) -> ContactOutcome {
        ContactOutcome {
            answered: false,
            wait_s,
            ..Default::default()
        }
    }

    #[test]
    fn kpi_table() {
        let cases = vec![
            Case {
                name: "threshold is inclusive",
                contacts: vec![ans(20, 100, 0, 20), ans(21, 200, 10, 10)],
                sl: Some(0.5),
                asa: Some(20.5),
                aht: Some(170.0),
                abandon: Some(0.0),
                csat: None,
                nps: None,
            },
            Case {
                name: "abandons count against offered SL and are out of ASA/AHT",
                contacts: vec![ans(0, 60, 0, 0), aban(3), aban(50), ans(30, 120, 0, 0)],
                sl: Some(0.25),
                asa: Some(15.0),
                aht: Some(90.0),
                abandon: Some(0.5),
                csat: None,
                nps: None,
            },
            Case {
                name: "surveys",
                contacts: vec![
                    ContactOutcome {
                        csat: Some(5),
                        nps: Some(10),
                        ..ans(1, 1, 0, 0)
                    },
                    ContactOutcome {
                        csat: Some(4),
                        nps: Some(7),
                        ..ans(1, 1, 0, 0)
                    },
                    ContactOutcome {
                        csat: Some(3),
                        nps: Some(6),
                        ..ans(1, 1, 0, 0)
                    },
                    ContactOutcome {
                        csat: Some(1),
                        nps: Some(9),
                        ..ans(1, 1, 0, 0)
                    },
                ],
                sl: Some(1.0),
                asa: Some(1.0),
                aht: Some(1.0),
                abandon: Some(0.0),
                csat: Some(0.5),
                nps: Some(25.0),
            },
            Case {
                name: "empty interval",
                contacts: vec![],
                sl: None,
                asa: None,
                aht: None,
                abandon: None,
                csat: None,
                nps: None,
            },
        ];
        for c in cases {
            let mut s = IntervalSums::default();
            for x in &c.contacts {
                s.add_contact(x, Thresholds::default());
            }
            assert_eq!(s.service_level(SlVariant::Offered), c.sl, "{}: sl", c.name);
            assert_eq!(s.asa_s(), c.asa, "{}: asa", c.name);
            assert_eq!(s.aht_s(), c.aht, "{}: aht", c.name);
            assert_eq!(s.abandon_rate(), c.abandon, "{}: abandon", c.name);
            assert_eq!(s.csat_top2_rate(), c.csat, "{}: csat", c.name);
            assert_eq!(s.nps(), c.nps, "{}: nps", c.name);
        }
    }

    #[test]
    fn rollup_reweights_instead_of_averaging() {
        // DOMAIN-REFERENCE §1.3: 725/1092 and 37/74 average to 57.9 % but weigh to 65.4 %.
        let a = IntervalSums {
            offered: 1092,
            answered: 1092,
            answered_within_t: 725,
            ..Default::default()
        };
        let b = IntervalSums {
            offered: 74,
            answered: 74,
            answered_within_t: 37,
            ..Default::default()
        };
        let sl = (a + b).service_level(SlVariant::Offered).unwrap();
        assert!((sl - 0.6535).abs() < 0.0005, "{sl}");
    }

    #[test]
    fn target_tally_counts_only_measured_intervals() {
        let mut t = TargetTally::default();
        t += TargetTally::of_interval(&IntervalSums::default(), SlVariant::Offered, 0.8);
        let good = IntervalSums {
            offered: 10,
            answered: 10,
            answered_within_t: 9,
            ..Default::default()
        };
        let bad = IntervalSums {
            offered: 10,
            answered: 10,
            answered_within_t: 5,
            ..Default::default()
        };
        t += TargetTally::of_interval(&good, SlVariant::Offered, 0.8);
        t += TargetTally::of_interval(&bad, SlVariant::Offered, 0.8);
        assert_eq!(
            t,
            TargetTally {
                intervals_measured: 2,
                intervals_meeting: 1
            }
        );
        assert_eq!(t.share(), Some(0.5));
    }

    #[test]
    fn variant_names_round_trip() {
        for v in SlVariant::ALL {
            assert_eq!(v.as_str().parse::<SlVariant>(), Ok(v));
        }
        assert!("nope".parse::<SlVariant>().is_err());
    }
}
