//! One module per area of the interface.

pub mod account;
pub mod admin;
pub mod assets;
pub mod customer;
pub mod customers;
pub mod handovers;
pub mod records;
pub mod sign_in;
pub mod statistics;
pub mod subject_access;
pub mod worklist;
