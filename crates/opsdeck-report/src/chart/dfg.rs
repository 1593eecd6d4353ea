//! Directly-follows graph (process mining): a layered layout computed here and drawn as rounded
//! activity boxes and arrowed edges whose width follows their count.
//!
//! Layout (Sugiyama style): a depth-first search from the start activities (no incoming edges;
//! most frequent first, ties by name) marks back edges (to an activity still on the search
//! stack: loops, rework); ranks are longest paths over the remaining acyclic edges; edges
//! spanning several ranks get dummy points; the order within each rank comes from barycenter
//! sweeps (ties by name), keeping the order with the fewest crossings; positions within a rank
//! are pulled towards their neighbours (isotonic least squares with minimum gaps). Forward edges
//! run between facing sides, back edges leave and enter on the far side (below in left-to-right
//! layouts, right in top-to-bottom ones) and are dashed; self-loops are small loops on the near
//! side. Edge labels (count · duration) sit mid-edge and step a line up or down to clear boxes
//! and other labels, heaviest edge first. Everything the caller passes is drawn: pick the top-N
//! edges before calling.

use std::collections::BTreeMap;

use super::common::{begin_scaled, empty_note, label_content, FONT};
use super::css;
use super::svg::{chars_fitting, num, sanitize_id, text_width, truncate, PathData, Svg};

/// An activity with its frequency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DfgNode {
    pub name: String,
    pub count: u64,
}

impl DfgNode {
    pub fn new(name: impl Into<String>, count: u64) -> Self {
        DfgNode {
            name: name.into(),
            count,
        }
    }
}

/// A directly-follows relation `from → to` with its frequency and an optional label for the
/// mean duration between the two activities (already formatted, e.g. "4.2 min").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DfgEdge {
    pub from: String,
    pub to: String,
    pub count: u64,
    pub duration: Option<String>,
}

impl DfgEdge {
    pub fn new(from: impl Into<String>, to: impl Into<String>, count: u64) -> Self {
        DfgEdge {
            from: from.into(),
            to: to.into(),
            count,
            duration: None,
        }
    }

    pub fn with_duration(mut self, label: impl Into<String>) -> Self {
        self.duration = Some(label.into());
        self
    }
}

/// Flow direction of the layers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    #[default]
    LeftRight,
    TopDown,
}

/// A directly-follows graph. Build with [`DfgSpec::new`] and set the public fields.
#[derive(Clone, Debug, PartialEq)]
pub struct DfgSpec {
    pub id: String,
    pub title: String,
    /// Display size in px; the drawing is scaled to fit, keeping its aspect ratio. `None`: the
    /// layout's natural size.
    pub width: Option<f64>,
    pub height: Option<f64>,
    /// Activities. Duplicate names: the first wins. Activities named only by edges are added
    /// without a count.
    pub nodes: Vec<DfgNode>,
    /// Edges. Duplicate `(from, to)` pairs: the first wins.
    pub edges: Vec<DfgEdge>,
    pub direction: Direction,
}

impl DfgSpec {
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        DfgSpec {
            id: id.into(),
            title: title.into(),
            width: None,
            height: None,
            nodes: Vec::new(),
            edges: Vec::new(),
            direction: Direction::LeftRight,
        }
    }
}

/// Node box height, px.
const NODE_H: f64 = 36.0;
/// Node box width limits, px.
const NODE_W_MIN: f64 = 64.0;
const NODE_W_MAX: f64 = 180.0;
/// Gap between layers: left-to-right (room for edge labels), top-to-bottom.
const LAYER_GAP_LR: f64 = 110.0;
const LAYER_GAP_TD: f64 = 64.0;
/// Minimum gap between neighbours within a layer.
const SLOT_GAP_LR: f64 = 30.0;
const SLOT_GAP_TD: f64 = 44.0;
/// v-extent of a dummy point.
const DUMMY_SIZE: f64 = 10.0;
/// Arrowhead length.
const ARROW: f64 = 10.0;
/// Widest edge stroke (the most frequent edge), px; the thinnest is 1.
const EDGE_W_MAX: f64 = 5.0;
/// How far back edges bulge beyond their nodes.
const BULGE: f64 = 24.0;
/// Above this many edge segments between layers, crossings are not counted.
const MAX_MEASURED_SEGMENTS: usize = 4000;
/// Margin around the drawing.
const MARGIN: f64 = 12.0;

/// The graph after cleaning: nodes by index, deduplicated edges.
#[derive(Debug)]
pub(crate) struct Graph {
    pub(crate) names: Vec<String>,
    pub(crate) counts: Vec<Option<u64>>,
    pub(crate) edges: Vec<Edge>,
}

#[derive(Debug)]
pub(crate) struct Edge {
    pub(crate) from: usize,
    pub(crate) to: usize,
    pub(crate) count: u64,
    pub(crate) duration: Option<String>,
    /// Closes a cycle (found by the depth-first search): drawn as a back edge.
    pub(crate) back: bool,
}

impl Edge {
    fn is_loop(&self) -> bool {
        self.from == self.to
    }
}

