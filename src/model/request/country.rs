//! Country codes a request may name (docs/SEMANTICS.md §5.3a): the ISO 3166-1 alpha-2 codes
//! assigned today, and `XK` (Kosovo), which Microsoft's location data uses.

/// Assigned ISO 3166-1 alpha-2 codes (from the iso-codes database, as packaged by pycountry
/// 26.2.16) plus `XK`, sorted.
const CODES: [&str; 250] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "XK", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Every country code a request may name, sorted.
pub(crate) fn all_countries() -> &'static [&'static str] {
    &CODES
}

/// [`CODES`] as bits: bit `second - b'A'` of entry `first - b'A'`.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range fails the build"
)]
const TABLE: [u32; 26] = {
    let mut table = [0u32; 26];
    let mut i = 0;
    while i < CODES.len() {
        let code = CODES[i].as_bytes();
        assert!(
            code.len() == 2 && code[0].is_ascii_uppercase() && code[1].is_ascii_uppercase(),
            "a code is two capital letters"
        );
        table[(code[0] - b'A') as usize] |= 1 << (code[1] - b'A');
        i += 1;
    }
    table
};

/// Is `code` (two upper-case letters) a country a sign-in can come from? One table lookup:
/// every request naming a country asks.
pub(crate) fn is_country_code(code: [u8; 2]) -> bool {
    match code {
        [a @ b'A'..=b'Z', b @ b'A'..=b'Z'] => TABLE
            .get(usize::from(a - b'A'))
            .is_some_and(|row| row & (1 << (b - b'A')) != 0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::{CODES, is_country_code};

    fn is_country(code: &str) -> bool {
        match *code.as_bytes() {
            [a, b] => is_country_code([a, b]),
            _ => false,
        }
    }

    #[test]
    fn the_list_is_sorted_and_knows_real_codes_only() {
        assert!(CODES.windows(2).all(|w| matches!(w, [a, b] if a < b)));
        for code in ["NL", "US", "RU", "XK", "AX"] {
            assert!(is_country(code), "{code}");
        }
        for code in ["ZZ", "UK", "EU", "AA", "nl", "", "N", "NLD", "N\u{e9}"] {
            assert!(!is_country(code), "{code}");
        }
    }

    #[test]
    fn the_table_holds_the_list() {
        // Every pair of bytes (and every single byte): in the table exactly when in the list.
        for a in 0..=255u8 {
            assert!(!is_country(&char::from(a).to_string()));
            for b in 0..=255u8 {
                let Ok(code) = std::str::from_utf8(&[a, b]).map(str::to_owned) else {
                    continue;
                };
                assert_eq!(
                    is_country(&code),
                    CODES.binary_search(&code.as_str()).is_ok(),
                    "{code:?}"
                );
            }
        }
    }
}
