//! The one error type every layer returns to a client: an S3 error code, its HTTP status and a message.
//!
//! S3 answers every failure with `<Error><Code/><Message/><Resource/><RequestId/></Error>` and a
//! status fixed by the code (the table below comes from the S3 API reference, "Error responses").
//! Storage errors funnel through one `From` into `InternalError`, logged once.

use std::fmt;

/// Build an [`S3Error`] at the point of failure: `s3_error!(NoSuchKey)` or with a formatted message,
/// `s3_error!(InvalidArgument, "bad value {v}")`.
#[macro_export]
macro_rules! s3_error {
    ($code:ident) => {
        $crate::error::S3Error::new($crate::error::ErrorCode::$code)
    };
    ($code:ident, $($arg:tt)+) => {
        $crate::error::S3Error::with_message($crate::error::ErrorCode::$code, format!($($arg)+))
    };
}

macro_rules! error_codes {
    ($($name:ident => $status:literal, $msg:literal;)+) => {
        /// The S3 error codes minis3 answers with, named exactly as AWS names them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($name,)+ }

        impl ErrorCode {
            /// The code as it appears in `<Code>`.
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$name => stringify!($name),)+ }
            }
            /// The HTTP status S3 uses for this code.
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$name => $status,)+ }
            }
            /// S3's usual message for this code.
            pub fn default_message(self) -> &'static str {
                match self { $(ErrorCode::$name => $msg,)+ }
            }
        }
    };
}

error_codes! {
    AccessDenied => 403, "Access Denied";
    AccessControlListNotSupported => 400, "The bucket does not allow ACLs";
    AccessForbidden => 403, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";
    BadRequest => 400, "Bad Request";
    AuthorizationHeaderMalformed => 400, "The authorization header is malformed.";
    AuthorizationQueryParametersError => 400, "Error parsing the X-Amz-Credential parameter.";
    BadDigest => 400, "The Content-MD5 you specified did not match what we received.";
    BucketAlreadyExists => 409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.";
    BucketAlreadyOwnedByYou => 409, "Your previous request to create the named bucket succeeded and you already own it.";
    BucketNotEmpty => 409, "The bucket you tried to delete is not empty";
    EntityTooLarge => 400, "Your proposed upload exceeds the maximum allowed size";
    EntityTooSmall => 400, "Your proposed upload is smaller than the minimum allowed object size.";
    ExpiredToken => 403, "The provided token has expired.";
    IncompleteBody => 400, "You did not provide the number of bytes specified by the Content-Length HTTP header.";
    InsufficientStorage => 507, "There is not enough space left on the server's disk to complete the request.";
    InternalError => 500, "We encountered an internal error. Please try again.";
    InvalidAccessKeyId => 403, "The AWS Access Key Id you provided does not exist in our records.";
    InvalidArgument => 400, "Invalid Argument";
    InvalidBucketName => 400, "The specified bucket is not valid.";
    InvalidBucketAclWithObjectOwnership => 400, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting";
    InvalidChunkSizeError => 400, "Only the last chunk is allowed to have a size less than 8192 bytes";
    InvalidDigest => 400, "The Content-MD5 you specified is not valid.";
    InvalidObjectState => 403, "The operation is not valid for the object's storage class";
    InvalidPolicyDocument => 400, "The content of the form does not meet the conditions specified in the policy document.";
    InvalidPartNumber => 416, "The requested partnumber is not satisfiable";
    InvalidURI => 400, "Couldn't parse the specified URI.";
    InvalidPart => 400, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.";
    InvalidPartOrder => 400, "The list of parts was not in ascending order. Parts must be ordered by part number.";
    InvalidRange => 416, "The requested range is not satisfiable";
    InvalidRequest => 400, "Invalid Request";
    InvalidTag => 400, "The tag provided was not a valid tag.";
    InvalidStorageClass => 400, "The storage class you specified is not valid";
    InvalidToken => 400, "The provided token is malformed or otherwise invalid.";
    LimitExceeded => 409, "The request was rejected because it attempted to create resources beyond the current limits.";
    KeyTooLongError => 400, "Your key is too long";
    MalformedPOSTRequest => 400, "The body of your POST request is not well-formed multipart/form-data.";
    MaxPostPreDataLengthExceeded => 400, "Your POST request fields preceding the upload file were too large.";
    MalformedXML => 400, "The XML you provided was not well-formed or did not validate against our published schema";
    MetadataTooLarge => 400, "Your metadata headers exceed the maximum allowed metadata size.";
    MethodNotAllowed => 405, "The specified method is not allowed against this resource.";
    MissingContentLength => 411, "You must provide the Content-Length HTTP header.";
    MissingSecurityHeader => 400, "Your request was missing a required header";
    NoSuchBucket => 404, "The specified bucket does not exist";
    NoSuchEntity => 404, "The request was rejected because it referenced a resource that does not exist.";
    NoSuchCORSConfiguration => 404, "The CORS configuration does not exist";
    NoSuchKey => 404, "The specified key does not exist.";
    ObjectAlreadyInActiveTierError => 403, "The object is already in the active tier";
    OperationAborted => 409, "A conflicting conditional operation is currently in progress against this resource. Please try again.";
    ObjectNotInActiveTierError => 403, "The source object of the COPY operation is not in the active tier and is only stored in Amazon Glacier.";
    NoSuchBucketPolicy => 404, "The bucket policy does not exist";
    NoSuchLifecycleConfiguration => 404, "The lifecycle configuration does not exist";
    NoSuchPublicAccessBlockConfiguration => 404, "The public access block configuration was not found";
    NoSuchWebsiteConfiguration => 404, "The specified bucket does not have a website configuration";
    ObjectLockConfigurationNotFoundError => 404, "Object Lock configuration does not exist for this bucket";
    OwnershipControlsNotFoundError => 404, "The bucket ownership controls were not found";
    ReplicationConfigurationNotFoundError => 404, "The replication configuration was not found";
    NoSuchTagSet => 404, "The TagSet does not exist";
    NoSuchUpload => 404, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.";
    NotImplemented => 501, "A header you provided implies functionality that is not implemented";
    NotModified => 304, "Not Modified";
    PreconditionFailed => 412, "At least one of the pre-conditions you specified did not hold";
    RequestTimeTooSkewed => 403, "The difference between the request time and the current time is too large.";
    Unauthorized => 401, "Temp URL invalid.";
    UnexpectedContent => 400, "This request does not support content";
    SignatureDoesNotMatch => 403, "The request signature we calculated does not match the signature you provided. Check your key and signing method.";
    ValidationError => 400, "The request did not satisfy a constraint.";
    MalformedPolicy => 400, "Policies must be valid JSON and the first byte must be '{'";
    MalformedPolicyDocument => 400, "The policy document is malformed.";
    MissingAuthenticationToken => 403, "Request is missing Authentication Token";
    InvalidClientTokenId => 403, "The security token included in the request is invalid.";
    InvalidAction => 400, "Could not find operation for this request.";
    XAmzContentSHA256Mismatch => 400, "The provided 'x-amz-content-sha256' header does not match what was computed.";
}

