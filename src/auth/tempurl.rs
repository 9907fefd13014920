//! Swift-style temporary URLs: `/v1/<account>/<bucket>/<key>?temp_url_sig=..&temp_url_expires=..`
//! as `swift tempurl` (python-swiftclient) makes them, checked against the account's temp-URL keys.
//!
//! The signature is an HMAC (SHA-1, SHA-256 or SHA-512) over `METHOD\nEXPIRES\nPATH`, PATH being
//! the percent-decoded request path (Swift signs its WSGI `PATH_INFO`), or `prefix:/v1/a/c/PREFIX`
//! when `temp_url_prefix` is given. It is sent as hex (40 or 64 digits say SHA-1 or SHA-256) or as
//! `<digest>:<base64>`, base64 standard or URL-safe, padding optional. `temp_url_expires` is Unix
//! seconds or `YYYY-MM-DDTHH:MM:SSZ`; the signature covers the seconds either way. Anything wrong
//! with the URL is `401 Unauthorized`, as Swift answers; a revoked one is `403 AccessDenied`.

use super::sigv4::{parse_amz_date, query_params};
use super::{AuthConfig, Authenticated, Grant, Identity, PayloadMode, SignedAt};
use crate::error::S3Error;
use crate::s3_error;
use crate::storage::access::{BucketScope, Scope};
use crate::timefmt::unix_secs;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use std::time::SystemTime;

/// A request on a Swift object path (`/v1/<account>/<bucket>/<key>`) and its temp-URL parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempUrl {
    /// The account segment as in the path (`AUTH_test`).
    pub account: String,
    pub bucket: String,
    pub key: String,
    signature: String,
    expires: String,
    prefix: Option<String>,
    /// The path as sent, still percent-encoded.
    raw_path: String,
}

/// The HMAC digests Swift allows by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    Sha1,
    Sha256,
    Sha512,
}

impl Digest {
    fn from_name(name: &str) -> Option<Digest> {
        match name {
            "sha1" => Some(Digest::Sha1),
            "sha256" => Some(Digest::Sha256),
            "sha512" => Some(Digest::Sha512),
            _ => None,
        }
    }

    fn output_len(self) -> usize {
        match self {
            Digest::Sha1 => 20,
            Digest::Sha256 => 32,
            Digest::Sha512 => 64,
        }
    }

    fn verifies(self, key: &[u8], message: &[u8], mac: &[u8]) -> bool {
        // `verify_slice` compares in constant time.
        match self {
            Digest::Sha1 => Hmac::<Sha1>::new_from_slice(key)
                .map(|m| m.chain_update(message).verify_slice(mac).is_ok()),
            Digest::Sha256 => Hmac::<Sha256>::new_from_slice(key)
                .map(|m| m.chain_update(message).verify_slice(mac).is_ok()),
            Digest::Sha512 => Hmac::<Sha512>::new_from_slice(key)
                .map(|m| m.chain_update(message).verify_slice(mac).is_ok()),
        }
        .unwrap_or(false)
    }
}

impl TempUrl {
    /// `401 Unauthorized`, Swift's one answer to a temp URL that is wrong in any way.
    pub fn unauthorized(&self) -> S3Error {
        s3_error!(Unauthorized).header(
            "www-authenticate",
            format!("Swift realm=\"{}\"", self.account),
        )
    }

