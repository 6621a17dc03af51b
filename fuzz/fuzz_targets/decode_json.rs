#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    confab_fuzz::decode(&confab_format_json::FORMAT, data);
});
