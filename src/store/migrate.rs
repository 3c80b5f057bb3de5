//! Schema 1 → 2.
