//! Reading a policy from Graph JSON, tolerantly (§1.2–§1.5), with a warning for everything the
//! engine reads differently from Graph.

use super::*;

const USER_INCLUDE: IdRule =
    IdRule::guids(&[Keyword::All, Keyword::None, Keyword::GuestsOrExternalUsers]);
const USER_EXCLUDE: IdRule = IdRule::guids(&[Keyword::GuestsOrExternalUsers]);
const PLAIN: IdRule = IdRule::guids(&[]);
const APP_INCLUDE: IdRule = IdRule::guids(&[
    Keyword::All,
    Keyword::None,
    Keyword::Office365,
    Keyword::MicrosoftAdminPortals,
]);
const APP_EXCLUDE: IdRule = IdRule::guids(&[Keyword::Office365, Keyword::MicrosoftAdminPortals]);
const LOCATIONS: IdRule = IdRule::guids(&[Keyword::All, Keyword::AllTrusted]);
const SP_INCLUDE: IdRule = IdRule::guids(&[Keyword::ServicePrincipalsInMyTenant]);
const FREE: IdRule = IdRule {
    keywords: &[],
    free_form: true,
};

/// Known members of `conditions`; anything else non-empty is an unsupported condition.
const KNOWN_CONDITIONS: [&str; 16] = [
    "users",
    "clientApplications",
    "applications",
    "platforms",
    "locations",
    "clientAppTypes",
    "signInRiskLevels",
    "userRiskLevels",
    "servicePrincipalRiskLevels",
    "insiderRiskLevels",
    "devices",
    "deviceStates",
    "authenticationFlows",
    "id",
    "@odata.type",
    "odataType",
];

/// Reads one policy object. `fallback_id` is used (with a warning) when the object has no id.
pub fn parse_policy(
    d: &mut Diagnostics,
    json: &Json,
    path: &str,
    fallback_id: &str,
) -> Option<Policy> {
    let obj = Obj::new(d, json, path)?;
    let id = match obj.str(d, "id") {
        Some(id) if !id.trim().is_empty() => id.trim().to_ascii_lowercase(),
        _ => {
            d.warn(
                "syntheticId",
                &obj.at("id"),
                format!("policy has no id; it is reported as \"{fallback_id}\""),
            );
            fallback_id.to_owned()
        }
    };
    let display_name = match obj.str(d, "displayName") {
        Some(n) => n.to_owned(),
        None => {
            d.warn(
                "missingDisplayName",
                &obj.at("displayName"),
                "policy has no displayName; its id is shown instead",
            );
            id.clone()
        }
    };
    let state = match obj.get("state") {
        None => {
            d.error("missingField", &obj.at("state"), "policy state is required");
            PolicyState::Enabled
        }
        Some(_) => obj
            .enumeration(d, "state", PolicyState::parse)
            .unwrap_or(PolicyState::Enabled),
    };
    if state.is_unknown() {
        d.warn(
            "unknownState",
            &obj.at("state"),
            format!(
                "unknown state \"{}\" is treated as enabled (fail-closed)",
                state.as_str()
            ),
        );
    }
    let deleted = obj.has("deletedDateTime");
    if deleted {
        d.warn(
            "softDeleted",
            &obj.at("deletedDateTime"),
            "policy is soft-deleted; it is reported as notEnabled",
        );
    }
    let conditions = match obj.obj(d, "conditions") {
        Some(c) => parse_conditions(d, &c),
        None => {
            if !obj.has("conditions") {
                d.error(
                    "missingField",
                    &obj.at("conditions"),
                    "policy conditions are required",
                );
            }
            Conditions::default()
        }
    };
    let grant = obj.obj(d, "grantControls").map(|g| parse_grant(d, &g));
    let session = obj
        .obj(d, "sessionControls")
        .map(|s| parse_session(d, &s))
        .unwrap_or_default();
    // A policy with neither grant nor session controls is a damaged export: Graph refuses to
    // store one (§1.6a). Session controls that are present but switched off are Graph's own shape.
    let enforces_something = grant.as_ref().is_some_and(|g| !g.is_empty())
        || obj
            .get("sessionControls")
            .is_some_and(|v| !crate::model::read::is_empty_value(v));
    if !enforces_something && !matches!(state, PolicyState::Disabled) && !deleted {
        d.error(
            "noControls",
            &obj.at("grantControls"),
            "an enabled or report-only policy without grant or session controls enforces nothing; Graph refuses to create one, so the export is damaged",
        );
    }
    Some(Policy {
        id,
        display_name,
        state,
        deleted,
        conditions,
        grant,
        session,
        source: format!("{}:{}", d.file, path),
    })
}

