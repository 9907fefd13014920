//! IAM's wildcards: `*` (any run of characters, `/` included) and `?` (any one character), as
//! policies use them in actions, resources and `StringLike` conditions.

/// Whether `text` matches `pattern`, ASCII case-insensitively when `ignore_case` (IAM compares
/// action names so, resources and condition values exactly). Bytes, not characters: `?` stands
/// for one byte, which differs from IAM only for a non-ASCII character in that position.
///
/// Greedy with one backtrack point (the last `*` seen), so a pattern of many stars against a
/// long key costs O(pattern x text) at worst, never the exponential time of naive recursion:
/// both come from clients.
pub fn matches(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    let same = |p: u8, t: u8| p == b'?' || p == t || (ignore_case && p.eq_ignore_ascii_case(&t));
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: the pattern just past it, and the text it has taken.
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                resume = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if same(c, text[t]) => {
                p += 1;
                t += 1;
            }
            _ => match resume {
                // Let the last star take one more character and try again from there.
                Some((after_star, taken)) => {
                    resume = Some((after_star, taken + 1));
                    p = after_star;
                    t = taken + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Whether `pattern` has a wildcard in it.
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_take_any_run_and_questions_one_character() {
        let m = |p: &str, t: &str| matches(p.as_bytes(), t.as_bytes(), false);
        assert!(m("*", ""));
        assert!(m("*", "a/b/c"));
        assert!(m("arn:aws:s3:::b/*", "arn:aws:s3:::b/dir/key"));
        assert!(!m("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("*.jpg", "photos/cat.jpg"));
        assert!(!m("*.jpg", "photos/cat.jpeg"));
        assert!(m("", ""));
        assert!(!m("", "a"));
        assert!(m("**", "anything"));
        assert!(!m("abc", "ABC"));
    }

    #[test]
    fn case_is_ignored_only_when_asked() {
        assert!(matches(b"s3:get*", b"s3:GetObject", true));
        assert!(!matches(b"s3:get*", b"s3:GetObject", false));
        assert!(matches(b"S3:?etObject", b"s3:GetObject", true));
    }

    #[test]
    fn many_stars_against_a_long_text_stay_fast() {
        // Naive recursion takes exponential time here.
        let pattern = "*a".repeat(40) + "b";
        let text = "a".repeat(1024);
        assert!(!matches(pattern.as_bytes(), text.as_bytes(), false));
        assert!(matches(pattern.as_bytes(), (text + "b").as_bytes(), false));
    }
}
