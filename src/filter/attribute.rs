//! The attributes a filter rule can name, and the values a caller supplies for them.

use std::fmt;

use super::operator::Operator;

/// A `device.*` attribute of a device filter rule (docs/SEMANTICS.md §3.11).
///
/// The variants are named after the request's `deviceInfo` fields; [`DeviceAttribute::name`]
/// gives the spelling used in rules and [`DeviceAttribute::request_field`] the `deviceInfo` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeviceAttribute {
    /// `device.deviceId` (string).
    DeviceId,
    /// `device.displayName` (string).
    DisplayName,
    /// `device.enrollmentProfileName` (string).
    EnrollmentProfileName,
    /// `device.extensionAttribute1` … `device.extensionAttribute15` (string); holds `1..=15`.
    ExtensionAttribute(u8),
    /// `device.isCompliant` (`True` / `False`).
    IsCompliant,
    /// `device.manufacturer` (string).
    Manufacturer,
    /// `device.mdmAppId` (string).
    MdmAppId,
    /// `device.model` (string).
    Model,
    /// `device.operatingSystem` (string).
    OperatingSystem,
    /// `device.operatingSystemVersion` (string).
    OperatingSystemVersion,
    /// `device.deviceOwnership` in rules, `ownership` in the request: `Personal` or `Company`.
    Ownership,
    /// `device.physicalIds` (collection of strings).
    PhysicalIds,
    /// `device.profileType`: `RegisteredDevice`, `SecureVM`, `Printer`, `Shared` or `IoT`.
    ProfileType,
    /// `device.systemLabels` (collection of strings).
    SystemLabels,
    /// `device.trustType`: `AzureAD`, `ServerAD` (hybrid joined) or `Workplace` (registered).
    TrustType,
}

/// Rule spellings of `extensionAttribute1..=15`, so names stay `&'static str` (also the request
/// keys of `deviceInfo`).
pub(crate) const EXTENSION_ATTRIBUTES: [&str; 15] = [
    "extensionAttribute1",
    "extensionAttribute2",
    "extensionAttribute3",
    "extensionAttribute4",
    "extensionAttribute5",
    "extensionAttribute6",
    "extensionAttribute7",
    "extensionAttribute8",
    "extensionAttribute9",
    "extensionAttribute10",
    "extensionAttribute11",
    "extensionAttribute12",
    "extensionAttribute13",
    "extensionAttribute14",
    "extensionAttribute15",
];

/// Every device attribute except the extension attributes, by rule spelling.
const NAMED_DEVICE_ATTRIBUTES: [(&str, DeviceAttribute); 14] = [
    ("deviceId", DeviceAttribute::DeviceId),
    ("displayName", DeviceAttribute::DisplayName),
    (
        "enrollmentProfileName",
        DeviceAttribute::EnrollmentProfileName,
    ),
    ("isCompliant", DeviceAttribute::IsCompliant),
    ("manufacturer", DeviceAttribute::Manufacturer),
    ("mdmAppId", DeviceAttribute::MdmAppId),
    ("model", DeviceAttribute::Model),
    ("operatingSystem", DeviceAttribute::OperatingSystem),
    (
        "operatingSystemVersion",
        DeviceAttribute::OperatingSystemVersion,
    ),
    ("deviceOwnership", DeviceAttribute::Ownership),
    ("physicalIds", DeviceAttribute::PhysicalIds),
    ("profileType", DeviceAttribute::ProfileType),
    ("systemLabels", DeviceAttribute::SystemLabels),
    ("trustType", DeviceAttribute::TrustType),
];

impl DeviceAttribute {
    /// The attribute's name in a rule, without the `device.` prefix (for example
    /// `"deviceOwnership"`, `"extensionAttribute7"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ExtensionAttribute(n) => usize::from(n)
                .checked_sub(1)
                .and_then(|i| EXTENSION_ATTRIBUTES.get(i))
                .copied()
                .unwrap_or("extensionAttribute"),
            Self::Ownership => "deviceOwnership",
            other => NAMED_DEVICE_ATTRIBUTES
                .iter()
                .find(|(_, attribute)| *attribute == other)
                .map_or("", |(name, _)| name),
        }
    }

    /// The name of the request's `deviceInfo` field holding this attribute (the same as
    /// [`name`](Self::name) except `ownership` for [`DeviceAttribute::Ownership`]).
    #[must_use]
    pub fn request_field(self) -> &'static str {
        match self {
            Self::Ownership => "ownership",
            other => other.name(),
        }
    }

    /// Looks up a rule attribute name (without `device.`), ignoring ASCII case.
    pub(super) fn from_name(name: &str) -> Option<Self> {
        if let Some((_, attribute)) = NAMED_DEVICE_ATTRIBUTES
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        {
            return Some(*attribute);
        }
        let number = strip_prefix_ignore_ascii_case(name, "extensionAttribute")?;
        let digits_ok = number.bytes().all(|b| b.is_ascii_digit()) && !number.starts_with('0');
        if !digits_ok {
            return None;
        }
        match number.parse::<u8>() {
            Ok(n @ 1..=15) => Some(Self::ExtensionAttribute(n)),
            _ => None,
        }
    }

    /// The operators Entra allows for this attribute.
    pub(super) fn operators(self) -> &'static [Operator] {
        match self {
            Self::DeviceId | Self::MdmAppId => ID_OPERATORS,
            Self::DisplayName
            | Self::EnrollmentProfileName
            | Self::ExtensionAttribute(_)
            | Self::Manufacturer
            | Self::Model
            | Self::OperatingSystem
            | Self::OperatingSystemVersion => Operator::ALL,
            Self::IsCompliant | Self::Ownership | Self::ProfileType | Self::TrustType => {
                EQUALITY_OPERATORS
            }
            Self::PhysicalIds | Self::SystemLabels => COLLECTION_OPERATORS,
        }
    }
}

