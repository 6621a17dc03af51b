#![no_main]

// A template, its partials and a checkpoint, separated by 0x01 bytes (see `template_input`).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    confab_fuzz::template_renderer(data);
});
