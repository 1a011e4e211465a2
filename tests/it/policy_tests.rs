//! `jitgate test` and its library runner: the test file format (JSON and YAML, every shorthand,
//! errors with line and path), each kind of expectation failing with the right diff, coverage
//! on a hand-counted tenant, JUnit output parsed back, and the CLI's exit codes.

use std::sync::OnceLock;

use serde_json::{Value, json};

use crate::common::signin::{Pol, pid, pname, tenant};
use crate::common::{TempDir, jitgate};
use jitgate::{
    CaseReport, CaseStatus, Mismatch, Snapshot, TestOptions, TestReport, TestSuite, TestSyntax,
    run_test_files, run_tests,
};

const EXAMPLE: &str = "examples/tenant";
const CHLOE: &str = "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03";
const AVA: &str = "3f1a6c01-2b7d-4e8f-9a01-5c6d7e8f9a01";
const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
const NL002: &str = "c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02";

fn example() -> &'static Snapshot {
    static SNAPSHOT: OnceLock<Snapshot> = OnceLock::new();
    SNAPSHOT.get_or_init(|| Snapshot::compile(jitgate::load(EXAMPLE.as_ref()).unwrap()))
}

fn yaml(text: &str) -> TestSuite {
    TestSuite::parse("t.yaml", text, TestSyntax::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn yaml_error(text: &str) -> String {
    match TestSuite::parse("t.yaml", text, TestSyntax::Yaml) {
        Ok(_) => panic!("parsed:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// The body the only case of `text` sends.
fn body(text: &str) -> Value {
    let suite = yaml(text);
    suite.cases()[0]
        .request_body(example())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn body_error(text: &str) -> String {
    let suite = yaml(text);
    suite.cases()[0].request_body(example()).unwrap_err()
}

fn run(text: &str) -> TestReport {
    run_tests(example(), &[yaml(text)], &TestOptions::default())
}

fn only_case(text: &str) -> CaseReport {
    let report = run(text);
    assert_eq!(report.cases.len(), 1);
    report.cases[0].clone()
}

/// The mismatches of a case that must fail.
fn mismatches(text: &str) -> Vec<Mismatch> {
    let case = only_case(text);
    assert_eq!(case.status, CaseStatus::Fail, "{case:#?}");
    case.mismatches
}

fn mismatch(what: &str, expected: &str, actual: &str) -> Mismatch {
    Mismatch {
        what: what.to_owned(),
        expected: expected.to_owned(),
        actual: actual.to_owned(),
    }
}

/// A file with the example suite's defaults and `case` (indented as a list item).
fn with_defaults(case: &str) -> String {
    format!(
        "defaults:\n  at: 2026-03-02T09:00:00Z\n  ip: 198.51.100.23\n  country: NL\n  platform: windows\n  client: browser\n  device: {{compliant: true, trust: AzureAD, extensionAttribute1: Standard}}\n  proven: [password, mfa]\ncases:\n{case}"
    )
}

// --- the example suites ------------------------------------------------------------------

#[test]
fn the_example_suites_pass_on_both_engines_with_full_coverage() {
    let report = run_test_files(
        example(),
        &["examples/tests"],
        &TestOptions::default().both_engines(true),
    );
    assert!(report.all_passed(), "{}", report.render_text(true));
    assert!(report.cases.len() >= 30, "{}", report.cases.len());
    let sign_ins = report
        .cases
        .iter()
        .filter(|c| c.kind == jitgate::CaseKind::SignIn)
        .count();
    assert!(sign_ins > 0 && sign_ins < report.cases.len());
    // 17 policies, one disabled: every other one applies in some case.
    assert_eq!(report.coverage.counted(), 16);
    assert_eq!(report.coverage.applied(), 16);
    assert_eq!(report.exit_code(), 0);
}

#[test]
fn the_same_suite_in_json_and_yaml_gives_the_same_report() {
    let yaml_text = with_defaults(
        "  - name: imap\n    tags: [legacy]\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other}\n    expect: {decision: deny, denyPolicies: [NL002 Block legacy authentication]}\n  - name: wrong\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365}\n    expect: {decision: deny}\n",
    );
    let json_text = json!({
        "defaults": {"at": "2026-03-02T09:00:00Z", "ip": "198.51.100.23", "country": "NL",
            "platform": "windows", "client": "browser",
            "device": {"compliant": true, "trust": "AzureAD", "extensionAttribute1": "Standard"},
            "proven": ["password", "mfa"]},
        "cases": [
            {"name": "imap", "tags": ["legacy"],
             "signIn": {"user": "chloe.dubois@northwindlattice.example", "app": "Office365", "client": "other"},
             "expect": {"decision": "deny", "denyPolicies": ["NL002 Block legacy authentication"]}},
            {"name": "wrong",
             "signIn": {"user": "chloe.dubois@northwindlattice.example", "app": "Office365"},
             "expect": {"decision": "deny"}}
        ]
    })
    .to_string();
    let from_yaml = run_tests(example(), &[yaml(&yaml_text)], &TestOptions::default());
    let from_json = run_tests(
        example(),
        &[TestSuite::parse("t.yaml", &json_text, TestSyntax::Json).unwrap()],
        &TestOptions::default(),
    );
    assert_eq!(
        serde_json::to_value(&from_yaml).unwrap(),
        serde_json::to_value(&from_json).unwrap()
    );
    let statuses: Vec<CaseStatus> = from_yaml.cases.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [CaseStatus::Pass, CaseStatus::Fail]);
    assert_eq!(from_yaml.cases[0].tags, ["legacy"]);
}

// --- shorthand -----------------------------------------------------------------------------

#[test]
fn sign_in_shorthand_spells_out_every_key() {
    let b = body(
        "cases:\n  - name: all\n    signIn:\n      user: Chloe Dubois\n      app: [Office365, Lattice Ledger, MicrosoftAdminPortals, Office 365 SharePoint Online]\n      ip: 203.0.113.200\n      country: nl\n      platform: iOS\n      client: mobileAppsAndDesktopClients\n      signInRisk: low\n      userRisk: medium\n      servicePrincipalRisk: none\n      insiderRisk: moderate\n      flow: authenticationTransfer\n      device: {compliant: false, trust: Workplace, os: iOS, id: d1, name: phone, model: X}\n      proven: [password, mfa]\n      at: 2026-03-02T09:00:00Z\n      lastSignIn: 2026-03-02T08:00:00Z\n      contexts: c2\n      acceptedTerms: [t1]\n      session: {passwordChanged: true}\n    expect: {}\n",
    );
    assert_eq!(
        b,
        json!({
            "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": CHLOE},
            "signInContext": {"@odata.type": "#microsoft.graph.applicationContext",
                "includeApplications": [EXO, "6a4f3e21-0b9c-4d8e-a7f6-5e4d3c2b1a10",
                    "c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "00000003-0000-0ff1-ce00-000000000000"]},
            "signInConditions": {
                "devicePlatform": "iOS", "clientAppType": "mobileAppsAndDesktopClients",
                "ipAddress": "203.0.113.200", "country": "nl", "signInRiskLevel": "low",
                "userRiskLevel": "medium", "servicePrincipalRiskLevel": "none",
                "insiderRiskLevel": "moderate",
                "authenticationFlow": {"transferMethod": "authenticationTransfer"},
                "deviceInfo": {"isCompliant": false, "trustType": "Workplace",
                    "operatingSystem": "iOS", "deviceId": "d1", "displayName": "phone", "model": "X"}
            },
            "session": {
                "time": "2026-03-02T09:00:00Z",
                "authenticationMethods": ["password", "microsoftAuthenticatorPush"],
                "lastAuthenticatedDateTime": "2026-03-02T08:00:00Z",
                "lastMfaDateTime": "2026-03-02T09:00:00Z",
                "satisfiedAuthenticationContexts": ["c2"],
                "acceptedTermsOfUse": ["t1"],
                "passwordChanged": true
            }
        })
    );
}

#[test]
fn users_resolve_by_sign_in_name_display_name_or_id() {
    let user_of = |user: &str| {
        body(&format!(
            "cases:\n  - name: u\n    signIn: {{user: '{user}', app: Office365, at: 2026-03-02T09:00:00Z}}\n    expect: {{}}\n"
        ))["signInIdentity"]["userId"]
            .clone()
    };
    assert_eq!(user_of("AVA.MARTENS@northwindlattice.example"), AVA);
    assert_eq!(user_of("ava martens"), AVA);
    assert_eq!(user_of(&AVA.to_uppercase()), AVA);
    // An id the export lacks is sent as given: the decision then shows how it fails closed.
    assert_eq!(
        user_of("3F1A6C99-2B7D-4E8F-9A01-5C6D7E8F9A99"),
        "3f1a6c99-2b7d-4e8f-9a01-5c6d7e8f9a99"
    );
    let err = body_error(
        "cases:\n  - name: u\n    signIn: {user: nobody@northwindlattice.example, app: Office365, at: 2026-03-02T09:00:00Z}\n    expect: {}\n",
    );
    assert_eq!(
        err,
        "signIn.user: no user named \"nobody@northwindlattice.example\" in the tenant"
    );
}

#[test]
fn guests_service_principals_user_actions_and_contexts() {
    let guest = body(
        "cases:\n  - name: g\n    signIn: {user: 3f1a6c99-2b7d-4e8f-9a01-5c6d7e8f9a99, guest: [b2bCollaborationGuest, serviceProvider], homeTenant: 0b0c0d0e-0000-4000-8000-000000000001, userAction: registerSecurityInformation, at: 2026-03-02T09:00:00Z}\n    expect: {}\n",
    );
    assert_eq!(
        guest["signInIdentity"],
        json!({"@odata.type": "#microsoft.graph.userSignIn",
               "userId": "3f1a6c99-2b7d-4e8f-9a01-5c6d7e8f9a99",
               "externalUserType": "b2bCollaborationGuest,serviceProvider",
               "externalTenantId": "0b0c0d0e-0000-4000-8000-000000000001"})
    );
    assert_eq!(
        guest["signInContext"],
        json!({"@odata.type": "#microsoft.graph.userActionContext", "userAction": "registerSecurityInformation"})
    );
    // Password only: no MFA time is made up.
    assert_eq!(
        guest["session"],
        json!({"time": "2026-03-02T09:00:00Z", "authenticationMethods": [],
               "lastAuthenticatedDateTime": "2026-03-02T09:00:00Z"})
    );
    let sp = body(
        "cases:\n  - name: s\n    signIn: {servicePrincipal: NL Payroll Sync, authContext: c1, at: 2026-03-02T09:00:00Z, proven: [password], lastMfa: 2026-03-01T00:00:00Z}\n    expect: {}\n",
    );
    assert_eq!(
        sp["signInIdentity"],
        json!({"@odata.type": "#microsoft.graph.servicePrincipalSignIn",
               "servicePrincipalId": "6a4f3e21-0b9c-4d8e-a7f6-5e4d3c2b1a01"})
    );
    assert_eq!(
        sp["signInContext"],
        json!({"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c1"})
    );
    assert_eq!(sp["session"]["lastMfaDateTime"], "2026-03-01T00:00:00Z");
}

#[test]
fn defaults_merge_key_by_key_and_null_drops_a_default() {
    let b = body(&with_defaults(
        "  - name: m\n    signIn:\n      user: ava.martens@northwindlattice.example\n      app: Office365\n      platform: null\n      device: {compliant: false, model: Y}\n      conditions: {country: null}\n    expect: {}\n",
    ));
    let c = &b["signInConditions"];
    assert!(c.get("devicePlatform").is_none(), "{c:#}");
    assert_eq!(c["country"], Value::Null);
    assert_eq!(c["clientAppType"], "browser");
    assert_eq!(
        c["deviceInfo"],
        json!({"isCompliant": false, "trustType": "AzureAD", "extensionAttribute1": "Standard", "model": "Y"})
    );
    // And the request reads dropped values as absent: without an address, NL001 (MFA outside
    // trusted locations) applies (§3.8 rule 5); without a country, NL003 (blocked countries)
    // might, and missingData says so.
    let case = only_case(&with_defaults(
        "  - name: m\n    signIn: {user: ava.martens@northwindlattice.example, app: Office365, ip: null, country: null, proven: [password]}\n    expect: {decision: stepUp, requirements: [mfa], missingData: [country]}\n",
    ));
    assert_eq!(case.status, CaseStatus::Pass, "{case:#?}");
}

#[test]
fn activation_shorthand_spells_out_roles_groups_and_schedules() {
    let role = body(
        "cases:\n  - name: r\n    activation: {user: ava.martens@northwindlattice.example, role: global administrator, scope: /administrativeUnits/x, duration: PT2H, start: 2026-03-02T10:00:00Z, justification: why, ticket: T-1, ticketSystem: Jira, validationOnly: true, at: 2026-03-02T09:00:00Z, contexts: [c1]}\n    expect: {}\n",
    );
    assert_eq!(
        role["request"],
        json!({
            "@odata.type": "#microsoft.graph.unifiedRoleAssignmentScheduleRequest",
            "roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10",
            "directoryScopeId": "/administrativeUnits/x",
            "action": "selfActivate",
            "principalId": AVA,
            "justification": "why",
            "scheduleInfo": {"startDateTime": "2026-03-02T10:00:00Z",
                "expiration": {"type": "afterDuration", "duration": "PT2H"}},
            "ticketInfo": {"ticketNumber": "T-1", "ticketSystem": "Jira"},
            "isValidationOnly": true
        })
    );
    assert_eq!(
        role["signInIdentity"],
        json!({"@odata.type": "#microsoft.graph.userSignIn", "userId": AVA})
    );
    assert_eq!(
        role["session"]["satisfiedAuthenticationContexts"],
        json!(["c1"])
    );
    let group = body(
        "cases:\n  - name: g\n    activation: {user: Dev Patel, group: nl ops jit, access: owner, action: selfDeactivate, at: 2026-03-02T09:00:00Z}\n    expect: {}\n",
    );
    assert_eq!(
        group["request"],
        json!({
            "@odata.type": "#microsoft.graph.privilegedAccessGroupAssignmentScheduleRequest",
            "groupId": "7e2b4d08-6a3c-4f5e-8b01-9d0e1f2a3b08",
            "accessId": "owner",
            "action": "selfDeactivate",
            "principalId": "3f1a6c04-2b7d-4e8f-9a01-5c6d7e8f9a04",
            "scheduleInfo": {},
            "isValidationOnly": false
        })
    );
    assert_eq!(
        body_error(
            "cases:\n  - name: r\n    activation: {user: ava.martens@northwindlattice.example, role: Chief Wizard, at: 2026-03-02T09:00:00Z}\n    expect: {}\n"
        ),
        "activation.role: \"Chief Wizard\" is not a built-in role jitgate knows by name; write its role definition id"
    );
}

#[test]
fn shorthand_mistakes_are_named() {
    let at = "at: 2026-03-02T09:00:00Z";
    let cases = [
        (
            format!(
                "signIn: {{user: bg01@northwindlattice.example, servicePrincipal: NL Build Agent, app: Office365, {at}}}"
            ),
            "signIn: give `user` or `servicePrincipal`, not both",
        ),
        (
            format!("signIn: {{user: bg01@northwindlattice.example, {at}}}"),
            "signIn: what is signed in to? give `app`, `userAction` or `authContext`",
        ),
        (
            "signIn: {user: bg01@northwindlattice.example, app: Office365}".to_owned(),
            "signIn.at: when does the sign-in happen? give `at` (once for the file, in `defaults`)",
        ),
        (
            format!(
                "signIn: {{user: bg01@northwindlattice.example, app: [Office365, No Such App], {at}}}"
            ),
            "signIn.app[1]: no application named \"No Such App\" in the tenant",
        ),
        (
            format!("activation: {{user: bg01@northwindlattice.example, {at}}}"),
            "activation: what is activated? give `role` (a built-in role name or id) or `group`",
        ),
        (
            format!(
                "activation: {{user: bg01@northwindlattice.example, group: NL Ops JIT, scope: /, {at}}}"
            ),
            "activation.scope: `scope` is for role activations",
        ),
    ];
    for (request, message) in cases {
        let text = format!("cases:\n  - name: c\n    {request}\n    expect: {{}}\n");
        assert_eq!(body_error(&text), message, "{text}");
        // The runner reports it as a case that could not run.
        let case = only_case(&text);
        assert_eq!(case.status, CaseStatus::Error);
        assert_eq!(case.error.as_deref(), Some(message));
    }
    // A key of the other kind is a file error, with the case's path.
    assert_eq!(
        yaml_error(
            "cases:\n  - name: c\n    signIn: {user: x, role: Global Administrator}\n    expect: {}\n"
        ),
        "t.yaml: cases[0].signIn.role: `role` belongs to an activation case"
    );
    assert_eq!(
        yaml_error(
            "cases:\n  - name: c\n    activation: {user: x, app: Office365}\n    expect: {}\n"
        ),
        "t.yaml: cases[0].activation.app: `app` belongs to a sign-in case"
    );
}

#[test]
fn an_invalid_request_value_is_an_error_not_a_guess() {
    let case = only_case(&with_defaults(
        "  - name: bad platform\n    signIn: {user: bg01@northwindlattice.example, app: Office365, platform: amiga}\n    expect: {decision: allow}\n",
    ));
    assert_eq!(case.status, CaseStatus::Error);
    let error = case.error.unwrap();
    assert!(
        error.starts_with("request $.signInConditions.devicePlatform:"),
        "{error}"
    );
}

// --- the format's errors ---------------------------------------------------------------------

#[test]
fn unknown_keys_are_errors_with_line_and_path() {
    let cases = [
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect:\n      decison: allow\n",
            "t.yaml: line 5, column 7: cases[0].expect.decison: unknown field `decison`, expected one of `decision`,",
        ),
        (
            "defaults:\n  ipAddress: 1.2.3.4\ncases: []\n",
            "t.yaml: line 2, column 3: defaults.ipAddress: unknown field `ipAddress`, expected one of `user`,",
        ),
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {}\n    skip: true\n",
            "t.yaml: line 5, column 5: cases[0].skip: unknown field `skip`, expected one of `name`,",
        ),
        (
            "cases:\n  - name: c\n    signIn:\n      user: x\n      device: {compliant: true, colour: red}\n    expect: {}\n",
            "t.yaml: line 5, column 15: cases[0].signIn.device: unknown field `colour`, expected one of `compliant`,",
        ),
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect:\n      policies:\n        NL001: {result: success, reason: users}\n",
            "t.yaml: line 6, column 34: cases[0].expect.policies.NL001.reason: unknown field `reason`, expected one of `result`,",
        ),
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect:\n      requirements: {include: [mfa]}\n",
            "t.yaml: line 5, column 22: cases[0].expect.requirements.include: unknown field `include`, expected one of `exact`, `includes`, `excludes`",
        ),
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {decision: alow}\n",
            "t.yaml: line 4, column 24: cases[0].expect.decision: unknown variant `alow`, expected one of `allow`, `stepUp`, `pendingApproval`, `deny`",
        ),
        (
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {policies: {NL001: passed}}\n",
            "t.yaml: line 4, column 32: cases[0].expect.policies.NL001: unknown variant `passed`, expected one of `success`,",
        ),
    ];
    for (text, start) in cases {
        let e = yaml_error(text);
        assert!(e.starts_with(start), "{e}\nwanted: {start}");
    }
    let json_error = TestSuite::parse(
        "t.json",
        "{\"cases\": [{\"name\": \"c\", \"signIn\": {\"user\": \"x\"},\n \"expect\": {\"decison\": \"allow\"}}]}",
        TestSyntax::Json,
    )
    .unwrap_err()
    .to_string();
    assert!(
        json_error.starts_with(
            "t.json: line 2, column 21: cases[0].expect.decison: unknown field `decison`, expected one of `decision`,"
        ),
        "{json_error}"
    );
}

#[test]
fn malformed_files_are_errors_with_line_and_path() {
    let e = TestSuite::parse(
        "t.json",
        "{\"cases\": [\n  {\"name\": }\n]}",
        TestSyntax::Json,
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("t.json: line 2, column 12: "), "{e}");
    let e = TestSuite::parse("t.json", "{\"cases\": []} trailing", TestSyntax::Json)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("t.json: line 1, column 15: trailing characters"),
        "{e}"
    );
    let e = yaml_error("cases:\n  - name: [unclosed\n");
    assert!(e.starts_with("t.yaml: line "), "{e}");
    assert_eq!(
        yaml_error("cases:\n  - name: c\n    expect: {}\n"),
        "t.yaml: cases[0].give exactly one of `signIn`, `activation`, `signInBody` or `activationBody`"
    );
    assert_eq!(
        yaml_error(
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {}\n  - name: c\n    signIn: {user: x}\n    expect: {}\n"
        ),
        "t.yaml: cases[1].name: \"c\" is also the name of cases[0]; names must be unique"
    );
    assert_eq!(
        yaml_error(
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {status: Provisioned}\n"
        ),
        "t.yaml: cases[0].expect.status: a sign-in decision has no `status`"
    );
    assert_eq!(
        yaml_error(
            "cases:\n  - name: c\n    signIn: {user: x}\n    expect: {requirements: [otp]}\n"
        ),
        "t.yaml: cases[0].expect.requirements: unknown requirement type \"otp\"; expected one of mfa, authenticationStrength, passwordChange, riskRemediation, termsOfUse, customAuthenticationFactor, authenticationContext, reauthentication"
    );
}

