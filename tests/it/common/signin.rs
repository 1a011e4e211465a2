//! Helpers for sign-in scenario tests: a small tenant built from JSON, requests, and one assertion
//! that checks the decision, the requirements, the deny reasons and every policy's result at once.
//!
//! Every expectation in the scenario tests is written from docs/SEMANTICS.md (§3–§7), never from what
//! the engine prints.

use serde_json::{Map, Value, json};

use jitgate::Explain;
use jitgate::{Diagnostic, ReferenceEvaluator, SignInDecision, Tenant};

/// The evaluation instant used by every scenario.
pub const T: &str = "2025-03-03T09:15:00Z";

/// Exchange Online.
pub const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
/// SharePoint Online.
pub const SPO: &str = "00000003-0000-0ff1-ce00-000000000000";
/// Azure portal (an admin portal).
pub const PORTAL: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
/// Some line-of-business application.
pub const LOB: &str = "5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";

/// Global Administrator role template.
pub const GA: &str = "62e90394-69f5-4237-9190-012177145e10";
/// Exchange Administrator role template.
pub const EXA: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";

/// The built-in strengths (§4.2).
pub const MFA_STRENGTH: &str = "00000000-0000-0000-0000-000000000002";
/// Passwordless MFA.
pub const PASSWORDLESS: &str = "00000000-0000-0000-0000-000000000003";
/// Phishing-resistant MFA.
pub const PHISHING_RESISTANT: &str = "00000000-0000-0000-0000-000000000004";
/// The MFA trusted IPs pseudo-location (§3.8.4).
pub const MFA_TRUSTED_IPS: &str = "00000000-0000-0000-0000-000000000000";

/// The combinations of the built-in Phishing-resistant MFA strength.
pub fn phishing_resistant_combinations() -> Value {
    json!([
        "windowsHelloForBusiness",
        "fido2",
        "x509CertificateMultiFactor"
    ])
}

/// A user id `11111111-0000-0000-0000-00000000000n`.
pub fn uid(n: u32) -> String {
    format!("11111111-0000-0000-0000-{n:012}")
}

/// A group id.
pub fn gid(n: u32) -> String {
    format!("22222222-0000-0000-0000-{n:012}")
}

/// A named location id.
pub fn lid(n: u32) -> String {
    format!("33333333-0000-0000-0000-{n:012}")
}

/// A tenant id (home tenant of external users).
pub fn tid(n: u32) -> String {
    format!("44444444-0000-0000-0000-{n:012}")
}

/// A service principal object id.
pub fn spid(n: u32) -> String {
    format!("55555555-0000-0000-0000-{n:012}")
}

/// A service principal appId.
pub fn appid(n: u32) -> String {
    format!("66666666-0000-0000-0000-{n:012}")
}

/// A generic GUID (terms of use, strengths, AAGUIDs).
pub fn guid(prefix: u32, n: u32) -> String {
    format!("{prefix:08x}-0000-0000-0000-{n:012}")
}

/// A policy id `aaaaaaaa-0000-0000-0000-00000000000n`.
pub fn pid(n: u32) -> String {
    format!("aaaaaaaa-0000-0000-0000-{n:012}")
}

/// The display name of policy `n`.
pub fn pname(n: u32) -> String {
    format!("Policy {n}")
}

/// `T` shifted by `secs` seconds (negative: earlier), as RFC 3339.
pub fn at(secs: i64) -> String {
    let t: jiff::Timestamp = T.parse().unwrap();
    let shifted = t
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap();
    shifted.to_string()
}

/// Sets `obj[key] = value`, creating `obj` as an object if needed.
fn put(obj: &mut Value, key: &str, value: Value) {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    obj.as_object_mut().unwrap().insert(key.to_owned(), value);
}

/// A Conditional Access policy under construction. By default: enabled, all users, all
/// applications, no grant controls, no session controls.
#[derive(Debug, Clone)]
pub struct Pol(pub Value);

impl Pol {
    /// Policy `n` (id [`pid`], name [`pname`]).
    pub fn new(n: u32) -> Pol {
        Pol(json!({
            "id": pid(n),
            "displayName": pname(n),
            "state": "enabled",
            "conditions": {
                "users": { "includeUsers": ["All"] },
                "applications": { "includeApplications": ["All"] }
            }
        }))
    }

