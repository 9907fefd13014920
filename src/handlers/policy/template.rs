//! Policy variables (`${aws:SourceIp}`, `${s3:prefix, 'default'}`) and IAM's escapes (`${*}`,
//! `${?}`, `${$}`) in resources and condition values, resolved against a request's facts.

use super::condition::{Fact, Facts};
use crate::glob::Token;

/// A resource or condition value as written, split where it names variables.
#[derive(Debug, Clone)]
pub struct Template {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    /// Text whose `*` and `?` are wildcards.
    Pattern(String),
    /// Text that must match as it is (an escape).
    Literal(char),
    /// A request fact, lower-cased, with the value to use when the request has none.
    Variable {
        key: String,
        default: Option<String>,
    },
}

/// A template with the request's values in place.
pub enum Resolved {
    Tokens(Vec<Token>),
    /// A variable the request has no value for (and no default): the element matches nothing,
    /// as IAM has it.
    Unresolved,
    /// A variable whose value is not known yet: the caller decides conservatively.
    Unknown,
}

impl Template {
    /// `text` read with variables when `variables` (documents of Version 2012-10-17; older ones
    /// take `${` literally, as IAM does).
    pub fn parse(text: &str, variables: bool) -> Template {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("${").filter(|_| variables) {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            if start > 0 {
                pieces.push(Piece::Pattern(rest[..start].to_owned()));
            }
            let inner = &rest[start + 2..start + len];
            pieces.push(match inner {
                "*" => Piece::Literal('*'),
                "?" => Piece::Literal('?'),
                "$" => Piece::Literal('$'),
                _ => {
                    let (key, default) = match inner.split_once(',') {
                        Some((key, default)) => {
                            let default = default.trim();
                            let unquoted = default
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(default);
                            (key, Some(unquoted.to_owned()))
                        }
                        None => (inner, None),
                    };
                    Piece::Variable {
                        key: key.trim().to_ascii_lowercase(),
                        default,
                    }
                }
            });
            rest = &rest[start + len + 1..];
        }
        if !rest.is_empty() || pieces.is_empty() {
            pieces.push(Piece::Pattern(rest.to_owned()));
        }
        Template { pieces }
    }

    /// The text as written when it has no variables or escapes (the usual case, matched
    /// without building tokens).
    pub fn plain(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Pattern(text)] => Some(text),
            _ => None,
        }
    }

    /// The pattern with the request's values in place; a variable's value matches literally.
    pub fn resolve(&self, facts: &dyn Facts) -> Resolved {
        let mut tokens = Vec::new();
        for piece in &self.pieces {
            match piece {
                Piece::Pattern(text) => tokens.extend(text.bytes().map(Token::of)),
                Piece::Literal(c) => tokens.push(Token::Byte(*c as u8)),
                Piece::Variable { key, default } => {
                    let value = match facts.fact(key) {
                        Fact::One(value) => value.into_owned(),
                        Fact::Unknown => return Resolved::Unknown,
                        Fact::Absent | Fact::Many(_) => match default {
                            Some(d) => d.clone(),
                            None => return Resolved::Unresolved,
                        },
                    };
                    tokens.extend(value.bytes().map(Token::Byte));
                }
            }
        }
        Resolved::Tokens(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    struct Referer;
    impl Facts for Referer {
        fn fact(&self, key: &str) -> Fact<'_> {
            match key {
                "aws:referer" => Fact::One(Cow::Borrowed("a*b")),
                "s3:requestobjecttag/x" => Fact::Unknown,
                _ => Fact::Absent,
            }
        }
    }

    fn tokens(template: &str) -> Option<Vec<Token>> {
        match Template::parse(template, true).resolve(&Referer) {
            Resolved::Tokens(t) => Some(t),
            _ => None,
        }
    }

    #[test]
    fn variables_take_the_requests_values_literally() {
        let t = tokens("arn:aws:s3:::b/${aws:Referer}/*").expect("resolved");
        assert!(crate::glob::matches_tokens(
            &t,
            b"arn:aws:s3:::b/a*b/k",
            false
        ));
        assert!(!crate::glob::matches_tokens(
            &t,
            b"arn:aws:s3:::b/aXb/k",
            false
        ));
    }

    #[test]
    fn escapes_are_literal_and_defaults_fill_absent_values() {
        let t = tokens("${*}/${?}/${$}").expect("resolved");
        assert_eq!(t, [b'*', b'/', b'?', b'/', b'$'].map(Token::Byte));
        let t = tokens("home/${aws:username, 'nobody'}/*").expect("default");
        assert!(crate::glob::matches_tokens(&t, b"home/nobody/x", false));
        assert!(tokens("home/${aws:username}/*").is_none());
        assert!(matches!(
            Template::parse("${s3:RequestObjectTag/x}", true).resolve(&Referer),
            Resolved::Unknown
        ));
    }

    #[test]
    fn old_documents_and_plain_text_are_taken_as_written() {
        assert_eq!(Template::parse("a/${x}/*", false).plain(), Some("a/${x}/*"));
        assert_eq!(Template::parse("a/*", true).plain(), Some("a/*"));
        assert_eq!(Template::parse("", true).plain(), Some(""));
        assert_eq!(
            Template::parse("a/${unclosed", true).plain(),
            Some("a/${unclosed")
        );
        assert!(Template::parse("a/${x}", true).plain().is_none());
    }
}
