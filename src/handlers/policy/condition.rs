//! A policy statement's `Condition` block: parsed and checked when the policy is put, decided
//! against a request's facts when it is used, with IAM's rules for absent keys and lists.

use super::catalogue;
use super::document::malformed;
use super::template::{Resolved, Template};
use crate::error::S3Error;
use crate::glob::{self, Token};
use crate::timefmt;
use serde_json::Value;
use std::borrow::Cow;
use std::net::IpAddr;

/// The operator families of IAM's condition grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    Numeric(Ordering),
    Date(Ordering),
    Bool,
    Binary,
    Ip,
    ArnEquals,
    ArnLike,
    Null,
}

/// How a numeric or date operator compares the request's value with the policy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ordering {
    Equals,
    LessThan,
    LessThanEquals,
    GreaterThan,
    GreaterThanEquals,
}

/// One operator as written: `[ForAnyValue:|ForAllValues:]Family[Not][IfExists]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    family: Family,
    negated: bool,
    if_exists: bool,
    qualifier: Qualifier,
}

/// How an operator treats a key with several values (s3:RequestObjectTagKeys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    /// No set operator: some value must satisfy it.
    Plain,
    /// `ForAnyValue:`: some value must satisfy it; an absent key satisfies nothing.
    AnyValue,
    /// `ForAllValues:`: every value must; an absent key (no values) satisfies it.
    AllValues,
}

impl Operator {
    fn parse(written: &str) -> Option<Operator> {
        let (qualifier, rest) = if let Some(rest) = written.strip_prefix("ForAllValues:") {
            (Qualifier::AllValues, rest)
        } else if let Some(rest) = written.strip_prefix("ForAnyValue:") {
            (Qualifier::AnyValue, rest)
        } else {
            (Qualifier::Plain, written)
        };
        let (name, if_exists) = match rest.strip_suffix("IfExists") {
            Some(name) => (name, true),
            None => (rest, false),
        };
        use Family::*;
        use Ordering::*;
        let (family, negated) = match name {
            "StringEquals" => (StringEquals, false),
            "StringNotEquals" => (StringEquals, true),
            "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
            "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
            "StringLike" => (StringLike, false),
            "StringNotLike" => (StringLike, true),
            "NumericEquals" => (Numeric(Equals), false),
            "NumericNotEquals" => (Numeric(Equals), true),
            "NumericLessThan" => (Numeric(LessThan), false),
            "NumericLessThanEquals" => (Numeric(LessThanEquals), false),
            "NumericGreaterThan" => (Numeric(GreaterThan), false),
            "NumericGreaterThanEquals" => (Numeric(GreaterThanEquals), false),
            "DateEquals" => (Date(Equals), false),
            "DateNotEquals" => (Date(Equals), true),
            "DateLessThan" => (Date(LessThan), false),
            "DateLessThanEquals" => (Date(LessThanEquals), false),
            "DateGreaterThan" => (Date(GreaterThan), false),
            "DateGreaterThanEquals" => (Date(GreaterThanEquals), false),
            "Bool" => (Bool, false),
            "BinaryEquals" => (Binary, false),
            "IpAddress" => (Ip, false),
            "NotIpAddress" => (Ip, true),
            "ArnEquals" => (ArnEquals, false),
            "ArnNotEquals" => (ArnEquals, true),
            "ArnLike" => (ArnLike, false),
            "ArnNotLike" => (ArnLike, true),
            "Null" if !if_exists => (Null, false),
            _ => return None,
        };
        Some(Operator {
            family,
            negated,
            if_exists,
            qualifier,
        })
    }
}

/// One key of one operator with the values it is compared with.
#[derive(Debug, Clone)]
pub struct Condition {
    operator: Operator,
    /// Lower-cased: condition keys compare case-insensitively.
    key: String,
    values: Vec<String>,
    /// The values as templates (policy variables), for the string and ARN operators.
    templates: Vec<Template>,
}

