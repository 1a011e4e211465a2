#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::HashMap;

use super::*;

/// An owned attribute value for the test map.
enum Owned {
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

/// A simple [`Attributes`] source over a map.
#[derive(Default)]
struct Map(HashMap<Attribute, Owned>);

impl Map {
    fn str(mut self, attribute: DeviceAttribute, value: &str) -> Self {
        self.0
            .insert(Attribute::Device(attribute), Owned::Str(value.to_owned()));
        self
    }

    fn bool(mut self, attribute: DeviceAttribute, value: bool) -> Self {
        self.0
            .insert(Attribute::Device(attribute), Owned::Bool(value));
        self
    }

    fn list(mut self, attribute: DeviceAttribute, values: &[&str]) -> Self {
        self.0.insert(
            Attribute::Device(attribute),
            Owned::List(values.iter().map(|v| (*v).to_owned()).collect()),
        );
        self
    }

    fn custom(mut self, set: &str, name: &str, value: Owned) -> Self {
        self.0.insert(
            Attribute::Custom {
                set: set.to_owned(),
                name: name.to_owned(),
            },
            value,
        );
        self
    }
}

impl Attributes for Map {
    fn value(&self, attribute: &Attribute) -> AttrValue<'_> {
        match self.0.get(attribute) {
            None => AttrValue::Null,
            Some(Owned::Str(value)) => AttrValue::Str(value),
            Some(Owned::Bool(value)) => AttrValue::Bool(*value),
            Some(Owned::List(values)) => AttrValue::List(values),
        }
    }
}

fn parse(rule: &str) -> FilterRule {
    FilterRule::parse(rule, FilterDomain::Device).unwrap_or_else(|e| panic!("{rule}: {e}"))
}

fn parse_csa(rule: &str) -> FilterRule {
    FilterRule::parse(rule, FilterDomain::CustomSecurityAttributes)
        .unwrap_or_else(|e| panic!("{rule}: {e}"))
}

fn eval(rule: &str, attributes: &Map) -> bool {
    parse(rule).evaluate(attributes)
}

fn parse_err(rule: &str) -> FilterError {
    error_in(rule, FilterDomain::Device)
}

fn error_in(rule: &str, domain: FilterDomain) -> FilterError {
    match FilterRule::parse(rule, domain) {
        Ok(parsed) => panic!("{rule:?} parsed: {parsed:?}"),
        Err(error) => error,
    }
}

/// Asserts the error's offset and that its message contains `needle`.
#[track_caller]
fn assert_error(rule: &str, offset: usize, needle: &str) {
    let error = parse_err(rule);
    assert_eq!(error.offset, offset, "{rule:?}: {error}");
    assert!(
        error.message.contains(needle),
        "{rule:?}: {error} does not contain {needle:?}"
    );
}

fn surface() -> Map {
    Map::default()
        .str(DeviceAttribute::Model, "Surface Pro 9")
        .str(DeviceAttribute::Manufacturer, "Microsoft Corporation")
        .str(DeviceAttribute::TrustType, "AzureAD")
        .bool(DeviceAttribute::IsCompliant, true)
        .list(
            DeviceAttribute::PhysicalIds,
            &["[ZDID]:abc-123", "[GID]:g:6966"],
        )
        .list(
            DeviceAttribute::SystemLabels,
            &["AzureResource", "M365Managed"],
        )
}

