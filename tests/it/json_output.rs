//! `SignInDecision::write_json` writes exactly the bytes `serde_json` writes, on every decision
//! the examples, a generated tenant and hostile names produce.

use jitgate::unstable::generate::{self, TenantSize};
use jitgate::{Explain, ReferenceEvaluator, SignInDecision, SignInRequest, Snapshot, Tenant};
use serde_json::json;

fn assert_same_bytes(d: &SignInDecision) {
    let mut fast = Vec::new();
    d.write_json(&mut fast);
    let serde = serde_json::to_vec(d).unwrap();
    assert!(
        fast == serde,
        "write_json differs from serde_json\nfast:  {}\nserde: {}",
        String::from_utf8_lossy(&fast),
        String::from_utf8_lossy(&serde)
    );
}

fn check_all(tenant: &Tenant, requests: &[SignInRequest]) -> usize {
    let snapshot = Snapshot::compile(tenant.clone());
    let reference = ReferenceEvaluator::new(tenant);
    let mut n = 0;
    for r in requests {
        // The borrowed decision writes the bytes of the owned one it stands for, and of the
        // reference's decision.
        let mut borrowed = Vec::new();
        let b = snapshot.evaluate_borrowed(r);
        b.write_json(&mut borrowed);
        let owned = b.to_decision();
        assert_eq!(
            String::from_utf8_lossy(&borrowed),
            serde_json::to_string(&owned).unwrap()
        );
        assert_eq!(owned, reference.evaluate(r, Explain::None));
        assert_eq!(b.decision(), owned.decision);
        assert_eq!(
            b.conditional_access_status(),
            owned.conditional_access_status
        );
        assert_eq!(
            b.has_missing_data(),
            owned.warnings.iter().any(|w| w.code == "missingData")
        );
        let denying: Vec<&str> = b.denying_policy_ids().collect();
        let expected: Vec<&str> = owned.deny_reasons.iter().map(|d| d.policy_id()).collect();
        assert_eq!(denying, expected);
        let requirements: Vec<(Vec<jitgate::RequirementItem>, Vec<&str>)> = b
            .requirements()
            .map(|(items, ids)| (items.to_vec(), ids.collect()))
            .collect();
        let expected: Vec<(Vec<jitgate::RequirementItem>, Vec<&str>)> = owned
            .requirements
            .iter()
            .map(|r| {
                (
                    r.any_of.clone(),
                    r.policy_ids.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(requirements, expected);
        let mut acting = Vec::new();
        b.for_each_acting_policy(|i| acting.push(tenant.policies[i].id.as_str()));
        let mut expected: Vec<&str> = owned
            .requirements
            .iter()
            .flat_map(|r| r.policy_ids.iter().map(String::as_str))
            .chain(owned.deny_reasons.iter().map(|d| d.policy_id()))
            .collect();
        expected.sort_by_key(|id| tenant.policies.iter().position(|p| p.id == *id));
        expected.dedup();
        assert_eq!(acting, expected);
        // With explain, the borrowed decision writes the explained decision's bytes, both
        // engines' (which the differential suite holds equal).
        let mut explained = Vec::new();
        b.write_json_explained(&mut explained);
        let expected = reference.evaluate(r, Explain::Policies);
        assert_eq!(
            String::from_utf8_lossy(&explained),
            serde_json::to_string(&expected).unwrap()
        );
        assert_eq!(expected, snapshot.evaluate(r, Explain::Policies));
        for explain in [Explain::None, Explain::Policies] {
            assert_same_bytes(&snapshot.evaluate(r, explain));
            assert_same_bytes(&reference.evaluate(r, explain));
            n += 2;
        }
    }
    n
}

#[test]
fn example_decisions_write_the_serde_bytes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let tenant = jitgate::load(&root.join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root.join("examples/signins.jsonl")).unwrap();
    let requests: Vec<SignInRequest> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| SignInRequest::from_json(l).unwrap())
        .collect();
    assert_eq!(check_all(&tenant, &requests), requests.len() * 4);
}

#[test]
fn generated_decisions_write_the_serde_bytes() {
    let bundle = generate::tenant(TenantSize::SMALL, 7);
    let tenant = jitgate::load_bundle_bytes("g.json", bundle.to_string().as_bytes()).unwrap();
    let now = jiff::Timestamp::from_second(1_780_000_000).unwrap();
    let requests: Vec<SignInRequest> = generate::requests(TenantSize::SMALL, 500, 7)
        .iter()
        .filter_map(|v| SignInRequest::from_json_at(&v.to_string(), now).ok())
        .collect();
    assert!(requests.len() > 400, "{}", requests.len());
    check_all(&tenant, &requests);
}

#[test]
fn names_and_values_that_need_escaping_write_the_serde_bytes() {
    let bundle = json!({"conditionalAccessPolicies": [
        {"id": "11111111-1111-1111-1111-111111111111", "displayName": "Say \"hi\"\t\\ to ünïcode € and \u{1}",
         "state": "enabled",
         "conditions": {"users": {"includeUsers": ["All"], "excludeUsers": ["22222222-2222-2222-2222-222222222222"]},
                        "applications": {"includeApplications": ["All"]}},
         "grantControls": {"operator": "OR", "builtInControls": ["mfa"]},
         "sessionControls": {"signInFrequency": {"isEnabled": true, "value": 1, "type": "hours", "frequencyInterval": "timeBased"}}},
        {"id": "33333333-3333-3333-3333-333333333333", "displayName": "plain", "state": "someFutureState",
         "conditions": {"users": {"includeUsers": ["All"]}, "applications": {"includeApplications": ["All"]},
                        "clientAppTypes": ["other"]},
         "grantControls": {"operator": "OR", "builtInControls": ["block"]}}
    ]});
    let tenant = crate::common::lenient_bytes("t.json", bundle.to_string().as_bytes()).unwrap();
    let requests: Vec<SignInRequest> = ["browser", "other"]
        .iter()
        .map(|client| {
            SignInRequest::from_json(
                &json!({
                    "id": {"nested": ["odd \"id\""]},
                    "signInIdentity": {"@odata.type": "#microsoft.graph.userSignIn", "userId": "44444444-4444-4444-4444-444444444444"},
                    "signInContext": {"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000002-0000-0ff1-ce00-000000000000"]},
                    "signInConditions": {"clientAppType": client},
                    "session": {"time": "2026-03-02T09:00:00Z", "authenticationMethods": ["password"]}
                })
                .to_string(),
            )
            .unwrap()
        })
        .collect();
    check_all(&tenant, &requests);
}
