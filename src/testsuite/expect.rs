//! Checking a decision against a case's `expect`: each key given is compared with the decision
//! as `eval`/`activate` print it, and each difference becomes a [`Mismatch`] that says what was
//! expected, what came, and (for lists) what was missing or unexpected.

use serde_json::Value;

use super::format::{ExpectSpec, ListMatch, PolicyExpect};
use super::names;
use super::{CaseKind, Mismatch};
use crate::model::Tenant;

/// Requirement types a case may name (the `type` of a requirement option).
pub const REQUIREMENT_TYPES: [&str; 8] = [
    "mfa",
    "authenticationStrength",
    "passwordChange",
    "riskRemediation",
    "termsOfUse",
    "customAuthenticationFactor",
    "authenticationContext",
    "reauthentication",
];

/// The expectations that make no sense for `kind`, and requirement types nobody knows: input
/// errors, found before anything runs.
pub fn validate(expect: &ExpectSpec, kind: CaseKind) -> Result<(), String> {
    let sign_in_only = [
        ("denyPolicies", expect.deny_policies.is_some()),
        ("sessionControls", expect.session_controls.is_some()),
    ];
    let activation_only = [
        ("status", expect.status.is_some()),
        ("errorCode", expect.error_code.is_some()),
        ("failedRules", expect.failed_rules.is_some()),
        ("denyReasons", expect.deny_reasons.is_some()),
        ("approvalRequired", expect.approval_required.is_some()),
    ];
    let (wrong, kind_name) = match kind {
        CaseKind::SignIn => (&activation_only[..], "a sign-in"),
        CaseKind::Activation => (&sign_in_only[..], "an activation"),
    };
    if let Some((key, _)) = wrong.iter().find(|(_, set)| *set) {
        return Err(format!("expect.{key}: {kind_name} decision has no `{key}`"));
    }
    if kind == CaseKind::SignIn
        && expect.decision == Some(super::format::DecisionName::PendingApproval)
    {
        return Err("expect.decision: a sign-in is never pendingApproval".to_owned());
    }
    if let Some(m) = &expect.requirements {
        for item in list_items(m) {
            let ty = item.split_once(':').map_or(item.as_str(), |(t, _)| t);
            if !REQUIREMENT_TYPES.contains(&ty) {
                return Err(format!(
                    "expect.requirements: unknown requirement type \"{ty}\"; expected one of {}",
                    REQUIREMENT_TYPES.join(", ")
                ));
            }
        }
    }
    Ok(())
}

fn list_items(m: &ListMatch) -> &[String] {
    match m {
        ListMatch::Exact(v) | ListMatch::Includes(v) | ListMatch::Excludes(v) => v,
    }
}

/// One thing in a decision's list: how it is shown, and every name an expectation may use.
struct Item {
    label: String,
    names: Vec<String>,
}

impl Item {
    fn named(name: &str) -> Item {
        Item {
            label: name.to_owned(),
            names: vec![name.to_owned()],
        }
    }

    fn matches(&self, expected: &str) -> bool {
        self.names
            .iter()
            .any(|n| n.eq_ignore_ascii_case(expected.trim()))
    }
}

