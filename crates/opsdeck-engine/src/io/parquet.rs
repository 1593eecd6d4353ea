//! Parquet columns viewed as the few shapes the readers use, rows over them, and the units of
//! decoding work (row groups, or parts of one) that workers take in turn.

use super::parse::Cell;
use super::Row;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, LargeStringArray,
    StringArray, StringViewArray,
};
use arrow_schema::{DataType, TimeUnit};

/// A Parquet column viewed as one of the few shapes the profiles read.
pub(crate) enum Col {
    /// Not read (the profile does not use this column).
    Unused,
    Str(StringArray),
    LargeStr(LargeStringArray),
    ViewStr(StringViewArray),
    /// Dictionary-encoded text: keys into `values`.
    DictStr {
        keys: Int32Array,
        values: StringArray,
    },
    DictLargeStr {
        keys: Int32Array,
        values: LargeStringArray,
    },
    Int(Int64Array),
    Float(Float64Array),
    Bool(BooleanArray),
    /// Timestamp scaled to seconds by `div`; `utc` when the column carries a zone.
    Ts {
        arr: Int64Array,
        div: i64,
        utc: bool,
    },
}

pub(crate) fn view(a: &ArrayRef) -> std::result::Result<Col, String> {
    use DataType::*;
    let cast = |to: &DataType| arrow_cast::cast(a, to).map_err(|e| e.to_string());
    let int = |a: ArrayRef| a.as_primitive::<Int64Type>().clone();
    Ok(match a.data_type() {
        Utf8 => Col::Str(a.as_string::<i32>().clone()),
        LargeUtf8 => Col::LargeStr(a.as_string::<i64>().clone()),
        Utf8View => Col::ViewStr(a.as_string_view().clone()),
        Dictionary(k, v) if **k == Int32 && matches!(**v, Utf8 | LargeUtf8) => {
            let d = a.as_dictionary::<Int32Type>();
            let keys = d.keys().clone();
            match **v {
                Utf8 => Col::DictStr {
                    keys,
                    values: d.values().as_string::<i32>().clone(),
                },
                _ => Col::DictLargeStr {
                    keys,
                    values: d.values().as_string::<i64>().clone(),
                },
            }
        }
        Int64 => Col::Int(int(a.clone())),
        Int8 | Int16 | Int32 | UInt8 | UInt16 | UInt32 | UInt64 => Col::Int(int(cast(&Int64)?)),
        Float64 => Col::Float(a.as_primitive::<Float64Type>().clone()),
        Float32 | Float16 | Decimal128(_, _) => {
            Col::Float(cast(&Float64)?.as_primitive::<Float64Type>().clone())
        }
        Boolean => Col::Bool(a.as_boolean().clone()),
        Timestamp(unit, tz) => {
            let div = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            Col::Ts {
                arr: int(cast(&Int64)?),
                div,
                utc: tz.is_some(),
            }
        }
        // dictionaries, dates, … are read as text
        _ => Col::Str(cast(&Utf8)?.as_string::<i32>().clone()),
    })
}

/// The dictionary entry a key points at; a key outside the dictionary is a corrupt file.
#[inline]
fn dict_value<'a>(
    len: usize,
    key: i32,
    value: impl Fn(usize) -> &'a str,
) -> std::result::Result<&'a str, String> {
    match usize::try_from(key) {
        Ok(k) if k < len => Ok(value(k)),
        _ => Err(format!(
            "dictionary key {key} is outside the dictionary of {len} values (corrupt file?)"
        )),
    }
}

pub(crate) struct PqRow<'a> {
    pub(crate) cols: &'a [Col],
    pub(crate) i: usize,
}

