//! Writes one realistic example per chart type to `/tmp/opsdeck-charts/` (SVG files and an
//! `index.html` with the stylesheet) for people to look at, and checks each one.

mod support;

use std::fmt::Write as _;

use opsdeck_report::chart::{
    bars, dfg, heatmap, line, pareto, sparkline, stacked_bars, Bar, BarSpec, DfgEdge, DfgNode,
    DfgSpec, HeatmapSpec, LineSpec, ParetoSpec, Series, SparklineSpec, StackedSpec, Status,
    CHART_CSS,
};

fn pct(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

/// Thousands separators: 12345.6 → "12,346".
fn count(v: f64) -> String {
    let n = v.round() as i64;
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn months() -> Vec<String> {
    [
        "2025-06", "2025-07", "2025-08", "2025-09", "2025-10", "2025-11",
    ]
    .map(String::from)
    .to_vec()
}

fn examples() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();

    let mut l = LineSpec::new("ex-line", "Service level by month");
    l.labels = months();
    l.series = vec![
        Series::new(
            "Billing",
            vec![
                Some(0.78),
                Some(0.812),
                None,
                Some(0.79),
                Some(0.83),
                Some(0.848),
            ],
        ),
        Series::new(
            "Tech support",
            vec![
                Some(0.71),
                Some(0.74),
                Some(0.76),
                Some(0.81),
                Some(0.8),
                Some(0.77),
            ],
        ),
    ];
    l.target = Some(0.8);
    l.band = Some((0.75, 0.85));
    l.y_range = Some((0.6, 1.0));
    out.push(("line", line(&l, &pct)));

    let mut b = BarSpec::new("ex-bars", "Service level by queue, November");
    b.bars = vec![
        Bar::new("Billing", Some(0.848)).with_status(Status::Met),
        Bar::new("Tech support", Some(0.77)).with_status(Status::AtRisk),
        Bar::new("Retention", Some(0.64)).with_status(Status::Missed),
        Bar::new("Sales", Some(0.91)).with_status(Status::Met),
        Bar::new("Back office", Some(0.55)).with_status(Status::NoData),
        Bar::new("Chat pilot", None).with_status(Status::NoData),
    ];
    b.target = Some(0.8);
    b.y_range = Some((0.0, 1.0));
    out.push(("bars", bars(&b, &pct)));

    let mut s = StackedSpec::new("ex-stacked", "Contacts by channel");
    s.labels = months();
    s.series = vec![
        Series::new(
            "Voice",
            vec![
                Some(12400.0),
                Some(11800.0),
                Some(13100.0),
                Some(12050.0),
                Some(11500.0),
                Some(10900.0),
            ],
        ),
        Series::new(
            "Chat",
            vec![
                Some(4200.0),
                Some(4800.0),
                Some(5300.0),
                Some(5900.0),
                Some(6400.0),
                Some(7100.0),
            ],
        ),
        Series::new(
            "Email",
            vec![
                Some(3100.0),
                Some(2900.0),
                Some(2700.0),
                None,
                Some(2500.0),
                Some(2300.0),
            ],
        ),
        Series::new(
            "Messaging",
            vec![
                Some(600.0),
                Some(900.0),
                Some(1300.0),
                Some(1800.0),
                Some(2400.0),
                Some(3000.0),
            ],
        ),
    ];
    out.push(("stacked", stacked_bars(&s, &count)));

    let mut h = HeatmapSpec::new("ex-heatmap", "Occupancy by weekday and half hour");
    h.rows = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        .map(String::from)
        .to_vec();
    h.cols = (16..44)
        .map(|i| format!("{:02}:{:02}", i / 2, (i % 2) * 30))
        .collect();
    h.values = (0..7)
        .map(|d| {
            (16..44)
                .map(|i| {
                    if d >= 5 && !(18..36).contains(&i) {
                        return None;
                    }
                    let peak = 1.0 - ((i as f64 - 24.0) / 14.0).powi(2);
                    let day = if d >= 5 { 0.75 } else { 1.0 - d as f64 * 0.03 };
                    Some((0.55 + 0.4 * peak * day).clamp(0.0, 0.99))
                })
                .collect()
        })
        .collect();
    h.breaks = Some([0.6, 0.7, 0.8, 0.9]);
    out.push(("heatmap", heatmap(&h, &pct)));

    let mut p = ParetoSpec::new("ex-pareto", "Repeat-contact reasons");
    p.items = [
        ("Billing dispute", 412.0),
        ("Password reset", 268.0),
        ("Delivery delay", 190.0),
        ("Plan change", 88.0),
        ("Cancellation", 61.0),
        ("Address update", 37.0),
        ("Other", 24.0),
    ]
    .map(|(a, c)| (a.to_string(), c))
    .to_vec();
    out.push(("pareto", pareto(&p, &count)));

    let mut k = SparklineSpec::new("ex-spark", "Service level, last 12 weeks");
    k.target = Some(0.8);
    let vals = [
        0.77, 0.79, 0.81, 0.83, 0.8, 0.78, 0.82, 0.84, 0.86, 0.83, 0.85, 0.848,
    ];
    let mut v: Vec<Option<f64>> = vals.iter().map(|x| Some(*x)).collect();
    v[5] = None;
    out.push(("sparkline", sparkline(&v, &k, &pct)));

    let mut d = DfgSpec::new("ex-dfg", "Ticket handling: directly-follows graph");
    d.nodes = [
        ("Ticket created", 1000),
        ("Triage", 1130),
        ("Assign agent", 980),
        ("Request info", 260),
        ("Customer replies", 240),
        ("Resolve", 950),
        ("Reopen", 130),
        ("Close", 940),
        ("Escalate to L2", 150),
    ]
    .map(|(n, c)| DfgNode::new(n, c))
    .to_vec();
    d.edges = vec![
        DfgEdge::new("Ticket created", "Triage", 1000).with_duration("3.1 min"),
        DfgEdge::new("Triage", "Assign agent", 830).with_duration("12.4 min"),
        DfgEdge::new("Triage", "Escalate to L2", 150).with_duration("25 min"),
        DfgEdge::new("Escalate to L2", "Assign agent", 150).with_duration("1.2 h"),
        DfgEdge::new("Assign agent", "Resolve", 720).with_duration("2.3 h"),
        DfgEdge::new("Assign agent", "Request info", 260).with_duration("40 min"),
        DfgEdge::new("Request info", "Customer replies", 240).with_duration("1.1 d"),
        DfgEdge::new("Request info", "Request info", 35).with_duration("4 h"),
        DfgEdge::new("Customer replies", "Resolve", 230).with_duration("1.6 h"),
        DfgEdge::new("Resolve", "Close", 820).with_duration("2 d"),
        DfgEdge::new("Resolve", "Reopen", 130).with_duration("3.4 d"),
        DfgEdge::new("Reopen", "Triage", 130).with_duration("15 min"),
    ];
    out.push(("dfg", dfg(&d, &count)));
    d.direction = opsdeck_report::chart::Direction::TopDown;
    d.id = "ex-dfg-td".into();
    out.push(("dfg-topdown", dfg(&d, &count)));
    out
}

#[test]
fn write_examples() {
    let dir = std::env::temp_dir().join("opsdeck-charts");
    let _ = std::fs::create_dir_all(&dir);
    let mut html = String::from("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>opsdeck charts</title>\n<style>\nbody { font-family: system-ui, sans-serif; margin: 16px; }\nfigure { margin: 0 0 16px; }\n");
    html.push_str(CHART_CSS);
    html.push_str("</style></head><body>\n");
    for (name, svg) in examples() {
        support::check_xml(&svg).unwrap_or_else(|e| panic!("{name}: {e}"));
        let _ = std::fs::write(dir.join(format!("{name}.svg")), &svg);
        let _ = write!(
            html,
            "<figure><figcaption>{name}</figcaption>\n{svg}</figure>\n"
        );
    }
    html.push_str("</body></html>\n");
    let _ = std::fs::write(dir.join("index.html"), html);
}

#[test]
fn examples_are_deterministic() {
    assert_eq!(examples(), examples());
}