/// Keys whose fixed values keep an Allow to everyone from being public (S3's "The meaning of
/// public": the request must come from a named network, account, organisation or source).
const NARROWING_KEYS: &[&str] = &[
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
];

/// The widest address block that still counts as pinning the source: a /8 (16 million
/// addresses) at most. S3 names no bound; a few blocks shorter than this cover everything.
const MIN_NARROWING_PREFIX: u32 = 8;

impl Condition {
    /// Whether this condition holds only for requests from somewhere named by a fixed value.
    pub fn narrows_public_access(&self) -> bool {
        // A set operator or IfExists holds for a request without the key, as anonymous ones
        // are: such a condition pins nothing.
        let positive = !self.operator.negated
            && !self.operator.if_exists
            && self.operator.qualifier == Qualifier::Plain;
        let fixed = |v: &String| match self.operator.family {
            Family::Ip => Cidr::parse(v).is_some_and(|c| c.prefix >= MIN_NARROWING_PREFIX),
            _ => !glob::has_wildcard(v) && !v.contains("${"),
        };
        let family_fits = matches!(
            self.operator.family,
            Family::StringEquals
                | Family::StringEqualsIgnoreCase
                | Family::StringLike
                | Family::ArnEquals
                | Family::ArnLike
                | Family::Ip
        );
        positive
            && family_fits
            && NARROWING_KEYS.contains(&self.key.as_str())
            && self.values.iter().all(fixed)
    }

    /// Whether the condition holds for a request whose fact for this key is `fact`.
    fn holds(&self, fact: Fact<'_>, facts: &dyn Facts) -> Truth {
        let op = self.operator;
        let values: Vec<Cow<'_, str>> = match fact {
            Fact::Unknown => return Truth::Unknown,
            Fact::One(value) => vec![value],
            Fact::Many(values) if !values.is_empty() => {
                values.into_iter().map(Cow::Owned).collect()
            }
            Fact::Absent | Fact::Many(_) => {
                let holds = match op.family {
                    Family::Null => self.values.iter().any(|v| v.eq_ignore_ascii_case("true")),
                    // IAM: an absent key fails a condition, except an `IfExists` one,
                    // `ForAllValues` (nothing to disagree with) and a negated one (but not
                    // `ForAnyValue`, which needs a value to satisfy it).
                    _ => {
                        op.if_exists
                            || op.qualifier == Qualifier::AllValues
                            || (op.negated && op.qualifier == Qualifier::Plain)
                    }
                };
                return Truth::from(holds);
            }
        };
        if op.family == Family::Null {
            return Truth::from(self.values.iter().any(|v| v.eq_ignore_ascii_case("false")));
        }
        let mut unknown = false;
        let mut satisfied = |value: &str| {
            // Several policy values: any may match (OR); negated, none may (NOR).
            let mut any = false;
            for (expected, template) in self.values.iter().zip(&self.templates) {
                match self.expected(expected, template, facts) {
                    Expected::Text(text) => any |= compare(op.family, value, &text),
                    Expected::Pattern(tokens) => {
                        any |= glob::matches_tokens(&tokens, value.as_bytes(), false)
                    }
                    Expected::Nothing => {}
                    Expected::Unknown => unknown = true,
                }
            }
            any != op.negated
        };
        let holds = match op.qualifier {
            Qualifier::AllValues => values.iter().all(|v| satisfied(v)),
            Qualifier::Plain | Qualifier::AnyValue => values.iter().any(|v| satisfied(v)),
        };
        if unknown {
            Truth::Unknown
        } else {
            Truth::from(holds)
        }
    }

    /// One of the policy's values for this condition, policy variables resolved.
    fn expected<'v>(&self, value: &'v str, template: &Template, facts: &dyn Facts) -> Expected<'v> {
        if let Some(plain) = template.plain() {
            debug_assert_eq!(plain, value);
            return Expected::Text(Cow::Borrowed(value));
        }
        match template.resolve(facts) {
            Resolved::Unresolved => Expected::Nothing,
            Resolved::Unknown => Expected::Unknown,
            Resolved::Tokens(tokens) => match self.operator.family {
                Family::StringLike | Family::ArnLike => Expected::Pattern(tokens),
                _ => Expected::Text(Cow::Owned(
                    tokens
                        .iter()
                        .map(|t| match t {
                            Token::Any => '*',
                            Token::One => '?',
                            Token::Byte(b) => *b as char,
                        })
                        .collect(),
                )),
            },
        }
    }
}

