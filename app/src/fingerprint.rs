// Shared by app/build.rs (which includes this file) and the page: a 64-bit FNV-1a
// fingerprint of a template's text, to tell an untouched gallery example from the
// user's own work without carrying every example's text in the page's wasm.

/// FNV-1a over the text's bytes.
pub fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
