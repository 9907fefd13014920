//! Issued keys through every verifier: scopes reach `Authenticated`, either of two secrets signs,
//! session tokens and expiry, revocation by signature and by time, host aliases.

use super::keys::KeyRing;
use super::sigv4::{presign_query, sign_request_headers, SigningParams, UNSIGNED_PAYLOAD};
use super::testutil::{hdrs, parts, time};
use super::*;
use crate::storage::access::{KeyRecord, RevokedSignature, Scope, SecretRecord, SessionRecord};
use std::sync::Arc;

const NOW: &str = "20260301T120000Z";

fn config() -> AuthConfig {
    AuthConfig::root("ROOT", "root-secret", "us-east-1")
}

fn record(id: &str, secrets: &[&str], session: Option<SessionRecord>) -> KeyRecord {
    KeyRecord {
        access_key: id.into(),
        secrets: secrets
            .iter()
            .enumerate()
            .map(|(i, s)| SecretRecord {
                id: format!("s{i}"),
                secret: s.to_string(),
                created: 0,
            })
            .collect(),
        scope: Scope {
            read: true,
            ..Scope::default()
        },
        created: 0,
        session,
    }
}

fn with_keys(records: Vec<KeyRecord>) -> AuthConfig {
    let ring = KeyRing::default();
    for r in records {
        ring.insert_for_test(r);
    }
    AuthConfig {
        keys: Arc::new(ring),
        ..config()
    }
}

fn signer<'a>(ak: &'a str, sk: &'a str, token: Option<&'a str>, at: &str) -> SigningParams<'a> {
    SigningParams {
        access_key: ak,
        secret_key: sk,
        region: "us-east-1",
        service: "s3",
        time: time(at),
        session_token: token,
    }
}

/// A presigned GET URL's query for `/b/k` on host `h`.
fn presigned(params: &SigningParams<'_>, host: &str) -> String {
    presign_query(params, "GET", "/b/k", "", &hdrs(&[("host", host)]), 3600)
}

fn get_with_query(cfg: &AuthConfig, query: &str, host: &str) -> Result<Authenticated, S3Error> {
    authenticate(
        &parts("GET", "/b/k", query, &hdrs(&[("host", host)])),
        cfg,
        time(NOW),
    )
}

fn signature_in(query: &str) -> String {
    query
        .split('&')
        .find_map(|p| p.strip_prefix("X-Amz-Signature="))
        .expect("signature")
        .to_string()
}

#[test]
fn either_secret_signs_and_the_scope_comes_with_the_identity() {
    let cfg = with_keys(vec![record("AK1", &["old", "new"], None)]);
    for secret in ["old", "new"] {
        let q = presigned(&signer("AK1", secret, None, NOW), "h");
        let ok = get_with_query(&cfg, &q, "h").expect("signed by one of its secrets");
        assert_eq!(ok.identity, Identity::AccessKey("AK1".into()));
        assert!(ok.scope.as_ref().is_some_and(|s| s.read && !s.write));
    }
    let q = presigned(&signer("AK1", "other", None, NOW), "h");
    let err = get_with_query(&cfg, &q, "h").unwrap_err();
    assert_eq!(err.code.as_str(), "SignatureDoesNotMatch");
    let root = get_with_query(
        &cfg,
        &presigned(&signer("ROOT", "root-secret", None, NOW), "h"),
        "h",
    )
    .expect("root");
    assert!(root.scope.is_none(), "the root key is unrestricted");
}