impl Graph {
    pub(crate) fn new(nodes: &[DfgNode], edges: &[DfgEdge]) -> Graph {
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        let mut names = Vec::new();
        let mut counts = Vec::new();
        let mut intern = |name: &str,
                          count: Option<u64>,
                          names: &mut Vec<String>,
                          counts: &mut Vec<Option<u64>>| {
            *index.entry(name.to_string()).or_insert_with(|| {
                names.push(name.to_string());
                counts.push(count);
                names.len() - 1
            })
        };
        for n in nodes {
            intern(&n.name, Some(n.count), &mut names, &mut counts);
        }
        let mut seen: BTreeMap<(usize, usize), ()> = BTreeMap::new();
        let mut out = Vec::new();
        for e in edges {
            let from = intern(&e.from, None, &mut names, &mut counts);
            let to = intern(&e.to, None, &mut names, &mut counts);
            if seen.insert((from, to), ()).is_none() {
                out.push(Edge {
                    from,
                    to,
                    count: e.count,
                    duration: e.duration.clone(),
                    back: false,
                });
            }
        }
        // deterministic whatever the input order: edges by (from name, to name)
        out.sort_by(|a, b| (&names[a.from], &names[a.to]).cmp(&(&names[b.from], &names[b.to])));
        let mut g = Graph {
            names,
            counts,
            edges: out,
        };
        g.mark_back_edges();
        g
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    /// Nodes sorted by count (descending, missing last), then name.
    fn by_weight(&self, mut nodes: Vec<usize>) -> Vec<usize> {
        nodes.sort_by(|&a, &b| {
            let (ca, cb) = (
                self.counts[a].map_or(0, |c| c as u128 + 1),
                self.counts[b].map_or(0, |c| c as u128 + 1),
            );
            cb.cmp(&ca).then_with(|| self.names[a].cmp(&self.names[b]))
        });
        nodes
    }

    /// Start activities: no incoming edge other than a self-loop.
    pub(crate) fn starts(&self) -> Vec<usize> {
        let mut has_in = vec![false; self.len()];
        for e in self.edges.iter().filter(|e| !e.is_loop()) {
            has_in[e.to] = true;
        }
        self.by_weight((0..self.len()).filter(|&v| !has_in[v]).collect())
    }

    /// Depth-first search from the starts (then from any node left, heaviest first); an edge to
    /// a node on the search stack is a back edge. Out-edges are followed heaviest first, ties by
    /// target name.
    fn mark_back_edges(&mut self) {
        let n = self.len();
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, e) in self.edges.iter().enumerate() {
            out[e.from].push(i);
        }
        for list in &mut out {
            list.sort_by(|&a, &b| {
                let (ea, eb) = (&self.edges[a], &self.edges[b]);
                eb.count
                    .cmp(&ea.count)
                    .then_with(|| self.names[ea.to].cmp(&self.names[eb.to]))
            });
        }
        let mut roots = self.starts();
        roots.extend(self.by_weight((0..n).collect()));
        // 0 unvisited, 1 on the stack, 2 done
        let mut state = vec![0u8; n];
        for root in roots {
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            while let Some(&(u, k)) = stack.last() {
                if let Some(&ei) = out[u].get(k) {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    let v = self.edges[ei].to;
                    if v == u {
                        continue;
                    }
                    match state[v] {
                        0 => {
                            state[v] = 1;
                            stack.push((v, 0));
                        }
                        1 => self.edges[ei].back = true,
                        _ => {}
                    }
                } else {
                    state[u] = 2;
                    stack.pop();
                }
            }
        }
    }

    /// Rank of each node: the longest path from a source over the forward edges.
    pub(crate) fn ranks(&self) -> Vec<usize> {
        let n = self.len();
        let fwd: Vec<&Edge> = self
            .edges
            .iter()
            .filter(|e| !e.back && !e.is_loop())
            .collect();
        let mut indeg = vec![0usize; n];
        let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
        for e in &fwd {
            indeg[e.to] += 1;
            out[e.from].push(e.to);
        }
        let mut rank = vec![0usize; n];
        let mut ready: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
        while let Some(u) = ready.pop() {
            for &v in &out[u] {
                rank[v] = rank[v].max(rank[u] + 1);
                indeg[v] -= 1;
                if indeg[v] == 0 {
                    ready.push(v);
                }
            }
        }
        rank
    }
}

/// A point of the layered layout: an activity or a dummy point of a long edge.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Vertex {
    Node(usize),
    /// (edge index, step along its chain)
    Dummy(usize, usize),
}

/// Layout in abstract coordinates: `u` along the flow, `v` across it.
struct Layout {
    /// Vertices per layer, in order.
    layers: Vec<Vec<usize>>,
    verts: Vec<Vertex>,
    /// v centre of each vertex.
    v: Vec<f64>,
    /// Layer of each vertex.
    layer_of: Vec<usize>,
    /// Chain of vertices of each edge, upper layer first (empty for self-loops).
    chains: Vec<Vec<usize>>,
}

/// Box sizes of activities and the flow direction.
struct Geometry {
    dir: Direction,
    node_w: Vec<f64>,
}

impl Geometry {
    /// Extent of a vertex across the flow.
    fn v_size(&self, vert: Vertex) -> f64 {
        match (vert, self.dir) {
            (Vertex::Dummy(..), _) => DUMMY_SIZE,
            (Vertex::Node(_), Direction::LeftRight) => NODE_H,
            (Vertex::Node(i), Direction::TopDown) => self.node_w[i],
        }
    }

    /// Half extent of a node along the flow.
    fn u_half(&self, i: usize) -> f64 {
        match self.dir {
            Direction::LeftRight => self.node_w[i] / 2.0,
            Direction::TopDown => NODE_H / 2.0,
        }
    }

    /// (u, v) → (x, y).
    fn xy(&self, p: (f64, f64)) -> (f64, f64) {
        match self.dir {
            Direction::LeftRight => p,
            Direction::TopDown => (p.1, p.0),
        }
    }
}

