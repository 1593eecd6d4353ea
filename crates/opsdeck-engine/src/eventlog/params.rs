//! What a person asks of an event log — its columns, zone, lifecycle, filters and the cost of
//! an hour of work — as the CLI's flags and the API's query parameters both give it, checked
//! and turned into reader options in one place.

use super::{time_bound, Keep, Lifecycle, LogOptions};
use crate::io::parse::TsFormat;
use opsdeck_core::mining::{AutomationOptions, Filter, Order, TimeMode};

/// How to read a log and which of its events to keep, as given (texts not yet checked).
#[derive(Debug, Clone)]
pub struct LogParams {
    pub case: Option<String>,
    pub activity: Option<String>,
    pub timestamp: Option<String>,
    pub resource: Option<String>,
    pub team: Option<String>,
    /// strftime pattern of CSV timestamps; none: ISO 8601 / RFC 3339.
    pub timestamp_format: Option<String>,
    /// IANA zone of timestamps written without an offset, and of `from` / `to`.
    pub tz: String,
    pub delimiter: char,
    pub missing: Vec<String>,
    pub max_field_bytes: usize,
    pub order: Order,
    pub lifecycle: Lifecycle,
    /// `ATTR=VALUE` conditions: values of one attribute OR, different attributes AND.
    pub where_: Vec<String>,
    /// Time range bounds (a date or a timestamp), both included.
    pub from: Option<String>,
    pub to: Option<String>,
    pub time_mode: TimeMode,
    /// Keep each event's source line (readers that quote one).
    pub source_lines: bool,
}

impl Default for LogParams {
    fn default() -> Self {
        LogParams {
            case: None,
            activity: None,
            timestamp: None,
            resource: None,
            team: None,
            timestamp_format: None,
            tz: "UTC".into(),
            delimiter: ',',
            missing: Vec::new(),
            max_field_bytes: crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
            order: Order::Timestamp,
            lifecycle: Lifecycle::Auto,
            where_: Vec::new(),
            from: None,
            to: None,
            time_mode: TimeMode::Contained,
            source_lines: false,
        }
    }
}

impl LogParams {
    /// The reader options, or what is wrong, naming the parameter as the caller spells it
    /// (`name("from")` is `--from` on the command line, `parameter from` in the API).
    pub fn options(&self, name: &dyn Fn(&str) -> String) -> Result<LogOptions, String> {
        if !self.delimiter.is_ascii() {
            return Err(format!("{} must be one ASCII character", name("delimiter")));
        }
        let zone = opsdeck_core::calendar::parse_zone(&self.tz)
            .map_err(|e| format!("{}: {e}", name("tz")))?;
        Ok(LogOptions {
            case: self.case.clone(),
            activity: self.activity.clone(),
            timestamp: self.timestamp.clone(),
            resource: self.resource.clone(),
            team: self.team.clone(),
            keep: Keep::None,
            ts_format: self
                .timestamp_format
                .clone()
                .map_or(TsFormat::Auto, TsFormat::Pattern),
            zone,
            delimiter: self.delimiter as u8,
            max_field_bytes: self.max_field_bytes,
            order: self.order,
            missing: self.missing.clone(),
            source_lines: self.source_lines,
            lifecycle: self.lifecycle.clone(),
            filter: self.filter(zone, name)?,
            missing_column_hint: None,
            max_issues: super::MAX_ISSUES,
        })
    }

    /// The filters of `where`, `from`, `to` and `time_mode`.
    fn filter(&self, zone: chrono_tz::Tz, name: &dyn Fn(&str) -> String) -> Result<Filter, String> {
        let mut f = Filter {
            time_mode: self.time_mode,
            ..Filter::default()
        };
        for w in &self.where_ {
            let Some((attr, value)) = w.split_once('=').filter(|(a, _)| !a.trim().is_empty())
            else {
                return Err(format!("{} {w:?}: expected ATTR=VALUE", name("where")));
            };
            f.add(attr.trim(), value.trim());
        }
        let bound = |opt: &str, text: &Option<String>, end: bool| {
            text.as_deref()
                .map(|t| time_bound(t, zone, end).map_err(|e| format!("{} {e}", name(opt))))
                .transpose()
        };
        f.from_us = bound("from", &self.from, false)?;
        f.to_us = bound("to", &self.to, true)?;
        if let (Some(a), Some(b)) = (f.from_us, f.to_us) {
            if a > b {
                return Err(format!(
                    "{} {:?} is after {} {:?}",
                    name("from"),
                    self.from.as_deref().unwrap_or(""),
                    name("to"),
                    self.to.as_deref().unwrap_or("")
                ));
            }
        }
        Ok(f)
    }
}

