//! Service credits, pool model (DOMAIN-REFERENCE §5): credit per missed SLA = A × B × C with
//! A the category's share, B the SLA's credit allocation and C the at-risk amount (at-risk % ×
//! monthly invoice); the month's total is capped at the at-risk amount; earn-back waives a
//! credit when the SLA is met in each of the next K periods. Also the monthly invoice from the
//! contract's commercial lines.

use crate::contact::Channel;
use crate::contract::{Contract, CreditScheme};
use crate::sla::Status;
use serde::Serialize;
use std::collections::BTreeMap;

/// Round an amount of money to cents, halves away from zero.
pub fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The at-risk amount C = at-risk % × invoice; also the monthly cap.
pub fn at_risk_amount(invoice: f64, at_risk_pct: f64) -> f64 {
    cents(invoice * at_risk_pct / 100.0)
}

/// Credit = A × B × C, with A and B in percent.
pub fn credit_amount(category_pct: f64, allocation_pct: f64, at_risk: f64) -> f64 {
    cents(category_pct / 100.0 * allocation_pct / 100.0 * at_risk)
}

/// Where a missed SLA's credit stands with respect to earn-back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "earn_back")]
pub enum EarnBack {
    /// No credit to earn back (met, not measured, no allocation, or the contract has no
    /// earn-back).
    NotApplicable,
    /// Fewer than K following periods are known yet, all of them met so far.
    Pending { met: u32, needed: u32 },
    /// Met in each of the next K periods: the credit is waived.
    Earned,
    /// A following period within K was missed or not measured: the credit stands.
    Lost,
}

impl EarnBack {
    pub fn describe(&self) -> String {
        match self {
            EarnBack::NotApplicable => String::new(),
            EarnBack::Pending { met, needed } => format!("pending ({met}/{needed} periods met)"),
            EarnBack::Earned => "earned".into(),
            EarnBack::Lost => "lost".into(),
        }
    }
}

/// Earn-back of a missed period, given the statuses of the following periods in order
/// (`None` = not evaluated yet, e.g. no data for that month). A not-measured period does not
/// count as met: it ends the earn-back as lost; a period with insufficient data keeps it
/// pending.
pub fn earn_back(missed: bool, following: &[Option<Status>], k: u32) -> EarnBack {
    if !missed || k == 0 {
        return EarnBack::NotApplicable;
    }
    for i in 0..k {
        match following.get(i as usize).copied().flatten() {
            Some(Status::Met) => {}
            Some(Status::Missed | Status::NotMeasured) => return EarnBack::Lost,
            None | Some(Status::InsufficientData) => {
                return EarnBack::Pending { met: i, needed: k }
            }
        }
    }
    EarnBack::Earned
}

/// One SLA's part in a month's credits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreditLine {
    pub sla: String,
    pub status: Status,
    /// A, percent.
    pub category_pct: f64,
    /// B, percent.
    pub allocation_pct: f64,
    /// A × B × C when missed, else 0 (before the cap and earn-back).
    pub credit: f64,
    /// The status rests on incomplete data: the credit is what the data present gives.
    pub provisional: bool,
    #[serde(flatten)]
    pub earn_back: EarnBack,
}

/// A month's credit total.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthCredits {
    pub invoice: f64,
    /// C, and the cap on the month's total.
    pub at_risk: f64,
    /// Σ credits of missed SLAs.
    pub gross: f64,
    /// Σ credits waived by earned earn-back.
    pub earned_back: f64,
    /// Σ credits whose earn-back is still pending (included in `payable` until earned).
    pub pending: f64,
    /// Σ credits of SLAs with insufficient data, as the data present gives them (included
    /// in `gross` and `payable`).
    pub provisional: f64,
    /// min(cap, gross − earned back).
    pub payable: f64,
    /// The cap lowered the total.
    pub cap_binding: bool,
    /// SLAs whose verdict waits for missing data: the month's credits are provisional.
    pub provisional_slas: Vec<String>,
}

/// One SLA's verdict for the month, as the credit math needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditInput {
    pub sla: String,
    pub status: Status,
    /// With `InsufficientData`: the status the data present gives.
    pub provisional_status: Option<Status>,
    pub category_pct: f64,
    pub allocation_pct: f64,
    /// Statuses of the following periods (for earn-back), `None` where not yet evaluated.
    pub following: Vec<Option<Status>>,
}