fn parse_conditions(d: &mut Diagnostics, c: &Obj<'_>) -> Conditions {
    let mut out = Conditions {
        users: c.obj(d, "users").and_then(|u| parse_users(d, &u)),
        client_applications: c
            .obj(d, "clientApplications")
            .and_then(|a| parse_client_apps(d, &a)),
        applications: c
            .obj(d, "applications")
            .and_then(|a| parse_applications(d, &a)),
        platforms: c.obj(d, "platforms").and_then(|p| {
            let include = p.flags(d, "includePlatforms", Platform::parse);
            let exclude = p.flags(d, "excludePlatforms", Platform::parse);
            (!include.is_empty() || !exclude.is_empty())
                .then_some(PlatformCondition { include, exclude })
        }),
        locations: c.obj(d, "locations").and_then(|l| {
            let include = id_list(d, &l, "includeLocations", LOCATIONS);
            let exclude = id_list(d, &l, "excludeLocations", LOCATIONS);
            (!include.is_empty() || !exclude.is_empty())
                .then_some(LocationCondition { include, exclude })
        }),
        client_app_types: c.flags(d, "clientAppTypes", ClientAppType::parse),
        sign_in_risk_levels: c.flags(d, "signInRiskLevels", RiskLevel::parse),
        user_risk_levels: c.flags(d, "userRiskLevels", RiskLevel::parse),
        service_principal_risk_levels: c.flags(d, "servicePrincipalRiskLevels", RiskLevel::parse),
        insider_risk_levels: c.flags(d, "insiderRiskLevels", InsiderRiskLevel::parse),
        devices: None,
        transfer_methods: c
            .obj(d, "authenticationFlows")
            .map(|f| f.flags(d, "transferMethods", TransferMethod::parse))
            .unwrap_or_default(),
    };
    // Unknown values never match (§1.3.3); that changes what the policy matches, so say so (§1.6).
    if let Some(p) = &out.platforms {
        let at = c.at("platforms");
        let include = child(&at, "includePlatforms");
        let exclude = child(&at, "excludePlatforms");
        warn_unknown(d, &include, "platform", &p.include, Platform::is_unknown);
        warn_unknown(d, &exclude, "platform", &p.exclude, Platform::is_unknown);
    }
    let client_apps = c.at("clientAppTypes");
    warn_unknown(
        d,
        &client_apps,
        "client app type",
        &out.client_app_types,
        ClientAppType::is_unknown,
    );
    for (key, levels) in [
        ("signInRiskLevels", &out.sign_in_risk_levels),
        ("userRiskLevels", &out.user_risk_levels),
        (
            "servicePrincipalRiskLevels",
            &out.service_principal_risk_levels,
        ),
    ] {
        warn_unknown(d, &c.at(key), "risk level", levels, RiskLevel::is_unknown);
    }
    let insider = c.at("insiderRiskLevels");
    warn_unknown(
        d,
        &insider,
        "insider risk level",
        &out.insider_risk_levels,
        InsiderRiskLevel::is_unknown,
    );
    let flows = child(&c.at("authenticationFlows"), "transferMethods");
    warn_unknown(
        d,
        &flows,
        "transfer method",
        &out.transfer_methods,
        TransferMethod::is_unknown,
    );
    // A transfer method of `none` alone configures nothing.
    out.transfer_methods.retain(|m| *m != TransferMethod::None);
    out.devices = parse_devices(d, c);
    for (key, _) in c.unread() {
        if !KNOWN_CONDITIONS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            d.warn(
                "unsupportedCondition",
                &c.at(key),
                format!("condition \"{key}\" is not supported; the policy is evaluated as if it were absent (applies at least as broadly)"),
            );
        }
    }
    out
}

/// Warns once per `Unknown` value of a condition list: it matches nothing.
fn warn_unknown<E: std::fmt::Display>(
    d: &mut Diagnostics,
    path: &str,
    what: &str,
    values: &[E],
    is_unknown: fn(&E) -> bool,
) {
    for v in values.iter().filter(|v| is_unknown(v)) {
        d.warn(
            "unknownEnumValue",
            path,
            format!("unknown {what} \"{v}\" matches nothing"),
        );
    }
}

