//! `AssumeRole`'s session policy (IAM policy JSON) read as a minis3 [`Scope`]: which of read,
//! write, list and delete it allows, on which buckets and key prefixes. The session's scope is
//! then this one intersected with its caller's, so a policy can only narrow.
//!
//! minis3 scopes are coarser than IAM, so only what maps onto them exactly (or more narrowly) is
//! accepted; anything that would need IAM's evaluation (Deny, conditions, `Not*` elements,
//! wildcards inside bucket names or keys) is refused with `MalformedPolicyDocument` rather than
//! silently read as something wider.
//!
//! - Actions: `*`, `s3:*`, exact names by their verb (`Get*`/`Head*` read, `List*` list,
//!   `Put*`/`Create*`/`Abort*`/`Restore*` write, `Delete*` delete) and patterns matched against
//!   `GetObject`, `PutObject`, `ListBucket`, `DeleteObject` (`s3:Get*`, `s3:*Object`). Actions of
//!   other services grant nothing here.
//! - Resources: `*`, `arn:aws:s3:::*`, `arn:aws:s3:::bucket`, `arn:aws:s3:::bucket/*`,
//!   `arn:aws:s3:::bucket/prefix*` (a bucket's ARN and `bucket/*` both mean the whole bucket).
//!   ARNs of other services grant nothing here.
//! - Statements: a scope is one set of actions over one set of buckets, so the statements must
//!   either all allow the same actions (their resources add up) or all name the same resources
//!   (their actions add up), which covers the usual "ListBucket on the bucket, GetObject on
//!   bucket/*" policy.

use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::{BucketScope, Scope};
use serde_json::Value;

/// The actions a statement allows, in minis3's terms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Actions {
    read: bool,
    write: bool,
    list: bool,
    delete: bool,
}

impl Actions {
    const ALL: Actions = Actions {
        read: true,
        write: true,
        list: true,
        delete: true,
    };

    fn union(self, other: Actions) -> Actions {
        Actions {
            read: self.read || other.read,
            write: self.write || other.write,
            list: self.list || other.list,
            delete: self.delete || other.delete,
        }
    }

    fn is_empty(self) -> bool {
        self == Actions::default()
    }
}

/// Where a statement applies: every bucket, or these buckets (and prefixes).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reach {
    Everywhere,
    Buckets(Vec<BucketScope>),
}

impl Reach {
    fn union(self, other: Reach) -> Reach {
        match (self, other) {
            (Reach::Buckets(mut a), Reach::Buckets(b)) => {
                a.extend(b);
                Reach::Buckets(simplify(a))
            }
            _ => Reach::Everywhere,
        }
    }
}

/// Sorted, without entries another entry already covers (same bucket, shorter prefix).
fn simplify(mut buckets: Vec<BucketScope>) -> Vec<BucketScope> {
    buckets.sort_by(|a, b| (&a.bucket, &a.prefix).cmp(&(&b.bucket, &b.prefix)));
    let mut out: Vec<BucketScope> = Vec::with_capacity(buckets.len());
    for entry in buckets {
        let covered = out
            .iter()
            .any(|kept| kept.bucket == entry.bucket && entry.prefix.starts_with(&kept.prefix));
        if !covered {
            out.push(entry);
        }
    }
    out
}

fn malformed(message: impl Into<String>) -> S3Error {
    s3_error!(MalformedPolicyDocument, "{}", message.into())
}

