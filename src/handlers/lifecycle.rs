//! Put/Get/DeleteBucketLifecycleConfiguration: a bucket's lifecycle rules, validated as S3
//! validates them; `storage::lifecycle` carries them out.

use super::{names, put, require_bucket, tagging, RequestContext};
use crate::auth::body::RequestBody;
use crate::auth::sigv4::uri_encode;
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::lifecycle::{
    is_transition_target, Expiration, Lifecycle, LifecycleRule, NoncurrentExpiration,
    NoncurrentTransition, RuleFilter, Transition, When,
};
use crate::storage::{ObjectMeta, StorageClass};
use crate::{timefmt, xml};
use actix_web::{HttpResponse, HttpResponseBuilder};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// S3's limits: rules per configuration, characters in a rule's ID.
const MAX_RULES: usize = 1000;
const MAX_ID_CHARS: usize = 255;
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// The largest object size a filter may name: 5 TB, S3's largest object.
const MAX_FILTER_SIZE: u64 = 5 * 1024 * 1024 * 1024 * 1024;

/// `x-amz-transition-default-minimum-object-size`, and its two values.
const MINIMUM_SIZE_HEADER: &str = "x-amz-transition-default-minimum-object-size";
const ALL_CLASSES_128K: &str = "all_storage_classes_128K";
const VARIES_BY_CLASS: &str = "varies_by_storage_class";

pub async fn handle_put_lifecycle(
    ctx: &RequestContext<'_>,
    bucket: &str,
    mut body: RequestBody,
) -> Result<HttpResponse, S3Error> {
    require_bucket(ctx, bucket)?;
    let minimum_varies_by_class = match ctx.header(MINIMUM_SIZE_HEADER) {
        None | Some(ALL_CLASSES_128K) => false,
        Some(VARIES_BY_CLASS) => true,
        Some(other) => {
            return Err(s3_error!(
                InvalidArgument,
                "Invalid value for {MINIMUM_SIZE_HEADER}: {other}"
            )
            .detail("ArgumentName", MINIMUM_SIZE_HEADER)
            .detail("ArgumentValue", other))
        }
    };
    let document = super::read_document(ctx, &mut body, MAX_BODY_BYTES).await?;
    let parsed: xml::LifecycleConfigurationBody = xml::parse(&document)?;
    let lifecycle = Lifecycle {
        rules: rules_from(parsed)?,
        minimum_varies_by_class,
    };
    ctx.store
        .update_bucket(bucket, |meta| meta.lifecycle = Some(lifecycle.clone()))?;
    ctx.store.sync().await?;
    Ok(HttpResponse::Ok()
        .insert_header((MINIMUM_SIZE_HEADER, minimum_size_name(&lifecycle)))
        .finish())
}

pub fn handle_get_lifecycle(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    let meta = require_bucket(ctx, bucket)?;
    let lifecycle = meta
        .lifecycle
        .ok_or_else(|| s3_error!(NoSuchLifecycleConfiguration).detail("BucketName", bucket))?;
    Ok(HttpResponse::Ok()
        .content_type("application/xml")
        .insert_header((MINIMUM_SIZE_HEADER, minimum_size_name(&lifecycle)))
        .body(xml::lifecycle_configuration(&lifecycle)))
}

pub async fn handle_delete_lifecycle(
    ctx: &RequestContext<'_>,
    bucket: &str,
) -> Result<HttpResponse, S3Error> {
    super::remove_bucket_setting(ctx, bucket, |meta| meta.lifecycle = None).await
}

/// `x-amz-expiration` on reads and writes of an object a rule of its bucket will expire, as
/// S3 sends it: the day and the rule (its ID URL-encoded).
pub fn expiration_header(
    ctx: &RequestContext<'_>,
    response: &mut HttpResponseBuilder,
    bucket: &str,
    key: &str,
    object: &ObjectMeta,
) -> Result<(), S3Error> {
    if let Some((due, rule)) = ctx.store.object_expiry(bucket, key, object)? {
        let value = format!(
            "expiry-date=\"{}\", rule-id=\"{}\"",
            timefmt::http_date(due),
            uri_encode(rule.as_bytes(), true)
        );
        response.insert_header((names::EXPIRATION, value));
    }
    Ok(())
}

fn minimum_size_name(lifecycle: &Lifecycle) -> &'static str {
    if lifecycle.minimum_varies_by_class {
        VARIES_BY_CLASS
    } else {
        ALL_CLASSES_128K
    }
}

