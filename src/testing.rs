//! Helpers for the tests (unit and integration).

/// A small deterministic random source (xorshift64): each call gives a
/// number below `n`. For tests that put inputs together from pieces.
pub fn picker(mut seed: u64) -> impl FnMut(usize) -> usize {
    move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    }
}
