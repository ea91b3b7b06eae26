//! Criterion suites for Conclave live in `benches/`; this library only anchors the package.