impl Row for PqRow<'_> {
    #[inline]
    fn cell(&self, c: usize) -> std::result::Result<Cell<'_>, String> {
        let i = self.i;
        Ok(match &self.cols[c] {
            Col::Unused => Cell::Null,
            Col::Str(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::LargeStr(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::ViewStr(a) if a.is_valid(i) => Cell::Str(a.value(i)),
            Col::DictStr { keys, values } if keys.is_valid(i) => {
                Cell::Str(dict_value(values.len(), keys.value(i), |k| {
                    values.value(k)
                })?)
            }
            Col::DictLargeStr { keys, values } if keys.is_valid(i) => {
                Cell::Str(dict_value(values.len(), keys.value(i), |k| {
                    values.value(k)
                })?)
            }
            Col::Int(a) if a.is_valid(i) => Cell::Int(a.value(i)),
            Col::Float(a) if a.is_valid(i) => Cell::Float(a.value(i)),
            Col::Bool(a) if a.is_valid(i) => Cell::Bool(a.value(i)),
            Col::Ts { arr, div, utc } if arr.is_valid(i) => {
                let v = arr.value(i).div_euclid(*div);
                if *utc {
                    Cell::Utc(v)
                } else {
                    Cell::Naive(v)
                }
            }
            _ => Cell::Null,
        })
    }
    fn width(&self) -> usize {
        self.cols.len()
    }
    fn raw(&self) -> String {
        super::row::raw_line(
            (0..self.cols.len())
                .filter(|c| !matches!(self.cols[*c], Col::Unused))
                .map(|c| self.cell(c).map(|x| x.display()).unwrap_or_default()),
        )
    }
}

/// A stretch of one row group that one worker decodes on its own.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    pub(crate) group: usize,
    /// rows of the group in total
    pub(crate) group_rows: u64,
    /// rows of the group before this unit
    pub(crate) skip: u64,
    pub(crate) rows: u64,
    /// row index in the file of the unit's first row (from 0)
    pub(crate) first: u64,
    /// share of the group's compressed bytes, for the progress bar
    pub(crate) bytes: u64,
}

/// Cut the row groups (first row, compressed size and row count of each) into units of
/// decoding work: one per row group when there are at least as many groups as workers, else
/// each group in equal parts so every worker gets one. Groups are not cut finer for balance:
/// without a page index in the file, a part decompresses the pages before it to skip them
/// (measured: cutting ten 1M-row groups in two cost more CPU than the shorter tail saved).
pub(crate) fn decode_units(
    first_row: &[u64],
    sizes: &[u64],
    workers: usize,
    group_rows: impl Fn(usize) -> u64,
) -> Vec<Unit> {
    let parts = workers.div_ceil(first_row.len().max(1)) as u64;
    let mut units = Vec::new();
    for (g, (&first, &size)) in first_row.iter().zip(sizes).enumerate() {
        let n = group_rows(g);
        let per = n.div_ceil(parts).max(1);
        let mut skip = 0;
        while skip < n {
            let rows = per.min(n - skip);
            units.push(Unit {
                group: g,
                group_rows: n,
                skip,
                rows,
                first: first + skip,
                bytes: size * (skip + rows) / n - size * skip / n,
            });
            skip += rows;
        }
    }
    units
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_units_cover_every_row_and_byte_once() {
        // enough row groups: one unit each
        let u = decode_units(&[0, 10, 20], &[100, 100, 50], 2, |g| [10, 10, 5][g]);
        assert_eq!(u.len(), 3);
        assert_eq!(
            (u[2].group, u[2].skip, u[2].rows, u[2].first),
            (2, 0, 5, 20)
        );
        // one row group, three workers: three parts, rows and bytes adding up
        let u = decode_units(&[0], &[1000], 3, |_| 10);
        let parts: Vec<_> = u.iter().map(|u| (u.skip, u.rows, u.first)).collect();
        assert_eq!(parts, vec![(0, 4, 0), (4, 4, 4), (8, 2, 8)]);
        assert_eq!(u.iter().map(|u| u.bytes).sum::<u64>(), 1000);
        // two groups, four workers: two parts each, file rows continue across groups
        let u = decode_units(&[0, 7], &[70, 30], 4, |g| [7, 3][g]);
        let parts: Vec<_> = u
            .iter()
            .map(|u| (u.group, u.skip, u.rows, u.first))
            .collect();
        assert_eq!(
            parts,
            vec![(0, 0, 4, 0), (0, 4, 3, 4), (1, 0, 2, 7), (1, 2, 1, 9)]
        );
        assert_eq!(u.iter().map(|u| u.bytes).sum::<u64>(), 100);
    }
}
