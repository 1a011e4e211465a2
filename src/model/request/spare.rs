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

    #[inline]
    fn keep_list(&mut self, list: Vec<String>) {
        // Most of a request's lists are empty and never allocated: nothing to keep.
        if list.capacity() > 0 {
            self.keep_list_buffers(list);
        }
    }

    fn keep_list_buffers(&mut self, mut list: Vec<String>) {
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

    /// Takes the buffers of a request read before (only buffers: the request is made blank
    /// again before it is read into).
    pub(super) fn keep_request(&mut self, r: &mut SignInRequest) {
        use std::mem::take;
        if let Some(serde_json::Value::String(s)) = r.id.take() {
            self.keep(s);
        }
        match &mut r.identity {
            Identity::User {
                user_id,
                external_tenant_id,
                ..
            } => {
                self.keep(take(user_id));
                self.keep_some(external_tenant_id.take());
            }
            Identity::ServicePrincipal {
                service_principal_id,
            } => self.keep(take(service_principal_id)),
        }
        match &mut r.context {
            SignInContext::Applications(apps) => self.keep_list(take(apps)),
            SignInContext::AuthContext(value) => self.keep(take(value)),
            SignInContext::UserAction(_) => {}
        }
        let c = &mut r.conditions;
        self.keep_some(c.country.take());
        let mut methods = take(&mut c.transfer_methods);
        if methods.capacity() > 0 && methods.capacity() <= KEPT_LIST_CAPACITY {
            methods.clear();
            self.methods = Some(methods);
        }
        if let Some(d) = &mut c.device {
            for s in [
                &mut d.device_id,
                &mut d.display_name,
                &mut d.enrollment_profile_name,
                &mut d.manufacturer,
                &mut d.mdm_app_id,
                &mut d.model,
                &mut d.operating_system,
                &mut d.operating_system_version,
                &mut d.ownership,
                &mut d.profile_type,
                &mut d.trust_type,
            ]
            .into_iter()
            .chain(&mut d.extension_attributes)
            {
                self.keep_some(s.take());
            }
            for list in [&mut d.physical_ids, &mut d.system_labels] {
                if let Some(list) = list.take() {
                    self.keep_list(list);
                }
            }
        }
        let session = &mut r.session;
        for list in [
            &mut session.unknown_methods,
            &mut session.accepted_terms_of_use,
            &mut session.satisfied_auth_contexts,
            &mut session.custom_factors,
        ] {
            self.keep_list(take(list));
        }
        self.keep_some(session.fido2_aaguid.take());
        self.keep_some(session.gps_country.take());
        if let Some(c) = &mut session.certificate {
            self.keep_some(c.issuer_ski.take());
            self.keep_list(take(&mut c.policy_oids));
        }
    }
}