/// The rules of a configuration body, each checked as S3 checks it.
fn rules_from(body: xml::LifecycleConfigurationBody) -> Result<Vec<LifecycleRule>, S3Error> {
    if body.rules.is_empty() {
        return Err(s3_error!(MalformedXML));
    }
    if body.rules.len() > MAX_RULES {
        return Err(s3_error!(
            InvalidRequest,
            "A lifecycle configuration may have at most {MAX_RULES} rules"
        ));
    }
    let mut ids = HashSet::new();
    let mut rules = Vec::with_capacity(body.rules.len());
    for (index, rule) in body.rules.into_iter().enumerate() {
        let rule = rule_from(rule, index)?;
        if !ids.insert(rule.id.clone()) {
            return Err(s3_error!(
                InvalidArgument,
                "Rule ID must be unique. Found same ID for more than one rule"
            )
            .detail("ArgumentName", "ID")
            .detail("ArgumentValue", rule.id));
        }
        rules.push(rule);
    }
    Ok(rules)
}

fn rule_from(rule: xml::LifecycleRuleBody, index: usize) -> Result<LifecycleRule, S3Error> {
    let id = match rule.id {
        Some(id) if id.chars().count() > MAX_ID_CHARS => {
            return Err(s3_error!(
                InvalidArgument,
                "ID length should not exceed allowed limit of {MAX_ID_CHARS}"
            )
            .detail("ArgumentName", "ID")
            .detail("ArgumentValue", id))
        }
        Some(id) if !id.is_empty() => id,
        _ => made_up_id(index),
    };
    let enabled = match rule.status.as_deref() {
        Some("Enabled") => true,
        Some("Disabled") => false,
        _ => return Err(s3_error!(MalformedXML)),
    };
    let filter = match (rule.prefix, rule.filter) {
        (Some(prefix), None) => RuleFilter::LegacyPrefix(prefix),
        (None, Some(filter)) => filter_from(filter)?,
        _ => return Err(s3_error!(MalformedXML)),
    };
    let has_tags = !filter.tags().is_empty();
    let expiration = rule.expiration.map(expiration_from).transpose()?;
    if has_tags && matches!(expiration, Some(Expiration::ExpiredObjectDeleteMarker(_))) {
        return Err(s3_error!(
            InvalidRequest,
            "ExpiredObjectDeleteMarker cannot be specified with object tags in a lifecycle rule"
        ));
    }
    let transitions = rule
        .transitions
        .into_iter()
        .map(transition_from)
        .collect::<Result<Vec<_>, _>>()?;
    check_transitions(&transitions, expiration.as_ref())?;
    let noncurrent_expiration = rule
        .noncurrent_version_expiration
        .map(|e| {
            Ok::<_, S3Error>(NoncurrentExpiration {
                noncurrent_days: positive_days(
                    e.noncurrent_days.as_deref(),
                    "NoncurrentDays",
                    "NoncurrentVersionExpiration",
                )?,
                newer_noncurrent_versions: newer_versions(e.newer_noncurrent_versions.as_deref())?,
            })
        })
        .transpose()?;
    let noncurrent_transitions = rule
        .noncurrent_version_transitions
        .into_iter()
        .map(|t| {
            let transition = NoncurrentTransition {
                noncurrent_days: days(t.noncurrent_days.as_deref(), "NoncurrentDays")?
                    .ok_or_else(|| s3_error!(MalformedXML))?,
                newer_noncurrent_versions: newer_versions(t.newer_noncurrent_versions.as_deref())?,
                storage_class: transition_class(t.storage_class.as_deref())?,
            };
            check_ia_minimum(
                transition.storage_class,
                transition.noncurrent_days,
                "NoncurrentDays",
                "NoncurrentVersionTransition",
            )?;
            Ok::<_, S3Error>(transition)
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_noncurrent(noncurrent_expiration.as_ref(), &noncurrent_transitions)?;
    let abort_incomplete_after_days = rule
        .abort_incomplete_multipart_upload
        .map(|a| {
            positive_days(
                a.days_after_initiation.as_deref(),
                "DaysAfterInitiation",
                "AbortIncompleteMultipartUpload",
            )
        })
        .transpose()?;
    if has_tags && abort_incomplete_after_days.is_some() {
        return Err(s3_error!(
            InvalidRequest,
            "AbortIncompleteMultipartUpload cannot be specified with Tags."
        ));
    }
    let no_action = expiration.is_none()
        && transitions.is_empty()
        && noncurrent_expiration.is_none()
        && noncurrent_transitions.is_empty()
        && abort_incomplete_after_days.is_none();
    if no_action {
        return Err(s3_error!(
            InvalidRequest,
            "At least one action needs to be specified in a rule"
        ));
    }
    Ok(LifecycleRule {
        id,
        enabled,
        filter,
        expiration,
        transitions,
        noncurrent_expiration,
        noncurrent_transitions,
        abort_incomplete_after_days,
    })
}

/// S3 names a rule sent without an ID; a made-up one is unique within its configuration.
fn made_up_id(index: usize) -> String {
    let seed = format!("{}:{index}", timefmt::now_ms());
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(seed.as_bytes()))
}

fn filter_from(filter: xml::LifecycleFilterBody) -> Result<RuleFilter, S3Error> {
    let xml::LifecycleFilterBody {
        prefix,
        tag,
        object_size_greater_than,
        object_size_less_than,
        and,
    } = filter;
    let named = [
        prefix.is_some(),
        tag.is_some(),
        object_size_greater_than.is_some(),
        object_size_less_than.is_some(),
        and.is_some(),
    ]
    .into_iter()
    .filter(|present| *present)
    .count();
    if named > 1 {
        return Err(s3_error!(MalformedXML));
    }
    let greater = size(object_size_greater_than.as_deref(), "ObjectSizeGreaterThan")?;
    let less = size(object_size_less_than.as_deref(), "ObjectSizeLessThan")?;
    Ok(match (prefix, tag, greater, less, and) {
        (Some(prefix), ..) => RuleFilter::Prefix(prefix),
        (_, Some(tag), ..) => {
            let pair = tag_pair(tag);
            tagging::check_each_tag(std::slice::from_ref(&pair))?;
            RuleFilter::Tag(pair)
        }
        (_, _, Some(n), ..) => RuleFilter::SizeGreaterThan(n),
        (_, _, _, Some(n), _) => RuleFilter::SizeLessThan(n),
        (_, _, _, _, Some(and)) => {
            let tags: Vec<(String, String)> = and.tags.into_iter().map(tag_pair).collect();
            // Unlike an object's tag set, a filter's has no limit of 10.
            tagging::check_each_tag(&tags)?;
            let greater = size(
                and.object_size_greater_than.as_deref(),
                "ObjectSizeGreaterThan",
            )?;
            let less = size(and.object_size_less_than.as_deref(), "ObjectSizeLessThan")?;
            if let (Some(g), Some(l)) = (greater, less) {
                if g >= l {
                    return Err(s3_error!(
                        InvalidArgument,
                        "ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the And of a lifecycle filter"
                    ));
                }
            }
            RuleFilter::And {
                prefix: and.prefix,
                tags,
                size_greater_than: greater,
                size_less_than: less,
            }
        }
        (None, None, None, None, None) => RuleFilter::Everything,
    })
}

/// A whole number from 0 to `max`, if given.
fn bounded(text: Option<&str>, name: &str, max: u64) -> Result<Option<u64>, S3Error> {
    text.map(|t| {
        t.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                s3_error!(
                    InvalidArgument,
                    "'{name}' must be an integer from 0 to {max}"
                )
                .detail("ArgumentName", name.to_string())
                .detail("ArgumentValue", t.to_string())
            })
    })
    .transpose()
}

