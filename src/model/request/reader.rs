//! [`SignInReader`]: sign-in requests read one after another into one request, whose strings'
//! buffers are kept between reads, so that a batch reader neither allocates a request's
//! strings nor moves the request (about 1.4 KB) through returns for every line.

use jiff::Timestamp;

use super::build::{check_parts, warnings_of};
use super::fast::Shapes;
use super::spare::Spare;
use super::{Identity, Session, SignInContext, SignInRequest};
use crate::diag::Diagnostics;

/// Reads What If bodies in the common form (`model/request/fast.rs`) into one request, reused:
/// each read gives exactly the request and diagnostics a fresh reader gives (and so the tolerant
/// reader, [`super::parse_sign_in`]), built from the buffers of the one read before. The CLI's
/// workers keep one for each chunk of lines they decide, handed on from chunk to chunk.
#[derive(Debug)]
pub struct SignInReader {
    request: SignInRequest,
    spare: Spare,
    /// The keys of the bodies read before (`json/shape.rs`): learnt from the second body read
    /// on, and so predicted from the third.
    shapes: Shapes,
    /// Bodies read, counted to two.
    reads: u8,
}

impl Default for SignInReader {
    fn default() -> Self {
        SignInReader {
            request: blank(),
            spare: Spare::default(),
            shapes: Shapes::default(),
            reads: 0,
        }
    }
}

impl SignInReader {
    /// A reader holding nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `text` in one pass: `None` when it is outside the common form (read it the
    /// tolerant way then, [`super::parse_sign_in`]), `Some(None)` when it has errors (in `d`),
    /// else the request, valid until the next read. [`super::parse_sign_in_common`] is this on
    /// a fresh reader.
    pub fn read_common(
        &mut self,
        d: &mut Diagnostics,
        text: &str,
        default_time: Option<Timestamp>,
    ) -> Option<Option<&SignInRequest>> {
        // Whatever the last read left, even part read, gives its buffers back; every field then
        // starts blank, so nothing of it can carry over.
        self.spare.recycle(&mut self.request);
        if self.reads < 2 {
            self.reads += 1;
            if self.reads == 2 {
                self.shapes.learn();
            }
        }
        super::fast::sign_in_into(text, &mut self.request, &mut self.spare, &mut self.shapes)?;
        let r = &mut self.request;
        let time = check_parts(
            d,
            &mut r.identity,
            Some(&mut r.context),
            &mut r.conditions,
            &mut r.session,
            default_time,
        );
        match time {
            Some(time) if !d.has_errors() => {
                r.time = time;
                r.warnings = warnings_of(d);
                Some(Some(&self.request))
            }
            _ => Some(None),
        }
    }

    /// The request last read, taken out (the reader holds a blank one after). Only after a
    /// read that gave a request is it a checked one; after any other it is what was read so far.
    pub fn take(&mut self) -> SignInRequest {
        // A read that stopped part way may have left members of an earlier device in place.
        self.spare.end_device(&mut self.request.conditions.device);
        std::mem::replace(&mut self.request, blank())
    }
}