fn show(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

fn compare(what: &str, m: &ListMatch, actual: &[Item], out: &mut Vec<Mismatch>) {
    let got: Vec<&str> = actual.iter().map(|i| i.label.as_str()).collect();
    let missing = |want: &[String]| -> Vec<String> {
        want.iter()
            .filter(|w| !actual.iter().any(|i| i.matches(w)))
            .cloned()
            .collect()
    };
    match m {
        ListMatch::Exact(want) => {
            let missing = missing(want);
            let unexpected: Vec<&str> = actual
                .iter()
                .filter(|i| !want.iter().any(|w| i.matches(w)))
                .map(|i| i.label.as_str())
                .collect();
            if missing.is_empty() && unexpected.is_empty() {
                return;
            }
            let mut detail = Vec::new();
            if !missing.is_empty() {
                detail.push(format!("missing {}", missing.join(", ")));
            }
            if !unexpected.is_empty() {
                detail.push(format!("unexpected {}", unexpected.join(", ")));
            }
            let want: Vec<&str> = want.iter().map(String::as_str).collect();
            out.push(Mismatch {
                what: what.to_owned(),
                expected: show(&want),
                actual: format!("{} ({})", show(&got), detail.join("; ")),
            });
        }
        ListMatch::Includes(want) => {
            let missing = missing(want);
            if !missing.is_empty() {
                out.push(Mismatch {
                    what: format!("{what} (includes)"),
                    expected: show(&want.iter().map(String::as_str).collect::<Vec<_>>()),
                    actual: format!("{} (missing {})", show(&got), missing.join(", ")),
                });
            }
        }
        ListMatch::Excludes(unwanted) => {
            let present: Vec<&str> = unwanted
                .iter()
                .filter(|w| actual.iter().any(|i| i.matches(w)))
                .map(String::as_str)
                .collect();
            if !present.is_empty() {
                out.push(Mismatch {
                    what: format!("{what} (excludes)"),
                    expected: format!(
                        "none of {}",
                        show(&unwanted.iter().map(String::as_str).collect::<Vec<_>>())
                    ),
                    actual: format!("{} (present {})", show(&got), present.join(", ")),
                });
            }
        }
    }
}

fn scalar(what: &str, expected: &str, actual: Option<&Value>, out: &mut Vec<Mismatch>) {
    let got = actual.and_then(Value::as_str);
    if got != Some(expected) {
        out.push(Mismatch {
            what: what.to_owned(),
            expected: expected.to_owned(),
            actual: got.map_or_else(|| "(none)".to_owned(), str::to_owned),
        });
    }
}

fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn strings(v: Option<&Value>) -> Vec<Item> {
    array(v)
        .iter()
        .filter_map(Value::as_str)
        .map(Item::named)
        .collect()
}

/// Each requirement option as `type`, with `type:detail` names for its strength, context,
/// agreement or control.
fn requirement_items(decision: &Value) -> Vec<Item> {
    let mut items = Vec::new();
    for r in array(decision.get("requirements")) {
        for option in array(r.get("anyOf")) {
            let ty = option.get("type").and_then(Value::as_str).unwrap_or("?");
            let details: Vec<&str> = [
                "displayName",
                "id",
                "value",
                "agreementId",
                "authenticationType",
            ]
            .iter()
            .filter_map(|k| option.get(*k).and_then(Value::as_str))
            .collect();
            let mut names = vec![ty.to_owned()];
            names.extend(details.iter().map(|d| format!("{ty}:{d}")));
            items.push(Item {
                label: details
                    .first()
                    .map_or_else(|| ty.to_owned(), |d| format!("{ty}:{d}")),
                names,
            });
        }
    }
    items
}

/// Checks `expect` against `decision` (the decision's JSON, explained), adding each difference
/// to `out`.
pub fn check(
    tenant: &Tenant,
    kind: CaseKind,
    expect: &ExpectSpec,
    decision: &Value,
    out: &mut Vec<Mismatch>,
) {
    if let Some(d) = expect.decision {
        scalar("decision", d.as_str(), decision.get("decision"), out);
    }
    let ca = match kind {
        CaseKind::SignIn => Some(decision),
        CaseKind::Activation => decision.get("conditionalAccess"),
    };
    if let Some(s) = expect.conditional_access_status {
        scalar(
            "conditionalAccessStatus",
            s.as_str(),
            ca.and_then(|c| c.get("conditionalAccessStatus")),
            out,
        );
    }
    if let Some(m) = &expect.requirements {
        compare("requirements", m, &requirement_items(decision), out);
    }
    if let Some(m) = &expect.deny_policies {
        check_policy_names(tenant, m, out);
        let items: Vec<Item> = array(decision.get("denyReasons"))
            .iter()
            .map(|r| {
                let name = r.get("displayName").and_then(Value::as_str).unwrap_or("?");
                let id = r.get("policyId").and_then(Value::as_str).unwrap_or("?");
                Item {
                    label: name.to_owned(),
                    names: vec![name.to_owned(), id.to_owned()],
                }
            })
            .collect();
        compare("denyPolicies", m, &items, out);
    }
    if let Some(want) = &expect.session_controls {
        subset(
            "sessionControls",
            want,
            decision.get("sessionControls"),
            out,
        );
    }
    if let Some(policies) = &expect.policies {
        let results = array(ca.and_then(|c| c.get("policies")));
        for (key, want) in &policies.0 {
            check_policy(tenant, key, want, results, out);
        }
    }
    let warnings = array(decision.get("warnings"));
    if let Some(m) = &expect.warnings {
        let codes: Vec<Item> = warnings
            .iter()
            .filter_map(|w| w.get("code").and_then(Value::as_str))
            .map(Item::named)
            .collect();
        compare("warnings", m, &codes, out);
    }
    if let Some(m) = &expect.missing_data {
        let mut fields: Vec<Item> = Vec::new();
        for w in warnings
            .iter()
            .filter(|w| w.get("code").and_then(Value::as_str) == Some("missingData"))
        {
            for f in strings(w.get("fields")) {
                if !fields.iter().any(|x| x.label == f.label) {
                    fields.push(f);
                }
            }
        }
        compare("missingData", m, &fields, out);
    }
    if let Some(s) = &expect.status {
        scalar("status", s, decision.get("status"), out);
    }
    let error = decision.get("error");
    if let Some(code) = &expect.error_code {
        scalar("errorCode", code, error.and_then(|e| e.get("code")), out);
    }
    if let Some(m) = &expect.failed_rules {
        compare(
            "failedRules",
            m,
            &strings(error.and_then(|e| e.get("failedRules"))),
            out,
        );
    }
    if let Some(m) = &expect.deny_reasons {
        let codes: Vec<Item> = array(decision.get("denyReasons"))
            .iter()
            .filter_map(|r| r.get("code").and_then(Value::as_str))
            .map(Item::named)
            .collect();
        compare("denyReasons", m, &codes, out);
    }
    if let Some(want) = expect.approval_required {
        let got = decision.get("approvalRequired").and_then(Value::as_bool);
        if got != Some(want) {
            out.push(Mismatch {
                what: "approvalRequired".to_owned(),
                expected: want.to_string(),
                actual: got.map_or_else(|| "(none)".to_owned(), |b| b.to_string()),
            });
        }
    }
}

/// A deny-policy name that names no policy of the tenant is reported as such, not only as
/// "missing": the policy may have been renamed or deleted.
fn check_policy_names(tenant: &Tenant, m: &ListMatch, out: &mut Vec<Mismatch>) {
    for name in list_items(m) {
        if let Err(e) = names::policy_index(tenant, name) {
            out.push(Mismatch {
                what: format!("denyPolicies \"{name}\""),
                expected: "a policy of the tenant".to_owned(),
                actual: e,
            });
        }
    }
}

fn check_policy(
    tenant: &Tenant,
    key: &str,
    want: &PolicyExpect,
    results: &[Value],
    out: &mut Vec<Mismatch>,
) {
    let what = format!("policies.\"{key}\"");
    let policy = match names::policy_index(tenant, key).map(|i| tenant.policies.get(i)) {
        Ok(Some(p)) => p,
        Ok(None) | Err(_) => {
            out.push(Mismatch {
                what,
                expected: "a policy of the tenant".to_owned(),
                actual: names::policy_index(tenant, key)
                    .err()
                    .unwrap_or_else(|| "not found".to_owned()),
            });
            return;
        }
    };
    let Some(result) = results
        .iter()
        .find(|r| r.get("id").and_then(Value::as_str) == Some(policy.id.as_str()))
    else {
        out.push(Mismatch {
            what,
            expected: "a result".to_owned(),
            actual: "the policy was not evaluated for this request".to_owned(),
        });
        return;
    };
    match want {
        PolicyExpect::Result(r) => {
            scalar(
                &format!("{what}.result"),
                r.as_str(),
                result.get("result"),
                out,
            );
        }
        PolicyExpect::Detail(d) => {
            if let Some(r) = d.result {
                scalar(
                    &format!("{what}.result"),
                    r.as_str(),
                    result.get("result"),
                    out,
                );
            }
            if let Some(o) = d.outcome {
                scalar(
                    &format!("{what}.outcome"),
                    o.as_str(),
                    result.get("outcome"),
                    out,
                );
            }
            if let Some(applies) = d.applies {
                let got = result.get("policyApplies").and_then(Value::as_bool);
                if got != Some(applies) {
                    out.push(Mismatch {
                        what: format!("{what}.applies"),
                        expected: applies.to_string(),
                        actual: got.map_or_else(|| "(none)".to_owned(), |b| b.to_string()),
                    });
                }
            }
            if let Some(m) = &d.analysis_reasons {
                let reasons: Vec<Item> = result
                    .get("analysisReasons")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|r| !r.is_empty() && *r != "notSet")
                    .map(Item::named)
                    .collect();
                compare(&format!("{what}.analysisReasons"), m, &reasons, out);
            }
            let lists = [
                ("grantControls", "enforcedGrantControls", &d.grant_controls),
                (
                    "sessionControls",
                    "enforcedSessionControls",
                    &d.session_controls,
                ),
                (
                    "unsatisfiedControls",
                    "unsatisfiedControls",
                    &d.unsatisfied_controls,
                ),
            ];
            for (name, field, m) in lists {
                if let Some(m) = m {
                    compare(
                        &format!("{what}.{name}"),
                        m,
                        &strings(result.get(field)),
                        out,
                    );
                }
            }
        }
    }
}

