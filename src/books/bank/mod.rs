//! Bank statements in: the readers of the formats banks export (OFX 1.x and 2.x, CAMT.053, CSV
//! with a rules file), all producing one [`ParsedStatement`]; the import that stores them
//! idempotently comes beside them.

pub mod account;
pub mod fingerprint;
pub mod import;
pub mod statement;

pub use statement::{
    LinePart, ParsedLine, ParsedStatement, ReadError, StatedBalance, StatementFormat,
};
