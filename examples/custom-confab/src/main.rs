//! `confab` with one more format, in a crate of its own: this is all a downstream binary needs.

fn main() -> std::process::ExitCode {
    // Refer to the format so the linker keeps its registration, then run confab as usual.
    std::hint::black_box(&custom_confab::FORMAT);
    confab::main()
}
