//! `opsdeck mine`: process mining of a case event log (CSV or XES) — directly-follows graph,
//! variants, rework, ping-pong, bottlenecks, automation candidates, service and waiting time,
//! and a summary; with filters and lifecycle transitions (start → complete instances).

use crate::output::{self, Format};
use anyhow::{bail, Context, Result};
use opsdeck_core::mining::{self, AutomationOptions, DurationStats, EventLog, Order, TimeMode};
use opsdeck_engine::eventlog::{
    read_event_log, CostParams, Lifecycle, LogOptions, LogParams, ReadLog,
};
use opsdeck_engine::views::mining::{
    activity_times_table, automation_table, bottleneck_table, dfg_table, pingpong_table,
    rework_table, variant_table,
};
use opsdeck_engine::views::table;
use serde_json::{json, Map, Value as Json};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand, Debug)]
pub enum MineCommand {
    /// Directly-follows graph: edges with count and mean / median / p90 seconds, start and end
    /// activities.
    Dfg(LogArgs),
    /// Distinct activity sequences with their case counts and shares.
    Variants(LogArgs),
    /// Per activity: cases in which it occurs more than once.
    Rework(LogArgs),
    /// X → Y → X hand-backs between teams or resources, and their effect on case duration.
    Pingpong(PingPongArgs),
    /// Directly-follows edges ranked by total delay (count × mean).
    Bottlenecks(LogArgs),
    /// Activities ranked as automation candidates (frequency × duration × regularity).
    Automation(AutomationArgs),
    /// Per activity: instances, service time (start → complete) and waiting time (from the
    /// completion of the instance before it).
    Activities(LogArgs),
    /// All of the above in one report.
    Summary(SummaryArgs),
}

