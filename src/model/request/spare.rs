//! Buffers kept from the requests a [`super::SignInReader`] read before, which the one-pass
//! reader fills instead of allocating: those kept aside bounded in number and size, those
//! refilled in place (the id, identity, applications, country and device) no larger than the
//! last line that gave them, whatever a line holds.

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
    /// Has the read under way written the request's `id`?
    id_read: bool,
    /// Has the read under way written the request's `country`?
    country_read: bool,
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
    pub(super) fn keep_list(&mut self, list: Vec<String>) {
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

    /// Readies a request read before for the next read: blank, as a reader's first request is
    /// (its conditions' box kept), each field as its type's default makes it and the time the
    /// epoch, but for the fields the next read refills in place. Those are the identity and the
    /// context, which a read that gives a request always writes, and the id, the country and
    /// the device, which it clears where it does not write them ([`Spare::settle`]). Every
    /// field is named here, so that a field added to a request cannot be left out: nothing of
    /// one request can carry over into the next.
    pub(super) fn recycle(&mut self, r: &mut SignInRequest) {
        use std::mem::take;
        let SignInRequest {
            id: _,
            identity: _,
            context: _,
            conditions,
            applied_policies_only,
            session,
            time,
            warnings,
        } = r;
        // The id, identity, context, country and device stay where they are, for the next read
        // to refill in place: it writes an identity and a context, or gives no request, and it
        // clears an id, a country and device members it does not write ([`Spare::settle`]).
        self.id_read = false;
        self.country_read = false;
        let SignInConditions {
            platform,
            client_app_type,
            ip_address,
            country: _,
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

    /// Takes back the buffers of every field refilled in place and leaves those fields blank:
    /// after a read that stopped part way (the line is read the tolerant way instead), so that
    /// such reads cannot each park a long value in a different field for later.
    pub(super) fn release(&mut self, r: &mut SignInRequest) {
        self.keep_id(r.id.take());
        let blank_user = Identity::User {
            user_id: String::new(),
            external_tenant_id: None,
            external_user_type: None,
        };
        let old = std::mem::replace(&mut r.identity, blank_user);
        self.keep_identity(old);
        let apps = self.take_applications(&mut r.context);
        self.keep_list(apps);
        self.keep_some(r.conditions.country.take());
        self.drop_device(&mut r.conditions.device);
    }

    /// Clears what the read that ends here did not write of what earlier reads left in place
    /// (its id, country and device members), taking their buffers back.
    pub(super) fn settle(&mut self, r: &mut SignInRequest) {
        if !self.id_read {
            self.keep_id(r.id.take());
        }
        if !self.country_read {
            self.keep_some(r.conditions.country.take());
        }
        self.end_device(&mut r.conditions.device);
    }

    /// The caller's string `id` written in place, in the buffer of the one before where it was
    /// a string too.
    pub(super) fn fill_id(&mut self, slot: &mut Option<serde_json::Value>, text: &str) {
        match slot {
            Some(serde_json::Value::String(buf)) => self.refill(buf, text),
            _ => {
                self.keep_id(slot.take());
                *slot = Some(serde_json::Value::String(self.string(text)));
            }
        }
        self.id_read = true;
    }

    /// The caller's `id` when it is not a string (`None` for null), its buffer taken back.
    pub(super) fn put_id(
        &mut self,
        slot: &mut Option<serde_json::Value>,
        id: Option<serde_json::Value>,
    ) {
        self.keep_id(std::mem::replace(slot, id));
        self.id_read = true;
    }

    /// The request's `country` written in place ([`Spare::fill`]).
    pub(super) fn fill_country(&mut self, slot: &mut Option<String>, text: Option<&str>) {
        self.fill(slot, text);
        self.country_read = true;
    }

    /// Takes back the buffer of a string `id`.
    fn keep_id(&mut self, id: Option<serde_json::Value>) {
        if let Some(serde_json::Value::String(s)) = id {
            self.keep(s);
        }
    }

    /// A user's identity written in place: the ids refill the buffers of the identity before
    /// where it was a user's too.
    pub(super) fn set_user(
        &mut self,
        identity: &mut Identity,
        user: &str,
        tenant: Option<&str>,
        guest_types: Option<u8>,
    ) {
        match identity {
            Identity::User {
                user_id,
                external_tenant_id,
                external_user_type,
            } => {
                self.refill(user_id, user);
                self.fill(external_tenant_id, tenant);
                *external_user_type = guest_types;
            }
            _ => {
                let user = Identity::User {
                    user_id: self.string(user),
                    external_tenant_id: tenant.map(|t| self.string(t)),
                    external_user_type: guest_types,
                };
                let old = std::mem::replace(identity, user);
                self.keep_identity(old);
            }
        }
    }

    /// A service principal's identity written in place, as [`Spare::set_user`] writes a
    /// user's.
    pub(super) fn set_service_principal(&mut self, identity: &mut Identity, id: &str) {
        match identity {
            Identity::ServicePrincipal {
                service_principal_id,
            } => self.refill(service_principal_id, id),
            _ => {
                let principal = Identity::ServicePrincipal {
                    service_principal_id: self.string(id),
                };
                let old = std::mem::replace(identity, principal);
                self.keep_identity(old);
            }
        }
    }

    /// Takes back the buffers of an identity.
    fn keep_identity(&mut self, identity: Identity) {
        match identity {
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
    }

    /// The list of applications of `context`, taken out to be refilled in place (its strings
    /// refill theirs), else a spare one; `context` is left without applications until it is
    /// written.
    pub(super) fn take_applications(&mut self, context: &mut SignInContext) -> Vec<String> {
        let old = std::mem::replace(context, SignInContext::Applications(Vec::new()));
        match old {
            SignInContext::Applications(list) if list.capacity() <= KEPT_LIST_CAPACITY => list,
            SignInContext::Applications(list) => {
                self.keep_list(list);
                self.list()
            }
            SignInContext::AuthContext(value) => {
                self.keep(value);
                self.list()
            }
            SignInContext::UserAction(_) => self.list(),
        }
    }

    /// Writes `text` as item `k` of `list`: in the buffer of the item there, if there is one.
    pub(super) fn fill_item(&mut self, list: &mut Vec<String>, k: usize, text: &str) {
        match list.get_mut(k) {
            Some(buf) => self.refill(buf, text),
            None => list.push(self.string(text)),
        }
    }

    /// Cuts `list` to its first `len` items, taking back the buffers of the rest.
    pub(super) fn truncate(&mut self, list: &mut Vec<String>, len: usize) {
        if list.len() > len {
            for s in list.drain(len..) {
                self.keep(s);
            }
        }
    }

    /// `text` written into `buf`, in place: a buffer grown past what is kept is let go for a
    /// spare one, so that a long line's buffer is not held. The refill, by far the most common,
    /// is inlined.
    #[inline(always)]
    fn refill(&mut self, buf: &mut String, text: &str) {
        if buf.capacity() <= KEPT_CAPACITY {
            buf.clear();
            buf.push_str(text);
        } else {
            self.replace_grown(buf, text);
        }
    }

    /// [`Spare::refill`] for a buffer grown past what is kept.
    #[inline(never)]
    fn replace_grown(&mut self, buf: &mut String, text: &str) {
        *buf = self.string(text);
    }

    /// An optional string written in place ([`Spare::refill`]) where it has a buffer, else into
    /// a spare one; taken back for null.
    #[inline(always)]
    pub(super) fn fill(&mut self, slot: &mut Option<String>, text: Option<&str>) {
        if let (Some(buf), Some(text)) = (slot.as_mut(), text) {
            self.refill(buf, text);
        } else {
            self.fill_other(slot, text);
        }
    }

    /// [`Spare::fill`] where there is no buffer to refill, or nothing to write.
    #[inline(never)]
    fn fill_other(&mut self, slot: &mut Option<String>, text: Option<&str>) {
        match text {
            Some(text) => *slot = Some(self.string(text)),
            None => self.keep_some(slot.take()),
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
    /// buffers back; a device of a few members costs a look at those, not at all 28 places.
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