#[test]
fn yaml_alias_bombs_and_deep_nesting_are_refused() {
    let mut bomb = String::from(
        "cases:\n  - name: x\n    expect: {}\n    signInBody:\n      a: &a [l, l, l, l, l, l, l, l, l]\n",
    );
    let mut previous = "a".to_owned();
    for i in 1..12 {
        let name = format!("b{i}");
        let refs = vec![format!("*{previous}"); 9].join(", ");
        bomb.push_str(&format!("      {name}: &{name} [{refs}]\n"));
        previous = name;
    }
    assert!(yaml_error(&bomb).contains("repetition limit exceeded"));
    // libyaml pays depth × tokens on deep flow nesting: refused before it starts.
    let deep = format!(
        "cases:\n  - name: x\n    expect: {{}}\n    signInBody: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_eq!(
        yaml_error(&deep),
        "t.yaml: line 4: brackets nested more than 128 deep"
    );
    // Within the bound, the deserializer's own limit answers.
    let nested = format!(
        "cases:\n  - name: x\n    expect: {{}}\n    signInBody: {}{}\n",
        "[".repeat(128),
        "]".repeat(128)
    );
    assert!(yaml_error(&nested).contains("recursion limit exceeded"));
}

// --- expectations failing with the right diff ------------------------------------------------

