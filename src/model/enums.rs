//! Graph enumerations, read case-insensitively, with an explicit `Unknown` for values this version
//! does not know (docs/SEMANTICS.md §1.3). Output always uses Graph's canonical spelling.

/// Defines a Graph enum with case-insensitive parsing, aliases, and an `Unknown(String)` variant.
macro_rules! graph_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know (including `unknownFutureValue`), kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Graph's canonical spelling of every known value, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// Parses a Graph value case-insensitively; anything else becomes `Unknown`.
            pub fn parse(s: &str) -> Self {
                let t = $crate::model::read::trimmed(s);
                let b = t.as_bytes();
                $(
                    if $crate::json::shape::same_in_any_case(b, $text.as_bytes())
                        $(|| $crate::json::shape::same_in_any_case(b, $alias.as_bytes()))*
                    {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(t.to_owned())
            }

            /// Graph's canonical spelling (or the original text of an `Unknown`).
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Unknown(s) => s,
                }
            }

            /// True for the `Unknown` variant.
            pub fn is_unknown(&self) -> bool {
                matches!(self, Self::Unknown(_))
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl $crate::model::enums::Spelled for $name {
            fn text(&self) -> &str {
                self.as_str()
            }

            fn is_unknown(&self) -> bool {
                // The inherent method.
                $name::is_unknown(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use graph_enum;

/// A Graph enumeration's value as a decision's JSON writes it (`json_out::spelling`): its text,
/// and whether that is the export's own text rather than a spelling the enumeration knows.
pub(crate) trait Spelled {
    /// Graph's canonical spelling, or the original text of an unknown value.
    fn text(&self) -> &str;
    /// Is it an unknown value, whose text came from the export?
    fn is_unknown(&self) -> bool;
}

graph_enum! {
    /// `conditionalAccessPolicyState`.
    PolicyState {
        /// Evaluated and enforced.
        Enabled = "enabled",
        /// Not evaluated.
        Disabled = "disabled",
        /// Report-only: evaluated and reported, never enforced.
        ReportOnly = "enabledForReportingButNotEnforced",
    }
}

graph_enum! {
    /// `conditionalAccessDevicePlatform`.
    #[non_exhaustive]
    Platform {
        /// Android.
        Android = "android",
        /// iOS and iPadOS.
        IOs = "iOS",
        /// Windows.
        Windows = "windows",
        /// Windows Phone.
        WindowsPhone = "windowsPhone",
        /// macOS.
        MacOs = "macOS",
        /// Every platform (policy side); an unknown platform on the request side.
        All = "all",
        /// Linux.
        Linux = "linux",
    }
}

graph_enum! {
    /// `conditionalAccessClientApp`, with the legacy aliases of §1.3.4.
    #[non_exhaustive]
    ClientAppType {
        /// Every client app type.
        All = "all",
        /// Browsers.
        Browser = "browser",
        /// Modern-authentication apps and desktop clients.
        MobileAppsAndDesktopClients = "mobileAppsAndDesktopClients" | "modern",
        /// Exchange ActiveSync clients.
        ExchangeActiveSync = "exchangeActiveSync" | "easUnsupported" | "easSupported",
        /// Other legacy clients.
        Other = "other",
    }
}

graph_enum! {
    /// `riskLevel` (sign-in, user and service principal risk).
    #[non_exhaustive]
    RiskLevel {
        /// Low.
        Low = "low",
        /// Medium.
        Medium = "medium",
        /// High.
        High = "high",
        /// Hidden.
        Hidden = "hidden",
        /// No risk.
        None = "none",
    }
}

graph_enum! {
    /// `conditionalAccessInsiderRiskLevels` (flags) and the request's insider risk level.
    #[non_exhaustive]
    InsiderRiskLevel {
        /// No insider risk (request side only).
        None = "none",
        /// Minor.
        Minor = "minor",
        /// Moderate.
        Moderate = "moderate",
        /// Elevated.
        Elevated = "elevated",
    }
}

graph_enum! {
    /// `conditionalAccessGuestOrExternalUserTypes` (flags).
    #[non_exhaustive]
    GuestType {
        /// No guest type.
        None = "none",
        /// Local guest account.
        InternalGuest = "internalGuest",
        /// B2B collaboration guest.
        B2bCollaborationGuest = "b2bCollaborationGuest",
        /// B2B collaboration member.
        B2bCollaborationMember = "b2bCollaborationMember",
        /// B2B direct connect user.
        B2bDirectConnectUser = "b2bDirectConnectUser",
        /// Any other external user.
        OtherExternalUser = "otherExternalUser",
        /// Service provider user.
        ServiceProvider = "serviceProvider",
    }
}

impl GuestType {
    /// The flag bit of a known guest type (0 for `none` and unknown values).
    pub fn bit(&self) -> u8 {
        match self {
            GuestType::InternalGuest => 1,
            GuestType::B2bCollaborationGuest => 2,
            GuestType::B2bCollaborationMember => 4,
            GuestType::B2bDirectConnectUser => 8,
            GuestType::OtherExternalUser => 16,
            GuestType::ServiceProvider => 32,
            GuestType::None | GuestType::Unknown(_) => 0,
        }
    }
}

impl Default for RiskLevel {
    /// What If's default when a request states no risk.
    fn default() -> Self {
        RiskLevel::None
    }
}

impl Default for InsiderRiskLevel {
    /// No insider risk.
    fn default() -> Self {
        InsiderRiskLevel::None
    }
}

graph_enum! {
    /// `conditionalAccessTransferMethods` (flags).
    #[non_exhaustive]
    TransferMethod {
        /// None.
        None = "none",
        /// Device code flow.
        DeviceCodeFlow = "deviceCodeFlow",
        /// Authentication transfer.
        AuthenticationTransfer = "authenticationTransfer",
    }
}

graph_enum! {
    /// `conditionalAccessGrantControl`.
    GrantControl {
        /// Block access.
        Block = "block",
        /// Require multifactor authentication.
        Mfa = "mfa",
        /// Require a compliant device.
        CompliantDevice = "compliantDevice",
        /// Require a hybrid-joined device.
        DomainJoinedDevice = "domainJoinedDevice",
        /// Require an approved client app.
        ApprovedApplication = "approvedApplication",
        /// Require an app protection policy.
        CompliantApplication = "compliantApplication",
        /// Require a password change.
        PasswordChange = "passwordChange",
        /// Require risk remediation.
        RiskRemediation = "riskRemediation",
    }
}

graph_enum! {
    /// The grant operator.
    GrantOperator {
        /// Every control is required.
        And = "AND",
        /// One control is enough.
        Or = "OR",
    }
}

graph_enum! {
    /// Filter mode of device, application and service principal filters.
    FilterMode {
        /// The rule selects what is in scope.
        Include = "include",
        /// The rule selects what is out of scope.
        Exclude = "exclude",
    }
}

graph_enum! {
    /// User actions, in the policy's URN form (the request's names are aliases).
    #[non_exhaustive]
    UserAction {
        /// Register security information.
        RegisterSecurityInformation = "urn:user:registersecurityinfo" | "registerSecurityInformation",
        /// Register or join devices.
        RegisterOrJoinDevices = "urn:user:registerdevice" | "registerOrJoinDevices",
    }
}

impl UserAction {
    /// The name the What If request uses (`userActionContext.userAction`).
    pub fn request_name(&self) -> &str {
        match self {
            UserAction::RegisterSecurityInformation => "registerSecurityInformation",
            UserAction::RegisterOrJoinDevices => "registerOrJoinDevices",
            UserAction::Unknown(s) => s,
        }
    }
}

graph_enum! {
    /// `signInFrequencyAuthenticationType`.
    FrequencyAuthType {
        /// Full re-authentication.
        PrimaryAndSecondary = "primaryAndSecondaryAuthentication",
        /// Second factor only.
        Secondary = "secondaryAuthentication",
    }
}

graph_enum! {
    /// `signInFrequencyInterval`.
    FrequencyInterval {
        /// After a fixed time.
        TimeBased = "timeBased",
        /// Every time (with a five-minute allowance).
        EveryTime = "everyTime",
    }
}

graph_enum! {
    /// `signinFrequencyType`.
    FrequencyUnit {
        /// Days.
        Days = "days",
        /// Hours.
        Hours = "hours",
    }
}

graph_enum! {
    /// `persistentBrowserSessionMode`.
    PersistentBrowserMode {
        /// Always persistent.
        Always = "always",
        /// Never persistent.
        Never = "never",
    }
}

graph_enum! {
    /// `cloudAppSecuritySessionControlType`.
    CloudAppSecurityType {
        /// Use the custom policy configured in Defender for Cloud Apps.
        McasConfigured = "mcasConfigured",
        /// Monitor only.
        MonitorOnly = "monitorOnly",
        /// Block downloads.
        BlockDownloads = "blockDownloads",
    }
}

graph_enum! {
    /// Continuous access evaluation mode (beta).
    CaeMode {
        /// Strict enforcement.
        StrictEnforcement = "strictEnforcement",
        /// Disabled.
        Disabled = "disabled",
        /// Strict location enforcement.
        StrictLocation = "strictLocation",
    }
}

graph_enum! {
    /// `countryLookupMethodType`.
    CountryLookupMethod {
        /// The client IP address (default).
        ClientIpAddress = "clientIpAddress",
        /// GPS from the Authenticator app.
        AuthenticatorAppGps = "authenticatorAppGps",
    }
}

graph_enum! {
    /// `authenticationStrengthPolicyType`.
    StrengthPolicyType {
        /// Microsoft's built-in strengths.
        BuiltIn = "builtIn",
        /// Tenant-defined strengths.
        Custom = "custom",
    }
}

graph_enum! {
    /// A user's `userType`.
    UserType {
        /// A member.
        Member = "Member",
        /// A guest.
        Guest = "Guest",
    }
}

graph_enum! {
    /// `authenticationMethodModes` (flags; docs/SEMANTICS.md §4.2).
    #[non_exhaustive]
    AuthMethod {
        /// Password.
        Password = "password",
        /// Voice call.
        Voice = "voice",
        /// Hardware OATH token.
        HardwareOath = "hardwareOath",
        /// Software OATH token.
        SoftwareOath = "softwareOath",
        /// SMS.
        Sms = "sms",
        /// FIDO2 security key.
        Fido2 = "fido2",
        /// Windows Hello for Business.
        WindowsHelloForBusiness = "windowsHelloForBusiness",
        /// Microsoft Authenticator push.
        MicrosoftAuthenticatorPush = "microsoftAuthenticatorPush",
        /// Device-based push (passwordless phone sign-in).
        DeviceBasedPush = "deviceBasedPush",
        /// One-time Temporary Access Pass.
        TemporaryAccessPassOneTime = "temporaryAccessPassOneTime",
        /// Multi-use Temporary Access Pass.
        TemporaryAccessPassMultiUse = "temporaryAccessPassMultiUse",
        /// Email one-time passcode.
        Email = "email",
        /// Single-factor certificate.
        X509CertificateSingleFactor = "x509CertificateSingleFactor",
        /// Multifactor certificate.
        X509CertificateMultiFactor = "x509CertificateMultiFactor",
        /// Federated single factor.
        FederatedSingleFactor = "federatedSingleFactor",
        /// Federated multifactor.
        FederatedMultiFactor = "federatedMultiFactor",
        /// QR code and PIN.
        QrCodePin = "qrCodePin",
    }
}

impl AuthMethod {
    /// The method's flag value (0 for unknown methods, which prove nothing).
    pub fn bit(&self) -> u32 {
        match self {
            AuthMethod::Password => 1,
            AuthMethod::Voice => 2,
            AuthMethod::HardwareOath => 4,
            AuthMethod::SoftwareOath => 8,
            AuthMethod::Sms => 16,
            AuthMethod::Fido2 => 32,
            AuthMethod::WindowsHelloForBusiness => 64,
            AuthMethod::MicrosoftAuthenticatorPush => 128,
            AuthMethod::DeviceBasedPush => 256,
            AuthMethod::TemporaryAccessPassOneTime => 512,
            AuthMethod::TemporaryAccessPassMultiUse => 1024,
            AuthMethod::Email => 2048,
            AuthMethod::X509CertificateSingleFactor => 4096,
            AuthMethod::X509CertificateMultiFactor => 8192,
            AuthMethod::FederatedSingleFactor => 16384,
            AuthMethod::FederatedMultiFactor => 32768,
            AuthMethod::QrCodePin => 131_072,
            AuthMethod::Unknown(_) => 0,
        }
    }

    /// Every known method, in flag order.
    pub const ALL: [AuthMethod; 17] = [
        AuthMethod::Password,
        AuthMethod::Voice,
        AuthMethod::HardwareOath,
        AuthMethod::SoftwareOath,
        AuthMethod::Sms,
        AuthMethod::Fido2,
        AuthMethod::WindowsHelloForBusiness,
        AuthMethod::MicrosoftAuthenticatorPush,
        AuthMethod::DeviceBasedPush,
        AuthMethod::TemporaryAccessPassOneTime,
        AuthMethod::TemporaryAccessPassMultiUse,
        AuthMethod::Email,
        AuthMethod::X509CertificateSingleFactor,
        AuthMethod::X509CertificateMultiFactor,
        AuthMethod::FederatedSingleFactor,
        AuthMethod::FederatedMultiFactor,
        AuthMethod::QrCodePin,
    ];
}

graph_enum! {
    /// PIM `memberType`.
    MemberType {
        /// Held by the principal itself.
        Direct = "Direct",
        /// Held through a group.
        Group = "Group",
        /// Inherited from a parent scope.
        Inherited = "Inherited",
    }
}

graph_enum! {
    /// PIM `assignmentType`.
    AssignmentType {
        /// Assigned by an administrator.
        Assigned = "Assigned",
        /// Activated from an eligibility.
        Activated = "Activated",
    }
}

graph_enum! {
    /// PIM for Groups `accessId`.
    #[non_exhaustive]
    AccessId {
        /// Group membership.
        Member = "member",
        /// Group ownership.
        Owner = "owner",
    }
}

graph_enum! {
    /// `unifiedRoleScheduleRequestActions`.
    #[non_exhaustive]
    ScheduleAction {
        /// Admin assigns.
        AdminAssign = "adminAssign",
        /// Admin updates.
        AdminUpdate = "adminUpdate",
        /// Admin removes.
        AdminRemove = "adminRemove",
        /// User activates.
        SelfActivate = "selfActivate",
        /// User deactivates.
        SelfDeactivate = "selfDeactivate",
        /// Admin extends.
        AdminExtend = "adminExtend",
        /// Admin renews.
        AdminRenew = "adminRenew",
        /// User asks for an extension.
        SelfExtend = "selfExtend",
        /// User asks for a renewal.
        SelfRenew = "selfRenew",
    }
}

graph_enum! {
    /// `expirationPatternType`.
    ExpirationType {
        /// Unspecified.
        NotSpecified = "notSpecified",
        /// No end.
        NoExpiration = "noExpiration",
        /// Ends at `endDateTime`.
        AfterDateTime = "afterDateTime",
        /// Ends after `duration`.
        AfterDuration = "afterDuration",
    }
}

graph_enum! {
    /// PIM approval mode.
    ApprovalMode {
        /// One stage.
        SingleStage = "SingleStage",
        /// Serial stages.
        Serial = "Serial",
        /// Parallel stages.
        Parallel = "Parallel",
        /// No approval.
        NoApproval = "NoApproval",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every canonical name of every enumeration.
    fn every_name() -> Vec<&'static str> {
        [
            PolicyState::NAMES,
            Platform::NAMES,
            ClientAppType::NAMES,
            RiskLevel::NAMES,
            InsiderRiskLevel::NAMES,
            GuestType::NAMES,
            TransferMethod::NAMES,
            GrantControl::NAMES,
            GrantOperator::NAMES,
            FilterMode::NAMES,
            UserAction::NAMES,
            FrequencyAuthType::NAMES,
            FrequencyInterval::NAMES,
            FrequencyUnit::NAMES,
            PersistentBrowserMode::NAMES,
            CloudAppSecurityType::NAMES,
            CaeMode::NAMES,
            CountryLookupMethod::NAMES,
            StrengthPolicyType::NAMES,
            UserType::NAMES,
            AuthMethod::NAMES,
            MemberType::NAMES,
            AssignmentType::NAMES,
            AccessId::NAMES,
            ScheduleAction::NAMES,
            ExpirationType::NAMES,
            ApprovalMode::NAMES,
        ]
        .concat()
    }

    /// A known spelling is written into a decision as it is (`json_out::spelling`): none may
    /// hold a byte JSON escapes.
    #[test]
    fn no_spelling_needs_escaping() {
        for name in every_name() {
            assert_eq!(
                crate::json::plain::plain_len(name.as_bytes()),
                name.len(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_spelling_matches_exactly_as_eq_ignore_ascii_case_does() {
        // Every canonical name of every enumeration (some begin with a capital: `AND`,
        // `Member`), against itself in every case, with one byte changed at every place (its
        // case, or a byte that is the same with 0x20 set or cleared but is not a letter), cut
        // short, lengthened, and empty.
        let names = every_name();
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
        );
        let mut checked = 0;
        for text in &names {
            let t = text.as_bytes();
            let mut tries: Vec<Vec<u8>> = vec![
                t.to_vec(),
                text.to_ascii_uppercase().into_bytes(),
                text.to_ascii_lowercase().into_bytes(),
                t.get(1..).unwrap_or_default().to_vec(),
                [t, b"x"].concat(),
                Vec::new(),
                "\u{e9}".repeat(t.len() / 2).into_bytes(),
            ];
            for at in 0..t.len() {
                for change in [0x20u8, 0x01] {
                    let mut b = t.to_vec();
                    if let Some(x) = b.get_mut(at) {
                        *x ^= change;
                    }
                    tries.push(b);
                }
                for c in [b'@', b'`', b'[', b'{', b'0', 0xC3] {
                    let mut b = t.to_vec();
                    if let Some(x) = b.get_mut(at) {
                        *x = c;
                    }
                    tries.push(b);
                }
            }
            for other in &names {
                tries.push(other.as_bytes().to_vec());
            }
            for b in &tries {
                assert_eq!(
                    crate::json::shape::same_in_any_case(b, t),
                    b.eq_ignore_ascii_case(t),
                    "{:?} as {text}",
                    String::from_utf8_lossy(b)
                );
                checked += 1;
            }
        }
        assert!(checked > 5_000, "{checked}");
    }

    #[test]
    fn values_are_trimmed_as_str_trim_trims_them() {
        assert_eq!(RiskLevel::parse(" High\u{3000}"), RiskLevel::High);
    }

    #[test]
    fn enums_are_case_insensitive_with_canonical_output() {
        assert_eq!(GrantControl::parse("Mfa"), GrantControl::Mfa);
        assert_eq!(
            GrantControl::parse("COMPLIANTDEVICE").as_str(),
            "compliantDevice"
        );
        assert_eq!(GrantOperator::parse("and"), GrantOperator::And);
        assert_eq!(Platform::parse("IOS"), Platform::IOs);
        assert_eq!(
            ExpirationType::parse("AfterDuration"),
            ExpirationType::AfterDuration
        );
        assert_eq!(AccessId::parse("Member"), AccessId::Member);
    }

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(
            GrantControl::parse("unknownFutureValue"),
            GrantControl::Unknown("unknownFutureValue".into())
        );
        assert_eq!(Platform::parse("tvOS").as_str(), "tvOS");
        assert!(RiskLevel::parse("extreme").is_unknown());
    }

    #[test]
    fn legacy_aliases() {
        assert_eq!(
            ClientAppType::parse("easUnsupported"),
            ClientAppType::ExchangeActiveSync
        );
        assert_eq!(
            ClientAppType::parse("easSupported"),
            ClientAppType::ExchangeActiveSync
        );
        assert_eq!(
            ClientAppType::parse("modern"),
            ClientAppType::MobileAppsAndDesktopClients
        );
        assert_eq!(
            UserAction::parse("registerOrJoinDevices"),
            UserAction::parse("urn:user:registerdevice")
        );
    }

    #[test]
    fn method_bits_are_distinct() {
        let mut seen = 0u32;
        for m in AuthMethod::ALL {
            assert_eq!(seen & m.bit(), 0);
            seen |= m.bit();
            assert_eq!(AuthMethod::parse(m.as_str()), m);
        }
    }
}
