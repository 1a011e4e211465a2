//! `jitgate replay`: decide logged sign-ins and compare with what Entra logged (agreement), or
//! decide them under the current and a proposed tenant and report what changes (impact).

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::{Value, json};
use std::collections::HashMap;

use crate::agreement_line::{AgreementLine, RecordId, write_line};
use crate::in_order::{Batching, decide_in_order};
use jitgate::{
    AgreementLevel, Decision, Explain, MappedSignIn, RawRecord, RecordError, SignInDecision,
    SignInLogRecords, Snapshot,
};

/// Records a worker takes at a time: few enough kilobytes (some 90 Graph records) that they are
/// still in the core's cache (1 MiB of L2 here) when they are decided, enough that taking them
/// costs little: 256 KiB batches made about twice the context switches and some 40% more system
/// time (alternate runs over 1M records: median 373k records/s, against 405k at 512 KiB, 389k
/// at 1 MiB and no better at 4 MiB). A window of batches bounds the memory held while one
/// large record holds up the others.
const BATCHING: Batching = Batching {
    items: 1024,
    size: 512 << 10,
    window: 8,
};

/// Distinct users, apps, policies or conditions a summary counts one by one; the rest are
/// counted together as `(others)`, so a summary's memory does not grow with the input.
const MAX_KEYS: usize = 100_000;

/// Adds one to `key`'s count, or to `(others)` once `MAX_KEYS` distinct keys are counted.
fn bump<K: std::hash::Hash + Eq + From<&'static str>>(map: &mut HashMap<K, usize>, key: K) {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        *map.entry(K::from("(others)")).or_default() += 1;
    } else {
        *map.entry(key).or_default() += 1;
    }
}

/// What `jitgate replay` was asked.
pub struct ReplayArgs<'a> {
    /// The tenant the logs were recorded under.
    pub load: &'a crate::LoadArgs,
    /// A changed tenant to compare with (impact mode).
    pub proposed: Option<&'a Path>,
    /// The sign-in records (a file, or `-`).
    pub signins: &'a str,
    /// Where the per-record lines go (default: standard output).
    pub output: Option<&'a Path>,
    /// Agreement mode: write only records that do not fully agree.
    pub differences_only: bool,
    /// Agreement mode: exit 1 when full agreement is below this percentage.
    pub fail_below: Option<f64>,
    /// Also write the summary as JSON here.
    pub summary_json: Option<&'a Path>,
}

