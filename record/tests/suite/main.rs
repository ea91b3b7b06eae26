//! Public-API tests of `conclave-record`: the golden record (a frozen format) and a table
//! of probes the verifier must refuse, each with its typed reason.

mod golden;
mod probes;
