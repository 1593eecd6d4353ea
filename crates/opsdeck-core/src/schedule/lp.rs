//! The covering LP relaxation, solved exactly by a dense bounded primal simplex, and a small
//! depth-first branch-and-bound on it.
//!
//! One block (see `blocks`) is `min Σ c_j x_j + p Σ s_i` subject to
//! `Σ_j a_ij x_j + s_i − e_i = r_i`, `l_j ≤ x_j ≤ u_j`, `s, e ≥ 0` (x agents per instance, s
//! shortage, e surplus). The slack basis (all `s_i = r_i`) is feasible, so no phase one is
//! needed; lower bounds are shifted out of the rows and a row whose right-hand side turns
//! negative starts with its surplus basic instead. The `e` columns are never stored: in every
//! basis the tableau column of `e_i` is minus that of `s_i`.

use super::Model;

/// Basic solutions and reduced costs closer than this to a bound count as on it.
const TOL: f64 = 1e-9;
/// Consecutive degenerate pivots before switching from Dantzig's rule to Bland's (no cycling).
const DEGENERATE_BEFORE_BLAND: u32 = 50;

/// Largest tableau (rows × stored columns) solved; a bigger block keeps the heuristic alone and
/// reports no bound.
pub(super) const MAX_TABLEAU: usize = 4_000_000;
/// Tableau updates the branch-and-bound may spend per block (≈ 0.2 s): a block whose LP alone
/// costs more than a thousandth of this gets fewer nodes than `SolveOptions::nodes`, a very large
/// one just one.
pub(super) const BRANCH_WORK: u64 = 300_000_000;

/// One independent part of the model: requirements linked by instances covering them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Block {
    /// Requirement indices with a positive requirement, ascending.
    pub rows: Vec<u32>,
    /// Instances covering at least one of `rows`, ascending.
    pub cols: Vec<u32>,
}

/// Split the model into blocks: connected components of positive requirements, two being linked
/// when one instance covers both. Requirements of zero constrain nothing and link nothing;
/// instances covering only such requirements belong to no block (they stay at zero).
pub(super) fn blocks(m: &Model) -> Vec<Block> {
    let n = m.requirements.len();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut a: u32) -> u32 {
        while p[a as usize] != a {
            p[a as usize] = p[p[a as usize] as usize];
            a = p[a as usize];
        }
        a
    }
    let positive = |t: u32| m.requirements[t as usize].required > 0;
    for inst in &m.instances {
        let mut first = None;
        for &t in inst.covers.iter().filter(|&&t| positive(t)) {
            match first {
                None => first = Some(t),
                Some(f) => {
                    let (a, b) = (find(&mut parent, f), find(&mut parent, t));
                    if a != b {
                        parent[a.max(b) as usize] = a.min(b);
                    }
                }
            }
        }
    }
    let mut index = vec![u32::MAX; n];
    let mut out: Vec<Block> = Vec::new();
    for t in (0..n as u32).filter(|&t| positive(t)) {
        let root = find(&mut parent, t) as usize;
        if index[root] == u32::MAX {
            index[root] = out.len() as u32;
            out.push(Block {
                rows: Vec::new(),
                cols: Vec::new(),
            });
        }
        out[index[root] as usize].rows.push(t);
    }
    for (j, inst) in m.instances.iter().enumerate() {
        if let Some(&t) = inst.covers.iter().find(|&&t| positive(t)) {
            let root = find(&mut parent, t) as usize;
            out[index[root] as usize].cols.push(j as u32);
        }
    }
    out
}

/// A block as a dense LP.
#[derive(Debug, Clone)]
pub(super) struct BlockLp {
    /// `a[i][j]`: 1 when column j covers row i.
    a: Vec<Vec<f64>>,
    r: Vec<f64>,
    c: Vec<f64>,
    u: Vec<f64>,
    penalty: f64,
}

