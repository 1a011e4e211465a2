//! Named locations and CIDR ranges (docs/SEMANTICS.md §4.1).

use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use super::enums::CountryLookupMethod;
use super::read::{Obj, index, truncate};
use crate::diag::Diagnostics;
use crate::json::Json;

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
        let addr: IpAddr = addr.parse().map_err(|_| {
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
