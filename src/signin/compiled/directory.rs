//! The directory's users in one flat table: a row per user in tenant order, every id in one
//! string, and an open-addressing index whose slots hold what a decision reads of a user. A
//! request's id that is a lowercase GUID (as Graph writes object ids) is found by its 128 bits,
//! compared in the slot itself: a lookup reads one slot, not a slot, a row and the stored id
//! (three dependent cache misses on a cold request). Other ids are hashed and compared byte for
//! byte. Compiling copies each id once into the shared string instead of allocating a map key
//! per user.

use std::hash::BuildHasher;

use jiff::Timestamp;

/// Index of a user class (a set of user-side policy facts; see `users`).
pub type ClassId = u32;

/// How a user's class changes over time, for the few users whose facts are time-bounded (PIM,
/// windowed role assignments) or whose group count exceeds what Entra accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// Instants where the class may change, ascending.
    pub breakpoints: Vec<Timestamp>,
    /// `breakpoints.len() + 1` classes: before the first breakpoint, between, after the last.
    pub classes: Vec<ClassId>,
    /// Transitive group count per segment, where one exceeds the 2048 Entra may block
    /// (§3.4.8); empty when none does.
    pub too_many_groups: Vec<usize>,
}

impl Timeline {
    fn segment(&self, t: Timestamp) -> usize {
        self.breakpoints.partition_point(|b| *b <= t)
    }
}

/// What compiling found for one directory user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFacts {
    /// The class when it never changes; ignored when `timeline` is set.
    pub class: ClassId,
    /// The classes over time, when they change or a segment has too many groups.
    pub timeline: Option<Timeline>,
    /// Guest bits from the directory.
    pub guest_bits: u8,
    /// Home tenant from the directory.
    pub home_tenant: Option<String>,
}

/// A row: where the id is in [`DirectoryUsers::text`], and the user's rarer facts.
#[derive(Debug, Clone, Copy)]
struct Row {
    id_start: usize,
    id_end: usize,
    /// Index into `timelines`, or `NONE`.
    timeline: usize,
    /// Index into `homes`, or `NONE`.
    home: usize,
}

const NONE: usize = usize::MAX;

/// An index slot: the id's key and what a decision reads of the user, so that a lookup of a
/// GUID id reads nothing else unless the user has a timeline or a home tenant. Thirty-two bytes
/// at a 32-byte boundary: a slot never straddles two cache lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(align(32))]
struct Slot {
    /// A GUID id's 128 bits ([`guid_key`]); for another id, its hash and zero.
    key: [u64; 2],
    /// The row, `NONE` when the slot is empty.
    row: usize,
    /// The class when `flags` has no `TIMELINE`; with one, the class a timeline segment
    /// out of range falls back to.
    class: ClassId,
    guest_bits: u8,
    flags: u8,
}

/// `Slot::flags`: the id is not a GUID (its key is a hash: compare the stored id).
const TEXT_ID: u8 = 1;
/// `Slot::flags`: the row has a timeline.
const TIMELINE: u8 = 2;
/// `Slot::flags`: the row has a home tenant.
const HOME: u8 = 4;

const EMPTY: Slot = Slot {
    key: [0; 2],
    row: NONE,
    class: 0,
    guest_bits: 0,
    flags: 0,
};

/// An id as the index looks it up: its key, whether the key is a hash, and where probing starts.
#[derive(Clone, Copy)]
struct Probe {
    key: [u64; 2],
    text: bool,
    hash: u64,
}