    /// `Some` when the (path-style) request is on `/v1/<account>/<bucket>/<key>`: such a request is
    /// a temp-URL request and nothing else (no S3 bucket can be called `v1`, too short), so without
    /// `temp_url_sig` and `temp_url_expires` it will be refused.
    pub fn from_request(raw_path: &str, raw_query: &str) -> Result<Option<TempUrl>, S3Error> {
        // Every request asks: without escapes the path is its own decoding, so one prefix
        // check answers most of them without a decoding pass.
        if !raw_path.starts_with("/v1/") && !raw_path.contains('%') {
            return Ok(None);
        }
        // Swift splits the decoded path, so `%2F` in a container name separates segments too.
        let path = percent_encoding::percent_decode_str(raw_path)
            .decode_utf8()
            .map_err(|_| s3_error!(InvalidURI))?;
        let Some(rest) = path.strip_prefix("/v1/") else {
            return Ok(None);
        };
        let mut segments = rest.splitn(3, '/');
        let (Some(account), Some(bucket), Some(key)) =
            (segments.next(), segments.next(), segments.next())
        else {
            return Ok(None);
        };
        if account.is_empty() || bucket.is_empty() || key.trim_matches('/').is_empty() {
            return Ok(None);
        }
        let params = query_params(raw_query);
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.to_string())
        };
        Ok(Some(TempUrl {
            account: account.to_string(),
            bucket: bucket.to_string(),
            key: key.to_string(),
            signature: param("temp_url_sig").unwrap_or_default(),
            expires: param("temp_url_expires").unwrap_or_default(),
            prefix: param("temp_url_prefix"),
            raw_path: raw_path.to_string(),
        }))
    }

    /// Checks the signature against the account's temp-URL keys (set for `test` or `AUTH_test`
    /// alike) and answers with an identity that may do only `method` on this one object (or, for
    /// a prefix URL, on the objects under the prefix).
    pub fn authenticate(
        &self,
        method: &str,
        cfg: &AuthConfig,
        now: SystemTime,
    ) -> Result<Authenticated, S3Error> {
        let invalid = || self.unauthorized();
        let expires = parse_expires(&self.expires).ok_or_else(invalid)?;
        if expires < unix_secs(now) {
            return Err(invalid());
        }
        let (digest, mac) = parse_signature(&self.signature).ok_or_else(invalid)?;
        // HEAD is allowed with a signature for any method that reads or writes the object, as Swift
        // allows it: a client checks an upload URL's target or a download's size with it.
        let signed_methods: &[&str] = match method {
            "GET" | "PUT" | "DELETE" => &[method],
            "HEAD" => &["HEAD", "GET", "PUT", "POST"],
            _ => return Err(invalid()),
        };
        let mut signed_paths = match &self.prefix {
            None => vec![format!("/v1/{}/{}/{}", self.account, self.bucket, self.key)],
            Some(prefix) if self.key.starts_with(prefix.as_str()) => {
                vec![format!(
                    "prefix:/v1/{}/{}/{prefix}",
                    self.account, self.bucket
                )]
            }
            Some(_) => return Err(invalid()),
        };
        // Swift signs the decoded path; `swift tempurl` given an already-encoded URL signs it as
        // written, which names the same object, so that is accepted too.
        if self.prefix.is_none() && signed_paths[0] != self.raw_path {
            signed_paths.push(self.raw_path.clone());
        }
        let keys = self.keys(cfg);
        let matched = signed_paths.iter().any(|signed_path| {
            signed_methods.iter().any(|signed_method| {
                let message = format!("{signed_method}\n{expires}\n{signed_path}");
                keys.iter()
                    .any(|key| digest.verifies(key.as_bytes(), message.as_bytes(), &mac))
            })
        });
        if !matched {
            return Err(invalid());
        }
        let scope = self.scope(method);
        let grant = Grant {
            access_key: self.account.clone(),
            secrets: keys.into(),
            scope: Some(scope.clone()),
            not_before: None,
        };
        // The same MAC may be written several ways; a revocation of any of them counts.
        for spelling in spellings(&self.signature, digest, &mac) {
            grant.check_revocation(&cfg.keys, Some(&spelling), SignedAt::ExpiresOnly(expires))?;
        }
        Ok(Authenticated {
            identity: Identity::AccessKey(format!("tempurl:{}", self.account)),
            service: "s3".into(),
            payload: PayloadMode::Unsigned,
            scope: Some(scope),
        })
    }

    /// The account's keys, whether it was named with its `AUTH_` reseller prefix or without.
    fn keys(&self, cfg: &AuthConfig) -> Vec<String> {
        let mut keys = cfg.keys.tempurl_keys(&self.account);
        if let Some(bare) = self.account.strip_prefix("AUTH_") {
            keys.extend(cfg.keys.tempurl_keys(bare));
        }
        keys
    }

    /// The one action `method` stands for, on this object or prefix only.
    fn scope(&self, method: &str) -> Scope {
        Scope {
            read: matches!(method, "GET" | "HEAD"),
            write: method == "PUT",
            list: false,
            delete: method == "DELETE",
            buckets: vec![BucketScope {
                bucket: self.bucket.clone(),
                prefix: self.prefix.clone().unwrap_or_else(|| self.key.clone()),
            }],
        }
    }
}

