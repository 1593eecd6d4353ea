//! Plan scenarios (`opsdeck plan --scenario FILE` and its flags): volume change, AHT change,
//! site outages and per-site share / seat overrides, validated with the file and key at fault.

use crate::error::{EngineError, Result};
use chrono::NaiveDate;
use opsdeck_core::plan::Outage;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Per-site overrides of a scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SiteOverride {
    /// Replaces the historical share (a weight; shares are renormalised over available sites).
    pub share: Option<f64>,
    /// Most productive agents the site can put on the queue at once.
    pub seats: Option<u64>,
}

/// A what-if scenario as given (file and flags), before it meets the queue.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioSpec {
    pub volume_pct: Option<f64>,
    pub aht_delta_s: Option<f64>,
    /// Each outage with where it was given ("FILE: outage[0]" or "--outage").
    pub outages: Vec<(String, Outage)>,
    /// Site overrides with where they were given ("FILE: sites.mnl").
    pub sites: BTreeMap<String, (String, SiteOverride)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    volume_pct: Option<f64>,
    aht_delta_s: Option<f64>,
    #[serde(default)]
    outage: Vec<RawOutage>,
    #[serde(default)]
    sites: BTreeMap<String, RawSiteOverride>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutage {
    site: String,
    from: toml::Value,
    to: toml::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSiteOverride {
    share: Option<f64>,
    seats: Option<i64>,
}

fn date_of(v: &toml::Value) -> std::result::Result<NaiveDate, String> {
    let text = match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
        other => {
            return Err(format!(
                "expected a date YYYY-MM-DD, found {}",
                crate::io::excerpt(&other.to_string(), crate::io::text::MAX_QUOTE)
            ))
        }
    };
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{} is not a date YYYY-MM-DD", crate::io::quoted(&text)))
}

/// Parse a scenario file (TOML); errors name the file and the key path.
pub fn read_scenario(text: &str, path: &Path) -> Result<ScenarioSpec> {
    let bad = |message: String| EngineError::Input {
        path: path.to_path_buf(),
        message,
    };
    let raw: RawScenario = crate::io::from_toml(text).map_err(bad)?;
    let file = path.display().to_string();
    if let Some(v) = raw.volume_pct {
        check_volume(v).map_err(|r| bad(format!("volume_pct: {r}")))?;
    }
    if let Some(v) = raw.aht_delta_s {
        check_aht_delta(v).map_err(|r| bad(format!("aht_delta_s: {r}")))?;
    }
    let mut outages = Vec::new();
    for (i, o) in raw.outage.iter().enumerate() {
        let key = |k: &str| format!("outage[{i}].{k}");
        let from = date_of(&o.from).map_err(|r| bad(format!("{}: {r}", key("from"))))?;
        let to = date_of(&o.to).map_err(|r| bad(format!("{}: {r}", key("to"))))?;
        if from > to {
            return Err(bad(format!("{}: {to} is before from {from}", key("to"))));
        }
        outages.push((
            format!("{file}: outage[{i}]"),
            Outage {
                site: o.site.clone(),
                from,
                to,
            },
        ));
    }
    let mut sites = BTreeMap::new();
    for (id, s) in raw.sites {
        let key = |k: &str| format!("sites.{id}.{k}");
        if let Some(v) = s.share {
            if !(v.is_finite() && v >= 0.0) {
                return Err(bad(format!("{}: {v} must be a number ≥ 0", key("share"))));
            }
        }
        let seats = match s.seats {
            Some(n) if n < 0 => {
                return Err(bad(format!("{}: {n} must be ≥ 0", key("seats"))));
            }
            other => other.map(|n| n as u64),
        };
        sites.insert(
            id.clone(),
            (
                format!("{file}: sites.{id}"),
                SiteOverride {
                    share: s.share,
                    seats,
                },
            ),
        );
    }
    Ok(ScenarioSpec {
        volume_pct: raw.volume_pct,
        aht_delta_s: raw.aht_delta_s,
        outages,
        sites,
    })
}

fn check_volume(v: f64) -> std::result::Result<(), String> {
    if v.is_finite() && v > -100.0 {
        Ok(())
    } else {
        Err(format!("{v} must be a number > -100 (percent)"))
    }
}

fn check_aht_delta(v: f64) -> std::result::Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{v} must be a number of seconds"))
    }
}

