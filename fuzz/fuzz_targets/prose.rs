#![no_main]

// Message content for the Markdown report's `prose` helper, after one byte that picks the level.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    confab_fuzz::prose_stays_in_its_message(data);
});