/// Every way a `temp_url_sig` for `mac` may be written: as sent, hex, `<digest>:` base64 standard or
/// URL-safe, padded or not.
fn spellings(sent: &str, digest: Digest, mac: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
    let name = match digest {
        Digest::Sha1 => "sha1",
        Digest::Sha256 => "sha256",
        Digest::Sha512 => "sha512",
    };
    let mut out = vec![sent.to_string(), hex::encode(mac)];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(format!("{name}:{}", engine.encode(mac)));
    }
    out
}

/// Unix seconds, or `YYYY-MM-DDTHH:MM:SSZ` (`swift tempurl --iso8601`).
pub fn parse_expires(text: &str) -> Option<i64> {
    if let Ok(secs) = text.parse::<i64>() {
        return Some(secs);
    }
    let b = text.as_bytes();
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'Z'),
    ];
    if b.len() != 20 || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let basic: String = text.chars().filter(|c| !matches!(c, '-' | ':')).collect();
    parse_amz_date(&basic).map(unix_secs)
}

/// The digest and the raw MAC a `temp_url_sig` carries.
fn parse_signature(signature: &str) -> Option<(Digest, Vec<u8>)> {
    if let Some((name, encoded)) = signature.split_once(':') {
        let digest = Digest::from_name(name)?;
        let standard: String = encoded
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        let mac = STANDARD_NO_PAD.decode(standard).ok()?;
        return (mac.len() == digest.output_len()).then_some((digest, mac));
    }
    // 128 hex digits (SHA-512) are accepted too, though Swift insists on base64 for them.
    let digest = match signature.len() {
        40 => Digest::Sha1,
        64 => Digest::Sha256,
        128 => Digest::Sha512,
        _ => return None,
    };
    hex::decode(signature).ok().map(|mac| (digest, mac))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::system_time;

    const EXPIRES: i64 = 1_700_000_000;
    const PATH: &str = "/v1/AUTH_test/bucket/dir/file.txt";
    const GET_SHA1: &str = "9eaed2517d4a2168510737c96d2f04604c40105a";
    const GET_SHA256: &str = "a38e1625a1ef0c5aac4f03b7bc08996d4bb483f1dcfeb2fe9e0b6b34c310537c";
    const GET_SHA512: &str =
        "tmhnFw_hI8RzhbTZpG3rA5zsRYlmr383yJIGQf-GV3H1EhYIJYlpipZnC3Eqr9U2OCJblgkb5ZxkgVJ2COc7hw";
    const PUT_SHA256: &str = "710f010411bb99cecaf33c8d0b9cc0515933b07413b16f5873b8588cfa2c2dd2";

    fn config(account: &str, key: &str) -> AuthConfig {
        let cfg = AuthConfig::root("root", "rootsecret", "us-east-1");
        cfg.keys
            .set_tempurl_key(account, key, false)
            .expect("in-memory key ring");
        cfg
    }

    fn url(path: &str, query: &str) -> TempUrl {
        TempUrl::from_request(path, query)
            .expect("decodes")
            .expect("is a temp URL")
    }

    fn check(
        cfg: &AuthConfig,
        method: &str,
        path: &str,
        query: &str,
    ) -> Result<Authenticated, S3Error> {
        url(path, query).authenticate(method, cfg, system_time(EXPIRES - 60))
    }

    fn code(result: Result<Authenticated, S3Error>) -> (u16, String) {
        let err = result.expect_err("refused");
        (err.status(), err.code.as_str().to_string())
    }

    #[test]
    fn only_swift_object_paths_are_temp_urls() {
        let q = "temp_url_sig=ab&temp_url_expires=1";
        assert!(TempUrl::from_request("/bucket/key", q).unwrap().is_none());
        assert!(TempUrl::from_request("/v1/AUTH_test/bucket", q)
            .unwrap()
            .is_none());
        assert!(TempUrl::from_request("/v1/AUTH_test/bucket/", q)
            .unwrap()
            .is_none());
        let t = url("/v1/AUTH_x/b/a%20b/%C3%A9//", q);
        assert_eq!((t.account.as_str(), t.bucket.as_str()), ("AUTH_x", "b"));
        assert_eq!(t.key, "a b/\u{e9}//");
    }

    #[test]
    fn hex_and_base64_signatures_of_each_digest() {
        let cfg = config("AUTH_test", "mykey");
        for sig in [GET_SHA1, GET_SHA256, &GET_SHA256.to_uppercase()] {
            let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}");
            let ok = check(&cfg, "GET", PATH, &q).expect("valid");
            assert_eq!(ok.identity, Identity::AccessKey("tempurl:AUTH_test".into()));
        }
        let standard = GET_SHA512.replace('-', "+").replace('_', "/");
        for sig in [
            format!("sha512:{GET_SHA512}"),
            format!("sha512:{GET_SHA512}=="),
            format!(
                "sha512:{}",
                standard.replace('+', "%2B").replace('/', "%2F")
            ),
        ] {
            let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}");
            assert!(check(&cfg, "GET", PATH, &q).is_ok(), "{sig}");
        }
        let sha256_b64 = STANDARD_NO_PAD.encode(hex::decode(GET_SHA256).unwrap());
        let q = format!("temp_url_sig=sha256:{sha256_b64}&temp_url_expires={EXPIRES}");
        assert!(check(&cfg, "GET", PATH, &q).is_ok());
        let q = format!("temp_url_sig=md5:{sha256_b64}&temp_url_expires={EXPIRES}");
        assert_eq!(
            code(check(&cfg, "GET", PATH, &q)),
            (401, "Unauthorized".into())
        );
        let q = format!("temp_url_sig=sha1:{sha256_b64}&temp_url_expires={EXPIRES}");
        assert_eq!(code(check(&cfg, "GET", PATH, &q)).0, 401, "wrong length");
    }

    #[test]
    fn iso8601_expiry_signs_the_same_seconds() {
        let cfg = config("AUTH_test", "mykey");
        let q = format!("temp_url_sig={GET_SHA256}&temp_url_expires=2023-11-14T22:13:20Z");
        assert!(check(&cfg, "GET", PATH, &q).is_ok());
        assert_eq!(parse_expires("2023-11-14T22:13:20Z"), Some(EXPIRES));
        assert_eq!(parse_expires("2023-11-14 22:13:20Z"), None);
        assert_eq!(parse_expires("2023-02-30T00:00:00Z"), None);
        assert_eq!(parse_expires("soon"), None);
    }

    #[test]
    fn expired_altered_or_unsigned_urls_are_unauthorized() {
        let cfg = config("AUTH_test", "mykey");
        let q = format!("temp_url_sig={GET_SHA256}&temp_url_expires={EXPIRES}");
        let late = url(PATH, &q).authenticate("GET", &cfg, system_time(EXPIRES + 1));
        assert_eq!(code(late), (401, "Unauthorized".into()));
        let other_key = "/v1/AUTH_test/bucket/dir/other.txt";
        assert_eq!(code(check(&cfg, "GET", other_key, &q)).0, 401);
        let later = format!("temp_url_sig={GET_SHA256}&temp_url_expires={}", EXPIRES + 1);
        assert_eq!(code(check(&cfg, "GET", PATH, &later)).0, 401);
        assert_eq!(
            code(check(
                &cfg,
                "GET",
                PATH,
                &format!("temp_url_expires={EXPIRES}")
            ))
            .0,
            401
        );
        assert_eq!(
            code(check(
                &cfg,
                "GET",
                PATH,
                &format!("temp_url_sig={GET_SHA256}")
            ))
            .0,
            401
        );
        let err = check(&config("AUTH_test", "otherkey"), "GET", PATH, &q).unwrap_err();
        assert_eq!(err.status(), 401);
        assert!(err
            .headers
            .iter()
            .any(|(n, v)| *n == "www-authenticate" && v.contains("AUTH_test")));
        let no_keys = AuthConfig::root("root", "rootsecret", "us-east-1");
        assert_eq!(code(check(&no_keys, "GET", PATH, &q)).0, 401);
    }

    #[test]
    fn methods_must_match_except_head() {
        let cfg = config("AUTH_test", "mykey");
        let get = format!("temp_url_sig={GET_SHA256}&temp_url_expires={EXPIRES}");
        let put = format!("temp_url_sig={PUT_SHA256}&temp_url_expires={EXPIRES}");
        assert_eq!(code(check(&cfg, "PUT", PATH, &get)).0, 401);
        assert_eq!(code(check(&cfg, "GET", PATH, &put)).0, 401);
        assert_eq!(code(check(&cfg, "POST", PATH, &put)).0, 401);
        assert_eq!(code(check(&cfg, "DELETE", PATH, &get)).0, 401);
        let written = check(&cfg, "PUT", PATH, &put).expect("PUT with a PUT signature");
        let scope = written.scope.expect("scoped");
        assert!(scope.write && !scope.read && !scope.delete && !scope.list);
        assert!(scope.allows(
            crate::storage::access::Action::Write,
            "bucket",
            "dir/file.txt"
        ));
        assert!(!scope.allows(
            crate::storage::access::Action::Write,
            "other",
            "dir/file.txt"
        ));
        for q in [&get, &put] {
            let head = check(&cfg, "HEAD", PATH, q).expect("HEAD with a GET or PUT signature");
            let scope = head.scope.expect("scoped");
            assert!(scope.read && !scope.write);
        }
    }

    #[test]
    fn either_key_and_either_account_spelling_work() {
        let cfg = config("test", "oldkey");
        cfg.keys.set_tempurl_key("test", "mykey", true).unwrap();
        let q = format!("temp_url_sig={GET_SHA256}&temp_url_expires={EXPIRES}");
        assert!(
            check(&cfg, "GET", PATH, &q).is_ok(),
            "second key, bare account"
        );
        cfg.keys.set_tempurl_key("test", "newkey", true).unwrap();
        assert_eq!(code(check(&cfg, "GET", PATH, &q)).0, 401, "replaced");
    }

    #[test]
    fn prefix_urls_cover_the_objects_under_the_prefix() {
        let cfg = config("AUTH_test", "mykey");
        let sig = "818c8aa00180bdae1702ac39fb27de05d92cf9704b641c781617fc4362046cad";
        let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}&temp_url_prefix=dir/");
        let ok = check(&cfg, "GET", "/v1/AUTH_test/bucket/dir/any/thing", &q).expect("under");
        assert_eq!(ok.scope.expect("scoped").buckets[0].prefix, "dir/");
        assert_eq!(
            code(check(&cfg, "GET", "/v1/AUTH_test/bucket/else", &q)).0,
            401
        );
    }

    #[test]
    fn the_decoded_path_is_signed_or_the_path_as_sent() {
        let cfg = config("AUTH_test", "mykey");
        let sig = "61e7218d404ebccfcbc8209f3aa70d3b5877771441b0cf4006a10c0c7a157d1c";
        let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}");
        assert!(check(&cfg, "GET", "/v1/AUTH_test/bucket/a%20b/%C3%A9", &q).is_ok());
        let raw = "/v1/AUTH_test/bucket/a%20b";
        let sig = "06b9e30092affcf7811445568345932448d580dfc1bd4b1737a784d3474a1239";
        let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}");
        assert!(check(&cfg, "GET", raw, &q).is_ok(), "signed as sent");
    }

    #[test]
    fn revoked_signatures_are_denied_in_any_encoding() {
        let cfg = config("AUTH_test", "mykey");
        let revoke = |signature: &str| {
            cfg.keys
                .revoke_signature(crate::storage::access::RevokedSignature {
                    signature: super::super::normalize_signature(signature).into_owned(),
                    access_key: None,
                    expires: Some(EXPIRES),
                    revoked_at: EXPIRES - 100,
                })
                .unwrap()
        };
        let q = format!("temp_url_sig={GET_SHA1}&temp_url_expires={EXPIRES}");
        assert!(check(&cfg, "GET", PATH, &q).is_ok());
        revoke(&GET_SHA1.to_uppercase());
        let err = check(&cfg, "GET", PATH, &q).unwrap_err();
        assert_eq!((err.status(), err.code.as_str()), (403, "AccessDenied"));
        assert!(err.message.contains("revoked"), "{}", err.message);

        let sha512 = format!("sha512:{GET_SHA512}");
        revoke(&sha512);
        let standard = GET_SHA512.replace('-', "%2B").replace('_', "%2F");
        for sig in [sha512.clone(), format!("sha512:{standard}==")] {
            let q = format!("temp_url_sig={sig}&temp_url_expires={EXPIRES}");
            assert_eq!(code(check(&cfg, "GET", PATH, &q)).0, 403, "{sig}");
        }
    }
}