/// One case at HQ: Chloe on a compliant laptop, password and MFA, to Exchange Online: allowed,
/// no policy applies.
fn chloe(expect: &str) -> String {
    with_defaults(&format!(
        "  - name: c\n    signIn: {{user: chloe.dubois@northwindlattice.example, app: Office365}}\n    expect: {expect}\n"
    ))
}

#[test]
fn decision_and_status_mismatches() {
    assert_eq!(
        mismatches(&chloe(
            "{decision: stepUp, conditionalAccessStatus: failure}"
        )),
        [
            mismatch("decision", "stepUp", "allow"),
            mismatch("conditionalAccessStatus", "failure", "notApplied"),
        ]
    );
}

#[test]
fn requirement_mismatches_exact_includes_excludes() {
    // Dev off-site with a password: [mfa].
    let dev = |expect: &str| {
        with_defaults(&format!(
            "  - name: c\n    signIn: {{user: dev.patel@northwindlattice.example, app: Office365, ip: 203.0.113.200, proven: [password]}}\n    expect: {expect}\n"
        ))
    };
    assert_eq!(
        mismatches(&dev("{requirements: [passwordChange]}")),
        [mismatch(
            "requirements",
            "[passwordChange]",
            "[mfa] (missing passwordChange; unexpected mfa)"
        )]
    );
    assert_eq!(
        mismatches(&dev("{requirements: {includes: [mfa, termsOfUse]}}")),
        [mismatch(
            "requirements (includes)",
            "[mfa, termsOfUse]",
            "[mfa] (missing termsOfUse)"
        )]
    );
    assert_eq!(
        mismatches(&dev("{requirements: {excludes: [mfa]}}")),
        [mismatch(
            "requirements (excludes)",
            "none of [mfa]",
            "[mfa] (present mfa)"
        )]
    );
    // A strength by name or id; the bare type matches any strength.
    let ava = |expect: &str| {
        with_defaults(&format!(
            "  - name: c\n    signIn: {{user: ava.martens@northwindlattice.example, app: MicrosoftAdminPortals}}\n    expect: {expect}\n"
        ))
    };
    for ok in [
        "[authenticationStrength]",
        "[authenticationStrength:phishing-resistant mfa]",
        "[authenticationStrength:00000000-0000-0000-0000-000000000004]",
    ] {
        let case = only_case(&ava(&format!("{{requirements: {ok}}}")));
        assert_eq!(case.status, CaseStatus::Pass, "{ok}: {case:#?}");
    }
    assert_eq!(
        mismatches(&ava(
            "{requirements: [authenticationStrength:Multifactor authentication]}"
        )),
        [mismatch(
            "requirements",
            "[authenticationStrength:Multifactor authentication]",
            "[authenticationStrength:Phishing-resistant MFA] (missing authenticationStrength:Multifactor authentication; unexpected authenticationStrength:Phishing-resistant MFA)"
        )]
    );
}