/// The month's credit lines and total under `scheme`.
pub fn assess(
    invoice: f64,
    scheme: &CreditScheme,
    inputs: &[CreditInput],
) -> (Vec<CreditLine>, MonthCredits) {
    let at_risk = at_risk_amount(invoice, scheme.at_risk_pct);
    let mut lines = Vec::with_capacity(inputs.len());
    let (mut gross, mut earned, mut pending, mut provisional) = (0.0, 0.0, 0.0, 0.0);
    let mut provisional_slas = Vec::new();
    for i in inputs {
        let is_provisional = i.status == Status::InsufficientData;
        let missed = i.status == Status::Missed
            || (is_provisional && i.provisional_status == Some(Status::Missed));
        let credit = if missed {
            credit_amount(i.category_pct, i.allocation_pct, at_risk)
        } else {
            0.0
        };
        let eb = if credit > 0.0 {
            earn_back(missed, &i.following, scheme.earn_back_periods)
        } else {
            EarnBack::NotApplicable
        };
        gross += credit;
        match eb {
            EarnBack::Earned => earned += credit,
            EarnBack::Pending { .. } => pending += credit,
            _ => {}
        }
        if is_provisional {
            provisional += credit;
            provisional_slas.push(i.sla.clone());
        }
        lines.push(CreditLine {
            sla: i.sla.clone(),
            status: i.status,
            category_pct: i.category_pct,
            allocation_pct: i.allocation_pct,
            credit,
            provisional: is_provisional,
            earn_back: eb,
        });
    }
    let owed = cents(gross - earned).max(0.0);
    let payable = owed.min(at_risk);
    (
        lines,
        MonthCredits {
            invoice: cents(invoice),
            at_risk,
            gross: cents(gross),
            earned_back: cents(earned),
            pending: cents(pending),
            provisional: cents(provisional),
            payable,
            cap_binding: owed > at_risk,
            provisional_slas,
        },
    )
}

/// The month's charges before credits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    /// Σ fte × monthly rate.
    pub fte_charges: f64,
    /// Σ handled contacts × price, by the most specific price line.
    pub contact_charges: f64,
    /// Handled contacts that no price line covers (0 when the contract has no price lines).
    pub unpriced_contacts: i64,
    /// fte + contact charges: the service-level invoice the at-risk % applies to.
    pub base: f64,
}

/// Invoice from the commercial lines and the month's handled contacts per (program, channel).
/// A price line naming the program wins over the channel's general line.
pub fn invoice(c: &Contract, handled: &BTreeMap<(String, Channel), i64>) -> Invoice {
    let fte: f64 = c.fte_rates.iter().map(|f| f.fte * f.monthly_rate).sum();
    let mut contact = 0.0;
    let mut unpriced = 0;
    for ((program, channel), n) in handled {
        let line = c
            .contact_prices
            .iter()
            .find(|p| p.channel == *channel && p.program.as_deref() == Some(program))
            .or_else(|| {
                c.contact_prices
                    .iter()
                    .find(|p| p.channel == *channel && p.program.is_none())
            });
        match line {
            Some(p) => contact += p.price * *n as f64,
            // an FTE-only contract prices no contacts: nothing is "unpriced" there
            None if !c.contact_prices.is_empty() => unpriced += n,
            None => {}
        }
    }
    Invoice {
        fte_charges: cents(fte),
        contact_charges: cents(contact),
        unpriced_contacts: unpriced,
        base: cents(fte + contact),
    }
}

