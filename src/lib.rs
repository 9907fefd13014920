//! minis3: a self-contained, S3-compatible object store.
//!
//! A request flows one way:
//! - `server`: actix-web, path-style and virtual-hosted addressing, request ids, logging;
//! - `auth`: SigV4 (header and presigned), aws-chunked bodies and their signatures;
//! - `router`: a pure `Endpoint` enum parsed from method, bucket, key and query;
//! - `handlers`: one file per S3 API family, turning an `Endpoint` into a response;
//! - `storage`: buckets, object metadata and chunked object data in sled; knows nothing of HTTP.
//!
//! Only `error` (the one `S3Error`) and `xml` know the wire format of bodies. `checksum` holds the
//! body checksums S3 offers, `timefmt` S3's time formats, `config` the command-line settings,
//! `demo` the browser-upload demo page (`serve --demo`, `minis3 demo`), `memory` the
//! heap trimming that keeps the resident set small and the allocator that reuses sled's log
//! buffers.

pub mod access_log;
pub mod admin;
pub mod ascii;
pub mod auth;
pub mod checksum;
pub mod config;
pub mod cors;
pub mod demo;
pub mod digest;
pub mod error;
pub mod glob;
pub mod handlers;
pub mod memory;
pub mod presign;
pub mod router;
pub mod server;
pub mod storage;
pub mod timefmt;
pub mod xml;
