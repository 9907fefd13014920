//! The machine's ceilings, measured in the same run: a bare actix-web server (the HTTP limit for
//! small requests), single-core MD5 and SHA-256 (the limit for PUTs, which minis3 hashes), and
//! loopback TCP copy speed (the limit for moving large bodies).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use bytes::Bytes;
use futures_util::StreamExt;
use md5::Md5;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// The 4 KiB every ceiling GET answers with, from memory.
static SMALL_BODY: [u8; 4096] = [b'x'; 4096];

/// Answers GET with 4 KiB from memory and PUT by reading and dropping the body: what an HTTP
/// server on actix-web costs with no storage, no signature check and no hashing behind it.
async fn ceiling_handler(req: HttpRequest, mut payload: web::Payload) -> HttpResponse {
    if req.method() == actix_web::http::Method::PUT {
        while let Some(chunk) = payload.next().await {
            if chunk.is_err() {
                return HttpResponse::BadRequest().finish();
            }
        }
        return HttpResponse::Ok().finish();
    }
    HttpResponse::Ok()
        .content_type("application/octet-stream")
        .body(Bytes::from_static(&SMALL_BODY))
}

/// `minis3-bench ceiling-server --port P`: serves until killed, on 127.0.0.1 only, with actix's
/// default worker count (one per core, as minis3).
pub fn serve_ceiling(port: u16) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().default_service(web::to(ceiling_handler)))
            .bind(("127.0.0.1", port))?
            .run()
            .await
    })
}

/// Hashes `total` bytes (a 1 MiB buffer over and over) with `D` on the calling thread; MB/s.
fn hash_speed<D: Digest>(total: u64) -> f64 {
    let block = crate::client::pseudo_random(1 << 20, 0x5eed);
    let mut hasher = D::new();
    let started = Instant::now();
    let mut done = 0u64;
    while done < total {
        hasher.update(&block);
        done += block.len() as u64;
    }
    let digest = hasher.finalize();
    let elapsed = started.elapsed();
    std::hint::black_box(digest);
    mb_per_sec(done, elapsed)
}

pub fn md5_speed(total: u64) -> f64 {
    hash_speed::<Md5>(total)
}

pub fn sha256_speed(total: u64) -> f64 {
    hash_speed::<Sha256>(total)
}

/// Copies `total` bytes from one thread to another through a 127.0.0.1 TCP connection; MB/s.
pub fn loopback_copy(total: u64) -> Result<f64, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let reader = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut stream, _) = listener.accept()?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut received = 0u64;
        loop {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Ok(received);
            }
            received += n as u64;
        }
    });
    let block = crate::client::pseudo_random(256 * 1024, 0xc0ffee);
    let started = Instant::now();
    let mut stream = std::net::TcpStream::connect(addr).map_err(|e| e.to_string())?;
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(block.len() as u64) as usize;
        stream.write_all(&block[..n]).map_err(|e| e.to_string())?;
        sent += n as u64;
    }
    drop(stream);
    let received = reader
        .join()
        .map_err(|_| "reader thread panicked".to_string())?
        .map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    if received != total {
        return Err(format!("received {received} of {total} bytes"));
    }
    Ok(mb_per_sec(total, elapsed))
}

/// Decimal megabytes per second.
pub fn mb_per_sec(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / 1e6 / elapsed.as_secs_f64().max(1e-9)
}
