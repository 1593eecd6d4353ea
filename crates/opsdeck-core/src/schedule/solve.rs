//! The optimiser (no solver library): per independent block the LP relaxation solved exactly
//! (`lp`), rounded down and completed by a lazy greedy, then local search (drop a redundant
//! agent, move an agent to an overlapping instance, two for one and one for two); a block whose
//! result is above its LP bound gets a small branch-and-bound, and only when some block stays
//! unproven a seeded large-neighbourhood search empties a time window, refills it greedily and
//! keeps the result when it is not worse.

use super::lp::{self, Block, BlockLp, Integer};
use super::{Model, Schedule};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Search settings. Deterministic for a given seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SolveOptions {
    pub seed: u64,
    /// Most ruin-and-recreate rounds after the first local optimum.
    pub iterations: u32,
    /// Stop after this many rounds in a row that found nothing better.
    pub patience: u32,
    /// Most LPs the branch-and-bound solves per block.
    pub nodes: u32,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            seed: 0x5eed,
            iterations: 2_000,
            patience: 100,
            nodes: 2_000,
        }
    }
}

/// splitmix64: a small deterministic generator (the core takes seeds, never entropy).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

struct State<'m> {
    m: &'m Model,
    x: Vec<u32>,
    cov: Vec<u32>,
    cost: f64,
    short: u64,
    eps: f64,
    /// Per-instance factors on the greedy ratio (empty: none), to diversify refills.
    noise: Vec<f64>,
    /// Instances the local search may take agents from (the region a round disturbed).
    active: Vec<bool>,
}

