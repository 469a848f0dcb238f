//! Benchmarks of the statistics stage (filled in as the module grows).

fn main() {
    divan::main();
}
