//! DeleteObject and DeleteObjects (the XML batch `aws s3 rm --recursive` sends).

use super::{require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::Action;
use crate::xml::{self, DeleteOutcome};
use actix_web::HttpResponse;

/// S3 takes at most 1000 keys per DeleteObjects request.
const MAX_KEYS_PER_DELETE: usize = 1000;
/// Room for 1000 keys of 1024 bytes with XML escaping.
const MAX_DELETE_BODY: usize = 8 * 1024 * 1024;

pub async fn handle_delete_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
) -> Result<HttpResponse, S3Error> {
    ctx.store.delete_object(bucket, key)?;
    // Synced even when the key was already gone: another DELETE of it may not be durable yet.
    ctx.store.sync().await?;
    // S3 answers 204 whether or not the key existed.
    Ok(HttpResponse::NoContent().finish())
}

pub async fn handle_delete_objects(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_DELETE_BODY).await?;
    let request: xml::Delete = xml::parse(&document)?;
    if request.objects.is_empty() || request.objects.len() > MAX_KEYS_PER_DELETE {
        return Err(s3_error!(MalformedXML));
    }

    let mut outcomes = Vec::with_capacity(request.objects.len());
    for object in request.objects {
        let outcome = match object.version_id.as_deref() {
            Some(v) if v != "null" => DeleteOutcome::Failed {
                key: object.key,
                version_id: object.version_id,
                code: "NoSuchVersion",
                message: "The specified version does not exist.".into(),
            },
            _ if object.key.len() > 1024 => DeleteOutcome::Failed {
                key: object.key,
                version_id: object.version_id,
                code: "KeyTooLongError",
                message: "Your key is too long".into(),
            },
            _ if ctx
                .scope
                .as_ref()
                .is_some_and(|s| !s.allows(Action::Delete, bucket, &object.key)) =>
            {
                DeleteOutcome::Failed {
                    key: object.key,
                    version_id: object.version_id,
                    code: "AccessDenied",
                    message: "Access Denied".into(),
                }
            }
            _ => match ctx.store.delete_object(bucket, &object.key) {
                Ok(_) => DeleteOutcome::Deleted {
                    key: object.key,
                    version_id: object.version_id,
                },
                Err(e) => {
                    let err = S3Error::from(e);
                    DeleteOutcome::Failed {
                        key: object.key,
                        version_id: object.version_id,
                        code: err.code.as_str(),
                        message: err.message,
                    }
                }
            },
        };
        outcomes.push(outcome);
    }
    // Synced even when nothing was deleted here: another DELETE of these keys may not be durable yet.
    ctx.store.sync().await?;
    Ok(xml_response(xml::delete_result(
        &outcomes,
        request.quiet.unwrap_or(false),
    )))
}
