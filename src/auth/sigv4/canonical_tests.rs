//! The canonicalisation fast paths (components used as they are when already canonical) against
//! the plain definition: decode every component, re-encode it, sort.

use super::*;

/// The definition, written as directly as possible with the `percent-encoding` crate.
fn reference_decode(s: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(s).collect()
}

fn reference_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn reference_canonical_uri(raw_path: &str) -> String {
    if raw_path.is_empty() {
        return "/".to_string();
    }
    reference_encode(&reference_decode(raw_path), true)
}

fn reference_canonical_query(raw_query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (reference_decode(k), reference_decode(v))
        })
        .filter(|(k, _)| !(presigned && k.as_slice() == b"X-Amz-Signature"))
        .map(|(k, v)| (reference_encode(&k, false), reference_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn owned(params: Vec<QueryParam<'_>>) -> Vec<(String, String)> {
    params
        .into_iter()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn reference_query_params(raw_query: &str) -> Vec<(String, String)> {
    raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| String::from_utf8_lossy(&reference_decode(s)).into_owned();
            (decode(k), decode(v))
        })
        .collect()
}

/// xorshift64*: deterministic, so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

/// Pieces that hit every branch: unreserved bytes, escapes of reserved and unreserved bytes in both
/// hex cases, stray and truncated `%`, `+`, `/`, `=`, `&`, spaces, multi-byte UTF-8 (raw and
/// escaped), invalid UTF-8 escapes and the names the presigned path treats specially.
const PIECES: &[&str] = &[
    "a",
    "Z",
    "0",
    "9",
    "-",
    ".",
    "_",
    "~",
    "%",
    "%2",
    "%2F",
    "%2f",
    "%20",
    "%41",
    "%7E",
    "%7e",
    "%2D",
    "%25",
    "%3D",
    "%26",
    "%C3%A9",
    "%c3%a9",
    "%FF",
    "%zz",
    "%A",
    "+",
    "/",
    "=",
    "=",
    "&",
    "&",
    " ",
    "é",
    "$",
    "*",
    "X-Amz-Signature",
    "X-Amz-Signature=",
    "X-Amz-Date",
    "acl",
    "1",
];

fn random_text(rng: &mut Rng, max_pieces: usize) -> String {
    (0..rng.below(max_pieces + 1))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

#[test]
fn fast_paths_match_the_definition_on_generated_input() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let text = random_text(&mut rng, 12);
        for presigned in [false, true] {
            assert_eq!(
                canonical_query(&text, presigned),
                reference_canonical_query(&text, presigned),
                "canonical_query({text:?}, {presigned})"
            );
        }
        assert_eq!(
            owned(query_params(&text)),
            reference_query_params(&text),
            "{text:?}"
        );
        let path = format!("/{text}");
        assert_eq!(
            canonical_uri(&path),
            reference_canonical_uri(&path),
            "{path:?}"
        );
        assert_eq!(percent_decode(&text), reference_decode(&text), "{text:?}");
        let bytes = percent_decode(&text);
        for keep_slash in [false, true] {
            assert_eq!(
                uri_encode(&bytes, keep_slash),
                reference_encode(&bytes, keep_slash)
            );
        }
    }
}

#[test]
fn canonical_components_are_recognised_exactly() {
    // Already canonical: used as they are.
    for s in [
        "", "abc", "A-Z_0.9~", "a%2Fb", "%20", "%C3%A9", "%25", "%2B",
    ] {
        assert!(is_canonical_component(s, false), "{s:?}");
    }
    // Each needs the round trip: lower-case hex, an escaped unreserved byte, a raw reserved byte,
    // `+`, a raw `/` in a query, a stray or truncated `%`, raw UTF-8.
    for s in [
        "%2f", "%c3%A9", "%41", "%7E", "a+b", "a/b", "%", "50%", "%2", "%zz", "é", "a b",
    ] {
        assert!(!is_canonical_component(s, false), "{s:?}");
    }
    // Paths keep `/` raw, so an escaped slash is the one that is not canonical there.
    assert!(is_canonical_component("/b/a/b", true));
    assert!(!is_canonical_component("/b/a%2Fb", true));
}

#[test]
fn canonical_query_edge_cases() {
    // Already encoded and needing encoding give one form.
    assert_eq!(canonical_query("k=a%2Fb", false), "k=a%2Fb");
    assert_eq!(canonical_query("k=a/b", false), "k=a%2Fb");
    assert_eq!(canonical_query("k=a%2fb", false), "k=a%2Fb");
    // `+` is a literal plus, never a space.
    assert_eq!(canonical_query("k=a+b", false), "k=a%2Bb");
    // Repeated keys sort by value; empty values and keys without `=` both become `k=`.
    assert_eq!(canonical_query("k=2&k=&k=1&k", false), "k=&k=&k=1&k=2");
    // A canonical and a non-canonical spelling of the same key sort together once encoded.
    assert_eq!(canonical_query("%41=2&A=1", false), "A=1&A=2");
    // The presigned signature is left out however its name is spelled.
    assert_eq!(
        canonical_query("X-Amz-Signature=abc&%58-Amz-Signature=def&a=1", true),
        "a=1"
    );
    assert_eq!(
        canonical_query("X-Amz-Signature=abc&a=1", false),
        "X-Amz-Signature=abc&a=1"
    );
}

#[test]
fn query_params_decode_once() {
    assert_eq!(
        owned(query_params("a=1&b&c=x%2Fy&d=%FF&e=a+b&&=v")),
        vec![
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), String::new()),
            ("c".to_string(), "x/y".to_string()),
            ("d".to_string(), "\u{fffd}".to_string()),
            ("e".to_string(), "a+b".to_string()),
            (String::new(), "v".to_string()),
        ]
    );
}