/// A policy value ready to compare.
enum Expected<'v> {
    Text(Cow<'v, str>),
    /// A `*Like` value whose escapes must match literally.
    Pattern(Vec<Token>),
    /// A variable the request has no value for: matches nothing.
    Nothing,
    Unknown,
}

/// Whether a condition (or a statement) holds, three ways: some facts are not known when a
/// request is authorized (a body not yet read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

impl From<bool> for Truth {
    fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

fn compare(family: Family, actual: &str, expected: &str) -> bool {
    match family {
        Family::StringEquals | Family::ArnEquals | Family::Binary => actual == expected,
        Family::StringEqualsIgnoreCase => actual.eq_ignore_ascii_case(expected),
        Family::StringLike | Family::ArnLike => {
            glob::matches(expected.as_bytes(), actual.as_bytes(), false)
        }
        Family::Bool => actual.eq_ignore_ascii_case(expected),
        Family::Numeric(order) => match (actual.parse::<f64>(), expected.parse::<f64>()) {
            (Ok(a), Ok(e)) => ordered(order, a.partial_cmp(&e)),
            _ => false,
        },
        Family::Date(order) => match (parse_date(actual), parse_date(expected)) {
            (Some(a), Some(e)) => ordered(order, Some(a.cmp(&e))),
            _ => false,
        },
        Family::Ip => match (actual.parse::<IpAddr>(), Cidr::parse(expected)) {
            (Ok(ip), Some(cidr)) => cidr.contains(ip),
            _ => false,
        },
        Family::Null => false,
    }
}

fn ordered(order: Ordering, cmp: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match (order, cmp) {
        (_, None) => false,
        (Ordering::Equals, Some(c)) => c == Equal,
        (Ordering::LessThan, Some(c)) => c == Less,
        (Ordering::LessThanEquals, Some(c)) => c != Greater,
        (Ordering::GreaterThan, Some(c)) => c == Greater,
        (Ordering::GreaterThanEquals, Some(c)) => c != Less,
    }
}

/// A date as IAM takes it, in seconds since the epoch: ISO 8601 (`2026-12-07`,
/// `2026-12-07T10:00:00Z`, with optional fractional seconds) or a number of seconds.
fn parse_date(text: &str) -> Option<i64> {
    if let Ok(secs) = text.parse::<i64>() {
        return Some(secs);
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    // Four-digit years, as ISO 8601 writes them: the arithmetic below cannot overflow.
    if !(0..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut secs = timefmt::days_from_civil(year, month, day) * 86_400;
    if let Some(time) = time {
        let time = time.strip_suffix('Z').unwrap_or(time);
        let time = time.split_once('.').map_or(time, |(whole, _)| whole);
        let mut hms = time.splitn(3, ':');
        let h: i64 = hms.next()?.parse().ok()?;
        let m: i64 = hms.next()?.parse().ok()?;
        let s: i64 = hms.next().map_or(Some(0), |s| s.parse().ok())?;
        if !(0..=23).contains(&h) || !(0..=59).contains(&m) || !(0..=60).contains(&s) {
            return None;
        }
        secs += h * 3600 + m * 60 + s;
    }
    Some(secs)
}

/// An address block of `IpAddress`: `a.b.c.d/n`, an IPv6 block, or one address.
struct Cidr {
    network: IpAddr,
    prefix: u32,
}

impl Cidr {
    fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u32>().ok()?)),
            None => (text, None),
        };
        let network: IpAddr = addr.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Cidr { network, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            // A v4 client reached over a v6 socket still matches v4 blocks.
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let masked = |bits: u128, width: u32| {
            if self.prefix == 0 {
                0
            } else {
                bits >> (width - self.prefix)
            }
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u32::from(net).into(), 32) == masked(u32::from(ip).into(), 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), 128) == masked(u128::from(ip), 128)
            }
            _ => false,
        }
    }
}