#[test]
fn deny_policy_mismatches_by_name_or_id() {
    let imap = |expect: &str| {
        with_defaults(&format!(
            "  - name: c\n    signIn: {{user: chloe.dubois@northwindlattice.example, app: Office365, client: other}}\n    expect: {expect}\n"
        ))
    };
    let pass = only_case(&imap(&format!("{{denyPolicies: [{NL002}]}}")));
    assert_eq!(pass.status, CaseStatus::Pass);
    assert_eq!(
        mismatches(&imap(
            "{denyPolicies: [NL003 Block sign-ins from high-risk countries]}"
        )),
        [mismatch(
            "denyPolicies",
            "[NL003 Block sign-ins from high-risk countries]",
            "[NL002 Block legacy authentication] (missing NL003 Block sign-ins from high-risk countries; unexpected NL002 Block legacy authentication)"
        )]
    );
    // A name the tenant does not have says so (renamed or deleted policy).
    assert_eq!(
        mismatches(&imap("{denyPolicies: {includes: [NL099 Gone]}}")),
        [
            mismatch(
                "denyPolicies \"NL099 Gone\"",
                "a policy of the tenant",
                "no policy with id or name \"NL099 Gone\" in the tenant"
            ),
            mismatch(
                "denyPolicies (includes)",
                "[NL099 Gone]",
                "[NL002 Block legacy authentication] (missing NL099 Gone)"
            ),
        ]
    );
}