/// An optimal LP solution.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct LpSolution {
    /// Agents per column (fractional in general).
    pub x: Vec<f64>,
    /// Σ c x + p Σ s at the optimum.
    pub objective: f64,
    /// Tableau entries updated on the way (pivots × rows × stored columns): the cost of one
    /// more LP of this block, to bound the branch-and-bound's effort.
    pub work: u64,
}

impl BlockLp {
    pub fn new(m: &Model, b: &Block) -> BlockLp {
        let mut row_of = std::collections::HashMap::with_capacity(b.rows.len());
        for (i, &t) in b.rows.iter().enumerate() {
            row_of.insert(t, i);
        }
        let mut a = vec![vec![0.0; b.cols.len()]; b.rows.len()];
        for (j, &col) in b.cols.iter().enumerate() {
            for t in &m.instances[col as usize].covers {
                if let Some(&i) = row_of.get(t) {
                    a[i][j] = 1.0;
                }
            }
        }
        let inst = |j: &u32| &m.instances[*j as usize];
        BlockLp {
            a,
            r: b.rows
                .iter()
                .map(|&t| f64::from(m.requirements[t as usize].required))
                .collect(),
            c: b.cols.iter().map(|j| inst(j).cost).collect(),
            u: b.cols.iter().map(|j| f64::from(inst(j).max)).collect(),
            penalty: m.penalty,
        }
    }

    /// Build from explicit data (rows of 0/1 coefficients), for tests.
    #[cfg(test)]
    pub fn from_parts(a: Vec<Vec<f64>>, r: Vec<f64>, c: Vec<f64>, u: Vec<f64>, p: f64) -> Self {
        BlockLp {
            a,
            r,
            c,
            u,
            penalty: p,
        }
    }

    pub fn cols(&self) -> usize {
        self.c.len()
    }

    /// Σ c x + p Σ max(0, r − A x) of integer counts, summed exactly as `finish` does.
    pub fn evaluate(&self, x: &[u32]) -> f64 {
        let cost: f64 = x.iter().zip(&self.c).map(|(&x, c)| c * f64::from(x)).sum();
        let short: f64 = self
            .a
            .iter()
            .zip(&self.r)
            .map(|(row, r)| {
                let cov: f64 = row.iter().zip(x).map(|(a, &x)| a * f64::from(x)).sum();
                (r - cov).max(0.0)
            })
            .sum();
        cost + self.penalty * short
    }

