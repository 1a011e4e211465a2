//! The README's library example: decide one sign-in with the public API only.
//!
//! Run with `cargo run --example embed` from the repository root.

use jitgate::{
    AuthMethod, ClientAppType, Engine, Explain, Platform, SignInDecision, SignInRequest,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let decision = decide()?;
    println!(
        "{} {}",
        decision.decision.as_str(),
        serde_json::to_string(&decision.requirements)?
    );
    Ok(())
}

/// The example's one decision (the integration tests call this too).
pub fn decide() -> Result<SignInDecision, Box<dyn std::error::Error>> {
    let tenant = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tenant");
    // Load, validate and compile a tenant; readers never block, publish() swaps in a new one.
    let engine = Engine::new(jitgate::load(&tenant)?);

    // A typed request: ids are checked and normalised, and the time is required.
    let request = SignInRequest::user("3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03")
        .app("00000003-0000-0ff1-ce00-000000000000") // SharePoint Online
        .platform(Platform::Windows)
        .client_app(ClientAppType::Browser)
        .ip("203.0.113.200".parse()?)
        .country("NL")
        .methods([AuthMethod::Password])
        .at("2026-03-02T09:00:00Z".parse()?)
        .build()?;

    let decision = engine.evaluate(&request, Explain::None);

    // On a hot path: the same decision borrowed from the snapshot, built and written without
    // allocating (into a buffer you reuse).
    let snapshot = engine.snapshot();
    let borrowed = snapshot.evaluate_borrowed(&request);
    let mut line = Vec::with_capacity(4096);
    borrowed.write_json(&mut line);
    assert_eq!(borrowed.decision(), decision.decision);
    assert_eq!(line, serde_json::to_vec(&decision)?);

    // Later, a publisher swaps in a re-exported tenant: validated and compiled off to the side;
    // on error the old snapshot keeps serving.
    let revision = engine.publish(jitgate::load(&tenant)?)?;
    assert_eq!(revision, engine.revision());
    Ok(decision)
}
