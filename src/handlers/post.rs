//! PostObject: browser-form uploads (`POST /bucket`, multipart/form-data) that carry their own policy
//! and signature.
//!
//! The form is parsed as it streams in: the fields before the `file` part are collected (bounded),
//! the form's signature and policy are checked before a byte of the file is read, then the file
//! streams into storage with the policy's size range enforced as it flows. Parts after the file are
//! ignored, as S3 ignores them.

use super::{acl, anonymous, encryption, policy, put, require_bucket, tagging, RequestContext};
use crate::auth::body::RequestBody;
use crate::auth::post_policy::{self, FormFields, FormSigner, SizeLimits};
use crate::auth::sigv4::uri_encode;
use crate::digest::BodyHasher;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::Action;
use crate::storage::{BucketMeta, CannedAcl, ContentHeaders, Encryption, NewObject, StorageClass};
use crate::{timefmt, xml};
use actix_web::http::header::HeaderValue;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use bytes::Bytes;
use futures_util::future::{self, Either};
use futures_util::Stream;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// S3's limit on the fields before the file: names and values, in bytes.
const MAX_PRE_DATA: usize = 20 * 1024;
/// Fields accepted before the file (a form of tiny fields must not cost unbounded parsing).
const MAX_FIELDS: usize = 1000;
/// Raw form bytes handed to the parser before the file part begins: fields, part headers,
/// boundaries and read-ahead. Bounds memory when a form never reaches its file (an endless part
/// header, a missing boundary).
const MAX_RAW_BEFORE_FILE: u64 = 2 * 1024 * 1024;
/// Until the file begins the body reaches the parser in pieces this small, one per poll: the parser
/// reads ahead one piece per step, so its buffer stays near what it has really parsed.
const PIECE_BEFORE_FILE: usize = 256;
/// Bytes after the file read (and ignored) so that the client can finish sending its form.
const MAX_AFTER_FILE: u64 = 64 * 1024;
/// S3's limit on an object key.
const MAX_KEY_BYTES: usize = 1024;

const NOT_A_FORM: &str = "Bucket POST must be of the enclosure-type multipart/form-data";

pub async fn handle_post_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    let bucket_meta = require_bucket(ctx, bucket)?;
    let boundary = form_boundary(
        ctx.header(actix_web::http::header::CONTENT_TYPE)
            .unwrap_or(""),
    )?;

    // The form parser needs a `Send` stream and the body is not one: the body is pumped into a
    // one-slot channel, both halves driven here, in this task.
    let phase = Arc::new(AtomicU8::new(PHASE_FIELDS));
    let (sender, receiver) = mpsc::channel(1);
    let form = multer::Multipart::new(FormStream::new(receiver, phase.clone()), boundary);
    let upload = pin!(receive_form(ctx, bucket, &bucket_meta, form, &phase));
    let pump = pin!(pump_body(body, sender));
    match future::select(upload, pump).await {
        Either::Left((response, _)) => response,
        Either::Right(((), upload)) => upload.await,
    }
}

/// The boundary of a `multipart/form-data` body; any other Content-Type is not a form upload.
fn form_boundary(content_type: &str) -> Result<String, S3Error> {
    multer::parse_boundary(content_type).map_err(|err| match err {
        multer::Error::NoBoundary => s3_error!(MalformedPOSTRequest),
        _ => s3_error!(PreconditionFailed, "{NOT_A_FORM}").detail("Condition", NOT_A_FORM),
    })
}

/// Hands the request body to the form parser piece by piece; stops when the parser is gone.
async fn pump_body(mut body: RequestBody, sender: mpsc::Sender<Result<Bytes, S3Error>>) {
    loop {
        let piece = match body.next().await {
            Ok(Some(bytes)) => Ok(bytes),
            Ok(None) => return,
            Err(err) => Err(err),
        };
        let failed = piece.is_err();
        if sender.send(piece).await.is_err() || failed {
            return;
        }
    }
}

/// Where the parser is in the form; [`FormStream`] feeds it differently in each phase.
const PHASE_FIELDS: u8 = 0;
const PHASE_FILE: u8 = 1;
const PHASE_AFTER_FILE: u8 = 2;