#[test]
fn session_control_mismatches() {
    let unmanaged = |expect: &str| {
        with_defaults(&format!(
            "  - name: c\n    signIn: {{user: chloe.dubois@northwindlattice.example, app: Office365, device: {{compliant: false, trust: Workplace}}}}\n    expect: {expect}\n"
        ))
    };
    assert_eq!(
        mismatches(&unmanaged(
            "{sessionControls: {cloudAppSecurity: {mode: monitorOnly}, persistentBrowser: {mode: never}, applicationEnforcedRestrictions: null}}"
        )),
        // Keys are compared in name order.
        [
            mismatch(
                "sessionControls.applicationEnforcedRestrictions",
                "null",
                "{\"isEnabled\":true,\"policyIds\":[\"c4a10011-5d2e-4b6f-8a7c-0e1f2a3b4c11\"]}"
            ),
            mismatch(
                "sessionControls.cloudAppSecurity.mode",
                "\"monitorOnly\"",
                "\"blockDownloads\""
            ),
            mismatch(
                "sessionControls.persistentBrowser",
                "{\"mode\":\"never\"}",
                "(absent)"
            ),
        ]
    );
}

#[test]
fn per_policy_mismatches() {
    let text = with_defaults(
        "  - name: c\n    signIn: {user: dev.patel@northwindlattice.example, app: Office365, ip: 203.0.113.200, proven: [password]}\n    expect:\n      policies:\n        NL001 Require MFA for all users outside trusted locations: success\n        c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02: {result: notApplied, outcome: deny, applies: true, analysisReasons: [users]}\n        nl001 require mfa for all users outside trusted locations: {grantControls: [block], sessionControls: {includes: [signInFrequency]}, unsatisfiedControls: {excludes: [mfa]}}\n        NL099 Gone: success\n",
    );
    assert_eq!(
        mismatches(&text),
        [
            mismatch(
                "policies.\"NL001 Require MFA for all users outside trusted locations\".result",
                "success",
                "failure"
            ),
            mismatch(
                "policies.\"c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02\".outcome",
                "deny",
                "notApplied"
            ),
            mismatch(
                "policies.\"c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02\".applies",
                "true",
                "false"
            ),
            mismatch(
                "policies.\"c4a10002-5d2e-4b6f-8a7c-0e1f2a3b4c02\".analysisReasons",
                "[users]",
                "[clientApps] (missing users; unexpected clientApps)"
            ),
            mismatch(
                "policies.\"nl001 require mfa for all users outside trusted locations\".grantControls",
                "[block]",
                "[mfa] (missing block; unexpected mfa)"
            ),
            mismatch(
                "policies.\"nl001 require mfa for all users outside trusted locations\".unsatisfiedControls (excludes)",
                "none of [mfa]",
                "[mfa] (present mfa)"
            ),
            mismatch(
                "policies.\"NL099 Gone\"",
                "a policy of the tenant",
                "no policy with id or name \"NL099 Gone\" in the tenant"
            ),
        ]
    );
}

