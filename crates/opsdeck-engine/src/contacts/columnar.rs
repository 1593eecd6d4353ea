//! Column-wise aggregation of typed Parquet record batches: for sinks that only add contacts
//! to interval sums (`ContactSink::columnar`), the clean rows of a batch whose columns are
//! typed (timestamps, integers, booleans, text queues) are read straight from the arrays'
//! value slices and null bitmaps, a column at a time (timestamps resolved by the sink's
//! `LocalResolver`), then checked row by row by the one `contact::check_timing`, without
//! going through per-row cells, the profile or a contact record. Every row this path cannot
//! take as it is — a null where a value is needed, a value out of range, a queue the sink
//! refuses, times that do not resolve or that `check_timing` rejects — goes through the row
//! path (`read::deliver`), in row order, so issues and quarantine lines stay those of the row
//! path (`tests::columnar_agrees_with_rows`).

use super::contact::{check_timing, Field};
use super::profile::Bound;
use super::sink::{deliver, ContactSink};
use crate::io::parquet::{Col, PqRow};
use crate::io::parse::{fast, Cell, Stamp};
use crate::io::LocalResolver;
use arrow_array::{Array, ArrowPrimitiveType, BooleanArray, PrimitiveArray};
use arrow_buffer::{ArrowNativeType, NullBuffer};

/// The values of a primitive column and its nulls (`None` when the batch has none).
#[derive(Clone, Copy)]
struct Vals<'a, T> {
    v: &'a [T],
    nulls: Option<&'a NullBuffer>,
}

impl<'a, T: ArrowNativeType> Vals<'a, T> {
    fn of<P: ArrowPrimitiveType<Native = T>>(a: &'a PrimitiveArray<P>) -> Self {
        Vals {
            v: a.values().as_ref(),
            nulls: a.nulls().filter(|n| n.null_count() > 0),
        }
    }

    #[inline(always)]
    fn get(self, i: usize) -> Option<T> {
        match self.nulls {
            Some(n) if n.is_null(i) => None,
            _ => self.v.get(i).copied(),
        }
    }
}

/// A timestamp column: absent (every cell null) or typed.
#[derive(Clone, Copy)]
enum TsCol<'a> {
    Absent,
    Ts {
        vals: Vals<'a, i64>,
        div: i64,
        utc: bool,
    },
}

/// An integer column (durations, scores, 0/1 flags): absent or `Int64`.
#[derive(Clone, Copy)]
struct IntCol<'a>(Option<Vals<'a, i64>>);

impl IntCol<'_> {
    #[inline(always)]
    fn get(self, i: usize) -> Option<i64> {
        self.0.and_then(|v| v.get(i))
    }

    /// Whole seconds as `parse_seconds` accepts them; the outer `None` is "take the row path".
    #[inline(always)]
    fn seconds(self, i: usize) -> Option<Option<i64>> {
        fast::seconds(self.get(i).map_or(Cell::Null, Cell::Int))
    }

    /// A score as `parse_score` accepts it; the outer `None` is "take the row path".
    #[inline(always)]
    fn score(self, i: usize, lo: u8, hi: u8) -> Option<Option<u8>> {
        fast::score(self.get(i).map_or(Cell::Null, Cell::Int), lo, hi)
    }
}

/// A flag column: absent, boolean, or integer (0 and 1 only, as `parse_flag` reads it).
#[derive(Clone, Copy)]
enum FlagCol<'a> {
    Absent,
    Bool(&'a BooleanArray, Option<&'a NullBuffer>),
    Int(Vals<'a, i64>),
}

impl FlagCol<'_> {
    /// The outer `None` is "take the row path".
    #[inline(always)]
    fn get(self, i: usize) -> Option<Option<bool>> {
        match self {
            FlagCol::Absent => Some(None),
            FlagCol::Bool(a, nulls) => Some(match nulls {
                Some(n) if n.is_null(i) => None,
                _ => (i < a.len()).then(|| a.values().value(i)),
            }),
            FlagCol::Int(v) => match v.get(i) {
                Some(x) => fast::flag(Cell::Int(x)),
                None => Some(None),
            },
        }
    }
}