/// The body as the form parser reads it, with the limits of the current phase applied.
struct FormStream {
    receiver: mpsc::Receiver<Result<Bytes, S3Error>>,
    phase: Arc<AtomicU8>,
    /// Received but not yet handed on.
    pending: Bytes,
    /// Bytes handed on in the current phase.
    handed: u64,
    counted_phase: u8,
    /// A piece was just handed on (fields phase): the next poll yields to the parser instead.
    just_handed: bool,
}

impl FormStream {
    fn new(receiver: mpsc::Receiver<Result<Bytes, S3Error>>, phase: Arc<AtomicU8>) -> Self {
        FormStream {
            receiver,
            phase,
            pending: Bytes::new(),
            handed: 0,
            counted_phase: PHASE_FIELDS,
            just_handed: false,
        }
    }

    /// Refills `pending` from the channel; `Ready(None)` when the body has ended.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<(), S3Error>>> {
        while self.pending.is_empty() {
            match self.receiver.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                Poll::Ready(Some(Ok(bytes))) => self.pending = bytes,
            }
        }
        Poll::Ready(Some(Ok(())))
    }
}

impl Stream for FormStream {
    type Item = Result<Bytes, S3Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let phase = this.phase.load(Ordering::Relaxed);
        if phase != this.counted_phase {
            this.counted_phase = phase;
            this.handed = 0;
        }
        match phase {
            PHASE_FIELDS => {
                // The parser pulls until the stream is pending; yielding after each piece keeps
                // its read-ahead to one piece.
                if this.just_handed {
                    this.just_handed = false;
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                if this.handed > MAX_RAW_BEFORE_FILE {
                    return Poll::Ready(Some(Err(s3_error!(MaxPostPreDataLengthExceeded))));
                }
                match this.poll_fill(cx) {
                    Poll::Ready(Some(Ok(()))) => {}
                    Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                }
                let piece = this
                    .pending
                    .split_to(this.pending.len().min(PIECE_BEFORE_FILE));
                this.handed += piece.len() as u64;
                this.just_handed = true;
                Poll::Ready(Some(Ok(piece)))
            }
            _ => {
                // After the file, only enough is read for the client to finish sending; the
                // stream then ends and the parser stops.
                if phase == PHASE_AFTER_FILE && this.handed > MAX_AFTER_FILE {
                    return Poll::Ready(None);
                }
                match this.poll_fill(cx) {
                    Poll::Ready(Some(Ok(()))) => {}
                    Poll::Ready(Some(Err(err))) => return Poll::Ready(Some(Err(err))),
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Pending => return Poll::Pending,
                }
                let bytes = std::mem::take(&mut this.pending);
                this.handed += bytes.len() as u64;
                Poll::Ready(Some(Ok(bytes)))
            }
        }
    }
}

/// A parser error as the client sees it: the body's own failure (hang-up, bad signature) as it was,
/// anything else a malformed form.
fn form_error(err: multer::Error) -> S3Error {
    if let multer::Error::StreamReadFailed(cause) = err {
        return match cause.downcast::<S3Error>() {
            Ok(err) => *err,
            Err(_) => s3_error!(MalformedPOSTRequest),
        };
    }
    tracing::debug!(error = %err, "malformed POST form");
    s3_error!(MalformedPOSTRequest)
}

