//! The one seeded pseudo-random generator of websense: SplitMix64.
//!
//! Small, fast, statistically good enough to scatter generated posts, spread test data and
//! jitter retries, and the same sequence for the same seed on every platform and in every
//! version (the generated benchmark corpora depend on that: same seed, same bytes). It is
//! not a cryptographic generator and must never be used where unpredictability matters
//! (keys, tokens, salts: those come from the operating system).
//!
//! It lives here, not in the test kit (`websense-testkit`), because product code draws
//! from it at run time: the retry jitter of [`crate::backoff`] (through [`mix`]) and the
//! demo's generated history. The test kit re-exports it for generators and tests.
//!
//! ```
//! use websense_model::rng::{mix, Rng};
//! let mut a = Rng::new(7);
//! let mut b = Rng::new(7);
//! assert_eq!(a.next_u64(), b.next_u64());
//! assert!(a.below(10) < 10);
//! // One step from a state is the mix of that state.
//! assert_eq!(Rng::new(42).next_u64(), mix(42));
//! ```

/// SplitMix64's increment (the golden ratio in 64 bits).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output for `state`: a good 64-bit mix of `state + GAMMA`. This is the
/// stateless form, for a caller that keeps its own counter.
pub fn mix(state: u64) -> u64 {
    let mut z = state.wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Deterministic pseudo-random numbers (SplitMix64): the same seed, the same sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed` (any value, zero included).
    pub const fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let out = mix(self.0);
        self.0 = self.0.wrapping_add(GAMMA);
        out
    }

    /// A number in `0..n` (`0` when `n` is 0), by remainder: slightly uneven for huge `n`,
    /// which generated data does not mind.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % (n.max(1) as u64)) as usize
    }

    /// A number in `[0, 1)`, from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of `from`, evenly; panics when it is empty.
    pub fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.below(from.len())]
    }

    /// One element of `from`, skewed towards the front (as word frequencies are); panics
    /// when it is empty.
    pub fn pick_common<T: Copy>(&mut self, from: &[T]) -> T {
        let u = self.unit();
        from[((u * u * u) * from.len() as f64) as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_splitmix64() {
        // The first outputs of SplitMix64 seeded with 0 (the reference implementation).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(rng.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(rng.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(3);
        for _ in 0..1000 {
            assert!(rng.below(7) < 7);
            assert_eq!(rng.below(0), 0);
            assert!((0.0..1.0).contains(&rng.unit()));
            assert!([1, 2, 3].contains(&rng.pick_common(&[1, 2, 3])));
        }
    }
}
