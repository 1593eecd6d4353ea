//! Event logs in CSV (plain or gzip): columns bound by name, rows parsed in parallel chunks
//! by the CSV reader into worker shards.

use super::*;

/// Header positions of the columns read.
struct CsvBinding {
    /// Column index per slot (None: not read).
    idx: Vec<Option<usize>>,
    ts: usize,
    ts_name: String,
}

struct CsvShard {
    bind: Arc<CsvBinding>,
    shard: Shard,
}

impl RowSink for CsvShard {
    fn chunk(&mut self, first_line: u64, lines: u64) {
        // room for every line of the chunk as an event: the columns never grow by copying
        self.shard
            .begin(first_line, usize::try_from(lines).unwrap_or(0));
    }

    fn row<R: Row>(&mut self, row: &R, line: u64) {
        let mut vals: [Option<&str>; 16] = [None; 16];
        let mut extra: Vec<Option<&str>> = Vec::new();
        let n = self.bind.idx.len();
        let text = |i: usize| -> std::result::Result<&str, String> {
            match row.cell(i)? {
                Cell::Str(s) => Ok(s),
                _ => Ok(""),
            }
        };
        let ts = match text(self.bind.ts) {
            Ok(t) => t,
            Err(why) => return self.shard.issue(line, &self.bind.ts_name, why),
        };
        for (slot, ix) in self.bind.idx.iter().enumerate() {
            let v = match ix {
                None => None,
                Some(i) => match text(*i) {
                    Ok(s) => Some(s.trim()),
                    Err(why) => return self.shard.issue(line, "(row)", why),
                },
            };
            if n <= vals.len() {
                vals[slot] = v;
            } else {
                extra.push(v);
            }
        }
        let vals = if n <= vals.len() {
            &vals[..n]
        } else {
            &extra[..]
        };
        self.shard.push(vals, ts, &self.bind.ts_name, line);
    }

    fn bad_row(&mut self, line: u64, issue: FieldIssue, _raw: String) {
        self.shard.issue(line, &issue.field, issue.reason);
    }
}

fn find_col(
    header: &[String],
    name: &str,
    what: &str,
    path: &Path,
    hint: Option<&str>,
) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        input_err(
            path,
            format!(
                "line 1: no {what} column {} (the header has: {}); {}",
                crate::io::quoted(name),
                crate::io::excerpt(&header.join(", "), 300),
                hint.map_or_else(|| format!("name it with --{what}"), str::to_string)
            ),
        )
    })
}

pub(super) fn read_csv_log(
    path: &Path,
    opts: &LogOptions,
    progress: Progress,
) -> Result<(Vec<Shard>, Columns, u64)> {
    let case = opts.case.clone().unwrap_or_else(|| "case_id".into());
    let activity = opts.activity.clone().unwrap_or_else(|| "activity".into());
    let timestamp = opts.timestamp.clone().unwrap_or_else(|| "timestamp".into());
    let mut columns = None;
    let bind = |header: &[String]| -> Result<CsvBinding> {
        let mut idx = vec![
            Some(find_col(
                header,
                &case,
                "case",
                path,
                opts.missing_column_hint.as_deref(),
            )?),
            Some(find_col(
                header,
                &activity,
                "activity",
                path,
                opts.missing_column_hint.as_deref(),
            )?),
        ];
        let ts = find_col(
            header,
            &timestamp,
            "timestamp",
            path,
            opts.missing_column_hint.as_deref(),
        )?;
        let resource = match &opts.resource {
            Some(r) => Some((
                r.clone(),
                find_col(
                    header,
                    r,
                    "resource",
                    path,
                    opts.missing_column_hint.as_deref(),
                )?,
            )),
            None => header
                .iter()
                .position(|h| h == "resource")
                .map(|i| ("resource".to_string(), i)),
        };
        let team = match &opts.team {
            Some(t) => Some((
                t.clone(),
                find_col(header, t, "team", path, opts.missing_column_hint.as_deref())?,
            )),
            None => None,
        };
        idx.push(resource.as_ref().map(|r| r.1));
        idx.push(team.as_ref().map(|t| t.1));
        let used: Vec<usize> = idx.iter().flatten().copied().chain([ts]).collect();
        let keep: Vec<String> = match &opts.keep {
            Keep::None => Vec::new(),
            Keep::All => header
                .iter()
                .enumerate()
                .filter(|(i, _)| !used.contains(i))
                .map(|(_, h)| h.clone())
                .collect(),
            Keep::Named(names) => names.clone(),
        };
        let lifecycle = match &opts.lifecycle {
            Lifecycle::Column(c) => Some(c.as_str()),
            Lifecycle::Off | Lifecycle::Auto => None,
        };
        let mut read = vec![activity.as_str()];
        read.extend(resource.as_ref().map(|r| r.0.as_str()));
        read.extend(team.as_ref().map(|t| t.0.as_str()));
        let extra = extra_columns(keep, opts, lifecycle, &read, &timestamp)?;
        for (a, what) in &extra {
            let i = match *what {
                "where" => header.iter().position(|h| h == a).ok_or_else(|| {
                    EngineError::invalid(
                        "where",
                        format!(
                            "{}: line 1: filter on {a}: no such column (the header has: {})",
                            path.display(),
                            crate::io::excerpt(&header.join(", "), 300)
                        ),
                    )
                })?,
                _ => find_col(header, a, what, path, opts.missing_column_hint.as_deref())?,
            };
            idx.push(Some(i));
        }
        columns = Some(Columns {
            case: case.clone(),
            activity: activity.clone(),
            timestamp: timestamp.clone(),
            resource: resource.map(|r| r.0),
            team: team.map(|t| t.0),
            attributes: extra.into_iter().map(|(a, _)| a).collect(),
            lifecycle: lifecycle.map(str::to_string),
        });
        Ok(CsvBinding {
            idx,
            ts,
            ts_name: timestamp.clone(),
        })
    };
    let make = |b: Arc<CsvBinding>| CsvShard {
        shard: Shard::new(b.idx.len(), opts),
        bind: b,
    };
    let sinks = read_csv_rows(
        path,
        &crate::io::csv_reader::CsvOptions {
            delimiter: opts.delimiter,
            max_field_bytes: opts.max_field_bytes,
        },
        bind,
        make,
        progress,
    )?;
    let shards: Vec<Shard> = sinks.into_iter().map(|s| s.shard).collect();
    let columns = columns.ok_or_else(|| EngineError::Internal("header not bound".into()))?;
    let read: u64 = shards
        .iter()
        .map(|s| s.issue_count + s.segs.iter().map(|g| g.ts_us.len() as u64).sum::<u64>())
        .sum();
    Ok((shards, columns, read))
}