fn parse_users(d: &mut Diagnostics, u: &Obj<'_>) -> Option<UserCondition> {
    let out = UserCondition {
        include_users: id_list(d, u, "includeUsers", USER_INCLUDE),
        exclude_users: id_list(d, u, "excludeUsers", USER_EXCLUDE),
        include_groups: id_list(d, u, "includeGroups", PLAIN),
        exclude_groups: id_list(d, u, "excludeGroups", PLAIN),
        include_roles: id_list(d, u, "includeRoles", PLAIN),
        exclude_roles: id_list(d, u, "excludeRoles", PLAIN),
        include_guests: u
            .obj(d, "includeGuestsOrExternalUsers")
            .and_then(|g| parse_guests(d, &g)),
        exclude_guests: u
            .obj(d, "excludeGuestsOrExternalUsers")
            .and_then(|g| parse_guests(d, &g)),
    };
    // `includeUsers: ["None"]` alone (the shape Graph gives workload-identity policies) selects
    // nobody and configures nothing.
    let configured = out.include_users.iter().any(|r| !r.is(Keyword::None))
        || !out.exclude_users.is_empty()
        || !out.include_groups.is_empty()
        || !out.exclude_groups.is_empty()
        || !out.include_roles.is_empty()
        || !out.exclude_roles.is_empty()
        || out.include_guests.is_some()
        || out.exclude_guests.is_some();
    configured.then_some(out)
}

fn parse_guests(d: &mut Diagnostics, g: &Obj<'_>) -> Option<GuestSelector> {
    let types = g.flags(d, "guestOrExternalUserTypes", GuestType::parse);
    for t in &types {
        if t.is_unknown() {
            d.warn(
                "unknownEnumValue",
                &g.at("guestOrExternalUserTypes"),
                format!("unknown guest type \"{t}\" matches nobody"),
            );
        }
    }
    let bits = types.iter().fold(0u8, |acc, t| acc | t.bit());
    let tenants = match g.obj(d, "externalTenants") {
        None => ExternalTenants::All,
        Some(t) => {
            let kind = t
                .odata_type()
                .map(str::to_owned)
                .or_else(|| t.str(d, "membershipKind").map(str::to_owned))
                .unwrap_or_default();
            let k = kind.to_ascii_lowercase();
            if k.contains("enumerated") {
                let members = t
                    .strings(d, "members")
                    .into_iter()
                    .map(|(s, _)| s.trim().to_ascii_lowercase())
                    .collect();
                ExternalTenants::Enumerated(members)
            } else if k.is_empty() || k.contains("all") {
                ExternalTenants::All
            } else {
                d.warn(
                    "unknownEnumValue",
                    &t.path,
                    format!("unknown externalTenants kind \"{kind}\"; no tenant matches it"),
                );
                ExternalTenants::Enumerated(Vec::new())
            }
        }
    };
    (bits != 0 || types.iter().any(GuestType::is_unknown)).then_some(GuestSelector {
        types: bits,
        tenants,
    })
}

fn parse_client_apps(d: &mut Diagnostics, a: &Obj<'_>) -> Option<ClientApplicationCondition> {
    let out = ClientApplicationCondition {
        include_service_principals: id_list(d, a, "includeServicePrincipals", SP_INCLUDE),
        exclude_service_principals: id_list(d, a, "excludeServicePrincipals", PLAIN),
        filter: parse_filter(
            d,
            a,
            "servicePrincipalFilter",
            FilterDomain::CustomSecurityAttributes,
        ),
    };
    unsupported_members(d, a);
    (!out.include_service_principals.is_empty()
        || !out.exclude_service_principals.is_empty()
        || out.filter.is_some())
    .then_some(out)
}

/// New members of a condition object (for example `includeAgentIdServicePrincipals`,
/// `agentIdServicePrincipalFilter`) are conditions this version does not evaluate: a warning,
/// and the policy applies at least as broadly (§1.2).
fn unsupported_members(d: &mut Diagnostics, o: &Obj<'_>) {
    for (key, _) in o.unread() {
        d.warn(
            "unsupportedCondition",
            &o.at(key),
            format!("condition \"{key}\" is not supported; the policy is evaluated as if it were absent (applies at least as broadly)"),
        );
    }
}

fn parse_applications(d: &mut Diagnostics, a: &Obj<'_>) -> Option<ApplicationCondition> {
    let mut out = ApplicationCondition {
        include_applications: id_list(d, a, "includeApplications", APP_INCLUDE),
        exclude_applications: id_list(d, a, "excludeApplications", APP_EXCLUDE),
        include_user_actions: Vec::new(),
        include_auth_contexts: Vec::new(),
        filter: parse_filter(
            d,
            a,
            "applicationFilter",
            FilterDomain::CustomSecurityAttributes,
        ),
    };
    for (s, path) in a.strings(d, "includeUserActions") {
        let action = UserAction::parse(s);
        if action.is_unknown() {
            d.warn(
                "unknownEnumValue",
                &path,
                format!("unknown user action \"{s}\" matches nothing"),
            );
        }
        out.include_user_actions.push(action);
    }
    for (s, path) in a.strings(d, "includeAuthenticationContextClassReferences") {
        let t = s.trim();
        if t.is_empty() || t.contains(char::is_whitespace) || t.contains(['<', '>']) {
            d.error(
                "invalidId",
                &path,
                format!("\"{s}\" is not an authentication context id (c1..c99)"),
            );
        } else {
            out.include_auth_contexts.push(t.to_ascii_lowercase());
        }
    }
    unsupported_members(d, a);
    (!out.include_applications.is_empty()
        || !out.exclude_applications.is_empty()
        || !out.include_user_actions.is_empty()
        || !out.include_auth_contexts.is_empty()
        || out.filter.is_some())
    .then_some(out)
}

