//! Every chart over normal and hostile inputs: well-formed XML, title and description present,
//! ids unique and prefixed, no NaN, at most one decimal; plus determinism.

mod support;

use opsdeck_report::chart::{
    bars, dfg, heatmap, line, pareto, sparkline, stacked_bars, Bar, BarSpec, DfgEdge, DfgNode,
    DfgSpec, Direction, HeatmapSpec, LineSpec, ParetoSpec, Series, SparklineSpec, StackedSpec,
    Status,
};
use support::check_chart;

const HOSTILE: &str = "<script>alert('x')</script> & \"quoted\" 'single' ]]> \u{0}\u{7}";
const TITLE: &str = "Title <b>&\"'";
const TITLE_ESC: &str = "Title &lt;b&gt;&amp;&quot;&apos;";

fn value_cases() -> Vec<(&'static str, Vec<Option<f64>>)> {
    vec![
        ("empty", vec![]),
        ("all none", vec![None, None, None]),
        (
            "nan inf",
            vec![
                Some(f64::NAN),
                Some(f64::INFINITY),
                Some(f64::NEG_INFINITY),
                Some(1.0),
            ],
        ),
        ("single", vec![Some(5.0)]),
        ("zero range", vec![Some(3.0); 4]),
        ("zeros", vec![Some(0.0); 3]),
        ("negatives", vec![Some(-5.0), Some(-1.0), Some(-3.0)]),
        (
            "mixed with gaps",
            vec![Some(-2.0), None, Some(4.5), Some(0.0), None],
        ),
        (
            "huge",
            vec![
                Some(1e308),
                Some(-1e308),
                Some(f64::MAX),
                Some(f64::MIN_POSITIVE),
            ],
        ),
        ("tiny span", vec![Some(1e-310), Some(2e-310)]),
        (
            "near-equal large",
            vec![Some(1e15), Some(1e15 + 0.25), Some(1e15 + 0.5)],
        ),
        (
            "many",
            (0..500)
                .map(|i| {
                    if i % 37 == 0 {
                        None
                    } else {
                        Some(((i * 7919) % 1000) as f64 / 10.0)
                    }
                })
                .collect(),
        ),
    ]
}

fn label_cases(n: usize) -> Vec<(&'static str, Vec<String>)> {
    vec![
        (
            "matching",
            (0..n).map(|i| format!("2025-{:02}", i % 12 + 1)).collect(),
        ),
        ("hostile", (0..n).map(|i| format!("{HOSTILE}{i}")).collect()),
        (
            "huge",
            (0..n)
                .map(|i| format!("{}{i}", "W".repeat(10_000)))
                .collect(),
        ),
        ("fewer", (0..n / 2).map(|i| format!("p{i}")).collect()),
        ("more", (0..n + 3).map(|i| format!("p{i}")).collect()),
        ("empty strings", vec![String::new(); n]),
    ]
}

const DIMS: [(f64, f64); 4] = [
    (640.0, 240.0),
    (0.0, -1.0),
    (f64::NAN, f64::INFINITY),
    (60.0, 30.0),
];

type Fmt = fn(f64) -> String;
fn plain(v: f64) -> String {
    format!("{v}")
}
fn pct(v: f64) -> String {
    // a finite value can overflow when scaled; that is the formatter's business, not the chart's
    format!("{:.1} %", (v * 100.0).clamp(-f64::MAX, f64::MAX))
}
fn hostile_fmt(v: f64) -> String {
    format!("<b>{v:.1}</b>&'\"")
}
const FORMATTERS: [Fmt; 3] = [plain, pct, hostile_fmt];

#[test]
fn line_charts_are_well_formed_on_any_input() {
    for (vname, values) in value_cases() {
        for (lname, labels) in label_cases(values.len()) {
            for (di, &(w, h)) in DIMS.iter().enumerate() {
                let f = FORMATTERS[di % FORMATTERS.len()];
                let mut s = LineSpec::new(format!("l-{di}"), TITLE);
                s.width = w;
                s.height = h;
                s.labels = labels.clone();
                s.series = vec![Series::new(HOSTILE, values.clone())];
                if di % 2 == 0 {
                    s.series.push(Series::new(
                        "second",
                        values.iter().rev().copied().collect(),
                    ));
                    s.target = Some(2.0);
                    s.band = Some((4.0, 1.0));
                } else {
                    s.target = Some(f64::NAN);
                    s.band = Some((f64::INFINITY, 1.0));
                    s.y_range = Some((1.0, 0.0));
                }
                let svg = line(&s, &f);
                check_chart(&svg, &format!("l-{di}"), TITLE_ESC);
                assert!(!svg.contains("<script"), "{vname}/{lname}");
            }
        }
    }
}

