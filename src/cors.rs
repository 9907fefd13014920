//! CORS rules: validating a bucket's configuration, finding the rule that allows a browser's request,
//! and the `Access-Control-*` headers that rule puts on the answer.
//!
//! Matching follows S3: rules are tried in order and the first whose origin, method and (for a
//! preflight) every requested header match wins. Origins match case-sensitively, header names
//! case-insensitively; either pattern may hold one `*` standing for any run of characters.

use crate::error::S3Error;
use crate::s3_error;
use crate::storage::CorsRule;

/// S3's limit on rules in one configuration.
pub const MAX_RULES: usize = 100;
/// The methods a CORS rule may allow.
const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "HEAD"];
/// S3's limit on a rule's `ID`.
const MAX_ID_LEN: usize = 255;

/// Checks a configuration as PutBucketCors does.
pub fn validate(rules: &[CorsRule]) -> Result<(), S3Error> {
    if rules.is_empty() {
        return Err(s3_error!(MalformedXML));
    }
    if rules.len() > MAX_RULES {
        return Err(s3_error!(
            InvalidRequest,
            "The number of CORS rules should not exceed allowed limit of {MAX_RULES} rules."
        ));
    }
    for rule in rules {
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(s3_error!(MalformedXML));
        }
        if rule.id.as_ref().is_some_and(|id| id.len() > MAX_ID_LEN) {
            return Err(s3_error!(
                InvalidRequest,
                "The ID of a CORS rule must be at most {MAX_ID_LEN} characters long."
            ));
        }
        if let Some(method) = rule
            .allowed_methods
            .iter()
            .find(|m| !METHODS.contains(&m.as_str()))
        {
            return Err(s3_error!(
                InvalidRequest,
                "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
            ));
        }
        if let Some(origin) = rule
            .allowed_origins
            .iter()
            .find(|o| o.matches('*').count() > 1)
        {
            return Err(s3_error!(
                InvalidRequest,
                "AllowedOrigin \"{origin}\" can not have more than one wildcard."
            ));
        }
        if let Some(header) = rule
            .allowed_headers
            .iter()
            .find(|h| h.matches('*').count() > 1)
        {
            return Err(s3_error!(
                InvalidRequest,
                "AllowedHeader \"{header}\" can not have more than one wildcard."
            ));
        }
        if let Some(header) = rule.expose_headers.iter().find(|h| h.contains('*')) {
            return Err(s3_error!(
                InvalidRequest,
                "ExposeHeader \"{header}\" contains wildcard. We currently do not support wildcard for ExposeHeader."
            ));
        }
    }
    Ok(())
}

/// The rule the server-wide `--cors-allow-origin` setting stands for: any method and header from
/// the given origins, exposing the headers browser uploaders read.
pub fn default_rule(origins: &[String]) -> CorsRule {
    CorsRule {
        id: Some("minis3-default".to_string()),
        allowed_origins: origins.to_vec(),
        allowed_methods: METHODS.iter().map(|m| m.to_string()).collect(),
        allowed_headers: vec!["*".to_string()],
        expose_headers: [
            "ETag",
            "x-amz-request-id",
            "x-amz-version-id",
            "x-amz-checksum-crc32",
            "x-amz-checksum-crc32c",
            "x-amz-checksum-crc64nvme",
            "x-amz-checksum-sha1",
            "x-amz-checksum-sha256",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect(),
        max_age_seconds: Some(3000),
    }
}

/// Whether `value` matches `pattern`, where one `*` in the pattern stands for any characters.
fn wildcard_match(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((prefix, suffix)) => {
            value.len() >= prefix.len() + suffix.len()
                && value.starts_with(prefix)
                && value.ends_with(suffix)
        }
    }
}

fn origin_allowed(rule: &CorsRule, origin: &str) -> bool {
    rule.allowed_origins
        .iter()
        .any(|pattern| wildcard_match(pattern, origin))
}

fn header_allowed(rule: &CorsRule, header: &str) -> bool {
    let header = header.to_ascii_lowercase();
    rule.allowed_headers
        .iter()
        .any(|pattern| wildcard_match(&pattern.to_ascii_lowercase(), &header))
}