/// Reads the form up to the file, stores the file, answers.
async fn receive_form(
    ctx: &RequestContext<'_>,
    bucket: &str,
    bucket_meta: &BucketMeta,
    mut form: multer::Multipart<'_>,
    phase: &AtomicU8,
) -> Result<HttpResponse, S3Error> {
    let mut fields = FormFields::new();
    let mut pre_data = 0usize;
    loop {
        let Some(mut part) = form.next_field().await.map_err(form_error)? else {
            return Err(s3_error!(
                InvalidArgument,
                "POST requires exactly one file upload per request."
            )
            .detail("ArgumentName", "file")
            .detail("ArgumentValue", "0"));
        };
        let name = part
            .name()
            .ok_or_else(|| s3_error!(MalformedPOSTRequest))?
            .to_string();
        if name.eq_ignore_ascii_case("file") {
            phase.store(PHASE_FILE, Ordering::Relaxed);
            let filename = part.file_name().unwrap_or_default().to_string();
            let stored = store_file(ctx, bucket, bucket_meta, fields, &filename, part).await?;
            phase.store(PHASE_AFTER_FILE, Ordering::Relaxed);
            skip_rest(&mut form).await;
            return Ok(stored.response(ctx, bucket));
        }
        if fields.len() >= MAX_FIELDS {
            return Err(s3_error!(MaxPostPreDataLengthExceeded));
        }
        pre_data += name.len();
        let mut value = Vec::new();
        while let Some(chunk) = part.chunk().await.map_err(form_error)? {
            pre_data += chunk.len();
            if pre_data > MAX_PRE_DATA {
                return Err(s3_error!(MaxPostPreDataLengthExceeded));
            }
            value.extend_from_slice(&chunk);
        }
        fields.insert(&name, String::from_utf8_lossy(&value).into_owned())?;
    }
}

/// Reads and drops what follows the file (bounded by [`FormStream`]); its errors do not matter.
async fn skip_rest(form: &mut multer::Multipart<'_>) {
    while let Ok(Some(mut part)) = form.next_field().await {
        while let Ok(Some(_)) = part.chunk().await {}
    }
}

/// What the upload asked for besides its bytes.
struct FormUpload {
    key: String,
    headers: ContentHeaders,
    user_metadata: Vec<(String, String)>,
    tags: Vec<(String, String)>,
    acl: CannedAcl,
    storage_class: StorageClass,
    encryption: Encryption,
    success_status: Option<String>,
    redirect: Option<String>,
}

impl FormUpload {
    fn from_fields(
        fields: &FormFields,
        key: String,
        bucket_meta: &BucketMeta,
    ) -> Result<Self, S3Error> {
        let text = |name: &str| fields.get(name).map(str::to_string);
        let headers = ContentHeaders {
            content_type: text("content-type"),
            content_disposition: text("content-disposition"),
            content_encoding: text("content-encoding"),
            content_language: None,
            cache_control: text("cache-control"),
            expires: text("expires"),
        };
        let mut user_metadata = Vec::new();
        for (name, value) in fields.iter() {
            let name = name.to_ascii_lowercase();
            if let Some(meta_name) = name.strip_prefix("x-amz-meta-") {
                user_metadata.push((meta_name.to_string(), value.to_string()));
            }
        }
        put::check_metadata_size(&user_metadata)?;
        let tags = match fields.get("tagging") {
            None => Vec::new(),
            Some(document) => {
                let tagging: xml::Tagging = xml::parse(document.as_bytes())?;
                let tags: Vec<(String, String)> = tagging
                    .tag_set
                    .tags
                    .into_iter()
                    .map(|tag| (tag.key, tag.value))
                    .collect();
                tagging::validate_tags(&tags)?;
                tags
            }
        };
        let named = fields.get("acl").map(acl::parse_canned_acl).transpose()?;
        let acl = acl::acl_for_write(bucket_meta, named)?;
        let redirect = text("success_action_redirect")
            .or_else(|| text("redirect"))
            .filter(|url| is_redirect_url(url));
        let storage_class = match fields.get("x-amz-storage-class") {
            Some(name) => put::storage_class_named(name)?,
            None => StorageClass::Standard,
        };
        // The form's fields stand in for the headers a PUT would carry.
        let encryption = encryption::requested_encryption(bucket_meta, |name| {
            fields.get(name.as_str()).map(|v| Ok(v.to_string()))
        })?;
        Ok(FormUpload {
            key,
            headers,
            user_metadata,
            tags,
            acl,
            storage_class,
            encryption,
            success_status: text("success_action_status"),
            redirect,
        })
    }
}