/// Reads a session policy document; the scope it allows (before intersecting with the caller's).
pub fn parse_session_policy(text: &str) -> Result<Scope, S3Error> {
    let document: Value =
        serde_json::from_str(text).map_err(|_| malformed("Syntax errors in policy."))?;
    let Value::Object(document) = document else {
        return Err(malformed("Syntax errors in policy."));
    };
    for (name, value) in &document {
        match name.as_str() {
            "Version" => match value.as_str() {
                Some("2012-10-17" | "2008-10-17") => {}
                _ => return Err(malformed("The policy must contain a valid version string")),
            },
            "Id" | "Statement" => {}
            other => {
                return Err(malformed(format!(
                    "Syntax errors in policy: unknown element '{other}'."
                )))
            }
        }
    }
    let statements = match document.get("Statement") {
        Some(Value::Array(list)) => list.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => return Err(malformed("The policy must contain a Statement list.")),
    };
    let mut allowed: Vec<(Actions, Reach)> = Vec::new();
    for statement in statements {
        if let Some(entry) = read_statement(statement)? {
            allowed.push(entry);
        }
    }
    combine(allowed)
}

/// One statement's actions and reach; `None` when it allows nothing on S3.
fn read_statement(statement: &Value) -> Result<Option<(Actions, Reach)>, S3Error> {
    let Value::Object(statement) = statement else {
        return Err(malformed(
            "Syntax errors in policy: a Statement must be an object.",
        ));
    };
    for name in statement.keys() {
        match name.as_str() {
            "Sid" | "Effect" | "Action" | "Resource" => {}
            "Condition" | "NotAction" | "NotResource" | "Principal" | "NotPrincipal" => {
                return Err(malformed(format!(
                    "minis3 session policies do not support '{name}': use Allow statements with \
                     Action and Resource only."
                )))
            }
            other => {
                return Err(malformed(format!(
                    "Syntax errors in policy: unknown element '{other}'."
                )))
            }
        }
    }
    match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow") => {}
        Some("Deny") => {
            return Err(malformed(
                "minis3 session policies support only \"Effect\": \"Allow\" (a session's scope is \
                 what its Allow statements name, within its caller's).",
            ))
        }
        _ => {
            return Err(malformed(
                "Each statement must have an Effect of Allow or Deny.",
            ))
        }
    }
    let actions = strings(statement.get("Action"), "Action")?
        .into_iter()
        .map(action)
        .try_fold(Actions::default(), |acc, a| a.map(|a| acc.union(a)))?;
    let mut reach: Option<Reach> = None;
    for resource_text in strings(statement.get("Resource"), "Resource")? {
        if let Some(r) = resource(resource_text)? {
            reach = Some(match reach {
                Some(so_far) => so_far.union(r),
                None => r,
            });
        }
    }
    Ok(match reach {
        Some(reach) if !actions.is_empty() => Some((actions, reach)),
        _ => None,
    })
}

/// A string or a non-empty list of strings.
fn strings<'a>(value: Option<&'a Value>, name: &str) -> Result<Vec<&'a str>, S3Error> {
    let missing = || {
        malformed(format!(
            "Each statement must have a(n) {name} (a string or a list of strings)."
        ))
    };
    match value {
        Some(Value::String(s)) => Ok(vec![s.as_str()]),
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|v| v.as_str().ok_or_else(missing))
            .collect(),
        _ => Err(missing()),
    }
}

/// `*` and `?` as IAM matches them, ASCII case-insensitively (action names are).
fn glob_matches(pattern: &[u8], text: &[u8]) -> bool {
    crate::glob::matches(pattern, text, true)
}

/// What one `Action` entry allows.
fn action(text: &str) -> Result<Actions, S3Error> {
    if text == "*" {
        return Ok(Actions::ALL);
    }
    let Some((service, name)) = text.split_once(':') else {
        return Err(malformed(format!(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (got '{text}')."
        )));
    };
    if !glob_matches(service.as_bytes(), b"s3") {
        return Ok(Actions::default());
    }
    if name.contains(['*', '?']) {
        let matches =
            |representative: &str| glob_matches(name.as_bytes(), representative.as_bytes());
        return Ok(Actions {
            read: matches("GetObject"),
            write: matches("PutObject"),
            list: matches("ListBucket"),
            delete: matches("DeleteObject"),
        });
    }
    let verb = |prefix: &str| {
        name.get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
    };
    Ok(Actions {
        read: verb("Get") || verb("Head"),
        write: verb("Put") || verb("Create") || verb("Abort") || verb("Restore"),
        list: verb("List"),
        delete: verb("Delete"),
    })
}