    /// Solve with `lower[j] ≤ x_j ≤ upper[j]` (the block's own limits when `None`). `None` when
    /// the iteration cap is hit (numerical trouble; never seen on covering instances).
    pub fn solve(&self, bounds: Option<(&[f64], &[f64])>) -> Option<LpSolution> {
        let (m, n) = (self.r.len(), self.c.len());
        let zeros = vec![0.0; n];
        let (lo, hi) = bounds.unwrap_or((&zeros, &self.u));
        // columns: x 0..n, s n..n+m (stored); e n+m..n+2m (minus the s column)
        let w = n + m;
        let mut t = vec![0.0; m * w];
        let mut beta = vec![0.0; m];
        let mut basis = vec![0usize; m];
        let mut cb = vec![0.0; m];
        for i in 0..m {
            let rhs = self.r[i] - (0..n).map(|j| self.a[i][j] * lo[j]).sum::<f64>();
            let sign = if rhs >= 0.0 { 1.0 } else { -1.0 };
            let row = &mut t[i * w..(i + 1) * w];
            for (v, a) in row.iter_mut().zip(&self.a[i]) {
                *v = sign * a;
            }
            row[n + i] = sign;
            beta[i] = sign * rhs;
            if rhs >= 0.0 {
                basis[i] = n + i;
                cb[i] = self.penalty;
            } else {
                basis[i] = n + m + i;
            }
        }
        let upper: Vec<f64> = (0..n).map(|j| hi[j] - lo[j]).collect();
        let cost = |k: usize| {
            if k < n {
                self.c[k]
            } else if k < w {
                self.penalty
            } else {
                0.0
            }
        };
        // reduced costs of the stored columns; d(e_i) = p − d(s_i)
        let mut d: Vec<f64> = (0..w)
            .map(|k| cost(k) - (0..m).map(|i| cb[i] * t[i * w + k]).sum::<f64>())
            .collect();
        let mut at_upper = vec![false; n];
        let mut is_basic = vec![false; n + 2 * m];
        for &k in &basis {
            is_basic[k] = true;
        }
        let col = |t: &[f64], i: usize, k: usize| {
            if k < w {
                t[i * w + k]
            } else {
                -t[i * w + k - m]
            }
        };
        let ub = |k: usize| if k < n { upper[k] } else { f64::INFINITY };
        let mut degenerate = 0u32;
        let mut work = (m * w) as u64;
        let cap = 100 * (n + 2 * m) + 10_000;
        for _ in 0..cap {
            // pricing
            let bland = degenerate >= DEGENERATE_BEFORE_BLAND;
            let mut enter: Option<(usize, f64)> = None;
            let mut best = TOL;
            for k in 0..n + 2 * m {
                if is_basic[k] {
                    continue;
                }
                let dk = if k < w { d[k] } else { self.penalty - d[k - m] };
                let gain = if k < n && at_upper[k] { dk } else { -dk };
                if gain > best {
                    enter = Some((k, if k < n && at_upper[k] { -1.0 } else { 1.0 }));
                    if bland {
                        break;
                    }
                    best = gain;
                }
            }
            let Some((k, sigma)) = enter else {
                let mut x: Vec<f64> = (0..n)
                    .map(|j| lo[j] + if at_upper[j] { upper[j] } else { 0.0 })
                    .collect();
                let mut short = 0.0;
                for i in 0..m {
                    if basis[i] < n {
                        x[basis[i]] = lo[basis[i]] + beta[i];
                    } else if basis[i] < w {
                        short += beta[i];
                    }
                }
                let objective =
                    x.iter().zip(&self.c).map(|(x, c)| x * c).sum::<f64>() + self.penalty * short;
                return Some(LpSolution { x, objective, work });
            };
            // ratio test: the row whose basic variable reaches a bound first (ties: the smallest
            // variable index, as Bland's rule needs), unless the entering variable's own upper
            // bound comes first (a bound flip)
            let mut best: Option<(f64, usize, bool)> = None;
            for i in 0..m {
                let a = sigma * col(&t, i, k);
                let (lim, up) = if a > TOL {
                    (beta[i] / a, false)
                } else if a < -TOL && ub(basis[i]).is_finite() {
                    ((ub(basis[i]) - beta[i]) / -a, true)
                } else {
                    continue;
                };
                let lim = lim.max(0.0);
                let better = match best {
                    None => true,
                    Some((bl, br, _)) => {
                        lim < bl - TOL || (lim <= bl + TOL && basis[i] < basis[br])
                    }
                };
                if better {
                    best = Some((lim, i, up));
                }
            }
            let (theta, leave) = match best {
                Some((lim, i, up)) if lim < ub(k) => (lim, Some((i, up))),
                _ => (ub(k), None),
            };
            if !theta.is_finite() {
                return None; // unbounded: impossible with costs ≥ 0
            }
            degenerate = if theta <= TOL { degenerate + 1 } else { 0 };
            for (i, b) in beta.iter_mut().enumerate() {
                *b -= sigma * theta * col(&t, i, k);
            }
            let Some((r, leaves_up)) = leave else {
                at_upper[k] = !at_upper[k]; // bound flip
                continue;
            };
            let entering_value = if sigma > 0.0 { theta } else { ub(k) - theta };
            let old = basis[r];
            if old < n {
                at_upper[old] = leaves_up;
            }
            is_basic[old] = false;
            is_basic[k] = true;
            basis[r] = k;
            if k < n {
                at_upper[k] = false;
            }
            beta[r] = entering_value;
            work += (m * w) as u64;
            // pivot on (r, k); the stored column of an entering e_i is minus that of s_i
            let (pk, flip) = if k < w { (k, 1.0) } else { (k - m, -1.0) };
            let piv = flip * t[r * w + pk];
            for v in &mut t[r * w..(r + 1) * w] {
                *v /= piv;
            }
            let pivot_row: Vec<f64> = t[r * w..(r + 1) * w].to_vec();
            for i in 0..m {
                if i == r {
                    continue;
                }
                let f = flip * t[i * w + pk];
                if f != 0.0 {
                    for (v, p) in t[i * w..(i + 1) * w].iter_mut().zip(&pivot_row) {
                        *v -= f * p;
                    }
                }
            }
            // d(e_i) = p − d(s_i) stays right: the new row holds −1 under s_i when e_i enters
            let dk = if k < w { d[k] } else { self.penalty - d[k - m] };
            if dk != 0.0 {
                for (v, p) in d.iter_mut().zip(&pivot_row) {
                    *v -= dk * p;
                }
            }
        }
        None
    }
}