fn layout(g: &Graph, geo: &Geometry, ranks: &[usize]) -> Layout {
    let n = g.len();
    let nlayers = ranks.iter().copied().max().map_or(0, |m| m + 1);
    let mut verts: Vec<Vertex> = (0..n).map(Vertex::Node).collect();
    let mut layer_of: Vec<usize> = ranks.to_vec();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(g.edges.len());
    for (ei, e) in g.edges.iter().enumerate() {
        if e.is_loop() {
            chains.push(Vec::new());
            continue;
        }
        let (a, b) = if ranks[e.from] <= ranks[e.to] {
            (e.from, e.to)
        } else {
            (e.to, e.from)
        };
        let mut chain = vec![a];
        for (k, r) in (ranks[a] + 1..ranks[b]).enumerate() {
            verts.push(Vertex::Dummy(ei, k));
            layer_of.push(r);
            chain.push(verts.len() - 1);
        }
        chain.push(b);
        chains.push(chain);
    }
    let nv = verts.len();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); nv];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); nv];
    for chain in &chains {
        for w in chain.windows(2) {
            if layer_of[w[1]] == layer_of[w[0]] + 1 {
                down[w[0]].push(w[1]);
                up[w[1]].push(w[0]);
            }
        }
    }
    // sort keys for ties: activity name, dummies after activities by their edge's names
    let key: Vec<String> = verts
        .iter()
        .map(|v| match *v {
            Vertex::Node(i) => format!("0{}", g.names[i]),
            Vertex::Dummy(ei, k) => format!(
                "1{}\u{0}{}\u{0}{k:08}",
                g.names[g.edges[ei].from], g.names[g.edges[ei].to]
            ),
        })
        .collect();
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); nlayers];
    for (vi, &l) in layer_of.iter().enumerate() {
        layers[l].push(vi);
    }
    // initial order: heaviest first in every layer (dummies by key)
    for layer in &mut layers {
        layer.sort_by(|&a, &b| {
            weight_key(g, &verts, a)
                .cmp(&weight_key(g, &verts, b))
                .then_with(|| key[a].cmp(&key[b]))
        });
    }
    let mut pos = vec![0usize; nv];
    let set_pos = |layers: &[Vec<usize>], pos: &mut [usize]| {
        for layer in layers {
            for (i, &v) in layer.iter().enumerate() {
                pos[v] = i;
            }
        }
    };
    set_pos(&layers, &mut pos);
    // counting crossings is quadratic in the edges between two layers: skip it for huge inputs
    // and keep the last sweep's order
    let measure = down.iter().map(Vec::len).sum::<usize>() <= MAX_MEASURED_SEGMENTS;
    let mut best = layers.clone();
    let mut best_cross = if measure {
        crossings(&layers, &down, &pos)
    } else {
        usize::MAX
    };
    for sweep in 0..8 {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..nlayers).collect()
        } else {
            (0..nlayers.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let nbrs = if downward { &up } else { &down };
            let mut bary: Vec<(f64, usize)> = layers[l]
                .iter()
                .map(|&v| {
                    let ns = &nbrs[v];
                    let b = if ns.is_empty() {
                        pos[v] as f64
                    } else {
                        ns.iter().map(|&u| pos[u] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (b, v)
                })
                .collect();
            bary.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| key[a.1].cmp(&key[b.1])));
            layers[l] = bary.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in layers[l].iter().enumerate() {
                pos[v] = i;
            }
        }
        let c = if measure {
            crossings(&layers, &down, &pos)
        } else {
            0
        };
        if c < best_cross || !measure {
            best_cross = c;
            best = layers.clone();
        }
    }
    let layers = best;
    set_pos(&layers, &mut pos);

    // positions across the flow; room for self-loops before and back edges after a node
    let mut has_loop = vec![false; n];
    let mut has_back = vec![false; n];
    for e in &g.edges {
        if e.is_loop() {
            has_loop[e.from] = true;
        } else if e.back {
            has_back[e.from] = true;
            has_back[e.to] = true;
        }
    }
    let extra_before: Vec<f64> = verts
        .iter()
        .map(|v| match *v {
            Vertex::Node(i) if has_loop[i] => match geo.dir {
                Direction::LeftRight => 22.0,
                Direction::TopDown => 30.0 + loop_label_width(g, i),
            },
            _ => 0.0,
        })
        .collect();
    let extra_after: Vec<f64> = verts
        .iter()
        .map(|v| match *v {
            Vertex::Node(i) if has_back[i] => match geo.dir {
                Direction::LeftRight => 16.0,
                Direction::TopDown => 24.0,
            },
            _ => 0.0,
        })
        .collect();
    let slot_gap = match geo.dir {
        Direction::LeftRight => SLOT_GAP_LR,
        Direction::TopDown => SLOT_GAP_TD,
    };
    let seps = |layer: &[usize]| -> Vec<f64> {
        layer
            .windows(2)
            .map(|w| {
                (geo.v_size(verts[w[0]]) + geo.v_size(verts[w[1]])) / 2.0
                    + slot_gap
                    + extra_after[w[0]]
                    + extra_before[w[1]]
            })
            .collect()
    };
    let mut v = vec![0.0; nv];
    for layer in &layers {
        let placed = place(&vec![0.0; layer.len()], &seps(layer));
        for (&vi, p) in layer.iter().zip(placed) {
            v[vi] = p;
        }
    }
    let mean_of = |ns: &[usize], v: &[f64]| ns.iter().map(|&u| v[u]).sum::<f64>() / ns.len() as f64;
    for it in 0..10 {
        let downward = it % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..nlayers).collect()
        } else {
            (0..nlayers.saturating_sub(1)).rev().collect()
        };
        for l in order {
            let nbrs = if downward { &up } else { &down };
            let want: Vec<f64> = layers[l]
                .iter()
                .map(|&x| {
                    if nbrs[x].is_empty() {
                        v[x]
                    } else {
                        mean_of(&nbrs[x], &v)
                    }
                })
                .collect();
            for (&vi, p) in layers[l].iter().zip(place(&want, &seps(&layers[l]))) {
                v[vi] = p;
            }
        }
    }
    for layer in &layers {
        let want: Vec<f64> = layer
            .iter()
            .map(|&x| {
                let all: Vec<usize> = up[x].iter().chain(&down[x]).copied().collect();
                if all.is_empty() {
                    v[x]
                } else {
                    mean_of(&all, &v)
                }
            })
            .collect();
        for (&vi, p) in layer.iter().zip(place(&want, &seps(layer))) {
            v[vi] = p;
        }
    }
    Layout {
        layers,
        verts,
        v,
        layer_of,
        chains,
    }
}

