//! Every output table of opsdeck, by name: the one list docs/formats.md §7 is written from
//! (`opsdeck tables` prints it; a test holds the document to it).

use crate::views::table::{col, Column, Kind, TableSpec};
use crate::views::{
    access, case_clocks, cases, contacts, forecast, ingest, kpi, mining, plan, profile, schedule,
    scorecard, sla, staffing,
};

/// Version of the output tables' shapes; raised when a column changes name, kind or meaning.
pub const TABLES_VERSION: u32 = 4;

fn spec(name: &'static str, about: &'static str, columns: Vec<Column>) -> TableSpec {
    TableSpec {
        name,
        about,
        columns,
    }
}

/// Every output table.
pub fn catalogue() -> Vec<TableSpec> {
    let mut queue_scorecard = scorecard::columns(scorecard::Level::Queue);
    queue_scorecard.insert(
        3,
        col(
            "site",
            Kind::Text,
            "site level: the queues' home site (replaces client, program, queue)",
        ),
    );
    let mut plan_intervals = plan::columns_without_sites(plan::PlanView::Interval);
    plan_intervals.insert(
        6,
        col(
            "staffed_<site>",
            Kind::Count,
            "one column per site of the program: agents placed there",
        ),
    );
    vec![
        spec(
            "users",
            "`opsdeck user list`, the dashboard's admin page: one row per user",
            access::USER_COLUMNS.to_vec(),
        ),
        spec(
            "tokens",
            "`opsdeck token list`, the dashboard's admin page: one row per API token (never its secret)",
            access::TOKEN_COLUMNS.to_vec(),
        ),
        spec(
            "audit",
            "`opsdeck audit show`, the dashboard's audit page: one row per audit event, in chain order",
            access::AUDIT_COLUMNS.to_vec(),
        ),
        spec(
            "forecast_vs_actual",
            "the review packs: a queue's volume against the plan's forecast by weekday",
            profile::FORECAST_COLUMNS.to_vec(),
        ),
        spec(
            "week_profile",
            "the dashboard's queue page: weekday × local time slot of a queue over a month, re-summed",
            profile::PROFILE_COLUMNS.to_vec(),
        ),
        spec(
            "case_scorecard",
            "`opsdeck scorecard --cases`: one row per ticket queue × period × priority (and `all`), from the case day facts",
            cases::CASE_SCORECARD_COLUMNS.to_vec(),
        ),
        spec(
            "backlog",
            "`opsdeck backlog`: the open cases of a ticket queue at an instant, breaching soonest first",
            cases::BACKLOG_COLUMNS.to_vec(),
        ),
        spec(
            "sla_explain_cases",
            "`opsdeck sla explain` of a case SLA: the cases behind its figure, those outside the time first",
            sla::CASE_EXPLAIN_COLUMNS.to_vec(),
        ),
        spec(
            "interval_contacts",
            "the dashboard's last drill-down step: the stored contacts of one queue interval, paged",
            contacts::CONTACT_COLUMNS.to_vec(),
        ),
        spec(
            "kpi",
            "`opsdeck kpi`: one row per queue × interval of contact files",
            kpi::KPI_COLUMNS.to_vec(),
        ),
        spec(
            "scorecard",
            "`opsdeck scorecard`: one row per entity × period; the key columns depend on --level (client; client, program; site; none for channel; client, program, queue)",
            queue_scorecard,
        ),
        spec(
            "sla",
            "`opsdeck sla evaluate`: one row per SLA version per client-month",
            sla::SLA_COLUMNS.to_vec(),
        ),
        spec(
            "sla_money",
            "`opsdeck sla evaluate --view money`: invoice, credits and net per client-month, and a range's total",
            sla::MONEY_COLUMNS.to_vec(),
        ),
        spec(
            "sla_explain",
            "`opsdeck sla explain`: the queue × day (or interval) rows behind an SLA figure",
            sla::explain_columns(),
        ),
        spec(
            "sla_missing",
            "`opsdeck sla explain --missing`: queue-days open by the calendars without data",
            sla::MISSING_COLUMNS.to_vec(),
        ),
        spec(
            "ingest_log",
            "`opsdeck ingest log`: one row per committed batch",
            ingest::INGEST_LOG_COLUMNS.to_vec(),
        ),
        spec(
            "staffing",
            "`opsdeck staffing`: required agents per input interval (abandon_rate with Erlang A only)",
            staffing::OUTPUT_COLUMNS.to_vec(),
        ),
        spec(
            "plan_intervals",
            "`opsdeck plan --by interval`",
            plan_intervals,
        ),
        spec(
            "plan_days",
            "`opsdeck plan --by day`",
            plan::columns_without_sites(plan::PlanView::Day),
        ),
        spec(
            "plan_sites",
            "`opsdeck plan --by site`; the last row, `unstaffed`, holds the gap",
            plan::columns_without_sites(plan::PlanView::Site),
        ),
        spec(
            "forecast",
            "`opsdeck forecast --horizon-days N` or `--at FILE`",
            forecast::FORECAST_COLUMNS.to_vec(),
        ),
        spec(
            "forecast_periods",
            "`opsdeck forecast` of a daily or weekly series",
            forecast::PERIOD_COLUMNS.to_vec(),
        ),
        spec(
            "forecast_backtest",
            "`opsdeck forecast --backtest DAYS`",
            forecast::BACKTEST_COLUMNS.to_vec(),
        ),
        spec(
            "schedule_shifts",
            "`opsdeck schedule`: agents per shift pattern and day",
            schedule::SHIFT_COLUMNS.to_vec(),
        ),
        spec(
            "schedule_intervals",
            "`opsdeck schedule --intervals FILE`: coverage per interval",
            schedule::INTERVAL_COLUMNS.to_vec(),
        ),
        spec(
            "schedule_summary",
            "`opsdeck schedule`: one row, the `summary` of `--format json`",
            schedule::SUMMARY_COLUMNS.to_vec(),
        ),
        spec(
            "mine_dfg",
            "`opsdeck mine dfg`",
            mining::DFG_COLUMNS.to_vec(),
        ),
        spec(
            "mine_variants",
            "`opsdeck mine variants`",
            mining::VARIANT_COLUMNS.to_vec(),
        ),
        spec(
            "mine_rework",
            "`opsdeck mine rework`",
            mining::REWORK_COLUMNS.to_vec(),
        ),
        spec(
            "mine_bottlenecks",
            "`opsdeck mine bottlenecks`",
            mining::BOTTLENECK_COLUMNS.to_vec(),
        ),
        spec(
            "mine_pingpong",
            "`opsdeck mine pingpong`",
            mining::PINGPONG_COLUMNS.to_vec(),
        ),
        spec(
            "mine_automation",
            "`opsdeck mine automation`",
            mining::AUTOMATION_COLUMNS.to_vec(),
        ),
        spec(
            "mine_activities",
            "`opsdeck mine activities`: service and waiting time per activity",
            mining::ACTIVITY_COLUMNS.to_vec(),
        ),
        spec(
            "sla_clocks",
            "`opsdeck sla clocks`: one row per case × clock",
            case_clocks::CLOCK_COLUMNS.to_vec(),
        ),
        spec(
            "sla_clocks_agreement",
            "`opsdeck sla clocks --compare COLUMN`",
            case_clocks::AGREEMENT_COLUMNS.to_vec(),
        ),
    ]
}