/// The automation estimate's parameters, as given.
#[derive(Debug, Clone)]
pub struct CostParams {
    pub cost_per_hour: f64,
    pub min_occurrences: u64,
    /// Longest gap counted as work, in minutes.
    pub max_work_min: f64,
    /// ISO 4217 code of `cost_per_hour`.
    pub currency: String,
}

impl Default for CostParams {
    fn default() -> Self {
        let d = AutomationOptions::default();
        CostParams {
            cost_per_hour: d.cost_per_hour,
            min_occurrences: d.min_occurrences,
            max_work_min: d.max_work_s / 60.0,
            currency: "USD".into(),
        }
    }
}

impl CostParams {
    /// The estimate's options, or what is wrong (parameters named as in [`LogParams::options`]).
    pub fn options(&self, name: &dyn Fn(&str) -> String) -> Result<AutomationOptions, String> {
        if !(self.cost_per_hour.is_finite() && self.cost_per_hour >= 0.0) {
            return Err(format!("{} must be a number ≥ 0", name("cost_per_hour")));
        }
        if !(self.max_work_min.is_finite() && self.max_work_min > 0.0) {
            return Err(format!(
                "{} must be a number of minutes > 0",
                name("max_work_min")
            ));
        }
        if !(self.currency.len() == 3 && self.currency.chars().all(|c| c.is_ascii_uppercase())) {
            return Err(format!(
                "{} {:?} is not an ISO 4217 code such as USD",
                name("currency"),
                self.currency
            ));
        }
        Ok(AutomationOptions {
            cost_per_hour: self.cost_per_hour,
            min_occurrences: self.min_occurrences,
            max_work_s: self.max_work_min * 60.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(n: &str) -> String {
        format!("--{}", n.replace('_', "-"))
    }

    #[test]
    fn filters_and_their_errors_name_the_parameter() {
        let p = LogParams {
            where_: vec!["team=A".into(), "team=B".into(), "kind=x".into()],
            from: Some("2024-01-01".into()),
            to: Some("2024-01-31".into()),
            ..LogParams::default()
        };
        let o = p.options(&flag).unwrap();
        assert_eq!(o.filter.conditions.len(), 2);
        assert_eq!(o.filter.conditions[0].values, ["A", "B"]);
        assert_eq!(o.filter.from_us, Some(1_704_067_200_000_000));
        assert_eq!(o.filter.to_us, Some(1_706_745_600_000_000 - 1));
        let bad = LogParams {
            where_: vec!["=x".into()],
            ..LogParams::default()
        };
        assert_eq!(
            bad.options(&flag).unwrap_err(),
            "--where \"=x\": expected ATTR=VALUE"
        );
        let reversed = LogParams {
            from: Some("2024-02-01".into()),
            to: Some("2024-01-01".into()),
            ..LogParams::default()
        };
        let api = |n: &str| format!("parameter {n}");
        assert_eq!(
            reversed.options(&api).unwrap_err(),
            "parameter from \"2024-02-01\" is after parameter to \"2024-01-01\""
        );
        let zone = LogParams {
            tz: "Mars/Base".into(),
            ..LogParams::default()
        };
        assert!(zone.options(&flag).unwrap_err().starts_with("--tz: "));
    }

    #[test]
    fn cost_params_are_checked() {
        assert!(CostParams::default().options(&flag).is_ok());
        let c = CostParams {
            currency: "usd".into(),
            ..CostParams::default()
        };
        assert!(c.options(&flag).unwrap_err().starts_with("--currency"));
        let c = CostParams {
            cost_per_hour: f64::NAN,
            ..CostParams::default()
        };
        assert_eq!(
            c.options(&flag).unwrap_err(),
            "--cost-per-hour must be a number ≥ 0"
        );
    }
}
