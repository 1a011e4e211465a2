//! Fixtures shared by the benches: the example tenant, the public baseline corpus and a generated
//! tenant at Entra's limits, each with parsed requests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};

use jitgate::unstable::generate::{self, DEFAULT_SEED, TenantSize};
use jitgate::unstable::{self as json, Diagnostics, parse_sign_in};
use jitgate::{SignInRequest, Tenant};

/// Parses request objects (JSON text).
pub fn parse(texts: impl IntoIterator<Item = String>) -> Vec<SignInRequest> {
    texts
        .into_iter()
        .map(|t| {
            let doc = json::parse_str(&t).unwrap();
            parse_sign_in(&mut Diagnostics::new("bench"), &doc, None).expect("request parses")
        })
        .collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The example tenant and its 20 sign-ins.
pub fn example() -> (Tenant, Vec<SignInRequest>) {
    let tenant = jitgate::load(&root().join("examples/tenant")).unwrap();
    let text = std::fs::read_to_string(root().join("examples/signins.jsonl")).unwrap();
    (
        tenant,
        parse(
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_owned),
        ),
    )
}

/// The j0eyv baseline from the public corpus, with sign-ins across apps, platforms and clients;
/// `None` (and a message) when the corpus is absent.
pub fn baseline() -> Option<(Tenant, Vec<SignInRequest>)> {
    let corpus = std::env::var("JITGATE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("../shared/corpus"));
    let dir = corpus.join("j0eyv-baseline");
    if !Path::new(&dir).is_dir() {
        eprintln!(
            "skipping the baseline tenant: {} not found (set JITGATE_CORPUS)",
            dir.display()
        );
        return None;
    }
    let tenant = jitgate::load(&dir).unwrap();
    let mut texts = Vec::new();
    for (i, (platform, client, app)) in [
        ("windows", "browser", "00000003-0000-0ff1-ce00-000000000000"),
        (
            "iOS",
            "mobileAppsAndDesktopClients",
            "00000002-0000-0ff1-ce00-000000000000",
        ),
        (
            "android",
            "mobileAppsAndDesktopClients",
            "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
        ),
        ("macOS", "browser", "00000003-0000-0000-c000-000000000000"),
        (
            "linux",
            "exchangeActiveSync",
            "00000002-0000-0ff1-ce00-000000000000",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        texts.push(format!(
            r##"{{"signInIdentity":{{"@odata.type":"#microsoft.graph.userSignIn","userId":"00000000-0000-4000-8000-{i:012}"}},
               "signInContext":{{"@odata.type":"#microsoft.graph.applicationContext","includeApplications":["{app}"]}},
               "signInConditions":{{"devicePlatform":"{platform}","clientAppType":"{client}","ipAddress":"203.0.113.{i}","country":"NL",
                 "deviceInfo":{{"isCompliant":true,"trustType":"AzureAD"}}}},
               "session":{{"time":"2026-03-02T09:00:00Z","authenticationMethods":["password","microsoftAuthenticatorPush"],
                 "lastAuthenticatedDateTime":"2026-03-02T08:00:00Z","lastMfaDateTime":"2026-03-02T08:00:00Z"}}}}"##
        ));
    }
    Some((tenant, parse(texts)))
}

/// The generated tenant at Entra's limits and `n` generated requests.
pub fn limits(n: usize) -> (Tenant, Vec<SignInRequest>) {
    let size = TenantSize::LIMITS;
    let bundle = generate::tenant(size, DEFAULT_SEED);
    let tenant = jitgate::load_bundle_bytes("limits.json", bundle.to_string().as_bytes()).unwrap();
    let requests = parse(
        generate::requests(size, n, DEFAULT_SEED)
            .iter()
            .map(|v| v.to_string()),
    );
    (tenant, requests)
}
