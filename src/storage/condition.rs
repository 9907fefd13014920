//! Conditional writes: what must hold of the object a write would replace, checked atomically
//! with the write itself (S3's `If-Match` / `If-None-Match` on PutObject, CopyObject and
//! CompleteMultipartUpload).

use super::error::{StorageError, StorageResult};

/// Which condition failed, so that the error can name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedCondition {
    /// The object exists but has none of the expected ETags.
    Match,
    /// An object exists where none was expected.
    Absent,
}

/// Which existing objects a write may replace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Any object, as long as there is one.
    Any,
    /// One whose ETag (bare hex, as stored) is listed; an empty list accepts none.
    OneOf(Vec<String>),
}

/// What the key's current object must be for a write to go ahead. The default requires nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteCondition {
    /// An object must exist, and be one of these.
    pub existing: Option<Existing>,
    /// No object may exist.
    pub absent: bool,
}

impl WriteCondition {
    /// True when the write goes ahead whatever is there, so nothing needs reading first.
    pub fn is_unconditional(&self) -> bool {
        self.existing.is_none() && !self.absent
    }

    /// Checks the condition against the ETag of the object there now (`None`: no object).
    /// An object that must exist but does not is `NoSuchKey`, as S3 answers.
    pub fn check(&self, current_etag: Option<&str>) -> StorageResult<()> {
        if let Some(expected) = &self.existing {
            let Some(etag) = current_etag else {
                return Err(StorageError::NoSuchKey);
            };
            if let Existing::OneOf(listed) = expected {
                if !listed.iter().any(|e| e == etag) {
                    return Err(StorageError::ConditionFailed(FailedCondition::Match));
                }
            }
        }
        if self.absent && current_etag.is_some() {
            return Err(StorageError::ConditionFailed(FailedCondition::Absent));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(result: StorageResult<()>) -> Option<FailedCondition> {
        match result {
            Err(StorageError::ConditionFailed(which)) => Some(which),
            _ => None,
        }
    }

    #[test]
    fn the_default_accepts_anything() {
        let any = WriteCondition::default();
        assert!(any.is_unconditional());
        assert!(any.check(None).is_ok());
        assert!(any.check(Some("abc")).is_ok());
    }

    #[test]
    fn absent_fails_only_over_an_existing_object() {
        let absent = WriteCondition {
            absent: true,
            ..Default::default()
        };
        assert!(!absent.is_unconditional());
        assert!(absent.check(None).is_ok());
        assert_eq!(
            failed(absent.check(Some("abc"))),
            Some(FailedCondition::Absent)
        );
    }

    #[test]
    fn existing_needs_an_object_with_a_listed_etag() {
        let listed = WriteCondition {
            existing: Some(Existing::OneOf(vec!["aa".into(), "bb".into()])),
            ..Default::default()
        };
        assert!(listed.check(Some("bb")).is_ok());
        assert_eq!(
            failed(listed.check(Some("cc"))),
            Some(FailedCondition::Match)
        );
        assert!(matches!(listed.check(None), Err(StorageError::NoSuchKey)));
        let any_existing = WriteCondition {
            existing: Some(Existing::Any),
            ..Default::default()
        };
        assert!(any_existing.check(Some("cc")).is_ok());
        assert!(matches!(
            any_existing.check(None),
            Err(StorageError::NoSuchKey)
        ));
    }

    #[test]
    fn both_conditions_together_can_never_hold() {
        let both = WriteCondition {
            existing: Some(Existing::Any),
            absent: true,
        };
        assert!(matches!(both.check(None), Err(StorageError::NoSuchKey)));
        assert_eq!(
            failed(both.check(Some("aa"))),
            Some(FailedCondition::Absent)
        );
    }
}
