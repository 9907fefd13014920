//! A bucket policy document: parsed and validated as S3 validates it on PutBucketPolicy, then
//! decided for a request (which statements match its action, resource and conditions).

use super::catalogue::{self, Target};
use super::condition::{self, Condition, Facts, Truth};
use super::template::{Resolved, Template};
use crate::error::S3Error;
use crate::glob;
use crate::s3_error;
use serde_json::{Map, Value};

/// The largest policy S3 stores: 20 KB.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// The Version S3 gives a document that names none.
pub const DEFAULT_VERSION: &str = "2008-10-17";

const ARN_PREFIX: &str = "arn:aws:s3:::";

/// A MalformedPolicy error with `message`.
pub fn malformed(message: impl Into<String>) -> S3Error {
    s3_error!(MalformedPolicy, "{}", message.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A list of patterns an element names, or (for `Not*` elements) everything but them.
#[derive(Debug, Clone)]
struct Patterns {
    negated: bool,
    patterns: Vec<String>,
}

impl Patterns {
    fn matches(&self, text: &str, ignore_case: bool) -> bool {
        let named = self
            .patterns
            .iter()
            .any(|p| glob::matches(p.as_bytes(), text.as_bytes(), ignore_case));
        named != self.negated
    }
}

/// A statement's resources: ARN patterns (with policy variables), or everything but them.
#[derive(Debug, Clone)]
struct Resources {
    negated: bool,
    templates: Vec<Template>,
}

impl Resources {
    /// Whether `arn` is among them; unknown when a variable's value is not known yet.
    fn matches(&self, arn: &str, facts: &dyn Facts) -> Truth {
        let mut unknown = false;
        let named = self.templates.iter().any(|t| match t.plain() {
            Some(pattern) => glob::matches(pattern.as_bytes(), arn.as_bytes(), false),
            None => match t.resolve(facts) {
                Resolved::Tokens(tokens) => glob::matches_tokens(&tokens, arn.as_bytes(), false),
                Resolved::Unresolved => false,
                Resolved::Unknown => {
                    unknown = true;
                    false
                }
            },
        });
        if named {
            Truth::from(!self.negated)
        } else if unknown {
            Truth::Unknown
        } else {
            Truth::from(self.negated)
        }
    }
}

#[derive(Debug, Clone)]
struct Statement {
    effect: Effect,
    /// Whether the statement's principals take in everyone (`"*"` or `{"AWS": "*"}`; for
    /// `NotPrincipal`, whether everyone is left out).
    everyone: bool,
    actions: Patterns,
    resources: Resources,
    conditions: Vec<Condition>,
}

impl Statement {
    /// Whether the statement applies to an anonymous request; unknown when that depends on a
    /// fact not known yet.
    fn applies(&self, request: &Request<'_>, action: &str) -> Truth {
        if !self.everyone || !self.actions.matches(action, true) {
            return Truth::False;
        }
        match self.resources.matches(request.resource, request.facts) {
            Truth::False => Truth::False,
            resource => match condition::all_hold(&self.conditions, request.facts) {
                Truth::True => resource,
                other => other,
            },
        }
    }
}

/// A validated bucket policy.
#[derive(Debug, Clone)]
pub struct Policy {
    statements: Vec<Statement>,
    /// Whether the document names its Version (S3 adds the default to one that does not).
    pub names_version: bool,
}

/// What a policy says of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A Deny statement matches: refused whatever else grants it.
    Denied,
    /// An Allow statement matches and no Deny does.
    Allowed,
    /// No statement matches.
    Silent,
}

impl Verdict {
    /// Whether the request may go ahead, `acl_grants` being what the ACLs say: a Deny beats
    /// any grant, an Allow needs none.
    pub fn permits(self, acl_grants: bool) -> bool {
        match self {
            Verdict::Denied => false,
            Verdict::Allowed => true,
            Verdict::Silent => acl_grants,
        }
    }
}

/// One request as a policy sees it.
pub struct Request<'a> {
    /// `GetObject` and so on, by name after `s3:`.
    pub action: &'static str,
    /// `arn:aws:s3:::bucket` or `arn:aws:s3:::bucket/key`.
    pub resource: &'a str,
    pub facts: &'a dyn Facts,
}

