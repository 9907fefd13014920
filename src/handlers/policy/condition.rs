//! A policy statement's `Condition` block: parsed and checked when the policy is put, decided
//! against a request's facts when it is used, with IAM's rules for absent keys and lists.

use super::catalogue;
use super::document::malformed;
use crate::error::S3Error;
use crate::glob;
use crate::timefmt;
use serde_json::Value;
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
    /// `ForAllValues:` (true when the key is absent); `ForAnyValue:` behaves as the plain
    /// operator here, since every key minis3 knows has at most one value.
    for_all_values: bool,
}

impl Operator {
    fn parse(written: &str) -> Option<Operator> {
        let (for_all_values, rest) = if let Some(rest) = written.strip_prefix("ForAllValues:") {
            (true, rest)
        } else {
            (
                false,
                written.strip_prefix("ForAnyValue:").unwrap_or(written),
            )
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
            for_all_values,
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
];

impl Condition {
    /// Whether this condition holds only for requests from somewhere named by a fixed value.
    pub fn narrows_public_access(&self) -> bool {
        let positive = !self.operator.negated && !self.operator.if_exists;
        let fixed = |v: &String| match self.operator.family {
            Family::Ip => !v.ends_with("/0"),
            _ => !glob::has_wildcard(v),
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

    /// Whether the condition holds for a request whose value of this key is `value`.
    fn holds(&self, value: Option<&str>) -> bool {
        let op = self.operator;
        let Some(value) = value else {
            return match op.family {
                Family::Null => self.values.iter().any(|v| v.eq_ignore_ascii_case("true")),
                // IAM: an absent key fails a condition, except a negated one, an `IfExists`
                // one and `ForAllValues` (nothing to disagree with).
                _ => op.negated || op.if_exists || op.for_all_values,
            };
        };
        if op.family == Family::Null {
            return self.values.iter().any(|v| v.eq_ignore_ascii_case("false"));
        }
        // Several values: any may match (OR); negated, none may (NOR).
        let any = self
            .values
            .iter()
            .any(|expected| compare(op.family, value, expected));
        any != op.negated
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
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
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
        if h > 23 || m > 59 || s > 60 {
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
    fn value(&self, key: &str) -> Option<std::borrow::Cow<'_, str>>;
}

/// Every condition of a statement holds (they are ANDed).
pub fn all_hold(conditions: &[Condition], facts: &dyn Facts) -> bool {
    conditions
        .iter()
        .all(|c| c.holds(facts.value(&c.key).as_deref()))
}

/// A `Condition` block, checked: known operators, S3's or global keys, values each operator
/// can compare.
pub fn parse_block(block: &Value) -> Result<Vec<Condition>, S3Error> {
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
            conditions.push(Condition {
                operator,
                key,
                values,
            });
        }
    }
    Ok(conditions)
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
        fn value(&self, key: &str) -> Option<Cow<'_, str>> {
            self.0.get(key).map(|v| Cow::Borrowed(*v))
        }
    }

    fn holds(block: Value, facts: &[(&'static str, &'static str)]) -> bool {
        let conditions = parse_block(&block).expect("valid block");
        all_hold(&conditions, &Map(facts.iter().copied().collect()))
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
        let message = |block: Value| parse_block(&block).expect_err("refused").message;
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
        assert!(parse_block(&json!({"StringEquals": {"aws:Referer": []}})).is_err());
        assert!(parse_block(&json!({"StringEquals": {"aws:Referer": {"a": 1}}})).is_err());
        assert!(parse_block(&json!(["StringEquals"])).is_err());
    }

    #[test]
    fn only_fixed_values_of_source_keys_narrow_public_access() {
        let narrows = |block: Value| parse_block(&block).expect("valid")[0].narrows_public_access();
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