/// Checks who may upload and what, then streams the file part into storage and commits it.
async fn store_file(
    ctx: &RequestContext<'_>,
    bucket: &str,
    bucket_meta: &BucketMeta,
    mut fields: FormFields,
    filename: &str,
    mut file: multer::Field<'_>,
) -> Result<Stored, S3Error> {
    let key = fields
        .get("key")
        .ok_or_else(|| {
            s3_error!(
                InvalidArgument,
                "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields."
            )
            .detail("ArgumentName", "key")
            .detail("ArgumentValue", "null")
        })?
        .replace("${filename}", filename);
    // Conditions on the key see it with the file's name in place, as S3 checks it.
    fields.set("key", key.clone());

    let signer = post_policy::authenticate_form(&fields, ctx.auth, ctx.auth.now())?;
    let anonymous = matches!(signer, FormSigner::Anonymous);
    let limits = match signer {
        // Decided below, once the fields naming its ACL and tags are read.
        FormSigner::Anonymous => SizeLimits::up_to(put::MAX_PUT_SIZE),
        FormSigner::Signed { policy, scope, .. } => {
            if scope.is_some_and(|s| !s.allows(Action::Write, bucket, &key)) {
                return Err(s3_error!(AccessDenied));
            }
            policy.check_expiration(ctx.auth.now())?;
            policy.check_fields(&fields, bucket)?;
            policy.size_limits(put::MAX_PUT_SIZE)
        }
    };
    if key.is_empty() {
        return Err(s3_error!(
            InvalidArgument,
            "User key must have a length greater than 0."
        )
        .detail("ArgumentName", "key")
        .detail("ArgumentValue", ""));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(s3_error!(KeyTooLongError));
    }
    let upload = FormUpload::from_fields(&fields, key, bucket_meta)?;
    if anonymous {
        let facts = policy::AnonymousFacts::form(ctx.req, |name| fields.get(name), &upload.tags);
        anonymous::authorize_form(bucket_meta, bucket, &upload.key, &facts)?;
    }

    let mut writer = ctx.store.begin_write()?;
    let mut hasher = BodyHasher::new(None);
    while let Some(chunk) = file.chunk().await.map_err(form_error)? {
        limits.check_received(writer.len() + chunk.len() as u64)?;
        writer.write(chunk.clone())?;
        hasher.update(chunk).await;
    }
    limits.check_complete(writer.len())?;
    let digests = hasher
        .finish()
        .await
        .ok_or_else(|| S3Error::internal("the body's hashing thread stopped"))?;
    let etag = hex::encode(digests.md5);
    let acl = acl::recheck_acl(ctx, bucket, upload.acl)?;
    let object = NewObject {
        headers: upload.headers,
        user_metadata: upload.user_metadata,
        checksum: None,
        etag,
        tags: upload.tags,
        acl,
        storage_class: upload.storage_class,
        encryption: upload.encryption,
    };
    let meta = writer
        .commit_durably(bucket, &upload.key, object, timefmt::now_ms())
        .await
        .map_err(|e| S3Error::from(e).detail("Key", upload.key.as_str()))?;
    Ok(Stored {
        key: upload.key,
        etag: meta.etag,
        encryption: meta.encryption,
        success_status: upload.success_status,
        redirect: upload.redirect,
    })
}

/// A stored upload and how the form asked to be answered.
struct Stored {
    key: String,
    etag: String,
    encryption: Encryption,
    success_status: Option<String>,
    redirect: Option<String>,
}

impl Stored {
    /// `success_action_redirect` -> 303 to it; else `success_action_status` 200, 201 (with a
    /// `PostResponse`) or, by default, 204. Every answer names the object's ETag and URL.
    fn response(&self, ctx: &RequestContext<'_>, bucket: &str) -> HttpResponse {
        let etag = super::quoted_etag(&self.etag);
        let location = object_url(ctx, bucket, &self.key);
        if let Some(url) = &self.redirect {
            let target = redirect_target(url, bucket, &self.key, &etag);
            // A URL the form made up may not be a valid header value: then answer by status.
            if let Ok(target) = HeaderValue::from_str(&target) {
                let mut response = HttpResponse::SeeOther();
                encryption::encryption_headers(&mut response, &self.encryption);
                return response
                    .insert_header(("Location", target))
                    .insert_header(("ETag", etag))
                    .finish();
            }
        }
        let status = match self.success_status.as_deref().map(str::trim) {
            Some("200") => StatusCode::OK,
            Some("201") => StatusCode::CREATED,
            _ => StatusCode::NO_CONTENT,
        };
        let mut response = HttpResponse::build(status);
        encryption::encryption_headers(&mut response, &self.encryption);
        response
            .insert_header(("ETag", etag))
            .insert_header(("Location", location.as_str()));
        if status == StatusCode::CREATED {
            return response
                .content_type("application/xml")
                .body(xml::post_response(&location, bucket, &self.key, &self.etag));
        }
        response.finish()
    }
}

