//! opsdeck-store