/// The facts of one request that condition keys name, lower-cased key first.
pub trait Facts {
    fn fact(&self, key: &str) -> Fact<'_>;
}

/// What a request says of one condition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fact<'a> {
    Absent,
    One(Cow<'a, str>),
    /// A key with several values (s3:RequestObjectTagKeys).
    Many(Vec<String>),
    /// Not known when the request is authorized (it is in a body not yet read): a Deny that
    /// depends on it applies and an Allow does not, so nothing is granted on a guess.
    Unknown,
}

/// Whether every condition of a statement holds (they are ANDed).
pub fn all_hold(conditions: &[Condition], facts: &dyn Facts) -> Truth {
    let mut truth = Truth::True;
    for condition in conditions {
        match condition.holds(facts.fact(&condition.key), facts) {
            Truth::False => return Truth::False,
            Truth::Unknown => truth = Truth::Unknown,
            Truth::True => {}
        }
    }
    truth
}

/// A `Condition` block, checked: known operators, S3's or global keys, values each operator
/// can compare.
pub fn parse_block(block: &Value, variables: bool) -> Result<Vec<Condition>, S3Error> {
    let Value::Object(operators) = block else {
        return Err(malformed("Condition must be an object"));
    };
    let mut conditions = Vec::new();
    for (written, keys) in operators {
        let operator = Operator::parse(written)
            .ok_or_else(|| malformed(format!("Invalid Condition type : {written}")))?;
        let Value::Object(keys) = keys else {
            return Err(malformed(format!(
                "Condition {written} must map condition keys to values"
            )));
        };
        for (key, values) in keys {
            let key = key.to_ascii_lowercase();
            check_key(&key)?;
            let values = condition_values(values)?;
            for value in &values {
                check_value(operator.family, value)?;
            }
            let templates = values
                .iter()
                .map(|v| Template::parse(v, variables && takes_variables(operator.family)))
                .collect();
            conditions.push(Condition {
                operator,
                key,
                values,
                templates,
            });
        }
    }
    Ok(conditions)
}

/// IAM resolves policy variables in the values of string and ARN operators only.
fn takes_variables(family: Family) -> bool {
    matches!(
        family,
        Family::StringEquals
            | Family::StringEqualsIgnoreCase
            | Family::StringLike
            | Family::ArnEquals
            | Family::ArnLike
    )
}

fn check_key(key: &str) -> Result<(), S3Error> {
    let known = match key.split_once(':') {
        Some(("aws", name)) => !name.is_empty(),
        Some(("s3", name)) => catalogue::is_condition_key(name),
        _ => false,
    };
    if known {
        Ok(())
    } else {
        Err(malformed("Policy has an invalid condition key"))
    }
}

/// A condition's values: one scalar or a list of them, as strings.
fn condition_values(values: &Value) -> Result<Vec<String>, S3Error> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let list = match values {
        Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
        other => scalar(other).map(|v| vec![v]),
    };
    match list {
        Some(list) if !list.is_empty() => Ok(list),
        _ => Err(malformed(
            "Condition values must be strings, numbers or booleans",
        )),
    }
}

