//! A small, fast, non-cryptographic hasher (the Fx hash used by rustc) for hot aggregation maps
//! keyed by small integers and short strings. Not for untrusted keys where collisions matter
//! for security; here a bad key can only slow a local computation down.

use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for FxHasher {
    /// Whole words, then the last (partial) word read as the word that ends the text,
    /// overlapping the one before: no byte-by-byte copy. The length is mixed in first, so that
    /// texts that differ only in length (and so share their words) hash apart.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        self.add(n as u64);
        if let Some(last) = bytes.last_chunk::<8>() {
            let mut chunks = bytes.chunks_exact(8);
            for c in &mut chunks {
                self.add(u64::from_le_bytes([
                    c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                ]));
            }
            if !chunks.remainder().is_empty() {
                self.add(u64::from_le_bytes(*last));
            }
        } else if let (Some(first), Some(last)) =
            (bytes.first_chunk::<4>(), bytes.last_chunk::<4>())
        {
            let (lo, hi) = (u32::from_le_bytes(*first), u32::from_le_bytes(*last));
            self.add(u64::from(lo) | u64::from(hi) << 32);
        } else if let Some(&first) = bytes.first() {
            self.add(
                u64::from(first) | u64::from(bytes[n / 2]) << 8 | u64::from(bytes[n - 1]) << 16,
            );
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // the multiply carries entropy only upwards, and the table takes its bucket index from
        // the low bits: without a final mix (splitmix64's), keys that differ only in their
        // last bytes (case ids like "T0000793") pile into a few buckets
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuild>;
pub type FxHashSet<K> = std::collections::HashSet<K, FxBuild>;

/// A hasher for keys that already are a well-mixed 64-bit hash (such as [`FxHasher`]'s
/// output): a `u64` key is its own hash, instead of being hashed a second time.
#[derive(Default, Clone, Copy)]
pub struct PreHashed(u64);

impl Hasher for PreHashed {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = FxHasher(self.0);
        h.write(bytes);
        self.0 = h.finish();
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by 64-bit hashes computed beforehand.
pub type PreHashedMap<V> = std::collections::HashMap<u64, V, BuildHasherDefault<PreHashed>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn ids_differing_in_their_last_bytes_spread_over_low_bits() {
        let build = FxBuild::default();
        let mut low: FxHashSet<u64> = FxHashSet::default();
        for i in 0..65_536u32 {
            let key = format!("T{i:07}");
            low.insert(build.hash_one(key.as_str()) & 0xffff);
        }
        // random hashes fill about 63 % of 65,536 buckets; a degenerate one a few hundred
        assert!(low.len() > 30_000, "{} distinct low 16 bits", low.len());
    }

    #[test]
    fn texts_sharing_their_words_but_not_their_length_hash_apart() {
        let build = FxBuild::default();
        let texts = [
            "",
            "a",
            "aa",
            "aaa",
            "aaaa",
            "aaaaa",
            "aaaaaaaa",
            "aaaaaaaaa",
        ];
        let hashes: FxHashSet<u64> = texts.iter().map(|t| build.hash_one(t.as_bytes())).collect();
        assert_eq!(hashes.len(), texts.len());
        // every byte counts, at every length up to 17
        let base = "abcdefghijklmnopq";
        for n in 1..=base.len() {
            let t = &base[..n];
            for k in 0..n {
                let mut c = t.as_bytes().to_vec();
                c[k] = b'#';
                assert_ne!(
                    build.hash_one(t.as_bytes()),
                    build.hash_one(&c[..]),
                    "{t} at {k}"
                );
            }
        }
    }
}
