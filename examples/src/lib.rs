//! Runnable Conclave scenarios live in `examples/`; this library only anchors the package.
