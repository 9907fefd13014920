//! `minis3 presign`: prints a SigV4 presigned URL the server accepts, for any method and signed
//! headers (the AWS CLI's `presign` signs GET only), or with `--post` a presigned POST form.

use crate::auth::sigv4::{presign_query, uri_encode, SigningParams};
use crate::config::PresignArgs;
use crate::demo::UrlSigner;
use std::time::SystemTime;

/// SigV4's longest validity for a presigned request: seven days.
pub const MAX_EXPIRES_SECS: u64 = 7 * 24 * 3600;

/// What `minis3 presign` prints for `args` at `now`: a URL, or the POST form as JSON.
pub fn render(args: &PresignArgs, now: SystemTime) -> Result<String, String> {
    let (bucket, key) = parse_target(&args.target)?;
    if args.expires_in == 0 || args.expires_in > MAX_EXPIRES_SECS {
        return Err(format!(
            "--expires-in must be between 1 and {MAX_EXPIRES_SECS} seconds (7 days)"
        ));
    }
    let endpoint = crate::demo::normalize_endpoint(&args.endpoint)?;
    let host = endpoint
        .split_once("://")
        .map_or(endpoint.as_str(), |(_, rest)| rest);
    if args.post {
        let signer = UrlSigner {
            access_key: &args.keys.access_key,
            secret_key: &args.keys.secret_key,
            region: &args.keys.region,
            bucket,
        };
        let content_type = args.content_type.clone().unwrap_or_default();
        let fields = signer.post_fields(key.to_string(), content_type, now, args.expires_in);
        let form = serde_json::json!({
            "url": format!("{endpoint}/{}", uri_encode(bucket.as_bytes(), false)),
            "fields": fields,
        });
        return serde_json::to_string_pretty(&form).map_err(|e| e.to_string());
    }
    let mut headers = vec![("host".to_string(), host.to_string())];
    if let Some(content_type) = &args.content_type {
        headers.push(("content-type".to_string(), content_type.clone()));
    }
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .filter(|(name, _)| !name.trim().is_empty())
            .ok_or_else(|| format!("--header {header:?} is not NAME:VALUE"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    let params = SigningParams {
        access_key: &args.keys.access_key,
        secret_key: &args.keys.secret_key,
        region: &args.keys.region,
        service: "s3",
        time: now,
        session_token: None,
    };
    let path = format!(
        "/{}/{}",
        uri_encode(bucket.as_bytes(), false),
        uri_encode(key.as_bytes(), true)
    );
    let query = presign_query(&params, &args.method, &path, "", &headers, args.expires_in);
    Ok(format!("{endpoint}{path}?{query}"))
}

/// `s3://bucket/key` into its bucket and key (the key may hold further slashes).
fn parse_target(target: &str) -> Result<(&str, &str), String> {
    target
        .strip_prefix("s3://")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
        .ok_or_else(|| format!("{target:?} is not s3://BUCKET/KEY"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{self, AuthConfig, Identity, RequestParts};
    use clap::Parser;

    fn args(extra: &[&str]) -> PresignArgs {
        let mut argv = vec!["minis3", "presign", "s3://photos/a b/c.jpg"];
        argv.extend_from_slice(extra);
        match crate::config::Cli::parse_from(argv).command {
            Some(crate::config::Command::Presign(args)) => args,
            other => panic!("not a presign command: {other:?}"),
        }
    }

    fn check(
        url: &str,
        method: &str,
        headers: &[(&str, &str)],
        at: SystemTime,
    ) -> Result<(), String> {
        let rest = url
            .strip_prefix("http://127.0.0.1:9000")
            .ok_or("endpoint")?;
        let (path, query) = rest.split_once('?').ok_or("query")?;
        let mut all = vec![("host".to_string(), "127.0.0.1:9000".to_string())];
        all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
        let borrowed = auth::borrow_headers(&all);
        let parts = RequestParts {
            method,
            raw_path: path,
            raw_query: query,
            raw_params: None,
            headers: &borrowed,
            virtual_bucket: None,
        };
        let cfg = AuthConfig::root("minis3admin", "minis3admin", "us-east-1");
        match auth::authenticate(&parts, &cfg, at) {
            Ok(a) if a.identity != Identity::Anonymous => Ok(()),
            Ok(_) => Err("anonymous".into()),
            Err(e) => Err(e.code.as_str().to_string()),
        }
    }

    #[test]
    fn urls_verify_for_their_method_and_signed_headers_only() {
        let now = SystemTime::now();
        let get = render(&args(&[]), now).expect("renders");
        assert!(get.starts_with("http://127.0.0.1:9000/photos/a%20b/c.jpg?X-Amz-Algorithm="));
        assert_eq!(check(&get, "GET", &[], now), Ok(()));
        assert!(check(&get, "PUT", &[], now).is_err());

        let put = render(
            &args(&[
                "--method",
                "PUT",
                "--content-type",
                "image/jpeg",
                "--header",
                "x-amz-meta-owner: ana",
            ]),
            now,
        )
        .expect("renders");
        let sent = [("content-type", "image/jpeg"), ("x-amz-meta-owner", "ana")];
        assert_eq!(check(&put, "PUT", &sent, now), Ok(()));
        let other_type = [("content-type", "text/plain"), ("x-amz-meta-owner", "ana")];
        assert!(check(&put, "PUT", &other_type, now).is_err());

        let short =
            render(&args(&["--method", "DELETE", "--expires-in", "5"]), now).expect("renders");
        assert_eq!(check(&short, "DELETE", &[], now), Ok(()));
        let later = now + std::time::Duration::from_secs(6);
        assert_eq!(
            check(&short, "DELETE", &[], later),
            Err("AccessDenied".into())
        );
    }

    #[test]
    fn bad_arguments_are_explained() {
        let now = SystemTime::now();
        assert!(render(&args(&["--expires-in", "604801"]), now).is_err());
        assert!(render(&args(&["--header", "no-colon"]), now).is_err());
        let mut bad = args(&[]);
        bad.target = "s3://bucket-only".into();
        assert!(render(&bad, now).unwrap_err().contains("s3://BUCKET/KEY"));
    }

    #[test]
    fn post_forms_are_json_with_a_signed_policy() {
        let form = render(
            &args(&["--post", "--content-type", "image/png"]),
            SystemTime::now(),
        )
        .expect("renders");
        let value: serde_json::Value = serde_json::from_str(&form).expect("json");
        assert_eq!(value["url"], "http://127.0.0.1:9000/photos");
        assert_eq!(value["fields"]["key"], "a b/c.jpg");
        assert_eq!(value["fields"]["Content-Type"], "image/png");
        assert!(value["fields"]["x-amz-signature"]
            .as_str()
            .is_some_and(|s| s.len() == 64));
    }
}
