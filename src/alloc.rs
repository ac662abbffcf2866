//! Fallible and zeroed allocation: every buffer the crate allocates comes from here, so that a
//! length that cannot exist in memory is an [`ConvError::Allocation`], never an abort.

use std::alloc::Layout;
use std::mem::MaybeUninit;

use crate::error::ConvError;

/// A zero-filled vector of `len` elements, reserved fallibly so that a huge request is an
/// `Err` instead of an abort.
pub(crate) fn try_zeroed<T: Copy + Default>(len: usize) -> Result<Vec<T>, ConvError> {
    let mut v = try_uninit(len)?;
    v.resize(len, T::default());
    Ok(v)
}

/// [`try_zeroed`] for result vectors: zeroed by the allocator (`calloc`), which skips the pass
/// over memory when it maps fresh pages (always for large buffers), since the kernel hands
/// them out zeroed; a memory-bound convolution would feel that pass (docs/PERFORMANCE.md,
/// "Why result vectors come zeroed from the allocator").
pub(crate) fn try_zeroed_output<T: ZeroBits>(len: usize) -> Result<Vec<T>, ConvError> {
    let layout = Layout::array::<T>(len).map_err(|_| allocation_error::<T>(len))?;
    if layout.size() == 0 {
        return Ok(Vec::new());
    }
    // SAFETY: the layout has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(allocation_error::<T>(len));
    }
    // SAFETY: `ptr` was allocated by the global allocator with the layout of `len` elements of
    // `T`, and every byte is zero, a valid `T` (`ZeroBits`), so all `len` elements are
    // initialized.
    let mut v = unsafe { Vec::from_raw_parts(ptr, len, len) };
    advise_huge_pages(&mut v);
    Ok(v)
}

/// The size from which [`try_zeroed_output`] gets fresh pages from the OS, already zero and
/// not yet touched, instead of a `memset`: glibc's allocator maps every block of at least
/// 32 MiB (`DEFAULT_MMAP_THRESHOLD_MAX` on 64-bit; smaller blocks come from its heap, which
/// `calloc` clears). Pages of such a block are zeroed by the OS on the first write, on
/// whichever thread writes, so a split problem writes them in parallel; below it, a split
/// problem zeroes each part on its own thread instead of `calloc` clearing all on one.
pub(crate) const FRESH_PAGES_BYTES: usize = 32 << 20;

/// Types whose all-zero bytes are a valid value, their zero (the element types and the
/// transforms' buffer types): bytemuck's `Zeroable`, whose implementations bytemuck vouches for.
pub(crate) use bytemuck::Zeroable as ZeroBits;

/// An empty vector with room for `len` elements, reserved as in [`try_zeroed`].
pub(crate) fn try_uninit<T>(len: usize) -> Result<Vec<T>, ConvError> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| allocation_error::<T>(len))?;
    advise_huge_pages(&mut v);
    Ok(v)
}

/// A copy of `s` in a fallibly reserved vector.
pub(crate) fn try_copy<T: Clone>(s: &[T]) -> Result<Vec<T>, ConvError> {
    let mut v = try_uninit(s.len())?;
    v.extend_from_slice(s);
    Ok(v)
}

/// `Clone` whose allocations fail as [`ConvError::Allocation`] instead of aborting: for the
/// stream's buffers, which can be large.
pub(crate) trait TryClone: Sized {
    fn try_clone(&self) -> Result<Self, ConvError>;
}

/// [`TryClone`] of each element, into a fallibly reserved vector.
pub(crate) fn try_clone_all<T: TryClone>(s: &[T]) -> Result<Vec<T>, ConvError> {
    let mut v = try_uninit(s.len())?;
    for x in s {
        v.push(x.try_clone()?);
    }
    Ok(v)
}

/// The error for a vector of `len` elements of `T` that cannot be allocated.
fn allocation_error<T>(len: usize) -> ConvError {
    ConvError::Allocation {
        bytes: len.saturating_mul(std::mem::size_of::<T>()),
    }
}

/// Zeroes `part` and returns it initialized.
#[inline]
pub(crate) fn zero<T: Copy + Default>(part: &mut [MaybeUninit<T>]) -> &mut [T] {
    part.fill(MaybeUninit::new(T::default()));
    // SAFETY: every element was just written; `MaybeUninit<T>` has `T`'s layout.
    unsafe { &mut *(part as *mut [MaybeUninit<T>] as *mut [T]) }
}

/// Asks Linux to back a large, not yet touched buffer with 2 MiB pages, as numpy does for its
/// arrays: the first touch of 4 KiB pages made a memory-bound convolution much slower than
/// numpy's (docs/PERFORMANCE.md, "Why large buffers are advised to huge pages"). Only advice:
/// with transparent huge pages off it does nothing.
fn advise_huge_pages<T>(v: &mut Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let bytes = v.capacity() * std::mem::size_of::<T>();
        if bytes < 2 * HUGE {
            return;
        }
        // The 2 MiB-aligned part of the allocation.
        let start = (v.as_mut_ptr() as usize).next_multiple_of(HUGE);
        let end = (v.as_mut_ptr() as usize + bytes) / HUGE * HUGE;
        if end > start {
            // SAFETY: the range lies inside `v`'s allocation, which this function owns
            // exclusively; MADV_HUGEPAGE changes how pages are backed, never their contents.
            unsafe {
                libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
            }
        }
    }
}