    /// Sets `state`.
    pub fn state(mut self, state: &str) -> Pol {
        put(&mut self.0, "state", json!(state));
        self
    }

    /// Report-only.
    pub fn report_only(self) -> Pol {
        self.state("enabledForReportingButNotEnforced")
    }

    /// Disabled.
    pub fn disabled(self) -> Pol {
        self.state("disabled")
    }

    /// Sets a top-level member.
    pub fn set(mut self, key: &str, value: Value) -> Pol {
        put(&mut self.0, key, value);
        self
    }

    /// Sets `conditions[key]`.
    pub fn cond(mut self, key: &str, value: Value) -> Pol {
        put(&mut self.0["conditions"], key, value);
        self
    }

    /// Removes `conditions[key]`.
    pub fn without(mut self, key: &str) -> Pol {
        self.0["conditions"].as_object_mut().unwrap().remove(key);
        self
    }

    /// Sets `conditions.users`.
    pub fn users(self, value: Value) -> Pol {
        self.cond("users", value)
    }

    /// Sets `conditions.applications`.
    pub fn apps(self, value: Value) -> Pol {
        self.cond("applications", value)
    }

    /// A workload-identity policy: `users` as Graph writes it for such policies
    /// (`includeUsers: ["None"]`) and the given `clientApplications`.
    pub fn workload(self, client_applications: Value) -> Pol {
        self.users(json!({ "includeUsers": ["None"] }))
            .cond("clientApplications", client_applications)
    }

    /// `grantControls` with built-in controls under `operator`.
    pub fn grant(self, operator: &str, controls: &[&str]) -> Pol {
        self.set(
            "grantControls",
            json!({ "operator": operator, "builtInControls": controls }),
        )
    }

    /// `grantControls` as given.
    pub fn grant_json(self, grant: Value) -> Pol {
        self.set("grantControls", grant)
    }

    /// Requires a strength by id (OR).
    pub fn strength(self, id: &str) -> Pol {
        self.grant_json(json!({
            "operator": "OR",
            "builtInControls": [],
            "authenticationStrength": { "id": id }
        }))
    }

    /// Block.
    pub fn block(self) -> Pol {
        self.grant("OR", &["block"])
    }

    /// Require MFA.
    pub fn mfa(self) -> Pol {
        self.grant("OR", &["mfa"])
    }

    /// Sets `sessionControls`.
    pub fn session(self, value: Value) -> Pol {
        self.set("sessionControls", value)
    }
}

/// Loads a bundle made of `policies` plus the members of `extra` (an object).
pub fn tenant(policies: &[Pol], extra: Value) -> Tenant {
    let mut bundle = json!({
        "conditionalAccessPolicies": policies.iter().map(|p| p.0.clone()).collect::<Vec<_>>()
    });
    if let Value::Object(m) = extra {
        for (k, v) in m {
            put(&mut bundle, &k, v);
        }
    }
    let text = bundle.to_string();
    match crate::common::lenient_bytes("t.json", text.as_bytes()) {
        Ok(t) => t,
        Err(e) => panic!("bundle does not load: {e:#?}\n{bundle:#}"),
    }
}

/// A sign-in request under construction. By default: the session time is [`T`], nothing has been
/// proven, and the context is the application [`LOB`].
#[derive(Debug, Clone)]
pub struct Req(pub Value);

impl Req {
    /// A user sign-in for `user_id`.
    pub fn user(user_id: &str) -> Req {
        Req(json!({
            "signInIdentity": { "@odata.type": "#microsoft.graph.userSignIn", "userId": user_id },
            "signInContext": {
                "@odata.type": "#microsoft.graph.applicationContext",
                "includeApplications": [LOB]
            },
            "session": { "time": T }
        }))
    }

    /// A service-principal sign-in; What If names the caller by appId.
    pub fn sp(app_id: &str) -> Req {
        let mut r = Req::user("x");
        r.0["signInIdentity"] = json!({
            "@odata.type": "#microsoft.graph.servicePrincipalSignIn",
            "servicePrincipalId": app_id
        });
        r
    }

    /// Sets `signInIdentity[key]`.
    pub fn identity(mut self, key: &str, value: Value) -> Req {
        put(&mut self.0["signInIdentity"], key, value);
        self
    }

    /// An application context for these appIds.
    pub fn apps(mut self, apps: &[&str]) -> Req {
        self.0["signInContext"] = json!({
            "@odata.type": "#microsoft.graph.applicationContext",
            "includeApplications": apps
        });
        self
    }

