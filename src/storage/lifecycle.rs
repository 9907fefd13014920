//! Bucket lifecycle rules as kept with a bucket (PutBucketLifecycleConfiguration's model), and
//! carrying them out: objects expired, or moved to a colder storage class, and unfinished
//! multipart uploads aborted, once their day has come.
//!
//! S3 runs its rules about once a day, some time after an object's day (`Days` after creation,
//! rounded up to the next midnight UTC, or a `Date`); minis3 runs them at start, every
//! [`SWEEP_INTERVAL`], and when `minis3 admin lifecycle run` asks (optionally as of a later
//! time, to see what S3 would have done by then). Buckets are unversioned here, so the
//! noncurrent-version actions are kept and reported but have nothing to act on.

use super::list::{ListEntry, ListQuery};
use super::multipart::UploadListEntry;
use super::records::{ObjectMeta, StorageClass};
use super::{StorageResult, Store};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the server applies every bucket's rules.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// How long after start the first sweep waits: not in the way of a start measured in
/// milliseconds, nor of the first requests.
pub const FIRST_SWEEP_DELAY: Duration = Duration::from_secs(10);

const DAY_SECS: i64 = 86_400;

/// Objects smaller than this are not transitioned unless a rule's filter names a minimum size
/// (S3's default since September 2024, `all_storage_classes_128K`).
pub const DEFAULT_TRANSITION_MINIMUM: u64 = 128 * 1024;

/// Objects listed per page while a bucket's rules are applied.
const PAGE: usize = 1000;

/// The first page of a whole bucket's listing.
fn whole_bucket() -> ListQuery {
    ListQuery {
        prefix: String::new(),
        delimiter: None,
        start_after: None,
        max_keys: PAGE,
    }
}

/// A bucket's lifecycle configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub rules: Vec<LifecycleRule>,
    /// `x-amz-transition-default-minimum-object-size: varies_by_storage_class`: objects of any
    /// size may go to the Glacier classes (the IA classes keep the 128 KiB minimum). Otherwise
    /// no class takes objects under 128 KiB.
    #[serde(default)]
    pub minimum_varies_by_class: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    pub id: String,
    pub enabled: bool,
    pub filter: RuleFilter,
    pub expiration: Option<Expiration>,
    pub transitions: Vec<Transition>,
    pub noncurrent_expiration: Option<NoncurrentExpiration>,
    pub noncurrent_transitions: Vec<NoncurrentTransition>,
    /// AbortIncompleteMultipartUpload's DaysAfterInitiation.
    pub abort_incomplete_after_days: Option<u32>,
}

/// Which objects a rule applies to, in the form it was written (GET gives it back so).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleFilter {
    /// The legacy `<Prefix>` directly inside the rule.
    LegacyPrefix(String),
    /// An empty `<Filter/>`: every object.
    Everything,
    Prefix(String),
    Tag((String, String)),
    SizeGreaterThan(u64),
    SizeLessThan(u64),
    And {
        prefix: Option<String>,
        tags: Vec<(String, String)>,
        size_greater_than: Option<u64>,
        size_less_than: Option<u64>,
    },
}

impl RuleFilter {
    /// The key prefix the filter needs ("" for none).
    pub fn prefix(&self) -> &str {
        match self {
            RuleFilter::LegacyPrefix(p) | RuleFilter::Prefix(p) => p,
            RuleFilter::And {
                prefix: Some(p), ..
            } => p,
            _ => "",
        }
    }

    /// The tags an object must carry.
    pub fn tags(&self) -> &[(String, String)] {
        match self {
            RuleFilter::Tag(pair) => std::slice::from_ref(pair),
            RuleFilter::And { tags, .. } => tags,
            _ => &[],
        }
    }

    /// ObjectSizeGreaterThan and ObjectSizeLessThan.
    pub fn size_bounds(&self) -> (Option<u64>, Option<u64>) {
        match self {
            RuleFilter::SizeGreaterThan(n) => (Some(*n), None),
            RuleFilter::SizeLessThan(n) => (None, Some(*n)),
            RuleFilter::And {
                size_greater_than,
                size_less_than,
                ..
            } => (*size_greater_than, *size_less_than),
            _ => (None, None),
        }
    }

