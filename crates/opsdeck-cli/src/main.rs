//! the opsdeck binary
fn main() {}
