//! Placeholder for the benchmark driver.

fn main() {}