/// The 128 bits of a GUID in lowercase canonical form (hex groups 8-4-4-4-12), or `None` for
/// any other text. One text gives one key and one key one text: ids are stored and requested
/// lowercased, so comparing keys is comparing ids.
pub(crate) fn guid_key(id: &str) -> Option<[u64; 2]> {
    let b: &[u8; 36] = id.as_bytes().try_into().ok()?;
    if [b[8], b[13], b[18], b[23]] != [b'-'; 4] {
        return None;
    }
    // The 32 digits as four words of eight, each read at fixed places (no bounds to check).
    let word = |x: [u8; 8]| u64::from_le_bytes(x);
    let a = word([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
    let c = word([b[9], b[10], b[11], b[12], b[14], b[15], b[16], b[17]]);
    let d = word([b[19], b[20], b[21], b[22], b[24], b[25], b[26], b[27]]);
    let e = word([b[28], b[29], b[30], b[31], b[32], b[33], b[34], b[35]]);
    let (a, ok_a) = hex8(a);
    let (c, ok_c) = hex8(c);
    let (d, ok_d) = hex8(d);
    let (e, ok_e) = hex8(e);
    (ok_a & ok_c & ok_d & ok_e).then_some([a | (c << 32), d | (e << 32)])
}

/// The value of eight lowercase hex digits (the first in the low byte), packed into 32 bits,
/// and whether every byte is `0-9` or `a-f` (the value means nothing otherwise). Any packing
/// that keeps every digit would do: the key only has to tell texts apart.
fn hex8(w: u64) -> (u64, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte that is `c` or more: with the high bit set first, no byte
    // borrows from the next (valid only for ASCII bytes, checked too).
    let at_least = |c: u8| ((w | HIGH) - ONES * u64::from(c)) & HIGH;
    let digit = at_least(b'0') & !at_least(b'9' + 1);
    let letter = at_least(b'a') & !at_least(b'f' + 1);
    let ok = w & HIGH == 0 && (digit | letter) == HIGH;
    // Each byte's digit value: its low four bits, plus nine for a letter.
    let n = (w & (ONES * 0x0f)) + (letter >> 7) * 9;
    let pairs = (n | (n >> 4)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    ((quads | (quads >> 16)) & 0xffff_ffff, ok)
}

/// Directory users by id (ids compared byte for byte, or as GUIDs by their bits; the model
/// stores them lowercased).
#[derive(Debug, Clone)]
pub struct DirectoryUsers {
    text: String,
    rows: Vec<Row>,
    /// A power of two, at least twice the rows: probes stay short.
    slots: Vec<Slot>,
    timelines: Vec<Timeline>,
    homes: Vec<String>,
    hasher: crate::hashing::Keyed,
}

/// One directory user, borrowed from the table.
#[derive(Clone, Copy)]
pub struct DirectoryUser<'a> {
    table: &'a DirectoryUsers,
    slot: Slot,
}

impl DirectoryUsers {
    /// An empty table with room for `users` rows and `id_bytes` bytes of ids.
    pub fn with_capacity(users: usize, id_bytes: usize) -> DirectoryUsers {
        let slots = users.saturating_mul(2).max(8).next_power_of_two();
        DirectoryUsers {
            text: String::with_capacity(id_bytes),
            rows: Vec::with_capacity(users),
            slots: vec![EMPTY; slots],
            timelines: Vec::new(),
            homes: Vec::new(),
            hasher: crate::hashing::Keyed::default(),
        }
    }

    /// Adds the user `id`; a second user with the same id replaces the first, as a map would.
    pub fn insert(&mut self, id: &str, facts: UserFacts) {
        if self.rows.len() + 1 > self.slots.len() / 2 {
            self.grow();
        }
        let probe = self.probe(id);
        let existing = self.find(id, probe);
        let old = existing
            .and_then(|i| self.slots.get(i))
            .and_then(|s| self.rows.get(s.row))
            .copied();
        // A replaced row's timeline and home slots are reused, so nothing is left orphaned.
        let timeline = store(
            &mut self.timelines,
            old.map_or(NONE, |row| row.timeline),
            facts.timeline,
        );
        let home = store(
            &mut self.homes,
            old.map_or(NONE, |row| row.home),
            facts.home_tenant,
        );
        // A replaced row keeps its place and its id; a new one appends both.
        let (id_start, id_end) = match old {
            Some(old) => (old.id_start, old.id_end),
            None => {
                let start = self.text.len();
                self.text.push_str(id);
                (start, self.text.len())
            }
        };
        let row = Row {
            id_start,
            id_end,
            timeline,
            home,
        };
        let flag = |on: bool, f: u8| if on { f } else { 0 };
        let mut slot = Slot {
            key: probe.key,
            row: NONE,
            class: facts.class,
            guest_bits: facts.guest_bits,
            flags: flag(probe.text, TEXT_ID)
                | flag(timeline != NONE, TIMELINE)
                | flag(home != NONE, HOME),
        };
        match existing.and_then(|i| self.slots.get_mut(i)) {
            Some(s) => {
                slot.row = s.row;
                if let Some(r) = self.rows.get_mut(s.row) {
                    *r = row;
                }
                *s = slot;
            }
            None => {
                self.rows.push(row);
                slot.row = self.rows.len() - 1;
                self.place(slot, probe.hash);
            }
        }
    }

    /// The user with this id.
    #[inline]
    pub fn get(&self, id: &str) -> Option<DirectoryUser<'_>> {
        let slot = *self.slots.get(self.find(id, self.probe(id))?)?;
        Some(DirectoryUser { table: self, slot })
    }

    /// Is a user with this id in the directory?
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Every user's id, in tenant order.
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        self.rows.iter().map(|r| self.id_of(r))
    }

    fn id_of(&self, row: &Row) -> &str {
        self.text.get(row.id_start..row.id_end).unwrap_or_default()
    }

    /// How `id` is looked up: a GUID by its bits (hashed under this table's keys, so no input
    /// can choose where it lands), another id by its hash.
    #[inline]
    fn probe(&self, id: &str) -> Probe {
        match guid_key(id) {
            Some(key) => Probe {
                key,
                text: false,
                hash: self.hasher.hash_one(key),
            },
            None => {
                let hash = self.hasher.hash_one(id);
                Probe {
                    key: [hash, 0],
                    text: true,
                    hash,
                }
            }
        }
    }

    /// Where probing for a slot starts.
    fn hash_of(&self, slot: &Slot) -> u64 {
        match slot.flags & TEXT_ID {
            0 => self.hasher.hash_one(slot.key),
            _ => slot.key.first().copied().unwrap_or(0),
        }
    }

    /// The slot holding `id`. Linear probing from the hash's slot until an empty slot: the
    /// table is at most half full, so a probe is short.
    #[inline]
    fn find(&self, id: &str, probe: Probe) -> Option<usize> {
        let mask = self.slots.len() - 1;
        // The hash picks the start; truncating it to the table size is the point.
        let mut i = probe.hash as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.row == NONE {
                return None;
            }
            if slot.key == probe.key
                && (slot.flags & TEXT_ID != 0) == probe.text
                && (!probe.text || self.rows.get(slot.row).is_some_and(|r| self.id_of(r) == id))
            {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    fn place(&mut self, new: Slot, hash: u64) {
        let mask = self.slots.len() - 1;
        let mut i = hash as usize & mask;
        // The table is never full (at most half), so an empty slot is always found.
        while let Some(slot) = self.slots.get_mut(i) {
            if slot.row == NONE {
                *slot = new;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let bigger = self.slots.len().saturating_mul(2);
        let old = std::mem::replace(&mut self.slots, vec![EMPTY; bigger]);
        for slot in old.into_iter().filter(|s| s.row != NONE) {
            let hash = self.hash_of(&slot);
            self.place(slot, hash);
        }
    }
}

/// Puts `value` in `list`, in slot `old` when there is one: its index, or `NONE` for no value.
fn store<T>(list: &mut Vec<T>, old: usize, value: Option<T>) -> usize {
    let Some(value) = value else {
        return NONE;
    };
    match list.get_mut(old) {
        Some(slot) => {
            *slot = value;
            old
        }
        None => {
            list.push(value);
            list.len() - 1
        }
    }
}

impl std::fmt::Debug for DirectoryUser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The id and the slot, not the whole table the user borrows from.
        f.debug_struct("DirectoryUser")
            .field("id", &self.row().map(|r| self.table.id_of(r)))
            .field("slot", &self.slot)
            .finish()
    }
}

impl<'a> DirectoryUser<'a> {
    fn row(&self) -> Option<&'a Row> {
        self.table.rows.get(self.slot.row)
    }

    fn timeline(&self) -> Option<&'a Timeline> {
        if self.slot.flags & TIMELINE == 0 {
            return None;
        }
        self.table.timelines.get(self.row()?.timeline)
    }

    /// The class at `t`.
    #[inline]
    pub fn class_at(&self, t: Timestamp) -> ClassId {
        match self.timeline() {
            None => self.slot.class,
            Some(tl) => tl
                .classes
                .get(tl.segment(t))
                .copied()
                .unwrap_or(self.slot.class),
        }
    }

    /// The user's transitive group count at `t` when it exceeds the 2048 groups Entra may block.
    #[inline]
    pub fn too_many_groups_at(&self, t: Timestamp) -> Option<usize> {
        let tl = self.timeline()?;
        tl.too_many_groups
            .get(tl.segment(t))
            .copied()
            .filter(|n| *n > crate::validate::limits::GROUPS_PER_USER)
    }

    /// Guest bits from the directory.
    pub fn guest_bits(&self) -> u8 {
        self.slot.guest_bits
    }

    /// Home tenant from the directory.
    pub fn home_tenant(&self) -> Option<&'a str> {
        if self.slot.flags & HOME == 0 {
            return None;
        }
        self.table.homes.get(self.row()?.home).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(class: ClassId) -> UserFacts {
        UserFacts {
            class,
            ..UserFacts::default()
        }
    }

    #[test]
    fn finds_every_user_and_no_other_through_growth() {
        // Starts small so the index grows several times.
        let mut table = DirectoryUsers::with_capacity(0, 0);
        for i in 0..5_000u32 {
            table.insert(&format!("user-{i}"), facts(i));
        }
        assert_eq!(table.ids().count(), 5_000);
        for i in 0..5_000u32 {
            let user = table.get(&format!("user-{i}"));
            assert_eq!(user.map(|u| u.class_at(Timestamp::UNIX_EPOCH)), Some(i));
        }
        for absent in ["user-5000", "", "user-", "USER-1", "user-1 "] {
            assert!(!table.contains(absent), "{absent}");
        }
        let ids: Vec<&str> = table.ids().take(3).collect();
        assert_eq!(ids, ["user-0", "user-1", "user-2"]);
    }

    /// The key as the naive reading gives it: the 32 digits' values, or `None`.
    #[expect(clippy::indexing_slicing, reason = "a test fails loudly")]
    fn naive_key(id: &str) -> Option<Vec<u8>> {
        let b = id.as_bytes();
        let dashes = [8, 13, 18, 23];
        if b.len() != 36 || dashes.iter().any(|&i| b[i] != b'-') {
            return None;
        }
        (0..36)
            .filter(|i| !dashes.contains(i))
            .map(|i| match b[i] {
                c @ b'0'..=b'9' => Some(c - b'0'),
                c @ b'a'..=b'f' => Some(c - b'a' + 10),
                _ => None,
            })
            .collect()
    }

    #[test]
    #[expect(clippy::indexing_slicing, reason = "a test fails loudly")]
    fn guid_keys_read_lowercase_guids_only_and_tell_every_digit_apart() {
        let base = "809741fe-fb1b-4746-9ff0-83a978a4c891";
        assert!(guid_key(base).is_some());
        for bad in [
            "809741FE-FB1B-4746-9FF0-83A978A4C891",
            "809741fe-fb1b-4746-9ff0-83a978a4c89",
            "809741fe-fb1b-4746-9ff0-83a978a4c8911",
            "{09741fe-fb1b-4746-9ff0-83a978a4c891}",
            "809741fe_fb1b-4746-9ff0-83a978a4c891",
            "",
        ] {
            assert_eq!(guid_key(bad), None, "{bad}");
        }
        // Every byte value at every place: accepted exactly where the naive reading accepts,
        // and two texts the naive reading tells apart get different keys.
        let mut keys = std::collections::HashMap::new();
        for at in 0..36 {
            for c in 0u8..=255 {
                let mut b = base.as_bytes().to_vec();
                b[at] = c;
                let Ok(text) = String::from_utf8(b) else {
                    continue;
                };
                let (fast, naive) = (guid_key(&text), naive_key(&text));
                assert_eq!(fast.is_some(), naive.is_some(), "{text:?}");
                if let (Some(k), Some(n)) = (fast, naive)
                    && let Some(other) = keys.insert(k, n.clone())
                {
                    assert_eq!(other, n, "{text:?}");
                }
            }
        }
        assert_eq!(keys.len(), 1 + 32 * 15);
    }

    #[test]
    fn guid_and_other_ids_are_found_side_by_side() {
        let guid = |i: u32| format!("{i:08x}-0000-4000-8000-{:012x}", u64::from(i) * 7919);
        let mut table = DirectoryUsers::with_capacity(0, 0);
        for i in 0..3_000u32 {
            table.insert(&guid(i), facts(i));
            table.insert(&format!("user-{i}@contoso.com"), facts(10_000 + i));
        }
        assert_eq!(table.ids().count(), 6_000);
        for i in 0..3_000u32 {
            let class = |id: &str| table.get(id).map(|u| u.class_at(Timestamp::UNIX_EPOCH));
            assert_eq!(class(&guid(i)), Some(i));
            assert_eq!(class(&format!("user-{i}@contoso.com")), Some(10_000 + i));
            // The same GUID in capitals is another id, as the model stores ids lowercased.
            let upper = guid(i).to_uppercase();
            if upper != guid(i) {
                assert_eq!(class(&upper), None);
            }
        }
        for absent in [guid(3_000), guid(1).replace('-', "_"), String::new()] {
            assert!(!table.contains(&absent), "{absent}");
        }
        let ids: Vec<&str> = table.ids().take(2).collect();
        assert_eq!(ids, [guid(0), "user-0@contoso.com".to_owned()]);
        // A GUID user replaced keeps its place, takes the new facts.
        table.insert(
            &guid(5),
            UserFacts {
                class: 77,
                guest_bits: 2,
                home_tenant: Some("home".to_owned()),
                timeline: None,
            },
        );
        let u = table.get(&guid(5));
        assert_eq!(u.map(|u| u.class_at(Timestamp::MAX)), Some(77));
        assert_eq!(u.map(|u| u.guest_bits()), Some(2));
        assert_eq!(u.and_then(|u| u.home_tenant()), Some("home"));
        assert_eq!(table.ids().nth(10), Some(guid(5).as_str()));
        assert_eq!(table.ids().count(), 6_000);
    }

    #[test]
    fn a_guid_users_timeline_and_home_are_read_and_cleared_when_replaced() {
        let id = "809741fe-fb1b-4746-9ff0-83a978a4c891";
        let t1 = Timestamp::from_second(100).unwrap_or(Timestamp::MIN);
        let mut table = DirectoryUsers::with_capacity(1, 36);
        table.insert(
            id,
            UserFacts {
                class: 9,
                timeline: Some(Timeline {
                    breakpoints: vec![t1],
                    classes: vec![1, 2],
                    too_many_groups: vec![5, 3000],
                }),
                guest_bits: 1,
                home_tenant: Some("home".to_owned()),
            },
        );
        let u = table.get(id);
        assert_eq!(u.map(|u| u.class_at(Timestamp::MIN)), Some(1));
        assert_eq!(u.map(|u| u.class_at(t1)), Some(2));
        assert_eq!(u.and_then(|u| u.too_many_groups_at(Timestamp::MIN)), None);
        assert_eq!(u.and_then(|u| u.too_many_groups_at(t1)), Some(3000));
        assert_eq!(u.and_then(|u| u.home_tenant()), Some("home"));
        // Replaced by facts without a timeline or home: neither is read any more.
        table.insert(id, facts(4));
        let u = table.get(id);
        assert_eq!(u.map(|u| u.class_at(t1)), Some(4));
        assert_eq!(u.and_then(|u| u.too_many_groups_at(t1)), None);
        assert_eq!(u.and_then(|u| u.home_tenant()), None);
        assert_eq!(u.map(|u| u.guest_bits()), Some(0));
        assert_eq!(table.ids().collect::<Vec<_>>(), [id]);
    }

    #[test]
    fn a_repeated_id_replaces_the_first_entry() {
        let mut table = DirectoryUsers::with_capacity(2, 16);
        table.insert("a", facts(1));
        table.insert(
            "a",
            UserFacts {
                class: 2,
                guest_bits: 4,
                home_tenant: Some("t".to_owned()),
                timeline: None,
            },
        );
        assert_eq!(table.ids().count(), 1);
        assert_eq!(table.ids().collect::<Vec<_>>(), ["a"]);
        let a = table.get("a");
        assert_eq!(a.map(|u| u.class_at(Timestamp::MAX)), Some(2));
        assert_eq!(a.map(|u| u.guest_bits()), Some(4));
        assert_eq!(a.and_then(|u| u.home_tenant()), Some("t"));
    }

    #[test]
    fn a_repeated_id_takes_the_second_entrys_timeline_and_home_or_their_absence() {
        let timeline = |class| Timeline {
            breakpoints: Vec::new(),
            classes: vec![class],
            too_many_groups: vec![3000],
        };
        let with = |class| UserFacts {
            class,
            timeline: Some(timeline(class)),
            guest_bits: 0,
            home_tenant: Some(format!("home-{class}")),
        };
        let mut table = DirectoryUsers::with_capacity(2, 2);
        table.insert("a", with(1));
        table.insert("a", facts(2));
        table.insert("b", facts(3));
        table.insert("b", with(4));
        let a = table.get("a");
        assert_eq!(a.map(|u| u.class_at(Timestamp::MAX)), Some(2));
        assert_eq!(a.and_then(|u| u.too_many_groups_at(Timestamp::MAX)), None);
        assert_eq!(a.and_then(|u| u.home_tenant()), None);
        let b = table.get("b");
        assert_eq!(b.map(|u| u.class_at(Timestamp::MAX)), Some(4));
        assert_eq!(
            b.and_then(|u| u.too_many_groups_at(Timestamp::MAX)),
            Some(3000)
        );
        assert_eq!(b.and_then(|u| u.home_tenant()), Some("home-4"));
        // A third entry for `b` reuses the slots the second one took.
        table.insert("b", with(5));
        assert_eq!((table.timelines.len(), table.homes.len()), (2, 2));
        assert_eq!(table.get("b").and_then(|u| u.home_tenant()), Some("home-5"));
        assert_eq!(table.ids().collect::<Vec<_>>(), ["a", "b"]);
    }

    #[test]
    fn a_timeline_gives_the_class_and_group_count_of_each_segment() {
        let t1 = Timestamp::from_second(100).unwrap_or(Timestamp::MIN);
        let t2 = Timestamp::from_second(200).unwrap_or(Timestamp::MIN);
        let mut table = DirectoryUsers::with_capacity(1, 1);
        table.insert(
            "u",
            UserFacts {
                class: 99,
                timeline: Some(Timeline {
                    breakpoints: vec![t1, t2],
                    classes: vec![1, 2, 3],
                    too_many_groups: vec![5, 3000, 5],
                }),
                guest_bits: 0,
                home_tenant: None,
            },
        );
        let u = table.get("u");
        let before = Timestamp::from_second(99).unwrap_or(Timestamp::MIN);
        let classes: Vec<_> = [before, t1, t2]
            .iter()
            .map(|t| u.map(|u| u.class_at(*t)))
            .collect();
        assert_eq!(classes, [Some(1), Some(2), Some(3)]);
        let counts: Vec<_> = [before, t1, t2]
            .iter()
            .map(|t| u.and_then(|u| u.too_many_groups_at(*t)))
            .collect();
        assert_eq!(counts, [None, Some(3000), None]);
        assert!(u.is_some_and(|u| u.home_tenant().is_none()));
    }
}
