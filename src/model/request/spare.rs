//! Buffers kept from the requests a [`super::SignInReader`] read before, which the one-pass
//! reader fills instead of allocating: bounded in number and size, whatever a line holds.

use super::{Identity, SignInContext, SignInRequest};
use crate::model::enums::TransferMethod;

// What is kept is enough for a request's ids and device attributes, and bounded whatever a
// line holds.
/// Most strings kept.
const KEPT_STRINGS: usize = 64;
/// Most lists kept.
const KEPT_LISTS: usize = 8;
/// The largest string buffer kept, in bytes.
const KEPT_CAPACITY: usize = 256;
/// The largest list buffer kept, in entries.
const KEPT_LIST_CAPACITY: usize = 64;

/// Buffers kept from earlier requests, refilled instead of allocated. Kept strings still hold
/// an earlier request's text until they are refilled, so `Debug` shows only how many there are.
#[derive(Default)]
pub(super) struct Spare {
    strings: Vec<String>,
    lists: Vec<Vec<String>>,
    methods: Option<Vec<TransferMethod>>,
}

impl std::fmt::Debug for Spare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Spare")
            .field("strings", &self.strings.len())
            .field("lists", &self.lists.len())
            .finish_non_exhaustive()
    }
}

impl Spare {
    /// `text` in a kept buffer, or a new one.
    pub(super) fn string(&mut self, text: &str) -> String {
        let mut out = self.strings.pop().unwrap_or_default();
        out.clear();
        out.push_str(text);
        out
    }

    /// An empty list, kept or new.
    pub(super) fn list(&mut self) -> Vec<String> {
        self.lists.pop().unwrap_or_default()
    }

    /// An empty list of transfer methods, kept or new.
    pub(super) fn methods(&mut self) -> Vec<TransferMethod> {
        self.methods.take().unwrap_or_default()
    }

    fn keep(&mut self, s: String) {
        if s.capacity() > 0 && s.capacity() <= KEPT_CAPACITY && self.strings.len() < KEPT_STRINGS {
            self.strings.push(s);
        }
    }

    fn keep_some(&mut self, s: Option<String>) {
        if let Some(s) = s {
            self.keep(s);
        }
    }

    fn keep_list(&mut self, mut list: Vec<String>) {
        for s in list.drain(..) {
            self.keep(s);
        }
        if list.capacity() > 0
            && list.capacity() <= KEPT_LIST_CAPACITY
            && self.lists.len() < KEPT_LISTS
        {
            self.lists.push(list);
        }
    }

    /// Keeps the buffers of a request read before (only buffers: what it held is cleared
    /// before it is read into again).
    pub(super) fn keep_request(&mut self, r: SignInRequest) {
        let SignInRequest {
            id,
            identity,
            context,
            conditions,
            session,
            ..
        } = r;
        if let Some(serde_json::Value::String(s)) = id {
            self.keep(s);
        }
        match identity {
            Identity::User {
                user_id,
                external_tenant_id,
                ..
            } => {
                self.keep(user_id);
                self.keep_some(external_tenant_id);
            }
            Identity::ServicePrincipal {
                service_principal_id,
            } => self.keep(service_principal_id),
        }
        match context {
            SignInContext::Applications(apps) => self.keep_list(apps),
            SignInContext::AuthContext(value) => self.keep(value),
            SignInContext::UserAction(_) => {}
        }
        self.keep_some(conditions.country);
        let mut methods = conditions.transfer_methods;
        if methods.capacity() > 0 && methods.capacity() <= KEPT_LIST_CAPACITY {
            methods.clear();
            self.methods = Some(methods);
        }
        if let Some(d) = conditions.device {
            for s in [
                d.device_id,
                d.display_name,
                d.enrollment_profile_name,
                d.manufacturer,
                d.mdm_app_id,
                d.model,
                d.operating_system,
                d.operating_system_version,
                d.ownership,
                d.profile_type,
                d.trust_type,
            ] {
                self.keep_some(s);
            }
            for s in d.extension_attributes {
                self.keep_some(s);
            }
            for list in [d.physical_ids, d.system_labels].into_iter().flatten() {
                self.keep_list(list);
            }
        }
        for list in [
            session.unknown_methods,
            session.accepted_terms_of_use,
            session.satisfied_auth_contexts,
            session.custom_factors,
        ] {
            self.keep_list(list);
        }
        self.keep_some(session.fido2_aaguid);
        self.keep_some(session.gps_country);
        if let Some(c) = session.certificate {
            self.keep_some(c.issuer_ski);
            self.keep_list(c.policy_oids);
        }
    }
}
