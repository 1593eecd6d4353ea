//! Contacts: how an export's columns become canonical contact fields (profiles and mapping
//! files), validation into a [`Contact`], and the parallel readers that feed contact rows to
//! per-thread sinks — row by row, or column-wise for sinks that only aggregate.

pub(crate) mod columnar;
pub mod contact;
pub mod profile;
pub mod read;
pub mod sink;
pub mod storable;

pub use contact::{validate, Contact, RawContact};
pub use profile::Profile;
pub use read::read_contacts;
pub use sink::ContactSink;