/// The catalogue as the Markdown of docs/formats.md §7 (between its markers).
pub fn markdown() -> String {
    let mut out = format!(
        "Tables version {TABLES_VERSION}. Kinds: `count` (whole number), `fraction 0–1` (people read \
         `84.8 %`), `seconds` (people read `12.4 s`, `4 m 05 s`, `3 h 12 m`, `2 d 04 h`), \
         `money` (a number; the named column holds its ISO 4217 currency; people read \
         `USD 23,232.00`), `number` (a quantity in the named unit, at most two decimals for \
         people), `measure` (a number whose unit — fraction, seconds, points — the named \
         column holds), `timestamp` (RFC 3339, UTC), `local time`, `date`, `period`, `flag` \
         (true/false; people read yes/no), `text`. In CSV an undefined value is empty, in \
         JSON `null`, for people `—`.\n"
    );
    for t in catalogue() {
        out.push_str(&format!("\n#### `{}`\n\n{}\n\n", t.name, t.about));
        out.push_str("| column | kind | meaning |\n|---|---|---|\n");
        for c in &t.columns {
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                c.name,
                c.kind.name(),
                c.about.replace('|', "\\|")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_units_consistent() {
        let all = catalogue();
        let mut names: Vec<&str> = all.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len(), "two tables share a name");
        for t in &all {
            for c in &t.columns {
                let n = c.name.as_ref();
                // a name ending in _s is seconds, and seconds end in _s
                assert_eq!(
                    n.ends_with("_s"),
                    c.kind == Kind::Seconds,
                    "{}.{n}: `_s` names and seconds go together",
                    t.name
                );
                assert!(!n.ends_with("_pct") && !n.ends_with("_h"), "{}.{n}", t.name);
                if let Kind::Money { currency_column }
                | Kind::Measure {
                    unit_column: currency_column,
                } = c.kind
                {
                    assert!(
                        t.columns.iter().any(|x| x.name == currency_column),
                        "{}.{n} names {currency_column}, which the table lacks",
                        t.name
                    );
                }
                assert!(!c.about.is_empty(), "{}.{n} says nothing", t.name);
            }
        }
    }
}