#[test]
fn header_signed_requests_check_grants_too() {
    let cfg = with_keys(vec![record("AK1", &["sk"], None)]);
    let signed = sign_request_headers(
        &signer("AK1", "sk", None, NOW),
        "GET",
        "/b/k",
        "",
        &hdrs(&[("host", "h")]),
        UNSIGNED_PAYLOAD,
    );
    let mut headers = hdrs(&[("host", "h")]);
    headers.extend(signed.headers);
    let ok = authenticate(&parts("GET", "/b/k", "", &headers), &cfg, time(NOW)).expect("ok");
    assert!(ok.scope.is_some());
    cfg.keys
        .revoke_before(
            "AK1",
            sigv4::parse_amz_date(NOW).map(unix_secs).unwrap_or(0) + 1,
        )
        .expect("revoke");
    let err = authenticate(&parts("GET", "/b/k", "", &headers), &cfg, time(NOW)).unwrap_err();
    assert_eq!(err.code.as_str(), "AccessDenied");
    assert!(err.message.contains("revoked"), "{}", err.message);
}

#[test]
fn session_keys_need_their_token_and_expire() {
    let now = unix_secs(time(NOW));
    let session = |expires| SessionRecord {
        token: "tok".into(),
        expires,
        parent: "ROOT".into(),
        role: None,
    };
    let cfg = with_keys(vec![
        record("ASIALIVE", &["sk"], Some(session(now + 60))),
        record("ASIAOLD", &["sk"], Some(session(now - 1))),
    ]);
    let q = presigned(&signer("ASIALIVE", "sk", Some("tok"), NOW), "h");
    assert!(get_with_query(&cfg, &q, "h").is_ok());
    let q = presigned(&signer("ASIALIVE", "sk", None, NOW), "h");
    assert_eq!(
        get_with_query(&cfg, &q, "h").unwrap_err().code.as_str(),
        "InvalidToken"
    );
    let q = presigned(&signer("ASIALIVE", "sk", Some("forged"), NOW), "h");
    assert_eq!(
        get_with_query(&cfg, &q, "h").unwrap_err().code.as_str(),
        "InvalidToken"
    );
    let q = presigned(&signer("ASIAOLD", "sk", Some("tok"), NOW), "h");
    let expired = get_with_query(&cfg, &q, "h").unwrap_err();
    assert_eq!(expired.code.as_str(), "ExpiredToken");
    assert_eq!(expired.code.status(), 403);
}

#[test]
fn a_session_ends_with_the_key_that_started_it() {
    let now = unix_secs(time(NOW));
    let cfg = with_keys(vec![
        record("AKPARENT", &["p"], None),
        record(
            "ASIACHILD",
            &["sk"],
            Some(SessionRecord {
                token: "tok".into(),
                expires: now + 60,
                parent: "AKPARENT".into(),
                role: None,
            }),
        ),
    ]);
    let q = presigned(&signer("ASIACHILD", "sk", Some("tok"), NOW), "h");
    assert!(get_with_query(&cfg, &q, "h").is_ok());
    cfg.keys.delete_key("AKPARENT", 1).expect("delete");
    let err = get_with_query(&cfg, &q, "h").unwrap_err();
    assert_eq!(err.code.as_str(), "AccessDenied");
    assert!(err.message.contains("revoked"), "{}", err.message);
    let unknown = presigned(&signer("AKNEVER", "sk", None, NOW), "h");
    assert_eq!(
        get_with_query(&cfg, &unknown, "h")
            .unwrap_err()
            .code
            .as_str(),
        "InvalidAccessKeyId"
    );
}

#[test]
fn revoking_one_url_leaves_the_others_working() {
    let cfg = config();
    let first = presigned(&signer("ROOT", "root-secret", None, NOW), "h");
    let second = presigned(
        &signer("ROOT", "root-secret", None, "20260301T115959Z"),
        "h",
    );
    assert!(get_with_query(&cfg, &first, "h").is_ok());
    cfg.keys
        .revoke_signature(RevokedSignature {
            // Upper-case on purpose: hex signatures match whatever their case.
            signature: normalize_signature(&signature_in(&first).to_ascii_uppercase()).into_owned(),
            access_key: Some("ROOT".into()),
            expires: None,
            revoked_at: 0,
        })
        .expect("revoke");
    let err = get_with_query(&cfg, &first, "h").unwrap_err();
    assert_eq!(err.code.as_str(), "AccessDenied");
    assert!(err.message.contains("revoked"));
    assert!(get_with_query(&cfg, &second, "h").is_ok());
}