    /// A user action context.
    pub fn user_action(mut self, action: &str) -> Req {
        self.0["signInContext"] = json!({
            "@odata.type": "#microsoft.graph.userActionContext",
            "userAction": action
        });
        self
    }

    /// An authentication context.
    pub fn auth_context(mut self, value: &str) -> Req {
        self.0["signInContext"] = json!({
            "@odata.type": "#microsoft.graph.authContext",
            "authenticationContextValue": value
        });
        self
    }

    /// Sets `signInConditions[key]`.
    pub fn cond(mut self, key: &str, value: Value) -> Req {
        put(&mut self.0["signInConditions"], key, value);
        self
    }

    /// Sets `session[key]`.
    pub fn session(mut self, key: &str, value: Value) -> Req {
        put(&mut self.0["session"], key, value);
        self
    }

    /// Sets `session.authenticationMethods`.
    pub fn methods(self, methods: &[&str]) -> Req {
        self.session("authenticationMethods", json!(methods))
    }

    /// Password plus Authenticator push, both completed a minute ago.
    pub fn mfa_done(self) -> Req {
        self.methods(&["password", "microsoftAuthenticatorPush"])
            .session("lastAuthenticatedDateTime", json!(at(-60)))
            .session("lastMfaDateTime", json!(at(-60)))
    }

    /// Password only, a minute ago.
    pub fn password_only(self) -> Req {
        self.methods(&["password"])
            .session("lastAuthenticatedDateTime", json!(at(-60)))
    }
}

/// A decision with its JSON form and the request's own diagnostics.
#[derive(Debug)]
pub struct Out {
    /// The typed decision.
    pub decision: SignInDecision,
    /// Its serialised form (the wire names of §7).
    pub json: Value,
    /// Warnings from parsing the request.
    pub request_warnings: Vec<Diagnostic>,
    /// The request as sent, for messages.
    pub request: Value,
}

impl Out {
    /// Codes of the decision's warnings (and the request parser's).
    pub fn warning_codes(&self) -> Vec<&str> {
        self.decision
            .warnings
            .iter()
            .chain(&self.request_warnings)
            .map(|d| d.code)
            .collect()
    }

    /// Pretty JSON of the decision, for messages.
    pub fn pretty(&self) -> String {
        format!(
            "request: {:#}\ndecision: {:#}",
            self.request,
            serde_json::to_value(&self.decision).unwrap()
        )
    }

    /// The result object of policy `n`.
    pub fn policy(&self, n: u32) -> &Value {
        let id = pid(n);
        self.json["policies"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == json!(id)))
            .unwrap_or_else(|| panic!("policy {id} missing\n{}", self.pretty()))
    }
}

/// Parses and evaluates `req` against `tenant` with per-policy results.
pub fn eval(tenant: &Tenant, req: &Req) -> Out {
    let text = req.0.to_string();
    let parsed = jitgate::SignInRequest::from_json(&text)
        .unwrap_or_else(|e| panic!("request does not parse: {e:#?}\n{:#}", req.0));
    let decision = ReferenceEvaluator::new(tenant).evaluate(&parsed, Explain::Policies);
    let json = serde_json::to_value(&decision).unwrap();
    // The compiled engine, owned and borrowed, gives the same decision byte for byte, explained
    // and not.
    let snapshot = jitgate::Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(tenant);
    let borrowed = snapshot.evaluate_borrowed(&parsed);
    for explain in [Explain::Policies, Explain::None] {
        let expected = serde_json::to_vec(&reference.evaluate(&parsed, explain)).unwrap();
        let mut compiled = Vec::new();
        snapshot
            .evaluate(&parsed, explain)
            .write_json(&mut compiled);
        let mut written = Vec::new();
        if explain == Explain::Policies {
            borrowed.write_json_explained(&mut written);
        } else {
            borrowed.write_json(&mut written);
        }
        for (engine, bytes) in [("compiled", compiled), ("borrowed", written)] {
            assert!(
                bytes == expected,
                "the {engine} engine disagrees ({explain:?}):\n{}\nthe reference:\n{}",
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(&expected)
            );
        }
    }
    Out {
        decision,
        json,
        request_warnings: parsed.warnings().to_vec(),
        request: req.0.clone(),
    }
}

