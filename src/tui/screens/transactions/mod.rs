//! The synced transactions (`3`), and the books' keys on the hub (`s` sync, `m` the category
//! mapping): the keys, what they and the loaded pages do, and how the list is drawn.

mod keys;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use update::MappingView;
