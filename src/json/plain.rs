//! The end of a string's plain run: the bytes a JSON string holds as they are (not `"`, `\\` or
//! a control character), which the scanner borrows and the output copies without escaping.
//! Sixteen bytes at a time with SSE2's byte comparisons on x86-64 (through `safe_arch`, so
//! without `unsafe` here), else a word at a time.

/// How many leading bytes of `rest` need no attention inside a string (not `"`, `\\` or a
/// control character), read sixteen at a time while sixteen remain; then the last sixteen of a
/// slice that holds that many (overlapping bytes already found plain, so the first special byte
/// among them is past those); else eight at a time, then one.
#[inline]
pub(crate) fn plain_len(rest: &[u8]) -> usize {
    let mut n = 0;
    while let Some(chunk) = rest
        .get(n..n + 16)
        .and_then(|c| <&[u8; 16]>::try_from(c).ok())
    {
        let special = special_in_16(chunk);
        if special != 0 {
            return n + special.trailing_zeros() as usize;
        }
        n += 16;
    }
    if n < rest.len()
        && let Some(start) = rest.len().checked_sub(16)
        && let Some(chunk) = rest
            .get(start..)
            .and_then(|c| <&[u8; 16]>::try_from(c).ok())
    {
        // A slice ending within the next sixteen bytes (the ids and names a decision writes):
        // its last sixteen at once.
        let special = special_in_16(chunk);
        return if special != 0 {
            start + special.trailing_zeros() as usize
        } else {
            rest.len()
        };
    }
    while let Some(chunk) = rest.get(n..n + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let special = special_bytes(u64::from_le_bytes(word));
        if special != 0 {
            return n + (special.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    let tail = rest.get(n..).unwrap_or_default();
    n + tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(tail.len())
}

/// One bit for each of the sixteen bytes of `chunk` (the lowest for the first) that is `"`,
/// `\\` or a control character, with SSE2's byte comparisons (part of every x86-64 processor;
/// `safe_arch` gives them without `unsafe`).
#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
#[inline]
fn special_in_16(chunk: &[u8; 16]) -> u32 {
    use safe_arch::{
        bitor_m128i, bitxor_m128i, cmp_eq_mask_i8_m128i, load_unaligned_m128i, min_u8_m128i,
        move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let v = load_unaligned_m128i(chunk);
    // With bit 1 flipped, a control character stays below 0x20 and `"` (0x22) becomes 0x20,
    // while no other byte comes to 0x20 or below: one unsigned comparison finds both (a byte is
    // at most 0x20 when it is its own minimum with 0x20).
    let flipped = bitxor_m128i(v, set_splat_i8_m128i(0x02));
    let low = set_splat_i8_m128i(0x20);
    let control_or_quote = cmp_eq_mask_i8_m128i(min_u8_m128i(flipped, low), flipped);
    let backslash = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'\\' as i8));
    let special = bitor_m128i(control_or_quote, backslash);
    // Sixteen sign bits: the mask is below 2^16.
    move_mask_i8_m128i(special) as u32
}

/// Where SSE2 is not known to be there, [`special_in_16_words`].
#[cfg(not(all(target_arch = "x86_64", target_feature = "sse2")))]
#[inline]
fn special_in_16(chunk: &[u8; 16]) -> u32 {
    special_in_16_words(chunk)
}

/// [`special_in_16`] two words at a time, giving the first special byte's bit alone (a word's
/// flags are exact only up to its first, see [`special_bytes`]); [`plain_len`] reads only the
/// lowest bit.
#[cfg_attr(all(target_arch = "x86_64", target_feature = "sse2"), allow(dead_code))]
#[inline]
fn special_in_16_words(chunk: &[u8; 16]) -> u32 {
    let pair = u128::from_le_bytes(*chunk);
    // The low word holds the first eight bytes.
    let (a, b) = (
        special_bytes(pair as u64),
        special_bytes((pair >> 64) as u64),
    );
    if a != 0 {
        1 << (a.trailing_zeros() / 8)
    } else if b != 0 {
        1 << (8 + b.trailing_zeros() / 8)
    } else {
        0
    }
}

/// The high bit of each byte of `w` that is below 0x20, `"` or `\\` (bytes of 0x80 and above
/// are never flagged: their high bit is masked out by `!w`). A flag can spill into the bytes
/// after a flagged one, never before it: the lowest flag is the first such byte.
#[inline]
fn special_bytes(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |w: u64| w.wrapping_sub(ONES);
    (w.wrapping_sub(ONES * 0x20)
        | has_zero(w ^ (ONES * u64::from(b'"')))
        | has_zero(w ^ (ONES * u64::from(b'\\'))))
        & !w
        & HIGH
}

#[cfg(test)]
mod tests {
    use super::{plain_len, special_in_16, special_in_16_words};

    #[test]
    fn both_ways_of_reading_sixteen_bytes_find_the_first_special_one() {
        // Every byte value at every place, alone and before a second special byte.
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
        for fill in [b'a', b'~', b' ', 0x80, 0xC3, 0xFF] {
            for at in 0..16 {
                for b in 0..=255u8 {
                    for second in [None, Some(15), Some(at + 1)] {
                        let mut bytes = [fill; 16];
                        if let Some(x) = second.and_then(|i| bytes.get_mut(i)) {
                            *x = b'\\';
                        }
                        if let Some(x) = bytes.get_mut(at) {
                            *x = b;
                        }
                        let want = naive(&bytes);
                        let lowest = |m: u32| (m != 0).then(|| m.trailing_zeros() as usize);
                        assert_eq!(lowest(special_in_16(&bytes)), want, "{b:#04x} at {at}");
                        assert_eq!(
                            lowest(special_in_16_words(&bytes)),
                            want,
                            "{b:#04x} at {at}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn plain_len_stops_at_the_first_quote_backslash_or_control_character() {
        let naive = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .unwrap_or(b.len())
        };
        // Every byte value at every place of strings that fill whole words and leave a tail,
        // alone and with a second special byte after it; plain bytes of every kind around it.
        for fill in [b'a', b'~', b' ', 0x80, 0xC3, 0xFF] {
            for len in 0usize..=48 {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut bytes = vec![fill; len];
                        if let Some(x) = bytes.get_mut(at) {
                            *x = b;
                        }
                        assert_eq!(
                            plain_len(&bytes),
                            naive(&bytes),
                            "{b:#04x} at {at} of {len}"
                        );
                        if let Some(x) = bytes.get_mut(len - 1) {
                            *x = b'"';
                        }
                        assert_eq!(
                            plain_len(&bytes),
                            naive(&bytes),
                            "{b:#04x} at {at} of {len}, quoted"
                        );
                    }
                }
            }
        }
    }
}