/// What one `Resource` entry reaches; `None` for another service's ARN.
fn resource(text: &str) -> Result<Option<Reach>, S3Error> {
    if text == "*" {
        return Ok(Some(Reach::Everywhere));
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [arn, _partition, service, _region, _account, path] = parts.as_slice() else {
        return Err(malformed(format!(
            "Resource {text} must be in ARN format or \"*\"."
        )));
    };
    if *arn != "arn" {
        return Err(malformed(format!(
            "Resource {text} must be in ARN format or \"*\"."
        )));
    }
    if *service != "s3" {
        return Ok(None);
    }
    if *path == "*" || *path == "*/*" {
        return Ok(Some(Reach::Everywhere));
    }
    let (bucket, key_pattern) = match path.split_once('/') {
        Some((bucket, keys)) => (bucket, Some(keys)),
        None => (*path, None),
    };
    if bucket.is_empty() || bucket.contains(['*', '?']) {
        return Err(malformed(format!(
            "Resource {text}: minis3 scopes name buckets exactly (no wildcards in bucket names)."
        )));
    }
    let prefix = match key_pattern {
        None => "",
        Some(keys) => match keys.strip_suffix('*') {
            Some(prefix) if !prefix.contains(['*', '?']) => prefix,
            _ => {
                return Err(malformed(format!(
                    "Resource {text}: minis3 scopes are key prefixes, so an object resource must \
                     end with its only '*' (bucket/* or bucket/prefix*)."
                )))
            }
        },
    };
    Ok(Some(Reach::Buckets(vec![BucketScope {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
    }])))
}

/// The statements as one scope (see the module documentation for what combines).
fn combine(allowed: Vec<(Actions, Reach)>) -> Result<Scope, S3Error> {
    let Some((first_actions, first_reach)) = allowed.first().cloned() else {
        // Nothing allowed on S3 at all.
        return Ok(Scope::default());
    };
    let same_actions = allowed.iter().all(|(a, _)| *a == first_actions);
    let normalised = |reach: &Reach| match reach {
        Reach::Everywhere => Reach::Everywhere,
        Reach::Buckets(b) => Reach::Buckets(simplify(b.clone())),
    };
    let first_normalised = normalised(&first_reach);
    let same_reach = allowed
        .iter()
        .all(|(_, r)| normalised(r) == first_normalised);
    let (actions, reach) = if same_actions {
        let reach = allowed
            .into_iter()
            .map(|(_, r)| r)
            .reduce(Reach::union)
            .unwrap_or(first_reach);
        (first_actions, reach)
    } else if same_reach {
        let actions = allowed
            .iter()
            .fold(Actions::default(), |acc, (a, _)| acc.union(*a));
        (actions, first_normalised)
    } else {
        return Err(malformed(
            "minis3 scopes apply one set of actions to one set of buckets: statements that allow \
             different actions must name the same resources (a bucket's ARN and bucket/* count as \
             the same).",
        ));
    };
    Ok(Scope {
        read: actions.read,
        write: actions.write,
        list: actions.list,
        delete: actions.delete,
        buckets: match reach {
            Reach::Everywhere => Vec::new(),
            Reach::Buckets(buckets) => buckets,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(policy: &str) -> Scope {
        parse_session_policy(policy).expect("policy parses")
    }

    fn refused(policy: &str) -> String {
        let err = parse_session_policy(policy).expect_err("policy refused");
        assert_eq!(err.code.as_str(), "MalformedPolicyDocument");
        err.message
    }

    fn bucket(name: &str, prefix: &str) -> BucketScope {
        BucketScope {
            bucket: name.into(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn read_only_policy_on_one_bucket() {
        let s = scope(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::photos"},
                {"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::photos/*"}]}"#,
        );
        assert_eq!(
            s,
            Scope {
                read: true,
                write: false,
                list: true,
                delete: false,
                buckets: vec![bucket("photos", "")],
            }
        );
    }

    #[test]
    fn wildcards_map_to_the_actions_they_match() {
        let all = scope(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#);
        assert_eq!(all, Scope::full());
        let star =
            scope(r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::*"}}"#);
        assert_eq!(star, Scope::full());
        let gets = scope(r#"{"Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#);
        assert!(gets.read && !gets.write && !gets.list && !gets.delete);
        let puts = scope(
            r#"{"Statement":{"Effect":"Allow","Action":["s3:Put*","s3:list*"],"Resource":"*"}}"#,
        );
        assert!(!puts.read && puts.write && puts.list && !puts.delete);
        let objects =
            scope(r#"{"Statement":{"Effect":"Allow","Action":"s3:*Object","Resource":"*"}}"#);
        assert!(objects.read && objects.write && !objects.list && objects.delete);
        let exact = scope(
            r#"{"Statement":{"Effect":"Allow","Action":["s3:DeleteObject","s3:HeadObject","s3:ListBucketVersions"],"Resource":"*"}}"#,
        );
        assert!(exact.read && !exact.write && exact.list && exact.delete);
    }

    #[test]
    fn resources_become_buckets_and_prefixes() {
        let s = scope(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":[
                "arn:aws:s3:::a/uploads/*","arn:aws:s3:::b","arn:aws:s3:::a/uploads/deep/*",
                "arn:aws:s3:::c/*"]}}"#,
        );
        assert!(s.write && !s.read);
        assert_eq!(
            s.buckets,
            vec![bucket("a", "uploads/"), bucket("b", ""), bucket("c", "")]
        );
        assert!(s.allows(crate::storage::access::Action::Write, "a", "uploads/x"));
        assert!(!s.allows(crate::storage::access::Action::Write, "a", "other"));
    }

    #[test]
    fn other_services_grant_nothing_on_s3() {
        let s = scope(
            r#"{"Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"},
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:sqs:us-east-1:1:q"}]}"#,
        );
        assert_eq!(s, Scope::default());
        assert!(!s.reaches("any"));
    }

    #[test]
    fn statements_with_different_actions_and_resources_are_refused() {
        let message = refused(
            r#"{"Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"},
                {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}"#,
        );
        assert!(message.contains("same resources"), "{message}");
        // Same actions: the resources add up.
        let s = scope(
            r#"{"Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::a/*"},
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/x*"}]}"#,
        );
        assert_eq!(s.buckets, vec![bucket("a", ""), bucket("b", "x")]);
    }

    #[test]
    fn what_minis3_cannot_honour_is_refused() {
        let deny = refused(r#"{"Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#);
        assert!(deny.contains("Allow"), "{deny}");
        let condition = refused(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{}}}"#,
        );
        assert!(condition.contains("Condition"), "{condition}");
        refused(r#"{"Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}"#);
        refused(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::buck*"}}"#,
        );
        refused(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/a*b"}}"#,
        );
        refused(
            r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/exact-key"}}"#,
        );
        refused(r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}"#);
        refused(r#"{"Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}"#);
        refused(r#"{"Statement":{"Effect":"Allow","Resource":"*"}}"#);
        refused(r#"{"Statement":{"Effect":"Allow","Action":"s3:*"}}"#);
        refused(r#"{"Version":"2020-01-01","Statement":[]}"#);
        refused(r#"{"Statement":[]"#);
        refused(r#"["not","an","object"]"#);
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob_matches(b"Get*", b"GetObject"));
        assert!(glob_matches(b"*object", b"PutObject"));
        assert!(glob_matches(b"?etObject", b"GetObject"));
        assert!(!glob_matches(b"Get?", b"GetObject"));
        assert!(!glob_matches(b"List*", b"GetObject"));
    }
}