#[test]
fn not_before_compares_with_the_signing_time() {
    let cfg = config();
    let earlier = presigned(
        &signer("ROOT", "root-secret", None, "20260301T115000Z"),
        "h",
    );
    let later = presigned(
        &signer("ROOT", "root-secret", None, "20260301T115500Z"),
        "h",
    );
    let cutoff = unix_secs(time("20260301T115300Z"));
    cfg.keys.revoke_before("ROOT", cutoff).expect("revoke");
    assert_eq!(
        get_with_query(&cfg, &earlier, "h")
            .unwrap_err()
            .code
            .as_str(),
        "AccessDenied"
    );
    assert!(get_with_query(&cfg, &later, "h").is_ok());
}

#[test]
fn expiry_only_signatures_count_as_signed_up_to_a_week_before_expiry() {
    let grant = Grant {
        access_key: "AK".into(),
        secrets: Vec::new().into(),
        scope: None,
        not_before: Some(1_000_000),
    };
    let ring = KeyRing::default();
    let week = sigv4::MAX_PRESIGNED_EXPIRES;
    assert!(grant
        .check_revocation(&ring, None, SignedAt::ExpiresOnly(1_000_000 + week))
        .is_err());
    assert!(grant
        .check_revocation(&ring, None, SignedAt::ExpiresOnly(1_000_001 + week))
        .is_ok());
    assert!(grant
        .check_revocation(&ring, None, SignedAt::Known(999_999))
        .is_err());
    assert!(grant
        .check_revocation(&ring, None, SignedAt::Known(1_000_000))
        .is_ok());
}

#[test]
fn host_aliases_accept_signatures_over_another_name() {
    let q = presigned(&signer("ROOT", "root-secret", None, NOW), "minis3:9000");
    let plain = config();
    assert_eq!(
        get_with_query(&plain, &q, "localhost:9000")
            .unwrap_err()
            .code
            .as_str(),
        "SignatureDoesNotMatch"
    );
    let aliased = AuthConfig {
        host_aliases: vec!["minis3:9000".into()],
        ..config()
    };
    assert!(get_with_query(&aliased, &q, "localhost:9000").is_ok());
    assert!(get_with_query(&aliased, &q, "minis3:9000").is_ok());
    let other = presigned(&signer("ROOT", "root-secret", None, NOW), "elsewhere:1");
    assert!(get_with_query(&aliased, &other, "localhost:9000").is_err());
}

#[test]
fn sigv2_urls_use_grants_and_the_week_limit() {
    let cfg = with_keys(vec![record("AKV2", &["old", "new"], None)]);
    let now = unix_secs(time(NOW));
    let url = |secret: &str, expires: i64| {
        let sts = format!("GET\n\n\n{expires}\n/b/k");
        let sig = sigv2::calculate_signature(secret, &sts);
        let enc = sigv4::uri_encode(sig.as_bytes(), false);
        (
            format!("AWSAccessKeyId=AKV2&Expires={expires}&Signature={enc}"),
            sig,
        )
    };
    let (q, _) = url("new", now + 60);
    let ok = get_with_query(&cfg, &q, "h").expect("second secret");
    assert!(ok.scope.is_some());
    let (q, _) = url("old", now + sigv4::MAX_PRESIGNED_EXPIRES + 60);
    assert_eq!(
        get_with_query(&cfg, &q, "h").unwrap_err().code.as_str(),
        "AccessDenied"
    );
    let (q, sig) = url("old", now + 60);
    assert!(get_with_query(&cfg, &q, "h").is_ok());
    cfg.keys
        .revoke_signature(RevokedSignature {
            signature: normalize_signature(&sig).into_owned(),
            access_key: None,
            expires: None,
            revoked_at: 0,
        })
        .expect("revoke");
    assert!(get_with_query(&cfg, &q, "h")
        .unwrap_err()
        .message
        .contains("revoked"));
}
