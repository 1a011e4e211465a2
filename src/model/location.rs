//! Named locations and CIDR ranges (docs/SEMANTICS.md §4.1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net};

use super::enums::CountryLookupMethod;
use super::read::{Obj, index, truncate};
use crate::diag::Diagnostics;
use crate::json::Json;

/// `a.b.c.d/p` written plainly (four decimal octets without leading zeros, a prefix of at most
/// 32 in one or two digits without a leading zero), as [`Cidr::parse`] reads it; `None` for any
/// other text, which the general path reads or refuses with its message. About a tenth of the
/// general path's instructions: a tenant at Entra's limits holds 390,000 such ranges.
fn plain_v4(s: &str) -> Option<Cidr> {
    let b = s.as_bytes();
    let (address, at) = dotted_quad(b)?;
    if *b.get(at)? != b'/' {
        return None;
    }
    let at = at + 1;
    let prefix = match *b.get(at..)? {
        [d @ b'0'..=b'9'] => d - b'0',
        [a @ b'1'..=b'9', d @ b'0'..=b'9'] => (a - b'0') * 10 + (d - b'0'),
        _ => return None,
    };
    let net = Ipv4Net::new(address, prefix).ok()?;
    Some(Cidr(IpNet::V4(net).trunc()))
}

/// An IP address as `IpAddr`'s parser reads it (`None` where it refuses), a plain IPv4
/// address (four decimal octets without leading zeros) read directly: a sign-in's address is
/// one, and the general parser took some 300 instructions for it.
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    match plain_ipv4(s) {
        Some(v4) => Some(IpAddr::V4(v4)),
        None => s.parse().ok(),
    }
}

/// `a.b.c.d` written plainly, as in [`plain_v4`]; `None` for any other text.
fn plain_ipv4(s: &str) -> Option<Ipv4Addr> {
    let b = s.as_bytes();
    let (address, at) = dotted_quad(b)?;
    (at == b.len()).then_some(address)
}

/// The four decimal octets, joined by dots, that `b` starts with (each `0`, or 1 to 255
/// without a leading zero), and where they end. One pass over the bytes: `split` and
/// `split_once` search with `memchr`, which costs more than the whole of an address this short.
fn dotted_quad(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut octets = [0u8; 4];
    let mut at = 0;
    for (k, o) in octets.iter_mut().enumerate() {
        if k > 0 {
            if *b.get(at)? != b'.' {
                return None;
            }
            at += 1;
        }
        let (value, digits) = octet(b.get(at..)?)?;
        *o = value;
        at += digits;
    }
    Some((Ipv4Addr::from(octets), at))
}

/// The decimal octet `b` starts with (`0`, or 1 to 255 without a leading zero) and how many
/// digits it takes; `None` when `b` starts otherwise.
fn octet(b: &[u8]) -> Option<(u8, usize)> {
    let mut value = 0u32;
    let mut digits = 0;
    while let Some(d) = b.get(digits).filter(|d| d.is_ascii_digit()) {
        if digits == 3 {
            return None;
        }
        value = value * 10 + u32::from(d - b'0');
        digits += 1;
    }
    if digits == 0 || (digits > 1 && b.first() == Some(&b'0')) {
        return None;
    }
    Some((u8::try_from(value).ok()?, digits))
}

/// `h:h:…/p` written without an embedded IPv4 address and with a prefix of at most 128 in one
/// to three digits, as [`Cidr::parse`] reads it (the grammar of `Ipv6Addr`'s parser: one to
/// four hex digits per group, `::` for one or more zero groups, at most once); `None` for any
/// other text, and for an IPv4-mapped range, which the general path reads or refuses. The
/// standard parser took 1,300 instructions per range.
fn plain_v6(s: &str) -> Option<Cidr> {
    let (addr, prefix) = s.split_once('/')?;
    // One to three digits, as the general path reads a prefix (leading zeros included).
    if prefix.is_empty() || prefix.len() > 3 {
        return None;
    }
    let prefix = prefix
        .bytes()
        .try_fold(0u8, |p, b| p.checked_mul(10)?.checked_add(digit(b)?))?;
    let addr = Ipv6Addr::from(v6_groups(addr.as_bytes())?);
    if prefix >= 96 && addr.to_ipv4_mapped().is_some() {
        return None;
    }
    let net = ipnet::Ipv6Net::new(addr, prefix).ok()?;
    Some(Cidr(IpNet::V6(net).trunc()))
}