impl Policy {
    /// The policy of `bucket` from a PutBucketPolicy body, checked as S3 checks it.
    pub fn parse(body: &[u8], bucket: &str) -> Result<Policy, S3Error> {
        let document = parse_json(body)?;
        let Value::Object(document) = document else {
            return Err(malformed(
                "Policies must be valid JSON and the first byte must be '{'",
            ));
        };
        for field in document.keys() {
            if !matches!(field.as_str(), "Version" | "Id" | "Statement") {
                return Err(malformed(format!("Unknown field {field}")));
            }
        }
        match document.get("Version") {
            None => {}
            Some(Value::String(v)) if v == "2012-10-17" || v == DEFAULT_VERSION => {}
            Some(_) => return Err(malformed("The policy must contain a valid version string")),
        }
        if let Some(id) = document.get("Id") {
            if !id.is_string() {
                return Err(malformed("Id must be a string"));
            }
        }
        let statements = match document.get("Statement") {
            Some(Value::Array(list)) if !list.is_empty() => list.iter().collect(),
            Some(one @ Value::Object(_)) => vec![one],
            _ => return Err(malformed("Missing required field Statement")),
        };
        // Policy variables exist from Version 2012-10-17 on; older documents take `${` as text.
        let variables = document.get("Version") == Some(&Value::from("2012-10-17"));
        let statements = statements
            .into_iter()
            .map(|s| parse_statement(s, bucket, variables))
            .collect::<Result<_, _>>()?;
        Ok(Policy {
            statements,
            names_version: document.contains_key("Version"),
        })
    }

    /// What the policy says of an anonymous request. A Deny that may apply (it depends on a
    /// fact not known yet) denies; such an Allow does not allow.
    pub fn decide_anonymous(&self, request: &Request<'_>) -> Verdict {
        let action = format!("s3:{}", request.action);
        let mut allowed = false;
        for statement in &self.statements {
            match (statement.effect, statement.applies(request, &action)) {
                (_, Truth::False) => {}
                (Effect::Deny, _) => return Verdict::Denied,
                (Effect::Allow, Truth::True) => allowed = true,
                (Effect::Allow, Truth::Unknown) => {}
            }
        }
        if allowed {
            Verdict::Allowed
        } else {
            Verdict::Silent
        }
    }

    /// Whether S3 counts the policy as public: some Allow reaches everyone without a condition
    /// that pins the request to a fixed network, account or source.
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && s.everyone
                && !s.conditions.iter().any(Condition::narrows_public_access)
        })
    }
}

fn parse_json(body: &[u8]) -> Result<Value, S3Error> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(malformed(
            "Policies must be valid JSON and the first byte must be '{'",
        ));
    }
    serde_json::from_slice(body).map_err(|_| malformed("This policy contains invalid Json"))
}

fn parse_statement(statement: &Value, bucket: &str, variables: bool) -> Result<Statement, S3Error> {
    let Value::Object(fields) = statement else {
        return Err(malformed("Statement must be an object"));
    };
    for field in fields.keys() {
        let known = [
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ];
        if !known.contains(&field.as_str()) {
            return Err(malformed(format!("Unknown field {field}")));
        }
    }
    if fields.get("Sid").is_some_and(|sid| !sid.is_string()) {
        return Err(malformed("Sid must be a string"));
    }
    let effect = match fields.get("Effect") {
        None => return Err(malformed("Missing required field Effect")),
        Some(Value::String(e)) if e == "Allow" => Effect::Allow,
        Some(Value::String(e)) if e == "Deny" => Effect::Deny,
        Some(Value::String(e)) => return Err(malformed(format!("Invalid effect: {e}"))),
        Some(other) => return Err(malformed(format!("Invalid effect: {other}"))),
    };
    let (principal, not_principal) = one_of(fields, "Principal", "NotPrincipal")?;
    let everyone = principal_takes_in_everyone(principal)?;
    let (action, not_action) = one_of(fields, "Action", "NotAction")?;
    let actions = Patterns {
        negated: not_action,
        patterns: strings(action, "Action")?,
    };
    let (resource, not_resource) = one_of(fields, "Resource", "NotResource")?;
    let resource_patterns = strings(resource, "Resource")?;
    let mut kinds = Vec::new();
    for action in &actions.patterns {
        kinds.push(action_targets(action)?);
    }
    let mut reach = Reach::default();
    for resource in &resource_patterns {
        reach = reach.union(resource_reach(resource, bucket)?);
    }
    if !actions.negated && !not_resource {
        let applies = |targets: &Reach| {
            (targets.bucket && reach.bucket) || (targets.objects && reach.objects)
        };
        if !kinds.iter().all(applies) {
            return Err(malformed(
                "Action does not apply to any resource(s) in statement",
            ));
        }
    }
    let conditions = match fields.get("Condition") {
        Some(block) => condition::parse_block(block, variables)?,
        None => Vec::new(),
    };
    let resources = Resources {
        negated: not_resource,
        templates: resource_patterns
            .iter()
            .map(|r| Template::parse(r, variables))
            .collect(),
    };
    Ok(Statement {
        effect,
        everyone: everyone != not_principal,
        actions,
        resources,
        conditions,
    })
}

