//! The S3 wire format for bodies: a small XML writer for responses and serde shapes for request bodies.
//!
//! Element names are AWS's own (S3 API reference); golden tests compare exact strings.

use crate::error::S3Error;
use crate::s3_error;
use quick_xml::escape::escape;
use serde::Deserialize;

/// The namespace S3 puts on every result document.
pub const S3_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Builds an XML document into a string, escaping all text.
pub struct XmlWriter {
    out: String,
}

impl Default for XmlWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlWriter {
    pub fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens the root element of a result document with S3's namespace.
    pub fn open_root(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(" xmlns=\"");
        self.out.push_str(S3_NAMESPACE);
        self.out.push_str("\">");
    }

    pub fn open(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
    }

    pub fn close(&mut self, name: &str) {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    /// `<name>text</name>`, text escaped.
    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name);
    }

    /// `<name>text</name>` only when there is a value.
    pub fn optional_element(&mut self, name: &str, text: Option<&str>) {
        if let Some(text) = text {
            self.text_element(name, text);
        }
    }

    /// Writes an element with raw, already-valid XML attributes, e.g. the `xsi:type` of a grantee.
    pub fn open_with_attributes(&mut self, name: &str, attributes: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push(' ');
        self.out.push_str(attributes);
        self.out.push('>');
    }

    pub fn empty_element(&mut self, name: &str) {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str("/>");
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Parses a request body into one of the serde shapes below, answering `MalformedXML` on failure.
pub fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, S3Error> {
    let text = std::str::from_utf8(body).map_err(|_| s3_error!(MalformedXML))?;
    quick_xml::de::from_str(text).map_err(|e| {
        tracing::debug!(error = %e, "malformed XML body");
        s3_error!(MalformedXML)
    })
}

/// `CreateBucketConfiguration` body of CreateBucket.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub struct CreateBucketConfiguration {
    pub location_constraint: Option<String>,
}

/// `Delete` body of DeleteObjects.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Delete {
    #[serde(default)]
    pub quiet: Option<bool>,
    #[serde(default, rename = "Object")]
    pub objects: Vec<ObjectIdentifier>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ObjectIdentifier {
    pub key: String,
    pub version_id: Option<String>,
}

/// `Tagging` body of PutObjectTagging / PutBucketTagging.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tagging {
    pub tag_set: TagSet,
}

#[derive(Debug, Deserialize)]
pub struct TagSet {
    #[serde(default, rename = "Tag")]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_escapes_text_and_adds_namespace() {
        let mut w = XmlWriter::new();
        w.open_root("ListBucketResult");
        w.text_element("Name", "a<b>&\"c\"");
        w.optional_element("Prefix", None);
        w.close("ListBucketResult");
        assert_eq!(
            w.finish(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult \
             xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>a&lt;b&gt;&amp;&quot;c&quot;</Name>\
             </ListBucketResult>"
        );
    }

    #[test]
    fn parses_delete_with_namespace_and_quiet() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a &amp; b</Key></Object>
<Object><Key>c</Key><VersionId>null</VersionId></Object><Quiet>true</Quiet></Delete>"#;
        let delete: Delete = parse(body).expect("parses");
        assert_eq!(delete.quiet, Some(true));
        assert_eq!(delete.objects.len(), 2);
        assert_eq!(delete.objects[0].key, "a & b");
        assert_eq!(delete.objects[1].version_id.as_deref(), Some("null"));
    }

    #[test]
    fn delete_keys_keep_their_whitespace() {
        let body = b"<Delete><Object><Key> spaced </Key></Object></Delete>";
        let delete: Delete = parse(body).expect("parses");
        assert_eq!(delete.objects[0].key, " spaced ");
    }

    #[test]
    fn parses_create_bucket_configuration() {
        let body = b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
                     <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
        let cfg: CreateBucketConfiguration = parse(body).expect("parses");
        assert_eq!(cfg.location_constraint.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn rejects_garbage_as_malformed_xml() {
        let err = parse::<Delete>(b"<Delete><Object>").unwrap_err();
        assert_eq!(err.code.as_str(), "MalformedXML");
    }
}
