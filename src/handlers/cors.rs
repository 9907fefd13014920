//! Bucket CORS configuration: PutBucketCors, GetBucketCors, DeleteBucketCors.

use super::{require_bucket, xml_response, RequestContext};
use crate::auth::body::RequestBody;
use crate::cors;
use crate::error::S3Error;
use crate::s3_error;
use crate::xml;
use actix_web::HttpResponse;

/// S3 accepts CORS configurations up to 64 KB.
const MAX_CONFIGURATION_BYTES: usize = 64 * 1024;

pub async fn handle_put_bucket_cors(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let document = super::read_document(ctx, &mut body, MAX_CONFIGURATION_BYTES)
        .await
        .map_err(|e| match e.code.as_str() {
            "EntityTooLarge" => s3_error!(
                MalformedXML,
                "The CORS configuration is larger than {MAX_CONFIGURATION_BYTES} bytes."
            ),
            _ => e,
        })?;
    let parsed: xml::CorsConfigurationBody = xml::parse(&document)?;
    let rules = parsed.into_rules();
    cors::validate(&rules)?;
    ctx.store
        .update_bucket(bucket, |meta| meta.cors = Some(rules.clone()))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok().finish())
}

pub fn handle_get_bucket_cors(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    match meta.cors {
        Some(rules) => Ok(xml_response(xml::cors_configuration(&rules))),
        None => Err(s3_error!(NoSuchCORSConfiguration).detail("BucketName", bucket)),
    }
}

pub async fn handle_delete_bucket_cors(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.cors = None).await
}