#[test]
fn warning_and_missing_data_mismatches() {
    assert_eq!(
        mismatches(&chloe(
            "{warnings: [missingData], missingData: {includes: [ipAddress]}}"
        )),
        [
            mismatch("warnings", "[missingData]", "[] (missing missingData)"),
            mismatch(
                "missingData (includes)",
                "[ipAddress]",
                "[] (missing ipAddress)"
            ),
        ]
    );
}

#[test]
fn activation_mismatches() {
    let text = "defaults: {at: 2026-03-02T09:00:00Z, ip: 198.51.100.23, platform: windows, client: browser, proven: [password, mfa], justification: x}\ncases:\n  - name: a\n    activation: {user: bram.okafor@northwindlattice.example, role: Security Administrator, duration: PT4H}\n    expect: {decision: allow, status: Provisioned, errorCode: RoleAssignmentExists, failedRules: [MfaRule], denyReasons: {includes: [RoleAssignmentExists]}, approvalRequired: false, requirements: [mfa]}\n";
    assert_eq!(
        mismatches(text),
        [
            mismatch("decision", "allow", "pendingApproval"),
            mismatch("requirements", "[mfa]", "[] (missing mfa)"),
            mismatch("status", "Provisioned", "PendingApproval"),
            mismatch("errorCode", "RoleAssignmentExists", "(none)"),
            mismatch("failedRules", "[MfaRule]", "[] (missing MfaRule)"),
            mismatch(
                "denyReasons (includes)",
                "[RoleAssignmentExists]",
                "[] (missing RoleAssignmentExists)"
            ),
            mismatch("approvalRequired", "false", "(none)"),
        ]
    );
    assert_eq!(
        yaml_error(
            "cases:\n  - name: a\n    activation: {user: x, role: Global Administrator}\n    expect: {denyPolicies: []}\n"
        ),
        "t.yaml: cases[0].expect.denyPolicies: an activation decision has no `denyPolicies`"
    );
}