/// Every warning the tenant produced: load warnings and validation findings.
pub fn tenant_warnings(tenant: &Tenant) -> Vec<Diagnostic> {
    let mut out = tenant.warnings.clone();
    out.extend(
        jitgate::validate(tenant, false)
            .findings
            .into_iter()
            .filter(|d| !d.is_error()),
    );
    out
}

/// True when some warning of the tenant or the decision mentions `needle` (in its code, path or
/// message, case-insensitively).
pub fn warned_about(tenant: &Tenant, out: &Out, needle: &str) -> bool {
    let needle = needle.to_ascii_lowercase();
    tenant_warnings(tenant)
        .iter()
        .chain(&out.decision.warnings)
        .chain(&out.request_warnings)
        .any(|d| {
            d.code.to_ascii_lowercase().contains(&needle)
                || d.path.to_ascii_lowercase().contains(&needle)
                || d.message.to_ascii_lowercase().contains(&needle)
        })
}

// ----- requirement items (§6 "Requirement vocabulary") ------------------------------------------

/// `{type: mfa}`.
pub fn mfa() -> Value {
    json!({ "type": "mfa" })
}

/// An authentication strength item.
pub fn strength(id: &str, name: &str, combinations: Value) -> Value {
    json!({
        "type": "authenticationStrength",
        "id": id,
        "displayName": name,
        "allowedCombinations": combinations
    })
}

/// The built-in Phishing-resistant MFA item.
pub fn phishing_resistant() -> Value {
    strength(
        PHISHING_RESISTANT,
        "Phishing-resistant MFA",
        phishing_resistant_combinations(),
    )
}

/// A terms-of-use item.
pub fn terms(agreement_id: &str) -> Value {
    json!({ "type": "termsOfUse", "agreementId": agreement_id })
}

/// `{type: passwordChange}`.
pub fn password_change() -> Value {
    json!({ "type": "passwordChange" })
}

/// `{type: riskRemediation}`.
pub fn risk_remediation() -> Value {
    json!({ "type": "riskRemediation" })
}

/// A custom factor item.
pub fn custom(id: &str) -> Value {
    json!({ "type": "customAuthenticationFactor", "id": id })
}

/// A reauthentication item. SEMANTICS §6 names the unit field `type`, which collides with the
/// item's own `type` discriminator; the engine writes it as `frequencyType`.
pub fn reauth(
    authentication_type: &str,
    interval: &str,
    value: Option<i64>,
    unit: Option<&str>,
) -> Value {
    let mut v = json!({
        "type": "reauthentication",
        "authenticationType": authentication_type,
        "frequencyInterval": interval,
        "reason": "signInFrequency"
    });
    if let Some(value) = value {
        v["value"] = json!(value);
    }
    if let Some(unit) = unit {
        v["frequencyType"] = json!(unit);
    }
    v
}

/// One requirement element: `anyOf` the items, asked for by policies `ns`.
pub fn clause(items: Vec<Value>, ns: &[u32]) -> Value {
    json!({
        "anyOf": items,
        "policyIds": ns.iter().map(|n| pid(*n)).collect::<Vec<_>>()
    })
}

// ----- deny reasons ------------------------------------------------------------------------------

/// `blockedByPolicy` for policy `n`.
pub fn blocked(n: u32) -> Value {
    json!({ "type": "blockedByPolicy", "policyId": pid(n), "displayName": pname(n) })
}

/// `unsatisfiedNonInteractiveControls` for policy `n`.
pub fn unsatisfied(n: u32, controls: &[&str]) -> Value {
    json!({
        "type": "unsatisfiedNonInteractiveControls",
        "policyId": pid(n),
        "displayName": pname(n),
        "controls": controls
    })
}

// ----- per-policy results (§6 steps 5, 9, 10) ----------------------------------------------------

/// A policy result with the given fields.
pub fn result(n: u32, applies: bool, reasons: &str, result: &str, outcome: &str) -> Value {
    json!({
        "id": pid(n),
        "policyApplies": applies,
        "analysisReasons": reasons,
        "result": result,
        "outcome": outcome
    })
}

/// Enforced, applied, satisfied.
pub fn success(n: u32) -> Value {
    result(n, true, "notSet", "success", "satisfied")
}

/// Enforced, applied, needs interaction.
pub fn step_up(n: u32) -> Value {
    result(n, true, "notSet", "failure", "stepUp")
}

