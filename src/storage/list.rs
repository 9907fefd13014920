//! Listing a bucket: a range scan in key-byte order that rolls keys up into common prefixes.

use super::error::{StorageError, StorageResult};
use super::records::{self, prefix_successor, ObjectMeta};

/// What to list. Keys are compared as UTF-8 bytes, as S3 does.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub prefix: String,
    /// Roll keys up at the first occurrence of this string after the prefix.
    pub delimiter: Option<String>,
    /// Only keys (and common prefixes) strictly after this one.
    pub start_after: Option<String>,
    pub max_keys: usize,
}

#[derive(Debug, Clone)]
pub enum ListEntry {
    Object { key: String, meta: Box<ObjectMeta> },
    CommonPrefix(String),
}

impl ListEntry {
    /// The key or prefix, which is what the next page starts after.
    pub fn name(&self) -> &str {
        match self {
            ListEntry::Object { key, .. } => key,
            ListEntry::CommonPrefix(prefix) => prefix,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub entries: Vec<ListEntry>,
    pub is_truncated: bool,
}

pub(super) fn list(tree: &sled::Tree, bucket: &str, query: &ListQuery) -> StorageResult<ListPage> {
    let start_after = query.start_after.as_deref().map(str::as_bytes);
    let scan = Scan {
        bucket,
        query,
        start_after_entry: start_after.map(<[u8]>::to_vec),
        start_after_name: start_after,
    };
    let (entries, is_truncated) = scan.run(
        tree,
        |suffix| suffix,
        |suffix, value| {
            Ok(ListEntry::Object {
                key: utf8(suffix)?,
                meta: Box::new(records::decode_object(value)?.0),
            })
        },
    )?;
    let entries = entries
        .into_iter()
        .map(|e| match e {
            Scanned::Item(entry) => entry,
            Scanned::Prefix(p) => ListEntry::CommonPrefix(p),
        })
        .collect();
    Ok(ListPage {
        entries,
        is_truncated,
    })
}

/// One result of a [`Scan`]: an entry, or a common prefix standing for many.
pub(super) enum Scanned<T> {
    Item(T),
    Prefix(String),
}

/// A page of one bucket's range of a tree whose keys are `bucket, 0, suffix`, where each suffix
/// starts with an object key (objects: the key itself; uploads: key, 0, upload id).
pub(super) struct Scan<'a> {
    pub bucket: &'a str,
    pub query: &'a ListQuery,
    /// Only suffixes strictly after this one.
    pub start_after_entry: Option<Vec<u8>>,
    /// Only common prefixes strictly after this object key.
    pub start_after_name: Option<&'a [u8]>,
}

impl Scan<'_> {
    /// `key_of` extracts the object key from a suffix; `item` builds an entry from suffix and value.
    pub(super) fn run<T>(
        &self,
        tree: &sled::Tree,
        key_of: impl Fn(&[u8]) -> &[u8],
        mut item: impl FnMut(&[u8], &[u8]) -> StorageResult<T>,
    ) -> StorageResult<(Vec<Scanned<T>>, bool)> {
        let query = self.query;
        let mut entries = Vec::new();
        if query.max_keys == 0 {
            return Ok((entries, false));
        }
        let base = records::bucket_prefix(self.bucket);
        let full_prefix = records::object_tree_key(self.bucket, query.prefix.as_bytes());
        let start_after = self.start_after_entry.as_deref();
        let delimiter = query
            .delimiter
            .as_deref()
            .filter(|d| !d.is_empty())
            .map(str::as_bytes);

        let lower = match start_after {
            Some(after) if after > query.prefix.as_bytes() => {
                records::object_tree_key(self.bucket, after)
            }
            _ => full_prefix.clone(),
        };
        let mut iter = tree.range(lower..);
        while let Some(next) = iter.next() {
            let (tree_key, value) = next?;
            if !tree_key.starts_with(&full_prefix) {
                break;
            }
            let suffix = &tree_key[base.len()..];
            if start_after.is_some_and(|after| suffix <= after) {
                continue;
            }
            let key = key_of(suffix);
            let rolled_up = delimiter.and_then(|d| {
                find(key.get(query.prefix.len()..)?, d)
                    .map(|at| &key[..query.prefix.len() + at + d.len()])
            });
            if let Some(common) = rolled_up {
                // A prefix at or before the start point was already returned on an earlier page.
                if self.start_after_name.is_none_or(|after| common > after) {
                    if entries.len() == query.max_keys {
                        return Ok((entries, true));
                    }
                    entries.push(Scanned::Prefix(utf8(common)?));
                }
                // Skip every other key under this prefix with one seek, so a page costs O(page).
                let mut skip_to = base.clone();
                skip_to.extend_from_slice(common);
                match prefix_successor(&skip_to) {
                    Some(next) => iter = tree.range(next..),
                    None => break,
                }
                continue;
            }
            if entries.len() == query.max_keys {
                return Ok((entries, true));
            }
            entries.push(Scanned::Item(item(suffix, &value)?));
        }
        Ok((entries, false))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn utf8(bytes: &[u8]) -> StorageResult<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StorageError::Corrupt("object key is not UTF-8".into()))
}