#[test]
fn bar_charts_are_well_formed_on_any_input() {
    let statuses = [
        None,
        Some(Status::Met),
        Some(Status::AtRisk),
        Some(Status::Missed),
        Some(Status::NoData),
    ];
    for (_, values) in value_cases() {
        for (_, labels) in label_cases(values.len()) {
            for (di, &(w, h)) in DIMS.iter().enumerate() {
                let f = FORMATTERS[di % FORMATTERS.len()];
                let mut s = BarSpec::new(format!("b{di}"), TITLE);
                s.width = w;
                s.height = h;
                s.bars = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| Bar {
                        label: labels.get(i).cloned().unwrap_or_default(),
                        value: *v,
                        status: statuses[i % 5],
                    })
                    .collect();
                s.target = [Some(1.0), None, Some(f64::NAN), Some(-3.0)][di];
                if di == 3 {
                    s.y_range = Some((0.0, 1.0));
                }
                check_chart(&bars(&s, &f), &format!("b{di}"), TITLE_ESC);

                let mut st = StackedSpec::new(format!("s{di}"), TITLE);
                st.width = w;
                st.height = h;
                st.labels = labels.clone();
                st.series = (0..8)
                    .map(|k| {
                        Series::new(
                            format!("{HOSTILE}{k}"),
                            values.iter().map(|v| v.map(|x| x * k as f64)).collect(),
                        )
                    })
                    .collect();
                check_chart(&stacked_bars(&st, &f), &format!("s{di}"), TITLE_ESC);
            }
        }
    }
}

#[test]
fn heatmaps_are_well_formed_on_any_input() {
    let breaks = [
        None,
        Some([0.75, 0.25, 0.5, 1.0]),
        Some([f64::NAN, 0.0, 1.0, 2.0]),
        Some([1.0; 4]),
    ];
    for (_, values) in value_cases() {
        for (_, labels) in label_cases(values.len().min(60)) {
            for (di, &(w, h)) in DIMS.iter().enumerate() {
                let f = FORMATTERS[di % FORMATTERS.len()];
                let mut s = HeatmapSpec::new(format!("h{di}"), TITLE);
                s.width = w;
                s.height = h;
                s.rows = labels.iter().take(7).cloned().collect();
                s.cols = labels.clone();
                // ragged: row r has the values rotated by r and is cut short
                s.values = (0..7)
                    .map(|r| {
                        values
                            .iter()
                            .cycle()
                            .skip(r)
                            .take(values.len().saturating_sub(r))
                            .copied()
                            .collect()
                    })
                    .collect();
                s.breaks = breaks[di];
                check_chart(&heatmap(&s, &f), &format!("h{di}"), TITLE_ESC);
            }
        }
    }
}

#[test]
fn paretos_are_well_formed_on_any_input() {
    for (_, values) in value_cases() {
        for (_, labels) in label_cases(values.len()) {
            for (di, &(w, h)) in DIMS.iter().enumerate() {
                let f = FORMATTERS[di % FORMATTERS.len()];
                let mut s = ParetoSpec::new(format!("p{di}"), TITLE);
                s.width = w;
                s.height = h;
                s.items = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        (
                            labels.get(i).cloned().unwrap_or_default(),
                            v.unwrap_or(f64::NAN),
                        )
                    })
                    .collect();
                check_chart(&pareto(&s, &f), &format!("p{di}"), TITLE_ESC);
            }
        }
    }
}

#[test]
fn sparklines_are_well_formed_on_any_input() {
    for (_, values) in value_cases() {
        for (di, &(w, h)) in DIMS.iter().enumerate() {
            let f = FORMATTERS[di % FORMATTERS.len()];
            let mut s = SparklineSpec::new(format!("k{di}"), TITLE);
            s.width = w;
            s.height = h;
            s.target = [Some(0.8), None, Some(f64::NAN), Some(-1e300)][di];
            s.y_range = [None, Some((0.0, 1.0)), Some((1.0, 1.0)), Some((5.0, -5.0))][di];
            check_chart(&sparkline(&values, &s, &f), &format!("k{di}"), TITLE_ESC);
        }
    }
}

fn dfg_cases() -> Vec<(&'static str, Vec<DfgNode>, Vec<DfgEdge>)> {
    let n = |s: &str, c: u64| DfgNode::new(s, c);
    let e = |a: &str, b: &str, c: u64| DfgEdge::new(a, b, c);
    // a dense process: every activity to the next three and one back
    let act = |i: usize| format!("act {:02}", i % 14);
    let big: Vec<DfgEdge> = (0..14)
        .flat_map(|i| [1, 2, 3, 11].map(move |d| (i, d)))
        .map(|(i, d)| {
            DfgEdge::new(act(i), act(i + d), ((i * 31 + d * 7) % 97) as u64)
                .with_duration(format!("{i} min"))
        })
        .collect();
    vec![
        ("empty", vec![], vec![]),
        ("nodes only", vec![n("a", 1), n("b", 0)], vec![]),
        ("edges only", vec![], vec![e("a", "b", 3), e("b", "c", 2)]),
        ("self-loop only", vec![n("a", 3)], vec![e("a", "a", 3)]),
        (
            "hostile",
            vec![n(HOSTILE, 5), n("<&>", 2)],
            vec![
                e(HOSTILE, "<&>", 5).with_duration(HOSTILE),
                e("<&>", HOSTILE, 1),
            ],
        ),
        (
            "huge names",
            vec![n(&"N".repeat(10_000), 1)],
            vec![e(&"N".repeat(10_000), "x", 1)],
        ),
        (
            "cycle",
            vec![],
            vec![e("x", "y", 1), e("y", "z", 1), e("z", "x", 1)],
        ),
        (
            "duplicates and zeros",
            vec![n("a", 0), n("a", 9)],
            vec![e("a", "b", 0), e("a", "b", 4), e("b", "a", 0)],
        ),
        (
            "max counts",
            vec![n("a", u64::MAX)],
            vec![
                e("a", "b", u64::MAX),
                e("b", "c", 1),
                e("a", "c", u64::MAX - 1),
            ],
        ),
        ("dense", vec![], big),
    ]
}