    fn matches(&self, key: &str, object: &ObjectMeta) -> bool {
        let (greater, less) = self.size_bounds();
        key.starts_with(self.prefix())
            && greater.is_none_or(|n| object.size > n)
            && less.is_none_or(|n| object.size < n)
            && self
                .tags()
                .iter()
                .all(|(k, v)| object.tags.iter().any(|(ok, ov)| ok == k && ov == v))
    }
}

/// When an action falls due: days after creation, or a date (seconds, midnight UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum When {
    Days(u32),
    Date(i64),
}

impl When {
    /// The moment (seconds) the action falls due for something created at `created_secs`:
    /// S3 adds the days and rounds up to the next midnight UTC.
    pub fn due(self, created_secs: i64) -> i64 {
        match self {
            When::Date(secs) => secs,
            When::Days(days) => {
                let t = created_secs.saturating_add(i64::from(days) * DAY_SECS);
                t.div_euclid(DAY_SECS) * DAY_SECS + if t % DAY_SECS == 0 { 0 } else { DAY_SECS }
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expiration {
    At(When),
    /// ExpiredObjectDeleteMarker: about versioned buckets' delete markers, which minis3's
    /// buckets never have.
    ExpiredObjectDeleteMarker(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub when: When,
    pub storage_class: StorageClass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentExpiration {
    pub noncurrent_days: u32,
    pub newer_noncurrent_versions: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoncurrentTransition {
    pub noncurrent_days: u32,
    pub newer_noncurrent_versions: Option<u32>,
    pub storage_class: StorageClass,
}

/// A creation time in whole seconds, rounded up: an object made a millisecond past midnight
/// is not due at the midnight its days end on, as on S3.
fn created_secs(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
}

/// How cold a class is: lifecycle transitions only ever go colder (S3's waterfall).
fn coldness(class: StorageClass) -> u8 {
    match class {
        StorageClass::Standard | StorageClass::ReducedRedundancy => 0,
        StorageClass::StandardIa => 1,
        StorageClass::IntelligentTiering => 2,
        StorageClass::OnezoneIa => 3,
        StorageClass::GlacierIr => 4,
        StorageClass::Glacier => 5,
        StorageClass::DeepArchive => 6,
    }
}

/// Whether S3's lifecycle moves an object of class `from` to `to`: only colder, and never from
/// One Zone-IA to Glacier Instant Retrieval (the one pair of the waterfall S3 excludes).
fn transition_supported(from: StorageClass, to: StorageClass) -> bool {
    coldness(to) > coldness(from)
        && !(from == StorageClass::OnezoneIa && to == StorageClass::GlacierIr)
}

/// Whether a lifecycle rule may move objects into `class` (S3's transition targets).
pub fn is_transition_target(class: StorageClass) -> bool {
    coldness(class) > 0
}

/// What applying the rules did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    pub expired: u64,
    pub transitioned: u64,
    pub aborted: u64,
    /// Buckets whose rules could not be applied (logged); the others were.
    pub failed_buckets: u64,
}

/// What is due for one object at `now`: expiry, or the coldest class it should be in.
#[derive(Debug, PartialEq, Eq)]
enum Due {
    Nothing,
    Expire,
    MoveTo(StorageClass),
}

impl Lifecycle {
    /// When the object under `key` expires, and by which rule (S3's `x-amz-expiration`): the
    /// earliest expiry among the enabled rules that apply to it.
    pub fn expiry(&self, key: &str, object: &ObjectMeta) -> Option<(i64, &str)> {
        let created = created_secs(object.last_modified_ms);
        self.rules
            .iter()
            .filter(|r| r.enabled && r.filter.matches(key, object))
            .filter_map(|r| match r.expiration {
                Some(Expiration::At(when)) => Some((when.due(created), r.id.as_str())),
                _ => None,
            })
            .min_by_key(|(due, _)| *due)
    }

    /// Whether any enabled rule expires objects.
    pub fn expires_objects(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.enabled && matches!(r.expiration, Some(Expiration::At(_))))
    }

    fn due(&self, key: &str, object: &ObjectMeta, now: i64) -> Due {
        let created = created_secs(object.last_modified_ms);
        let mut target: Option<StorageClass> = None;
        for rule in self.rules.iter().filter(|r| r.enabled) {
            if !rule.filter.matches(key, object) {
                continue;
            }
            if let Some(Expiration::At(when)) = rule.expiration {
                if when.due(created) <= now {
                    return Due::Expire;
                }
            }
            for t in &rule.transitions {
                let colder = target.is_none_or(|c| coldness(t.storage_class) > coldness(c));
                if colder
                    && transition_supported(object.storage_class, t.storage_class)
                    && t.when.due(created) <= now
                    && self.size_allows(rule, t.storage_class, object.size)
                {
                    target = Some(t.storage_class);
                }
            }
        }
        match target {
            Some(class) if transition_supported(object.storage_class, class) => Due::MoveTo(class),
            _ => Due::Nothing,
        }
    }

    /// Whether an object of `size` may be transitioned to `class` by `rule`.
    fn size_allows(&self, rule: &LifecycleRule, class: StorageClass, size: u64) -> bool {
        // A filter naming a size (either bound) takes precedence over the default minimum.
        let (greater, less) = rule.filter.size_bounds();
        if greater.is_some() || less.is_some() {
            return true;
        }
        // `varies_by_storage_class` lets small objects into Glacier Flexible Retrieval and
        // Deep Archive only; every other class keeps the minimum.
        let flexible_or_deep = matches!(class, StorageClass::Glacier | StorageClass::DeepArchive);
        (self.minimum_varies_by_class && flexible_or_deep) || size >= DEFAULT_TRANSITION_MINIMUM
    }

    /// The days after which an upload of `key` is aborted, the earliest of the rules'.
    fn abort_after(&self, key: &str) -> Option<u32> {
        self.rules
            .iter()
            .filter(|r| r.enabled && key.starts_with(r.filter.prefix()))
            // S3 refuses AbortIncompleteMultipartUpload with tag filters; size filters do not
            // apply to uploads, whose size is not known yet.
            .filter(|r| r.filter.tags().is_empty())
            .filter_map(|r| r.abort_incomplete_after_days)
            .min()
    }

    fn acts_on_objects(&self) -> bool {
        self.rules.iter().any(|r| {
            r.enabled
                && (matches!(r.expiration, Some(Expiration::At(_))) || !r.transitions.is_empty())
        })
    }

    fn aborts_uploads(&self) -> bool {
        self.rules
            .iter()
            .any(|r| r.enabled && r.abort_incomplete_after_days.is_some())
    }
}

/// Starts the thread that applies every bucket's rules for the rest of the process:
/// [`FIRST_SWEEP_DELAY`] after start, then every [`SWEEP_INTERVAL`]. What a sweep changed is
/// flushed at its end; a crash in between loses none of the objects' data, only the sweep's
/// progress, which the next one repeats.
pub fn start_sweeping(store: Store) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("minis3-lifecycle".into())
        .spawn(move || {
            let mut wait = FIRST_SWEEP_DELAY;
            loop {
                std::thread::sleep(wait);
                wait = SWEEP_INTERVAL;
                let swept = store.apply_lifecycle(crate::timefmt::now_secs());
                match swept {
                    Ok(report) if report == SweepReport::default() => {}
                    Ok(report) => {
                        tracing::info!(
                            expired = report.expired,
                            transitioned = report.transitioned,
                            aborted = report.aborted,
                            "lifecycle rules applied"
                        );
                        if let Err(e) = store.flush_blocking() {
                            tracing::error!(error = %e, "flushing the lifecycle sweep failed");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "applying lifecycle rules failed"),
                }
            }
        })?;
    Ok(())
}

impl Store {
    /// When the object `object` under `bucket`/`key` expires and by which rule, if a rule of its
    /// bucket expires it. Costs one atomic load unless some bucket has had expiring rules
    /// since the store opened (reads of every object ask).
    pub fn object_expiry(
        &self,
        bucket: &str,
        key: &str,
        object: &ObjectMeta,
    ) -> StorageResult<Option<(i64, String)>> {
        if !self.inner.expiring_rules_seen.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let Some(meta) = self.bucket(bucket)? else {
            return Ok(None);
        };
        Ok(meta
            .lifecycle
            .as_ref()
            .and_then(|l| l.expiry(key, object))
            .map(|(due, id)| (due, id.to_owned())))
    }

    /// Notes that `lifecycle` (of some bucket) may expire objects, for [`Store::object_expiry`].
    pub(super) fn note_lifecycle(&self, lifecycle: Option<&Lifecycle>) {
        if lifecycle.is_some_and(Lifecycle::expires_objects) {
            self.inner
                .expiring_rules_seen
                .store(true, Ordering::Relaxed);
        }
    }

    /// Applies every bucket's lifecycle rules as of `now` (seconds). An object replaced while
    /// its rule was being applied is left alone; the next sweep judges the new one.
    /// One bucket failing (deleted meanwhile, a damaged record) leaves the others to be done.
    pub fn apply_lifecycle(&self, now: i64) -> StorageResult<SweepReport> {
        let mut report = SweepReport::default();
        for (bucket, meta) in self.list_buckets()? {
            let Some(lifecycle) = meta.lifecycle else {
                continue;
            };
            let applied = self.apply_to_bucket(&bucket, &lifecycle, now, &mut report);
            match applied {
                Ok(()) | Err(super::StorageError::NoSuchBucket) => {}
                Err(e) => {
                    report.failed_buckets += 1;
                    tracing::error!(bucket, error = %e, "applying the bucket's lifecycle rules failed");
                }
            }
        }
        Ok(report)
    }

    fn apply_to_bucket(
        &self,
        bucket: &str,
        lifecycle: &Lifecycle,
        now: i64,
        report: &mut SweepReport,
    ) -> StorageResult<()> {
        if lifecycle.acts_on_objects() {
            self.apply_to_objects(bucket, lifecycle, now, report)?;
        }
        if lifecycle.aborts_uploads() {
            self.abort_due_uploads(bucket, lifecycle, now, report)?;
        }
        Ok(())
    }

    fn apply_to_objects(
        &self,
        bucket: &str,
        lifecycle: &Lifecycle,
        now: i64,
        report: &mut SweepReport,
    ) -> StorageResult<()> {
        let mut query = whole_bucket();
        loop {
            let page = self.list_objects(bucket, &query)?;
            for entry in &page.entries {
                let ListEntry::Object { key, meta } = entry else {
                    continue;
                };
                // Judged again on the record the change is made to: an overwrite or a retag
                // since the listing counts.
                let due = lifecycle.due(key, meta, now);
                let still_due = |current: &ObjectMeta| lifecycle.due(key, current, now) == due;
                match due {
                    Due::Nothing => {}
                    Due::Expire => {
                        if self.delete_object_if(bucket, key, still_due)? {
                            report.expired += 1;
                        }
                    }
                    Due::MoveTo(class) => {
                        if self.set_storage_class_if(bucket, key, class, still_due)? {
                            report.transitioned += 1;
                        }
                    }
                }
            }
            match (page.is_truncated, page.entries.last()) {
                (true, Some(last)) => query.start_after = Some(last.name().to_owned()),
                _ => return Ok(()),
            }
        }
    }

    fn abort_due_uploads(
        &self,
        bucket: &str,
        lifecycle: &Lifecycle,
        now: i64,
        report: &mut SweepReport,
    ) -> StorageResult<()> {
        let mut query = whole_bucket();
        let mut upload_marker: Option<String> = None;
        loop {
            let page = self.list_uploads(bucket, &query, upload_marker.as_deref())?;
            let mut last = None;
            for entry in &page.entries {
                let UploadListEntry::Upload(upload) = entry else {
                    continue;
                };
                last = Some((upload.key.clone(), upload.upload_id.clone()));
                let Some(days) = lifecycle.abort_after(&upload.key) else {
                    continue;
                };
                let initiated = created_secs(upload.meta.initiated_ms);
                if When::Days(days).due(initiated) <= now {
                    match self.abort_upload(bucket, &upload.key, &upload.upload_id) {
                        Ok(()) => report.aborted += 1,
                        // Completed or aborted meanwhile.
                        Err(super::StorageError::NoSuchUpload) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            match (page.is_truncated, last) {
                (true, Some((key, id))) => {
                    query.start_after = Some(key);
                    upload_marker = Some(id);
                }
                _ => return Ok(()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = DAY_SECS;

    #[test]
    fn days_fall_due_at_the_next_midnight_utc() {
        // Created 2026-12-07 19:30 UTC; one day later rounds up to 2026-12-09 00:00.
        let created = 1_796_601_600 + 19 * 3600 + 1800;
        assert_eq!(When::Days(1).due(created), 1_796_601_600 + 2 * DAY);
        // Exactly at midnight stays there.
        assert_eq!(When::Days(1).due(1_796_601_600), 1_796_601_600 + DAY);
        assert_eq!(When::Days(0).due(created), 1_796_601_600 + DAY);
        assert_eq!(When::Date(42).due(created), 42);
    }

    /// An object created at 2026-12-07 00:00 UTC.
    fn object(size: u64, class: StorageClass, tags: &[(&str, &str)]) -> ObjectMeta {
        ObjectMeta {
            size,
            etag: "e".into(),
            last_modified_ms: 1_796_601_600_000,
            headers: Default::default(),
            user_metadata: Vec::new(),
            checksum: None,
            segments: Vec::new(),
            parts_count: 0,
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            acl: Default::default(),
            storage_class: class,
            encryption: Default::default(),
            restore_expiry_ms: None,
        }
    }

    fn rule(filter: RuleFilter) -> LifecycleRule {
        LifecycleRule {
            id: "r".into(),
            enabled: true,
            filter,
            expiration: None,
            transitions: Vec::new(),
            noncurrent_expiration: None,
            noncurrent_transitions: Vec::new(),
            abort_incomplete_after_days: None,
        }
    }

    fn lifecycle(rules: Vec<LifecycleRule>) -> Lifecycle {
        Lifecycle {
            rules,
            minimum_varies_by_class: false,
        }
    }

    #[test]
    fn expiry_needs_the_filter_and_the_day() {
        let mut r = rule(RuleFilter::And {
            prefix: Some("logs/".into()),
            tags: vec![("keep".into(), "no".into())],
            size_greater_than: None,
            size_less_than: Some(100),
        });
        r.expiration = Some(Expiration::At(When::Days(3)));
        let l = lifecycle(vec![r.clone()]);
        let o = object(10, StorageClass::Standard, &[("keep", "no")]);
        let created = 1_796_601_600;
        assert_eq!(l.due("logs/a", &o, created + 3 * DAY - 1), Due::Nothing);
        assert_eq!(l.due("logs/a", &o, created + 3 * DAY), Due::Expire);
        assert_eq!(l.due("data/a", &o, created + 9 * DAY), Due::Nothing);
        let big = object(100, StorageClass::Standard, &[("keep", "no")]);
        assert_eq!(l.due("logs/a", &big, created + 9 * DAY), Due::Nothing);
        let untagged = object(10, StorageClass::Standard, &[]);
        assert_eq!(l.due("logs/a", &untagged, created + 9 * DAY), Due::Nothing);
        r.enabled = false;
        assert_eq!(
            lifecycle(vec![r]).due("logs/a", &o, created + 9 * DAY),
            Due::Nothing
        );
    }

    #[test]
    fn transitions_go_to_the_coldest_class_due_and_never_warmer() {
        let mut r = rule(RuleFilter::Everything);
        r.transitions = vec![
            Transition {
                when: When::Days(30),
                storage_class: StorageClass::StandardIa,
            },
            Transition {
                when: When::Days(90),
                storage_class: StorageClass::Glacier,
            },
        ];
        let l = lifecycle(vec![r]);
        let created = 1_796_601_600;
        let big = object(DEFAULT_TRANSITION_MINIMUM, StorageClass::Standard, &[]);
        assert_eq!(l.due("k", &big, created + 29 * DAY), Due::Nothing);
        assert_eq!(
            l.due("k", &big, created + 30 * DAY),
            Due::MoveTo(StorageClass::StandardIa)
        );
        assert_eq!(
            l.due("k", &big, created + 95 * DAY),
            Due::MoveTo(StorageClass::Glacier)
        );
        let frozen = object(DEFAULT_TRANSITION_MINIMUM, StorageClass::DeepArchive, &[]);
        assert_eq!(l.due("k", &frozen, created + 95 * DAY), Due::Nothing);
        // The one pair of the waterfall S3 leaves out: One Zone-IA to Instant Retrieval.
        assert!(!transition_supported(
            StorageClass::OnezoneIa,
            StorageClass::GlacierIr
        ));
        assert!(transition_supported(
            StorageClass::OnezoneIa,
            StorageClass::Glacier
        ));
        assert!(transition_supported(
            StorageClass::StandardIa,
            StorageClass::GlacierIr
        ));
        assert!(!transition_supported(
            StorageClass::Glacier,
            StorageClass::StandardIa
        ));
        // Small objects stay unless the bucket lets the Glacier classes take them.
        let small = object(10, StorageClass::Standard, &[]);
        assert_eq!(l.due("k", &small, created + 95 * DAY), Due::Nothing);
        let mut varies = l.clone();
        varies.minimum_varies_by_class = true;
        assert_eq!(
            varies.due("k", &small, created + 95 * DAY),
            Due::MoveTo(StorageClass::Glacier)
        );
        assert_eq!(varies.due("k", &small, created + 40 * DAY), Due::Nothing);
        // Instant retrieval keeps the minimum; a size filter, either bound, lifts it.
        let mut instant = rule(RuleFilter::Everything);
        instant.transitions = vec![Transition {
            when: When::Days(1),
            storage_class: StorageClass::GlacierIr,
        }];
        let mut instant_varies = lifecycle(vec![instant.clone()]);
        instant_varies.minimum_varies_by_class = true;
        assert_eq!(
            instant_varies.due("k", &small, created + 9 * DAY),
            Due::Nothing
        );
        instant.filter = RuleFilter::SizeLessThan(100);
        assert_eq!(
            lifecycle(vec![instant]).due("k", &small, created + 9 * DAY),
            Due::MoveTo(StorageClass::GlacierIr)
        );
    }

    #[test]
    fn an_objects_expiry_is_the_earliest_of_its_rules() {
        let mut week = rule(RuleFilter::Everything);
        week.id = "week".into();
        week.expiration = Some(Expiration::At(When::Days(7)));
        let mut day = rule(RuleFilter::Prefix("tmp/".into()));
        day.id = "day".into();
        day.expiration = Some(Expiration::At(When::Days(1)));
        let mut off = rule(RuleFilter::Everything);
        off.enabled = false;
        off.expiration = Some(Expiration::At(When::Date(0)));
        let l = lifecycle(vec![week, day, off]);
        let o = object(1, StorageClass::Standard, &[]);
        let created = 1_796_601_600;
        assert_eq!(l.expiry("tmp/a", &o), Some((created + DAY, "day")));
        assert_eq!(l.expiry("data/a", &o), Some((created + 7 * DAY, "week")));
        assert!(l.expires_objects());
        assert_eq!(lifecycle(vec![]).expiry("a", &o), None);
    }

    #[test]
    fn uploads_abort_under_rules_without_tags() {
        let mut by_prefix = rule(RuleFilter::Prefix("tmp/".into()));
        by_prefix.abort_incomplete_after_days = Some(7);
        let mut everything = rule(RuleFilter::Everything);
        everything.abort_incomplete_after_days = Some(30);
        let l = lifecycle(vec![by_prefix, everything]);
        assert_eq!(l.abort_after("tmp/x"), Some(7));
        assert_eq!(l.abort_after("data/x"), Some(30));
        assert!(l.aborts_uploads() && !l.acts_on_objects());
    }
}
