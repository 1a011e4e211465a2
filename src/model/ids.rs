//! Id lists with keywords (docs/SEMANTICS.md §1.5): every entry is a GUID, a keyword valid for that
//! list, an unknown bare word (warning, matches nothing) or an error (placeholders, spaces, empty).

use serde::Serialize;

use super::read::{Obj, is_bare_word, is_guid, truncate};
use crate::diag::Diagnostics;

/// Keywords that id lists accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Keyword {
    /// Everyone / everything.
    All,
    /// Nobody / nothing.
    None,
    /// Legacy selector: every guest and external user.
    GuestsOrExternalUsers,
    /// Every trusted location.
    AllTrusted,
    /// The Office 365 application group.
    Office365,
    /// The Microsoft Admin Portals application group.
    MicrosoftAdminPortals,
    /// Every service principal in the tenant.
    ServicePrincipalsInMyTenant,
}

impl Keyword {
    /// Graph's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::All => "All",
            Keyword::None => "None",
            Keyword::GuestsOrExternalUsers => "GuestsOrExternalUsers",
            Keyword::AllTrusted => "AllTrusted",
            Keyword::Office365 => "Office365",
            Keyword::MicrosoftAdminPortals => "MicrosoftAdminPortals",
            Keyword::ServicePrincipalsInMyTenant => "ServicePrincipalsInMyTenant",
        }
    }

    const EVERY: [Keyword; 7] = [
        Keyword::All,
        Keyword::None,
        Keyword::GuestsOrExternalUsers,
        Keyword::AllTrusted,
        Keyword::Office365,
        Keyword::MicrosoftAdminPortals,
        Keyword::ServicePrincipalsInMyTenant,
    ];

    fn parse(s: &str) -> Option<Keyword> {
        Keyword::EVERY
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s))
    }
}

/// One entry of an id list.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IdRef {
    /// An object id or appId, lowercased.
    Id(String),
    /// A keyword valid for this list.
    Keyword(Keyword),
    /// A bare word that is not a keyword here; it matches nothing.
    Unknown(String),
}

impl IdRef {
    /// The id, if this entry is one.
    pub fn id(&self) -> Option<&str> {
        match self {
            IdRef::Id(s) => Some(s),
            _ => None,
        }
    }

    /// Is this the given keyword?
    pub fn is(&self, k: Keyword) -> bool {
        matches!(self, IdRef::Keyword(x) if *x == k)
    }

    /// The text as Graph writes it.
    pub fn as_str(&self) -> &str {
        match self {
            IdRef::Id(s) | IdRef::Unknown(s) => s,
            IdRef::Keyword(k) => k.as_str(),
        }
    }
}

/// How the entries of one list are checked.
#[derive(Debug, Clone, Copy, Hash)]
pub struct IdRule {
    /// Keywords allowed in this list.
    pub keywords: &'static [Keyword],
    /// Whether non-GUID ids are acceptable (custom factor ids are free-form).
    pub free_form: bool,
}

impl IdRule {
    /// Only GUIDs and these keywords.
    pub const fn guids(keywords: &'static [Keyword]) -> IdRule {
        IdRule {
            keywords,
            free_form: false,
        }
    }
}

/// Reads an id list member, classifying each entry.
pub fn id_list(d: &mut Diagnostics, obj: &Obj<'_>, key: &str, rule: IdRule) -> Vec<IdRef> {
    let mut out = Vec::new();
    for (s, path) in obj.strings(d, key) {
        if let Some(entry) = classify(d, s, &path, rule) {
            out.push(entry);
        }
    }
    out
}

/// Classifies one id-list entry (§1.5), recording warnings and errors.
pub fn classify(d: &mut Diagnostics, s: &str, path: &str, rule: IdRule) -> Option<IdRef> {
    let t = s.trim();
    if is_guid(t) {
        return Some(IdRef::Id(t.to_ascii_lowercase()));
    }
    if let Some(k) = Keyword::parse(t) {
        if rule.keywords.contains(&k) {
            return Some(IdRef::Keyword(k));
        }
        if k == Keyword::All {
            d.error(
                "keywordNotAllowed",
                path,
                "\"All\" is not allowed in this list (Graph rejects it)",
            );
            return None;
        }
    }
    if t.contains("${") {
        d.error(
            "placeholder",
            path,
            format!(
                "\"{}\" is a Terraform reference, resolved only when Terraform applies; load `terraform show -json` output, where ids are resolved",
                truncate(s, 80)
            ),
        );
        return None;
    }
    if rule.free_form
        && !t.is_empty()
        && !t.contains(char::is_whitespace)
        && !t.contains(['<', '>'])
    {
        return Some(IdRef::Id(t.to_ascii_lowercase()));
    }
    if is_bare_word(t) {
        d.warn(
            "unknownKeyword",
            path,
            format!("\"{t}\" is not a keyword this version knows here; it matches nothing"),
        );
        return Some(IdRef::Unknown(t.to_owned()));
    }
    d.error(
        if t.contains(['<', '>', '%']) {
            "placeholder"
        } else {
            "invalidId"
        },
        path,
        format!(
            "\"{}\" is not a GUID or a keyword allowed here",
            truncate(s, 80)
        ),
    );
    None
}