impl ScenarioSpec {
    /// Values given with the request replace the file's: each given value wins; given outages
    /// (each `SITE:FROM:TO` with the label its messages name it by) replace the file's list.
    pub fn override_with(
        &mut self,
        volume_pct: Option<f64>,
        aht_delta_s: Option<f64>,
        outages: &[(String, String)],
    ) -> Result<()> {
        if let Some(v) = volume_pct {
            check_volume(v)
                .map_err(|r| EngineError::invalid("volume_pct", format!("volume change: {r}")))?;
            self.volume_pct = Some(v);
        }
        if let Some(v) = aht_delta_s {
            check_aht_delta(v)
                .map_err(|r| EngineError::invalid("aht_delta_s", format!("AHT change: {r}")))?;
            self.aht_delta_s = Some(v);
        }
        if !outages.is_empty() {
            self.outages = outages
                .iter()
                .map(|(label, f)| parse_outage(f).map(|o| (label.clone(), o)))
                .collect::<Result<_>>()?;
        }
        Ok(())
    }
}

/// `SITE:FROM:TO` (dates YYYY-MM-DD, inclusive).
pub fn parse_outage(flag: &str) -> Result<Outage> {
    let bad = |why: &str| {
        EngineError::invalid(
            "outage",
            format!("outage {flag}: {why} (expected SITE:FROM:TO, e.g. mnl:2025-12-01:2025-12-03)"),
        )
    };
    let parts: Vec<&str> = flag.split(':').collect();
    let [site, from, to] = parts.as_slice() else {
        return Err(bad("not three parts separated by ':'"));
    };
    let date = |s: &str, what: &str| {
        NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
            bad(&format!(
                "{what} {} is not a date YYYY-MM-DD",
                crate::io::quoted(s)
            ))
        })
    };
    let (from, to) = (date(from, "from")?, date(to, "to")?);
    if site.trim().is_empty() {
        return Err(bad("the site is empty"));
    }
    if from > to {
        return Err(bad(&format!("from {from} is after to {to}")));
    }
    Ok(Outage {
        site: site.trim().to_string(),
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<ScenarioSpec> {
        read_scenario(text, Path::new("s.toml"))
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn scenario_file_reads_every_key() {
        let s = read(
            r#"
volume_pct = 12.5
aht_delta_s = -20
[[outage]]
site = "bog"
from = 2025-12-01
to = "2025-12-03"
[sites.mnl]
share = 0.7
seats = 40
"#,
        )
        .unwrap();
        assert_eq!(s.volume_pct, Some(12.5));
        assert_eq!(s.aht_delta_s, Some(-20.0));
        assert_eq!(
            s.outages,
            vec![(
                "s.toml: outage[0]".to_string(),
                Outage {
                    site: "bog".into(),
                    from: date("2025-12-01"),
                    to: date("2025-12-03"),
                }
            )]
        );
        assert_eq!(
            s.sites["mnl"],
            (
                "s.toml: sites.mnl".to_string(),
                SiteOverride {
                    share: Some(0.7),
                    seats: Some(40)
                }
            )
        );
    }

    #[test]
    fn scenario_errors_name_file_and_key() {
        let err = |t: &str| read(t).unwrap_err().to_string();
        assert_eq!(
            err("[[outage]]\nsite = \"a\"\nfrom = 3\nto = 2025-01-01\n"),
            "s.toml: outage[0].from: expected a date YYYY-MM-DD, found 3"
        );
        assert_eq!(
            err("[sites.a]\nshare = -0.5\n"),
            "s.toml: sites.a.share: -0.5 must be a number ≥ 0"
        );
        assert_eq!(
            err("aht_delta_s = nan\n"),
            "s.toml: aht_delta_s: NaN must be a number of seconds"
        );
        assert!(err("[sites.a]\nseat = 3\n").contains("unknown field `seat`"));
    }

    #[test]
    fn flags_override_the_file() {
        let mut s =
            read("volume_pct = 5\n[[outage]]\nsite = \"a\"\nfrom = 2025-01-01\nto = 2025-01-02\n")
                .unwrap();
        s.override_with(
            None,
            Some(10.0),
            &[(
                "outage b:2025-01-03:2025-01-03".into(),
                "b:2025-01-03:2025-01-03".into(),
            )],
        )
        .unwrap();
        assert_eq!(s.volume_pct, Some(5.0));
        assert_eq!(s.aht_delta_s, Some(10.0));
        assert_eq!(s.outages.len(), 1);
        assert_eq!(s.outages[0].1.site, "b");
        assert_eq!(s.outages[0].0, "outage b:2025-01-03:2025-01-03");
        assert_eq!(
            parse_outage("b:2025-01-03:2025-01-01").unwrap_err().to_string(),
            "outage b:2025-01-03:2025-01-01: from 2025-01-03 is after to 2025-01-01 (expected SITE:FROM:TO, e.g. mnl:2025-12-01:2025-12-03)"
        );
        assert!(parse_outage(":2025-01-01:2025-01-01")
            .unwrap_err()
            .to_string()
            .contains("the site is empty"));
    }
}
