//! Secret redaction (being written).
