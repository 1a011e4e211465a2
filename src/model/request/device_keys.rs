//! `deviceInfo`'s members by class: the index of each key among those the one-pass reader
//! (`fast.rs`) reads, and the place in [`DeviceInfo`] each fills. The reader writes these places
//! and the reused request's buffers are taken back (`spare.rs`) by the same classes, so the two
//! cannot disagree on which class is which member.

use super::DeviceInfo;

/// `deviceInfo`'s keys before the extension attributes, in the order of their classes.
pub(super) const DEVICE_BASE: [&str; 15] = [
    "deviceId",
    "displayName",
    "enrollmentProfileName",
    "isCompliant",
    "manufacturer",
    "mdmAppId",
    "model",
    "operatingSystem",
    "operatingSystemVersion",
    "ownership",
    "deviceOwnership",
    "physicalIds",
    "profileType",
    "systemLabels",
    "trustType",
];

/// The class of `isCompliant`, the one member that is neither a string nor a list.
pub(super) const IS_COMPLIANT: usize = 3;

/// The class of `ownership`.
pub(super) const OWNERSHIP: usize = 9;

/// The class of `deviceOwnership`, read into `ownership` when that is not given.
pub(super) const DEVICE_OWNERSHIP: usize = 10;

/// The place of the `deviceInfo` string member of class `class` (`deviceOwnership` lands in
/// `ownership`); `None` for `isCompliant` and the lists ([`device_list`]).
pub(super) fn device_string(d: &mut DeviceInfo, class: usize) -> Option<&mut Option<String>> {
    Some(match class {
        0 => &mut d.device_id,
        1 => &mut d.display_name,
        2 => &mut d.enrollment_profile_name,
        4 => &mut d.manufacturer,
        5 => &mut d.mdm_app_id,
        6 => &mut d.model,
        7 => &mut d.operating_system,
        8 => &mut d.operating_system_version,
        9 | 10 => &mut d.ownership,
        12 => &mut d.profile_type,
        14 => &mut d.trust_type,
        // 3 and the lists are below the extension attributes' first class.
        n => d
            .extension_attributes
            .get_mut(n.checked_sub(DEVICE_BASE.len())?)?,
    })
}

/// The place of the `deviceInfo` list member of class `class` (`physicalIds`, `systemLabels`).
pub(super) fn device_list(d: &mut DeviceInfo, class: usize) -> Option<&mut Option<Vec<String>>> {
    match class {
        11 => Some(&mut d.physical_ids),
        13 => Some(&mut d.system_labels),
        _ => None,
    }
}
