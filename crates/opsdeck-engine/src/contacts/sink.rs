//! Where contact rows go: the [`ContactSink`] a reader feeds on each worker thread, the one
//! hand-over of a row through a profile ([`deliver`]), and per-slot interval sums for sinks
//! that aggregate.

use super::contact::RawContact;
use super::profile::{Bound, Extract};
use crate::io::{FieldIssue, LocalResolver, Row};
use opsdeck_core::{ContactOutcome, IntervalLen, IntervalSums, ZoneCache};
use rustc_hash::FxHashMap;

/// Receives the rows of one file on one worker thread.
pub trait ContactSink: Send {
    /// Whether the sink needs the identity fields (contact id, channel, agent, site); sinks
    /// that only aggregate say no, and those columns are then neither read nor checked.
    const IDS: bool = true;
    /// A row that a profile turned into a contact; an error quarantines the row.
    fn contact(&mut self, c: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue>;
    /// A row that is not a contact (e.g. a phantom call).
    fn skip(&mut self, reason: &'static str);
    /// A row that cannot be used.
    fn issue(&mut self, line: u64, issue: FieldIssue, raw: String);
    /// Column-wise aggregation (`columnar`): sinks that only add contacts to sums return the
    /// resolver `contact` validates with, and then take the clean rows of typed Parquet batches
    /// through `queue_slot` and `add_clean` instead of `contact`. `None`: rows only.
    fn columnar(&mut self) -> Option<&mut LocalResolver> {
        None
    }
    /// Where the contacts of `queue` (trimmed, not empty) go in `add_clean`; `None` sends the
    /// queue's rows through `contact` (for instance a queue the sink does not know).
    fn queue_slot(&mut self, _queue: &str) -> Option<u32> {
        None
    }
    /// A contact validated with the `columnar` resolver, of the queue `queue_slot` gave `slot`,
    /// arrived at `arrived_s` (UTC) with outcome `o`: count it exactly as `contact` would.
    fn add_clean(&mut self, _slot: u32, _arrived_s: i64, _o: &ContactOutcome) {}
    /// A piece of the file starts (a chunk of CSV rows, a range of Parquet rows): pieces are
    /// numbered 0, 1, 2 … in file order, whichever worker reads them, so a sink that hands
    /// its rows on can keep them in file order.
    fn piece_start(&mut self, _seq: u64) {}
    /// Every row of the piece `piece_start` announced has been delivered.
    fn piece_end(&mut self) {}
}

pub(crate) fn deliver<S: ContactSink, R: Row>(bound: &Bound, row: &R, line: u64, sink: &mut S) {
    if let Some(c) = bound.extract_fast(row, S::IDS) {
        if let Err(issue) = sink.contact(c, line) {
            sink.issue(line, issue, row.raw());
        }
        return;
    }
    match bound.extract(row, S::IDS) {
        Ok(Extract::Contact(c)) => {
            if let Err(issue) = sink.contact(c, line) {
                sink.issue(line, issue, row.raw());
            }
        }
        Ok(Extract::Skip(why)) => sink.skip(why),
        Err(issue) => sink.issue(line, issue, row.raw()),
    }
}

/// Interval sums per queue slot × interval start. Each slot remembers the instants its last
/// interval covers (`ZoneCache::interval_span`), so sorted arrivals — the usual order of an
/// export — skip both the alignment and the hash lookup.
#[derive(Default)]
pub(crate) struct SlotSums {
    pub(crate) cells: Vec<IntervalSums>,
    pub(crate) index: FxHashMap<(u32, i64), u32>,
    /// Per slot: instants `lo..hi` fall in `cells[cell]`.
    recent: Vec<(i64, i64, u32)>,
}

impl SlotSums {
    /// The sums of the interval (aligned by `align`) that holds `arrived_s`, for `slot`.
    #[inline(always)]
    pub(crate) fn at(
        &mut self,
        slot: u32,
        arrived_s: i64,
        align: &mut ZoneCache,
        len: IntervalLen,
    ) -> &mut IntervalSums {
        let s = slot as usize;
        if let Some(&(lo, hi, cell)) = self.recent.get(s) {
            if lo <= arrived_s && arrived_s < hi {
                return &mut self.cells[cell as usize];
            }
        }
        self.at_new(slot, arrived_s, align, len)
    }

    /// `at` for an instant outside the slot's last interval.
    #[inline(never)]
    fn at_new(
        &mut self,
        slot: u32,
        arrived_s: i64,
        align: &mut ZoneCache,
        len: IntervalLen,
    ) -> &mut IntervalSums {
        let s = slot as usize;
        let (start, lo, hi) = align.interval_span(arrived_s, len);
        let cells = &mut self.cells;
        let cell = *self.index.entry((slot, start)).or_insert_with(|| {
            cells.push(IntervalSums::default());
            (cells.len() - 1) as u32
        });
        if self.recent.len() <= s {
            self.recent.resize(s + 1, (0, 0, 0));
        }
        self.recent[s] = (lo, hi, cell);
        &mut self.cells[cell as usize]
    }

    /// (slot, interval start) and the sums, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = ((u32, i64), &IntervalSums)> {
        self.index
            .iter()
            .map(|(k, c)| (*k, &self.cells[*c as usize]))
    }
}
