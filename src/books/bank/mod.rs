//! Bank statements in: the readers of the formats banks export (OFX 1.x and 2.x, CAMT.053, CSV
//! with a rules file), all producing one [`ParsedStatement`] from a file's bytes through
//! [`read_statement`]; the bank accounts and their lines ([`account`]), the idempotent import
//! that stores a file's statements whole or not at all ([`import`]), and the engine's call that
//! runs it ([`service`]). Where the file is (a front end's machine): reading it bounded and
//! keeping an account's CSV rules ([`file`]), and the words an import is said in ([`words`]).

pub mod account;
pub mod amount;
pub mod camt;
pub mod csv;
pub mod detect;
pub mod file;
pub mod fingerprint;
pub mod import;
pub mod ofx;
pub mod read;
pub mod service;
pub mod statement;
pub mod text;
pub mod words;
mod xml;

pub use self::csv::{CsvRules, Guess};
pub use detect::format_of;
pub use read::{Reading, read_statement};
pub use statement::{
    LinePart, ParsedLine, ParsedStatement, ReadError, StatedBalance, StatementFormat,
};
