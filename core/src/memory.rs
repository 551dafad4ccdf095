//! How much memory handler code holds: a counting global allocator (the system
//! allocator underneath) keeps the bytes live on the current thread, so the Lambda
//! runtime can measure what one stretch of JavaScript allocated and end an invocation
//! whose memory passes its function's MemorySize — as Lambda's out-of-memory kill does —
//! before it can take the engine (or the browser tab) with it.
//!
//! Underneath is the system allocator, or mimalloc natively when the `fast-alloc`
//! feature is on (the CLI turns it on: the engine allocates many small JSON values).
//!
//! The count is per thread (tests run in parallel threads; the page's engine has one)
//! and const-initialised, so reading it never allocates.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

#[cfg(all(feature = "fast-alloc", not(target_arch = "wasm32")))]
use mimalloc::MiMalloc as Inner;
#[cfg(not(all(feature = "fast-alloc", not(target_arch = "wasm32"))))]
use std::alloc::System as Inner;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
}

fn add(bytes: isize) {
    let _ = LIVE.try_with(|c| c.set(c.get() + bytes));
}

/// The underlying allocator, counting.
pub struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { Inner.alloc(layout) };
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { Inner.alloc_zeroed(layout) };
        if !p.is_null() {
            add(layout.size() as isize);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { Inner.dealloc(ptr, layout) };
        add(-(layout.size() as isize));
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { Inner.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            add(new_size as isize - layout.size() as isize);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated and not yet freed on this thread (since it started).
pub fn live_bytes() -> isize {
    LIVE.try_with(Cell::get).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn allocations_are_counted_and_freed() {
        let before = super::live_bytes();
        let v = vec![0u8; 1 << 20];
        assert!(super::live_bytes() - before >= 1 << 20);
        drop(v);
        assert!(super::live_bytes() - before < 1024);
    }
}