/// The queue column: dictionary keys with the sink's slot per dictionary value, or plain
/// text looked up row by row.
enum QueueCol<'a> {
    Dict {
        keys: Vals<'a, i32>,
        slots: Vec<Option<u32>>,
    },
    Text(&'a Col),
}

impl<'a> QueueCol<'a> {
    fn new<S: ContactSink>(col: &'a Col, sink: &mut S) -> Option<Self> {
        let mut slot = |s: &str| match fast::text(Cell::Str(s)) {
            Some(Some(t)) => sink.queue_slot(t),
            _ => None,
        };
        Some(match col {
            Col::DictStr { keys, values } => QueueCol::Dict {
                keys: Vals::of(keys),
                slots: (0..values.len()).map(|k| slot(values.value(k))).collect(),
            },
            Col::DictLargeStr { keys, values } => QueueCol::Dict {
                keys: Vals::of(keys),
                slots: (0..values.len()).map(|k| slot(values.value(k))).collect(),
            },
            Col::Str(_) | Col::LargeStr(_) | Col::ViewStr(_) => QueueCol::Text(col),
            _ => return None,
        })
    }

    /// Fill `out` with each row's queue slot; a null, or a queue the sink refuses, marks the
    /// row bad.
    fn slots<S: ContactSink>(&self, out: &mut Vec<u32>, bad: &mut [bool], sink: &mut S) {
        match self {
            QueueCol::Dict { keys, slots } => {
                let (keys, slots) = (*keys, &slots[..]);
                column(out, bad, move |i| {
                    *slots.get(usize::try_from(keys.get(i)?).ok()?)?
                });
            }
            QueueCol::Text(col) => column(out, bad, |i| {
                let s = match col {
                    Col::Str(a) if a.is_valid(i) => a.value(i),
                    Col::LargeStr(a) if a.is_valid(i) => a.value(i),
                    Col::ViewStr(a) if a.is_valid(i) => a.value(i),
                    _ => return None,
                };
                sink.queue_slot(fast::text(Cell::Str(s))??)
            }),
        }
    }
}