/// The element named `plain` or its negation `not` (exactly one of them), and whether it was
/// the negation.
fn one_of<'v>(
    fields: &'v Map<String, Value>,
    plain: &str,
    not: &str,
) -> Result<(&'v Value, bool), S3Error> {
    match (fields.get(plain), fields.get(not)) {
        (Some(value), None) => Ok((value, false)),
        (None, Some(value)) => Ok((value, true)),
        (None, None) => Err(malformed(format!("Missing required field {plain}"))),
        (Some(_), Some(_)) => Err(malformed(format!(
            "A statement cannot have both {plain} and {not}"
        ))),
    }
}

/// A string or a non-empty list of strings.
fn strings(value: &Value, field: &str) -> Result<Vec<String>, S3Error> {
    let list: Option<Vec<String>> = match value {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    };
    list.ok_or_else(|| malformed(format!("Missing required field {field}")))
}

/// Whether a `Principal` takes in everyone (anonymous requests included); refuses principals
/// that are not S3's kinds.
fn principal_takes_in_everyone(principal: &Value) -> Result<bool, S3Error> {
    let invalid = || malformed("Invalid principal in policy");
    match principal {
        Value::String(s) if s == "*" => Ok(true),
        Value::Object(kinds) if !kinds.is_empty() => {
            let mut everyone = false;
            for (kind, names) in kinds {
                let names = strings(names, "Principal").map_err(|_| invalid())?;
                for name in &names {
                    let valid = match kind.as_str() {
                        "AWS" => {
                            everyone |= name == "*";
                            name == "*" || is_account_principal(name)
                        }
                        "Service" => is_service_principal(name),
                        "CanonicalUser" => {
                            name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
                        }
                        "Federated" => !name.is_empty() && !name.contains(char::is_whitespace),
                        _ => false,
                    };
                    if !valid {
                        return Err(invalid());
                    }
                }
            }
            Ok(everyone)
        }
        _ => Err(invalid()),
    }
}

/// An account (`123456789012`) or an IAM / STS principal of one
/// (`arn:aws:iam::123456789012:root`, `:user/NAME`, `:role/PATH/NAME`,
/// `arn:aws:sts::123456789012:assumed-role/ROLE/SESSION`).
fn is_account_principal(name: &str) -> bool {
    let account = |a: &str| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit());
    if account(name) {
        return true;
    }
    // A CloudFront origin access identity, which S3's own examples grant reads to.
    if let Some(id) =
        name.strip_prefix("arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity ")
    {
        return !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric());
    }
    let Some(rest) = name
        .strip_prefix("arn:aws:iam::")
        .or_else(|| name.strip_prefix("arn:aws:sts::"))
    else {
        return false;
    };
    let Some((acct, resource)) = rest.split_once(':') else {
        return false;
    };
    let named = |prefix: &str| {
        resource
            .strip_prefix(prefix)
            .is_some_and(|n| !n.is_empty() && !n.contains(char::is_whitespace))
    };
    account(acct)
        && (resource == "root"
            || named("user/")
            || named("role/")
            || named("assumed-role/")
            || named("federated-user/"))
}