/// `want` must be contained in `got`: objects key by key, arrays element by element, `null`
/// for "absent".
fn subset(what: &str, want: &Value, got: Option<&Value>, out: &mut Vec<Mismatch>) {
    let differ = |out: &mut Vec<Mismatch>| {
        out.push(Mismatch {
            what: what.to_owned(),
            expected: want.to_string(),
            actual: got.map_or_else(|| "(absent)".to_owned(), Value::to_string),
        });
    };
    match (want, got) {
        (Value::Null, None | Some(Value::Null)) => {}
        (Value::Object(w), Some(Value::Object(g))) => {
            for (k, v) in w {
                subset(&format!("{what}.{k}"), v, g.get(k), out);
            }
        }
        (Value::Object(w), None) if w.is_empty() => {}
        (Value::Array(w), Some(Value::Array(g))) if w.len() == g.len() => {
            for (i, (wv, gv)) in w.iter().zip(g).enumerate() {
                subset(&format!("{what}[{i}]"), wv, Some(gv), out);
            }
        }
        (w, Some(g)) if w == g => {}
        _ => differ(out),
    }
}

/// The first place two decisions differ, as a path and both values (for `--engine both`).
pub fn first_difference(a: &Value, b: &Value, path: &str) -> Option<(String, String, String)> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                let at = format!("{path}.{k}");
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(v, w, &at) {
                            return Some(d);
                        }
                    }
                    None => return Some((at, v.to_string(), "(absent)".to_owned())),
                }
            }
            y.iter()
                .find(|(k, _)| !x.contains_key(*k))
                .map(|(k, v)| (format!("{path}.{k}"), "(absent)".to_owned(), v.to_string()))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{path}[{i}]"))),
        _ if a == b => None,
        _ => Some((path.to_owned(), a.to_string(), b.to_string())),
    }
}