/// The header names of an `Access-Control-Request-Headers` value, lower-cased.
pub fn split_header_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// The first rule allowing a preflight for `origin`, `method` and every requested header.
pub fn match_preflight<'a>(
    rules: &'a [CorsRule],
    origin: &str,
    method: &str,
    request_headers: &[String],
) -> Option<&'a CorsRule> {
    rules.iter().find(|rule| {
        origin_allowed(rule, origin)
            && rule.allowed_methods.iter().any(|m| m == method)
            && request_headers.iter().all(|h| header_allowed(rule, h))
    })
}

/// The first rule allowing an actual request from `origin` with `method`.
pub fn match_request<'a>(
    rules: &'a [CorsRule],
    origin: &str,
    method: &str,
) -> Option<&'a CorsRule> {
    rules.iter().find(|rule| {
        origin_allowed(rule, origin) && rule.allowed_methods.iter().any(|m| m == method)
    })
}

/// The `Access-Control-*` and `Vary` headers a matching rule puts on an answer to `origin`.
/// `request_headers` are the preflight's requested headers (empty for an actual request).
pub fn response_headers(
    rule: &CorsRule,
    origin: &str,
    request_headers: &[String],
) -> Vec<(&'static str, String)> {
    let any_origin = rule.allowed_origins.iter().any(|o| o == "*");
    let mut headers = Vec::with_capacity(7);
    if any_origin {
        headers.push(("access-control-allow-origin", "*".to_string()));
    } else {
        headers.push(("access-control-allow-origin", origin.to_string()));
        headers.push(("access-control-allow-credentials", "true".to_string()));
    }
    headers.push((
        "access-control-allow-methods",
        rule.allowed_methods.join(", "),
    ));
    if !request_headers.is_empty() {
        headers.push(("access-control-allow-headers", request_headers.join(", ")));
    }
    if !rule.expose_headers.is_empty() {
        headers.push((
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        ));
    }
    if let Some(age) = rule.max_age_seconds {
        headers.push(("access-control-max-age", age.to_string()));
    }
    headers.push((
        "vary",
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method".to_string(),
    ));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
        CorsRule {
            id: None,
            allowed_origins: origins.iter().map(|s| s.to_string()).collect(),
            allowed_methods: methods.iter().map(|s| s.to_string()).collect(),
            allowed_headers: headers.iter().map(|s| s.to_string()).collect(),
            expose_headers: vec![],
            max_age_seconds: None,
        }
    }

    fn code(rules: &[CorsRule]) -> String {
        validate(rules).unwrap_err().code.as_str().to_string()
    }

    #[test]
    fn wildcards_match_any_run_of_characters_once() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("*", "http://a.example"));
        assert!(wildcard_match(
            "http://*.example.com",
            "http://www.example.com"
        ));
        assert!(wildcard_match(
            "http://*.example.com",
            "http://a.b.example.com"
        ));
        assert!(!wildcard_match(
            "http://*.example.com",
            "http://example.com"
        ));
        assert!(!wildcard_match(
            "http://*.example.com",
            "https://www.example.com"
        ));
        assert!(wildcard_match("x-amz-*", "x-amz-date"));
        assert!(wildcard_match(
            "http://localhost:*",
            "http://localhost:3000"
        ));
        // Prefix and suffix may not overlap: "ab*ba" needs at least "abba".
        assert!(!wildcard_match("ab*ba", "aba"));
        assert!(wildcard_match("ab*ba", "abba"));
        assert!(!wildcard_match("http://a.example", "http://A.example"));
    }

    #[test]
    fn preflights_need_origin_method_and_every_header() {
        let rules = vec![
            rule(
                &["http://app.example"],
                &["PUT"],
                &["content-type", "x-amz-*"],
            ),
            rule(&["*"], &["GET"], &[]),
        ];
        let put = match_preflight(
            &rules,
            "http://app.example",
            "PUT",
            &split_header_list("Content-Type, X-Amz-Date"),
        );
        assert_eq!(put, Some(&rules[0]));
        assert_eq!(
            match_preflight(&rules, "http://app.example", "PUT", &["x-custom".into()]),
            None
        );
        assert_eq!(match_preflight(&rules, "http://other", "PUT", &[]), None);
        assert_eq!(
            match_preflight(&rules, "http://other", "GET", &[]),
            Some(&rules[1])
        );
        assert_eq!(
            match_preflight(&rules, "http://other", "GET", &["range".into()]),
            None,
            "a rule without AllowedHeader allows no requested headers"
        );
        assert_eq!(
            match_preflight(&rules, "http://app.example", "DELETE", &[]),
            None
        );
    }

    #[test]
    fn the_first_matching_rule_wins() {
        let mut first = rule(&["http://*.example"], &["GET"], &[]);
        first.max_age_seconds = Some(1);
        let mut second = rule(&["http://a.example"], &["GET"], &[]);
        second.max_age_seconds = Some(2);
        let rules = vec![first, second];
        assert_eq!(
            match_request(&rules, "http://a.example", "GET").and_then(|r| r.max_age_seconds),
            Some(1)
        );
    }

    #[test]
    fn actual_requests_ignore_headers() {
        let rules = vec![rule(&["http://app.example"], &["GET", "HEAD"], &[])];
        assert!(match_request(&rules, "http://app.example", "HEAD").is_some());
        assert!(match_request(&rules, "http://app.example", "PUT").is_none());
        assert!(match_request(&rules, "http://evil.example", "GET").is_none());
    }

    #[test]
    fn headers_echo_the_origin_unless_the_rule_allows_any() {
        let mut specific = rule(&["http://app.example"], &["GET", "PUT"], &["*"]);
        specific.expose_headers = vec!["ETag".into(), "x-amz-request-id".into()];
        specific.max_age_seconds = Some(3000);
        let headers = response_headers(&specific, "http://app.example", &["content-type".into()]);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            get("access-control-allow-origin"),
            Some("http://app.example")
        );
        assert_eq!(get("access-control-allow-credentials"), Some("true"));
        assert_eq!(get("access-control-allow-methods"), Some("GET, PUT"));
        assert_eq!(get("access-control-allow-headers"), Some("content-type"));
        assert_eq!(
            get("access-control-expose-headers"),
            Some("ETag, x-amz-request-id")
        );
        assert_eq!(get("access-control-max-age"), Some("3000"));
        assert!(get("vary").is_some_and(|v| v.starts_with("Origin")));

        let any = rule(&["*"], &["GET"], &[]);
        let headers = response_headers(&any, "http://x", &[]);
        assert!(headers.contains(&("access-control-allow-origin", "*".into())));
        assert!(!headers
            .iter()
            .any(|(n, _)| *n == "access-control-allow-credentials"
                || *n == "access-control-allow-headers"
                || *n == "access-control-max-age"));
    }

    #[test]
    fn validation_follows_s3() {
        assert!(validate(&[rule(&["http://*.a"], &["GET", "HEAD"], &["x-amz-*"])]).is_ok());
        assert_eq!(code(&[]), "MalformedXML");
        assert_eq!(code(&[rule(&[], &["GET"], &[])]), "MalformedXML");
        assert_eq!(code(&[rule(&["*"], &[], &[])]), "MalformedXML");
        let bad_method = validate(&[rule(&["*"], &["PATCH"], &[])]).unwrap_err();
        assert_eq!(bad_method.code.as_str(), "InvalidRequest");
        assert!(bad_method.message.ends_with("Unsupported method is PATCH"));
        let two_wildcards = validate(&[rule(&["http://*.*.a"], &["GET"], &[])]).unwrap_err();
        assert!(two_wildcards
            .message
            .contains("can not have more than one wildcard"));
        assert_eq!(code(&[rule(&["*"], &["GET"], &["*-*"])]), "InvalidRequest");
        let mut exposed = rule(&["*"], &["GET"], &[]);
        exposed.expose_headers = vec!["*".into()];
        assert_eq!(code(&[exposed]), "InvalidRequest");
        let many = vec![rule(&["*"], &["GET"], &[]); MAX_RULES + 1];
        assert_eq!(code(&many), "InvalidRequest");
        assert!(validate(&many[..MAX_RULES]).is_ok());
        let mut long_id = rule(&["*"], &["GET"], &[]);
        long_id.id = Some("x".repeat(256));
        assert_eq!(code(&[long_id]), "InvalidRequest");
    }

    #[test]
    fn the_default_rule_allows_everything_from_its_origins() {
        let rules = vec![default_rule(&["http://localhost:3000".to_string()])];
        assert!(validate(&rules).is_ok());
        assert!(match_preflight(
            &rules,
            "http://localhost:3000",
            "DELETE",
            &split_header_list("authorization,x-amz-date,content-type")
        )
        .is_some());
        assert!(match_preflight(&rules, "http://localhost:3001", "GET", &[]).is_none());
    }
}
