//! The server's heap: freed memory handed back to the OS every few seconds, and sled's log
//! buffers reused instead of mapped afresh ([`Allocator`]).
//!
//! glibc's malloc keeps freed memory in per-thread arenas and returns it only from the top of a
//! heap, so the pieces freed by sled's page cache, request buffers and body chunks stay resident.
//! Measured with the benchmark (`integration/bench/run --loop-secs 15`: ~100k 4 KiB PUTs and
//! ~330k GETs, then a 256 MiB PUT): 76 MiB resident without trimming, 52 MiB with it, at the same
//! throughput.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::time::Duration;

/// How often freed memory is handed back. `malloc_trim` walks every arena under its lock, so
/// not after every request; an idle server pays one cheap call per interval.
const TRIM_INTERVAL: Duration = Duration::from_secs(2);

/// Starts a thread that trims the heap every [`TRIM_INTERVAL`] for the rest of the process (a
/// no-op where the C library is not glibc) and frees the kept log buffer once sled has gone a
/// whole interval without taking it.
pub fn start_trimming() -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("minis3-trim".into())
        .spawn(|| {
            let mut handouts = LOG_BUFFER_HANDOUTS.load(Ordering::Relaxed);
            loop {
                std::thread::sleep(TRIM_INTERVAL);
                handouts = release_idle_log_buffer(handouts);
                trim();
            }
        })?;
    Ok(())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointers and is safe to call from any thread at any time; it
    // only releases memory malloc itself considers free.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}

/// How sled 0.34 allocates each log buffer: one segment, 8 KiB-aligned.
const LOG_BUFFER: Layout = match Layout::from_size_align(crate::storage::SEGMENT_SIZE, 8192) {
    Ok(layout) => layout,
    Err(_) => panic!("sled's log buffer layout is valid"),
};

/// The last log buffer sled freed, kept for its next one.
static SPARE_LOG_BUFFER: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());

/// How many times the kept buffer was handed out, so the trimming thread can tell an idle one.
static LOG_BUFFER_HANDOUTS: AtomicUsize = AtomicUsize::new(0);

/// Frees the kept log buffer unless it was handed out since `handouts_before` was read: between
/// bursts of writes it would otherwise stay resident for nothing. Returns the count for next time.
fn release_idle_log_buffer(handouts_before: usize) -> usize {
    let handouts = LOG_BUFFER_HANDOUTS.load(Ordering::Acquire);
    if handouts == handouts_before {
        let spare = SPARE_LOG_BUFFER.swap(std::ptr::null_mut(), Ordering::AcqRel);
        if !spare.is_null() {
            // SAFETY: the swap made this thread the block's only owner, and kept blocks all
            // came from `System` with this layout.
            unsafe { System.dealloc(spare, LOG_BUFFER) };
        }
    }
    handouts
}

/// The system allocator, except that one freed sled log buffer is kept for the next. From glibc
/// each 8 MiB aligned buffer came as fresh memory, so the server took a page fault for every 4 KiB
/// sled copied into it: three per small PUT, a third of the workers' system time at 16 connections
/// (README, "Findings"). A kept buffer is resident; after an interval without writes the trimming
/// thread frees it.
pub struct Allocator;

fn is_log_buffer(layout: Layout) -> bool {
    layout == LOG_BUFFER
}

// SAFETY: every block comes from `System` with the layout it is freed with; a kept block has the
// one layout it is handed out again for, and the atomic swap gives it to one caller only.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_log_buffer(layout) {
            let spare = SPARE_LOG_BUFFER.swap(std::ptr::null_mut(), Ordering::AcqRel);
            if !spare.is_null() {
                LOG_BUFFER_HANDOUTS.fetch_add(1, Ordering::Relaxed);
                return spare;
            }
        }
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_log_buffer(layout)
            && SPARE_LOG_BUFFER
                .compare_exchange(
                    std::ptr::null_mut(),
                    ptr,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            return;
        }
        System.dealloc(ptr, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Every block, a kept one too, came from `System`, and what it returns may be kept later.
        System.realloc(ptr, layout, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_freed_log_buffer_is_handed_out_again_and_only_once() {
        // The only test touching the pool (the test binary's own allocator is the system's).
        let log = LOG_BUFFER;
        let other = Layout::from_size_align(LOG_BUFFER.size(), 4096).unwrap();
        // SAFETY: each block is freed once, with the layout it was allocated with.
        unsafe {
            let first = Allocator.alloc(log);
            let second = Allocator.alloc(log);
            assert!(!first.is_null() && !second.is_null() && first != second);
            first.write(7);
            Allocator.dealloc(first, log);
            // Only one is kept: the second goes back to the system.
            Allocator.dealloc(second, log);
            assert_eq!(Allocator.alloc(log), first);
            assert_eq!(first.read(), 7, "the kept block is handed out as it was");
            let fresh = Allocator.alloc(log);
            assert_ne!(fresh, first, "a kept block is handed out once");
            let unaligned = Allocator.alloc(other);
            Allocator.dealloc(unaligned, other);
            let kept = || SPARE_LOG_BUFFER.load(Ordering::Acquire);
            assert!(kept().is_null(), "other layouts are not kept");
            Allocator.dealloc(fresh, log);
            Allocator.dealloc(first, log);
            assert_eq!(kept(), fresh);
            // Handed out since the count was read: kept; not handed out: freed.
            let count = LOG_BUFFER_HANDOUTS.load(Ordering::Acquire);
            let count = release_idle_log_buffer(count.wrapping_sub(1));
            assert_eq!(kept(), fresh);
            release_idle_log_buffer(count);
            assert!(kept().is_null());
        }
    }
}