#[test]
fn dfgs_are_well_formed_on_any_input() {
    let sizes = [
        (None, None),
        (Some(400.0), Some(300.0)),
        (Some(0.0), Some(f64::NAN)),
        (None, Some(50.0)),
    ];
    for (name, nodes, edges) in dfg_cases() {
        for (di, &(w, h)) in sizes.iter().enumerate() {
            for dir in [Direction::LeftRight, Direction::TopDown] {
                let f = FORMATTERS[di % FORMATTERS.len()];
                let mut s = DfgSpec::new(format!("d{di}"), TITLE);
                s.width = w;
                s.height = h;
                s.nodes = nodes.clone();
                s.edges = edges.clone();
                s.direction = dir;
                let svg = dfg(&s, &f);
                check_chart(&svg, &format!("d{di}"), TITLE_ESC);
                if name != "empty" {
                    assert!(svg.contains("class=\"node\""), "{name}");
                }
            }
        }
    }
}

#[test]
fn hostile_text_is_escaped_everywhere() {
    let mut s = LineSpec::new("x\"><script>", HOSTILE);
    s.labels = vec![HOSTILE.into()];
    s.series = vec![Series::new(HOSTILE, vec![Some(1.0)])];
    let svg = line(&s, &hostile_fmt);
    assert!(!svg.contains("<script") && !svg.contains("<b>"));
    assert!(
        svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;quoted&quot;")
    );
    assert!(svg.contains("id=\"x---script--title\""), "sanitised id");
}

#[test]
fn output_is_deterministic() {
    let render_all = || {
        let mut out = Vec::new();
        for (_, values) in value_cases() {
            let labels: Vec<String> = (0..values.len()).map(|i| format!("c{i}")).collect();
            let mut l = LineSpec::new("l", "L");
            l.labels = labels.clone();
            l.series = vec![Series::new("a", values.clone())];
            out.push(line(&l, &plain));
            let mut h = HeatmapSpec::new("h", "H");
            h.cols = labels.clone();
            h.rows = vec!["r".into()];
            h.values = vec![values.clone()];
            out.push(heatmap(&h, &plain));
            let mut p = ParetoSpec::new("p", "P");
            p.items = labels
                .iter()
                .cloned()
                .zip(values.iter().map(|v| v.unwrap_or(0.0)))
                .collect();
            out.push(pareto(&p, &plain));
        }
        for (_, nodes, edges) in dfg_cases() {
            let mut d = DfgSpec::new("d", "D");
            d.nodes = nodes;
            d.edges = edges;
            out.push(dfg(&d, &plain));
        }
        out
    };
    assert_eq!(render_all(), render_all());
}

#[test]
fn dfg_layout_does_not_depend_on_input_order() {
    for (name, nodes, edges) in dfg_cases() {
        let mut a = DfgSpec::new("d", "D");
        a.nodes = nodes.clone();
        a.edges = edges.clone();
        let mut b = a.clone();
        b.nodes.reverse();
        b.edges.reverse();
        // duplicates resolve to "first wins", so reversal changes those inputs' meaning
        if name == "duplicates and zeros" {
            continue;
        }
        assert_eq!(dfg(&a, &plain), dfg(&b, &plain), "{name}");
    }
}

#[test]
fn large_inputs_render() {
    // a big, tangled process graph: 120 activities, 1,200 edges, many of them long or backwards
    let act = |i: usize| format!("activity {:03}", i % 120);
    let edges: Vec<DfgEdge> = (0..120)
        .flat_map(|i| (1..=10).map(move |k| (i, (i * 7 + k * 13) % 120)))
        .map(|(a, b)| DfgEdge::new(act(a), act(b), (a * b % 500) as u64))
        .collect();
    let mut d = DfgSpec::new("big", "Big");
    d.edges = edges;
    let svg = dfg(&d, &plain);
    check_chart(&svg, "big", "Big");

    let mut h = HeatmapSpec::new("hm", "H");
    h.rows = (0..31).map(|d| format!("day {d}")).collect();
    h.cols = (0..288)
        .map(|i| format!("{:02}:{:02}", i / 12, i % 12 * 5))
        .collect();
    h.values = (0..31)
        .map(|r| {
            (0..288)
                .map(|c| Some(((r * 288 + c) % 97) as f64))
                .collect()
        })
        .collect();
    check_chart(&heatmap(&h, &plain), "hm", "H");
}