#[derive(PartialEq)]
struct Key(f64, usize);
impl Eq for Key {}
impl PartialOrd for Key {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Key {
    fn cmp(&self, o: &Self) -> Ordering {
        // larger ratio first, then lower index (deterministic)
        self.0.total_cmp(&o.0).then(o.1.cmp(&self.1))
    }
}

impl<'m> State<'m> {
    fn new(m: &'m Model) -> State<'m> {
        let scale = m.instances.iter().map(|i| i.cost).fold(m.penalty, f64::max);
        State {
            m,
            x: vec![0; m.instances.len()],
            cov: vec![0; m.requirements.len()],
            cost: 0.0,
            short: m.requirements.iter().map(|r| u64::from(r.required)).sum(),
            eps: 1e-9 * scale,
            noise: Vec::new(),
            active: vec![true; m.instances.len()],
        }
    }

    fn objective(&self) -> f64 {
        self.cost + self.m.penalty * self.short as f64
    }

    fn req(&self, t: u32) -> u32 {
        self.m.requirements[t as usize].required
    }

    fn add(&mut self, i: usize) {
        let inst = &self.m.instances[i];
        self.x[i] += 1;
        self.cost += inst.cost;
        for &t in &inst.covers {
            if self.cov[t as usize] < self.req(t) {
                self.short -= 1;
            }
            self.cov[t as usize] += 1;
        }
    }

    fn remove(&mut self, i: usize) {
        let inst = &self.m.instances[i];
        self.x[i] -= 1;
        self.cost -= inst.cost;
        for &t in &inst.covers {
            self.cov[t as usize] -= 1;
            if self.cov[t as usize] < self.req(t) {
                self.short += 1;
            }
        }
    }

    /// Shortage units one more agent on `i` would remove.
    fn gain(&self, i: usize) -> u32 {
        let c = &self.m.instances[i].covers;
        c.iter()
            .filter(|&&t| self.cov[t as usize] < self.req(t))
            .count() as u32
    }

    /// Shortage units removing one agent from `i` would create.
    fn loss(&self, i: usize) -> u32 {
        let c = &self.m.instances[i].covers;
        c.iter()
            .filter(|&&t| self.cov[t as usize] <= self.req(t))
            .count() as u32
    }

    fn delta_add(&self, i: usize) -> f64 {
        let inst = &self.m.instances[i];
        if self.x[i] >= inst.max {
            return f64::INFINITY;
        }
        inst.cost - self.m.penalty * f64::from(self.gain(i))
    }

    fn delta_remove(&self, i: usize) -> f64 {
        -self.m.instances[i].cost + self.m.penalty * f64::from(self.loss(i))
    }

    fn ratio(&self, i: usize) -> Option<f64> {
        let inst = &self.m.instances[i];
        let g = self.gain(i);
        if g == 0 || self.x[i] >= inst.max || self.m.penalty * f64::from(g) <= inst.cost {
            return None;
        }
        Some(f64::from(g) / inst.cost.max(1e-12) * self.noise.get(i).copied().unwrap_or(1.0))
    }

    /// Greedy: repeatedly add the agent covering the most shortage per unit of cost (lazy
    /// evaluation is exact because gains only fall as coverage rises).
    fn fill(&mut self) {
        let mut heap: BinaryHeap<Key> = (0..self.x.len())
            .filter_map(|i| self.ratio(i).map(|r| Key(r, i)))
            .collect();
        while let Some(Key(r, i)) = heap.pop() {
            let Some(now) = self.ratio(i) else { continue };
            if now < r {
                heap.push(Key(now, i));
                continue;
            }
            self.add(i);
            if let Some(next) = self.ratio(i) {
                heap.push(Key(next, i));
            }
        }
    }

    fn drop_pass(&mut self) -> bool {
        let mut improved = false;
        for i in 0..self.x.len() {
            while self.active[i] && self.x[i] > 0 && self.delta_remove(i) < -self.eps {
                self.remove(i);
                improved = true;
            }
        }
        improved
    }

    fn swap_pass(&mut self, near: &[Vec<u32>]) -> bool {
        let mut improved = false;
        for (i, cands) in near.iter().enumerate() {
            if self.x[i] == 0 || !self.active[i] {
                continue;
            }
            let d_rem = self.delta_remove(i);
            self.remove(i);
            let (d, j) = self.best_add(cands, i);
            if d_rem + d < -self.eps {
                self.add(j);
                improved = true;
            } else {
                self.add(i);
            }
        }
        improved
    }

    /// The instance in `cands` (other than `except`) whose extra agent changes the objective
    /// least, with that change.
    fn best_add(&self, cands: &[u32], except: usize) -> (f64, usize) {
        let mut best = (f64::INFINITY, except);
        for &j in cands {
            let j = j as usize;
            if j != except {
                let d = self.delta_add(j);
                if d < best.0 {
                    best = (d, j);
                }
            }
        }
        best
    }

    /// Replace two agents (on overlapping instances) by one, or one by two, when cheaper.
    fn merge_split_pass(&mut self, near: &[Vec<u32>]) -> bool {
        let mut improved = false;
        for i in 0..self.x.len() {
            if self.x[i] == 0 || !self.active[i] {
                continue;
            }
            // two for one
            for &k in &near[i] {
                let k = k as usize;
                if self.x[i] == 0 || self.x[k] == 0 || (k == i && self.x[i] < 2) {
                    continue;
                }
                let before = self.objective();
                self.remove(i);
                self.remove(k);
                let (a, j) = self.best_add(&near[i], usize::MAX);
                let (b, j2) = self.best_add(&near[k], usize::MAX);
                let (d, j) = if a <= b { (a, j) } else { (b, j2) };
                if d.is_finite() && self.objective() + d < before - self.eps {
                    self.add(j);
                    improved = true;
                } else {
                    self.add(k);
                    self.add(i);
                }
            }
            if self.x[i] == 0 {
                continue;
            }
            // one for two
            let before = self.objective();
            self.remove(i);
            let (a, j1) = self.best_add(&near[i], i);
            if a.is_finite() {
                self.add(j1);
                let (b, j2) = self.best_add(&near[i], i);
                if b.is_finite() && self.objective() + b < before - self.eps {
                    self.add(j2);
                    improved = true;
                    continue;
                }
                self.remove(j1);
            }
            self.add(i);
        }
        improved
    }

    fn local_search(&mut self, near: &[Vec<u32>]) {
        loop {
            let a = self.drop_pass();
            let b = self.swap_pass(near);
            if !a && !b && !self.merge_split_pass(near) {
                break;
            }
        }
    }
}

/// Instances sharing at least one covered interval with each instance.
fn neighbours(m: &Model) -> Vec<Vec<u32>> {
    let mut by_t: Vec<Vec<u32>> = vec![Vec::new(); m.requirements.len()];
    for (i, inst) in m.instances.iter().enumerate() {
        for &t in &inst.covers {
            by_t[t as usize].push(i as u32);
        }
    }
    let mut seen = vec![usize::MAX; m.instances.len()];
    m.instances
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let mut out = Vec::new();
            for &t in &inst.covers {
                for &j in &by_t[t as usize] {
                    if seen[j as usize] != i {
                        seen[j as usize] = i;
                        out.push(j);
                    }
                }
            }
            out
        })
        .collect()
}

/// Σ cost · count over the block's instances plus the penalty of its shortages.
fn block_objective(s: &State, b: &Block) -> f64 {
    let cost: f64 = b
        .cols
        .iter()
        .map(|&j| s.m.instances[j as usize].cost * f64::from(s.x[j as usize]))
        .sum();
    let short: u32 = b
        .rows
        .iter()
        .map(|&t| s.req(t).saturating_sub(s.cov[t as usize]))
        .sum();
    cost + s.m.penalty * f64::from(short)
}