#[test]
fn string_operators() {
    let device = surface();
    let cases = [
        (r#"device.model -eq "surface pro 9""#, true),
        (r#"device.model -eq "Surface""#, false),
        (r#"device.model -ne "surface pro 9""#, false),
        (r#"device.model -ne "Surface""#, true),
        (r#"device.model -startsWith "SURF""#, true),
        (r#"device.model -startsWith "Pro""#, false),
        (r#"device.model -notStartsWith "SURF""#, false),
        (r#"device.model -notStartsWith "Pro""#, true),
        (r#"device.model -endsWith "PRO 9""#, true),
        (r#"device.model -endsWith "Pro""#, false),
        (r#"device.model -notEndsWith "PRO 9""#, false),
        (r#"device.model -notEndsWith "Pro""#, true),
        (r#"device.model -contains "ace p""#, true),
        (r#"device.model -contains "Laptop""#, false),
        (r#"device.model -notContains "ace p""#, false),
        (r#"device.model -notContains "Laptop""#, true),
        (r#"device.model -contains """#, true),
        (r#"device.model -in ["Laptop 5", "SURFACE PRO 9"]"#, true),
        (r#"device.model -in ["Laptop 5", "Surface"]"#, false),
        (
            r#"device.model -notIn ["Laptop 5", "SURFACE PRO 9"]"#,
            false,
        ),
        (r#"device.model -notIn ["Laptop 5", "Surface"]"#, true),
        (r#"device.model -in ["surface pro 9"]"#, true),
    ];
    for (rule, expected) in cases {
        assert_eq!(eval(rule, &device), expected, "{rule}");
    }
}

#[test]
fn collection_operators() {
    let device = surface();
    let cases = [
        (r#"device.physicalIds -contains "[zdid]:ABC-123""#, true),
        // On a collection, -contains means element equality, not substring.
        (r#"device.physicalIds -contains "abc""#, false),
        (r#"device.physicalIds -notContains "[zdid]:ABC-123""#, false),
        (r#"device.physicalIds -notContains "abc""#, true),
        (r#"device.systemLabels -contains "m365managed""#, true),
        (r#"device.systemLabels -contains "M365""#, false),
        (r#"device.systemLabels -notContains "M365""#, true),
        (r#"device.systemLabels -notContains "AZURERESOURCE""#, false),
    ];
    for (rule, expected) in cases {
        assert_eq!(eval(rule, &device), expected, "{rule}");
    }
    // An empty collection is null: -contains false, -notContains true.
    let empty = Map::default().list(DeviceAttribute::SystemLabels, &[]);
    assert!(!eval(r#"device.systemLabels -contains "x""#, &empty));
    assert!(eval(r#"device.systemLabels -notContains "x""#, &empty));
}

/// Every device attribute parses with an allowed operator and reads its own value.
#[test]
fn every_device_attribute() {
    let mut attributes: Vec<(DeviceAttribute, &str)> = vec![
        (DeviceAttribute::DeviceId, "eq"),
        (DeviceAttribute::DisplayName, "startsWith"),
        (DeviceAttribute::EnrollmentProfileName, "endsWith"),
        (DeviceAttribute::IsCompliant, "eq"),
        (DeviceAttribute::Manufacturer, "contains"),
        (DeviceAttribute::MdmAppId, "in"),
        (DeviceAttribute::Model, "notIn"),
        (DeviceAttribute::OperatingSystem, "ne"),
        (DeviceAttribute::OperatingSystemVersion, "notStartsWith"),
        (DeviceAttribute::Ownership, "eq"),
        (DeviceAttribute::PhysicalIds, "contains"),
        (DeviceAttribute::ProfileType, "eq"),
        (DeviceAttribute::SystemLabels, "notContains"),
        (DeviceAttribute::TrustType, "ne"),
    ];
    for n in 1..=15 {
        attributes.push((DeviceAttribute::ExtensionAttribute(n), "eq"));
    }
    for (attribute, operator) in attributes {
        let value = match attribute {
            DeviceAttribute::IsCompliant => "True",
            DeviceAttribute::Ownership => "Company",
            DeviceAttribute::ProfileType => "SecureVM",
            DeviceAttribute::TrustType => "ServerAD",
            _ => "Value",
        };
        let literal = if operator.ends_with("In") || operator == "in" {
            format!("[\"{value}\"]")
        } else {
            format!("\"{value}\"")
        };
        let rule = format!("device.{} -{operator} {literal}", attribute.name());
        let parsed = parse(&rule);
        assert_eq!(parsed.comparisons(), 1);
        let present = match attribute {
            DeviceAttribute::PhysicalIds | DeviceAttribute::SystemLabels => {
                Map::default().list(attribute, &["value"])
            }
            DeviceAttribute::IsCompliant => Map::default().bool(attribute, true),
            _ => Map::default().str(attribute, &value.to_lowercase()),
        };
        let negative = operator.starts_with("not") || operator == "ne";
        assert_eq!(parsed.evaluate(&present), !negative, "{rule} with value");
        assert_eq!(parsed.evaluate(&Map::default()), negative, "{rule} null");
    }
}

#[test]
fn operators_not_allowed_for_attribute() {
    let cases = [
        (
            r#"device.deviceId -startsWith "a""#,
            "-startsWith",
            "device.deviceId",
        ),
        (
            r#"device.mdmAppId -contains "a""#,
            "-contains",
            "device.mdmAppId",
        ),
        (
            r#"device.deviceOwnership -in ["Company"]"#,
            "-in",
            "device.deviceOwnership",
        ),
        (
            r#"device.isCompliant -contains "True""#,
            "-contains",
            "device.isCompliant",
        ),
        (r#"device.physicalIds -eq "a""#, "-eq", "device.physicalIds"),
        (
            r#"device.systemLabels -in ["a"]"#,
            "-in",
            "device.systemLabels",
        ),
        (
            r#"device.profileType -startsWith "a""#,
            "-startsWith",
            "device.profileType",
        ),
        (
            r#"device.trustType -endsWith "AD""#,
            "-endsWith",
            "device.trustType",
        ),
    ];
    for (rule, operator, attribute) in cases {
        let error = parse_err(rule);
        assert!(
            error.message.contains(operator) && error.message.contains(attribute),
            "{rule}: {error}"
        );
        assert_eq!(error.offset, rule.find(' ').unwrap() + 1, "{rule}");
    }
    assert_eq!(
        parse_err(r#"device.deviceId -startsWith "a""#).message,
        "operator -startsWith is not supported for device.deviceId \
         (supported: -eq, -ne, -in, -notIn)"
    );
}

/// The null rule, for every operator, on a string attribute and a collection attribute.
#[test]
fn null_rule() {
    let nothing = Map::default();
    let cases = [
        (r#"device.extensionAttribute1 -eq "SAW""#, false),
        (r#"device.extensionAttribute1 -ne "SAW""#, true),
        (r#"device.extensionAttribute1 -startsWith "S""#, false),
        (r#"device.extensionAttribute1 -notStartsWith "S""#, true),
        (r#"device.extensionAttribute1 -endsWith "W""#, false),
        (r#"device.extensionAttribute1 -notEndsWith "W""#, true),
        (r#"device.extensionAttribute1 -contains "A""#, false),
        (r#"device.extensionAttribute1 -notContains "A""#, true),
        (r#"device.extensionAttribute1 -contains """#, false),
        (r#"device.extensionAttribute1 -in ["SAW"]"#, false),
        (r#"device.extensionAttribute1 -notIn ["SAW"]"#, true),
        (r#"device.physicalIds -contains "x""#, false),
        (r#"device.physicalIds -notContains "x""#, true),
        (r#"device.isCompliant -eq True"#, false),
        (r#"device.isCompliant -eq False"#, false),
        (r#"device.isCompliant -ne True"#, true),
        (r#"device.trustType -eq "AzureAD""#, false),
        (r#"device.trustType -ne "AzureAD""#, true),
        (r#"device.extensionAttribute1 -eq null"#, true),
        (r#"device.extensionAttribute1 -ne null"#, false),
        (r#"device.isCompliant -eq null"#, true),
        (r#"device.isCompliant -ne null"#, false),
    ];
    for (rule, expected) in cases {
        assert_eq!(eval(rule, &nothing), expected, "{rule}");
    }
    let present = Map::default()
        .str(DeviceAttribute::ExtensionAttribute(1), "")
        .bool(DeviceAttribute::IsCompliant, false);
    assert!(!eval("device.extensionAttribute1 -eq null", &present));
    assert!(eval("device.extensionAttribute1 -ne null", &present));
    assert!(!eval("device.isCompliant -eq null", &present));
    assert!(eval("device.isCompliant -ne NULL", &present));
    // -not of a negative operator against null.
    assert!(!eval(
        r#"-not device.extensionAttribute1 -ne "SAW""#,
        &nothing
    ));
}

#[test]
fn null_only_with_eq_and_ne() {
    assert_error(
        "device.model -startsWith null",
        25,
        "null can only be compared with -eq or -ne",
    );
    assert_error(
        "device.model -in null",
        17,
        "expected a list of quoted strings",
    );
    assert_error("device.physicalIds -contains null", 29, "null");
}

#[test]
fn precedence() {
    // a = true, b = true, c = false.
    let device = Map::default()
        .str(DeviceAttribute::Model, "a")
        .str(DeviceAttribute::Manufacturer, "b");
    let a = r#"device.model -eq "a""#;
    let b = r#"device.manufacturer -eq "b""#;
    let c = r#"device.operatingSystem -eq "c""#;
    // a -or (b -and c) = true; (a -or b) -and c would be false.
    assert!(eval(&format!("{a} -or {b} -and {c}"), &device));
    assert!(eval(&format!("{c} -and {b} -or {a}"), &device));
    assert!(!eval(&format!("({a} -or {b}) -and {c}"), &device));
    assert!(!eval(&format!("{c} -and ({b} -or {a})"), &device));
    // -not binds tighter than -and and -or: (-not a) -and c = false, -not (a -and c) = true.
    assert!(!eval(&format!("-not {a} -and {c}"), &device));
    assert!(eval(&format!("-not ({a} -and {c})"), &device));
    // (-not c) -or a = true, -not (c -or a) = false.
    assert!(eval(&format!("-not {c} -or {a}"), &device));
    assert!(!eval(&format!("-not ({c} -or {a})"), &device));
    assert!(eval(&format!("-not {c} -and {a}"), &device));
    assert!(eval(&format!("-not -not {a}"), &device));
    assert!(eval(&format!("((({a})))"), &device));
}

#[test]
fn parentheses_group() {
    let device = Map::default().str(DeviceAttribute::Model, "a");
    let rule = r#"(device.model -eq "x" -or (device.model -eq "a" -and -not (device.trustType -eq "AzureAD"))) -and device.model -ne "b""#;
    assert!(eval(rule, &device));
    assert_eq!(parse(rule).comparisons(), 4);
}

#[test]
fn operators_without_hyphen() {
    let device = surface();
    let rule = r#"device.model eq "Surface Pro 9" and not device.model startsWith "iPhone""#;
    assert!(eval(rule, &device));
    assert_eq!(
        parse(rule),
        parse(r#"device.model -eq "Surface Pro 9" -and -not device.model -startsWith "iPhone""#)
    );
    assert!(eval(
        r#"device.model in ["x","Surface Pro 9"] or device.model notIn ["y"]"#,
        &device
    ));
    assert!(eval(
        r#"device.physicalIds notContains "z" and device.model notEndsWith "z""#,
        &device
    ));
}

#[test]
fn case_insensitive_keywords_attributes_and_values() {
    let device = surface();
    assert!(eval(
        r#"DEVICE.MODEL -EQ "SURFACE pro 9" -AND Device.TrustType -Eq "azuread" -oR -NoT device.model -STARTSWITH "x""#,
        &device
    ));
    assert!(eval(
        r#"device.EXTENSIONATTRIBUTE3 -eq null AND device.Model NOTCONTAINS "xyz""#,
        &device
    ));
    assert_eq!(
        parse(r#"DEVICE.MODEL -EQ "x""#),
        parse(r#"device.model eq "x""#)
    );
    let french = Map::default().str(DeviceAttribute::DisplayName, "ÉCOLE-PC");
    assert!(eval(r#"device.displayName -startsWith "école""#, &french));
    assert!(eval(r#"device.displayName -in ["école-pc"]"#, &french));
}

#[test]
fn backtick_escapes_a_quote() {
    let device = Map::default().str(DeviceAttribute::Model, r#"Contoso "Pro" 5"#);
    assert!(eval(r#"device.model -eq "contoso `"pro`" 5""#, &device));
    assert!(eval(r#"device.model -contains "`"Pro`"""#, &device));
    assert!(eval(
        r#"device.model -in ["x", "Contoso `"Pro`" 5"]"#,
        &device
    ));
    // A backtick not before a quote is kept.
    let tick = Map::default().str(DeviceAttribute::Model, "a`b");
    assert!(eval(r#"device.model -eq "a`b""#, &tick));
}

#[test]
fn in_and_not_in_lists() {
    let device = Map::default().str(DeviceAttribute::DeviceId, "1111-AAAA");
    assert!(eval(
        r#"device.deviceId -in ["2222","1111-aaaa","3333"]"#,
        &device
    ));
    assert!(!eval(
        r#"device.deviceId -notIn ["2222", "1111-aaaa"]"#,
        &device
    ));
    assert!(eval(
        r#"device.deviceId -notIn [ "2222" , "3333" ]"#,
        &device
    ));
    assert!(!eval(r#"device.deviceId -in ["1111"]"#, &device));
    assert_error(r#"device.deviceId -in []"#, 21, "empty list");
    assert_error(
        r#"device.deviceId -in ["a",]"#,
        25,
        "expected a quoted string in the list",
    );
    assert_error(
        r#"device.deviceId -in ["a" "b"]"#,
        25,
        "expected \",\" or \"]\"",
    );
    assert_error(r#"device.deviceId -in ["a""#, 24, "found end of rule");
    assert_error(r#"device.deviceId -in [a]"#, 21, "expected a quoted string");
    assert_error(
        r#"device.deviceId -in ["a", null]"#,
        26,
        "expected a quoted string",
    );
    assert_error(
        r#"device.deviceId -eq ["a"]"#,
        20,
        "only be used with -in or -notIn",
    );
    assert_error(r#"device.deviceId -in "a""#, 20, "expected a list");
}

#[test]
fn is_compliant_values() {
    let compliant = Map::default().bool(DeviceAttribute::IsCompliant, true);
    let not_compliant = Map::default().bool(DeviceAttribute::IsCompliant, false);
    let as_text = Map::default().str(DeviceAttribute::IsCompliant, "TRUE");
    for rule in [
        "device.isCompliant -eq True",
        "device.isCompliant -eq true",
        "device.isCompliant -eq TRUE",
        r#"device.isCompliant -eq "True""#,
        r#"device.isCompliant -eq "true""#,
        "device.isCompliant -ne False",
        r#"device.isCompliant -ne "False""#,
    ] {
        assert!(eval(rule, &compliant), "{rule}");
        assert!(!eval(rule, &not_compliant), "{rule}");
        assert!(eval(rule, &as_text), "{rule}");
    }
    assert_eq!(
        parse("device.isCompliant -eq true"),
        parse(r#"device.isCompliant -eq "True""#)
    );
    assert_error(
        r#"device.isCompliant -eq "yes""#,
        23,
        "can only be compared with True, False or null",
    );
    assert_error(
        "device.model -eq true",
        17,
        "without quotes can only be compared with device.isCompliant",
    );
}

#[test]
fn enumerated_attributes() {
    let device = Map::default()
        .str(DeviceAttribute::Ownership, "Company")
        .str(DeviceAttribute::ProfileType, "SecureVM")
        .str(DeviceAttribute::TrustType, "ServerAD");
    assert!(eval(r#"device.deviceOwnership -eq "company""#, &device));
    assert!(eval(r#"device.profileType -ne "Printer""#, &device));
    assert!(eval(r#"device.trustType -eq "SERVERAD""#, &device));
    // The request field is `ownership`; the rule attribute is `deviceOwnership`.
    assert_error(
        r#"device.ownership -eq "Company""#,
        0,
        "unknown device attribute",
    );
}

#[test]
fn error_offsets_and_messages() {
    let error = parse_err(r#"device.model foo "x""#);
    assert_eq!(error.offset, 13);
    assert_eq!(
        error.to_string(),
        r#"at character 13: expected an operator after "device.model", found "foo""#
    );
    assert_error(r#"device.model -eq "abc"#, 17, "unterminated string");
    assert_error("", 0, "empty");
    assert_error("  \t\n ", 0, "empty");
    assert_error(
        r#"device.model -eq "a" device.model"#,
        21,
        "expected -and, -or or end of rule, found \"device.model\"",
    );
    assert_error(
        r#"device.foo -eq "a""#,
        0,
        "unknown device attribute \"device.foo\"",
    );
    assert_error(
        r#"device.model -eq "a" -and device.extensionAttribute16 -eq "a""#,
        26,
        "unknown device attribute",
    );
    assert_error("device.model -eq", 16, "expected a value after -eq");
    assert_error("device.model -eq", 16, "found end of rule");
    assert_error(
        "device.model",
        12,
        "expected an operator after \"device.model\"",
    );
    assert_error(
        r#"(device.model -eq "a""#,
        21,
        "to close the \"(\" at character 0",
    );
    assert_error(r#"device.model -eq "a" -and"#, 25, "expected a comparison");
    assert_error(r#"device.model -eq "a")"#, 20, "unmatched \")\"");
    assert_error("device.model -eq iPhone", 17, "double quotes");
    assert_error(r#"-and device.model -eq "a""#, 0, "expected a comparison");
    assert_error("()", 1, "expected a comparison");
    assert_error(r#"model -eq "a""#, 0, "found \"model\"");
    assert_error(r#"device.model -eq -eq"#, 17, "expected a value after -eq");
    assert_error(r#"device.model -eq "a" -or -or"#, 25, "found \"-or\"");
    assert_error(r#"device.model "a""#, 13, "found the string \"a\"");
    assert_error(r#"device.model -eq ,"#, 17, "found \",\"");
    // Offsets count chars, not bytes.
    assert_error(r#"device.model -eq "日本" foo"#, 22, "found \"foo\"");
    assert_error(
        r#"device.model -eq "日本" -and ünknown -eq "x""#,
        27,
        "ünknown",
    );
    // -eq-less spelling: "device.model-eq" is one word.
    assert_error(r#"device.model-eq "x""#, 0, "unknown device attribute");
}

#[test]
fn long_values_are_shortened_in_messages() {
    let long = "x".repeat(1000);
    let error = parse_err(&format!("device.model {long}"));
    assert_eq!(error.offset, 13);
    assert!(error.message.contains('…'));
    assert!(error.message.len() < 200, "{}", error.message);
}

#[test]
fn match_is_rejected() {
    assert_error(
        r#"device.model -match "^Surface""#,
        13,
        "-match is not supported in Conditional Access filters",
    );
    assert_error(
        r#"device.model -notMatch "x""#,
        13,
        "-notMatch is not supported in Conditional Access filters",
    );
    assert_error(
        r#"device.model MATCH "x""#,
        13,
        "not supported in Conditional Access",
    );
    assert_error(
        r#"CustomSecurityAttribute.a_b -match "x""#,
        0,
        "not allowed in a device filter",
    );
    let error = error_in(
        r#"CustomSecurityAttribute.a_b -match "x""#,
        FilterDomain::CustomSecurityAttributes,
    );
    assert_eq!(error.offset, 28);
    assert!(
        error
            .message
            .contains("not supported in Conditional Access filters")
    );
}

#[test]
fn nesting_depth_is_limited() {
    let inner = r#"device.model -eq "a""#;
    let device = Map::default().str(DeviceAttribute::Model, "a");

    let ok = format!("{}{inner}{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(eval(&ok, &device));
    let too_deep = format!(
        "{}{inner}{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let error = parse_err(&too_deep);
    assert_eq!(error.offset, MAX_DEPTH);
    assert!(error.message.contains("levels deep"), "{error}");

    let ten_thousand = format!("{}{inner}{}", "(".repeat(10_000), ")".repeat(10_000));
    let error = parse_err(&ten_thousand);
    assert_eq!(error.offset, MAX_DEPTH);
    assert!(error.message.contains("levels deep"), "{error}");

    let nots = format!("{}{inner}", "-not ".repeat(10_000));
    let error = parse_err(&nots);
    assert_eq!(error.offset, MAX_DEPTH * 5);
    assert!(error.message.contains("levels deep"), "{error}");

    let even_nots = format!("{}{inner}", "not ".repeat(MAX_DEPTH));
    assert!(eval(&even_nots, &device));

    // Mixed: 32 parentheses each followed by -not is 64 levels; one more -not is too deep.
    let mixed = format!("{}{inner}{}", "(-not ".repeat(32), ")".repeat(32));
    assert!(eval(&mixed, &device));
    let mixed = format!("{}-not {inner}{}", "(-not ".repeat(32), ")".repeat(32));
    assert!(parse_err(&mixed).message.contains("levels deep"));

    // Unclosed parentheses beyond the limit: still the depth error, no overflow.
    assert!(
        parse_err(&"(".repeat(60_000))
            .message
            .contains("levels deep")
    );
    // Long flat chains do not deepen the tree.
    let chain = vec![inner; 1000].join(" -or ");
    assert!(eval(&chain, &device));
}

#[test]
fn input_size_is_limited() {
    // A rule between Entra's 3,072 characters and 64 KiB parses.
    let long_value = "x".repeat(10_000);
    let rule = format!(r#"device.model -eq "{long_value}""#);
    assert!(eval(
        &rule,
        &Map::default().str(DeviceAttribute::Model, &long_value)
    ));

    let huge_value = "x".repeat(70 * 1024);
    let error = parse_err(&format!(r#"device.model -eq "{huge_value}""#));
    assert!(error.message.contains("limit of 65536 bytes"), "{error}");
    assert_eq!(error.offset, MAX_RULE_BYTES);

    // The offset is in chars: one quote and 21,845 three-byte chars fit in 64 KiB.
    let wide = format!(r#""{}""#, "日".repeat(30_000));
    assert_eq!(error_in(&wide, FilterDomain::Device).offset, 21_846);

    // Exactly at the limit is accepted (as far as the size goes).
    let exact = format!(
        r#"device.model -eq "{}""#,
        "x".repeat(MAX_RULE_BYTES - r#"device.model -eq """#.len())
    );
    assert_eq!(exact.len(), MAX_RULE_BYTES);
    assert_eq!(parse(&exact).comparisons(), 1);
}

#[test]
fn comparison_count_is_limited() {
    let one = r#"device.model eq"""#;
    let at_limit = vec![one; MAX_COMPARISONS].join(" or ");
    assert_eq!(parse(&at_limit).comparisons(), MAX_COMPARISONS);
    let over = vec![one; MAX_COMPARISONS + 1].join(" or ");
    assert!(over.len() <= MAX_RULE_BYTES);
    let error = parse_err(&over);
    assert!(error.message.contains("comparisons"), "{error}");
    assert_eq!(error.offset, (one.len() + 4) * MAX_COMPARISONS);
}

#[test]
fn custom_security_attributes() {
    let app = Map::default()
        .custom("Engineering", "Project", Owned::Str("Alpine".into()))
        .custom(
            "Engineering",
            "Team_Names",
            Owned::List(vec!["Red".into(), "Blue Team".into()]),
        )
        .custom("Security", "Tier0", Owned::Bool(true));
    let cases = [
        (
            r#"CustomSecurityAttribute.Engineering_Project -eq "alpine""#,
            true,
        ),
        (
            r#"customsecurityattribute.Engineering_Project -ne "alpine""#,
            false,
        ),
        (
            r#"CUSTOMSECURITYATTRIBUTE.Engineering_Project -startsWith "ALP""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -notStartsWith "ALP""#,
            false,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -endsWith "PINE""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -notEndsWith "x""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -contains "lpi""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -notContains "lpi""#,
            false,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -in ["Beta", "Alpine"]"#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -notIn ["Beta"]"#,
            true,
        ),
        // A multi-valued attribute: contains is element equality; others hold for some element.
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -contains "red""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -contains "Blue""#,
            false,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -notContains "Blue""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -eq "BLUE TEAM""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -startsWith "Blue""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -in ["x", "red"]"#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Team_Names -notIn ["x", "red"]"#,
            false,
        ),
        // A boolean value compares as text.
        (r#"CustomSecurityAttribute.Security_Tier0 -eq "TRUE""#, true),
        // Missing attributes follow the null rule.
        (
            r#"CustomSecurityAttribute.Engineering_Missing -eq "x""#,
            false,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Missing -notContains "x""#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Missing -eq null"#,
            true,
        ),
        (
            r#"CustomSecurityAttribute.Engineering_Project -ne null"#,
            true,
        ),
    ];
    for (rule, expected) in cases {
        assert_eq!(parse_csa(rule).evaluate(&app), expected, "{rule}");
    }
    // Split at the first underscore; set and name keep their spelling.
    let parsed = parse_csa(r#"CustomSecurityAttribute.Engineering_Team_Names -eq "x""#);
    let expected_attribute = Attribute::Custom {
        set: "Engineering".into(),
        name: "Team_Names".into(),
    };
    assert!(
        format!("{parsed:?}").contains(&format!("{expected_attribute:?}")),
        "{parsed:?}"
    );
}

#[test]
fn custom_security_attribute_errors() {
    let csa = FilterDomain::CustomSecurityAttributes;
    for (rule, offset) in [
        (r#"CustomSecurityAttribute.NoUnderscore -eq "x""#, 0),
        (r#"CustomSecurityAttribute._Name -eq "x""#, 0),
        (r#"CustomSecurityAttribute.Set_ -eq "x""#, 0),
        (r#"CustomSecurityAttribute. -eq "x""#, 0),
        (r#"CustomSecurityAttribute.Se.t_Name -eq "x""#, 0),
        (
            r#"CustomSecurityAttribute.a_b -eq "x" -or CustomSecurityAttribute.x -eq "y""#,
            40,
        ),
    ] {
        let error = error_in(rule, csa);
        assert_eq!(error.offset, offset, "{rule}: {error}");
        assert!(
            error
                .message
                .contains("CustomSecurityAttribute.<set>_<name>"),
            "{error}"
        );
    }
    // Each domain rejects the other family.
    let error = error_in(r#"device.model -eq "x""#, csa);
    assert_eq!(error.offset, 0);
    assert!(
        error
            .message
            .contains("not allowed in an application or service principal filter")
    );
    let error = error_in(
        r#"device.model -eq "x" -and CustomSecurityAttribute.a_b -eq "x""#,
        FilterDomain::Device,
    );
    assert_eq!(error.offset, 26);
    assert!(error.message.contains("not allowed in a device filter"));
    let error = error_in(r#"CustomSecurityAttribute.a_b -eq true"#, csa);
    assert_eq!(error.offset, 32);
    assert!(error.message.contains("without quotes"));
}

#[test]
fn comparisons_are_counted() {
    assert_eq!(parse(r#"device.model -eq "a""#).comparisons(), 1);
    assert_eq!(
        parse(r#"-not (device.model -eq "a" -or device.model -in ["b","c"]) -and device.trustType -eq "AzureAD""#)
            .comparisons(),
        3
    );
}

#[test]
fn parsed_rules_compare_by_structure() {
    let a = parse("device.model -eq \"x\" -or device.model -eq \"y\"");
    let b = parse("  ( DEVICE.MODEL eq \"x\"  OR device.model EQ \"y\" )  ");
    assert_eq!(a, b);
    assert_eq!(a.clone(), a);
    assert_ne!(
        a,
        parse("device.model -eq \"x\" -or device.model -eq \"z\"")
    );
}

/// The crate-level documentation example, as a unit test.
#[test]
fn module_doc_example() {
    struct Device<'a> {
        model: &'a str,
    }
    impl Attributes for Device<'_> {
        fn value(&self, attribute: &Attribute) -> AttrValue<'_> {
            match attribute {
                Attribute::Device(DeviceAttribute::Model) => AttrValue::Str(self.model),
                _ => AttrValue::Null,
            }
        }
    }
    let rule = FilterRule::parse(
        r#"device.model -startsWith "surface" -and -not device.isCompliant -eq True"#,
        FilterDomain::Device,
    )
    .unwrap();
    assert!(rule.evaluate(&Device {
        model: "Surface Pro 9"
    }));
    assert!(!rule.evaluate(&Device { model: "iPhone" }));
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Truncations, mutations and random token soups never panic, and every error offset lies
/// within the rule.
#[test]
fn hostile_input_never_panics() {
    let seeds = [
        r#"(device.model -eq "Surface `"Pro`"" -or device.physicalIds -contains "[ZDID]:x") -and -not device.isCompliant -eq True"#,
        r#"device.extensionAttribute15 -notIn ["a","日本", "é"] or device.trustType ne null"#,
        r#"CustomSecurityAttribute.Eng_Project -in ["a"] -and CustomSecurityAttribute.É_ñ -eq "x""#,
    ];
    let pieces = [
        "(",
        ")",
        "[",
        "]",
        ",",
        "\"",
        "`",
        "`\"",
        " ",
        "-",
        "-not",
        "not",
        "-and",
        "or",
        "-eq",
        "in",
        "-notIn",
        "-match",
        "device.",
        "device.model",
        "device.isCompliant",
        "device.physicalIds",
        "CustomSecurityAttribute.",
        "CustomSecurityAttribute.a_b",
        "_",
        "true",
        "null",
        "\"x\"",
        "\"日\"",
        "é",
        "\u{0}",
        "\n",
        "İ",
        "\u{212A}",
    ];
    let device = surface();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let check = |rule: &str| {
        for domain in [FilterDomain::Device, FilterDomain::CustomSecurityAttributes] {
            match FilterRule::parse(rule, domain) {
                Ok(parsed) => {
                    let _ = parsed.evaluate(&device);
                    assert!(parsed.comparisons() >= 1);
                }
                Err(error) => {
                    assert!(error.offset <= rule.chars().count(), "{rule:?}: {error}");
                    assert!(!error.message.is_empty());
                }
            }
        }
    };
    for seed in seeds {
        let chars: Vec<char> = seed.chars().collect();
        for end in 0..=chars.len() {
            check(&chars[..end].iter().collect::<String>());
            check(&chars[end..].iter().collect::<String>());
        }
        for _ in 0..500 {
            let mut mutated = chars.clone();
            for _ in 0..=rng.below(4) {
                let at = rng.below(mutated.len() + 1);
                match rng.below(3) {
                    0 => {
                        if at < mutated.len() {
                            mutated.remove(at);
                        }
                    }
                    1 => {
                        let piece = pieces[rng.below(pieces.len())];
                        for (i, c) in piece.chars().enumerate() {
                            mutated.insert((at + i).min(mutated.len()), c);
                        }
                    }
                    _ => {
                        if !mutated.is_empty() {
                            let (last, other) = (mutated.len() - 1, rng.below(mutated.len()));
                            mutated.swap(at.min(last), other);
                        }
                    }
                }
            }
            check(&mutated.iter().collect::<String>());
        }
    }
    for _ in 0..3000 {
        let mut soup = String::new();
        for _ in 0..rng.below(30) {
            soup.push_str(pieces[rng.below(pieces.len())]);
            if rng.below(2) == 0 {
                soup.push(' ');
            }
        }
        check(&soup);
    }
}
