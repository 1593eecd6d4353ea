//! deterministic synthetic organisation and contacts for `opsdeck demo` (being written)