/// An object size of a filter: S3 takes up to 5 TB.
/// A filter's tag; one without a Value matches objects whose tag has an empty value.
fn tag_pair(tag: xml::LifecycleTagBody) -> (String, String) {
    (tag.key, tag.value.unwrap_or_default())
}

fn size(text: Option<&str>, name: &str) -> Result<Option<u64>, S3Error> {
    bounded(text, name, MAX_FILTER_SIZE)
}

/// A days count: a whole number that SDKs can read back as a 32-bit integer.
fn days(text: Option<&str>, name: &str) -> Result<Option<u32>, S3Error> {
    let days = bounded(text, name, i32::MAX as u64)?;
    // Bounded above by i32::MAX, so the conversion cannot fail.
    Ok(days.and_then(|d| u32::try_from(d).ok()))
}

/// A days count that must be at least 1, as S3 words its refusal.
fn positive_days(text: Option<&str>, name: &str, action: &str) -> Result<u32, S3Error> {
    match days(text, name) {
        Ok(Some(n)) if n > 0 => Ok(n),
        Ok(None) => Err(s3_error!(MalformedXML)),
        _ => Err(s3_error!(
            InvalidArgument,
            "'{name}' for {action} action must be a positive integer"
        )
        .detail("ArgumentName", name.to_string())
        .detail("ArgumentValue", text.unwrap_or_default().to_string())),
    }
}

