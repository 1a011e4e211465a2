//! The directory's users in one flat table: a row per user in tenant order, every id in one
//! string, and an open-addressing index of hashes. A lookup hashes the request's id once and
//! reads a slot, a row and the stored id; compiling copies each id once into the shared string
//! instead of allocating a map key per user.

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

/// A row: where the id is in [`DirectoryUsers::text`] and the user's facts, inline where they
/// are small.
#[derive(Debug, Clone, Copy)]
struct Row {
    id_start: usize,
    id_end: usize,
    class: ClassId,
    guest_bits: u8,
    /// Index into `timelines`, or `NONE`.
    timeline: usize,
    /// Index into `homes`, or `NONE`.
    home: usize,
}

const NONE: usize = usize::MAX;

/// An index slot: the full hash (compared before the id) and the row, `NONE` when empty.
#[derive(Debug, Clone, Copy)]
struct Slot {
    hash: u64,
    row: usize,
}

const EMPTY: Slot = Slot { hash: 0, row: NONE };

/// Directory users by id (ids compared byte for byte; the model stores them lowercased).
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
    row: Row,
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
        let hash = self.hasher.hash_one(id);
        let existing = self.find(id, hash);
        // A replaced row's timeline and home slots are reused, so nothing is left orphaned.
        let timeline = store(
            &mut self.timelines,
            existing.map_or(NONE, |(row, _)| row.timeline),
            facts.timeline,
        );
        let home = store(
            &mut self.homes,
            existing.map_or(NONE, |(row, _)| row.home),
            facts.home_tenant,
        );
        // A replaced row keeps its place and its id; a new one appends both.
        let (id_start, id_end) = match existing {
            Some((old, _)) => (old.id_start, old.id_end),
            None => {
                let start = self.text.len();
                self.text.push_str(id);
                (start, self.text.len())
            }
        };
        let row = Row {
            id_start,
            id_end,
            class: facts.class,
            guest_bits: facts.guest_bits,
            timeline,
            home,
        };
        match existing {
            Some((_, r)) => {
                if let Some(old) = self.rows.get_mut(r) {
                    *old = row;
                }
            }
            None => {
                self.rows.push(row);
                let row = self.rows.len() - 1;
                self.place(Slot { hash, row });
            }
        }
    }

    /// The user with this id.
    #[inline]
    pub fn get(&self, id: &str) -> Option<DirectoryUser<'_>> {
        let hash = self.hasher.hash_one(id);
        self.find(id, hash)
            .map(|(row, _)| DirectoryUser { table: self, row })
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

    /// The row holding `id` and its index. Linear probing from the hash's slot until an empty
    /// slot: the table is at most half full, so a probe is short.
    fn find(&self, id: &str, hash: u64) -> Option<(Row, usize)> {
        let mask = self.slots.len() - 1;
        // The hash picks the start; truncating it to the table size is the point.
        let mut i = hash as usize & mask;
        loop {
            let slot = self.slots.get(i)?;
            if slot.row == NONE {
                return None;
            }
            if slot.hash == hash
                && let Some(row) = self.rows.get(slot.row)
                && self.id_of(row) == id
            {
                return Some((*row, slot.row));
            }
            i = (i + 1) & mask;
        }
    }

    fn place(&mut self, new: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = new.hash as usize & mask;
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
            self.place(slot);
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
        // The row and its id, not the whole table the user borrows from.
        f.debug_struct("DirectoryUser")
            .field("id", &self.table.id_of(&self.row))
            .field("row", &self.row)
            .finish()
    }
}

impl<'a> DirectoryUser<'a> {
    fn timeline(&self) -> Option<&'a Timeline> {
        self.table.timelines.get(self.row.timeline)
    }

    /// The class at `t`.
    #[inline]
    pub fn class_at(&self, t: Timestamp) -> ClassId {
        match self.timeline() {
            None => self.row.class,
            Some(tl) => tl
                .classes
                .get(tl.segment(t))
                .copied()
                .unwrap_or(self.row.class),
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
        self.row.guest_bits
    }

    /// Home tenant from the directory.
    pub fn home_tenant(&self) -> Option<&'a str> {
        self.table.homes.get(self.row.home).map(String::as_str)
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
