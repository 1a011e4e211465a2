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
    /// Did the last read give a request?
    complete: bool,
}

impl Default for SignInReader {
    fn default() -> Self {
        SignInReader {
            request: blank(),
            spare: Spare::default(),
            shapes: Shapes::default(),
            reads: 0,
            complete: false,
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
        // Whatever the last read left is readied (`Spare::recycle`): every field starts blank
        // but those refilled in place, which this read writes or clears (`Spare::settle`), or
        // gives back if it stops part way (`Spare::release`), so nothing of it can carry over.
        self.complete = false;
        self.spare.recycle(&mut self.request);
        if self.reads < 2 {
            self.reads += 1;
            if self.reads == 2 {
                self.shapes.learn();
            }
        }
        if super::fast::sign_in_into(text, &mut self.request, &mut self.spare, &mut self.shapes)
            .is_none()
        {
            // Read the tolerant way instead: nothing this read wrote is kept in place.
            self.spare.release(&mut self.request);
            return None;
        }
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
                self.complete = true;
                Some(Some(&self.request))
            }
            _ => Some(None),
        }
    }

    /// The request last read, taken out (the reader holds a blank one after): a checked one
    /// after a read that gave a request, a blank one after any other (a read with errors
    /// leaves what it read, unchecked; one that stopped part way leaves the fields refilled in
    /// place blank, `Spare::release`, and the others as far as it read them).
    pub fn take(&mut self) -> SignInRequest {
        let taken = std::mem::replace(&mut self.request, blank());
        if self.complete { taken } else { blank() }
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
    #![expect(
        clippy::panic,
        clippy::indexing_slicing,
        reason = "a test fails loudly"
    )]
    use super::{SignInReader, blank};
    use crate::diag::Diagnostics;
    use crate::model::request::parse::EVERY_FIELD;

    /// Reads `texts` one after another with one reader, each before and after [`EVERY_FIELD`],
    /// twice over, and checks each reads as a fresh reader reads it; gives how many gave a
    /// request.
    fn reads_as_fresh(texts: &[String]) -> usize {
        let mut reader = SignInReader::new();
        let mut read = 0;
        for _ in 0..2 {
            for first in [Some(EVERY_FIELD), None] {
                for text in texts {
                    if let Some(every) = first {
                        let d = &mut Diagnostics::new("request");
                        assert!(matches!(reader.read_common(d, every, None), Some(Some(_))));
                    }
                    let mut fresh_d = Diagnostics::new("request");
                    let fresh = SignInReader::new()
                        .read_common(&mut fresh_d, text, None)
                        .map(|r| r.cloned());
                    let mut reused_d = Diagnostics::new("request");
                    let reused = reader
                        .read_common(&mut reused_d, text, None)
                        .map(|r| r.cloned());
                    assert_eq!(reused, fresh, "{text}");
                    assert_eq!(reused_d.items, fresh_d.items, "{text}");
                    if matches!(reused, Some(Some(_))) {
                        read += 1;
                    }
                }
            }
        }
        read
    }

    /// A request that held every field is blank after it is readied for the next read,
    /// exactly as a reader's first request is, but for the fields that read refills in place;
    /// of those, a read that does not write the id, country and device clears them.
    #[test]
    fn a_recycled_request_is_blank_but_for_what_is_refilled_in_place() {
        let mut reader = SignInReader::new();
        let read = reader.read_common(&mut Diagnostics::new("request"), EVERY_FIELD, None);
        assert!(matches!(read, Some(Some(_))), "{read:?}");
        assert_ne!(reader.request, blank());
        reader.spare.recycle(&mut reader.request);
        // Left in place: the id, identity, context, country and device.
        let mut rest = reader.request.clone();
        assert!(rest.id.take().is_some());
        assert!(rest.conditions.country.take().is_some());
        assert!(rest.conditions.device.take().is_some());
        rest.identity = blank().identity;
        rest.context = blank().context;
        assert_eq!(rest, blank());
        // A read that writes none of the id, country and device clears them.
        reader.spare.settle(&mut reader.request);
        let mut request = reader.request.clone();
        request.identity = blank().identity;
        request.context = blank().context;
        assert_eq!(request, blank());
        // The buffers are kept for the next read: the ids, names and lists of that request,
        // but for the identity's and the context's, which stay in place to be refilled.
        assert!(
            format!("{:?}", reader.spare).contains("strings: 26, lists: 7"),
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
        let texts: Vec<String> = devices.iter().map(|d| body(d)).collect();
        let read = reads_as_fresh(&texts);
        // Every body but the two that leave the form is read in one pass.
        assert_eq!(read, 4 * (devices.len() - 2));
        // Taken after a read that stopped part way: a blank request, nothing of an earlier one.
        let mut reader = SignInReader::new();
        let d = &mut Diagnostics::new("request");
        let every = reader.read_common(d, EVERY_FIELD, None);
        assert!(matches!(every, Some(Some(_))));
        assert!(reader.read_common(d, &body(&devices[7]), None).is_none());
        assert_eq!(reader.take(), blank());
        // And after one that gave a request, that request.
        let text = body(&devices[0]);
        let read = reader.read_common(d, &text, None).map(|r| r.cloned());
        let Some(Some(read)) = read else {
            panic!("{read:?}")
        };
        assert_eq!(reader.take(), read);
    }

    /// Bodies with other ids, identities, contexts and countries, read one after another, each
    /// read as a fresh reader reads it: an id, a user's or service principal's ids, a list of
    /// applications or a country refilled in place holds only what its body gives.
    #[test]
    fn ids_identities_contexts_and_countries_refilled_in_place_hold_only_what_their_body_gives() {
        let ids = [
            r#""id": "first", "#,
            r#""id": 7, "#,
            "",
            r#""id": null, "#,
            r#""id": {"a": [1]}, "#,
            r#""id": "second-and-longer", "#,
        ];
        let user = "3f1a6c03-2b7d-4e8f-9a01-5c6d7e8f9a03";
        let identities = [
            format!(r##"{{"@odata.type": "#microsoft.graph.userSignIn", "userId": "{user}", "externalTenantId": "0b9a1c2d-3e4f-4051-8617-28394a5b6c7d", "externalUserType": "internalGuest"}}"##),
            format!(r##"{{"@odata.type": "#microsoft.graph.userSignIn", "userId": "{user}"}}"##),
            r##"{"@odata.type": "#microsoft.graph.servicePrincipalSignIn", "servicePrincipalId": "797f4846-ba00-4fd7-ba43-dac1f8f63013"}"##.to_owned(),
            format!(r##"{{"userId": "{}", "@odata.type": "#microsoft.graph.userSignIn"}}"##, user.to_uppercase()),
        ];
        let contexts = [
            r##"{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["00000003-0000-0ff1-ce00-000000000000", "797f4846-ba00-4fd7-ba43-dac1f8f63013", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"]}"##,
            r##"{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["797f4846-ba00-4fd7-ba43-dac1f8f63013"]}"##,
            r##"{"@odata.type": "#microsoft.graph.userActionContext", "userAction": "registerSecurityInformation", "includeApplications": ["x"]}"##,
            r##"{"@odata.type": "#microsoft.graph.authContext", "authenticationContextValue": "c1"}"##,
            r##"{"includeApplications": ["00000003-0000-0ff1-ce00-000000000000"], "@odata.type": "#microsoft.graph.applicationContext"}"##,
            r##"{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": []}"##,
            r##"{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": null}"##,
        ];
        let countries = [
            r#""country": "NL""#,
            "",
            r#""country": null"#,
            r#""country": "unknown""#,
        ];
        let mut texts = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            for (j, identity) in identities.iter().enumerate() {
                let context = contexts[(k + j) % contexts.len()];
                let country = countries[(k * 3 + j) % countries.len()];
                texts.push(format!(
                    r#"{{{id}"signInIdentity": {identity}, "signInContext": {context}, "signInConditions": {{{country}}}, "session": {{"time": "2026-03-02T09:00:00Z"}}}}"#
                ));
            }
        }
        for context in contexts {
            texts.push(format!(
                r##"{{"signInIdentity": {}, "signInContext": {context}, "session": {{"time": "2026-03-02T09:00:00Z"}}}}"##,
                identities[0]
            ));
        }
        let read = reads_as_fresh(&texts);
        // Every body is read in one pass but those whose context has no applications.
        let empty = texts
            .iter()
            .filter(|t| t.contains("[]") || t.contains("includeApplications\": null"))
            .count();
        assert!(empty > 0);
        assert_eq!(read, 4 * (texts.len() - empty), "{empty}");
    }

    /// A read that stops part way keeps nothing in place: reads that each stop after a long
    /// value in a different field cannot park those values, one a field, for later.
    #[test]
    fn a_read_that_stops_part_way_keeps_nothing_in_place() {
        let long = "x".repeat(1 << 20);
        let stopping = [
            format!(r#"{{"id": "{long}", "nope": 1}}"#),
            format!(
                r#"{{"signInConditions": {{"country": "{long}", "deviceInfo": {{"displayName": "{long}", "model": "a\u0041"}}}}}}"#
            ),
            format!(
                r##"{{"signInIdentity": {{"@odata.type": "#microsoft.graph.userSignIn", "userId": "{long}"}}, "signInContext": {{"@odata.type": "#microsoft.graph.applicationContext", "includeApplications": ["{long}"]}}, "nope": 1}}"##
            ),
        ];
        let mut reader = SignInReader::new();
        for text in &stopping {
            let d = &mut Diagnostics::new("request");
            assert!(matches!(
                reader.read_common(d, EVERY_FIELD, None),
                Some(Some(_))
            ));
            assert!(reader.read_common(d, text, None).is_none(), "{text}");
            let r = &reader.request;
            assert_eq!(r.id, None);
            assert_eq!(r.identity, blank().identity);
            assert_eq!(r.context, blank().context);
            assert_eq!(r.conditions.country, None);
            assert_eq!(r.conditions.device, None);
        }
    }
}