#[test]
fn a_failing_case_names_the_policies_responsible() {
    let case = only_case(&with_defaults(
        "  - name: c\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other, ip: 203.0.113.200}\n    expect: {decision: allow}\n",
    ));
    assert_eq!(case.status, CaseStatus::Fail);
    assert_eq!(case.decision.as_deref(), Some("deny"));
    assert_eq!(
        case.responsible,
        ["NL002 Block legacy authentication (failure)"]
    );
    let report = run(&with_defaults(
        "  - name: c\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other}\n    expect: {decision: allow}\n",
    ));
    assert_eq!(
        report.render_text(false),
        "t.yaml\n  FAIL   c\n         decision:\n           expected allow\n           got      deny\n         decision deny by: NL002 Block legacy authentication (failure)\njitgate test: 0 passed, 1 failed, 0 errors (1 cases in 1 files); coverage 6% (1/16 policies applied)\n"
    );
}

// --- coverage ----------------------------------------------------------------------------------

#[test]
fn coverage_counts_on_a_hand_counted_tenant() {
    // P1: MFA for everyone. P2: block legacy clients. P3: disabled. P4: report-only block on
    // high sign-in risk. U1 has no group and no role.
    let t = tenant(
        &[
            Pol::new(1).mfa(),
            Pol::new(2).cond("clientAppTypes", json!(["other"])).block(),
            Pol::new(3).disabled().block(),
            Pol::new(4)
                .report_only()
                .cond("signInRiskLevels", json!(["high"]))
                .block(),
        ],
        json!({}),
    );
    let snapshot = Snapshot::compile(t);
    let user = crate::common::signin::uid(1);
    let text = format!(
        "defaults: {{user: {user}, app: 5e1f7a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b, at: 2025-03-03T09:15:00Z, client: browser, platform: windows, ip: 203.0.113.9, country: NL}}\ncases:\n  - name: password only\n    signIn: {{proven: [password]}}\n    expect: {{decision: stepUp}}\n  - name: with mfa\n    signIn: {{proven: [password, mfa]}}\n    expect: {{decision: allow}}\n  - name: legacy\n    signIn: {{client: other, proven: [password]}}\n    expect: {{decision: deny}}\n"
    );
    let report = run_tests(&snapshot, &[yaml(&text)], &TestOptions::default());
    assert!(report.all_passed(), "{}", report.render_text(true));
    let counts: Vec<(String, bool, usize, usize)> = report
        .coverage
        .policies
        .iter()
        .map(|p| {
            (
                p.display_name.clone(),
                p.counted,
                p.applied_in,
                p.decided_in,
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            // Applies in all three; asks for MFA in the first and third (not proven there).
            (pname(1), true, 3, 2),
            (pname(2), true, 1, 1),
            (pname(3), false, 0, 0),
            (pname(4), true, 0, 0),
        ]
    );
    assert_eq!(report.coverage.counted(), 3);
    assert_eq!(report.coverage.applied(), 2);
    assert_eq!(report.coverage.decided(), 2);
    assert!((report.coverage.percent() - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(report.coverage.policies[0].id, pid(1));
    let text = report.render_text(true);
    assert!(
        text.contains(&format!(
            "coverage: 2/3 policies applied in some case (66.7%), 2/3 decided some outcome\n  never applied:\n    {}\n  (1 disabled or deleted policies are not counted)\n",
            pname(4)
        )),
        "{text}"
    );
}

// --- JUnit -----------------------------------------------------------------------------------

#[test]
fn junit_output_parses_back_with_every_case() {
    let text = with_defaults(
        "  - name: passes <&\"'>\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365}\n    expect: {decision: allow}\n  - name: fails\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other}\n    expect: {decision: allow}\n  - name: cannot run\n    signIn: {user: nobody, app: Office365}\n    expect: {decision: allow}\n",
    );
    let mut report = run(&text);
    report
        .file_errors
        .push(TestSuite::parse("broken.yaml", "cases: 3\n", TestSyntax::Yaml).unwrap_err());
    let xml = report.to_junit();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("4"));
    assert_eq!(root.attribute("failures"), Some("1"));
    assert_eq!(root.attribute("errors"), Some("2"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 2);
    assert_eq!(suites[0].attribute("name"), Some("broken.yaml"));
    assert_eq!(suites[1].attribute("name"), Some("t.yaml"));
    assert_eq!(suites[1].attribute("tests"), Some("3"));
    let cases: Vec<_> = suites[1].children().filter(|n| n.is_element()).collect();
    let names: Vec<_> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(names, ["passes <&\"'>", "fails", "cannot run"]);
    assert!(cases[0].children().all(|n| !n.is_element()));
    let failure = cases[1]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert_eq!(
        failure.attribute("message"),
        Some("decision: expected allow, got deny")
    );
    assert!(
        failure
            .text()
            .unwrap()
            .contains("decision deny by: NL002 Block legacy authentication (failure)")
    );
    let error = cases[2]
        .children()
        .find(|n| n.has_tag_name("error"))
        .unwrap();
    assert_eq!(
        error.attribute("message"),
        Some("signIn.user: no user named \"nobody\" in the tenant")
    );
}

// --- the CLI -----------------------------------------------------------------------------------

#[test]
fn cli_exit_codes_summary_junit_json_filter_and_coverage() {
    let dir = TempDir::new("policy-tests");
    let good = dir.write(
        "good.yaml",
        with_defaults(
            "  - name: imap is denied\n    tags: [legacy]\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other}\n    expect: {decision: deny}\n  - name: hq is fine\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365}\n    expect: {decision: allow}\n",
        ),
    );
    let wrong = dir.write(
        "wrong.yaml",
        with_defaults(
            "  - name: deliberately wrong\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365, client: other}\n    expect: {decision: allow}\n",
        ),
    );
    let broken = dir.write("broken.json", "{\"cases\": [}");
    let g = good.to_str().unwrap();

    let out = jitgate(&["test", "--tenant", EXAMPLE, g]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("  ok     imap is denied\n  ok     hq is fine\n"),
        "{stdout}"
    );
    assert!(stdout.contains("jitgate test: 2 passed, 0 failed, 0 errors (2 cases in 1 files)"));

    let out = jitgate(&["test", "--tenant", EXAMPLE, g, wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  FAIL   deliberately wrong\n         decision:\n           expected allow\n           got      deny\n"), "{stdout}");

    let out = jitgate(&["test", "--tenant", EXAMPLE, g, broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("broken.json: line 1, column 12"));

    // A directory is searched; --filter by tag; JUnit and JSON.
    let junit = dir.path().join("junit.xml");
    let out = jitgate(&[
        "test",
        "--tenant",
        EXAMPLE,
        dir.path().to_str().unwrap(),
        "--filter",
        "legacy",
        "--json",
        "--junit",
        junit.to_str().unwrap(),
        "--engine",
        "both",
    ]);
    assert_eq!(out.status.code(), Some(2), "the broken file is still found");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["imap is denied"]);
    assert_eq!(report["skipped"], 2);
    assert_eq!(report["fileErrors"].as_array().unwrap().len(), 1);
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).unwrap()).unwrap();

    // Coverage: two policies of sixteen applied (NL001 is not, at HQ; NL002 is).
    let out = jitgate(&[
        "test",
        "--tenant",
        EXAMPLE,
        g,
        "--coverage",
        "--min-coverage",
        "50",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("coverage: 1/16 policies applied in some case (6.2%), 1/16 decided some outcome\n  never applied:\n    NL001 Require MFA"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("coverage 6.2% is below --min-coverage 50%")
    );

    // Nothing to run, or an unusable tenant: 2.
    let out = jitgate(&[
        "test",
        "--tenant",
        EXAMPLE,
        g,
        "--filter",
        "nothing-matches",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = jitgate(&["test", "--tenant", "/nonexistent", g]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_readme_example_passes() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("## Test your policies in CI")
        .nth(1)
        .expect("README has the section");
    let block = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the section has a YAML block");
    let report = run(block);
    assert_eq!(report.cases.len(), 4);
    assert!(report.all_passed(), "{}", report.render_text(false));
}

#[test]
fn device_short_and_long_names_are_one_key() {
    // A default's short name and a case's long name are the same key: the case wins.
    let b = body(
        "defaults: {device: {compliant: true, os: Windows}}\ncases:\n  - name: d\n    signIn: {user: bg01@northwindlattice.example, app: Office365, at: 2026-03-02T09:00:00Z, device: {isCompliant: false}}\n    expect: {}\n",
    );
    assert_eq!(
        b["signInConditions"]["deviceInfo"],
        json!({"isCompliant": false, "operatingSystem": "Windows"})
    );
    let e = yaml_error(
        "cases:\n  - name: d\n    signIn: {user: x, device: {compliant: true, isCompliant: false}}\n    expect: {}\n",
    );
    assert!(
        e.contains("duplicate key `isCompliant` (`isCompliant` is given twice)"),
        "{e}"
    );
}

#[cfg(unix)]
#[test]
fn a_folder_link_loop_is_not_followed() {
    let dir = TempDir::new("policy-tests-loop");
    dir.write(
        "suite.yaml",
        with_defaults(
            "  - name: hq\n    signIn: {user: chloe.dubois@northwindlattice.example, app: Office365}\n    expect: {decision: allow}\n",
        ),
    );
    std::os::unix::fs::symlink(dir.path(), dir.path().join("again")).unwrap();
    let report = run_test_files(example(), &[dir.path()], &TestOptions::default());
    assert_eq!(report.cases.len(), 1, "{}", report.render_text(false));
    assert!(report.all_passed());
}