/// The best integer solution of a block found by [`branch_and_bound`].
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Integer {
    pub x: Vec<u32>,
    pub objective: f64,
    /// The search finished: `objective` is the block's optimum.
    pub proven: bool,
}

/// A lower bound from an LP objective: rounded up when every objective coefficient is an
/// integer (then so is every integer solution's objective).
pub(super) fn bound(lp_objective: f64, integral_costs: bool) -> f64 {
    if integral_costs {
        (lp_objective - 1e-6).ceil()
    } else {
        lp_objective
    }
}

/// Depth-first branch-and-bound on the block from an incumbent (`x`, `objective`): branch on
/// the most fractional variable, nearer side first, prune nodes whose LP bound cannot beat the
/// incumbent. Gives up (unproven) after `node_limit` LPs or [`BRANCH_WORK`] tableau updates.
pub(super) fn branch_and_bound(
    lp: &BlockLp,
    incumbent: Integer,
    integral_costs: bool,
    node_limit: u32,
) -> Integer {
    let n = lp.cols();
    let eps = 1e-9 * incumbent.objective.abs().max(1.0);
    let mut best = Integer {
        proven: true,
        ..incumbent
    };
    let mut stack: Vec<(Vec<f64>, Vec<f64>)> = vec![(vec![0.0; n], lp.u.clone())];
    let (mut nodes, mut work) = (0u32, 0u64);
    while let Some((lo, hi)) = stack.pop() {
        if nodes >= node_limit || work >= BRANCH_WORK {
            best.proven = false;
            return best;
        }
        nodes += 1;
        let Some(sol) = lp.solve(Some((&lo, &hi))) else {
            best.proven = false;
            continue;
        };
        work += sol.work;
        if bound(sol.objective, integral_costs) >= best.objective - eps {
            continue;
        }
        let frac = |v: f64| (v - v.round()).abs();
        let branch = (0..n)
            .filter(|&j| frac(sol.x[j]) > 1e-6)
            .max_by(|&a, &b| frac(sol.x[a]).total_cmp(&frac(sol.x[b])).then(b.cmp(&a)));
        let Some(j) = branch else {
            let x: Vec<u32> = sol.x.iter().map(|v| v.round() as u32).collect();
            let objective = lp.evaluate(&x);
            if objective < best.objective - eps {
                best = Integer {
                    x,
                    objective,
                    proven: best.proven,
                };
            }
            continue;
        };
        let v = sol.x[j];
        let mut down = hi.clone();
        down[j] = v.floor();
        let mut up = lo.clone();
        up[j] = v.ceil();
        let (down, up) = ((lo, down), (up, hi));
        if v - v.floor() >= 0.5 {
            stack.push(down);
            stack.push(up);
        } else {
            stack.push(up);
            stack.push(down);
        }
    }
    best
}