fn newer_versions(text: Option<&str>) -> Result<Option<u32>, S3Error> {
    match days(text, "NewerNoncurrentVersions")? {
        Some(n) if !(1..=100).contains(&n) => Err(s3_error!(
            InvalidArgument,
            "'NewerNoncurrentVersions' must be between 1 and 100"
        )),
        n => Ok(n),
    }
}

/// A lifecycle `Date`: ISO 8601, at midnight UTC.
fn date(text: &str) -> Result<i64, S3Error> {
    let secs = timefmt::parse_rfc3339(text).ok_or_else(|| {
        s3_error!(InvalidArgument, "'Date' must be an ISO 8601 date")
            .detail("ArgumentName", "Date")
            .detail("ArgumentValue", text.to_string())
    })?;
    if secs % 86_400 != 0 {
        return Err(s3_error!(InvalidArgument, "'Date' must be at midnight GMT")
            .detail("ArgumentName", "Date")
            .detail("ArgumentValue", text.to_string()));
    }
    Ok(secs)
}

fn expiration_from(e: xml::LifecycleExpirationBody) -> Result<Expiration, S3Error> {
    match (e.days, e.date, e.expired_object_delete_marker) {
        (Some(days), None, None) => Ok(Expiration::At(When::Days(positive_days(
            Some(&days),
            "Days",
            "Expiration",
        )?))),
        (None, Some(d), None) => Ok(Expiration::At(When::Date(date(&d)?))),
        (None, None, Some(marker)) => match marker.trim() {
            "true" => Ok(Expiration::ExpiredObjectDeleteMarker(true)),
            "false" => Ok(Expiration::ExpiredObjectDeleteMarker(false)),
            _ => Err(s3_error!(MalformedXML)),
        },
        _ => Err(s3_error!(MalformedXML)),
    }
}

fn transition_class(name: Option<&str>) -> Result<StorageClass, S3Error> {
    let class = put::storage_class_named(name.ok_or_else(|| s3_error!(MalformedXML))?)?;
    if !is_transition_target(class) {
        return Err(s3_error!(
            InvalidRequest,
            "'StorageClass' {} is not a lifecycle transition target",
            class.name()
        ));
    }
    Ok(class)
}

fn transition_from(t: xml::LifecycleTransitionBody) -> Result<Transition, S3Error> {
    let when = match (t.days, t.date) {
        (Some(d), None) => When::Days(days(Some(&d), "Days")?.unwrap_or_default()),
        (None, Some(d)) => When::Date(date(&d)?),
        _ => return Err(s3_error!(MalformedXML)),
    };
    let storage_class = transition_class(t.storage_class.as_deref())?;
    if let When::Days(days) = when {
        check_ia_minimum(storage_class, days, "Days", "Transition")?;
    }
    Ok(Transition {
        when,
        storage_class,
    })
}

/// The noncurrent actions together, as [`check_transitions`] for current versions: one
/// transition per class, and the expiration after every transition.
fn check_noncurrent(
    expiration: Option<&NoncurrentExpiration>,
    transitions: &[NoncurrentTransition],
) -> Result<(), S3Error> {
    let mut classes = HashSet::new();
    if transitions
        .iter()
        .any(|t| !classes.insert(t.storage_class.name()))
    {
        return Err(s3_error!(
            InvalidRequest,
            "'StorageClass' must be different for 'NoncurrentVersionTransition' actions in same 'Rule'"
        ));
    }
    let latest = transitions.iter().map(|t| t.noncurrent_days).max();
    if let (Some(e), Some(latest)) = (expiration, latest) {
        if e.noncurrent_days <= latest {
            return Err(s3_error!(
                InvalidArgument,
                "'NoncurrentDays' in the NoncurrentVersionExpiration action must be greater than 'NoncurrentDays' in the NoncurrentVersionTransition action"
            ));
        }
    }
    Ok(())
}

