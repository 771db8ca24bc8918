//! Random streams.
//!
//! Every random consumer gets its own stream derived from the user's seed, a purpose tag
//! and an index (e.g. the sample number), by SplitMix64 mixing into a xoshiro256++ seed. A
//! sample's numbers therefore depend only on `(seed, purpose, index)`, never on which thread
//! ran it or in which order, so results are identical for any thread count.

use rand::SeedableRng;
pub use rand_xoshiro::Xoshiro256PlusPlus as Rng;

/// Purposes of random streams (keeps streams of different stages independent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Initial random positions of a configuration.
    Positions = 1,
    /// Monte Carlo moves.
    MonteCarlo = 2,
    /// Anything else (tests, bootstraps).
    Other = 3,
    /// The blocks of a long Monte Carlo chain (one stream per chain and block).
    Chain = 4,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed derived from `seed` and a text tag (e.g. an ensemble group's name), so that groups
/// of one ensemble get independent streams whatever other groups it has.
pub fn derive_seed(seed: u64, tag: &str) -> u64 {
    // FNV-1a of the tag, mixed with the seed
    let h = tag.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    splitmix64(seed ^ splitmix64(h))
}

/// The random stream for `(seed, purpose, index)`.
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Rng {
    let mut s = [0u8; 32];
    let mut h = splitmix64(seed ^ splitmix64(purpose as u64 ^ splitmix64(index)));
    for chunk in s.chunks_mut(8) {
        h = splitmix64(h);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    Rng::from_seed(s)
}

/// The random stream for part `part` of `(seed, purpose, index)` (e.g. block `part` of chain
/// `index`): independent of every other `(index, part)` and of [`stream`]'s streams.
pub fn substream(seed: u64, purpose: Purpose, index: u64, part: u64) -> Rng {
    let mut s = [0u8; 32];
    let mut h = splitmix64(seed ^ splitmix64(purpose as u64 ^ splitmix64(index)));
    h = splitmix64(h ^ splitmix64(part ^ 0xA076_1D64_78BD_642F));
    for chunk in s.chunks_mut(8) {
        h = splitmix64(h);
        chunk.copy_from_slice(&h.to_le_bytes());
    }
    Rng::from_seed(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng as _;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let mut s1 = stream(7, Purpose::Positions, 3);
        let mut s2 = stream(7, Purpose::Positions, 3);
        let mut s3 = stream(7, Purpose::Positions, 4);
        let mut s4 = stream(7, Purpose::MonteCarlo, 3);
        let x1: u64 = s1.random();
        assert_eq!(x1, s2.random::<u64>());
        assert_ne!(x1, s3.random::<u64>());
        assert_ne!(x1, s4.random::<u64>());
        let a: u64 = substream(7, Purpose::Chain, 3, 0).random();
        assert_eq!(a, substream(7, Purpose::Chain, 3, 0).random::<u64>());
        assert_ne!(a, substream(7, Purpose::Chain, 3, 1).random::<u64>());
        assert_ne!(a, substream(7, Purpose::Chain, 4, 0).random::<u64>());
    }
}