/// Runs the subcommand.
pub fn run(a: &ReplayArgs<'_>) -> ExitCode {
    if let Some(p) = a.fail_below
        && !(0.0..=100.0).contains(&p)
    {
        note!("jitgate: --fail-below must be a percentage between 0 and 100");
        return ExitCode::from(2);
    }
    let current = match crate::eval_cmd::load_tenant(a.load) {
        Ok(t) => Snapshot::compile(t),
        Err(code) => return code,
    };
    let proposed = match a.proposed {
        Some(path) => match crate::eval_cmd::load_tenant_with(path, &a.load.options()) {
            Ok(t) => Some(Snapshot::compile(t)),
            Err(code) => return code,
        },
        None => None,
    };
    let input: Box<dyn Read + Send> = if a.signins == "-" {
        Box::new(crate::input::stdin())
    } else {
        match File::open(a.signins) {
            Ok(f) if f.metadata().is_ok_and(|m| m.is_dir()) => {
                note!(
                    "jitgate: {} is a folder, not a file of sign-in records",
                    a.signins
                );
                return ExitCode::from(2);
            }
            Ok(f) => Box::new(f),
            Err(e) => {
                note!("jitgate: cannot open {}: {e}", a.signins);
                return ExitCode::from(2);
            }
        }
    };
    let mut out = match crate::eval_cmd::output_sink(a.output) {
        Ok(out) => out,
        Err(code) => return code,
    };
    let unlogged = jitgate::device_attributes_logs_lack(current.tenant());
    let progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut last_progress = Instant::now();
    let mut summary = Summary::default();
    let differences_only = a.differences_only;
    let (current_ref, proposed_ref, unlogged) = (&current, &proposed, &unlogged);
    // From a pipe, what has come is decided at once; from a file, batches are full.
    let eager = a.signins == "-";
    let decided: Result<(), std::convert::Infallible> = decide_in_order(
        SignInLogRecords::new(input),
        rayon::current_num_threads(),
        BATCHING,
        |records: &mut SignInLogRecords| !eager || records.next_at_hand(),
        RawRecord::text_len,
        |r, bytes| match proposed_ref {
            None => agreement(current_ref, r, differences_only, unlogged, bytes),
            Some(p) => {
                let (line, tally) = impact(current_ref, p, r);
                bytes.extend_from_slice(&line);
                tally
            }
        },
        |results, bytes, fatal| {
            for tally in results {
                summary.add(tally);
            }
            if let Err(e) = out.write_all(&bytes) {
                note!("jitgate: cannot write output: {e}");
                // Ended here, not by returning: a worker may be waiting on a pipe that gives
                // nothing more, and returning would wait for it.
                std::process::exit(2);
            }
            // From a pipe, each batch's lines go out now, not when the buffer fills.
            if eager && let Err(e) = out.flush() {
                note!("jitgate: cannot write output: {e}");
                std::process::exit(2);
            }
            if let Some(e) = fatal {
                note!("jitgate: {}: {e}", a.signins);
                summary.unreadable_input = Some(e);
            }
            if progress && last_progress.elapsed().as_secs_f64() >= 1.0 {
                last_progress = Instant::now();
                note_inline!(
                    "\r  {} records, {:.0}/s",
                    summary.records,
                    per_second(summary.records, started.elapsed().as_secs_f64())
                );
            }
            Ok(())
        },
    );
    let Ok(()) = decided;
    if let Err(e) = out.flush() {
        note!("jitgate: cannot write output: {e}");
        return ExitCode::from(2);
    }
    if progress {
        note!();
    }
    let seconds = started.elapsed().as_secs_f64();
    let report = summary.to_json(&current, proposed.is_some(), seconds);
    summary.print(&current, proposed.is_some(), seconds);
    if let Some(path) = a.summary_json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text + "\n") {
            note!("jitgate: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    // Records before the break were decided and written; the run is still incomplete.
    if summary.unreadable_input.is_some() {
        return ExitCode::from(2);
    }
    if let Some(min) = a.fail_below
        && proposed.is_none()
        && summary.agreement_percent() < min
    {
        note!(
            "jitgate: full agreement {:.2}% is below --fail-below {min}%",
            summary.agreement_percent()
        );
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn per_second(n: usize, seconds: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a count shown as a rate")]
    let n = n as f64;
    if seconds > 0.0 { n / seconds } else { 0.0 }
}

/// What one record adds to the summary.
enum Tally {
    /// The record's text is not a record.
    Bad,
    /// A record that cannot become a request: the field at fault.
    Unmapped(String),
    /// Agreement mode.
    Compared {
        level: AgreementLevel,
        /// (policy id, logged result, jitgate result) of each difference.
        differences: Vec<(String, String, String)>,
        /// Conditions the log and jitgate disagree on (names).
        conditions: Vec<String>,
        missing: MissingNames,
    },
    /// Impact mode: the record comes to the same thing under both tenants.
    Unchanged,
    /// Impact mode: what changes, for whom.
    Changed {
        change: &'static str,
        user: String,
        app: String,
        policies: Vec<String>,
    },
}

/// The request data a record lacks (`missingData`), held in place for the usual few: a list
/// allocated by a worker and freed by the thread that tallies was, for glibc, a slow allocation
/// and a slow free each record.
type MissingNames = smallvec::SmallVec<[&'static str; 4]>;

fn error_line(r: &RawRecord, message: &str) -> Vec<u8> {
    let mut line = json!({"record": r.index, "place": r.place, "error": message}).to_string();
    line.push('\n');
    line.into_bytes()
}

fn record_id(r: &RawRecord, mapped: &MappedSignIn) -> Value {
    mapped
        .id
        .as_ref()
        .map_or_else(|| json!(r.index), |id| json!(id))
}

fn agreement(
    snapshot: &Snapshot,
    r: &RawRecord,
    differences_only: bool,
    unlogged: &[&'static str],
    out: &mut Vec<u8>,
) -> Tally {
    let mapped = match r.map() {
        Ok(m) => m,
        Err(RecordError::Unmapped(e)) => {
            out.extend_from_slice(&error_line(r, &e.to_string()));
            return Tally::Unmapped(e.field);
        }
        Err(e) => {
            out.extend_from_slice(&error_line(r, &e.to_string()));
            return Tally::Bad;
        }
    };
    // Most records agree: decided without explain, compared from the policy sets, and written
    // without building per-policy results. Only a record that differs is explained.
    let quick = snapshot.evaluate_borrowed(&mapped.request);
    let mut missing = MissingNames::from_slice(&mapped.missing);
    if mapped.request.user_id().is_some() {
        missing.extend_from_slice(unlogged);
    }
    for f in quick.missing_data_fields() {
        if !missing.contains(&f) {
            missing.push(f);
        }
    }
    let explained = (!mapped.fully_agrees(&quick)).then(|| {
        let decision = snapshot.evaluate(&mapped.request, Explain::Policies);
        let agreement = mapped.compare(&decision);
        (decision.decision, agreement)
    });
    let (level, jitgate_status, decision, differences) = match &explained {
        None => (
            AgreementLevel::Full,
            quick.conditional_access_status().as_str(),
            quick.decision(),
            &[][..],
        ),
        Some((decision, a)) => (a.level, a.jitgate_status, *decision, &a.differences[..]),
    };
    // The line first, borrowing `missing`, which the tally then takes.
    if !(differences_only && level == AgreementLevel::Full) {
        write_line(
            out,
            &AgreementLine {
                record: RecordId::of(r, &mapped),
                place: r.place,
                agreement: level,
                logged_status: mapped.status.as_deref(),
                jitgate_status,
                decision: decision.as_str(),
                differences,
                missing_data: &missing,
            },
        );
    }
    Tally::Compared {
        level,
        differences: differences
            .iter()
            .map(|d| {
                (
                    d.policy_id.clone(),
                    d.logged.clone(),
                    d.jitgate
                        .clone()
                        .unwrap_or_else(|| "(not in tenant)".to_owned()),
                )
            })
            .collect(),
        conditions: differences.iter().flat_map(disputed_conditions).collect(),
        missing,
    }
}

/// The conditions a difference turns on: the logged `conditionsNotSatisfied` and jitgate's
/// `analysisReasons` that are not in both (or jitgate's alone when the log has none).
fn disputed_conditions(d: &jitgate::PolicyDifference) -> Vec<String> {
    let split = |s: &Option<String>| -> Vec<String> {
        s.as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty() && *x != "none" && *x != "notSet")
            .map(str::to_owned)
            .collect()
    };
    let logged = split(&d.logged_conditions_not_satisfied);
    let ours = split(&d.jitgate_analysis_reasons);
    if d.logged_conditions_not_satisfied.is_none() {
        return ours;
    }
    let mut out: Vec<String> = logged
        .iter()
        .filter(|c| !ours.contains(c))
        .cloned()
        .collect();
    out.extend(ours.iter().filter(|c| !logged.contains(c)).cloned());
    out
}

/// A decision as the impact report shows it.
fn outcome(d: &SignInDecision) -> Value {
    let requirements: Vec<String> = d
        .requirements
        .iter()
        .map(|r| {
            r.any_of
                .iter()
                .map(requirement_label)
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .collect();
    let deny: Vec<&str> = d.deny_reasons.iter().map(|r| r.display_name()).collect();
    json!({"decision": d.decision.as_str(), "requirements": requirements, "denyPolicies": deny})
}

fn requirement_label(item: &jitgate::RequirementItem) -> String {
    let v = serde_json::to_value(item).unwrap_or_default();
    let ty = v.get("type").and_then(Value::as_str).unwrap_or("?");
    match ["displayName", "value", "agreementId", "id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
    {
        Some(detail) => format!("{ty}:{detail}"),
        None => ty.to_owned(),
    }
}

/// How a decision changed from `before` to `after`; `None` when it did not.
fn change_kind(before: &SignInDecision, after: &SignInDecision) -> Option<&'static str> {
    use Decision::{Allow, Deny, StepUp};
    match (before.decision, after.decision) {
        (Allow | StepUp, Deny) => Some("newlyDenied"),
        (Allow, StepUp) => Some("newlySteppedUp"),
        (StepUp | Deny, Allow) => Some("noLongerProtected"),
        (Deny, StepUp) => Some("noLongerDenied"),
        (Deny, Deny) if deny_set(before) != deny_set(after) => Some("denyPoliciesChanged"),
        (StepUp, StepUp) if outcome(before) != outcome(after) => Some("requirementsChanged"),
        _ if before.session_controls != after.session_controls => Some("sessionControlsChanged"),
        _ => None,
    }
}

fn deny_set(d: &SignInDecision) -> Vec<&str> {
    let mut ids: Vec<&str> = d.deny_reasons.iter().map(|r| r.policy_id()).collect();
    ids.sort_unstable();
    ids
}

fn impact(current: &Snapshot, proposed: &Snapshot, r: &RawRecord) -> (Vec<u8>, Tally) {
    let mapped = match r.map() {
        Ok(m) => m,
        Err(RecordError::Unmapped(e)) => {
            return (error_line(r, &e.to_string()), Tally::Unmapped(e.field));
        }
        Err(e) => return (error_line(r, &e.to_string()), Tally::Bad),
    };
    // Most sign-ins come to the same thing under both tenants: decided without explain and
    // compared from the policy sets. Only the others are explained.
    if current
        .evaluate_borrowed(&mapped.request)
        .same_outcome(&proposed.evaluate_borrowed(&mapped.request))
    {
        return (Vec::new(), Tally::Unchanged);
    }
    let before = current.evaluate(&mapped.request, Explain::Policies);
    let after = proposed.evaluate(&mapped.request, Explain::Policies);
    let Some(change) = change_kind(&before, &after) else {
        return (Vec::new(), Tally::Unchanged);
    };
    let user = mapped.request.user_id().map_or_else(
        || match mapped.request.identity() {
            jitgate::Identity::ServicePrincipal {
                service_principal_id,
            } => service_principal_id.clone(),
            _ => String::new(),
        },
        str::to_owned,
    );
    let app = match mapped.request.context() {
        jitgate::SignInContext::Applications(apps) => apps.join(","),
        _ => String::new(),
    };
    let policies = changed_policies(&before, &after);
    let tally = Tally::Changed {
        change,
        user: user.clone(),
        app: app.clone(),
        policies: policies.clone(),
    };
    let mut line = json!({
        "record": record_id(r, &mapped),
        "place": r.place,
        "change": change,
        "user": user,
        "app": app,
        "before": outcome(&before),
        "after": outcome(&after),
        "policies": policies,
    })
    .to_string();
    line.push('\n');
    (line.into_bytes(), tally)
}

/// Policies whose result differs between the two decisions (by id; a policy only one tenant
/// has counts when it applied there).
fn changed_policies(before: &SignInDecision, after: &SignInDecision) -> Vec<String> {
    let b = before.policies.as_deref().unwrap_or_default();
    let a = after.policies.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for p in a {
        match b.iter().find(|q| q.id == p.id) {
            Some(q) if q.result == p.result && q.outcome == p.outcome => {}
            Some(_) => out.push(p.id.clone()),
            None if p.policy_applies => out.push(p.id.clone()),
            None => {}
        }
    }
    for q in b {
        if q.policy_applies && !a.iter().any(|p| p.id == q.id) {
            out.push(q.id.clone());
        }
    }
    out
}

#[derive(Default)]
struct Summary {
    records: usize,
    bad: usize,
    unmapped: HashMap<String, usize>,
    full: usize,
    partial: usize,
    none: usize,
    /// Records that log no result to compare.
    not_compared: usize,
    /// Per policy id: (logged, jitgate) result pairs and their counts.
    per_policy: HashMap<String, HashMap<(String, String), usize>>,
    per_condition: HashMap<String, usize>,
    missing: HashMap<&'static str, usize>,
    changes: HashMap<&'static str, usize>,
    unchanged: usize,
    per_user: HashMap<String, usize>,
    per_app: HashMap<String, usize>,
    changed_policies: HashMap<String, usize>,
    unreadable_input: Option<String>,
}

impl Summary {
    fn add(&mut self, t: Tally) {
        self.records += 1;
        match t {
            Tally::Bad => self.bad += 1,
            Tally::Unmapped(field) => bump(&mut self.unmapped, field),
            Tally::Compared {
                level,
                differences,
                conditions,
                missing,
            } => {
                match level {
                    AgreementLevel::Full => self.full += 1,
                    AgreementLevel::Partial => self.partial += 1,
                    AgreementLevel::None => self.none += 1,
                    _ => self.not_compared += 1,
                }
                for (id, logged, ours) in differences {
                    let id = if self.per_policy.len() >= MAX_KEYS
                        && !self.per_policy.contains_key(&id)
                    {
                        "(others)".to_owned()
                    } else {
                        id
                    };
                    let pairs = self.per_policy.entry(id).or_default();
                    // Result names come from the input: counted one by one up to a bound too.
                    if pairs.len() < 64 || pairs.contains_key(&(logged.clone(), ours.clone())) {
                        *pairs.entry((logged, ours)).or_default() += 1;
                    } else {
                        *pairs
                            .entry(("(others)".to_owned(), "(others)".to_owned()))
                            .or_default() += 1;
                    }
                }
                for c in conditions {
                    bump(&mut self.per_condition, c);
                }
                for m in missing {
                    *self.missing.entry(m).or_default() += 1;
                }
            }
            Tally::Unchanged => self.unchanged += 1,
            Tally::Changed {
                change,
                user,
                app,
                policies,
            } => {
                *self.changes.entry(change).or_default() += 1;
                bump(&mut self.per_user, user);
                bump(&mut self.per_app, app);
                for p in policies {
                    bump(&mut self.changed_policies, p);
                }
            }
        }
    }

    fn compared(&self) -> usize {
        self.full + self.partial + self.none
    }

    /// Records in full agreement, in percent of the records that could be compared.
    fn agreement_percent(&self) -> f64 {
        let compared = self.compared();
        if compared == 0 {
            return 0.0;
        }
        #[expect(clippy::cast_precision_loss, reason = "record counts shown as a rate")]
        let rate = self.full as f64 / compared as f64;
        rate * 100.0
    }

    fn to_json(&self, tenant: &Snapshot, impact: bool, seconds: f64) -> Value {
        let name = |id: &str| policy_name(tenant, id);
        let mut base = serde_json::Map::new();
        base.insert("records".to_owned(), json!(self.records));
        base.insert("badRecords".to_owned(), json!(self.bad));
        base.insert("unmapped".to_owned(), json!(sorted(&self.unmapped)));
        base.insert("seconds".to_owned(), json!(seconds));
        base.insert(
            "recordsPerSecond".to_owned(),
            json!(per_second(self.records, seconds)),
        );
        if impact {
            base.insert("unchanged".to_owned(), json!(self.unchanged));
            base.insert("changes".to_owned(), json!(sorted(&self.changes)));
            base.insert("perUser".to_owned(), json!(top(&self.per_user, 20)));
            base.insert("perApp".to_owned(), json!(top(&self.per_app, 20)));
            base.insert(
                "perPolicy".to_owned(),
                json!(
                top(&self.changed_policies, usize::MAX)
                    .into_iter()
                    .map(|(id, n)| json!({"policyId": id, "displayName": name(&id), "records": n}))
                    .collect::<Vec<_>>()
            ),
            );
        } else {
            base.insert("compared".to_owned(), json!(self.compared()));
            base.insert(
                "agreement".to_owned(),
                json!({"full": self.full, "partial": self.partial, "none": self.none,
                       "notCompared": self.not_compared}),
            );
            base.insert(
                "agreementPercent".to_owned(),
                json!(self.agreement_percent()),
            );
            // Most records first; ties by id and result, so equal runs print equal summaries.
            let mut per_policy: Vec<(&String, usize, Vec<ResultPairCount<'_>>)> = self
                .per_policy
                .iter()
                .map(|(id, pairs)| {
                    let mut pairs: Vec<ResultPairCount<'_>> =
                        pairs.iter().map(|(k, n)| (k, *n)).collect();
                    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
                    (id, pairs.iter().map(|(_, n)| n).sum(), pairs)
                })
                .collect();
            per_policy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            let per_policy: Vec<Value> = per_policy
                .into_iter()
                .map(|(id, total, pairs)| {
                    let pairs: Vec<Value> = pairs
                        .into_iter()
                        .map(|((l, j), n)| json!({"logged": l, "jitgate": j, "records": n}))
                        .collect();
                    json!({"policyId": id, "displayName": name(id), "records": total, "results": pairs})
                })
                .collect();
            base.insert("disagreementsPerPolicy".to_owned(), json!(per_policy));
            base.insert(
                "disagreementsPerCondition".to_owned(),
                json!(sorted(&self.per_condition)),
            );
            base.insert("missingData".to_owned(), json!(sorted(&self.missing)));
        }
        if let Some(e) = &self.unreadable_input {
            base.insert("inputError".to_owned(), json!(e));
        }
        Value::Object(base)
    }

    fn print(&self, tenant: &Snapshot, impact: bool, seconds: f64) {
        let unmapped: usize = self.unmapped.values().sum();
        note!(
            "jitgate: {} records in {:.2} s ({:.0}/s); {} bad, {} could not be mapped{}",
            self.records,
            seconds,
            per_second(self.records, seconds),
            self.bad,
            unmapped,
            if unmapped > 0 {
                format!(
                    " ({})",
                    sorted(&self.unmapped)
                        .iter()
                        .map(|(k, n)| format!("{k} ×{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                String::new()
            }
        );
        let name = |id: &str| policy_name(tenant, id).unwrap_or_else(|| id.to_owned());
        if impact {
            note!(
                "jitgate: {} unchanged; {}",
                self.unchanged,
                if self.changes.is_empty() {
                    "no decision changes".to_owned()
                } else {
                    sorted(&self.changes)
                        .iter()
                        .map(|(k, n)| format!("{k} {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            );
            for (id, n) in top(&self.changed_policies, 5) {
                note!("  {n} record(s) changed by {}", name(&id));
            }
        } else {
            note!(
                "jitgate: agreement with the logged results: {:.2}% full ({} full, {} partial, {} none of {} compared)",
                self.agreement_percent(),
                self.full,
                self.partial,
                self.none,
                self.compared()
            );
            if self.not_compared > 0 {
                note!(
                    "jitgate: {} record(s) log no policy result or status and were not compared",
                    self.not_compared
                );
            }
            let mut per_policy: Vec<(&String, usize)> = self
                .per_policy
                .iter()
                .map(|(id, pairs)| (id, pairs.values().sum()))
                .collect();
            per_policy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            for (id, n) in per_policy.into_iter().take(5) {
                note!("  {n} disagreement(s) on {}", name(id));
            }
            if !self.missing.is_empty() {
                note!(
                    "jitgate: the logs lack data the decision reads: {}",
                    sorted(&self.missing)
                        .iter()
                        .map(|(k, n)| format!("{k} ×{n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
    }
}

/// The tenant's name for a policy id, if it has the policy.
fn policy_name(tenant: &Snapshot, id: &str) -> Option<String> {
    tenant
        .tenant()
        .policies
        .iter()
        .find(|p| p.id == id)
        .map(|p| p.display_name.clone())
}

/// A (logged, jitgate) result pair and its record count.
type ResultPairCount<'a> = (&'a (String, String), usize);

fn sorted<K: AsRef<str>>(m: &HashMap<K, usize>) -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = m.iter().map(|(k, n)| (k.as_ref().to_owned(), *n)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn top(m: &HashMap<String, usize>, n: usize) -> Vec<(String, usize)> {
    let mut v = sorted(m);
    v.truncate(n);
    v
}