/// An S3 error as the client will see it.
#[derive(Debug, Clone)]
pub struct S3Error {
    pub code: ErrorCode,
    pub message: String,
    /// The bucket or object the request named, for `<Resource>`.
    pub resource: Option<String>,
    /// Extra elements S3 adds for some codes (e.g. `StringToSign` on `SignatureDoesNotMatch`).
    pub details: Vec<(&'static str, String)>,
    /// Extra response headers (e.g. `Content-Range` on `InvalidRange`).
    pub headers: Vec<(&'static str, String)>,
}

impl S3Error {
    pub fn new(code: ErrorCode) -> Self {
        Self::with_message(code, code.default_message())
    }

    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        S3Error {
            code,
            message: message.into(),
            resource: None,
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds an extra XML element under `<Error>`.
    pub fn detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sets `<Resource>` unless a more specific layer already did.
    pub fn or_resource(mut self, resource: &str) -> Self {
        if self.resource.is_none() {
            self.resource = Some(resource.to_string());
        }
        self
    }

    /// Names the bucket in a `NoSuchBucket` error that does not name one yet, as S3 does.
    pub fn or_bucket_name(mut self, bucket: Option<&str>) -> Self {
        let named = self.details.iter().any(|(name, _)| *name == "BucketName");
        if let (ErrorCode::NoSuchBucket, Some(bucket), false) = (self.code, bucket, named) {
            self.details.push(("BucketName", bucket.to_string()));
        }
        self
    }

    /// Wraps any internal failure (disk, database) as `InternalError`, logging its cause once here.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        S3Error::new(ErrorCode::InternalError)
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The `<Error>` document S3 sends for this error.
    pub fn to_xml(&self, request_id: &str) -> String {
        let mut w = crate::xml::XmlWriter::new();
        w.open("Error");
        w.text_element("Code", self.code.as_str());
        w.text_element("Message", &self.message);
        for (name, value) in &self.details {
            w.text_element(name, value);
        }
        if let Some(resource) = &self.resource {
            w.text_element("Resource", resource);
        }
        w.text_element("RequestId", request_id);
        w.close("Error");
        w.finish()
    }

    /// The `<ErrorResponse>` document STS (an AWS query-protocol service) sends for this error:
    /// `Type` is `Sender` for the client's faults, `Receiver` for the server's. An unknown access
    /// key is `InvalidClientTokenId` there, as STS names it.
    pub fn to_sts_xml(&self, request_id: &str) -> String {
        let code = match self.code {
            ErrorCode::InvalidAccessKeyId => ErrorCode::InvalidClientTokenId,
            code => code,
        };
        let mut w = crate::xml::XmlWriter::new();
        w.open_namespaced("ErrorResponse", crate::xml::STS_NAMESPACE);
        w.open("Error");
        let fault = if self.status() >= 500 {
            "Receiver"
        } else {
            "Sender"
        };
        w.text_element("Type", fault);
        w.text_element("Code", code.as_str());
        w.text_element("Message", &self.message);
        w.close("Error");
        w.text_element("RequestId", request_id);
        w.close("ErrorResponse");
        w.finish()
    }
}

impl fmt::Display for S3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for S3Error {}

impl From<crate::storage::StorageError> for S3Error {
    fn from(err: crate::storage::StorageError) -> Self {
        use crate::storage::StorageError as E;
        match err {
            E::NoSuchBucket => S3Error::new(ErrorCode::NoSuchBucket),
            E::BucketAlreadyExists => S3Error::new(ErrorCode::BucketAlreadyOwnedByYou),
            E::BucketNotEmpty => S3Error::new(ErrorCode::BucketNotEmpty),
            E::NoSuchKey => S3Error::new(ErrorCode::NoSuchKey),
            E::NoSuchUpload => S3Error::new(ErrorCode::NoSuchUpload),
            E::InvalidPart(n) => {
                S3Error::new(ErrorCode::InvalidPart).detail("PartNumber", n.to_string())
            }
            E::ConditionFailed(which) => {
                let header = match which {
                    crate::storage::FailedCondition::Match => "If-Match",
                    crate::storage::FailedCondition::Absent => "If-None-Match",
                };
                S3Error::new(ErrorCode::PreconditionFailed).detail("Condition", header)
            }
            E::ObjectReplaced => S3Error::new(ErrorCode::OperationAborted),
            E::DiskFull => {
                tracing::error!("disk full");
                S3Error::new(ErrorCode::InsufficientStorage)
            }
            other => S3Error::internal(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_s3_statuses() {
        assert_eq!(ErrorCode::NoSuchKey.status(), 404);
        assert_eq!(ErrorCode::InvalidRange.status(), 416);
        assert_eq!(ErrorCode::MissingContentLength.status(), 411);
        assert_eq!(ErrorCode::BucketNotEmpty.as_str(), "BucketNotEmpty");
    }

    #[test]
    fn error_xml_has_code_message_resource_and_request_id() {
        let err = s3_error!(NoSuchKey).or_resource("/b/k&1");
        assert_eq!(
            err.to_xml("REQ1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>\
             <Message>The specified key does not exist.</Message>\
             <Resource>/b/k&amp;1</Resource><RequestId>REQ1</RequestId></Error>"
        );
    }

    #[test]
    fn sts_errors_use_the_query_protocol_envelope() {
        let err = s3_error!(ValidationError, "DurationSeconds <900>");
        assert_eq!(
            err.to_sts_xml("R1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse \
             xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
             <Code>ValidationError</Code><Message>DurationSeconds &lt;900&gt;</Message></Error>\
             <RequestId>R1</RequestId></ErrorResponse>"
        );
        let unknown = s3_error!(InvalidAccessKeyId).to_sts_xml("R2");
        assert!(
            unknown.contains("<Code>InvalidClientTokenId</Code>"),
            "{unknown}"
        );
        let internal = s3_error!(InternalError).to_sts_xml("R3");
        assert!(internal.contains("<Type>Receiver</Type>"), "{internal}");
    }

    #[test]
    fn no_such_bucket_names_its_bucket_once() {
        let named = s3_error!(NoSuchBucket).or_bucket_name(Some("b"));
        assert_eq!(named.details, vec![("BucketName", "b".to_string())]);
        let kept = named.or_bucket_name(Some("other"));
        assert_eq!(kept.details, vec![("BucketName", "b".to_string())]);
        assert!(s3_error!(NoSuchKey)
            .or_bucket_name(Some("b"))
            .details
            .is_empty());
    }

    #[test]
    fn macro_formats_messages() {
        let err = s3_error!(InvalidArgument, "max-keys {} is bad", -1);
        assert_eq!(err.message, "max-keys -1 is bad");
        assert_eq!(err.status(), 400);
    }
}
