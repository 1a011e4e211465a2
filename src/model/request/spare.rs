//! Buffers kept from the requests a [`super::SignInReader`] read before, which the one-pass
//! reader fills instead of allocating: bounded in number and size, whatever a line holds.

use jiff::Timestamp;

use super::device_keys::{IS_COMPLIANT, device_list, device_string};
use super::{DeviceInfo, Identity, Session, SignInConditions, SignInContext, SignInRequest};
use crate::model::enums::TransferMethod;
use crate::model::strength::Certificate;

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
    /// The device members written by the read under way, a bit each.
    device_members: u32,
    /// The members of a device left in place by earlier reads (their buffers are refilled
    /// where they are) that the read under way has not written: it clears them when it has
    /// read its device ([`Spare::settle_device`]), or takes the device's buffers back when it
    /// has none ([`Spare::drop_device`]).
    device_left: u32,
    /// Has the read under way met a device (`deviceInfo` given, not null)?
    device_read: bool,
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

    /// Takes back the buffers of a list, if there is one.
    pub(super) fn keep_some_list(&mut self, list: Option<Vec<String>>) {
        if let Some(list) = list {
            self.keep_list(list);
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

    /// Takes the buffers of a request read before and leaves it blank, as a reader's first
    /// request is (its conditions' box kept): each field as its type's default makes it, the
    /// identity a user's with no id, the context no applications, the time the epoch. Every
    /// field is named here, so that a field added to a request cannot be left out: nothing of
    /// one request can carry over into the next.
    pub(super) fn recycle(&mut self, r: &mut SignInRequest) {
        use std::mem::{replace, take};
        let SignInRequest {
            id,
            identity,
            context,
            conditions,
            applied_policies_only,
            session,
            time,
            warnings,
        } = r;
        if let Some(serde_json::Value::String(s)) = id.take() {
            self.keep(s);
        }
        let blank_user = Identity::User {
            user_id: String::new(),
            external_tenant_id: None,
            external_user_type: None,
        };
        match replace(identity, blank_user) {
            Identity::User {
                user_id,
                external_tenant_id,
                external_user_type: _,
            } => {
                self.keep(user_id);
                self.keep_some(external_tenant_id);
            }
            Identity::ServicePrincipal {
                service_principal_id,
            } => self.keep(service_principal_id),
        }
        match replace(context, SignInContext::Applications(Vec::new())) {
            SignInContext::Applications(apps) => self.keep_list(apps),
            SignInContext::AuthContext(value) => self.keep(value),
            SignInContext::UserAction(_) => {}
        }
        let SignInConditions {
            platform,
            client_app_type,
            ip_address,
            country,
            sign_in_risk,
            user_risk,
            service_principal_risk,
            insider_risk,
            transfer_methods,
            device,
        } = &mut **conditions;
        *platform = Default::default();
        *client_app_type = Default::default();
        *ip_address = Default::default();
        self.keep_some(country.take());
        *sign_in_risk = Default::default();
        *user_risk = Default::default();
        *service_principal_risk = Default::default();
        *insider_risk = Default::default();
        let mut methods = take(transfer_methods);
        if methods.capacity() > 0 && methods.capacity() <= KEPT_LIST_CAPACITY {
            methods.clear();
            self.methods = Some(methods);
        }
        // A device stays where it is, for the next read to refill: what that read writes and
        // what it leaves are told apart by the marks. None left (a device given away with its
        // request, `SignInReader::take`, leaves none), no marks.
        self.device_left = if device.is_some() {
            self.device_left | self.device_members
        } else {
            0
        };
        self.device_members = 0;
        self.device_read = false;
        let Session {
            time: session_time,
            methods,
            unknown_methods,
            last_authenticated,
            last_mfa,
            accepted_terms_of_use,
            satisfied_auth_contexts,
            password_changed,
            custom_factors,
            approved_client_app,
            app_protection_policy,
            fido2_aaguid,
            certificate,
            gps_country,
        } = session;
        *session_time = Default::default();
        *methods = Default::default();
        for list in [
            unknown_methods,
            accepted_terms_of_use,
            satisfied_auth_contexts,
            custom_factors,
        ] {
            self.keep_list(take(list));
        }
        *last_authenticated = Default::default();
        *last_mfa = Default::default();
        *password_changed = Default::default();
        *approved_client_app = Default::default();
        *app_protection_policy = Default::default();
        self.keep_some(fido2_aaguid.take());
        self.keep_some(gps_country.take());
        if let Some(Certificate {
            issuer_ski,
            policy_oids,
        }) = certificate.take()
        {
            self.keep_some(issuer_ski);
            self.keep_list(policy_oids);
        }
        *applied_policies_only = Default::default();
        *time = Timestamp::UNIX_EPOCH;
        if !warnings.is_empty() {
            *warnings = Vec::new();
        }
    }

    /// A string member of the device written in place: its own buffer refilled where it has
    /// one (one grown past what is kept is let go, so a long line's buffer is not held), else
    /// one from the spare strings; taken back for null.
    pub(super) fn fill(&mut self, slot: &mut Option<String>, text: Option<&str>) {
        match (slot, text) {
            (Some(buf), Some(text)) if buf.capacity() <= KEPT_CAPACITY => {
                buf.clear();
                buf.push_str(text);
            }
            (slot, Some(text)) => *slot = Some(self.string(text)),
            (slot, None) => self.keep_some(slot.take()),
        }
    }

    /// The device this read is reading: the one left in place, else a blank one.
    pub(super) fn device<'d>(&mut self, device: &'d mut Option<DeviceInfo>) -> &'d mut DeviceInfo {
        self.device_read = true;
        device.get_or_insert_with(DeviceInfo::default)
    }

    /// Clears the members of `d` left from earlier reads that this one has not written, taking
    /// their buffers back: after it, `d` holds exactly what this read wrote.
    pub(super) fn settle_device(&mut self, d: &mut DeviceInfo) {
        let stale = self.device_left & !self.device_members;
        self.device_left = 0;
        self.clear_members(d, stale);
    }

    /// Takes the buffers of a device this read did not read (none given, or null) and leaves
    /// no device.
    pub(super) fn drop_device(&mut self, device: &mut Option<DeviceInfo>) {
        if let Some(d) = device {
            let members = self.device_left | self.device_members;
            self.clear_members(d, members);
        }
        *device = None;
        self.device_left = 0;
        self.device_members = 0;
    }

    /// Settles the device as a read that ends here must leave it: dropped if this read met
    /// none, else without what earlier reads left.
    pub(super) fn end_device(&mut self, device: &mut Option<DeviceInfo>) {
        match device {
            Some(d) if self.device_read => self.settle_device(d),
            _ => self.drop_device(device),
        }
    }

    /// Clears the members of `d` of the classes in `members` (a bit each), taking their
    /// buffers back; a device of a few members costs a look at those, not at all 26.
    fn clear_members(&mut self, d: &mut DeviceInfo, mut members: u32) {
        while members != 0 {
            let class = members.trailing_zeros() as usize;
            members &= members - 1;
            if let Some(list) = device_list(d, class).and_then(Option::take) {
                self.keep_list(list);
            } else if let Some(slot) = device_string(d, class) {
                self.keep_some(slot.take());
            } else if class == IS_COMPLIANT {
                d.is_compliant = None;
            }
        }
    }

    /// Marks the device member of class `i` (as `fast.rs` numbers `deviceInfo`'s keys) as
    /// written by this read, so that it is not cleared as left over, and its buffer is taken
    /// back once a read leaves it.
    #[inline]
    pub(super) fn device_member(&mut self, i: usize) {
        if let Some(bit) = 1u32.checked_shl(u32::try_from(i).unwrap_or(u32::MAX)) {
            self.device_members |= bit;
        }
    }
}