fn parse_devices(d: &mut Diagnostics, c: &Obj<'_>) -> Option<DeviceCondition> {
    let mut out = DeviceCondition::default();
    if let Some(dev) = c.obj(d, "devices") {
        out.filter = parse_filter(d, &dev, "deviceFilter", FilterDomain::Device);
        for key in [
            "includeDevices",
            "excludeDevices",
            "includeDeviceStates",
            "excludeDeviceStates",
        ] {
            let values: Vec<String> = dev
                .strings(d, key)
                .into_iter()
                .map(|(s, _)| s.to_owned())
                .collect();
            if !values.is_empty() {
                d.warn(
                    "deprecatedDeviceStates",
                    &dev.at(key),
                    "deprecated device states are evaluated as Compliant => isCompliant, DomainJoined => trustType ServerAD",
                );
                if key.starts_with("include") {
                    out.include_states.extend(values);
                } else {
                    out.exclude_states.extend(values);
                }
            }
        }
    }
    if let Some(states) = c.obj(d, "deviceStates") {
        for (key, target) in [("includeStates", true), ("excludeStates", false)] {
            let values: Vec<String> = states
                .strings(d, key)
                .into_iter()
                .map(|(s, _)| s.to_owned())
                .collect();
            if !values.is_empty() {
                d.warn(
                    "deprecatedDeviceStates",
                    &states.at(key),
                    "deprecated device states are evaluated as Compliant => isCompliant, DomainJoined => trustType ServerAD",
                );
                if target {
                    out.include_states.extend(values);
                } else {
                    out.exclude_states.extend(values);
                }
            }
        }
    }
    (out.filter.is_some() || !out.include_states.is_empty() || !out.exclude_states.is_empty())
        .then_some(out)
}

fn parse_filter(
    d: &mut Diagnostics,
    parent: &Obj<'_>,
    key: &str,
    domain: FilterDomain,
) -> Option<Filter> {
    let f = parent.obj(d, key)?;
    let text = f.str(d, "rule").filter(|t| !t.trim().is_empty());
    if text.is_none()
        && f.get("rule")
            .is_some_and(|v| !matches!(v, Json::Null | Json::String(_)))
    {
        // A rule of the wrong type was reported as such.
        return None;
    }
    let mode_given = f.str(d, "mode").is_some_and(|m| !m.trim().is_empty());
    // A mode without a rule (or a rule without a mode) is a filter that lost half of itself:
    // dropping it would widen or narrow the policy silently (§1.6a).
    let text = match (text, mode_given) {
        (None, false) => return None,
        (None, true) => {
            d.error(
                "incompleteFilter",
                &f.at("rule"),
                "the filter has a mode but a missing or blank rule",
            );
            return None;
        }
        (Some(_), false) => {
            d.error(
                "incompleteFilter",
                &f.at("mode"),
                "the filter has a rule but no mode (include or exclude)",
            );
            return None;
        }
        (Some(t), true) => t,
    };
    let mode = match f.enumeration(d, "mode", FilterMode::parse) {
        Some(FilterMode::Unknown(m)) => {
            d.error(
                "invalidEnum",
                &f.at("mode"),
                format!("filter mode \"{m}\" is not include or exclude"),
            );
            return None;
        }
        Some(m) => m,
        None => {
            d.error(
                "missingField",
                &f.at("mode"),
                "filter mode (include or exclude) is required",
            );
            return None;
        }
    };
    match FilterRule::parse(text, domain) {
        Ok(rule) => Some(Filter {
            mode,
            text: text.to_owned(),
            rule,
        }),
        Err(e) => {
            d.error(
                "invalidFilter",
                &f.at("rule"),
                format!("filter rule does not parse {e}"),
            );
            None
        }
    }
}

