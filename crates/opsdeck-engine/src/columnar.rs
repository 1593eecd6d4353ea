//! Column-wise aggregation of typed Parquet record batches: for sinks that only add contacts
//! to interval sums (`ContactSink::columnar`), the clean rows of a batch whose columns are
//! typed (timestamps, integers, booleans, text queues) are read straight from the arrays and
//! validated by the one `contact::validate`, without going through per-row cells and the
//! profile. Every row this path cannot take as it is — a null where a value is needed, a
//! value out of range, a queue the sink refuses, a contact `validate` rejects — goes through
//! the row path (`read::deliver`), so issues and quarantine lines stay those of the row path
//! (`tests::columnar_agrees_with_rows`).

use crate::contact::{validate, RawContact, FIELDS};
use crate::parse::{fast, Cell, Stamp};
use crate::profile::Bound;
use crate::read::{deliver, Col, ContactSink, PqRow};
use arrow_array::{Array, BooleanArray, Int32Array, Int64Array};
use std::borrow::Cow;

/// A timestamp column: absent (every cell null) or typed.
#[derive(Clone, Copy)]
enum TsCol<'a> {
    Absent,
    Ts {
        arr: &'a Int64Array,
        div: i64,
        utc: bool,
    },
}

impl TsCol<'_> {
    /// The stamp the row path reads (`PqRow::cell`); `None` for a null cell.
    #[inline(always)]
    fn get(self, i: usize) -> Option<Stamp> {
        match self {
            TsCol::Ts { arr, div, utc } if arr.is_valid(i) => {
                let v = arr.value(i).div_euclid(div);
                Some(if utc { Stamp::Utc(v) } else { Stamp::Naive(v) })
            }
            _ => None,
        }
    }
}

/// An integer column (durations, scores, 0/1 flags): absent or `Int64`.
#[derive(Clone, Copy)]
struct IntCol<'a>(Option<&'a Int64Array>);