/// Add the `n` rows of a batch (`cols` in file order, row `first` of the file first) to
/// `sink` column-wise, sending the rows it cannot take to the row path. Returns false, having
/// done nothing, when the sink, the binding or a column's type does not allow it.
pub(crate) fn aggregate<S: ContactSink>(
    bound: &Bound,
    cols: &[Col],
    n: usize,
    first: u64,
    sink: &mut S,
) -> bool {
    if S::IDS || sink.columnar().is_none() {
        return false;
    }
    let Some(fields) = bound.plain_columns() else {
        return false;
    };
    const UNUSED: &Col = &Col::Unused;
    let col = |f: Field| -> &Col {
        fields[f as usize]
            .and_then(|c| cols.get(c))
            .unwrap_or(UNUSED)
    };
    let ts = |f: Field| match col(f) {
        Col::Unused => Some(TsCol::Absent),
        Col::Ts { arr, div, utc } => Some(TsCol::Ts {
            vals: Vals::of(arr),
            div: *div,
            utc: *utc,
        }),
        _ => None,
    };
    let int = |f: Field| match col(f) {
        Col::Unused => Some(IntCol(None)),
        Col::Int(a) => Some(IntCol(Some(Vals::of(a)))),
        _ => None,
    };
    let flag = |f: Field| match col(f) {
        Col::Unused => Some(FlagCol::Absent),
        Col::Bool(a) => Some(FlagCol::Bool(a, a.nulls().filter(|n| n.null_count() > 0))),
        Col::Int(a) => Some(FlagCol::Int(Vals::of(a))),
        _ => None,
    };
    let (Some(arrived), Some(answered), Some(ended)) = (
        ts(Field::ArrivedAt),
        ts(Field::AnsweredAt),
        ts(Field::EndedAt),
    ) else {
        return false;
    };
    let (Some(talk), Some(hold), Some(acw)) =
        (int(Field::TalkS), int(Field::HoldS), int(Field::AcwS))
    else {
        return false;
    };
    let (Some(csat), Some(nps)) = (int(Field::Csat), int(Field::Nps)) else {
        return false;
    };
    let (Some(fcr), Some(transferred)) =
        (flag(Field::ResolvedFirstContact), flag(Field::Transferred))
    else {
        return false;
    };
    let Some(queue) = QueueCol::new(col(Field::Queue), sink) else {
        return false;
    };
    let typed = Typed {
        queue,
        arrived,
        answered,
        ended,
        talk,
        hold,
        acw,
        csat,
        nps,
        fcr,
        transferred,
    };
    let mut b = Batch::new(n);
    typed.read(&mut b, sink);
    // slices of the batch's length, so that indexing below needs no bounds checks
    let (bad, slot) = (&b.bad[..n], &b.slot[..n]);
    let (arrived, answered, ended) = (&b.arrived[..n], &b.answered[..n], &b.ended[..n]);
    let (talk, hold, acw) = (&b.talk[..n], &b.hold[..n], &b.acw[..n]);
    let (csat, nps) = (&b.csat[..n], &b.nps[..n]);
    let (fcr, transferred) = (&b.fcr[..n], &b.transferred[..n]);
    for i in 0..n {
        let clean = if bad[i] {
            None
        } else {
            check_timing(
                arrived[i].unwrap_or_default(),
                answered[i],
                ended[i],
                talk[i],
                hold[i],
                acw[i],
            )
            .ok()
        };
        match clean {
            Some(t) => {
                let o = t.outcome(csat[i], nps[i], fcr[i], transferred[i]);
                sink.add_clean(slot[i], t.arrived_s, &o);
            }
            None => deliver(bound, &PqRow { cols, i }, first + i as u64 + 1, sink),
        }
    }
    true
}

/// The typed columns of a batch that the sums read.
struct Typed<'a> {
    queue: QueueCol<'a>,
    arrived: TsCol<'a>,
    answered: TsCol<'a>,
    ended: TsCol<'a>,
    talk: IntCol<'a>,
    hold: IntCol<'a>,
    acw: IntCol<'a>,
    csat: IntCol<'a>,
    nps: IntCol<'a>,
    fcr: FlagCol<'a>,
    transferred: FlagCol<'a>,
}

/// A batch's rows as the row path would read them (`Bound::extract_fast`, then the zone
/// resolution of `validate`), a column per field; `bad` marks the rows that must take the
/// row path.
struct Batch {
    bad: Vec<bool>,
    slot: Vec<u32>,
    arrived: Vec<Option<i64>>,
    answered: Vec<Option<i64>>,
    ended: Vec<Option<i64>>,
    talk: Vec<Option<i64>>,
    hold: Vec<Option<i64>>,
    acw: Vec<Option<i64>>,
    csat: Vec<Option<u8>>,
    nps: Vec<Option<u8>>,
    fcr: Vec<Option<bool>>,
    transferred: Vec<Option<bool>>,
}

impl Batch {
    fn new(n: usize) -> Self {
        Batch {
            bad: vec![false; n],
            slot: Vec::with_capacity(n),
            arrived: Vec::with_capacity(n),
            answered: Vec::with_capacity(n),
            ended: Vec::with_capacity(n),
            talk: Vec::with_capacity(n),
            hold: Vec::with_capacity(n),
            acw: Vec::with_capacity(n),
            csat: Vec::with_capacity(n),
            nps: Vec::with_capacity(n),
            fcr: Vec::with_capacity(n),
            transferred: Vec::with_capacity(n),
        }
    }
}

