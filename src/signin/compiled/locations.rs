//! Named locations flattened for lookup (docs/SEMANTICS.md §3.8, §4.1).
//!
//! Every IP range of every IP named location (and of the MFA trusted IPs pseudo-location) is cut
//! into sorted, disjoint intervals; each interval carries the *class* of the set of locations that
//! contain it. A request's address is one binary search away from its class, and each class holds
//! the policies that include or exclude one of its locations. Country locations map a country code
//! to the same kind of include/exclude pair.

use crate::hashing::Map;
use std::net::IpAddr;

use super::bits::Bits;
use crate::model::Tenant;
use crate::model::enums::CountryLookupMethod;
use crate::model::ids::{IdRef, Keyword};
use crate::model::location::{Cidr, LocationKind, MFA_TRUSTED_IPS_ID, normalize_ip};

/// The location-dependent policy sets of one class of addresses or countries.
#[derive(Debug, Clone, Default)]
pub struct LocationSets {
    /// Policies that include one of the class's locations.
    pub include: Bits,
    /// Policies that exclude one of the class's locations.
    pub exclude: Bits,
    /// The class contains a trusted IP location or the MFA trusted IPs.
    pub trusted: bool,
}

/// Sorted interval starts with the class of `[start, next start)`.
#[derive(Debug, Clone, Default)]
struct Intervals {
    starts: Vec<u128>,
    classes: Vec<u32>,
}

