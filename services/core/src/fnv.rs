//! FNV-1a: a hash that is the same on every platform, toolchain and run — std's hasher is
//! seeded per process and may change between releases — for partitioning keys, deriving seeds
//! and fingerprinting traces.

use std::fmt;

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x0000_0100_0000_01b3;

/// A running 64-bit FNV-1a hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    pub const fn new() -> Self {
        Self(OFFSET_BASIS)
    }

    /// Starts from the offset basis mixed with `seed`, so equal input under different seeds
    /// hashes apart.
    pub const fn seeded(seed: u64) -> Self {
        Self(OFFSET_BASIS ^ seed)
    }

    /// The hash of `bytes`.
    pub fn of(bytes: &[u8]) -> u64 {
        let mut hash = Self::new();
        hash.write(bytes);
        hash.finish()
    }

    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.word(u64::from(b));
        }
    }

    /// Mixes a whole 64-bit word in one step, as if it were one symbol.
    pub fn word(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(PRIME);
    }

    pub fn finish(self) -> u64 {
        self.0
    }
}

impl fmt::Write for Fnv1a {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write(s.as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;

    #[test]
    fn matches_the_published_test_vectors() {
        assert_eq!(Fnv1a::of(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(Fnv1a::of(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(Fnv1a::of(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn text_written_in_pieces_hashes_as_a_whole() {
        let mut pieces = Fnv1a::new();
        std::fmt::Write::write_fmt(&mut pieces, format_args!("foo{}", "bar")).unwrap();
        assert_eq!(pieces.finish(), Fnv1a::of(b"foobar"));
        assert_ne!(Fnv1a::seeded(1).finish(), Fnv1a::seeded(2).finish());
    }
}
