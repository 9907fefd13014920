//! `minis3 admin`: the admin API's client. Each subcommand is one request to
//! `/_minis3/admin/...`, SigV4-signed with the root key, whose JSON answer it prints.

use crate::auth::sigv4::{sha256_hex, sign_request_headers, uri_encode, SigningParams};
use crate::config::{
    AdminArgs, AdminCommand, KeyCommand, LifecycleCommand, RevocationsCommand, TempUrlKeyCommand,
};
use crate::xml;
use serde_json::{json, Value};
use std::io::Read;
use std::time::{Duration, SystemTime};

/// Admin answers are small; a longer one is not from minis3.
const MAX_ANSWER_BYTES: u64 = 16 * 1024 * 1024;

/// The request a subcommand stands for: method, path below `/_minis3/admin/`, JSON body.
fn request_for(command: &AdminCommand) -> (&'static str, String, Option<Value>) {
    let seg = |s: &str| uri_encode(s.as_bytes(), false);
    match command {
        AdminCommand::Key(KeyCommand::Create { allow, buckets }) => {
            let mut body = json!({ "buckets": buckets });
            if !allow.is_empty() {
                body["allow"] = json!(allow);
            }
            ("POST", "keys".into(), Some(body))
        }
        AdminCommand::Key(KeyCommand::List) => ("GET", "keys".into(), None),
        AdminCommand::Key(KeyCommand::Delete { access_key }) => {
            ("DELETE", format!("keys/{}", seg(access_key)), None)
        }
        AdminCommand::Key(KeyCommand::AddSecret { access_key }) => {
            ("POST", format!("keys/{}/secrets", seg(access_key)), None)
        }
        AdminCommand::Key(KeyCommand::RemoveSecret {
            access_key,
            secret_id,
        }) => (
            "DELETE",
            format!("keys/{}/secrets/{}", seg(access_key), seg(secret_id)),
            None,
        ),
        AdminCommand::Revoke { url_or_signature } => {
            let body = if url_or_signature.contains('?') {
                json!({ "url": url_or_signature })
            } else {
                json!({ "signature": url_or_signature })
            };
            ("POST", "revocations".into(), Some(body))
        }
        AdminCommand::RevokeBefore { access_key, time } => {
            let body = time.as_ref().map(|t| json!({ "time": t }));
            (
                "POST",
                format!("keys/{}/revoke-before", seg(access_key)),
                body,
            )
        }
        AdminCommand::Revocations(RevocationsCommand::List) => ("GET", "revocations".into(), None),
        AdminCommand::Lifecycle(LifecycleCommand::Run { as_of }) => {
            let body = as_of.as_ref().map(|t| json!({ "as_of": t }));
            ("POST", "lifecycle/run".into(), body)
        }
        AdminCommand::TempurlKey(TempUrlKeyCommand::Set {
            account,
            key,
            second,
        }) => (
            "PUT",
            format!("tempurl-keys/{}", seg(account)),
            Some(json!({ "key": key, "second": second })),
        ),
    }
}

/// Runs the subcommand against the server; the pretty-printed answer, or why it failed.
pub fn run(args: &AdminArgs) -> Result<String, String> {
    let endpoint = crate::demo::normalize_endpoint(&args.endpoint)?;
    let host = endpoint
        .split_once("://")
        .map_or(endpoint.as_str(), |(_, rest)| rest)
        .to_string();
    let (method, rest, body) = request_for(&args.command);
    let path = format!("/_minis3/admin/{rest}");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let params = SigningParams {
        access_key: &args.keys.access_key,
        secret_key: &args.keys.secret_key,
        region: &args.keys.region,
        service: "s3",
        time: SystemTime::now(),
        session_token: None,
    };
    let mut headers = vec![("host".to_string(), host)];
    if !body.is_empty() {
        headers.push(("content-type".to_string(), "application/json".to_string()));
    }
    let signed = sign_request_headers(
        &params,
        method,
        &path,
        "",
        &headers,
        &sha256_hex(body.as_bytes()),
    );
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut request = agent.request(method, &format!("{endpoint}{path}"));
    for (name, value) in headers.iter().chain(signed.headers.iter()) {
        if name != "host" {
            request = request.set(name, value);
        }
    }
    let response = match request.send_bytes(body.as_bytes()) {
        Ok(response) => response,
        Err(ureq::Error::Status(status, response)) => {
            let text = read_answer(response)?;
            let error: xml::ErrorDocument = xml::parse(text.as_bytes()).unwrap_or_default();
            return Err(if error.code.is_empty() {
                format!("HTTP {status}: {}", text.trim())
            } else {
                format!("{} ({status}): {}", error.code, error.message)
            });
        }
        Err(e) => return Err(format!("cannot reach {endpoint}: {e}")),
    };
    let text = read_answer(response)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("the server's answer is not JSON ({e}): {text}"))?;
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

fn read_answer(response: ureq::Response) -> Result<String, String> {
    let mut text = String::new();
    response
        .into_reader()
        .take(MAX_ANSWER_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| format!("reading the answer: {e}"))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn command(argv: &[&str]) -> AdminCommand {
        let mut full = vec!["minis3", "admin"];
        full.extend_from_slice(argv);
        match crate::config::Cli::parse_from(full).command {
            Some(crate::config::Command::Admin(args)) => args.command,
            other => panic!("not an admin command: {other:?}"),
        }
    }

    #[test]
    fn subcommands_map_to_admin_requests() {
        let (m, p, b) = request_for(&command(&[
            "key",
            "create",
            "--allow",
            "read,list",
            "--bucket",
            "b/p/",
        ]));
        assert_eq!((m, p.as_str()), ("POST", "keys"));
        assert_eq!(
            b,
            Some(json!({"allow": ["read", "list"], "buckets": ["b/p/"]}))
        );
        let (_, _, b) = request_for(&command(&["key", "create"]));
        assert_eq!(b, Some(json!({"buckets": []})), "no allow: every action");
        let (m, p, _) = request_for(&command(&["key", "remove-secret", "AK", "s 1"]));
        assert_eq!((m, p.as_str()), ("DELETE", "keys/AK/secrets/s%201"));
        let (_, _, b) = request_for(&command(&["revoke", "http://h/b/k?X-Amz-Signature=ab"]));
        assert_eq!(b, Some(json!({"url": "http://h/b/k?X-Amz-Signature=ab"})));
        let (_, _, b) = request_for(&command(&["revoke", "abcdef"]));
        assert_eq!(b, Some(json!({"signature": "abcdef"})));
        let (m, p, b) = request_for(&command(&["revoke-before", "AK"]));
        assert_eq!((m, p.as_str(), b), ("POST", "keys/AK/revoke-before", None));
        let (m, p, b) = request_for(&command(&["tempurl-key", "set", "acct", "k", "--second"]));
        assert_eq!((m, p.as_str()), ("PUT", "tempurl-keys/acct"));
        assert_eq!(b, Some(json!({"key": "k", "second": true})));
        let (m, p, _) = request_for(&command(&["revocations", "list"]));
        assert_eq!((m, p.as_str()), ("GET", "revocations"));
    }
}