/// Outcome bonus (SLA met) and malus (SLA missed) for the month's statuses.
pub fn outcome_adjustments(c: &Contract, statuses: &BTreeMap<String, Status>) -> (f64, f64) {
    let (mut bonus, mut malus) = (0.0, 0.0);
    for o in &c.outcomes {
        match statuses.get(&o.sla) {
            Some(Status::Met) => bonus += o.bonus,
            Some(Status::Missed) => malus += o.malus,
            _ => {}
        }
    }
    (cents(bonus), cents(malus))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scheme(at_risk_pct: f64, k: u32) -> CreditScheme {
        CreditScheme {
            at_risk_pct,
            pool_pct: 250.0,
            earn_back_periods: k,
            exclusions: vec![],
        }
    }

    fn input(sla: &str, status: Status, a: f64, b: f64) -> CreditInput {
        CreditInput {
            sla: sla.into(),
            status,
            provisional_status: None,
            category_pct: a,
            allocation_pct: b,
            following: vec![],
        }
    }

    /// DOMAIN-REFERENCE §5: 50 % × 40 % × (10 % × $100,000) = $2,000.
    #[test]
    fn dir_worked_example_is_2000() {
        assert_eq!(at_risk_amount(100_000.0, 10.0), 10_000.0);
        assert_eq!(credit_amount(50.0, 40.0, 10_000.0), 2_000.0);
        let (lines, total) = assess(
            100_000.0,
            &scheme(10.0, 0),
            &[input("critical-sl", Status::Missed, 50.0, 40.0)],
        );
        assert_eq!(lines[0].credit, 2_000.0);
        assert_eq!(total.payable, 2_000.0);
        assert!(!total.cap_binding);
    }

    /// An SLA with insufficient data is credited as the data present gives it, marked
    /// provisional, and named in the month's list; met on the data present it owes nothing yet.
    #[test]
    fn insufficient_data_gives_provisional_credits() {
        let mut missed = input("a", Status::InsufficientData, 100.0, 50.0);
        missed.provisional_status = Some(Status::Missed);
        let mut met = input("b", Status::InsufficientData, 100.0, 50.0);
        met.provisional_status = Some(Status::Met);
        let none = input("c", Status::InsufficientData, 100.0, 50.0);
        let (lines, t) = assess(100_000.0, &scheme(10.0, 0), &[missed, met, none]);
        assert_eq!(lines[0].credit, 5_000.0);
        assert!(lines.iter().all(|l| l.provisional));
        assert_eq!(lines[1].credit, 0.0);
        assert_eq!(lines[2].credit, 0.0);
        assert_eq!((t.provisional, t.payable), (5_000.0, 5_000.0));
        assert_eq!(t.provisional_slas, ["a", "b", "c"]);
    }

    #[test]
    fn cap_binds_after_summing() {
        // three misses of 60 %, 50 %, 40 % of a $10,000 at-risk amount = $15,000 → capped
        let (_, t) = assess(
            100_000.0,
            &scheme(10.0, 0),
            &[
                input("a", Status::Missed, 100.0, 60.0),
                input("b", Status::Missed, 100.0, 50.0),
                input("c", Status::Missed, 100.0, 40.0),
                input("d", Status::Met, 100.0, 90.0),
            ],
        );
        assert_eq!(t.gross, 15_000.0);
        assert_eq!(t.payable, 10_000.0);
        assert!(t.cap_binding);
    }

    #[test]
    fn earn_back_needs_k_following_periods_met() {
        use Status::*;
        assert_eq!(earn_back(false, &[], 2), EarnBack::NotApplicable);
        assert_eq!(earn_back(true, &[Some(Met)], 0), EarnBack::NotApplicable);
        assert_eq!(
            earn_back(true, &[Some(Met), Some(Met)], 2),
            EarnBack::Earned
        );
        assert_eq!(
            earn_back(true, &[Some(Met), Some(Missed)], 2),
            EarnBack::Lost
        );
        assert_eq!(earn_back(true, &[Some(NotMeasured)], 2), EarnBack::Lost);
        // a following month whose data is incomplete leaves the earn-back open
        assert_eq!(
            earn_back(true, &[Some(Met), Some(InsufficientData)], 2),
            EarnBack::Pending { met: 1, needed: 2 }
        );
        assert_eq!(
            earn_back(true, &[Some(Met), None], 2),
            EarnBack::Pending { met: 1, needed: 2 }
        );
        assert_eq!(
            earn_back(true, &[], 1),
            EarnBack::Pending { met: 0, needed: 1 }
        );
        // only the next K count
        assert_eq!(
            earn_back(true, &[Some(Met), Some(Missed)], 1),
            EarnBack::Earned
        );
    }

    #[test]
    fn earned_credit_is_waived_and_pending_is_owed() {
        let mut a = input("a", Status::Missed, 100.0, 20.0);
        a.following = vec![Some(Status::Met), Some(Status::Met)];
        let mut b = input("b", Status::Missed, 100.0, 10.0);
        b.following = vec![Some(Status::Met)];
        let (lines, t) = assess(50_000.0, &scheme(10.0, 2), &[a, b]);
        // C = 5,000; a = 1,000 earned back, b = 500 pending
        assert_eq!(lines[0].earn_back, EarnBack::Earned);
        assert_eq!(lines[1].earn_back, EarnBack::Pending { met: 1, needed: 2 });
        assert_eq!(
            (t.gross, t.earned_back, t.pending, t.payable),
            (1_500.0, 1_000.0, 500.0, 500.0)
        );
    }

    fn status() -> impl Strategy<Value = Status> {
        prop_oneof![
            Just(Status::Met),
            Just(Status::Missed),
            Just(Status::NotMeasured)
        ]
    }

    proptest! {
        /// Credits never exceed the cap, whatever the allocations (even a pool over 100 %),
        /// and never go negative.
        #[test]
        fn credits_never_exceed_the_cap(
            invoice in 0.0f64..5e6,
            at_risk_pct in 0.0f64..100.0,
            k in 0u32..4,
            lines in prop::collection::vec((status(), 0.0f64..=100.0, 0.0f64..=100.0, prop::collection::vec(prop::option::of(status()), 0..4)), 0..12),
        ) {
            let inputs: Vec<_> = lines.iter().enumerate().map(|(i, (s, a, b, f))| CreditInput {
                sla: format!("s{i}"), status: *s, provisional_status: None, category_pct: *a, allocation_pct: *b, following: f.clone(),
            }).collect();
            let (ls, t) = assess(invoice, &scheme(at_risk_pct, k), &inputs);
            prop_assert!(t.payable <= t.at_risk);
            prop_assert!(t.payable >= 0.0);
            prop_assert!(t.earned_back <= t.gross + 1e-9);
            // re-assessing the same inputs, in any order, gives the same total
            let mut rev = inputs.clone();
            rev.reverse();
            let (_, t2) = assess(invoice, &scheme(at_risk_pct, k), &rev);
            prop_assert_eq!(t.payable, t2.payable);
            prop_assert_eq!(ls.len(), inputs.len());
        }
    }
}
