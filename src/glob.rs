//! IAM's wildcards: `*` (any run of characters, `/` included) and `?` (any one character), as
//! policies use them in actions, resources and `StringLike` conditions.

/// One position of a pattern: a wildcard, or a byte that must be there (a literal `*` or `?`
/// included, as IAM's `${*}` and `${?}` write them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// `*`: any run of bytes.
    Any,
    /// `?`: any one byte.
    One,
    Byte(u8),
}

impl Token {
    /// The token a pattern byte stands for.
    pub fn of(byte: u8) -> Token {
        match byte {
            b'*' => Token::Any,
            b'?' => Token::One,
            b => Token::Byte(b),
        }
    }
}

/// Whether `text` matches `pattern`, ASCII case-insensitively when `ignore_case` (IAM compares
/// action names so, resources and condition values exactly). Bytes, not characters: `?` stands
/// for one byte, which differs from IAM only for a non-ASCII character in that position.
pub fn matches(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    matches_with(pattern.len(), |i| Token::of(pattern[i]), text, ignore_case)
}

/// [`matches`] for a pattern already made of tokens.
pub fn matches_tokens(pattern: &[Token], text: &[u8], ignore_case: bool) -> bool {
    matches_with(pattern.len(), |i| pattern[i], text, ignore_case)
}

/// Greedy with one backtrack point (the last `*` seen), so a pattern of many stars against a
/// long key costs O(pattern x text) at worst, never the exponential time of naive recursion:
/// both come from clients.
fn matches_with(
    len: usize,
    token: impl Fn(usize) -> Token,
    text: &[u8],
    ignore_case: bool,
) -> bool {
    let same = |b: u8, t: u8| b == t || (ignore_case && b.eq_ignore_ascii_case(&t));
    let (mut p, mut t) = (0, 0);
    // Where to resume after the last `*`: the pattern just past it, and the text it has taken.
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        let advance = match (p < len).then(|| token(p)) {
            Some(Token::Any) => {
                resume = Some((p + 1, t));
                p += 1;
                continue;
            }
            Some(Token::One) => true,
            Some(Token::Byte(b)) => same(b, text[t]),
            None => false,
        };
        if advance {
            p += 1;
            t += 1;
            continue;
        }
        match resume {
            // Let the last star take one more byte and try again from there.
            Some((after_star, taken)) => {
                resume = Some((after_star, taken + 1));
                p = after_star;
                t = taken + 1;
            }
            None => return false,
        }
    }
    (p..len).all(|i| token(i) == Token::Any)
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
    fn literal_tokens_match_only_themselves() {
        use super::{matches_tokens, Token};
        let star_then_any = [Token::Byte(b'*'), Token::Byte(b'/'), Token::Any];
        assert!(matches_tokens(&star_then_any, b"*/x", false));
        assert!(!matches_tokens(&star_then_any, b"a/x", false));
        assert!(matches_tokens(
            &[Token::One, Token::Byte(b'?')],
            b"a?",
            false
        ));
        assert!(!matches_tokens(
            &[Token::One, Token::Byte(b'?')],
            b"ab",
            false
        ));
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