fn digit(b: u8) -> Option<u8> {
    b.is_ascii_digit().then(|| b - b'0')
}

/// The eight groups of an IPv6 address without an embedded IPv4 part.
fn v6_groups(b: &[u8]) -> Option<[u16; 8]> {
    let mut groups = [0u16; 8];
    // Groups before `::` (all eight when there is none), then the groups after it.
    let mut head = 0;
    let mut tail: Option<[u16; 8]> = None;
    let mut tail_len = 0;
    let mut at = 0;
    loop {
        if b.get(at..at + 2) == Some(b"::") {
            if tail.is_some() || head == 8 {
                return None;
            }
            tail = Some([0; 8]);
            at += 2;
            if at == b.len() {
                break;
            }
        } else if at > 0 {
            // After a group: a single colon and another group, or the end.
            match b.get(at) {
                None => break,
                Some(b':') => at += 1,
                Some(_) => return None,
            }
        }
        let (value, digits) = hex_group(b.get(at..)?)?;
        at += digits;
        match &mut tail {
            None if head < 8 => {
                *groups.get_mut(head)? = value;
                head += 1;
            }
            // `::` stands for at least one group.
            Some(t) if head + tail_len < 7 => {
                *t.get_mut(tail_len)? = value;
                tail_len += 1;
            }
            _ => return None,
        }
    }
    match tail {
        None if head == 8 => Some(groups),
        None => None,
        Some(t) => {
            for (k, v) in t.iter().take(tail_len).enumerate() {
                *groups.get_mut(8 - tail_len + k)? = *v;
            }
            Some(groups)
        }
    }
}

/// The one to four hex digits `b` starts with and how many there are; `None` for none or a
/// fifth. (What follows a group is checked by the caller: a `.` of an embedded IPv4 address
/// sends the text to the general path.)
fn hex_group(b: &[u8]) -> Option<(u16, usize)> {
    let mut value = 0u16;
    let mut digits = 0;
    while let Some(d) = b.get(digits).and_then(|c| char::from(*c).to_digit(16)) {
        if digits == 4 {
            return None;
        }
        value = value << 4 | d as u16;
        digits += 1;
    }
    (digits > 0).then_some((value, digits))
}

/// Id of the MFA trusted IPs pseudo-location (§3.8.4).
pub const MFA_TRUSTED_IPS_ID: &str = "00000000-0000-0000-0000-000000000000";

/// A CIDR range with host bits masked off. An IPv4-mapped IPv6 range is kept as the IPv4 range
/// it names, so that it compares like the requests it is meant to match (§4.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr(IpNet);

