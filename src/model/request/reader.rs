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
    /// reader's first request is.
    #[test]
    fn a_recycled_request_is_blank() {
        let mut reader = SignInReader::new();
        let read = reader.read_common(&mut Diagnostics::new("request"), EVERY_FIELD, None);
        assert!(matches!(read, Some(Some(_))), "{read:?}");
        assert_ne!(reader.request, blank());
        reader.spare.recycle(&mut reader.request);
        assert_eq!(reader.request, blank());
        // The buffers are kept for the next read: the ids, names and lists of that request.
        assert!(
            format!("{:?}", reader.spare).contains("strings: 30, lists: 8"),
            "{:?}",
            reader.spare
        );
    }
}