/// The IA classes take objects (or versions) 30 days old at the earliest.
fn check_ia_minimum(
    class: StorageClass,
    days: u32,
    name: &str,
    action: &str,
) -> Result<(), S3Error> {
    let ia = matches!(class, StorageClass::StandardIa | StorageClass::OnezoneIa);
    if ia && days < 30 {
        return Err(s3_error!(
            InvalidArgument,
            "'{name}' in {action} action must be greater than or equal to 30 for storageClass '{}'",
            class.name()
        ));
    }
    Ok(())
}

/// One rule's transitions together: one per class, all by days or all by date (with its
/// expiration), and the expiration after every transition.
fn check_transitions(
    transitions: &[Transition],
    expiration: Option<&Expiration>,
) -> Result<(), S3Error> {
    let mut classes = HashSet::new();
    for t in transitions {
        if !classes.insert(t.storage_class.name()) {
            return Err(s3_error!(
                InvalidRequest,
                "'StorageClass' must be different for 'Transition' actions in same 'Rule'"
            ));
        }
    }
    let by_days = |w: &When| matches!(w, When::Days(_));
    let mut whens: Vec<When> = transitions.iter().map(|t| t.when).collect();
    if let Some(Expiration::At(when)) = expiration {
        whens.push(*when);
    }
    if whens.iter().any(by_days) && !whens.iter().all(by_days) {
        return Err(s3_error!(
            InvalidRequest,
            "Found mixed 'Date' and 'Days' based Expiration and Transition actions in lifecycle rule"
        ));
    }
    // S3 keeps an object 30 days in an IA class before a Glacier class takes it.
    for ia in transitions.iter().filter(|t| {
        matches!(
            t.storage_class,
            StorageClass::StandardIa | StorageClass::OnezoneIa
        )
    }) {
        for glacier in transitions.iter().filter(|t| {
            matches!(
                t.storage_class,
                StorageClass::Glacier | StorageClass::DeepArchive
            )
        }) {
            if let (When::Days(a), When::Days(b)) = (ia.when, glacier.when) {
                if u64::from(b) < u64::from(a) + 30 {
                    return Err(s3_error!(
                        InvalidArgument,
                        "'Days' in the Transition action for StorageClass '{}' must be at least 30 more than 'Days' in the Transition action for StorageClass '{}'",
                        glacier.storage_class.name(),
                        ia.storage_class.name()
                    ));
                }
            }
        }
    }
    if let Some(Expiration::At(When::Date(expire))) = expiration {
        let latest = transitions
            .iter()
            .filter_map(|t| match t.when {
                When::Date(d) => Some(d),
                When::Days(_) => None,
            })
            .max();
        if latest.is_some_and(|d| *expire <= d) {
            return Err(s3_error!(
                InvalidArgument,
                "'Date' in the Expiration action must be later than 'Date' in the Transition action"
            ));
        }
    }
    if let Some(Expiration::At(When::Days(expire))) = expiration {
        let latest = transitions
            .iter()
            .filter_map(|t| match t.when {
                When::Days(d) => Some(d),
                When::Date(_) => None,
            })
            .max();
        if latest.is_some_and(|d| *expire <= d) {
            return Err(s3_error!(
                InvalidArgument,
                "'Days' in the Expiration action must be greater than 'Days' in the Transition action"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> Result<Vec<LifecycleRule>, S3Error> {
        let parsed: xml::LifecycleConfigurationBody = xml::parse(body.as_bytes())?;
        rules_from(parsed)
    }

    fn rule(inner: &str) -> String {
        format!("<LifecycleConfiguration><Rule>{inner}</Rule></LifecycleConfiguration>")
    }

    fn refusal(inner: &str) -> (String, String) {
        let e = parse(&rule(inner)).expect_err("refused");
        (e.code.as_str().to_string(), e.message)
    }

    #[test]
    fn every_filter_form_reads_back_as_written() {
        let rules = parse(
            "<LifecycleConfiguration>\
             <Rule><ID>a</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>\
             <Rule><ID>b</ID><Filter/><Status>Disabled</Status><Expiration><Date>2027-01-01T00:00:00.000Z</Date></Expiration></Rule>\
             <Rule><ID>c</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status>\
               <Transition><Days>30</Days><StorageClass>STANDARD_IA</StorageClass></Transition>\
               <Transition><Days>90</Days><StorageClass>GLACIER</StorageClass></Transition></Rule>\
             <Rule><ID>d</ID><Filter><And><Prefix>p/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag>\
               <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>\
               <NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>\
             <Rule><Filter><ObjectSizeLessThan>100</ObjectSizeLessThan></Filter><Status>Enabled</Status>\
               <AbortIncompleteMultipartUpload><DaysAfterInitiation>3</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>\
             </LifecycleConfiguration>",
        )
        .expect("valid");
        assert_eq!(rules.len(), 5);
        assert_eq!(rules[0].filter, RuleFilter::LegacyPrefix("logs/".into()));
        assert_eq!(rules[1].filter, RuleFilter::Everything);
        assert!(!rules[1].enabled);
        assert_eq!(
            rules[1].expiration,
            Some(Expiration::At(When::Date(1_798_761_600)))
        );
        assert_eq!(rules[2].transitions.len(), 2);
        assert!(matches!(
            rules[3].filter,
            RuleFilter::And {
                size_greater_than: Some(10),
                ..
            }
        ));
        assert_eq!(rules[4].abort_incomplete_after_days, Some(3));
        assert!(!rules[4].id.is_empty());
        let lifecycle = Lifecycle {
            rules,
            minimum_varies_by_class: false,
        };
        // What GET answers parses back to the same rules.
        let document = xml::lifecycle_configuration(&lifecycle);
        let again = parse(&document).expect("round trip");
        assert_eq!(again, lifecycle.rules);
    }

    #[test]
    fn bad_rules_are_refused_as_s3_refuses_them() {
        let expire = "<Expiration><Days>1</Days></Expiration>";
        let refused = |inner: String| refusal(&inner);
        assert_eq!(
            refused(format!("<Status>Enabled</Status>{expire}")).0,
            "MalformedXML"
        );
        assert_eq!(
            refused(format!("<Filter/><Status>On</Status>{expire}")).0,
            "MalformedXML"
        );
        assert_eq!(
            refused(format!(
                "<Prefix/><Filter/><Status>Enabled</Status>{expire}"
            ))
            .0,
            "MalformedXML"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status>".into()),
            (
                "InvalidRequest".into(),
                "At least one action needs to be specified in a rule".into()
            )
        );
        assert_eq!(
            refused(
                "<Filter/><Status>Enabled</Status><Expiration><Days>0</Days></Expiration>".into()
            ),
            (
                "InvalidArgument".into(),
                "'Days' for Expiration action must be a positive integer".into()
            )
        );
        assert_eq!(
            refused(
                "<Filter/><Status>Enabled</Status><Expiration><Days>-1</Days></Expiration>".into()
            )
            .0,
            "InvalidArgument"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Expiration><Date>2027-01-01T12:00:00Z</Date></Expiration>".into()),
            ("InvalidArgument".into(), "'Date' must be at midnight GMT".into())
        );
        assert_eq!(
            refused(format!(
                "<ID>{}</ID><Filter/><Status>Enabled</Status>{expire}",
                "x".repeat(256)
            ))
            .1,
            "ID length should not exceed allowed limit of 255"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Transition><Days>10</Days><StorageClass>STANDARD_IA</StorageClass></Transition>".into()).0,
            "InvalidArgument"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Transition><Days>10</Days><StorageClass>CHEAP</StorageClass></Transition>".into()).0,
            "InvalidStorageClass"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Transition><Days>10</Days><StorageClass>STANDARD</StorageClass></Transition>".into()).0,
            "InvalidRequest"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Expiration><Days>10</Days></Expiration><Transition><Days>40</Days><StorageClass>GLACIER</StorageClass></Transition>".into()).0,
            "InvalidArgument"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><Expiration><Days>100</Days></Expiration><Transition><Date>2027-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>".into()).0,
            "InvalidRequest"
        );
        assert_eq!(
            refused("<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>".into()).0,
            "InvalidRequest"
        );
        assert_eq!(
            refused(format!("<Filter><Prefix>a</Prefix><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter><Status>Enabled</Status>{expire}")).0,
            "MalformedXML"
        );
        assert_eq!(
            refused(format!("<Filter><And><ObjectSizeGreaterThan>9</ObjectSizeGreaterThan><ObjectSizeLessThan>5</ObjectSizeLessThan></And></Filter><Status>Enabled</Status>{expire}")).0,
            "InvalidArgument"
        );
        let twice = format!(
            "<LifecycleConfiguration><Rule><ID>x</ID><Filter/><Status>Enabled</Status>{expire}</Rule>\
             <Rule><ID>x</ID><Filter/><Status>Enabled</Status>{expire}</Rule></LifecycleConfiguration>"
        );
        assert_eq!(
            parse(&twice).expect_err("duplicate").message,
            "Rule ID must be unique. Found same ID for more than one rule"
        );
        assert_eq!(
            refused("<Filter/><Status>Enabled</Status><NoncurrentVersionTransition><NoncurrentDays>7</NoncurrentDays><StorageClass>ONEZONE_IA</StorageClass></NoncurrentVersionTransition>".into()),
            (
                "InvalidArgument".into(),
                "'NoncurrentDays' in NoncurrentVersionTransition action must be greater than or equal to 30 for storageClass 'ONEZONE_IA'".into()
            )
        );
        assert_eq!(
            parse("<LifecycleConfiguration></LifecycleConfiguration>")
                .expect_err("empty")
                .code
                .as_str(),
            "MalformedXML"
        );
    }

    #[test]
    fn rules_whose_actions_conflict_or_overflow_are_refused() {
        let status = "<Filter/><Status>Enabled</Status>";
        let transition = |days: &str, class: &str| {
            format!(
                "<Transition><Days>{days}</Days><StorageClass>{class}</StorageClass></Transition>"
            )
        };
        let code = |inner: String| refusal(&inner).0;
        // A Glacier class 30 days after an IA one at the earliest.
        let close = format!(
            "{status}{}{}",
            transition("30", "STANDARD_IA"),
            transition("59", "GLACIER")
        );
        assert_eq!(code(close), "InvalidArgument");
        let apart = format!(
            "{status}{}{}",
            transition("30", "STANDARD_IA"),
            transition("60", "GLACIER")
        );
        assert!(parse(&rule(&apart)).is_ok());
        let by_date = format!(
            "{status}<Transition><Date>2027-02-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition>\
             <Expiration><Date>2027-01-01T00:00:00Z</Date></Expiration>"
        );
        assert_eq!(code(by_date), "InvalidArgument");
        let noncurrent = |expire: u32, transition: u32| {
            format!(
                "{status}<NoncurrentVersionTransition><NoncurrentDays>{transition}</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>\
                 <NoncurrentVersionExpiration><NoncurrentDays>{expire}</NoncurrentDays></NoncurrentVersionExpiration>"
            )
        };
        assert_eq!(code(noncurrent(10, 10)), "InvalidArgument");
        assert!(parse(&rule(&noncurrent(11, 10))).is_ok());
        let twice = format!(
            "{status}<NoncurrentVersionTransition><NoncurrentDays>1</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>\
             <NoncurrentVersionTransition><NoncurrentDays>2</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"
        );
        assert_eq!(code(twice), "InvalidRequest");
        // Numbers SDKs read back as 32-bit integers; sizes up to 5 TB.
        assert_eq!(
            code(format!(
                "{status}<Expiration><Days>3000000000</Days></Expiration>"
            )),
            "InvalidArgument"
        );
        let huge = "<Filter><ObjectSizeGreaterThan>5497558138881</ObjectSizeGreaterThan></Filter>";
        assert_eq!(
            code(format!(
                "{huge}<Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
            )),
            "InvalidArgument"
        );
        assert_eq!(
            code(format!(
                "{status}<Expiration><Date>2027-02-31T00:00:00Z</Date></Expiration>"
            )),
            "InvalidArgument"
        );
    }

    #[test]
    fn filter_tags_may_lack_a_value_and_be_more_than_ten() {
        let keyed = parse(&rule(
            "<Filter><Tag><Key>archive</Key></Tag></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>",
        ))
        .expect("valid");
        assert_eq!(
            keyed[0].filter,
            RuleFilter::Tag(("archive".into(), String::new()))
        );
        let eleven: String = (0..11)
            .map(|i| format!("<Tag><Key>k{i}</Key><Value>v</Value></Tag>"))
            .collect();
        let many = parse(&rule(&format!(
            "<Filter><And>{eleven}</And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration>"
        )))
        .expect("valid");
        assert_eq!(many[0].filter.tags().len(), 11);
    }
}