/// Output formats of `mine` (dot: Graphviz, for `mine dfg`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MineFormat {
    Json,
    Csv,
    Dot,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TimeModeArg {
    /// Cases whose events all lie in the range (pm4py's `traces_contained`).
    Contained,
    /// Cases whose first event lies in the range (pm4py's `traces_starting_in`).
    Started,
    /// The events in the range; cases may lose events (pm4py's `events`).
    Events,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OrderArg {
    /// By timestamp, ties by the order in the file (pm4py's order).
    Timestamp,
    /// As recorded in the file; negative times are counted and kept.
    File,
}

#[derive(clap::Args, Debug)]
pub struct LogSource {
    /// Event log: CSV or XES, plain or gzip (told apart by content).
    #[arg(long)]
    pub log: PathBuf,
    /// Case id column (CSV default case_id; XES default the trace's concept:name).
    #[arg(long)]
    pub case: Option<String>,
    /// Activity / status column (CSV default activity; XES default concept:name).
    #[arg(long)]
    pub activity: Option<String>,
    /// Timestamp column (CSV default timestamp; XES default time:timestamp).
    #[arg(long)]
    pub timestamp: Option<String>,
    /// strftime pattern of CSV timestamps (default: ISO 8601 / RFC 3339 with or without an
    /// offset), e.g. "%d/%m/%Y %H:%M".
    #[arg(long = "timestamp-format")]
    pub timestamp_format: Option<String>,
    /// IANA zone of timestamps written without an offset (default UTC).
    #[arg(long, default_value = "UTC")]
    pub tz: String,
    /// CSV field delimiter.
    #[arg(long, default_value = ",")]
    pub delimiter: char,
    /// A text that means "no value" in the log (e.g. "?"); repeatable. Empty always does.
    #[arg(long)]
    pub missing: Vec<String>,
    /// Longest quoted field of a CSV log, in bytes: past it a stray quote costs its own row
    /// and reading goes on at the next line.
    #[arg(long = "max-field-bytes", default_value_t = opsdeck_engine::io::csv_reader::DEFAULT_MAX_FIELD_BYTES, value_parser = crate::profile_args::field_bytes)]
    pub max_field_bytes: usize,
}

impl LogSource {
    /// What these flags ask: no lifecycle pairing, no filters, events in timestamp order.
    pub fn params(&self) -> LogParams {
        LogParams {
            case: self.case.clone(),
            activity: self.activity.clone(),
            timestamp: self.timestamp.clone(),
            timestamp_format: self.timestamp_format.clone(),
            tz: self.tz.clone(),
            delimiter: self.delimiter,
            missing: self.missing.clone(),
            max_field_bytes: self.max_field_bytes,
            lifecycle: Lifecycle::Off,
            source_lines: true,
            ..LogParams::default()
        }
    }

    /// Reader options for these columns: no free attributes kept, events in timestamp order.
    pub fn options(&self) -> Result<LogOptions> {
        self.params().options(&flag).map_err(anyhow::Error::msg)
    }

    /// Read the log with a progress bar.
    pub fn read(&self, opts: &LogOptions) -> Result<ReadLog> {
        let bar = crate::progress::bytes_bar(std::slice::from_ref(&self.log));
        let read = read_event_log(&self.log, opts, &|n| bar.set_position(n))?;
        bar.finish_and_clear();
        Ok(read)
    }
}

#[derive(clap::Args, Debug)]
pub struct LogArgs {
    #[command(flatten)]
    pub src: LogSource,
    /// Resource column (CSV default resource, if present; XES default org:resource).
    #[arg(long)]
    pub resource: Option<String>,
    /// Team / support line / assignment group column (none by default). In XES, a `case:`
    /// prefix names a trace attribute.
    #[arg(long)]
    pub team: Option<String>,
    /// Order of the events within a case.
    #[arg(long, value_enum, default_value_t = OrderArg::Timestamp)]
    pub order: OrderArg,
    // lifecycle column and filters, boxed: inline they would make every command large
    #[command(flatten)]
    pub pick: Box<PickArgs>,
    /// Output format (dot: only for `mine dfg`).
    #[arg(long, value_enum, default_value_t = MineFormat::Table)]
    pub format: MineFormat,
    /// Rows to show in lists (default: all; `mine summary`: 10; 0: all).
    #[arg(long)]
    pub top: Option<usize>,
    /// Write to this file instead of standard output.
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

/// Which events make the log analysed: lifecycle pairing and filters.
#[derive(clap::Args, Debug)]
pub struct PickArgs {
    /// Lifecycle transition column (start / complete / schedule …): events are paired into
    /// activity instances, start → complete. XES default: lifecycle:transition when events
    /// carry it; CSV: none.
    #[arg(long, value_name = "COLUMN", conflicts_with = "no_lifecycle")]
    pub lifecycle: Option<String>,
    /// Treat every event as an occurrence of its activity, whatever its lifecycle transition.
    #[arg(long = "no-lifecycle")]
    pub no_lifecycle: bool,
    /// Keep the cases in which an event has ATTR = VALUE (any column, or XES attribute;
    /// `case:` prefix for a trace attribute). Repeatable: values of one attribute OR, different
    /// attributes AND.
    #[arg(long = "where", value_name = "ATTR=VALUE")]
    pub where_: Vec<String>,
    /// Start of the time range (a date YYYY-MM-DD, or a timestamp; in --tz unless it has an
    /// offset), included.
    #[arg(long)]
    pub from: Option<String>,
    /// End of the time range, included (a date: up to its last microsecond).
    #[arg(long)]
    pub to: Option<String>,
    /// What --from/--to keep.
    #[arg(long = "time-mode", value_enum, default_value_t = TimeModeArg::Contained)]
    pub time_mode: TimeModeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ByArg {
    Team,
    Resource,
}

#[derive(clap::Args, Debug)]
pub struct PingPongArgs {
    #[command(flatten)]
    pub log: LogArgs,
    /// Project cases on the team column (--team) or on the resource column.
    #[arg(long, value_enum, default_value_t = ByArg::Team)]
    pub by: ByArg,
}

#[derive(clap::Args, Debug)]
pub struct CostArgs {
    /// Cost of one hour of the work, to price the hours saved.
    #[arg(long = "cost-per-hour", default_value_t = 30.0)]
    pub cost_per_hour: f64,
    /// Activities measured fewer times are not ranked.
    #[arg(long = "min-occurrences", default_value_t = 1)]
    pub min_occurrences: u64,
    /// Longest gap before an event counted as work on it, in minutes; longer gaps are waiting
    /// and left out of the time saved.
    #[arg(long = "max-work-min", default_value_t = 60.0)]
    pub max_work_min: f64,
    /// ISO 4217 currency of --cost-per-hour (labels the cost saved).
    #[arg(long, default_value = "USD")]
    pub currency: String,
}

impl CostArgs {
    fn options(&self) -> Result<AutomationOptions> {
        CostParams {
            cost_per_hour: self.cost_per_hour,
            min_occurrences: self.min_occurrences,
            max_work_min: self.max_work_min,
            currency: self.currency.clone(),
        }
        .options(&flag)
        .map_err(anyhow::Error::msg)
    }
}

#[derive(clap::Args, Debug)]
pub struct AutomationArgs {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub cost: CostArgs,
}

#[derive(clap::Args, Debug)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub log: LogArgs,
    #[command(flatten)]
    pub cost: CostArgs,
}

/// A parameter as the command line spells it: `--from`, `--cost-per-hour`.
pub fn flag(name: &str) -> String {
    format!("--{}", name.replace('_', "-"))
}

impl LogArgs {
    fn options(&self) -> Result<LogOptions> {
        let params = LogParams {
            resource: self.resource.clone(),
            team: self.team.clone(),
            order: match self.order {
                OrderArg::Timestamp => Order::Timestamp,
                OrderArg::File => Order::File,
            },
            // no mining report quotes an event's line
            source_lines: false,
            lifecycle: match (&self.pick.lifecycle, self.pick.no_lifecycle) {
                (_, true) => Lifecycle::Off,
                (Some(c), false) => Lifecycle::Column(c.clone()),
                (None, false) => Lifecycle::Auto,
            },
            where_: self.pick.where_.clone(),
            from: self.pick.from.clone(),
            to: self.pick.to.clone(),
            time_mode: match self.pick.time_mode {
                TimeModeArg::Contained => TimeMode::Contained,
                TimeModeArg::Started => TimeMode::Started,
                TimeModeArg::Events => TimeMode::Events,
            },
            ..self.src.params()
        };
        params.options(&flag).map_err(anyhow::Error::msg)
    }

    fn read(&self) -> Result<ReadLog> {
        self.src.read(&self.options()?)
    }

    fn out(&self) -> Result<Box<dyn Write>> {
        crate::output::open(self.output.as_deref())
    }

    fn cut<T>(&self, mut v: Vec<T>) -> Vec<T> {
        if let Some(n) = self.top.filter(|&n| n > 0) {
            v.truncate(n);
        }
        v
    }

    /// The table format for csv / json / table output; dot is refused.
    fn table_format(&self, what: &str) -> Result<Format> {
        Ok(match self.format {
            MineFormat::Csv => Format::Csv,
            MineFormat::Json => Format::Json,
            MineFormat::Table => Format::Table,
            MineFormat::Dot => bail!("--format dot is for `mine dfg` only, not `mine {what}`"),
        })
    }
}

pub fn run(c: MineCommand) -> Result<ExitCode> {
    let (args, name) = match &c {
        MineCommand::Dfg(a) => (a, "dfg"),
        MineCommand::Variants(a) => (a, "variants"),
        MineCommand::Rework(a) => (a, "rework"),
        MineCommand::Pingpong(a) => (&a.log, "pingpong"),
        MineCommand::Bottlenecks(a) => (a, "bottlenecks"),
        MineCommand::Automation(a) => (&a.log, "automation"),
        MineCommand::Activities(a) => (a, "activities"),
        MineCommand::Summary(a) => (&a.log, "summary"),
    };
    // refuse a bad format or option before reading a large file
    if name != "dfg" && name != "summary" {
        args.table_format(name)?;
    }
    let read = args.read()?;
    let log = &read.log;
    let mut out = args.out()?;
    match &c {
        MineCommand::Dfg(a) => write_dfg(&mut out, a, log)?,
        MineCommand::Variants(a) => write_variants(&mut out, a, log)?,
        MineCommand::Rework(a) => {
            let t = rework_table(&a.cut(mining::rework(log)));
            output::write(&mut out, a.table_format(name)?, &t)?;
        }
        MineCommand::Pingpong(p) => {
            let col = match p.by {
                ByArg::Team => log.team.as_ref().context(
                    "ping-pong by team needs the team column: name it with --team COLUMN",
                )?,
                ByArg::Resource => log.resource.as_ref().context(
                    "ping-pong by resource needs a resource column: name it with --resource COLUMN",
                )?,
            };
            let pp = mining::pingpong(log, col);
            write_pingpong(&mut out, &p.log, pp)?;
        }
        MineCommand::Bottlenecks(a) => {
            let g = mining::dfg(log);
            let t = bottleneck_table(&a.cut(mining::bottlenecks(&g)));
            output::write(&mut out, a.table_format(name)?, &t)?;
        }
        MineCommand::Automation(a) => {
            let opts = a.cost.options()?;
            let t = automation_table(&a.log.cut(mining::automation(log, &opts)), &a.cost.currency);
            output::write(&mut out, a.log.table_format(name)?, &t)?;
        }
        MineCommand::Activities(a) => {
            let t = activity_times_table(&a.cut(mining::activity_times(log)));
            output::write(&mut out, a.table_format(name)?, &t)?;
        }
        MineCommand::Summary(a) => {
            let opts = a.cost.options()?;
            let top = match a.log.top {
                None => 10,
                Some(0) => usize::MAX,
                Some(n) => n,
            };
            let s = mining::summary(log, &opts, top);
            write_summary(&mut out, &a.log, &s, &a.cost.currency)?;
        }
    }
    out.flush()?;
    let code = report(&read, name);
    // the process ends next: giving the log's memory back name by name (one allocation per
    // case) would only delay the exit, so the operating system takes it back whole
    std::mem::forget(read);
    code
}

/// What was read, filtered, paired and left out, on stderr; exit code 3 when events were left
/// out.
fn report(read: &ReadLog, name: &str) -> Result<ExitCode> {
    let log = &read.log;
    note!(
        "opsdeck mine {name}: {} events in {} cases (cases by {:?}, {}); {} left out",
        read.events,
        read.cases,
        read.columns.case,
        match read.format {
            opsdeck_engine::eventlog::LogFormat::Csv => "CSV",
            opsdeck_engine::eventlog::LogFormat::Xes => "XES",
        },
        read.issue_count
    );
    if let Some(f) = &read.filtered {
        note!(
            "  filters kept {} of {} cases, {} of {} events",
            f.cases_kept,
            f.cases_in,
            f.events_kept,
            f.events_in
        );
    }
    if let Some(iv) = &log.intervals {
        note!("  {}", lifecycle_line(&iv.report));
    }
    if log.out_of_order > 0 {
        let what = match log.order {
            Order::Timestamp => "reordered by timestamp",
            Order::File => "kept in file order: their time from the previous event is negative",
        };
        note!(
            "  events stamped earlier than the event recorded before them in their case: {} ({what})",
            log.out_of_order
        );
    }
    if read.naive_timestamps > 0 && read.offset_timestamps > 0 {
        note!(
            "  warning: {} timestamps carry no offset and {} do; those without were read in --tz",
            read.naive_timestamps,
            read.offset_timestamps
        );
    }
    for i in read.issues.iter().take(20) {
        note!(
            "  left out {}: {}",
            read_path_name(read),
            crate::errors::listed(i)
        );
    }
    if read.issue_count > 20 {
        note!("  … and {} more", read.issue_count - 20);
    }
    Ok(if read.issue_count > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// What lifecycle pairing did, in one line.
fn lifecycle_line(r: &mining::LifecycleReport) -> String {
    let mut left: Vec<String> = r
        .other
        .iter()
        .map(|o| format!("{} {}", o.events, o.transition))
        .collect();
    if r.unmatched_starts > 0 {
        left.push(format!("{} starts never completed", r.unmatched_starts));
    }
    if r.cases_without_instances > 0 {
        left.push(format!(
            "{} cases without a completed instance",
            r.cases_without_instances
        ));
    }
    format!(
        "lifecycle {:?}: {} events paired into {} activity instances ({} with a start, {} complete only){}",
        r.column,
        r.events,
        r.instances,
        r.started,
        r.instances - r.started,
        if left.is_empty() {
            String::new()
        } else {
            format!("; left out: {}", left.join(", "))
        }
    )
}

fn read_path_name(read: &ReadLog) -> &'static str {
    match read.format {
        opsdeck_engine::eventlog::LogFormat::Csv => "row",
        opsdeck_engine::eventlog::LogFormat::Xes => "event",
    }
}

fn counts_obj(v: &[mining::ActivityCount]) -> Json {
    Json::Object(
        v.iter()
            .map(|a| (a.activity.clone(), json!(a.count)))
            .collect::<Map<_, _>>(),
    )
}

/// The DFG in the shape of pm4py_peer.py's `--out` JSON.
pub fn dfg_json(g: &mining::Dfg) -> Json {
    json!({
        "events": g.events,
        "cases": g.cases,
        "activities": g.activities.iter().map(|a| a.activity.clone()).collect::<Vec<_>>(),
        "activity_counts": counts_obj(&g.activities),
        "dfg": g.edges.iter().map(|e| json!({
            "from": e.from, "to": e.to, "count": e.count,
            "mean_s": e.duration.mean_s, "median_s": e.duration.median_s,
            "p90_s": e.duration.p90_s,
        })).collect::<Vec<_>>(),
        "start_activities": counts_obj(&g.start_activities),
        "end_activities": counts_obj(&g.end_activities),
    })
}

fn dot_id(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn human_s(s: Option<f64>) -> String {
    s.map_or("—".into(), table::duration)
}

fn write_dfg(out: &mut dyn Write, a: &LogArgs, log: &EventLog) -> Result<()> {
    let g = mining::dfg(log);
    match a.format {
        MineFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &dfg_json(&g))?;
            writeln!(out)?;
        }
        MineFormat::Dot => {
            writeln!(out, "digraph dfg {{\n  rankdir=LR;\n  node [shape=box];")?;
            writeln!(
                out,
                "  \"▶\" [shape=circle];\n  \"■\" [shape=doublecircle];"
            )?;
            for act in &g.activities {
                let label = format!("{}\\n{}", act.activity.replace('"', "\\\""), act.count);
                writeln!(out, "  {} [label=\"{label}\"];", dot_id(&act.activity))?;
            }
            for s in &g.start_activities {
                writeln!(
                    out,
                    "  \"▶\" -> {} [label=\"{}\"];",
                    dot_id(&s.activity),
                    s.count
                )?;
            }
            for e in &g.edges {
                writeln!(
                    out,
                    "  {} -> {} [label=\"{} · {}\"];",
                    dot_id(&e.from),
                    dot_id(&e.to),
                    e.count,
                    human_s(e.duration.mean_s)
                )?;
            }
            for s in &g.end_activities {
                writeln!(
                    out,
                    "  {} -> \"■\" [label=\"{}\"];",
                    dot_id(&s.activity),
                    s.count
                )?;
            }
            writeln!(out, "}}")?;
        }
        MineFormat::Csv | MineFormat::Table => {
            output::write(out, a.table_format("dfg")?, &dfg_table(&a.cut(g.edges)))?;
        }
    }
    Ok(())
}

fn write_variants(out: &mut dyn Write, a: &LogArgs, log: &EventLog) -> Result<()> {
    let vars = mining::variants(log);
    let n_variants = vars.len();
    let vars = a.cut(vars);
    if a.format == MineFormat::Json {
        let v = json!({
            "events": log.n_events(),
            "cases": log.n_cases(),
            "n_variants": n_variants,
            "variants": vars,
        });
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    output::write(out, a.table_format("variants")?, &variant_table(&vars))
}

fn duration_line(label: &str, d: &DurationStats) -> String {
    format!(
        "{label}: {} cases, mean {}, median {}, p90 {}",
        d.count,
        human_s(d.mean_s),
        human_s(d.median_s),
        human_s(d.p90_s)
    )
}

fn pingpong_lines(p: &mining::PingPong) -> Vec<String> {
    vec![
        format!(
            "ping-pong by {}: {} of {} cases ({}), {} X→Y→X patterns, {} handovers; {} cases carry no {}",
            p.by,
            p.cases_with_pingpong,
            p.cases,
            p.rate.map_or("—".into(), |r| format!("{:.1} %", r * 100.0)),
            p.patterns,
            p.handovers,
            p.cases_without_values,
            p.by
        ),
        duration_line("  with ping-pong", &p.duration_with),
        duration_line("  without", &p.duration_without),
        format!(
            "  difference: mean {}, median {}",
            human_s(p.mean_difference_s),
            human_s(p.median_difference_s)
        ),
    ]
}

fn write_pingpong(out: &mut dyn Write, a: &LogArgs, mut p: mining::PingPong) -> Result<()> {
    p.pairs = a.cut(p.pairs);
    match a.format {
        MineFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &p)?;
            writeln!(out)?;
        }
        MineFormat::Csv => {
            output::write(out, Format::Csv, &pingpong_table(&p))?;
        }
        MineFormat::Table => {
            for l in pingpong_lines(&p) {
                writeln!(out, "{l}")?;
            }
            writeln!(out)?;
            output::write(out, Format::Table, &pingpong_table(&p))?;
        }
        MineFormat::Dot => bail!("--format dot is for `mine dfg` only, not `mine pingpong`"),
    }
    Ok(())
}

fn write_summary(
    out: &mut dyn Write,
    a: &LogArgs,
    s: &mining::Summary,
    currency: &str,
) -> Result<()> {
    match a.format {
        MineFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, s)?;
            writeln!(out)?;
            return Ok(());
        }
        MineFormat::Csv | MineFormat::Dot => {
            bail!("`mine summary` holds several tables: use --format table or json")
        }
        MineFormat::Table => {}
    }
    let events = if s.lifecycle.is_some() {
        "activity instances"
    } else {
        "events"
    };
    writeln!(
        out,
        "{} {events}, {} cases, {} activities, {} variants",
        s.events, s.cases, s.activities, s.variants
    )?;
    if let Some(l) = &s.lifecycle {
        writeln!(out, "{}", lifecycle_line(l))?;
    }
    writeln!(out, "{}", duration_line("case duration", &s.case_duration))?;
    let starts: Vec<String> = s
        .start_activities
        .iter()
        .map(|x| format!("{} {}", x.activity, x.count))
        .collect();
    let ends: Vec<String> = s
        .end_activities
        .iter()
        .map(|x| format!("{} {}", x.activity, x.count))
        .collect();
    writeln!(out, "start activities: {}", starts.join(", "))?;
    writeln!(out, "end activities: {}", ends.join(", "))?;
    if s.lifecycle.is_some() {
        if s.negative_gaps > 0 {
            writeln!(
                out,
                "overlapping instances (started before the one before them completed): {}",
                s.negative_gaps
            )?;
        }
    } else if s.out_of_order_events > 0 || s.negative_gaps > 0 {
        writeln!(
            out,
            "out-of-order events: {}; negative directly-follows times: {}",
            s.out_of_order_events, s.negative_gaps
        )?;
    }
    writeln!(out, "\ntop variants")?;
    output::write(out, Format::Table, &variant_table(&s.top_variants))?;
    if let Some(t) = &s.activity_times {
        writeln!(out, "\nservice and waiting time per activity")?;
        output::write(out, Format::Table, &activity_times_table(t))?;
    }
    writeln!(out, "\nbottlenecks (edges by total time)")?;
    output::write(out, Format::Table, &bottleneck_table(&s.bottlenecks))?;
    writeln!(out, "\nrework (activities repeated within a case)")?;
    output::write(out, Format::Table, &rework_table(&s.rework))?;
    for p in [&s.pingpong_team, &s.pingpong_resource]
        .into_iter()
        .flatten()
    {
        writeln!(out)?;
        for l in pingpong_lines(p) {
            writeln!(out, "{l}")?;
        }
        output::write(out, Format::Table, &pingpong_table(p))?;
    }
    writeln!(out, "\nautomation candidates")?;
    output::write(
        out,
        Format::Table,
        &automation_table(&s.automation, currency),
    )?;
    Ok(())
}