/// Choose agents per instance minimising shift cost plus shortage penalty; the schedule carries
/// a lower bound on the optimum when every block's LP was solved.
pub fn solve(m: &Model, opts: &SolveOptions) -> Schedule {
    let near = neighbours(m);
    let mut s = State::new(m);
    let blocks = lp::blocks(m);
    let integral_costs =
        m.penalty.fract() == 0.0 && m.instances.iter().all(|i| i.cost.fract() == 0.0);
    let lps: Vec<Option<(BlockLp, lp::LpSolution)>> = blocks
        .iter()
        .map(|b| {
            if b.rows.len() * (b.rows.len() + b.cols.len()) > lp::MAX_TABLEAU {
                return None;
            }
            let block_lp = BlockLp::new(m, b);
            block_lp.solve(None).map(|sol| (block_lp, sol))
        })
        .collect();
    for (b, plan) in blocks.iter().zip(&lps) {
        if let Some((_, sol)) = plan {
            for (&j, &v) in b.cols.iter().zip(&sol.x) {
                for _ in 0..(v + 1e-6).floor() as u32 {
                    s.add(j as usize);
                }
            }
        }
    }
    s.fill();
    s.local_search(&near);
    let mut lower_bound = Some(0.0);
    let mut all_proven = true;
    for (b, plan) in blocks.iter().zip(&lps) {
        let Some((block_lp, sol)) = plan else {
            lower_bound = None;
            all_proven = false;
            continue;
        };
        let root = lp::bound(sol.objective, integral_costs);
        let have = block_objective(&s, b);
        let block_bound = if have <= root + 1e-9 * root.abs().max(1.0) {
            have
        } else {
            let incumbent = Integer {
                x: b.cols.iter().map(|&j| s.x[j as usize]).collect(),
                objective: have,
                proven: false,
            };
            let found = lp::branch_and_bound(block_lp, incumbent, integral_costs, opts.nodes);
            for (&j, &v) in b.cols.iter().zip(&found.x) {
                let j = j as usize;
                while s.x[j] > v {
                    s.remove(j);
                }
                while s.x[j] < v {
                    s.add(j);
                }
            }
            all_proven &= found.proven;
            if found.proven {
                found.objective
            } else {
                root
            }
        };
        lower_bound = lower_bound.map(|l| l + block_bound);
    }
    if all_proven {
        return Schedule {
            lower_bound,
            ..finish(m, s.x)
        };
    }
    let mut rng = Rng(opts.seed);
    let span = m
        .instances
        .iter()
        .map(|i| i.end_utc - i.start_utc)
        .max()
        .unwrap_or(3600);
    if !m.instances.is_empty() {
        let mut stale = 0;
        for _ in 0..opts.iterations {
            if stale >= opts.patience {
                break;
            }
            let (x, cov, cost, short) = (s.x.clone(), s.cov.clone(), s.cost, s.short);
            let before = s.objective();
            let centre = m.instances[rng.below(m.instances.len())].start_utc;
            let width = span / 4 * (1 + rng.below(4) as i64);
            for i in 0..s.x.len() {
                let dist = (m.instances[i].start_utc - centre).abs();
                s.active[i] = dist <= width / 2 + 2 * span;
                if dist <= width / 2 {
                    while s.x[i] > 0 {
                        s.remove(i);
                    }
                }
            }
            s.noise = (0..s.x.len())
                .map(|_| 1.0 + 0.2 * (rng.next() >> 11) as f64 / (1u64 << 53) as f64)
                .collect();
            s.fill();
            s.noise.clear();
            s.local_search(&near);
            let after = s.objective();
            if after > before + s.eps {
                s.x = x;
                s.cov = cov;
                s.cost = cost;
                s.short = short;
            }
            stale = if after < before - s.eps { 0 } else { stale + 1 };
        }
    }
    Schedule {
        lower_bound,
        ..finish(m, s.x)
    }
}

/// The schedule of the counts `x`, with every total recomputed from scratch.
pub(super) fn finish(m: &Model, x: Vec<u32>) -> Schedule {
    let mut coverage = vec![0u32; m.requirements.len()];
    let mut shift_cost = 0.0;
    for (inst, &n) in m.instances.iter().zip(&x) {
        shift_cost += inst.cost * f64::from(n);
        for &t in &inst.covers {
            coverage[t as usize] += n;
        }
    }
    let (mut shortage, mut over) = (0u64, 0u64);
    for (r, &c) in m.requirements.iter().zip(&coverage) {
        shortage += u64::from(r.required.saturating_sub(c));
        over += u64::from(c.saturating_sub(r.required));
    }
    Schedule {
        counts: x,
        coverage,
        shift_cost,
        shortage,
        over,
        objective: shift_cost + m.penalty * shortage as f64,
        lower_bound: None,
    }
}
