//! Splitting request text at one ASCII byte with a vectorised search: `str::split` sets up a
//! character searcher per call, which on the per-request paths (credential, signed headers,
//! path) cost more than the search itself.

/// The pieces of `s` between occurrences of `delimiter` (an ASCII byte, so every cut falls on a
/// character boundary), like `s.split(char::from(delimiter))`.
pub fn split_byte(s: &str, delimiter: u8) -> SplitByte<'_> {
    debug_assert!(delimiter.is_ascii());
    SplitByte {
        rest: Some(s),
        delimiter,
    }
}

/// Iterator of [`split_byte`].
pub struct SplitByte<'a> {
    rest: Option<&'a str>,
    delimiter: u8,
}

impl<'a> Iterator for SplitByte<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match memchr::memchr(self.delimiter, rest.as_bytes()) {
            Some(i) => {
                self.rest = rest.get(i + 1..);
                rest.get(..i)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

/// `s.split_once(char::from(delimiter))` by the same search.
pub fn split_once_byte(s: &str, delimiter: u8) -> Option<(&str, &str)> {
    let i = memchr::memchr(delimiter, s.as_bytes())?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_as_str_split_does() {
        for s in [
            "",
            "/",
            "a",
            "a/b",
            "/a/",
            "a//b",
            "AKID/20150830/us-east-1/s3/aws4_request",
            "é/ü/",
        ] {
            let ours: Vec<&str> = split_byte(s, b'/').collect();
            let std: Vec<&str> = s.split('/').collect();
            assert_eq!(ours, std, "{s:?}");
            assert_eq!(split_once_byte(s, b'/'), s.split_once('/'), "{s:?}");
        }
        assert_eq!(
            split_byte("host;x-amz-date", b';').collect::<Vec<_>>(),
            ["host", "x-amz-date"]
        );
    }
}
