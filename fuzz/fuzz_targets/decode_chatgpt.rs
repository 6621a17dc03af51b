#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    confab_fuzz::decode(confab_core::Decoder::of(&confab_format_chatgpt::FORMAT).expect("a decoder"), data);
});