/// Operators of `deviceId` and `mdmAppId`.
const ID_OPERATORS: &[Operator] = &[Operator::Eq, Operator::Ne, Operator::In, Operator::NotIn];
/// Operators of the enumerated and boolean attributes.
const EQUALITY_OPERATORS: &[Operator] = &[Operator::Eq, Operator::Ne];
/// Operators of the collection attributes.
const COLLECTION_OPERATORS: &[Operator] = &[Operator::Contains, Operator::NotContains];

/// An attribute named by a filter rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attribute {
    /// A `device.*` attribute (device filters).
    Device(DeviceAttribute),
    /// `CustomSecurityAttribute.<set>_<name>` (application and service-principal filters).
    ///
    /// `set` and `name` keep the spelling of the rule (the rule text is split at its first
    /// underscore); an [`Attributes`] implementation should look them up ignoring case.
    Custom {
        /// The attribute set, the part before the first underscore.
        set: String,
        /// The attribute name, the part after the first underscore.
        name: String,
    },
}

impl Attribute {
    /// The operators Entra allows for this attribute.
    pub(super) fn operators(&self) -> &'static [Operator] {
        match self {
            Self::Device(device) => device.operators(),
            Self::Custom { .. } => Operator::ALL,
        }
    }
}

impl fmt::Display for Attribute {
    /// Writes the attribute as a rule names it, for example `device.model` or
    /// `CustomSecurityAttribute.Engineering_Project`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Device(device) => write!(f, "device.{}", device.name()),
            Self::Custom { set, name } => write!(f, "CustomSecurityAttribute.{set}_{name}"),
        }
    }
}

/// The value of an attribute for the device, application or service principal being evaluated.
///
/// A missing attribute is [`AttrValue::Null`]; an empty [`AttrValue::List`] counts as null too.
/// The comparison follows the shape of the value: `-contains` on a `Str` is a substring test,
/// on a `List` it asks whether some element equals the rule's value, and the other operators
/// on a `List` hold when they hold for some element (their negations when they hold for none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttrValue<'a> {
    /// The attribute is absent or null.
    Null,
    /// A string value.
    Str(&'a str),
    /// A boolean value (`isCompliant`); compared as the text `true` / `false`.
    Bool(bool),
    /// A collection of strings (`physicalIds`, `systemLabels`, multi-valued custom attributes).
    List(&'a [String]),
}

impl AttrValue<'_> {
    /// Whether the filter's null rule applies: `Null` or an empty `List`.
    pub(super) fn is_null(self) -> bool {
        match self {
            Self::Null => true,
            Self::List(items) => items.is_empty(),
            Self::Str(_) | Self::Bool(_) => false,
        }
    }
}

/// Supplies attribute values to [`FilterRule::evaluate`](super::FilterRule::evaluate).
///
/// Implementations should not allocate: return borrowed data or [`AttrValue::Null`].
pub trait Attributes {
    /// The value of `attribute`, or [`AttrValue::Null`] when it is missing.
    fn value(&self, attribute: &Attribute) -> AttrValue<'_>;
}

/// `text` without `prefix`, comparing the prefix ignoring ASCII case.
pub(super) fn strip_prefix_ignore_ascii_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
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
    fn names_round_trip() {
        for (name, attribute) in NAMED_DEVICE_ATTRIBUTES {
            assert_eq!(attribute.name(), name);
            assert_eq!(DeviceAttribute::from_name(name), Some(attribute));
            assert_eq!(
                DeviceAttribute::from_name(&name.to_uppercase()),
                Some(attribute)
            );
        }
        for n in 1..=15u8 {
            let attribute = DeviceAttribute::ExtensionAttribute(n);
            assert_eq!(attribute.name(), format!("extensionAttribute{n}"));
            assert_eq!(
                DeviceAttribute::from_name(attribute.name()),
                Some(attribute)
            );
        }
        assert_eq!(DeviceAttribute::Ownership.request_field(), "ownership");
        assert_eq!(DeviceAttribute::Model.request_field(), "model");
    }

    #[test]
    fn bad_extension_attribute_numbers() {
        for name in [
            "extensionAttribute0",
            "extensionAttribute16",
            "extensionAttribute01",
            "extensionAttribute+1",
            "extensionAttribute",
            "extensionAttribute1x",
            "extensionAttribute300",
        ] {
            assert_eq!(DeviceAttribute::from_name(name), None, "{name}");
        }
        assert_eq!(
            DeviceAttribute::ExtensionAttribute(0).name(),
            "extensionAttribute"
        );
        assert_eq!(
            DeviceAttribute::ExtensionAttribute(99).name(),
            "extensionAttribute"
        );
    }

    #[test]
    fn display() {
        assert_eq!(
            Attribute::Device(DeviceAttribute::Ownership).to_string(),
            "device.deviceOwnership"
        );
        let custom = Attribute::Custom {
            set: "Eng".into(),
            name: "Project_Code".into(),
        };
        assert_eq!(
            custom.to_string(),
            "CustomSecurityAttribute.Eng_Project_Code"
        );
    }

    #[test]
    fn strip_prefix_handles_non_boundaries() {
        assert_eq!(
            strip_prefix_ignore_ascii_case("DEVICE.x", "device."),
            Some("x")
        );
        assert_eq!(strip_prefix_ignore_ascii_case("dév", "de"), None);
        assert_eq!(strip_prefix_ignore_ascii_case("d", "device."), None);
    }
}
