//! The `ieval` binary: parse arguments, dispatch to a command, map errors to exit codes.
//! Every capability lives in the library; `cli/` only turns arguments into calls.

mod cli;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main(std::env::args_os()));
}