/// Sort key putting heavy activities first, dummies last.
fn weight_key(g: &Graph, verts: &[Vertex], v: usize) -> std::cmp::Reverse<u128> {
    match verts[v] {
        Vertex::Node(i) => std::cmp::Reverse(g.counts[i].map_or(1, |c| c as u128 + 2)),
        Vertex::Dummy(..) => std::cmp::Reverse(0),
    }
}

/// Number of edge crossings between adjacent layers.
fn crossings(layers: &[Vec<usize>], down: &[Vec<usize>], pos: &[usize]) -> usize {
    let mut total = 0;
    for layer in layers {
        let segs: Vec<(usize, usize)> = layer
            .iter()
            .flat_map(|&a| down[a].iter().map(move |&b| (pos[a], pos[b])))
            .collect();
        for (i, s) in segs.iter().enumerate() {
            for t in &segs[i + 1..] {
                if (s.0 < t.0 && s.1 > t.1) || (s.0 > t.0 && s.1 < t.1) {
                    total += 1;
                }
            }
        }
    }
    total
}

/// Positions for items in a fixed order as close as possible (least squares) to `want`, with
/// consecutive items at least `sep[i]` apart: pool-adjacent-violators on `want − offset`.
pub(crate) fn place(want: &[f64], sep: &[f64]) -> Vec<f64> {
    let mut off = Vec::with_capacity(want.len());
    let mut acc = 0.0;
    for i in 0..want.len() {
        if i > 0 {
            acc += sep.get(i - 1).copied().unwrap_or(0.0);
        }
        off.push(acc);
    }
    // blocks of (sum, count) with non-decreasing means
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (w, o) in want.iter().zip(&off) {
        let z = if (w - o).is_finite() { w - o } else { 0.0 };
        blocks.push((z, 1));
        while blocks.len() >= 2 {
            let (s1, c1) = blocks[blocks.len() - 1];
            let (s0, c0) = blocks[blocks.len() - 2];
            if s0 / c0 as f64 > s1 / c1 as f64 {
                blocks.pop();
                if let Some(last) = blocks.last_mut() {
                    *last = (s0 + s1, c0 + c1);
                }
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(want.len());
    for (s, c) in blocks {
        for _ in 0..c {
            out.push(s / c as f64 + off[out.len()]);
        }
    }
    out
}

fn count_text(count: u64, fmt: &dyn Fn(f64) -> String) -> String {
    truncate(&fmt(count as f64), 16)
}

fn edge_label(e: &Edge, fmt: &dyn Fn(f64) -> String) -> String {
    match &e.duration {
        Some(d) => format!("{} · {}", count_text(e.count, fmt), truncate(d, 16)),
        None => count_text(e.count, fmt),
    }
}

/// Rough width of a self-loop's label (for spacing in top-to-bottom layouts).
fn loop_label_width(g: &Graph, i: usize) -> f64 {
    g.edges
        .iter()
        .filter(|e| e.is_loop() && e.from == i)
        .map(|e| text_width(&e.count.to_string(), FONT) + 60.0)
        .fold(0.0, f64::max)
}

/// A point on a path with its direction of travel.
type Pt = ((f64, f64), (f64, f64));

/// One drawable edge in (x, y).
struct DrawnEdge {
    edge: usize,
    d: PathData,
    label_at: (f64, f64),
    anchor: &'static str,
    label_w: f64,
}

/// Stroke width of an edge: 1 px up to [`EDGE_W_MAX`] for the most frequent edge.
fn edge_width(count: u64, max: u64) -> f64 {
    1.0 + (EDGE_W_MAX - 1.0) * (count as f64 / max.max(1) as f64)
}

/// Box of a text of `width` with its baseline at `(x, y)` and the given anchor.
fn text_box((x, y): (f64, f64), width: f64, anchor: &str) -> [f64; 4] {
    let (a, b) = match anchor {
        "start" => (x, x + width),
        "end" => (x - width, x),
        _ => (x - width / 2.0, x + width / 2.0),
    };
    [a - 1.0, y - FONT + 1.0, b + 1.0, y + 3.0]
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Moves edge labels off node boxes and each other: heaviest edge first, each label tries its
/// spot and then spots a line further up or down, keeping the first free one (or its own spot
/// when none is free).
fn place_labels(drawn: &mut [DrawnEdge], g: &Graph, node_boxes: &[[f64; 4]]) {
    let mut taken: Vec<[f64; 4]> = node_boxes.to_vec();
    let mut order: Vec<usize> = (0..drawn.len()).collect();
    order.sort_by(|&a, &b| {
        g.edges[drawn[b].edge]
            .count
            .cmp(&g.edges[drawn[a].edge].count)
            .then(a.cmp(&b))
    });
    let step = FONT + 2.0;
    for i in order {
        let de = &drawn[i];
        let mut chosen = de.label_at;
        for k in [0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0] {
            let at = (de.label_at.0, de.label_at.1 + k * step);
            let bx = text_box(at, de.label_w, de.anchor);
            if !taken.iter().any(|t| overlap(t, &bx)) {
                chosen = at;
                break;
            }
        }
        taken.push(text_box(chosen, de.label_w, de.anchor));
        drawn[i].label_at = chosen;
    }
}

/// Bounding box accumulator.
struct Bounds {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Bounds {
    fn new() -> Self {
        Bounds {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
        }
    }

    fn add(&mut self, (x, y): (f64, f64)) {
        if x.is_finite() && y.is_finite() {
            self.x0 = self.x0.min(x);
            self.y0 = self.y0.min(y);
            self.x1 = self.x1.max(x);
            self.y1 = self.y1.max(y);
        }
    }
}

fn cubic_mid(p0: (f64, f64), c1: (f64, f64), c2: (f64, f64), p3: (f64, f64)) -> (f64, f64) {
    (
        (p0.0 + 3.0 * c1.0 + 3.0 * c2.0 + p3.0) / 8.0,
        (p0.1 + 3.0 * c1.1 + 3.0 * c2.1 + p3.1) / 8.0,
    )
}

/// A smooth path through `pts` (uv), tangent to each point's direction; the end is pulled back by
/// the arrowhead's length. Returns the segments' control points in uv.
fn route(pts: &[Pt]) -> Vec<[(f64, f64); 4]> {
    let mut segs = Vec::new();
    for w in pts.windows(2) {
        let ((p, tp), (q, tq)) = (w[0], w[1]);
        let reach = |t: (f64, f64)| {
            if t.0 != 0.0 {
                ((q.0 - p.0).abs() / 2.0).max(10.0)
            } else {
                BULGE
            }
        };
        let c1 = (p.0 + tp.0 * reach(tp), p.1 + tp.1 * reach(tp));
        let c2 = (q.0 - tq.0 * reach(tq), q.1 - tq.1 * reach(tq));
        segs.push([p, c1, c2, q]);
    }
    if let Some(last) = segs.last_mut() {
        let (c2, q) = (last[2], last[3]);
        let (dx, dy) = (q.0 - c2.0, q.1 - c2.1);
        let len = (dx * dx + dy * dy).sqrt();
        if len > ARROW {
            last[3] = (q.0 - dx / len * ARROW, q.1 - dy / len * ARROW);
        }
    }
    segs
}

/// Renders a directly-follows graph.
pub fn dfg(spec: &DfgSpec, fmt: &dyn Fn(f64) -> String) -> String {
    let id = sanitize_id(&spec.id);
    let g = Graph::new(&spec.nodes, &spec.edges);
    let ranks = g.ranks();
    let node_w: Vec<f64> = g
        .names
        .iter()
        .zip(&g.counts)
        .map(|(name, c)| {
            let t = text_width(name, FONT)
                .max(c.map_or(0.0, |c| text_width(&count_text(c, fmt), FONT)));
            (t + 20.0).clamp(NODE_W_MIN, NODE_W_MAX)
        })
        .collect();
    let geo = Geometry {
        dir: spec.direction,
        node_w,
    };
    let lay = layout(&g, &geo, &ranks);

    // u start and extent of each layer
    let mut layer_u = Vec::with_capacity(lay.layers.len());
    let mut layer_len = Vec::with_capacity(lay.layers.len());
    let mut u = 0.0;
    for layer in &lay.layers {
        let len = match geo.dir {
            Direction::LeftRight => layer
                .iter()
                .filter_map(|&v| {
                    if let Vertex::Node(i) = lay.verts[v] {
                        Some(geo.node_w[i])
                    } else {
                        None
                    }
                })
                .fold(10.0, f64::max),
            Direction::TopDown => NODE_H,
        };
        layer_u.push(u);
        layer_len.push(len);
        u += len
            + match geo.dir {
                Direction::LeftRight => LAYER_GAP_LR,
                Direction::TopDown => LAYER_GAP_TD,
            };
    }
    let centre_u = |vi: usize| {
        let l = lay.layer_of[vi];
        layer_u[l] + layer_len[l] / 2.0
    };
    let node_v_half = |i: usize| geo.v_size(Vertex::Node(i)) / 2.0;

    let mut bounds = Bounds::new();
    // node boxes in xy: (index, centre)
    let mut boxes: Vec<(usize, (f64, f64))> = Vec::new();
    for layer in &lay.layers {
        for &vi in layer {
            if let Vertex::Node(i) = lay.verts[vi] {
                let c = geo.xy((centre_u(vi), lay.v[vi]));
                bounds.add((c.0 - geo.node_w[i] / 2.0, c.1 - NODE_H / 2.0));
                bounds.add((c.0 + geo.node_w[i] / 2.0, c.1 + NODE_H / 2.0));
                boxes.push((i, c));
            }
        }
    }

    let mut drawn: Vec<DrawnEdge> = Vec::new();
    let max_count = g.edges.iter().map(|e| e.count).max().unwrap_or(0);
    for (ei, e) in g.edges.iter().enumerate() {
        let label_w = text_width(&edge_label(e, fmt), FONT);
        if e.is_loop() {
            let (uc, vc) = (centre_u(e.from), lay.v[e.from]);
            let top = vc - node_v_half(e.from);
            let uv = [
                (uc + 9.0, top),
                (uc + 24.0, top - 30.0),
                (uc - 24.0, top - 30.0),
                (uc - 9.0, top),
            ];
            let mut seg = uv;
            let (dx, dy) = (seg[3].0 - seg[2].0, seg[3].1 - seg[2].1);
            let len = (dx * dx + dy * dy).sqrt();
            seg[3] = (seg[3].0 - dx / len * ARROW, seg[3].1 - dy / len * ARROW);
            let xy: Vec<(f64, f64)> = seg.iter().map(|&p| geo.xy(p)).collect();
            let mut d = PathData::new();
            d.m(xy[0].0, xy[0].1).c(xy[1], xy[2], xy[3]);
            for &p in &xy {
                bounds.add(p);
            }
            let apex = geo.xy((uc, top - 24.0));
            let (label_at, anchor) = match geo.dir {
                Direction::LeftRight => ((apex.0, apex.1 - 4.0), "middle"),
                Direction::TopDown => ((apex.0 - 4.0, apex.1 + 4.0), "end"),
            };
            drawn.push(DrawnEdge {
                edge: ei,
                d,
                label_at,
                anchor,
                label_w,
            });
            continue;
        }
        let chain = &lay.chains[ei];
        let mut pts: Vec<Pt> = Vec::new();
        if !e.back {
            // upper → lower through the facing sides
            let (a, b) = (e.from, e.to);
            pts.push(((centre_u(a) + geo.u_half(a), lay.v[a]), (1.0, 0.0)));
            for &d in &chain[1..chain.len().saturating_sub(1)] {
                let l = lay.layer_of[d];
                pts.push(((layer_u[l], lay.v[d]), (1.0, 0.0)));
                pts.push(((layer_u[l] + layer_len[l], lay.v[d]), (1.0, 0.0)));
            }
            pts.push(((centre_u(b) - geo.u_half(b), lay.v[b]), (1.0, 0.0)));
        } else {
            // lower → upper, leaving and entering on the far side
            let (a, b) = (e.from, e.to);
            let far = |i: usize| lay.v[i] + node_v_half(i);
            pts.push(((centre_u(a), far(a)), (0.0, 1.0)));
            for &d in chain[1..chain.len().saturating_sub(1)].iter().rev() {
                let l = lay.layer_of[d];
                pts.push(((layer_u[l] + layer_len[l], lay.v[d]), (-1.0, 0.0)));
                pts.push(((layer_u[l], lay.v[d]), (-1.0, 0.0)));
            }
            pts.push(((centre_u(b), far(b)), (0.0, -1.0)));
        }
        let segs = route(&pts);
        let mut d = PathData::new();
        for (k, s) in segs.iter().enumerate() {
            let xy = s.map(|p| geo.xy(p));
            if k == 0 {
                d.m(xy[0].0, xy[0].1);
            }
            if s[0] == s[1] && s[2] == s[3] {
                d.l(xy[3].0, xy[3].1);
            } else {
                d.c(xy[1], xy[2], xy[3]);
            }
            for p in xy {
                bounds.add(p);
            }
        }
        let dummies = chain.len().saturating_sub(2);
        let mid_seg = 2 * (dummies / 2);
        let m = segs
            .get(mid_seg)
            .map_or((0.0, 0.0), |s| cubic_mid(s[0], s[1], s[2], s[3]));
        let half = edge_width(e.count, max_count) / 2.0;
        let (label_uv, anchor) = match (e.back, geo.dir) {
            (true, Direction::LeftRight) => ((m.0, m.1 + half + 11.0), "middle"),
            (true, Direction::TopDown) => ((m.0 + 4.0, m.1 + half + 3.0), "start"),
            (false, Direction::LeftRight) => ((m.0, m.1 - half - 3.0), "middle"),
            // fan-outs to the left get their labels on the left
            (false, Direction::TopDown) if m.1 < lay.v[e.from] - 1.0 => {
                ((m.0 + 4.0, m.1 - half - 3.0), "end")
            }
            (false, Direction::TopDown) => ((m.0 + 4.0, m.1 + half + 3.0), "start"),
        };
        let label_at = geo.xy(label_uv);
        drawn.push(DrawnEdge {
            edge: ei,
            d,
            label_at,
            anchor,
            label_w,
        });
    }

    let node_boxes: Vec<[f64; 4]> = boxes
        .iter()
        .map(|&(i, (x, y))| {
            [
                x - geo.node_w[i] / 2.0,
                y - NODE_H / 2.0,
                x + geo.node_w[i] / 2.0,
                y + NODE_H / 2.0,
            ]
        })
        .collect();
    place_labels(&mut drawn, &g, &node_boxes);
    for de in &drawn {
        let b = text_box(de.label_at, de.label_w, de.anchor);
        bounds.add((b[0], b[1]));
        bounds.add((b[2], b[3]));
    }

    // natural size and placement
    if boxes.is_empty() {
        bounds = Bounds {
            x0: 0.0,
            y0: 0.0,
            x1: 200.0,
            y1: 60.0,
        };
    }
    let (ox, oy) = (MARGIN - bounds.x0, MARGIN - bounds.y0);
    let nat_w = (bounds.x1 - bounds.x0 + 2.0 * MARGIN)
        .clamp(40.0, 100_000.0)
        .ceil();
    let nat_h = (bounds.y1 - bounds.y0 + 2.0 * MARGIN)
        .clamp(30.0, 100_000.0)
        .ceil();
    let scale = {
        let sw = spec
            .width
            .filter(|w| w.is_finite() && *w > 0.0)
            .map(|w| w / nat_w);
        let sh = spec
            .height
            .filter(|h| h.is_finite() && *h > 0.0)
            .map(|h| h / nat_h);
        match (sw, sh) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => 1.0,
        }
    };

    let desc = describe(&g, fmt);
    let mut w = Svg::new();
    let display = ((nat_w * scale).max(1.0), (nat_h * scale).max(1.0));
    begin_scaled(
        &mut w,
        &id,
        "dfg",
        &spec.title,
        &desc,
        (nat_w, nat_h),
        display,
    );
    draw(
        &mut w,
        &id,
        &g,
        &geo,
        &Scene {
            boxes,
            drawn,
            offset: (ox, oy),
        },
        fmt,
    );
    w.finish()
}

/// What [`draw`] draws, in layout coordinates.
struct Scene {
    /// (activity, centre) of each box.
    boxes: Vec<(usize, (f64, f64))>,
    drawn: Vec<DrawnEdge>,
    /// Translation that brings the drawing to the margin.
    offset: (f64, f64),
}

/// Writes defs, edges, labels and nodes into the open root.
fn draw(
    w: &mut Svg,
    id: &str,
    g: &Graph,
    geo: &Geometry,
    scene: &Scene,
    fmt: &dyn Fn(f64) -> String,
) {
    let Scene {
        boxes,
        drawn,
        offset: (ox, oy),
    } = scene;
    w.tag("defs").open();
    for (name, class, colour) in [
        ("arrow", "arrow", css::MUTED),
        ("arrow-back", "arrow back", css::ACCENT),
    ] {
        w.tag("marker")
            .attr("id", &format!("{id}-{name}"))
            .attr("viewBox", "0 0 10 10")
            .num("refX", 0.0)
            .num("refY", 5.0)
            .num("markerWidth", ARROW)
            .num("markerHeight", ARROW)
            .attr("markerUnits", "userSpaceOnUse")
            .attr("orient", "auto")
            .open();
        w.tag("path")
            .attr("class", class)
            .attr("d", "M0,0 L10,5 L0,10 Z")
            .attr("fill", colour)
            .end();
        w.close();
    }
    w.close();
    w.newline();
    if boxes.is_empty() {
        empty_note(w, 0.0, 0.0, 200.0 + 2.0 * MARGIN, 60.0 + 2.0 * MARGIN);
        return;
    }
    let translate = format!("translate({} {})", num(*ox), num(*oy));
    w.tag("g").attr("transform", &translate).open();
    let max_count = g.edges.iter().map(|e| e.count).max().unwrap_or(0);
    w.tag("g").attr("class", "edges").open();
    for de in drawn {
        let e = &g.edges[de.edge];
        let width = edge_width(e.count, max_count);
        let (class, marker, colour) = if e.back && !e.is_loop() {
            ("edge back", format!("url(#{id}-arrow-back)"), css::ACCENT)
        } else if e.is_loop() {
            ("edge loop", format!("url(#{id}-arrow)"), css::MUTED)
        } else {
            ("edge", format!("url(#{id}-arrow)"), css::MUTED)
        };
        w.tag("path")
            .attr("class", class)
            .attr("d", de.d.as_str())
            .attr("fill", "none")
            .attr("stroke", colour)
            .num("stroke-width", width)
            .attr_opt(
                "stroke-dasharray",
                (e.back && !e.is_loop()).then_some("5 3"),
            )
            .attr("marker-end", &marker)
            .open();
        let kind = if e.is_loop() {
            " (self-loop)"
        } else if e.back {
            " (back edge)"
        } else {
            ""
        };
        w.title(&format!(
            "{} → {}: {}{kind}",
            truncate(&g.names[e.from], 60),
            truncate(&g.names[e.to], 60),
            edge_label(e, fmt)
        ));
        w.close();
    }
    w.close();
    w.newline();
    w.tag("g").attr("class", "edge-labels").open();
    for de in drawn {
        let e = &g.edges[de.edge];
        w.tag("text")
            .attr("class", "elabel halo")
            .at(de.label_at.0, de.label_at.1)
            .attr("text-anchor", de.anchor)
            .attr("fill", css::INK)
            .attr("stroke", "#ffffff")
            .num("stroke-width", 3.0)
            .attr("paint-order", "stroke")
            .text(&edge_label(e, fmt));
    }
    w.close();
    w.newline();
    w.tag("g").attr("class", "nodes").open();
    for &(i, (cx, cy)) in boxes {
        let nw = geo.node_w[i];
        w.tag("g").attr("class", "node").open();
        w.tag("rect")
            .rect(cx - nw / 2.0, cy - NODE_H / 2.0, nw, NODE_H)
            .num("rx", 6.0)
            .attr("fill", "#ffffff")
            .attr("stroke", css::INK)
            .num("stroke-width", 1.2)
            .end();
        let count = g.counts[i].map(|c| count_text(c, fmt));
        let name_y = if count.is_some() { cy - 2.0 } else { cy + 4.0 };
        w.tag("text")
            .attr("class", "nname")
            .at(cx, name_y)
            .attr("text-anchor", "middle")
            .attr("fill", css::INK)
            .attr("font-weight", "600")
            .open();
        label_content(w, &g.names[i], chars_fitting(nw - 10.0, FONT));
        w.close();
        if let Some(c) = &count {
            w.tag("text")
                .attr("class", "ncount")
                .at(cx, cy + 12.0)
                .attr("text-anchor", "middle")
                .attr("fill", css::MUTED)
                .text(c);
        }
        let tip = match &count {
            Some(c) => format!("{}: {c}", truncate(&g.names[i], 60)),
            None => truncate(&g.names[i], 60),
        };
        w.title(&tip);
        w.close();
    }
    w.close();
    w.close();
}

fn describe(g: &Graph, fmt: &dyn Fn(f64) -> String) -> String {
    if g.names.is_empty() {
        return "no activities; no data".into();
    }
    let loops = g.edges.iter().filter(|e| e.is_loop()).count();
    let back = g.edges.iter().filter(|e| e.back && !e.is_loop()).count();
    let mut parts = vec![format!(
        "{} activities, {} directly-follows edges ({back} back edges, {loops} self-loops)",
        g.names.len(),
        g.edges.len()
    )];
    let starts: Vec<String> = g
        .starts()
        .iter()
        .take(3)
        .map(|&i| truncate(&g.names[i], 30))
        .collect();
    if !starts.is_empty() {
        parts.push(format!("starts at {}", starts.join(", ")));
    }
    if let Some(top) = g.edges.iter().max_by(|a, b| {
        a.count.cmp(&b.count).then_with(|| {
            (&g.names[b.from], &g.names[b.to]).cmp(&(&g.names[a.from], &g.names[a.to]))
        })
    }) {
        parts.push(format!(
            "most frequent edge {} → {} ({})",
            truncate(&g.names[top.from], 30),
            truncate(&g.names[top.to], 30),
            count_text(top.count, fmt)
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain_with_rework() -> DfgSpec {
        let mut s = DfgSpec::new("pm", "Ticket flow");
        s.nodes = vec![
            DfgNode::new("a", 100),
            DfgNode::new("b", 120),
            DfgNode::new("c", 100),
        ];
        s.edges = vec![
            DfgEdge::new("a", "b", 100).with_duration("2.0 min"),
            DfgEdge::new("b", "c", 100),
            DfgEdge::new("c", "b", 20).with_duration("1.5 h"),
        ];
        s
    }

    #[test]
    fn chain_ranks_and_back_edge() {
        let s = chain_with_rework();
        let g = Graph::new(&s.nodes, &s.edges);
        let ranks = g.ranks();
        let rank = |n: &str| g.names.iter().position(|x| x == n).map(|i| ranks[i]);
        assert_eq!(
            (rank("a"), rank("b"), rank("c")),
            (Some(0), Some(1), Some(2))
        );
        let back: Vec<(&str, &str)> = g
            .edges
            .iter()
            .filter(|e| e.back)
            .map(|e| (g.names[e.from].as_str(), g.names[e.to].as_str()))
            .collect();
        assert_eq!(back, vec![("c", "b")]);
        let svg = dfg(&s, &|v| format!("{v:.0}"));
        assert_eq!(svg.matches("class=\"edge back\"").count(), 1);
        assert!(svg.contains("marker-end=\"url(#pm-arrow-back)\""));
        assert!(svg.contains("<title>c → b: 20 · 1.5 h (back edge)</title>"));
        assert!(svg.contains("3 activities, 3 directly-follows edges (1 back edges, 0 self-loops); starts at a; most frequent edge a → b (100)"), "{svg}");
    }

    #[test]
    fn back_edge_leaves_below_both_nodes() {
        // left-to-right: the back edge's path must dip below the nodes' bottom edge
        let svg = dfg(&chain_with_rework(), &|v| format!("{v:.0}"));
        let rect_bottoms: Vec<f64> = svg
            .split("<rect ")
            .skip(1)
            .filter_map(|r| {
                let y = attr(r, "y")?;
                let h = attr(r, "height")?;
                Some(y + h)
            })
            .collect();
        let bottom = rect_bottoms.iter().copied().fold(f64::MIN, f64::max);
        let back = svg
            .split("class=\"edge back\" d=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .unwrap_or("");
        let ys: Vec<f64> = back
            .split(|c: char| c == ' ' || c.is_ascii_alphabetic())
            .filter_map(|p| p.split(',').nth(1)?.parse().ok())
            .collect();
        assert!(ys.iter().any(|&y| y > bottom), "{back} vs {bottom}");
    }

    fn attr(s: &str, name: &str) -> Option<f64> {
        s.split(&format!(" {name}=\""))
            .nth(1)?
            .split('"')
            .next()?
            .parse()
            .ok()
    }

    #[test]
    fn self_loops_unknown_nodes_and_duplicates() {
        let mut s = DfgSpec::new("x", "X");
        s.nodes = vec![DfgNode::new("a", 5), DfgNode::new("a", 7)];
        s.edges = vec![
            DfgEdge::new("a", "a", 3),
            DfgEdge::new("a", "zz", 2),
            DfgEdge::new("a", "zz", 9),
        ];
        let svg = dfg(&s, &|v| format!("{v:.0}"));
        assert_eq!(svg.matches("class=\"edge loop\"").count(), 1);
        assert_eq!(svg.matches("<g class=\"node\">").count(), 2);
        assert!(svg.contains("<title>a: 5</title>"));
        assert!(svg.contains("<title>a → zz: 2</title>"));
    }

    #[test]
    fn cycle_without_start_and_long_edges() {
        let mut s = DfgSpec::new("c", "Cycle");
        s.edges = vec![
            DfgEdge::new("x", "y", 1),
            DfgEdge::new("y", "z", 1),
            DfgEdge::new("z", "x", 1),
            DfgEdge::new("x", "z", 5),
        ];
        s.direction = Direction::TopDown;
        let g = Graph::new(&[], &s.edges);
        assert_eq!(g.edges.iter().filter(|e| e.back).count(), 1);
        let svg = dfg(&s, &|v| format!("{v:.0}"));
        assert!(svg.contains("class=\"edge back\""));
    }

    #[test]
    fn placement_keeps_order_and_gaps() {
        let p = place(&[5.0, 5.0, 5.0], &[10.0, 10.0]);
        assert_eq!(p, vec![-5.0, 5.0, 15.0]);
        let p = place(&[0.0, 100.0], &[10.0]);
        assert_eq!(p, vec![0.0, 100.0]);
        let p = place(&[], &[]);
        assert!(p.is_empty());
    }

    #[test]
    fn fixed_display_size_scales() {
        let mut s = chain_with_rework();
        s.width = Some(300.0);
        let svg = dfg(&s, &|v| format!("{v:.0}"));
        assert!(svg.contains(" width=\"300\""), "{}", &svg[..300]);
    }
}