fn is_service_principal(name: &str) -> bool {
    name.len() > ".amazonaws.com".len()
        && (name.ends_with(".amazonaws.com") || name.ends_with(".amazonaws.com.cn"))
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Which resources an action pattern can act on: the union over the S3 actions it matches.
fn action_targets(pattern: &str) -> Result<Reach, S3Error> {
    let invalid = || malformed("Policy has invalid action");
    let name = if pattern == "*" {
        "*"
    } else {
        match pattern.split_once(':') {
            Some((service, name)) if service.eq_ignore_ascii_case("s3") => name,
            _ => return Err(invalid()),
        }
    };
    let mut reach = Reach::default();
    let mut any = false;
    for (action, target) in catalogue::ACTIONS {
        if glob::matches(name.as_bytes(), action.as_bytes(), true) {
            any = true;
            reach.bucket |= *target == Target::Bucket;
            reach.objects |= *target == Target::Object;
        }
    }
    if any {
        Ok(reach)
    } else {
        Err(invalid())
    }
}

/// Whether something can act on, or a resource pattern can name, the bucket and its objects.
#[derive(Debug, Clone, Copy, Default)]
struct Reach {
    bucket: bool,
    objects: bool,
}

impl Reach {
    fn union(self, other: Reach) -> Reach {
        Reach {
            bucket: self.bucket || other.bucket,
            objects: self.objects || other.objects,
        }
    }
}

/// What a resource pattern names in `bucket`; one naming nothing there is refused, as S3
/// refuses a policy that names another bucket.
fn resource_reach(pattern: &str, bucket: &str) -> Result<Reach, S3Error> {
    let invalid = || malformed("Policy has invalid resource");
    let rest = pattern.strip_prefix(ARN_PREFIX).ok_or_else(invalid)?;
    let matches = |p: &str, t: &str| glob::matches(p.as_bytes(), t.as_bytes(), false);
    let reach = match rest.split_once('/') {
        // `bucket/...`: objects, if the bucket part can be this bucket.
        Some((bucket_part, _)) => Reach {
            bucket: false,
            objects: matches(bucket_part, bucket),
        },
        // `bucket` or a pattern: the bucket itself; a trailing `*` runs on into keys too.
        None => {
            let bucket_named = matches(rest, bucket);
            Reach {
                bucket: bucket_named,
                objects: rest.ends_with('*') && matches(rest, &format!("{bucket}/")),
            }
        }
    };
    if reach.bucket || reach.objects {
        Ok(reach)
    } else {
        Err(invalid())
    }
}

/// The document as GetBucketPolicy answers it: whitespace between tokens removed, and S3's
/// default Version first when the document names none.
pub fn stored_form(body: &[u8], has_version: bool) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    if !has_version {
        if let Some(rest) = out.strip_prefix('{') {
            let separator = if rest.starts_with('}') { "" } else { "," };
            out = format!("{{\"Version\":\"{DEFAULT_VERSION}\"{separator}{rest}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handlers::policy::condition::Fact;
    use serde_json::json;
    use std::borrow::Cow;

    struct NoFacts;
    impl Facts for NoFacts {
        fn fact(&self, key: &str) -> Fact<'_> {
            match key {
                "aws:sourceip" => Fact::One(Cow::Borrowed("127.0.0.1")),
                "s3:requestobjecttag/owner" => Fact::Unknown,
                _ => Fact::Absent,
            }
        }
    }

    fn policy(document: Value) -> Result<Policy, S3Error> {
        Policy::parse(document.to_string().as_bytes(), "photos")
    }

    fn message(document: Value) -> String {
        policy(document).expect_err("refused").message
    }

    fn statement(fields: Value) -> Value {
        json!({"Version": "2012-10-17", "Statement": [fields]})
    }

    fn public_read() -> Value {
        statement(json!({
            "Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"
        }))
    }

    fn decide(policy: &Policy, action: &'static str, resource: &str) -> Verdict {
        let request = Request {
            action,
            resource,
            facts: &NoFacts,
        };
        policy.decide_anonymous(&request)
    }

    #[test]
    fn the_public_read_policy_lets_everyone_get_objects_and_nothing_else() {
        let p = policy(public_read()).expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/a/b.jpg"),
            Verdict::Allowed
        );
        assert_eq!(
            decide(&p, "PutObject", "arn:aws:s3:::photos/a"),
            Verdict::Silent
        );
        assert_eq!(
            decide(&p, "ListBucket", "arn:aws:s3:::photos"),
            Verdict::Silent
        );
        assert!(p.is_public());
    }

    #[test]
    fn deny_wins() {
        let p = policy(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:Get*", "Resource": "arn:aws:s3:::photos/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/private/*"}
        ]}))
        .expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Allowed
        );
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/private/x"),
            Verdict::Denied
        );
    }

    #[test]
    fn statements_for_named_principals_say_nothing_to_anonymous_requests() {
        let p = policy(statement(json!({
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "s3:*", "Resource": ["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]
        })))
        .expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Silent
        );
        assert!(!p.is_public());
        // NotPrincipal naming someone takes in everyone else, anonymous requests included.
        let p = policy(statement(json!({
            "Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"},
            "Action": "s3:*", "Resource": "arn:aws:s3:::photos/*"
        })))
        .expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Denied
        );
    }

    #[test]
    fn not_action_and_not_resource_invert_their_lists() {
        let p = policy(statement(json!({
            "Effect": "Allow", "Principal": "*",
            "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::photos/secret/*"
        })))
        .expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Allowed
        );
        assert_eq!(
            decide(&p, "DeleteObject", "arn:aws:s3:::photos/x"),
            Verdict::Silent
        );
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/secret/x"),
            Verdict::Silent
        );
    }

    #[test]
    fn conditions_decide_with_the_request_facts() {
        let with_block = |cidr: &str| {
            policy(statement(json!({
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::photos/*",
                "Condition": {"IpAddress": {"aws:SourceIp": cidr}}
            })))
            .expect("valid")
        };
        let local = with_block("127.0.0.0/8");
        assert_eq!(
            decide(&local, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Allowed
        );
        assert!(!local.is_public());
        let elsewhere = with_block("10.0.0.0/8");
        assert_eq!(
            decide(&elsewhere, "GetObject", "arn:aws:s3:::photos/x"),
            Verdict::Silent
        );
        assert!(with_block("0.0.0.0/0").is_public());
    }

    #[test]
    fn documents_are_refused_with_s3s_messages() {
        let first_byte = "Policies must be valid JSON and the first byte must be '{'";
        assert_eq!(
            Policy::parse(b"[1]", "photos").expect_err("array").message,
            first_byte
        );
        assert_eq!(
            Policy::parse(b"", "photos").expect_err("empty").message,
            first_byte
        );
        assert_eq!(
            Policy::parse(b"{\"Statement\": ", "photos")
                .expect_err("cut")
                .message,
            "This policy contains invalid Json"
        );
        let mut doc = public_read();
        doc["Version"] = json!("2020-01-01");
        assert_eq!(
            message(doc),
            "The policy must contain a valid version string"
        );
        assert_eq!(
            message(json!({"Version": "2012-10-17"})),
            "Missing required field Statement"
        );
        assert_eq!(
            message(json!({"Statement": []})),
            "Missing required field Statement"
        );
        let mut doc = public_read();
        doc["Foo"] = json!(1);
        assert_eq!(message(doc), "Unknown field Foo");
        let mut doc = public_read();
        doc["Statement"][0]["Bar"] = json!(1);
        assert_eq!(message(doc), "Unknown field Bar");
        let change = |field: &str, value: Value| {
            let mut doc = public_read();
            if value.is_null() {
                doc["Statement"][0]
                    .as_object_mut()
                    .expect("object")
                    .remove(field);
            } else {
                doc["Statement"][0][field] = value;
            }
            message(doc)
        };
        assert_eq!(
            change("Effect", Value::Null),
            "Missing required field Effect"
        );
        assert_eq!(change("Effect", json!("hello")), "Invalid effect: hello");
        assert_eq!(
            change("Principal", Value::Null),
            "Missing required field Principal"
        );
        for bad in [
            json!("someone"),
            json!({"AWS": "not-an-arn"}),
            json!({"Foo": "x"}),
            json!({}),
        ] {
            assert_eq!(change("Principal", bad), "Invalid principal in policy");
        }
        assert_eq!(
            change("Action", Value::Null),
            "Missing required field Action"
        );
        for bad in ["ec2:RunInstances", "s3:NoSuchThing", "invalid_action"] {
            assert_eq!(change("Action", json!(bad)), "Policy has invalid action");
        }
        assert_eq!(
            change("Resource", Value::Null),
            "Missing required field Resource"
        );
        for bad in [
            "arn:aws:s3:::other/*",
            "*",
            "not-an-arn",
            "arn:aws:s3:::other",
        ] {
            assert_eq!(
                change("Resource", json!(bad)),
                "Policy has invalid resource"
            );
        }
        let not_applicable = "Action does not apply to any resource(s) in statement";
        assert_eq!(
            change("Resource", json!("arn:aws:s3:::photos")),
            not_applicable
        );
        let mut doc = public_read();
        doc["Statement"][0]["Action"] = json!("s3:ListBucket");
        assert_eq!(message(doc), not_applicable);
        let mut doc = public_read();
        doc["Statement"][0]["Action"] = json!("s3:ListAllMyBuckets");
        assert_eq!(message(doc), not_applicable);
    }

    #[test]
    fn s3s_kinds_of_principal_and_resource_are_accepted() {
        for principal in [
            json!("*"),
            json!({"AWS": "*"}),
            json!({"AWS": "123456789012"}),
            json!({"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::123456789012:user/ci"]}),
            json!({"AWS": "arn:aws:iam::123456789012:role/team/reader"}),
            json!({"Service": "cloudtrail.amazonaws.com"}),
            json!({"CanonicalUser": "6d696e6973330000000000000000000000000000000000000000000000000000"}),
        ] {
            let mut doc = public_read();
            doc["Statement"][0]["Principal"] = principal.clone();
            assert!(policy(doc).is_ok(), "{principal}");
        }
        for (action, resource) in [
            (json!("*"), json!("arn:aws:s3:::photos")),
            (json!("s3:*"), json!("arn:aws:s3:::photos/*")),
            (
                json!(["s3:ListBucket", "s3:GetObject"]),
                json!(["arn:aws:s3:::photos", "arn:aws:s3:::photos/*"]),
            ),
            (json!("s3:get*"), json!("arn:aws:s3:::pho*")),
            (
                json!("S3:GetObject"),
                json!("arn:aws:s3:::photos/public/*.jpg"),
            ),
        ] {
            let doc = statement(json!({
                "Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource
            }));
            assert!(policy(doc.clone()).is_ok(), "{doc}");
        }
    }

    #[test]
    fn the_stored_form_drops_whitespace_outside_strings_and_names_a_version() {
        let body = b"{\n  \"Statement\" : [ {\"Sid\": \"a b\\\" c\"} ]\n}";
        assert_eq!(
            stored_form(body, false),
            "{\"Version\":\"2008-10-17\",\"Statement\":[{\"Sid\":\"a b\\\" c\"}]}"
        );
        assert_eq!(
            stored_form(b" { \"Version\" : \"2012-10-17\" } ", true),
            "{\"Version\":\"2012-10-17\"}"
        );
        let round_trip: Value =
            serde_json::from_str(&stored_form(public_read().to_string().as_bytes(), true))
                .expect("json");
        assert_eq!(round_trip, public_read());
    }

    #[test]
    fn a_deny_that_may_apply_denies_and_such_an_allow_does_not_allow() {
        let on_owner = |effect: &str| {
            policy(statement(json!({
                "Effect": effect, "Principal": "*", "Action": "s3:PutObjectTagging",
                "Resource": "arn:aws:s3:::photos/*",
                "Condition": {"StringEquals": {"s3:RequestObjectTag/owner": "admin"}}
            })))
            .expect("valid")
        };
        let key = "arn:aws:s3:::photos/x";
        assert_eq!(
            decide(&on_owner("Deny"), "PutObjectTagging", key),
            Verdict::Denied
        );
        assert_eq!(
            decide(&on_owner("Allow"), "PutObjectTagging", key),
            Verdict::Silent
        );
    }

    #[test]
    fn resources_resolve_policy_variables_in_2012_documents_only() {
        let doc = |version: &str| {
            json!({"Version": version, "Statement": [{
                "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::photos/${*}/*"
            }]})
        };
        let p = policy(doc("2012-10-17")).expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/*/x"),
            Verdict::Denied
        );
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/a/x"),
            Verdict::Silent
        );
        // In a 2008 document `${*}` is text: it names the key `${*}/...` alone.
        let p = policy(doc("2008-10-17")).expect("valid");
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/*/x"),
            Verdict::Silent
        );
        assert_eq!(
            decide(&p, "GetObject", "arn:aws:s3:::photos/${*}/x"),
            Verdict::Denied
        );
        // A variable the request has no value for matches nothing.
        let p = policy(statement(json!({
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::photos/home/${aws:username}/*"
        })))
        .expect("valid");
        assert_eq!(
            decide(
                &p,
                "GetObject",
                "arn:aws:s3:::photos/home/${aws:username}/f"
            ),
            Verdict::Silent
        );
    }

    #[test]
    fn cloudfront_origin_access_identities_are_principals() {
        let mut doc = public_read();
        doc["Statement"][0]["Principal"] = json!({"AWS":
            "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E2QWRUHAPOMQZL"});
        let p = policy(doc).expect("valid");
        assert!(!p.is_public());
    }
}