impl Cidr {
    /// Parses `address/prefix` strictly; host bits are masked off silently (§4.1.1). A range of
    /// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d/p`, p ≥ 96) becomes the IPv4 range it names.
    pub fn parse(s: &str) -> Result<Cidr, String> {
        // Nearly every range in an export is plain IPv4: read without the general parsers.
        if let Some(plain) = plain_v4(s).or_else(|| plain_v6(s)) {
            return Ok(plain);
        }
        let t = s.trim();
        let (addr, prefix) = t.split_once('/').ok_or_else(|| {
            format!(
                "\"{}\" is not a CIDR range: the /prefix is missing",
                truncate(s, 60)
            )
        })?;
        // Digits only (no sign, no space), at most three: ipnet would accept less strict forms.
        let prefix: u8 = if !prefix.is_empty()
            && prefix.len() <= 3
            && prefix.bytes().all(|b| b.is_ascii_digit())
        {
            prefix
                .parse()
                .map_err(|_| format!("\"{}\": invalid prefix length", truncate(s, 60)))?
        } else {
            return Err(format!("\"{}\": invalid prefix length", truncate(s, 60)));
        };
        // An address with a colon can only be IPv6: parsed as one, without trying IPv4 first.
        let parsed = if addr.contains(':') {
            addr.parse::<Ipv6Addr>().map(IpAddr::V6)
        } else {
            addr.parse::<IpAddr>()
        };
        let addr: IpAddr = parsed.map_err(|_| {
            format!(
                "\"{}\" is not a CIDR range: \"{}\" is not an IPv4 or IPv6 address",
                truncate(s, 60),
                truncate(addr, 50)
            )
        })?;
        let too_long = |_: ipnet::PrefixLenError| {
            format!(
                "\"{}\": prefix length /{prefix} is too long for this address family",
                truncate(s, 60)
            )
        };
        let net = match addr {
            // A range inside ::ffff:0:0/96 names IPv4 addresses, which requests compare as IPv4
            // (§4.1.2); kept as IPv6 it could never match any request.
            IpAddr::V6(a) if prefix >= 96 && a.to_ipv4_mapped().is_some() => {
                let v4 = a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED);
                IpNet::from(Ipv4Net::new(v4, prefix.saturating_sub(96)).map_err(too_long)?)
            }
            _ => IpNet::new(addr, prefix).map_err(too_long)?,
        };
        Ok(Cidr(net.trunc()))
    }

    /// The range as an [`IpNet`].
    pub fn net(&self) -> IpNet {
        self.0
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.0.prefix_len()
    }

    /// Is this an IPv6 range?
    pub fn is_v6(&self) -> bool {
        matches!(self.0, IpNet::V6(_))
    }

    /// Does the range contain `ip`? IPv4-mapped IPv6 addresses are compared as IPv4 (§4.1.2).
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&normalize_ip(ip))
    }

    /// First and last address as 128-bit integers in the family's own space.
    pub fn bounds(&self) -> (u128, u128) {
        match self.0 {
            IpNet::V4(n) => (
                u128::from(u32::from(n.network())),
                u128::from(u32::from(n.broadcast())),
            ),
            IpNet::V6(n) => (u128::from(n.network()), u128::from(n.broadcast())),
        }
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Maps IPv4-mapped IPv6 (`::ffff:a.b.c.d`) to IPv4.
pub fn normalize_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// A named location.
#[derive(Debug, Clone, PartialEq, Hash)]
pub struct NamedLocation {
    /// Lowercased id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// What it matches.
    pub kind: LocationKind,
}

/// The kinds of named location.
#[derive(Debug, Clone, PartialEq, Hash)]
pub enum LocationKind {
    /// `ipNamedLocation`.
    Ip {
        /// Trusted location.
        trusted: bool,
        /// Ranges.
        ranges: Vec<Cidr>,
    },
    /// `countryNamedLocation`.
    Country {
        /// Upper-case ISO 3166 alpha-2 codes.
        countries: Vec<String>,
        /// Also matches `country: "unknown"`.
        include_unknown: bool,
        /// How the country is determined.
        lookup: CountryLookupMethod,
    },
    /// A type this version does not know (e.g. `compliantNetworkNamedLocation`): matches nothing.
    Unknown(String),
}

/// An IP range in its usual form: an object with a `cidrAddress` string and at most an
/// `@odata.type` string, both spelled as Graph spells them, each once, and a range that parses.
/// `None` for anything else, which [`read_range`] then reads (and reports) as before.
fn plain_range(item: &Json) -> Option<Cidr> {
    let Json::Object(members) = item else {
        return None;
    };
    let mut cidr = None;
    let mut typed = false;
    for (key, value) in members {
        match (key.as_ref(), value) {
            ("cidrAddress", Json::String(s)) if cidr.is_none() => cidr = Some(s),
            ("@odata.type", Json::String(_)) if !typed => typed = true,
            _ => return None,
        }
    }
    Cidr::parse(cidr?).ok()
}

/// One item of `ipRanges` at `path`: a CIDR string or an object with `cidrAddress`; what is
/// wrong is recorded.
fn read_range(d: &mut Diagnostics, item: &Json, path: &str, ranges: &mut Vec<Cidr>) {
    let cidr = match item {
        Json::String(s) => Some((s.as_ref(), path.to_owned())),
        other => Obj::new(d, other, path).and_then(|r| {
            r.req_str(d, "cidrAddress")
                .map(|s| (s, r.at("cidrAddress")))
        }),
    };
    if let Some((s, at)) = cidr {
        match Cidr::parse(s) {
            Ok(c) => ranges.push(c),
            Err(msg) => d.error("invalidCidr", &at, msg),
        }
    }
}

/// Reads a named location.
pub fn parse_location(d: &mut Diagnostics, json: &Json, path: &str) -> Option<NamedLocation> {
    let o = Obj::new(d, json, path)?;
    let id = o.req_str(d, "id")?.trim().to_ascii_lowercase();
    let display_name = o.str(d, "displayName").unwrap_or(&id).to_owned();
    let declared = o.odata_type().map(str::to_ascii_lowercase);
    let kind = match declared.as_deref() {
        Some("ipnamedlocation") => "ip",
        Some("countrynamedlocation") => "country",
        Some(_) => "unknown",
        None if o.has("ipRanges") => "ip",
        None if o.has("countriesAndRegions") => "country",
        None => {
            d.error(
                "unknownLocationType",
                &o.path,
                "named location has no @odata.type, ipRanges or countriesAndRegions",
            );
            return None;
        }
    };
    let kind = match kind {
        "ip" => {
            let trusted = o.bool(d, "isTrusted").unwrap_or(false);
            let mut ranges = Vec::new();
            match o.get("ipRanges") {
                // A location may hold 2,000 ranges: the usual one is read without an object
                // reader or a path; any other goes the general way, which reports with paths.
                Some(Json::Array(items)) => {
                    ranges.reserve(items.len());
                    let mut list_path = None;
                    for (i, item) in items.iter().enumerate() {
                        match plain_range(item) {
                            Some(c) => ranges.push(c),
                            None => {
                                let at = list_path.get_or_insert_with(|| o.at("ipRanges"));
                                read_range(d, item, &index(at, i), &mut ranges);
                            }
                        }
                    }
                }
                // Absent or null: no range. Another type: `array` reports it, and gives none.
                _ => {
                    let _ = o.array(d, "ipRanges");
                }
            }
            LocationKind::Ip { trusted, ranges }
        }
        "country" => {
            let lookup = o
                .enumeration(d, "countryLookupMethod", CountryLookupMethod::parse)
                .unwrap_or(CountryLookupMethod::ClientIpAddress);
            if lookup.is_unknown() {
                d.warn(
                    "unknownEnumValue",
                    &o.at("countryLookupMethod"),
                    format!(
                        "unknown countryLookupMethod \"{lookup}\"; the location matches nothing"
                    ),
                );
            }
            LocationKind::Country {
                countries: o
                    .strings(d, "countriesAndRegions")
                    .into_iter()
                    .map(|(s, _)| s.trim().to_ascii_uppercase())
                    .collect(),
                include_unknown: o
                    .bool(d, "includeUnknownCountriesAndRegions")
                    .unwrap_or(false),
                lookup,
            }
        }
        _ => {
            let t = o.odata_type().unwrap_or("").to_owned();
            d.warn(
                "unsupportedLocationType",
                &o.path,
                format!("named location type \"{t}\" is not supported; it matches nothing"),
            );
            LocationKind::Unknown(t)
        }
    };
    Some(NamedLocation {
        id,
        display_name,
        kind,
    })
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    /// The general path alone (any text with a leading space takes it).
    fn general(s: &str) -> Result<Cidr, String> {
        let mut bytes = s.as_bytes().to_vec();
        // A leading space sends any text down the general path, which trims it off again.
        bytes.insert(0, b' ');
        // Messages quote the text as given: without the space, they are the ones to expect.
        Cidr::parse(std::str::from_utf8(&bytes).unwrap()).map_err(|m| m.replacen("\" ", "\"", 1))
    }

    #[test]
    fn plain_ipv4_ranges_read_as_the_general_path_reads_them() {
        let mut texts: Vec<String> = [
            "0.0.0.0/0",
            "255.255.255.255/32",
            "10.0.0.1/8",
            "192.168.1.77/24",
            "1.2.3.4/33",
            "1.2.3.4/032",
            "1.2.3.4/08",
            "1.2.3.4/",
            "1.2.3.4",
            "01.2.3.4/8",
            "1.2.3.04/8",
            "256.1.1.1/8",
            "1.2.3/8",
            "1.2.3.4.5/8",
            "1..3.4/8",
            ".1.2.3/8",
            "1.2.3.4/+8",
            "1.2.3.4/ 8",
            "1.2.3.4 /8",
            "1.2.3.4/8 ",
            "1.2.3.4//8",
            "1.2.3.4/8/8",
            "1000.1.1.1/8",
            "999.1.1.1/8",
            "1.2.3.255/31",
            "::ffff:1.2.3.4/120",
            "1.2.3.4/-1",
            "a.b.c.d/8",
            "1.2.3.4/9a",
            "0.0.0.00/0",
            "00.0.0.0/0",
            "1.2.3.4/100",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        // Generated from a seed: four runs of zero to four digits and a prefix of zero to two,
        // joined mostly by dots and a slash, now and then by another of `./`.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..200_000 {
            let mut text = String::new();
            for part in 0..5 {
                let digits = match (part, next(8)) {
                    (_, 0) => 0,
                    (4, _) => 1 + next(2),
                    (_, 1) => 4,
                    _ => 1 + next(3),
                };
                for _ in 0..digits {
                    // Low digits more often, so that octets under 256 are common.
                    let d = if next(2) == 0 { next(3) } else { next(10) };
                    text.push(char::from(b'0' + d as u8));
                }
                if part < 4 {
                    let joint = match (part, next(16)) {
                        (_, 0) => '.',
                        (_, 1) => '/',
                        (3, _) => '/',
                        _ => '.',
                    };
                    text.push(joint);
                }
            }
            texts.push(text);
        }
        // And octets and prefixes near their limits, every combination of a few.
        for a in [
            "0", "1", "9", "10", "99", "100", "199", "249", "250", "255", "256", "00", "01",
        ] {
            for p in [
                "0", "1", "9", "10", "31", "32", "33", "00", "09", "99", "123",
            ] {
                texts.push(format!("{a}.{a}.0.{a}/{p}"));
            }
        }
        // An address with a colon parses as IPv6 alone exactly as it does as either family.
        for a in [
            "::",
            "::1",
            "::ffff:1.2.3.4",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1.2.3.4:80",
            ":::",
            "fe80::1%eth0",
            "2001:db8::/64",
            "2001:DB8::a",
            "[::1]",
            "1::2::3",
            ":1.2.3.4",
        ] {
            let alone = a.parse::<std::net::Ipv6Addr>().map(IpAddr::V6).ok();
            assert_eq!(alone, a.parse::<IpAddr>().ok(), "{a}");
        }
        let mut plain = 0;
        for text in &texts {
            assert_eq!(Cidr::parse(text), general(text), "{text:?}");
            plain += usize::from(super::plain_v4(text).is_some());
        }
        assert!(
            plain > 5_000,
            "{plain} of {} took the plain path",
            texts.len()
        );
        // The same texts as addresses (before the first slash, and whole), and a few more:
        // read as `IpAddr`'s parser reads them.
        let mut addresses = 0;
        let more = [
            "",
            "1.2.3",
            "1.2.3.4.5",
            " 1.2.3.4",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.4.",
            ".1.2.3.4",
            "1..2.3",
            "::1",
            "::ffff:1.2.3.4",
            "1.2.3.４",
        ];
        for text in texts
            .iter()
            .flat_map(|t| [t.split('/').next().unwrap_or(""), t.as_str()])
            .chain(more)
        {
            assert_eq!(
                super::parse_ip(text),
                text.parse::<IpAddr>().ok(),
                "{text:?}"
            );
            addresses += usize::from(super::plain_ipv4(text).is_some());
        }
        assert!(addresses > 5_000, "{addresses} read as plain addresses");
    }

    #[test]
    fn plain_ipv6_ranges_read_as_the_general_path_reads_them() {
        let mut texts: Vec<String> = [
            "::/0",
            "::1/128",
            "1::/16",
            "1:2:3:4:5:6:7:8/64",
            "1:2:3:4:5:6:7::/64",
            "::2:3:4:5:6:7:8/64",
            "1:2:3:4:5:6:7:8::/64",
            "::1:2:3:4:5:6:7:8/64",
            ":::/0",
            "1:::2/8",
            "12345::/8",
            "::ffff:1.2.3.4/120",
            "::ffff:0102:0304/120",
            "::ffff:102:304/96",
            "::ffff:102:304/95",
            "2001:DB8::/32",
            "2001:db8::/129",
            "2001:db8::/256",
            "2001:db8::/064",
            "2001:db8::/0064",
            "2001:db8::",
            "fe80::1%eth0/64",
            "1::2::3/8",
            "g::/8",
            "::/",
            "/64",
            "::/-1",
            "1:/8",
            ":1::/8",
            "1:2/8",
            "::1:/8",
            "0000:0000::0/8",
            "ABCD:ef01::/32",
            "::1 /128",
            "::1/ 128",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        let mut rng = crate::unstable::generate::Rng::new(0x2545_F491_4F6C_DD1D);
        let mut next = move |n: u64| rng.next_u64() % n;
        for _ in 0..100_000 {
            // Mostly zero groups, so that `::` stands for runs of every length.
            let groups: [u16; 8] = std::array::from_fn(|_| match next(4) {
                0 | 1 => 0,
                2 => next(16) as u16,
                _ => next(65_536) as u16,
            });
            let addr = Ipv6Addr::from(groups);
            let prefix = next(140);
            let text = match next(4) {
                // As the standard library writes it (`::` for the longest zero run).
                0 => format!("{addr}/{prefix}"),
                // Every group, in either case, some with leading zeros.
                1 => {
                    let parts: Vec<String> = groups
                        .iter()
                        .map(|g| match next(3) {
                            0 => format!("{g:04X}"),
                            1 => format!("{g:x}"),
                            _ => format!("{g:X}"),
                        })
                        .collect();
                    format!("{}/{prefix}", parts.join(":"))
                }
                // The standard form with one byte replaced, removed or repeated.
                2 => {
                    let mut b = format!("{addr}/{prefix}").into_bytes();
                    let at = next(b.len() as u64) as usize;
                    match next(3) {
                        0 => b[at] = b":0fF.g/ %"[next(9) as usize],
                        1 => {
                            b.remove(at);
                        }
                        _ => b.insert(at, b[at]),
                    }
                    String::from_utf8(b).unwrap()
                }
                // Any run of hex digits, colons and a slash.
                _ => (0..next(40))
                    .map(|_| char::from(b"0123456789abcdefABCDEF::::::/"[next(29) as usize]))
                    .collect(),
            };
            texts.push(text);
        }
        let mut plain = 0;
        for text in &texts {
            assert_eq!(Cidr::parse(text), general(text), "{text:?}");
            plain += usize::from(super::plain_v6(text).is_some());
        }
        assert!(
            plain > 40_000,
            "{plain} of {} took the plain path",
            texts.len()
        );
    }

    #[test]
    fn host_bits_are_masked() {
        let c = Cidr::parse("12.34.221.11/22").unwrap();
        assert_eq!(c.to_string(), "12.34.220.0/22");
        assert!(c.contains("12.34.223.255".parse().unwrap()));
        assert!(!c.contains("12.34.224.0".parse().unwrap()));
    }

    #[test]
    fn ipv6_and_mapped() {
        let c = Cidr::parse("2001:db8:abcd::/48").unwrap();
        assert!(c.contains("2001:db8:abcd:1::5".parse().unwrap()));
        assert!(!c.contains("2001:db8:abce::1".parse().unwrap()));
        let v4 = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(v4.contains("::ffff:203.0.113.9".parse().unwrap()));
    }

    #[test]
    fn zero_and_full_prefixes() {
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("::/0")
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            Cidr::parse("1.2.3.4/32")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
    }

    #[test]
    fn rejects_bad_ranges() {
        for bad in [
            "1.2.3.4",
            "1.2.3.4/33",
            "::1/129",
            "1.2.3/24",
            "fe80::1%eth0/64",
            "1.2.3.4/-1",
            "1.2.3.4/",
            "x/8",
            "1.2.3.4/0008",
        ] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }
}