/// A request with nothing in it, which the one-pass reader fills.
fn blank() -> SignInRequest {
    SignInRequest {
        id: None,
        identity: Identity::User {
            user_id: String::new(),
            external_tenant_id: None,
            external_user_type: None,
        },
        context: SignInContext::Applications(Vec::new()),
        conditions: Box::default(),
        applied_policies_only: false,
        session: Session::default(),
        time: Timestamp::UNIX_EPOCH,
        warnings: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{SignInReader, blank};
    use crate::diag::Diagnostics;
    use crate::model::request::parse::EVERY_FIELD;

    /// A request that held every field is blank after its buffers are taken, exactly as a
    /// reader's first request is, but for its device, which stays in place for the next read
    /// to refill; a read that meets no device takes its buffers back and leaves none.
    #[test]
    fn a_recycled_request_is_blank_but_for_its_device() {
        let mut reader = SignInReader::new();
        let read = reader.read_common(&mut Diagnostics::new("request"), EVERY_FIELD, None);
        assert!(matches!(read, Some(Some(_))), "{read:?}");
        assert_ne!(reader.request, blank());
        reader.spare.recycle(&mut reader.request);
        let mut without_device = reader.request.clone();
        assert!(without_device.conditions.device.take().is_some());
        assert_eq!(without_device, blank());
        reader
            .spare
            .end_device(&mut reader.request.conditions.device);
        assert_eq!(reader.request, blank());
        // The buffers are kept for the next read: the ids, names and lists of that request.
        assert!(
            format!("{:?}", reader.spare).contains("strings: 30, lists: 8"),
            "{:?}",
            reader.spare
        );
    }

    /// Bodies with devices of other members, read one after another (and after reads that
    /// stop part way through a device), each read as a fresh reader reads it: nothing of an
    /// earlier device carries over, `ownership` and `deviceOwnership` included.
    #[test]
    fn a_device_refilled_in_place_holds_only_what_its_body_gives() {
        let body = |device: &str| {
            format!(
                r##"{{"signInIdentity": {{"@odata.type": "#microsoft.graph.userSignIn", "userId": "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03"}}, "signInContext": {{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000003-0000-0ff1-ce00-000000000000"]}}, "signInConditions": {{"country": "NL"{device}}}, "session": {{"time": "2026-03-02T09:00:00Z"}}}}"##
            )
        };
        let long = "x".repeat(300);
        let devices = [
            r#", "deviceInfo": {"deviceId": "6d3e1a02-0c9b-4e8d-9a7f-2c1d0e9f8a0a", "ownership": "Company", "isCompliant": true, "physicalIds": ["p"], "extensionAttribute3": "e"}"#.to_owned(),
            r#", "deviceInfo": {"deviceOwnership": "Personal"}"#.to_owned(),
            r#", "deviceInfo": {"ownership": "Company", "deviceOwnership": "Personal", "trustType": "AzureAD"}"#.to_owned(),
            r#", "deviceInfo": {"deviceOwnership": "Personal", "ownership": null}"#.to_owned(),
            r#", "deviceInfo": {"displayName": null, "physicalIds": null, "isCompliant": null}"#.to_owned(),
            format!(r#", "deviceInfo": {{"displayName": "{long}", "model": "m"}}"#),
            r#", "deviceInfo": {"displayName": "short"}"#.to_owned(),
            // Stops part way: an escape leaves the one-pass form after two members.
            r#", "deviceInfo": {"deviceId": "b", "model": "n", "trustType": "a\u0041"}"#.to_owned(),
            r#", "deviceInfo": {"trustType": "ServerAD"}"#.to_owned(),
            r#", "deviceInfo": {"deviceId": "6d3e1a02-0c9b-4e8d-9a7f-2c1d0e9f8a0c", "isCompliant": false, "systemLabels": []}"#.to_owned(),
            r#", "deviceInfo": null"#.to_owned(),
            r#", "deviceInfo": {}"#.to_owned(),
            String::new(),
            r#", "deviceInfo": {"deviceId": "6d3e1a02-0c9b-4e8d-9a7f-2c1d0e9f8a0d", "model": "o"}"#.to_owned(),
            // Stops part way after a whole device: a member after it is not known.
            r#", "deviceInfo": {"deviceId": "e"}, "nope": 1"#.to_owned(),
            r#", "deviceInfo": {"model": "p"}"#.to_owned(),
        ];
        let mut reader = SignInReader::new();
        let mut read = 0;
        for _ in 0..2 {
            for first in [Some(EVERY_FIELD), None] {
                for device in &devices {
                    if let Some(every) = first {
                        let d = &mut Diagnostics::new("request");
                        assert!(matches!(reader.read_common(d, every, None), Some(Some(_))));
                    }
                    let text = body(device);
                    let fresh = SignInReader::new()
                        .read_common(&mut Diagnostics::new("request"), &text, None)
                        .map(|r| r.cloned());
                    let reused = reader
                        .read_common(&mut Diagnostics::new("request"), &text, None)
                        .map(|r| r.cloned());
                    assert_eq!(reused, fresh, "{device}");
                    if matches!(reused, Some(Some(_))) {
                        read += 1;
                    }
                }
            }
        }
        // Every body but the two that leave the form is read in one pass.
        assert_eq!(read, 4 * (devices.len() - 2));
        // Taken after a read that stopped part way: what that read read, no earlier member.
        let d = &mut Diagnostics::new("request");
        assert!(matches!(
            reader.read_common(d, EVERY_FIELD, None),
            Some(Some(_))
        ));
        assert!(reader.read_common(d, &body(&devices[7]), None).is_none());
        let taken = reader.take();
        let device = taken.conditions.device.unwrap_or_default();
        assert_eq!(device.device_id.as_deref(), Some("b"));
        assert_eq!(device.model.as_deref(), Some("n"));
        assert_eq!(
            crate::model::request::DeviceInfo {
                device_id: None,
                model: None,
                ..device
            },
            crate::model::request::DeviceInfo::default()
        );
    }
}