/// The URL of the stored object, addressed the way the request addressed the bucket.
fn object_url(ctx: &RequestContext<'_>, bucket: &str, key: &str) -> String {
    let host = ctx
        .header(actix_web::http::header::HOST)
        .unwrap_or("localhost");
    let key = uri_encode(key.as_bytes(), true);
    // A virtual-hosted form posts to `/`: the bucket is in the host name.
    if ctx.req.path().trim_matches('/').is_empty() {
        format!("http://{host}/{key}")
    } else {
        format!(
            "http://{host}/{}/{key}",
            uri_encode(bucket.as_bytes(), false)
        )
    }
}

/// S3 redirects only to an absolute http(s) URL; anything else is answered by status.
fn is_redirect_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://"]
        .iter()
        .any(|scheme| lower.len() > scheme.len() && lower.starts_with(scheme))
}

/// The redirect URL with `bucket`, `key` and `etag` added to its query (before any fragment).
fn redirect_target(url: &str, bucket: &str, key: &str, quoted_etag: &str) -> String {
    let url = url.trim();
    let (base, fragment) = match url.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (url, None),
    };
    let separator = match base.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, query)) if query.ends_with('&') => "",
        Some(_) => "&",
    };
    let encode = |s: &str| uri_encode(s.as_bytes(), false);
    let mut target = format!(
        "{base}{separator}bucket={}&key={}&etag={}",
        encode(bucket),
        encode(key),
        encode(quoted_etag)
    );
    if let Some(fragment) = fragment {
        target.push('#');
        target.push_str(fragment);
    }
    target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_query_is_appended_whether_or_not_the_url_has_one() {
        let etag = "\"abc\"";
        assert_eq!(
            redirect_target("http://app/done", "b", "a b/c", etag),
            "http://app/done?bucket=b&key=a%20b%2Fc&etag=%22abc%22"
        );
        assert_eq!(
            redirect_target("http://app/done?x=1", "b", "k", etag),
            "http://app/done?x=1&bucket=b&key=k&etag=%22abc%22"
        );
        assert_eq!(
            redirect_target("http://app/done?", "b", "k", etag),
            "http://app/done?bucket=b&key=k&etag=%22abc%22"
        );
        assert_eq!(
            redirect_target("http://app/done?x=1&", "b", "k", etag),
            "http://app/done?x=1&bucket=b&key=k&etag=%22abc%22"
        );
        assert_eq!(
            redirect_target("https://app/done?x=1#top", "b", "k", etag),
            "https://app/done?x=1&bucket=b&key=k&etag=%22abc%22#top"
        );
    }

    #[test]
    fn only_absolute_http_urls_redirect() {
        assert!(is_redirect_url("http://example.com/ok"));
        assert!(is_redirect_url("HTTPS://example.com"));
        assert!(!is_redirect_url(""));
        assert!(!is_redirect_url("http://"));
        assert!(!is_redirect_url("/relative"));
        assert!(!is_redirect_url("javascript:alert(1)"));
    }

    #[test]
    fn only_multipart_form_data_is_a_form() {
        assert_eq!(
            form_boundary("multipart/form-data; boundary=XyZ").unwrap(),
            "XyZ"
        );
        assert_eq!(
            form_boundary("Multipart/Form-Data; boundary=\"q q\"").unwrap(),
            "q q"
        );
        for other in [
            "",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/mixed; boundary=x",
            ";;",
        ] {
            let err = form_boundary(other).unwrap_err();
            assert_eq!(
                (err.status(), err.message.as_str()),
                (412, NOT_A_FORM),
                "{other}"
            );
        }
        let err = form_boundary("multipart/form-data").unwrap_err();
        assert_eq!(err.code.as_str(), "MalformedPOSTRequest");
    }
}