/// Fill `out` with `get(i)` for the `bad.len()` rows of a batch; a row whose `get` is `None`
/// is marked bad (and holds `T::default()`).
#[inline(always)]
fn column<T: Copy + Default>(
    out: &mut Vec<T>,
    bad: &mut [bool],
    mut get: impl FnMut(usize) -> Option<T>,
) {
    out.clear();
    // an exact-size iterator: no capacity check per row
    out.extend(bad.iter_mut().enumerate().map(|(i, b)| match get(i) {
        Some(v) => v,
        None => {
            *b = true;
            T::default()
        }
    }));
}

/// `out` as `n` values of `v` (an absent column).
fn constant<T: Copy>(out: &mut Vec<T>, n: usize, v: T) {
    out.clear();
    out.resize(n, v);
}

impl Typed<'_> {
    /// Read every column of the batch into `b`.
    fn read<S: ContactSink>(&self, b: &mut Batch, sink: &mut S) {
        let bad = &mut b.bad[..];
        self.queue.slots(&mut b.slot, bad, sink);
        let Some(tz) = sink.columnar() else {
            bad.fill(true);
            return;
        };
        // an arrival is required; an answer or an end may be missing (`check_timing` decides)
        stamps(&mut b.arrived, bad, self.arrived, tz, true);
        stamps(&mut b.answered, bad, self.answered, tz, false);
        stamps(&mut b.ended, bad, self.ended, tz, false);
        let n = bad.len();
        for (out, col) in [
            (&mut b.talk, self.talk),
            (&mut b.hold, self.hold),
            (&mut b.acw, self.acw),
        ] {
            match col.0 {
                None => constant(out, n, None),
                Some(_) => column(out, bad, move |i| col.seconds(i)),
            }
        }
        for (out, col, lo, hi) in [
            (&mut b.csat, self.csat, 1, 5),
            (&mut b.nps, self.nps, 0, 10),
        ] {
            match col.0 {
                None => constant(out, n, None),
                Some(_) => column(out, bad, move |i| col.score(i, lo, hi)),
            }
        }
        for (out, col) in [
            (&mut b.fcr, self.fcr),
            (&mut b.transferred, self.transferred),
        ] {
            match col {
                FlagCol::Absent => constant(out, n, None),
                _ => column(out, bad, move |i| col.get(i)),
            }
        }
    }
}

/// Fill `out` with a timestamp column's instants resolved as `validate` resolves them; a
/// stamp that does not resolve, or a missing one where `required`, marks its row bad.
fn stamps(
    out: &mut Vec<Option<i64>>,
    bad: &mut [bool],
    col: TsCol<'_>,
    tz: &mut LocalResolver,
    required: bool,
) {
    match col {
        TsCol::Absent => {
            constant(out, bad.len(), None);
            if required {
                bad.fill(true);
            }
        }
        // the usual units as constants, so that the division is a multiplication
        TsCol::Ts { vals, div, utc } => match div {
            1 => stamp_column::<1>(out, bad, vals, utc, tz, required),
            1_000 => stamp_column::<1_000>(out, bad, vals, utc, tz, required),
            1_000_000 => stamp_column::<1_000_000>(out, bad, vals, utc, tz, required),
            1_000_000_000 => stamp_column::<1_000_000_000>(out, bad, vals, utc, tz, required),
            _ => column(out, bad, move |i| {
                stamp(vals.get(i), div, utc, tz, required)
            }),
        },
    }
}

fn stamp_column<const DIV: i64>(
    out: &mut Vec<Option<i64>>,
    bad: &mut [bool],
    vals: Vals<'_, i64>,
    utc: bool,
    tz: &mut LocalResolver,
    required: bool,
) {
    column(out, bad, move |i| {
        stamp(vals.get(i), DIV, utc, tz, required)
    });
}

