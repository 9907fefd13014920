//! RestoreObject, and what an archived (GLACIER or DEEP_ARCHIVE) object allows before it: S3
//! serves such an object's bytes only from a restored copy, for the days the restore asked.
//! minis3 restores at once (S3 takes minutes to hours), which is what a test wants to wait for.

use super::{names, require_object, RequestContext};
use crate::auth::body::RequestBody;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::{ObjectMeta, StorageClass};
use crate::{timefmt, xml};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A restore request is a few short elements.
const MAX_RESTORE_BODY: usize = 16 * 1024;
/// A century: an expiry date past that would not even fit the header's four-digit year.
const MAX_RESTORE_DAYS: u32 = 36_500;

/// An archived object's bytes are refused until it is restored: to a GET with
/// InvalidObjectState, as the source of a copy with ObjectNotInActiveTierError (S3's codes).
pub(super) fn check_readable(meta: &ObjectMeta, as_copy_source: bool) -> Result<(), S3Error> {
    if !meta.storage_class.is_archived() || meta.restored_until(timefmt::now_ms()).is_some() {
        return Ok(());
    }
    Err(if as_copy_source {
        s3_error!(ObjectNotInActiveTierError)
    } else {
        s3_error!(InvalidObjectState).detail("StorageClass", meta.storage_class.name().to_string())
    })
}

/// `x-amz-restore` on GET and HEAD of an archived object whose restored copy can be read.
pub(super) fn restore_header(response: &mut HttpResponseBuilder, meta: &ObjectMeta) {
    if let Some(expiry) = meta.restored_until(timefmt::now_ms()) {
        let value = format!(
            "ongoing-request=\"false\", expiry-date=\"{}\"",
            timefmt::http_date(expiry.div_euclid(1000))
        );
        response.insert_header((names::RESTORE, value));
    }
}

/// S3 keeps a restored copy until midnight UTC after the days asked for have passed.
fn expiry_after(now_ms: i64, days: u32) -> i64 {
    let end = now_ms + i64::from(days) * DAY_MS;
    end.div_euclid(DAY_MS) * DAY_MS + if end % DAY_MS == 0 { 0 } else { DAY_MS }
}

/// 202 when a restore begins, 200 when the object was already restored (its copy is kept
/// longer); only GLACIER and DEEP_ARCHIVE objects can be restored.
pub async fn handle_restore_object(
    ctx: &RequestContext<'_>,
    bucket: &str,
    key: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    super::require_bucket(ctx, bucket)?;
    let document = body.read_to_end(MAX_RESTORE_BODY).await?;
    let request: xml::RestoreRequestBody = xml::parse(&document)?;
    // The object as it is once the body has arrived; the restore applies to it alone.
    let meta = require_object(ctx, bucket, key)?;
    if request.kind.is_some_and(|kind| !kind.is_empty()) {
        return Err(s3_error!(
            NotImplemented,
            "minis3 does not implement restore requests of a Type (S3 Select)."
        ));
    }
    // A restore names its tier in GlacierJobParameters; a top-level Tier belongs to SELECT.
    if request.select_tier.is_some() {
        return Err(s3_error!(MalformedXML));
    }
    if let Some(job) = &request.job {
        if !["Standard", "Bulk", "Expedited"].contains(&job.tier.as_str()) {
            return Err(s3_error!(MalformedXML));
        }
    }
    if meta.storage_class == StorageClass::IntelligentTiering {
        // minis3 has no archive tiers: such an object is always in its active tier.
        return Err(match request.days {
            Some(_) => s3_error!(
                InvalidArgument,
                "INTELLIGENT_TIERING objects are not subject to restore expiry. Do not specify Days."
            ),
            None => s3_error!(ObjectAlreadyInActiveTierError),
        });
    }
    if !meta.storage_class.is_archived() {
        return Err(s3_error!(
            InvalidObjectState,
            "Restore is not allowed for the object's current storage class"
        )
        .detail("StorageClass", meta.storage_class.name().to_string()));
    }
    let days = match request.days {
        Some(days) if (1..=MAX_RESTORE_DAYS).contains(&days) => days,
        _ => {
            return Err(s3_error!(
                InvalidArgument,
                "Days must be from 1 to {MAX_RESTORE_DAYS} for an archived object's restore."
            )
            .detail("ArgumentName", "Days"))
        }
    };
    let now = timefmt::now_ms();
    let already = meta.restored_until(now).is_some();
    ctx.store
        .set_restore_expiry(bucket, key, &meta, expiry_after(now, days))
        .map_err(|e| S3Error::from(e).detail("Key", key))?;
    ctx.store.sync().await?;
    let status = if already {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    Ok(HttpResponse::build(status).finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restore_lasts_until_the_midnight_after_its_days() {
        // 2026-12-07 17:00 UTC plus one day is kept until 2026-12-09 00:00 UTC.
        let now = 1_796_662_800_000;
        assert_eq!(now % DAY_MS, 17 * 60 * 60 * 1000);
        let midnight_today = now - 17 * 60 * 60 * 1000;
        assert_eq!(expiry_after(now, 1), midnight_today + 2 * DAY_MS);
        assert_eq!(expiry_after(now, 3), midnight_today + 4 * DAY_MS);
        // Exactly at midnight, no rounding.
        assert_eq!(expiry_after(midnight_today, 1), midnight_today + DAY_MS);
    }
}
