//! Reading a large collection on every core: a directory holds up to 100,000 users, and each of
//! up to 195 named locations up to 2,000 ranges. Each task reads a run of items with its own
//! diagnostics, and the runs are joined in order, so that what is read, and what is said about
//! it, does not depend on the threads.

use super::*;
use rayon::prelude::*;

/// Items from which a collection is read on every core: a small collection is not worth the
/// tasks.
pub(super) const PARALLEL_ITEMS: usize = 64;

/// [`Builder::items_in_parallel`] for one kind: each task reads a run of items with its own
/// diagnostics and the runs are joined in order, so the result does not depend on the threads.
fn read_in_parallel<T: Send>(
    d: &mut Diagnostics,
    kind: Kind,
    items: &[&Json],
    base: &str,
    parse: fn(&mut Diagnostics, &Json, &str) -> Option<T>,
    into: &mut Vec<T>,
) -> bool {
    // Several runs per thread, so that one run of large items does not leave a core idle.
    let run = items
        .len()
        .div_ceil(rayon::current_num_threads().saturating_mul(8))
        .max(1);
    let file = d.file.as_str();
    let runs: Option<Vec<(Vec<T>, Vec<Diagnostic>)>> = items
        .par_chunks(run)
        .enumerate()
        .map(|(r, chunk)| {
            let mut rd = Diagnostics::new(file);
            let mut read = Vec::with_capacity(chunk.len());
            let mut path = String::new();
            for (j, item) in chunk.iter().enumerate() {
                // As in `collection`: `@odata.type` decides the kind where it names a collection.
                if odata_type_of(item)
                    .and_then(kind_by_type)
                    .is_some_and(|k| k != kind)
                {
                    return None;
                }
                path.clear();
                push_index(&mut path, base, r.saturating_mul(run).saturating_add(j));
                read.extend(parse(&mut rd, item, &path));
            }
            Some((read, rd.items))
        })
        .collect();
    let Some(runs) = runs else {
        return false;
    };
    into.reserve(runs.iter().map(|(read, _)| read.len()).sum());
    for (read, diagnostics) in runs {
        into.extend(read);
        d.items.extend(diagnostics);
    }
    true
}

impl Builder {
    /// Reads a large collection of named locations, users or groups on every core, a chunk of
    /// items per task, into the same objects and diagnostics, in the same order, as reading them
    /// one after another. False, with nothing recorded, for another kind or when an item's
    /// `@odata.type` names another collection: the caller then reads them one by one.
    pub(super) fn items_in_parallel(
        &mut self,
        d: &mut Diagnostics,
        kind: Kind,
        items: &[&Json],
        base: &str,
    ) -> bool {
        let t = &mut self.tenant;
        let read = match kind {
            Kind::NamedLocations => read_in_parallel(
                d,
                kind,
                items,
                base,
                location::parse_location,
                &mut t.named_locations,
            ),
            Kind::Users => {
                read_in_parallel(d, kind, items, base, directory::parse_user, &mut t.users)
            }
            Kind::Groups => {
                read_in_parallel(d, kind, items, base, directory::parse_group, &mut t.groups)
            }
            _ => false,
        };
        #[cfg(test)]
        {
            self.read_in_parallel += usize::from(read);
        }
        read
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
    use super::*;

    /// A generated bundle with more named locations, users and groups than `PARALLEL_ITEMS`,
    /// some of them wrong in ways that are reported, read on every core and one item after
    /// another.
    /// Each way: the report, and how many collections were read on every core.
    fn both_ways(bundle: &serde_json::Value) -> ((String, usize), (String, usize)) {
        let bytes = serde_json::to_vec(bundle).unwrap();
        let read = |parallel_from: usize| {
            let mut b = Builder::new(&LoadOptions::default());
            b.parallel_from = parallel_from;
            b.bundle_bytes("bundle.json", bytes.clone());
            let count = b.read_in_parallel;
            (format!("{:?}", b.finish()), count)
        };
        (read(PARALLEL_ITEMS), read(usize::MAX))
    }

    fn bundle() -> serde_json::Value {
        use crate::unstable::generate::{TenantSize, tenant};
        let size = TenantSize {
            ip_locations: 90,
            ranges_per_location: 3,
            groups: 80,
            ..TenantSize::SMALL
        };
        let mut t = tenant(size, 7);
        let locations = t["namedLocations"].as_array_mut().unwrap();
        assert!(locations.len() >= 90);
        locations[3]["ipRanges"][1] = serde_json::json!({ "cidrAddress": "10.0.0.300/8" });
        locations[40]["ipRanges"] = serde_json::json!("10.0.0.0/8");
        locations[41] = serde_json::json!({ "displayName": "no id" });
        locations[77]["isTrusted"] = serde_json::json!("yes");
        let users = t["directory"]["users"].as_array_mut().unwrap();
        assert!(users.len() >= 500);
        users[5] = serde_json::json!({ "userPrincipalName": "no-id@contoso.com" });
        users[260]["id"] = serde_json::json!(42);
        users[499] = serde_json::json!([]);
        let groups = t["directory"]["groups"].as_array_mut().unwrap();
        assert!(groups.len() >= 80);
        groups[10]["members"] = serde_json::json!([{ "id": 5 }, "not-a-guid"]);
        t
    }

    #[test]
    fn a_collection_read_on_every_core_reads_as_one_item_after_another() {
        let ((parallel, runs), (one_by_one, none)) = both_ways(&bundle());
        // Named locations, users and groups.
        assert_eq!((runs, none), (3, 0));
        assert_eq!(parallel, one_by_one);
        // The damage above was read and reported (so the comparison covers diagnostics).
        for code in ["invalidCidr", "wrongType", "missingField"] {
            assert!(parallel.contains(code), "{code} not reported");
        }
    }

    #[test]
    fn an_item_of_another_collection_sends_the_whole_collection_one_item_at_a_time() {
        let mut t = bundle();
        let users = t["directory"]["users"].as_array_mut().unwrap();
        users[300] = serde_json::json!({
            "@odata.type": "#microsoft.graph.group",
            "id": "11111111-2222-3333-4444-555555555555",
            "members": []
        });
        let ((parallel, runs), (one_by_one, _)) = both_ways(&t);
        // Named locations and groups; the users one by one.
        assert_eq!(runs, 2);
        assert_eq!(parallel, one_by_one);
        assert!(parallel.contains("11111111-2222-3333-4444-555555555555"));
    }
}