/// A stamp of `1/div` s units resolved as `validate` resolves it: `None` where it does not
/// resolve or is missing though `required`.
#[inline(always)]
fn stamp(
    v: Option<i64>,
    div: i64,
    utc: bool,
    tz: &mut LocalResolver,
    required: bool,
) -> Option<Option<i64>> {
    match v {
        Some(v) => {
            let v = v.div_euclid(div);
            tz.resolve_ok(if utc { Stamp::Utc(v) } else { Stamp::Naive(v) })
                .map(Some)
        }
        None => (!required).then_some(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::contact::FIELDS;
    use crate::contacts::read::process_batch;
    use crate::contacts::{Profile, RawContact};
    use crate::io::parse::{days_from_civil, MAX_DURATION_S};
    use crate::io::{FieldIssue, LocalResolver};
    use crate::views::kpi::{KpiOptions, KpiSink};
    use crate::workspace::ingest::PartitionSink;
    use arrow_array::builder::{
        BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder,
        TimestampMicrosecondBuilder, TimestampMillisecondBuilder,
    };
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, RecordBatch};
    use opsdeck_core::{ContactOutcome, IntervalLen, Org, Thresholds};
    use proptest::prelude::*;
    use std::path::Path;
    use std::sync::Arc;

    /// The same sink without `columnar`: every row takes the row path.
    struct RowsOnly<S>(S);

    impl<S: ContactSink> ContactSink for RowsOnly<S> {
        const IDS: bool = false;
        fn contact(&mut self, c: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
            self.0.contact(c, line)
        }
        fn skip(&mut self, reason: &'static str) {
            self.0.skip(reason);
        }
        fn issue(&mut self, line: u64, issue: FieldIssue, raw: String) {
            self.0.issue(line, issue, raw);
        }
    }

    /// The same sink, counting the contacts it took column-wise.
    struct Counted<S>(S, u64);

    impl<S: ContactSink> ContactSink for Counted<S> {
        const IDS: bool = false;
        fn contact(&mut self, c: RawContact<'_>, line: u64) -> std::result::Result<(), FieldIssue> {
            self.0.contact(c, line)
        }
        fn skip(&mut self, reason: &'static str) {
            self.0.skip(reason);
        }
        fn issue(&mut self, line: u64, issue: FieldIssue, raw: String) {
            self.0.issue(line, issue, raw);
        }
        fn columnar(&mut self) -> Option<&mut LocalResolver> {
            self.0.columnar()
        }
        fn queue_slot(&mut self, queue: &str) -> Option<u32> {
            self.0.queue_slot(queue)
        }
        fn add_clean(&mut self, slot: u32, arrived_s: i64, o: &ContactOutcome) {
            self.1 += 1;
            self.0.add_clean(slot, arrived_s, o);
        }
    }

    /// One generated row; flags as integers (0, 1 or the invalid 2).
    #[derive(Debug, Clone)]
    struct Gen {
        queue: Option<String>,
        arrived: Option<i64>,
        answered: Option<i64>,
        ended: Option<i64>,
        talk: Option<i64>,
        hold: Option<i64>,
        acw: Option<i64>,
        csat: Option<i64>,
        nps: Option<i64>,
        fcr: Option<i64>,
        transferred: Option<i64>,
    }

    /// How a batch types its columns.
    #[derive(Debug, Clone, Copy)]
    struct Shape {
        queue_dict: bool,
        /// Timestamps with a zone (instants) instead of wall-clock times.
        utc: bool,
        millis: bool,
        int_flags: bool,
        /// Talk time as floats: the whole batch takes the row path.
        float_talk: bool,
    }

    fn local(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60
    }

    fn opt<T: std::fmt::Debug + Clone + 'static>(
        s: impl Strategy<Value = T> + 'static,
    ) -> BoxedStrategy<Option<T>> {
        prop_oneof![1 => Just(None), 6 => s.prop_map(Some)].boxed()
    }

    fn queues() -> Vec<String> {
        let org = demo_org();
        let ids: Vec<String> = org.queues.keys().take(2).cloned().collect();
        vec![
            ids[0].clone(),
            ids[1].clone(),
            format!(" {} ", ids[0]),
            String::new(),
            "zz-unknown".into(),
            "\u{a0}q".into(),
        ]
    }

    fn row() -> impl Strategy<Value = Gen> {
        // around New York's DST changes, a plain day and an instant outside 1900–2199
        let bases = vec![
            local(2025, 3, 9, 1, 40),
            local(2025, 3, 9, 2, 30),
            local(2025, 11, 2, 0, 50),
            local(2025, 11, 2, 1, 30),
            local(2025, 1, 6, 10, 0),
            local(1899, 12, 31, 23, 0),
        ];
        let arrived = (proptest::sample::select(bases), 0i64..1800).prop_map(|(b, o)| b + o);
        let delta = proptest::sample::select(vec![-5i64, 0, 3, 20, 21, 700, 4000]);
        let secs = proptest::sample::select(vec![-1i64, 0, 0, 30, 250, MAX_DURATION_S + 1]);
        (
            opt(proptest::sample::select(queues())),
            opt(arrived),
            opt(delta.clone()),
            opt(delta),
            (opt(secs.clone()), opt(secs.clone()), opt(secs)),
            (opt(-1i64..7), opt(-1i64..12)),
            (opt(0i64..3), opt(0i64..3)),
        )
            .prop_map(
                |(queue, arrived, ans, end, (talk, hold, acw), (csat, nps), (fcr, tr))| {
                    let answered = arrived.zip(ans).map(|(a, d)| a + d);
                    let ended = answered.or(arrived).zip(end).map(|(a, d)| a + d);
                    Gen {
                        queue,
                        arrived,
                        answered,
                        ended,
                        talk,
                        hold,
                        acw,
                        csat,
                        nps,
                        fcr,
                        transferred: tr,
                    }
                },
            )
    }

    fn demo_org() -> Org {
        Org::from_raw(&opsdeck_synth::demo_raw_org().unwrap()).unwrap()
    }

    /// A canonical record batch of all fields (identity fields null), in `shape`.
    fn batch(rows: &[Gen], shape: Shape) -> RecordBatch {
        let ts = |get: fn(&Gen) -> Option<i64>| -> ArrayRef {
            let tz = shape.utc.then_some("UTC");
            if shape.millis {
                let mut b = TimestampMillisecondBuilder::new();
                rows.iter()
                    .for_each(|r| b.append_option(get(r).map(|v| v * 1000 + 999)));
                Arc::new(b.finish().with_timezone_opt(tz))
            } else {
                let mut b = TimestampMicrosecondBuilder::new();
                rows.iter()
                    .for_each(|r| b.append_option(get(r).map(|v| v * 1_000_000)));
                Arc::new(b.finish().with_timezone_opt(tz))
            }
        };
        let int = |get: fn(&Gen) -> Option<i64>| -> ArrayRef {
            let mut b = Int64Builder::new();
            rows.iter().for_each(|r| b.append_option(get(r)));
            Arc::new(b.finish())
        };
        let flag = |get: fn(&Gen) -> Option<i64>| -> ArrayRef {
            if shape.int_flags {
                return int(get);
            }
            let mut b = BooleanBuilder::new();
            rows.iter()
                .for_each(|r| b.append_option(get(r).map(|v| v != 0)));
            Arc::new(b.finish())
        };
        let nulls = || -> ArrayRef {
            let mut b = StringBuilder::new();
            rows.iter().for_each(|_| b.append_null());
            Arc::new(b.finish())
        };
        let queue: ArrayRef = if shape.queue_dict {
            let mut b = StringDictionaryBuilder::<Int32Type>::new();
            rows.iter()
                .for_each(|r| b.append_option(r.queue.as_deref()));
            Arc::new(b.finish())
        } else {
            let mut b = StringBuilder::new();
            rows.iter()
                .for_each(|r| b.append_option(r.queue.as_deref()));
            Arc::new(b.finish())
        };
        let talk: ArrayRef = if shape.float_talk {
            let mut b = Float64Builder::new();
            rows.iter()
                .for_each(|r| b.append_option(r.talk.map(|v| v as f64)));
            Arc::new(b.finish())
        } else {
            int(|r| r.talk)
        };
        let cols: Vec<ArrayRef> = vec![
            nulls(),
            queue,
            nulls(),
            ts(|r| r.arrived),
            ts(|r| r.answered),
            ts(|r| r.ended),
            talk,
            int(|r| r.hold),
            int(|r| r.acw),
            nulls(),
            int(|r| r.csat),
            nulls(),
            int(|r| r.nps),
            flag(|r| r.fcr),
            flag(|r| r.transferred),
        ];
        RecordBatch::try_from_iter(FIELDS.iter().zip(cols)).unwrap()
    }

    /// Feed `batch` to `sink` as the Parquet reader does, from file row 40 on.
    fn feed<S: ContactSink>(batch: &RecordBatch, sink: &mut S) {
        let header: Vec<String> = FIELDS.iter().map(|f| f.to_string()).collect();
        let bound = Profile::canonical()
            .bind(&header, Path::new("t.parquet"))
            .unwrap();
        let used = bound.used_columns(S::IDS);
        let projected = batch.project(&used).unwrap();
        process_batch(&bound, &used, FIELDS.len(), &projected, 40, sink).unwrap();
    }

    fn kpi_sink() -> KpiSink {
        KpiSink::new(&KpiOptions {
            interval: IntervalLen::MIN30,
            thresholds: Thresholds::default(),
            zone: chrono_tz::America::New_York,
            max_field_bytes: crate::io::csv_reader::DEFAULT_MAX_FIELD_BYTES,
        })
    }

    #[test]
    fn clean_typed_rows_are_all_taken_column_wise() {
        let q = queues();
        let rows: Vec<Gen> = (0..50)
            .map(|k| Gen {
                queue: Some(q[k % 2].clone()),
                arrived: Some(local(2025, 1, 6, 10, 0) + 37 * k as i64),
                answered: (k % 5 != 0).then(|| local(2025, 1, 6, 10, 0) + 37 * k as i64 + 12),
                ended: Some(local(2025, 1, 6, 10, 9) + 37 * k as i64),
                talk: (k % 5 != 0).then_some(300),
                hold: None,
                acw: Some(0),
                csat: (k % 3 == 0).then_some(4),
                nps: None,
                fcr: Some(1),
                transferred: None,
            })
            .collect();
        let shape = Shape {
            queue_dict: true,
            utc: false,
            millis: false,
            int_flags: false,
            float_talk: false,
        };
        let b = batch(&rows, shape);
        let mut col = Counted(kpi_sink(), 0);
        feed(&b, &mut col);
        assert_eq!(col.1, 50);
        let mut rows_only = RowsOnly(kpi_sink());
        feed(&b, &mut rows_only);
        assert_eq!(col.0.snapshot(), rows_only.0.snapshot());
        assert!(col.0.snapshot().contains("read 50 skipped 0 issues 0"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn columnar_agrees_with_rows(
            rows in proptest::collection::vec(row(), 1..60),
            shape in (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), proptest::bool::weighted(0.1))
                .prop_map(|(queue_dict, utc, millis, int_flags, float_talk)| Shape {
                    queue_dict, utc, millis, int_flags, float_talk,
                }),
        ) {
            let b = batch(&rows, shape);
            let mut col = Counted(kpi_sink(), 0);
            feed(&b, &mut col);
            let mut rows_only = RowsOnly(kpi_sink());
            feed(&b, &mut rows_only);
            prop_assert_eq!(col.0.snapshot(), rows_only.0.snapshot());
            prop_assert!(!shape.float_talk || col.1 == 0);

            let org = demo_org();
            let mut col = Counted(PartitionSink::new(&org), 0);
            feed(&b, &mut col);
            let mut rows_only = RowsOnly(PartitionSink::new(&org));
            feed(&b, &mut rows_only);
            prop_assert_eq!(col.0.snapshot(), rows_only.0.snapshot());
        }
    }
}