impl IntCol<'_> {
    #[inline(always)]
    fn get(self, i: usize) -> Option<i64> {
        self.0.filter(|a| a.is_valid(i)).map(|a| a.value(i))
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
    Bool(&'a BooleanArray),
    Int(&'a Int64Array),
}

impl FlagCol<'_> {
    /// The outer `None` is "take the row path".
    #[inline(always)]
    fn get(self, i: usize) -> Option<Option<bool>> {
        match self {
            FlagCol::Absent => Some(None),
            FlagCol::Bool(a) => Some(a.is_valid(i).then(|| a.value(i))),
            FlagCol::Int(a) if a.is_valid(i) => fast::flag(Cell::Int(a.value(i))),
            FlagCol::Int(_) => Some(None),
        }
    }
}

/// The queue column: dictionary keys with the sink's slot and trimmed name per dictionary
/// value, or plain text looked up row by row.
enum QueueCol<'a> {
    Dict {
        keys: &'a Int32Array,
        slots: Vec<Option<(u32, &'a str)>>,
    },
    Text(&'a Col),
}

impl<'a> QueueCol<'a> {
    fn new<S: ContactSink>(col: &'a Col, sink: &mut S) -> Option<Self> {
        let mut slot = |s: &'a str| match fast::text(Cell::Str(s)) {
            Some(Some(t)) => sink.queue_slot(t).map(|q| (q, t)),
            _ => None,
        };
        Some(match col {
            Col::DictStr { keys, values } => QueueCol::Dict {
                keys,
                slots: (0..values.len()).map(|k| slot(values.value(k))).collect(),
            },
            Col::DictLargeStr { keys, values } => QueueCol::Dict {
                keys,
                slots: (0..values.len()).map(|k| slot(values.value(k))).collect(),
            },
            Col::Str(_) | Col::LargeStr(_) | Col::ViewStr(_) => QueueCol::Text(col),
            _ => return None,
        })
    }

    /// The queue's slot and trimmed name; `None` is "take the row path".
    #[inline(always)]
    fn get<S: ContactSink>(&self, i: usize, sink: &mut S) -> Option<(u32, &'a str)> {
        match self {
            QueueCol::Dict { keys, slots } => {
                if !keys.is_valid(i) {
                    return None;
                }
                *slots.get(usize::try_from(keys.value(i)).ok()?)?
            }
            QueueCol::Text(col) => {
                let s = match col {
                    Col::Str(a) if a.is_valid(i) => a.value(i),
                    Col::LargeStr(a) if a.is_valid(i) => a.value(i),
                    Col::ViewStr(a) if a.is_valid(i) => a.value(i),
                    _ => return None,
                };
                let t = fast::text(Cell::Str(s))??;
                sink.queue_slot(t).map(|q| (q, t))
            }
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
    let col = |f: usize| -> &Col {
        debug_assert!(f < FIELDS.len());
        fields[f].and_then(|c| cols.get(c)).unwrap_or(UNUSED)
    };
    let ts = |f: usize| match col(f) {
        Col::Unused => Some(TsCol::Absent),
        Col::Ts { arr, div, utc } => Some(TsCol::Ts {
            arr,
            div: *div,
            utc: *utc,
        }),
        _ => None,
    };
    let int = |f: usize| match col(f) {
        Col::Unused => Some(IntCol(None)),
        Col::Int(a) => Some(IntCol(Some(a))),
        _ => None,
    };
    let flag = |f: usize| match col(f) {
        Col::Unused => Some(FlagCol::Absent),
        Col::Bool(a) => Some(FlagCol::Bool(a)),
        Col::Int(a) => Some(FlagCol::Int(a)),
        _ => None,
    };
    let (Some(arrived), Some(answered), Some(ended)) = (ts(3), ts(4), ts(5)) else {
        return false;
    };
    let (Some(talk), Some(hold), Some(acw)) = (int(6), int(7), int(8)) else {
        return false;
    };
    let (Some(csat), Some(nps)) = (int(10), int(12)) else {
        return false;
    };
    let (Some(fcr), Some(transferred)) = (flag(13), flag(14)) else {
        return false;
    };
    let Some(queue) = QueueCol::new(col(1), sink) else {
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
    for i in 0..n {
        let clean = typed.raw(i, sink).and_then(|(slot, raw)| {
            let resolver = sink.columnar()?;
            validate(raw, resolver).ok().map(|c| (slot, c))
        });
        match clean {
            Some((slot, c)) => sink.add_clean(slot, &c),
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

impl<'a> Typed<'a> {
    /// Row `i` as the row path extracts it (`Bound::extract_fast`), with the queue's slot;
    /// `None` when a cell is not clean.
    #[inline(always)]
    fn raw<S: ContactSink>(&self, i: usize, sink: &mut S) -> Option<(u32, RawContact<'a>)> {
        let (slot, name) = self.queue.get(i, sink)?;
        Some((
            slot,
            RawContact {
                ids: None,
                queue: Cow::Borrowed(name),
                arrived_at: self.arrived.get(i)?,
                answered_at: self.answered.get(i),
                ended_at: self.ended.get(i),
                talk_s: self.talk.seconds(i)?,
                hold_s: self.hold.seconds(i)?,
                acw_s: self.acw.seconds(i)?,
                csat: self.csat.score(i, 1, 5)?,
                nps: self.nps.score(i, 0, 10)?,
                resolved_first_contact: self.fcr.get(i)?,
                transferred: self.transferred.get(i)?,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::{KpiOptions, KpiSink};
    use crate::contact::{Contact, FieldIssue, LocalResolver};
    use crate::ingest::PartitionSink;
    use crate::parse::{days_from_civil, MAX_DURATION_S};
    use crate::profile::Profile;
    use crate::read::process_batch;
    use arrow_array::builder::{
        BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder,
        TimestampMicrosecondBuilder, TimestampMillisecondBuilder,
    };
    use arrow_array::types::Int32Type;
    use arrow_array::{ArrayRef, RecordBatch};
    use opsdeck_core::{IntervalLen, Org, Thresholds};
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
        fn add_clean(&mut self, slot: u32, c: &Contact<'_>) {
            self.1 += 1;
            self.0.add_clean(slot, c);
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
        Org::from_raw(&crate::synth::demo_raw_org().unwrap()).unwrap()
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