fn parse_grant(d: &mut Diagnostics, g: &Obj<'_>) -> GrantControls {
    let operator = g
        .enumeration(d, "operator", GrantOperator::parse)
        .unwrap_or(GrantOperator::Or);
    if let GrantOperator::Unknown(op) = &operator {
        d.warn(
            "unknownEnumValue",
            &g.at("operator"),
            format!("unknown grant operator \"{op}\" is evaluated as AND (fail-closed)"),
        );
    }
    let built_in = g.flags(d, "builtInControls", GrantControl::parse);
    for c in &built_in {
        if c.is_unknown() {
            d.warn(
                "unknownGrantControl",
                &g.at("builtInControls"),
                format!("unknown grant control \"{c}\" can never be satisfied"),
            );
        }
    }
    let (strength, embedded_strength) = match g.obj(d, "authenticationStrength") {
        None => (None, None),
        Some(s) => match s.str(d, "id") {
            Some(id) if !id.trim().is_empty() => {
                let id = id.trim().to_ascii_lowercase();
                let has_more = s.has("allowedCombinations");
                let embedded = if has_more {
                    parse_strength(
                        d,
                        g.raw("authenticationStrength").unwrap_or(&Json::Null),
                        &child(&g.path, "authenticationStrength"),
                    )
                } else {
                    None
                };
                (Some(id), embedded)
            }
            _ => {
                d.error(
                    "missingField",
                    &child(&s.path, "id"),
                    "authenticationStrength needs an id",
                );
                (None, None)
            }
        },
    };
    let terms_of_use = id_list(d, g, "termsOfUse", PLAIN)
        .into_iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    let custom_factors = id_list(d, g, "customAuthenticationFactors", FREE)
        .into_iter()
        .map(|r| r.as_str().to_owned())
        .collect();
    GrantControls {
        operator,
        built_in,
        strength,
        embedded_strength,
        terms_of_use,
        custom_factors,
    }
}

fn parse_session(d: &mut Diagnostics, s: &Obj<'_>) -> SessionControls {
    let mut out = SessionControls::default();
    let enabled = |d: &mut Diagnostics, o: &Obj<'_>| o.bool(d, "isEnabled").unwrap_or(true);
    if let Some(f) = s.obj(d, "signInFrequency")
        && enabled(d, &f)
    {
        let interval = f
            .enumeration(d, "frequencyInterval", FrequencyInterval::parse)
            .unwrap_or(FrequencyInterval::TimeBased);
        let value = f.int(d, "value");
        let unit = f.enumeration(d, "type", FrequencyUnit::parse);
        let auth_type = f.enumeration(d, "authenticationType", FrequencyAuthType::parse);
        match &interval {
            FrequencyInterval::TimeBased => {
                let unit_ok = matches!(unit, Some(FrequencyUnit::Hours | FrequencyUnit::Days));
                if !unit_ok || value.is_none_or(|v| v <= 0) {
                    d.error(
                            "invalidSignInFrequency",
                            &f.path,
                            "a timeBased sign-in frequency needs type hours or days and a positive value",
                        );
                }
            }
            FrequencyInterval::EveryTime => {}
            FrequencyInterval::Unknown(v) => d.error(
                "invalidEnum",
                &f.at("frequencyInterval"),
                format!("unknown frequencyInterval \"{v}\""),
            ),
        }
        out.sign_in_frequency = Some(SignInFrequency {
            interval,
            value,
            unit,
            auth_type,
        });
    }
    if let Some(p) = s.obj(d, "persistentBrowser")
        && enabled(d, &p)
    {
        out.persistent_browser = p.enumeration(d, "mode", PersistentBrowserMode::parse);
    }
    if let Some(c) = s.obj(d, "cloudAppSecurity")
        && enabled(d, &c)
    {
        out.cloud_app_security =
            c.enumeration(d, "cloudAppSecurityType", CloudAppSecurityType::parse);
    }
    if let Some(a) = s.obj(d, "applicationEnforcedRestrictions") {
        out.application_enforced_restrictions = enabled(d, &a);
    }
    if let Some(c) = s.obj(d, "continuousAccessEvaluation") {
        out.continuous_access_evaluation = c.enumeration(d, "mode", CaeMode::parse);
    }
    if let Some(t) = s.obj(d, "secureSignInSession") {
        out.secure_sign_in_session = enabled(d, &t);
    }
    out.disable_resilience_defaults = s.bool(d, "disableResilienceDefaults").unwrap_or(false);
    for key in [
        "globalSecureAccessFilteringProfile",
        "networkAccessSecurity",
    ] {
        if let Some(v) = s.get(key) {
            out.passthrough
                .push((key.to_owned(), v.clone().into_owned()));
        }
    }
    out
}
