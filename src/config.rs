//! The server's settings: command-line flags, each with a `MINIS3_*` environment twin.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "minis3",
    version,
    about = "A self-contained, S3-compatible object store"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Settings for `minis3` with no subcommand, which serves like `minis3 serve`.
    #[command(flatten)]
    pub serve: ServeConfig,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the S3 API (the default).
    Serve(ServeConfig),
    /// Serve only the browser-upload demo page, as a separate origin that talks to a store
    /// started with `minis3 serve --demo`.
    Demo(DemoPageConfig),
    /// Print a SigV4 presigned URL for an object (any method, signed headers), or with --post
    /// the fields of a presigned POST form as JSON.
    Presign(PresignArgs),
    /// Manage a running server's issued keys, revocations and temp-URL keys, and apply its
    /// buckets' lifecycle rules (admin API, signed with the root key); prints the server's JSON
    /// answer.
    Admin(AdminArgs),
}

/// Everything `minis3 admin` needs.
#[derive(Debug, Clone, Args)]
pub struct AdminArgs {
    /// The server to manage.
    #[arg(
        long,
        env = "MINIS3_ENDPOINT",
        default_value = "http://127.0.0.1:9000",
        global = true
    )]
    pub endpoint: String,
    #[command(flatten)]
    pub keys: KeyArgs,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AdminCommand {
    /// Issued keys: create, list, delete, and their secrets.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Revoke one presigned URL (or form, or temp URL), given the URL or its signature.
    Revoke {
        /// The URL as issued, or its signature alone.
        url_or_signature: String,
    },
    /// Revoke everything ACCESS_KEY signed before TIME (RFC 3339; default now).
    RevokeBefore {
        access_key: String,
        time: Option<String>,
    },
    /// Revocations in force.
    #[command(subcommand)]
    Revocations(RevocationsCommand),
    /// Swift temp-URL keys.
    #[command(subcommand, name = "tempurl-key")]
    TempurlKey(TempUrlKeyCommand),
    /// Bucket lifecycle rules.
    #[command(subcommand)]
    Lifecycle(LifecycleCommand),
}