impl Intervals {
    fn lookup(&self, key: u128) -> u32 {
        let i = self.starts.partition_point(|s| *s <= key);
        i.checked_sub(1)
            .and_then(|i| self.classes.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// IPv4 interval starts as `u32` with a first-level index on the top 16 bits: a lookup reads one
/// index pair and binary-searches only the few starts inside that /16, instead of walking
/// twenty levels of a 16-byte-per-entry array (cache misses on a cold request).
#[derive(Debug, Clone, Default)]
struct V4Intervals {
    starts: Vec<u32>,
    classes: Vec<u32>,
    /// `first[h]` = how many starts lie below `h << 16`; 65,537 entries.
    first: Vec<u32>,
}

impl V4Intervals {
    fn new(t: &Intervals) -> V4Intervals {
        // A start at 2^32 (just past 255.255.255.255) can never be reached by an IPv4 key.
        let (starts, classes): (Vec<u32>, Vec<u32>) = t
            .starts
            .iter()
            .zip(&t.classes)
            .filter_map(|(s, c)| u32::try_from(*s).ok().map(|s| (s, *c)))
            .unzip();
        let mut first = Vec::with_capacity(65_537);
        let mut i = 0usize;
        for h in 0..=65_536u64 {
            while starts.get(i).is_some_and(|s| u64::from(*s) < h << 16) {
                i += 1;
            }
            first.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        V4Intervals {
            starts,
            classes,
            first,
        }
    }

    fn lookup(&self, key: u32) -> u32 {
        let h = (key >> 16) as usize;
        let (Some(&lo), Some(&hi)) = (self.first.get(h), self.first.get(h + 1)) else {
            return 0;
        };
        let block = self
            .starts
            .get(lo as usize..hi as usize)
            .unwrap_or_default();
        // Starts before this /16 are all below the key: the answer is the last start <= key.
        let i = lo as usize + block.partition_point(|s| *s <= key);
        i.checked_sub(1)
            .and_then(|i| self.classes.get(i))
            .copied()
            .unwrap_or(0)
    }
}

/// Compiled locations.
#[derive(Debug, Clone)]
pub struct LocationTable {
    v4: V4Intervals,
    v6: Intervals,
    /// Address classes; class 0 is "no location".
    pub ip_classes: Vec<LocationSets>,
    /// Country code (upper case, or `unknown`) -> sets, for client-IP country locations.
    pub countries: Map<String, LocationSets>,
    /// Country code -> sets, for Authenticator-GPS country locations.
    pub gps: Map<String, LocationSets>,
    /// Policies without a location condition: every sign-in's location matches them.
    pub unconfigured: Bits,
    /// Policies whose include side is empty (exclude-only) or names `All`.
    pub include_always: Bits,
    /// Policies whose exclude side names `All`.
    pub exclude_always: Bits,
    /// Policies including `AllTrusted`.
    pub include_trusted: Bits,
    /// Policies excluding `AllTrusted`.
    pub exclude_trusted: Bits,
    /// Policies whose include side an address could match (IP locations, the MFA trusted IPs,
    /// `AllTrusted`): a missing address is missing data for them.
    pub needs_ip: Bits,
    /// Policies whose include side names a client-IP country location.
    pub needs_country: Bits,

    empty: LocationSets,
}

impl LocationTable {
    /// The class sets for an address (class 0 when it is in no location).
    pub fn for_ip(&self, ip: IpAddr) -> &LocationSets {
        let class = match normalize_ip(ip) {
            IpAddr::V4(a) => self.v4.lookup(u32::from(a)),
            IpAddr::V6(a) => self.v6.lookup(u128::from(a)),
        };
        self.ip_classes.get(class as usize).unwrap_or(&self.empty)
    }

    /// The sets for a request country under client-IP lookup.
    pub fn for_country(&self, country: &str) -> &LocationSets {
        self.countries.get(country).unwrap_or(&self.empty)
    }

    /// The address class of `ip` (0: in no named location).
    pub fn class_of(&self, ip: IpAddr) -> u32 {
        match normalize_ip(ip) {
            IpAddr::V4(a) => self.v4.lookup(u32::from(a)),
            IpAddr::V6(a) => self.v6.lookup(u128::from(a)),
        }
    }

    /// Addresses where the class may change: every interval start, and per family one address
    /// below its first start (any address when the family has no range), so every class an
    /// address can have, class 0 included, has one of these in it.
    pub fn class_boundaries(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        match self.v4.starts.first() {
            None => out.push(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1))),
            Some(&first) if first > 0 => out.push(IpAddr::V4(std::net::Ipv4Addr::from(
                first.saturating_sub(1).max(1),
            ))),
            Some(_) => {}
        }
        out.extend(
            self.v4
                .starts
                .iter()
                .map(|s| IpAddr::V4(std::net::Ipv4Addr::from(*s))),
        );
        // IPv6 addresses in ::ffff:0:0/96 are read as IPv4, so the first address after that
        // block stands in for a start inside it.
        let v6_below = match self.v6.starts.first() {
            None => Some(0x2001_0db8_u128 << 96 | 1),
            Some(&first) if first > 1 => Some(1),
            Some(_) => None,
        };
        out.extend(
            v6_below
                .into_iter()
                .chain(self.v6.starts.iter().copied())
                .chain([0x1_0000_0000_0000])
                .map(|s| IpAddr::V6(std::net::Ipv6Addr::from(s))),
        );
        out
    }

    /// The sets for a GPS country.
    pub fn for_gps(&self, country: &str) -> &LocationSets {
        let key = if country.eq_ignore_ascii_case("unknown") {
            "unknown"
        } else {
            country
        };
        self.gps.get(key).unwrap_or(&self.empty)
    }
}

/// The sweep's events (position, +1 opening or -1 closing, location), sorted in that order.
/// IPv4 events are packed into one `u64` each (a quarter of the memory, and a plain integer
/// sort): at Entra's limits there are 780,000 of them.
enum Events {
    /// Position in bits 31..64, opening in bit 30, location in bits 0..30.
    Packed(Vec<u64>),
    /// Any position and location: IPv6, or a tenant with more locations than packing numbers.
    Wide(Vec<(u128, i32, u32)>),
}

impl Events {
    fn new(wide: bool, ranges: usize) -> Events {
        let capacity = ranges.saturating_mul(2);
        if wide {
            Events::Wide(Vec::with_capacity(capacity))
        } else {
            Events::Packed(Vec::with_capacity(capacity))
        }
    }

    fn push(&mut self, pos: u128, delta: i32, k: u32) {
        match self {
            // An IPv4 position is at most 2^32 (just past the last address): 33 bits.
            Events::Packed(v) => match u64::try_from(pos) {
                Ok(p) if p <= 1 << 32 && k < 1 << 30 => {
                    v.push(p << 31 | u64::from(delta > 0) << 30 | u64::from(k));
                }
                // Not an IPv4 position or location (`compile_locations` packs only IPv4
                // ranges): never dropped, the list turns wide instead.
                _ => {
                    let wide = v.iter().map(|e| unpack(*e)).collect();
                    *self = Events::Wide(wide);
                    self.push(pos, delta, k);
                }
            },
            Events::Wide(v) => v.push((pos, delta, k)),
        }
    }

    fn sort(&mut self) {
        match self {
            Events::Packed(v) => v.sort_unstable(),
            Events::Wide(v) => v.sort_unstable(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Events::Packed(v) => v.len(),
            Events::Wide(v) => v.len(),
        }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<(u128, i32, u32)> {
        match self {
            Events::Packed(v) => v.get(i).map(|e| unpack(*e)),
            Events::Wide(v) => v.get(i).copied(),
        }
    }
}

/// A packed event as (position, delta, location).
fn unpack(e: u64) -> (u128, i32, u32) {
    let delta = if e >> 30 & 1 == 1 { 1 } else { -1 };
    // The low 30 bits: the cast keeps them all.
    let k = (e & 0x3FFF_FFFF) as u32;
    (u128::from(e >> 31), delta, k)
}

/// Builds the location table for the policies (in order) of `tenant`.
pub fn compile_locations(tenant: &Tenant) -> LocationTable {
    let n = tenant.policies.len();
    let mut t = LocationTable {
        v4: V4Intervals::default(),
        v6: Intervals::default(),
        ip_classes: Vec::new(),
        countries: Map::default(),
        gps: Map::default(),
        unconfigured: Bits::full(n),
        include_always: Bits::empty(n),
        exclude_always: Bits::empty(n),
        include_trusted: Bits::empty(n),
        exclude_trusted: Bits::empty(n),
        needs_ip: Bits::empty(n),
        needs_country: Bits::empty(n),
        empty: LocationSets {
            include: Bits::empty(n),
            exclude: Bits::empty(n),
            trusted: false,
        },
    };
    // Which policies name each location id, per side.
    let mut inc_by_loc: Map<&str, Bits> = Map::default();
    let mut exc_by_loc: Map<&str, Bits> = Map::default();
    for (i, p) in tenant.policies.iter().enumerate() {
        let Some(l) = &p.conditions.locations else {
            continue;
        };
        t.unconfigured.remove(i);
        if l.include.is_empty() || l.include.iter().any(|r| r.is(Keyword::All)) {
            t.include_always.insert(i);
        }
        if l.exclude.iter().any(|r| r.is(Keyword::All)) {
            t.exclude_always.insert(i);
        }
        if l.include.iter().any(|r| r.is(Keyword::AllTrusted)) {
            t.include_trusted.insert(i);
        }
        if l.exclude.iter().any(|r| r.is(Keyword::AllTrusted)) {
            t.exclude_trusted.insert(i);
        }
        if l.include.iter().any(|r| r.is(Keyword::AllTrusted)) {
            t.needs_ip.insert(i);
        }
        for id in l.include.iter().filter_map(IdRef::id) {
            match tenant.location(id).map(|loc| &loc.kind) {
                _ if id == MFA_TRUSTED_IPS_ID => t.needs_ip.insert(i),
                Some(LocationKind::Ip { .. }) => t.needs_ip.insert(i),
                Some(LocationKind::Country {
                    lookup: CountryLookupMethod::ClientIpAddress,
                    ..
                }) => t.needs_country.insert(i),
                _ => {}
            }
            inc_by_loc
                .entry(id)
                .or_insert_with(|| Bits::empty(n))
                .insert(i);
        }
        for id in l.exclude.iter().filter_map(IdRef::id) {
            exc_by_loc
                .entry(id)
                .or_insert_with(|| Bits::empty(n))
                .insert(i);
        }
    }
    let sets_for = |ids: &[&str], trusted: bool| {
        let mut s = LocationSets {
            include: Bits::empty(n),
            exclude: Bits::empty(n),
            trusted,
        };
        for id in ids {
            if let Some(b) = inc_by_loc.get(id) {
                s.include.or(b);
            }
            if let Some(b) = exc_by_loc.get(id) {
                s.exclude.or(b);
            }
        }
        s
    };

    // IP locations: index k < ip_locs.len() is a named location, the last is the pseudo-location.
    let mut ip_locs: Vec<(&str, bool, &[Cidr])> = Vec::new();
    for loc in &tenant.named_locations {
        if let LocationKind::Ip { trusted, ranges } = &loc.kind {
            ip_locs.push((loc.id.as_str(), *trusted, ranges.as_slice()));
        }
    }
    ip_locs.push((MFA_TRUSTED_IPS_ID, true, tenant.mfa_trusted_ips.as_slice()));
    // Classes by their set of locations: a lookup allocates only for a new class.
    let mut class_ids: Map<Vec<u32>, u32> = Map::default();
    class_ids.insert(Vec::new(), 0);
    let mut singles: Vec<Option<u32>> = vec![None; ip_locs.len()];
    t.ip_classes.push(t.empty.clone());
    for v6 in [false, true] {
        // Sized up front: at Entra's limits this is 780,000 events, and growing it by doubling
        // would copy it again and again.
        let ranges = ip_locs
            .iter()
            .flat_map(|l| l.2.iter())
            .filter(|r| r.is_v6() == v6)
            .count();
        // IPv4 starts packed (and turns wide should a location number not fit).
        let mut events = Events::new(v6, ranges);
        for (k, (_, _, ranges)) in ip_locs.iter().enumerate() {
            let k = u32::try_from(k).unwrap_or(u32::MAX);
            for r in ranges.iter().filter(|r| r.is_v6() == v6) {
                let (lo, hi) = r.bounds();
                events.push(lo, 1, k);
                // The last IPv6 address has no successor; its range simply never closes.
                if let Some(after) = hi.checked_add(1) {
                    events.push(after, -1, k);
                }
            }
        }
        events.sort();
        // Open ranges per location, and the locations with any open, ascending.
        let mut open: Vec<i32> = vec![0; ip_locs.len()];
        let mut active: Vec<u32> = Vec::new();
        let mut table = Intervals {
            starts: Vec::with_capacity(events.len()),
            classes: Vec::with_capacity(events.len()),
        };
        let mut idx = 0usize;
        while let Some((pos, _, _)) = events.get(idx) {
            while let Some((p, delta, k)) = events.get(idx) {
                if p != pos {
                    break;
                }
                if let Some(c) = open.get_mut(k as usize) {
                    let was = *c;
                    *c += delta;
                    match (was, *c) {
                        (0, _) => {
                            if let Err(at) = active.binary_search(&k) {
                                active.insert(at, k);
                            }
                        }
                        (_, 0) => {
                            if let Ok(at) = active.binary_search(&k) {
                                active.remove(at);
                            }
                        }
                        _ => {}
                    }
                }
                idx += 1;
            }
            let key = &active;
            // Most positions have no location or one open (named ranges seldom overlap): those
            // classes are cached by location, with no hashing.
            let single = match key.as_slice() {
                [] => Some(0),
                [k] => singles.get(*k as usize).copied().flatten(),
                _ => None,
            };
            let class = match single.or_else(|| class_ids.get(key.as_slice()).copied()) {
                Some(c) => c,
                None => {
                    let ids: Vec<&str> = key
                        .iter()
                        .filter_map(|k| ip_locs.get(*k as usize).map(|l| l.0))
                        .collect();
                    let trusted = key
                        .iter()
                        .any(|k| ip_locs.get(*k as usize).is_some_and(|l| l.1));
                    let c = u32::try_from(t.ip_classes.len()).unwrap_or(u32::MAX);
                    t.ip_classes.push(sets_for(&ids, trusted));
                    if let [k] = key.as_slice()
                        && let Some(slot) = singles.get_mut(*k as usize)
                    {
                        *slot = Some(c);
                    }
                    class_ids.insert(key.clone(), c);
                    c
                }
            };
            if table.classes.last() != Some(&class) {
                table.starts.push(pos);
                table.classes.push(class);
            }
        }
        if v6 {
            // Sized for every event while building; kept for the snapshot's life.
            table.starts.shrink_to_fit();
            table.classes.shrink_to_fit();
            t.v6 = table;
        } else {
            t.v4 = V4Intervals::new(&table);
        }
    }

    // Country locations: one entry per code a location names, plus `unknown`.
    for (method, map) in [
        (CountryLookupMethod::ClientIpAddress, &mut t.countries),
        (CountryLookupMethod::AuthenticatorAppGps, &mut t.gps),
    ] {
        let mut by_code: Map<String, Vec<&str>> = Map::default();
        for loc in &tenant.named_locations {
            if let LocationKind::Country {
                countries,
                include_unknown,
                lookup,
            } = &loc.kind
            {
                if *lookup != method {
                    continue;
                }
                for c in countries {
                    by_code.entry(c.clone()).or_default().push(loc.id.as_str());
                }
                if *include_unknown {
                    by_code
                        .entry("unknown".to_owned())
                        .or_default()
                        .push(loc.id.as_str());
                }
            }
        }
        for (code, ids) in by_code {
            map.insert(code, sets_for(&ids, false));
        }
    }
    t
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
    fn packed_events_sort_and_read_back_as_the_wide_ones() {
        let mut packed = Events::new(false, 0);
        let mut wide = Events::new(true, 0);
        let mut x = 0x9E37_79B9u64;
        let mut push = |pos: u128, delta: i32, k: u32| {
            packed.push(pos, delta, k);
            wide.push(pos, delta, k);
        };
        // The edges: the first address, the last, and just past it; the highest location.
        for (pos, delta, k) in [
            (0, 1, 0),
            (1 << 32, -1, 0),
            ((1 << 32) - 1, 1, (1 << 30) - 1),
        ] {
            push(pos, delta, k);
        }
        for _ in 0..5_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let pos = u128::from(x >> 32) & 0xFFFF_FF00; // few distinct positions: many ties
            let delta = if x & 1 == 0 { 1 } else { -1 };
            push(pos, delta, ((x >> 8) % 300) as u32);
        }
        packed.sort();
        wide.sort();
        assert_eq!(packed.len(), wide.len());
        let read = |e: &Events| (0..e.len()).map(|i| e.get(i)).collect::<Vec<_>>();
        assert_eq!(read(&packed), read(&wide));
        // What packing cannot hold turns the list wide, keeping every event.
        for (pos, k) in [((1 << 32) + 1, 0), (5, 1 << 30)] {
            packed.push(pos, 1, k);
            wide.push(pos, 1, k);
        }
        assert!(matches!(packed, Events::Wide(_)));
        packed.sort();
        wide.sort();
        let read = |e: &Events| (0..e.len()).map(|i| e.get(i)).collect::<Vec<_>>();
        assert_eq!(read(&packed), read(&wide));
    }

    #[test]
    fn the_v4_index_finds_what_a_plain_search_finds() {
        let mut t = Intervals::default();
        let mut x = 0x1234_5678u64;
        let mut s = 0u128;
        for c in 0..5_000u32 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            s += u128::from((x >> 40) % 300_000) + 1;
            t.starts.push(s);
            t.classes.push(c % 7 + 1);
        }
        // A closing boundary just past the last IPv4 address, as a range ending there makes.
        t.starts.push(1u128 << 32);
        t.classes.push(0);
        let v4 = V4Intervals::new(&t);
        let mut keys: Vec<u32> = vec![0, 1, u32::MAX, 0xFFFF, 0x1_0000];
        for s in &t.starts {
            if let Ok(s) = u32::try_from(*s) {
                keys.extend([s, s.wrapping_sub(1), s.wrapping_add(1)]);
            }
        }
        for _ in 0..20_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            keys.push((x >> 32) as u32);
        }
        for k in keys {
            assert_eq!(v4.lookup(k), t.lookup(u128::from(k)), "{k:#x}");
        }
    }

    #[test]
    fn intervals_find_the_innermost_set() {
        let tenant = crate::load_bundle_bytes(
            "t.json",
            br#"{"namedLocations":[
              {"id":"11111111-1111-1111-1111-111111111111","ipRanges":[{"cidrAddress":"10.0.0.0/16"}],"isTrusted":true},
              {"id":"22222222-2222-2222-2222-222222222222","ipRanges":[{"cidrAddress":"10.0.5.0/24"},{"cidrAddress":"2001:db8::/32"}]}],
              "conditionalAccessPolicies":[{"id":"33333333-3333-3333-3333-333333333333","state":"enabled","displayName":"p",
                "grantControls":{"operator":"OR","builtInControls":["mfa"]},
                "conditions":{"users":{"includeUsers":["All"]},"applications":{"includeApplications":["All"]},
                "locations":{"includeLocations":["22222222-2222-2222-2222-222222222222"],"excludeLocations":["11111111-1111-1111-1111-111111111111"]}}}],
              "mfaTrustedIps":["192.0.2.0/24"]}"#,
        )
        .unwrap();
        let t = compile_locations(&tenant);
        let outer = t.for_ip("10.0.1.1".parse().unwrap());
        assert!(outer.trusted && outer.exclude.contains(0) && !outer.include.contains(0));
        let inner = t.for_ip("10.0.5.9".parse().unwrap());
        assert!(inner.trusted && inner.exclude.contains(0) && inner.include.contains(0));
        let v6 = t.for_ip("2001:db8::1".parse().unwrap());
        assert!(!v6.trusted && v6.include.contains(0));
        let none = t.for_ip("10.1.0.0".parse().unwrap());
        assert!(!none.trusted && none.include.is_empty());
        assert!(t.for_ip("192.0.2.200".parse().unwrap()).trusted);
        assert!(
            t.for_ip("::ffff:10.0.5.1".parse().unwrap())
                .include
                .contains(0)
        );
        assert!(
            t.for_ip("255.255.255.255".parse().unwrap())
                .include
                .is_empty()
        );
    }
}