fn check_value(family: Family, value: &str) -> Result<(), S3Error> {
    let valid = match family {
        Family::Numeric(_) => value.parse::<f64>().is_ok_and(f64::is_finite),
        Family::Date(_) => parse_date(value).is_some(),
        Family::Bool | Family::Null => {
            value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
        }
        Family::Ip => Cidr::parse(value).is_some(),
        _ => true,
    };
    if valid {
        Ok(())
    } else {
        Err(malformed(format!(
            "Invalid value for the condition operator: {value}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::borrow::Cow;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);

    impl Facts for Map {
        fn fact(&self, key: &str) -> Fact<'_> {
            match (key, self.0.get(key)) {
                ("s3:requestobjecttagkeys", Some(keys)) => {
                    Fact::Many(keys.split(',').map(str::to_owned).collect())
                }
                (_, Some(v)) if *v == "?" => Fact::Unknown,
                (_, Some(v)) => Fact::One(Cow::Borrowed(*v)),
                (_, None) => Fact::Absent,
            }
        }
    }

    fn truth(block: Value, facts: &[(&'static str, &'static str)]) -> Truth {
        let conditions = parse_block(&block, true).expect("valid block");
        all_hold(&conditions, &Map(facts.iter().copied().collect()))
    }

    fn holds(block: Value, facts: &[(&'static str, &'static str)]) -> bool {
        truth(block, facts) == Truth::True
    }

    #[test]
    fn strings_compare_exactly_ignoring_case_or_with_wildcards() {
        let ua = [("aws:useragent", "curl/8.5")];
        assert!(holds(
            json!({"StringEquals": {"aws:UserAgent": "curl/8.5"}}),
            &ua
        ));
        assert!(!holds(
            json!({"StringEquals": {"aws:UserAgent": "CURL/8.5"}}),
            &ua
        ));
        assert!(holds(
            json!({"StringEqualsIgnoreCase": {"aws:UserAgent": "CURL/8.5"}}),
            &ua
        ));
        assert!(holds(
            json!({"StringLike": {"aws:UserAgent": "curl/*"}}),
            &ua
        ));
        assert!(holds(
            json!({"StringNotLike": {"aws:UserAgent": "wget/*"}}),
            &ua
        ));
    }

    #[test]
    fn several_values_are_or_and_negated_ones_nor() {
        let p = [("s3:prefix", "home/")];
        assert!(holds(
            json!({"StringEquals": {"s3:prefix": ["", "home/"]}}),
            &p
        ));
        assert!(!holds(
            json!({"StringNotEquals": {"s3:prefix": ["", "home/"]}}),
            &p
        ));
        assert!(holds(
            json!({"StringNotEquals": {"s3:prefix": ["", "docs/"]}}),
            &p
        ));
    }

    #[test]
    fn keys_and_operators_are_and() {
        let facts = [("s3:prefix", "home/"), ("s3:delimiter", "/")];
        let both = json!({"StringEquals": {"s3:prefix": "home/", "s3:delimiter": "/"}});
        assert!(holds(both, &facts));
        let one_fails =
            json!({"StringEquals": {"s3:prefix": "home/"}, "StringLike": {"s3:delimiter": "x"}});
        assert!(!holds(one_fails, &facts));
    }

    #[test]
    fn absent_keys_fail_except_negated_if_exists_and_null() {
        assert!(!holds(json!({"StringEquals": {"aws:Referer": "x"}}), &[]));
        assert!(holds(json!({"StringNotEquals": {"aws:Referer": "x"}}), &[]));
        assert!(holds(
            json!({"StringEqualsIfExists": {"aws:Referer": "x"}}),
            &[]
        ));
        assert!(holds(
            json!({"ForAllValues:StringEquals": {"aws:Referer": "x"}}),
            &[]
        ));
        assert!(!holds(
            json!({"ForAnyValue:StringEquals": {"aws:Referer": "x"}}),
            &[]
        ));
        assert!(holds(json!({"Null": {"aws:Referer": "true"}}), &[]));
        assert!(!holds(
            json!({"Null": {"aws:Referer": true}}),
            &[("aws:referer", "r")]
        ));
        assert!(holds(
            json!({"Null": {"aws:Referer": "false"}}),
            &[("aws:referer", "r")]
        ));
    }

    #[test]
    fn addresses_match_their_blocks() {
        let local = [("aws:sourceip", "127.0.0.1")];
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            &local
        ));
        assert!(!holds(
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            &local
        ));
        assert!(holds(
            json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            &local
        ));
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}),
            &local
        ));
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": "127.0.0.1"}}),
            &local
        ));
        let v6 = [("aws:sourceip", "::1")];
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": "::1/128"}}),
            &v6
        ));
        assert!(!holds(
            json!({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
            &v6
        ));
        let mapped = [("aws:sourceip", "::ffff:10.1.2.3")];
        assert!(holds(
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
            &mapped
        ));
    }

    #[test]
    fn numbers_dates_and_booleans_compare_as_such() {
        let keys = [("s3:max-keys", "100")];
        assert!(holds(
            json!({"NumericLessThanEquals": {"s3:max-keys": "100"}}),
            &keys
        ));
        assert!(!holds(
            json!({"NumericLessThan": {"s3:max-keys": 100}}),
            &keys
        ));
        assert!(holds(
            json!({"NumericGreaterThan": {"s3:max-keys": "9"}}),
            &keys
        ));
        let now = [("aws:currenttime", "2026-12-07T19:00:00Z")];
        assert!(holds(
            json!({"DateGreaterThan": {"aws:CurrentTime": "2026-12-07"}}),
            &now
        ));
        assert!(holds(
            json!({"DateLessThan": {"aws:CurrentTime": "2026-12-07T19:00:01Z"}}),
            &now
        ));
        assert!(!holds(
            json!({"DateLessThan": {"aws:CurrentTime": "1796670000"}}),
            &now
        ));
        let insecure = [("aws:securetransport", "false")];
        assert!(holds(
            json!({"Bool": {"aws:SecureTransport": false}}),
            &insecure
        ));
        assert!(!holds(
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            &insecure
        ));
    }

    #[test]
    fn bad_operators_keys_and_values_are_refused() {
        let message = |block: Value| parse_block(&block, true).expect_err("refused").message;
        assert_eq!(
            message(json!({"StringEqualz": {"aws:Referer": "x"}})),
            "Invalid Condition type : StringEqualz"
        );
        assert_eq!(
            message(json!({"NullIfExists": {"aws:Referer": "true"}})),
            "Invalid Condition type : NullIfExists"
        );
        assert_eq!(
            message(json!({"StringEquals": {"s3:nosuchkey": "x"}})),
            "Policy has an invalid condition key"
        );
        assert_eq!(
            message(json!({"StringEquals": {"ec2:Region": "x"}})),
            "Policy has an invalid condition key"
        );
        assert!(
            message(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}})).contains("10.0.0.0/33")
        );
        assert!(message(json!({"NumericEquals": {"s3:max-keys": "ten"}})).contains("ten"));
        assert!(
            message(json!({"DateEquals": {"aws:CurrentTime": "yesterday"}})).contains("yesterday")
        );
        assert!(parse_block(&json!({"StringEquals": {"aws:Referer": []}}), true).is_err());
        assert!(parse_block(&json!({"StringEquals": {"aws:Referer": {"a": 1}}}), true).is_err());
        assert!(parse_block(&json!(["StringEquals"]), true).is_err());
        // Years past four digits would overflow the date arithmetic.
        assert!(
            message(json!({"DateEquals": {"aws:CurrentTime": "9223372036854775807-01-01"}}))
                .contains("9223372036854775807")
        );
    }

    #[test]
    fn only_fixed_values_of_source_keys_narrow_public_access() {
        let narrows =
            |block: Value| parse_block(&block, true).expect("valid")[0].narrows_public_access();
        assert!(narrows(
            json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        ));
        assert!(!narrows(
            json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})
        ));
        assert!(!narrows(
            json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        ));
        assert!(narrows(
            json!({"StringEquals": {"aws:SourceAccount": "123456789012"}})
        ));
        assert!(!narrows(
            json!({"StringLike": {"aws:SourceAccount": "1234*"}})
        ));
        assert!(!narrows(
            json!({"StringLike": {"aws:Referer": "http://example.com/*"}})
        ));
    }
}