#[derive(Debug, Clone, Subcommand)]
pub enum LifecycleCommand {
    /// Apply every bucket's lifecycle rules now (the server also does so hourly); with
    /// --as-of, as S3 would have by that time (RFC 3339), to see rules act without waiting.
    Run {
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum KeyCommand {
    /// Issue a key; prints its id and secret (the only time the secret is shown).
    Create {
        /// What the key may do (default: all of read, write, list, delete).
        #[arg(long, value_delimiter = ',', value_parser = ["read", "write", "list", "delete"])]
        allow: Vec<String>,
        /// A bucket the key may use, optionally only under a prefix (repeatable; default: all).
        #[arg(long = "bucket", value_name = "BUCKET[/PREFIX]")]
        buckets: Vec<String>,
    },
    /// Issued keys with their scopes and secret ids (never the secrets).
    List,
    /// Delete a key: everything it signed stops working at once.
    Delete { access_key: String },
    /// Give a key a second secret (for rotation); prints it.
    AddSecret { access_key: String },
    /// Remove one of a key's secrets: what it signed stops working at once.
    RemoveSecret {
        access_key: String,
        secret_id: String,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum RevocationsCommand {
    /// Revoked signatures and per-key "not before" times.
    List,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TempUrlKeyCommand {
    /// Set an account's temp-URL key (with --second, its second key).
    Set {
        account: String,
        key: String,
        #[arg(long)]
        second: bool,
    },
}

/// Everything `minis3 presign` needs.
#[derive(Debug, Clone, Args)]
pub struct PresignArgs {
    /// The object: s3://BUCKET/KEY.
    pub target: String,
    /// How long the URL stays valid, in seconds (at most 7 days).
    #[arg(long, default_value_t = 3600)]
    pub expires_in: u64,
    /// The method the URL is for.
    #[arg(long, default_value = "GET", value_parser = ["GET", "PUT", "DELETE", "HEAD"])]
    pub method: String,
    /// A Content-Type the request must send (signed).
    #[arg(long)]
    pub content_type: Option<String>,
    /// Another header the request must send, signed (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
    /// The server the URL points at (its host is signed).
    #[arg(long, env = "MINIS3_ENDPOINT", default_value = "http://127.0.0.1:9000")]
    pub endpoint: String,
    /// Print a presigned POST form (url and fields, JSON) for this key instead of a URL.
    #[arg(long)]
    pub post: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
}

/// The key requests are signed with and the region, as `minis3 serve` takes them and the commands
/// that sign for a server (`minis3 presign`) must match them.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// The access key id clients sign with.
    #[arg(long, env = "MINIS3_ACCESS_KEY", default_value = "minis3admin")]
    pub access_key: String,
    /// The secret key clients sign with.
    #[arg(
        long,
        env = "MINIS3_SECRET_KEY",
        default_value = "minis3admin",
        hide_env_values = true
    )]
    pub secret_key: String,
    /// The region the server reports (and requires, with --strict-region).
    #[arg(long, env = "MINIS3_REGION", default_value = "us-east-1")]
    pub region: String,
}

/// Everything `minis3 serve` needs. The standard `AWS_*` variables are deliberately not read, so a
/// developer's real AWS keys never become the server's.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "MINIS3_ADDRESS", default_value = "127.0.0.1:9000")]
    pub address: String,
    /// Directory holding the database.
    #[arg(long, env = "MINIS3_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Reject signatures whose credential scope names another region.
    #[arg(long, env = "MINIS3_STRICT_REGION")]
    pub strict_region: bool,
    /// Domain for virtual-hosted addressing: `BUCKET.<domain>[:port]/key`.
    #[arg(long, env = "MINIS3_DOMAIN", default_value = "localhost")]
    pub domain: String,
    /// sled page cache size in MiB (bounds the store's memory).
    #[arg(long, env = "MINIS3_CACHE_MB", default_value_t = 32)]
    pub cache_mb: u64,
    /// Let browser pages from ORIGIN use every bucket that has no CORS configuration of its own
    /// (repeatable, or comma-separated; `*` for any origin). Off by default.
    #[arg(
        long = "cors-allow-origin",
        value_name = "ORIGIN",
        env = "MINIS3_CORS_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    pub cors_allow_origins: Vec<String>,
    /// Another host name (with `:port` when not 80) clients may have presigned URLs or signed
    /// requests for, e.g. the name of this server inside a compose network while browsers use
    /// `localhost:9000`: a SigV4 signature computed over an alias in place of the request's Host
    /// is accepted too (logged when it is what matched). Repeatable, or comma-separated. Off by
    /// default.
    #[arg(
        long = "host-alias",
        value_name = "NAME[:PORT]",
        env = "MINIS3_HOST_ALIAS",
        value_delimiter = ','
    )]
    pub host_aliases: Vec<String>,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "MINIS3_WORKERS")]
    pub workers: Option<usize>,
    /// Serve the browser-upload demo under `/_minis3/demo/`, with an unauthenticated presign
    /// endpoint bound to the demo bucket. For local demos only: anyone who can reach the server
    /// can then upload to and read from that bucket.
    #[arg(long, env = "MINIS3_DEMO")]
    pub demo: bool,
    /// The bucket the demo uploads to (created at start when missing).
    #[arg(long, env = "MINIS3_DEMO_BUCKET", default_value = "demo")]
    pub demo_bucket: String,
    /// FOR TESTING ONLY: shift the clock authentication uses by this many seconds (negative for
    /// the past), so expiry of STS sessions and presigned URLs can be tested without waiting.
    /// Never set it on a real server: it makes expired credentials live again or live ones die.
    #[arg(
        long,
        env = "MINIS3_CLOCK_OFFSET_SECS",
        default_value_t = 0,
        allow_negative_numbers = true,
        hide = true
    )]
    pub clock_offset_secs: i64,
}

/// Everything `minis3 demo` needs.
#[derive(Debug, Clone, Args)]
pub struct DemoPageConfig {
    /// Address to serve the page on; port 0 picks a free port.
    #[arg(long, env = "MINIS3_DEMO_ADDRESS", default_value = "127.0.0.1:9001")]
    pub address: String,
    /// The minis3 store (started with `--demo`) the page presigns against and uploads to.
    #[arg(
        long,
        env = "MINIS3_DEMO_ENDPOINT",
        default_value = "http://127.0.0.1:9000"
    )]
    pub endpoint: String,
}
