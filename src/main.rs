//! The `confab` binary: the command line of the `confab` library, with the formats it ships.

fn main() -> std::process::ExitCode {
    confab::main()
}