/// Enforced, applied, denies.
pub fn denied(n: u32) -> Value {
    result(n, true, "notSet", "failure", "deny")
}

/// Enforced, not applied, for `reasons`.
pub fn not_applied(n: u32, reasons: &str) -> Value {
    result(n, false, reasons, "notApplied", "notApplied")
}

/// Disabled or soft-deleted.
pub fn not_enabled(n: u32) -> Value {
    result(n, false, "policyNotEnabled", "notEnabled", "notEnabled")
}

/// Report-only, applied, satisfied.
pub fn ro_success(n: u32) -> Value {
    result(n, true, "notSet", "reportOnlySuccess", "satisfied")
}

/// Report-only, applied, would prompt.
pub fn ro_interrupted(n: u32) -> Value {
    result(n, true, "notSet", "reportOnlyInterrupted", "stepUp")
}

/// Report-only, applied, would deny.
pub fn ro_failure(n: u32) -> Value {
    result(n, true, "notSet", "reportOnlyFailure", "deny")
}

/// Report-only, not applied.
pub fn ro_not_applied(n: u32, reasons: &str) -> Value {
    result(n, false, reasons, "reportOnlyNotApplied", "notApplied")
}

/// Adds `key: value` to an expected policy result (checked like the other fields).
pub fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

// ----- the assertion -----------------------------------------------------------------------------

/// What a scenario expects.
#[derive(Debug, Clone)]
pub struct Expect {
    decision: &'static str,
    status: &'static str,
    requirements: Vec<Value>,
    deny_reasons: Vec<Value>,
    policies: Vec<Value>,
}

/// `allow` with `conditionalAccessStatus` `status`.
pub fn allow(status: &'static str) -> Expect {
    Expect::new("allow", status)
}

/// `stepUp` (`conditionalAccessStatus` is then `failure`, §6 step 13).
pub fn stepup() -> Expect {
    Expect::new("stepUp", "failure")
}

/// `deny` (`conditionalAccessStatus` is then `failure`, §6 step 13).
pub fn deny() -> Expect {
    Expect::new("deny", "failure")
}

impl Expect {
    /// Any decision and status.
    pub fn new(decision: &'static str, status: &'static str) -> Expect {
        Expect {
            decision,
            status,
            requirements: Vec::new(),
            deny_reasons: Vec::new(),
            policies: Vec::new(),
        }
    }

    /// Adds a requirement element (in the expected order).
    pub fn req(mut self, requirement: Value) -> Expect {
        self.requirements.push(requirement);
        self
    }

    /// Adds a deny reason (in the expected order).
    pub fn reason(mut self, reason: Value) -> Expect {
        self.deny_reasons.push(reason);
        self
    }

    /// The per-policy results, one per policy in policy order.
    pub fn policies(mut self, policies: Vec<Value>) -> Expect {
        self.policies = policies;
        self
    }

    /// Checks `out` against this expectation: decision, status, the full requirement list (order
    /// and policy ids included), the full deny reasons, and each policy's result projected on the
    /// fields the expectation names.
    pub fn check(&self, out: &Out) {
        let j = &out.json;
        let ctx = out.pretty();
        assert_eq!(j["decision"], json!(self.decision), "decision\n{ctx}");
        assert_eq!(
            j["conditionalAccessStatus"],
            json!(self.status),
            "conditionalAccessStatus\n{ctx}"
        );
        assert_eq!(
            j["requirements"],
            json!(self.requirements),
            "requirements\n{ctx}"
        );
        assert_eq!(
            j["denyReasons"],
            json!(self.deny_reasons),
            "denyReasons\n{ctx}"
        );
        let actual = j["policies"].as_array().cloned().unwrap_or_default();
        assert_eq!(
            actual.len(),
            self.policies.len(),
            "number of policy results\n{ctx}"
        );
        for (exp, act) in self.policies.iter().zip(&actual) {
            let mut projected = Map::new();
            for key in exp.as_object().unwrap().keys() {
                projected.insert(key.clone(), act.get(key).cloned().unwrap_or(Value::Null));
            }
            assert_eq!(
                Value::Object(projected),
                *exp,
                "policy result for {}\n{ctx}",
                exp["id"]
            );
        }
    }
}

/// Evaluates and checks in one call.
pub fn check(tenant: &Tenant, req: &Req, expect: &Expect) -> Out {
    let out = eval(tenant, req);
    expect.check(&out);
    out
}
