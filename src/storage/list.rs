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
    let mut page = ListPage::default();
    if query.max_keys == 0 {
        return Ok(page);
    }
    let base_len = records::bucket_prefix(bucket).len();
    let full_prefix = records::object_tree_key(bucket, query.prefix.as_bytes());
    let start_after = query.start_after.as_deref().map(str::as_bytes);
    let delimiter = query
        .delimiter
        .as_deref()
        .filter(|d| !d.is_empty())
        .map(str::as_bytes);

    let lower = match start_after {
        Some(after) if after > query.prefix.as_bytes() => records::object_tree_key(bucket, after),
        _ => full_prefix.clone(),
    };
    let mut iter = tree.range(lower..);
    while let Some(item) = iter.next() {
        let (tree_key, value) = item?;
        if !tree_key.starts_with(&full_prefix) {
            break;
        }
        let key = &tree_key[base_len..];
        if start_after.is_some_and(|after| key <= after) {
            continue;
        }
        let rolled_up = delimiter.and_then(|d| {
            find(&key[query.prefix.len()..], d).map(|at| &key[..query.prefix.len() + at + d.len()])
        });
        if let Some(common) = rolled_up {
            // A prefix at or before the start point was already returned on an earlier page.
            if start_after.is_none_or(|after| common > after) {
                if page.entries.len() == query.max_keys {
                    page.is_truncated = true;
                    break;
                }
                page.entries.push(ListEntry::CommonPrefix(utf8(common)?));
            }
            // Skip every other key under this prefix with one seek, so a page costs O(page).
            let mut skip_to = tree_key[..base_len].to_vec();
            skip_to.extend_from_slice(common);
            match prefix_successor(&skip_to) {
                Some(next) => iter = tree.range(next..),
                None => break,
            }
            continue;
        }
        if page.entries.len() == query.max_keys {
            page.is_truncated = true;
            break;
        }
        page.entries.push(ListEntry::Object {
            key: utf8(key)?,
            meta: Box::new(records::decode(&value)?),
        });
    }
    Ok(page)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn utf8(bytes: &[u8]) -> StorageResult<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| StorageError::Corrupt("object key is not UTF-8".into()))
}
