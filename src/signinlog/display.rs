//! The display strings and vocabularies sign-in logs write (`clientAppUsed`, an operating system,
//! a trust type, an authentication method, an access type), read as the engine's values, in any
//! case and without copies.

use crate::model::enums::{AuthMethod, ClientAppType, GuestType, Platform};

/// Does `text` start with `prefix`, in any case?
pub(super) fn starts_with_any_case(text: &str, prefix: &str) -> bool {
    text.as_bytes()
        .get(..prefix.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Does `text` hold `part`, in any case?
pub(super) fn contains_any_case(text: &str, part: &str) -> bool {
    part.is_empty()
        || text
            .as_bytes()
            .windows(part.len())
            .any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
}

/// `clientAppUsed` → client app type: Browser, Mobile Apps and Desktop clients, Exchange
/// ActiveSync, and every legacy protocol as `other`. `None` for a value not in the table.
pub fn client_app(used: &str) -> Option<ClientAppType> {
    const MODERN: [(&str, ClientAppType); 4] = [
        ("browser", ClientAppType::Browser),
        (
            "mobile apps and desktop clients",
            ClientAppType::MobileAppsAndDesktopClients,
        ),
        ("exchange activesync", ClientAppType::ExchangeActiveSync),
        (
            "exchange activesync (eas)",
            ClientAppType::ExchangeActiveSync,
        ),
    ];
    const LEGACY: [&str; 17] = [
        "imap4",
        "imap",
        "pop3",
        "pop",
        "smtp",
        "authenticated smtp",
        "mapi over http",
        "mapi",
        "exchange web services",
        "exchange online powershell",
        "autodiscover",
        "offline address book",
        "outlook anywhere (rpc over http)",
        "reporting web services",
        "other clients",
        "universal outlook",
        "outlook service",
    ];
    let u = used.trim();
    MODERN
        .iter()
        .find(|(name, _)| u.eq_ignore_ascii_case(name))
        .map(|(_, c)| c.clone())
        .or_else(|| {
            LEGACY
                .iter()
                .any(|name| u.eq_ignore_ascii_case(name))
                .then_some(ClientAppType::Other)
        })
}

/// `deviceDetail.operatingSystem` → device platform; `None` when the log's value names no
/// platform Conditional Access knows (then the platform is missing data, never a guess).
pub fn platform(os: &str) -> Option<Platform> {
    let o = os.trim();
    let starts = |prefix: &str| starts_with_any_case(o, prefix);
    if starts("windows phone") || starts("windowsphone") {
        Some(Platform::WindowsPhone)
    } else if starts("windows") {
        Some(Platform::Windows)
    } else if starts("ios") || starts("ipados") {
        Some(Platform::IOs)
    } else if starts("android") {
        Some(Platform::Android)
    } else if starts("macos") || starts("mac os") || starts("macintosh") {
        Some(Platform::MacOs)
    } else if starts("linux") || starts("ubuntu") {
        Some(Platform::Linux)
    } else {
        None
    }
}

/// `deviceDetail.trustType` as the portal and Graph write it → `trustType` as device filters
/// read it.
pub(super) fn trust_type(t: &str) -> Option<&'static str> {
    let t = t.trim();
    let has = |part: &str| contains_any_case(t, part);
    if has("hybrid") || t.eq_ignore_ascii_case("serverad") {
        Some("ServerAD")
    } else if has("joined") || t.eq_ignore_ascii_case("azuread") {
        Some("AzureAD")
    } else if has("registered") || t.eq_ignore_ascii_case("workplace") {
        Some("Workplace")
    } else {
        None
    }
}

/// An `authenticationDetails[].authenticationMethod` display string → the method it proves;
/// `None` for text that names no method ("Previously satisfied" and "Satisfied by token" are
/// read by the caller). "OATH verification code" is logged for hardware and software tokens
/// alike (Microsoft's sign-in log details page); it is read as a software token.
pub fn auth_method(text: &str) -> Option<AuthMethod> {
    let t = text.trim();
    if starts_with_any_case(t, "phone call") {
        return Some(AuthMethod::Voice);
    }
    // Lower-cased on the stack and matched once, rather than compared with each name in turn.
    // Text longer than the longest name names none.
    let mut buf = [0u8; 40];
    let lower = buf.get_mut(..t.len())?;
    lower.copy_from_slice(t.as_bytes());
    lower.make_ascii_lowercase();
    Some(match &*lower {
        b"password" | b"password hash sync" | b"pass-through authentication" => {
            AuthMethod::Password
        }
        b"mobile app notification" | b"authenticator app" | b"microsoft authenticator app" => {
            AuthMethod::MicrosoftAuthenticatorPush
        }
        b"text message" | b"sms" => AuthMethod::Sms,
        b"voice" | b"voice call" => AuthMethod::Voice,
        b"oath verification code" | b"software oath token" | b"mobile app verification code" => {
            AuthMethod::SoftwareOath
        }
        b"hardware oath token" => AuthMethod::HardwareOath,
        b"fido2 security key" | b"passkey (device-bound)" | b"passkey" => AuthMethod::Fido2,
        b"windows hello for business" => AuthMethod::WindowsHelloForBusiness,
        b"passwordless phone sign-in" | b"passwordless microsoft authenticator" => {
            AuthMethod::DeviceBasedPush
        }
        b"temporary access pass" => AuthMethod::TemporaryAccessPassOneTime,
        b"email otp" | b"email one-time passcode" => AuthMethod::Email,
        b"x.509 certificate" | b"certificate-based authentication" => {
            AuthMethod::X509CertificateMultiFactor
        }
        b"qr code" | b"qr code pin" => AuthMethod::QrCodePin,
        _ => return None,
    })
}

/// `userType` and `crossTenantAccessType` → the guest or external user types, `Some` of none for
/// a member; `None` when the log's values name no type.
pub(super) fn guest_types(user_type: Option<&str>, access: Option<&str>) -> Option<Vec<GuestType>> {
    let guest = user_type.is_some_and(|t| t.eq_ignore_ascii_case("guest"));
    // The access type as the table spells it, when it is one Graph writes (no other is read).
    const ACCESS: [&str; 6] = [
        "b2bcollaboration",
        "b2bdirectconnect",
        "serviceprovider",
        "microsoftsupport",
        "passthrough",
        "none",
    ];
    let access = access.map(|a| ACCESS.iter().find(|k| a.eq_ignore_ascii_case(k)).copied());
    Some(match access {
        Some(Some("b2bcollaboration")) if guest => vec![GuestType::B2bCollaborationGuest],
        Some(Some("b2bcollaboration")) => vec![GuestType::B2bCollaborationMember],
        Some(Some("b2bdirectconnect")) => vec![GuestType::B2bDirectConnectUser],
        Some(Some("serviceprovider" | "microsoftsupport")) => vec![GuestType::ServiceProvider],
        Some(Some("passthrough")) => vec![GuestType::OtherExternalUser],
        Some(Some("none")) | None if guest => vec![GuestType::InternalGuest],
        Some(Some("none")) if user_type.is_some() => Vec::new(),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used, reason = "a test fails loudly")]

    use super::*;

    /// Each case's text, as the logs may spell it (as written, upper-case, lower-case, padded),
    /// reads as the case expects.
    fn reads_in_every_spelling<T: PartialEq + std::fmt::Debug>(
        read: impl Fn(&str) -> Option<T>,
        cases: &[(&str, Option<T>)],
    ) {
        for (text, expected) in cases {
            for t in [
                (*text).to_owned(),
                text.to_ascii_uppercase(),
                text.to_ascii_lowercase(),
                format!("  {text}\t"),
            ] {
                assert_eq!(read(&t), *expected, "{t}");
            }
        }
    }

    #[test]
    fn display_strings_read_in_any_case_and_only_whole() {
        reads_in_every_spelling(
            client_app,
            &[
                ("Browser", Some(ClientAppType::Browser)),
                (
                    "Mobile Apps and Desktop clients",
                    Some(ClientAppType::MobileAppsAndDesktopClients),
                ),
                (
                    "Exchange ActiveSync (EAS)",
                    Some(ClientAppType::ExchangeActiveSync),
                ),
                (
                    "Outlook Anywhere (RPC over HTTP)",
                    Some(ClientAppType::Other),
                ),
                ("IMAP", Some(ClientAppType::Other)),
                ("IMAP44", None),
                ("Browse", None),
                ("", None),
            ],
        );
        reads_in_every_spelling(
            platform,
            &[
                ("Windows Phone 8.1", Some(Platform::WindowsPhone)),
                ("WindowsPhone", Some(Platform::WindowsPhone)),
                ("Windows 11", Some(Platform::Windows)),
                ("iPadOS 17", Some(Platform::IOs)),
                ("Mac OS X", Some(Platform::MacOs)),
                ("Ubuntu 22.04", Some(Platform::Linux)),
                ("Win", None),
                ("ChromeOS", None),
            ],
        );
        reads_in_every_spelling(
            trust_type,
            &[
                ("Hybrid Azure AD joined", Some("ServerAD")),
                ("Azure AD joined", Some("AzureAD")),
                ("Microsoft Entra registered", Some("Workplace")),
                ("ServerAD", Some("ServerAD")),
                ("AzureAD", Some("AzureAD")),
                ("Workplace", Some("Workplace")),
                ("Joine", None),
                ("", None),
            ],
        );
        reads_in_every_spelling(
            auth_method,
            &[
                ("Phone call to +31 6", Some(AuthMethod::Voice)),
                (
                    "Mobile app notification",
                    Some(AuthMethod::MicrosoftAuthenticatorPush),
                ),
                ("OATH verification code", Some(AuthMethod::SoftwareOath)),
                ("Passkey (device-bound)", Some(AuthMethod::Fido2)),
                (
                    "X.509 Certificate",
                    Some(AuthMethod::X509CertificateMultiFactor),
                ),
                ("QR code PIN", Some(AuthMethod::QrCodePin)),
                ("Passwords", None),
                ("Previously satisfied", None),
            ],
        );
    }

    #[test]
    fn access_types_read_in_any_case() {
        for (user_type, access, expected) in [
            (
                "Guest",
                "B2BCOLLABORATION",
                Some(vec![GuestType::B2bCollaborationGuest]),
            ),
            (
                "Member",
                "b2bCollaboration",
                Some(vec![GuestType::B2bCollaborationMember]),
            ),
            (
                "Member",
                "B2bDirectConnect",
                Some(vec![GuestType::B2bDirectConnectUser]),
            ),
            (
                "Member",
                "MicrosoftSupport",
                Some(vec![GuestType::ServiceProvider]),
            ),
            (
                "Member",
                "PASSTHROUGH",
                Some(vec![GuestType::OtherExternalUser]),
            ),
            ("Guest", "None", Some(vec![GuestType::InternalGuest])),
            ("Member", "NONE", Some(Vec::new())),
            ("Member", "b2b", None),
        ] {
            assert_eq!(
                guest_types(Some(user_type), Some(access)),
                expected,
                "{user_type} {access}"
            );
        }
        assert_eq!(
            guest_types(Some("guest"), None).unwrap(),
            [GuestType::InternalGuest]
        );
        assert_eq!(guest_types(Some("Member"), None), None);
    }
}
