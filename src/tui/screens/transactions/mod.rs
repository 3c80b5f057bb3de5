//! The synced transactions (`3`), and the category mapping overlay (`m` on the hub): the state,
//! the keys, what they and the loaded pages do, and how the list is drawn.

mod keys;
mod state;
pub(crate) mod update;
pub(crate) mod view;

pub use keys::KEYS;
pub use state::TransactionsScreen;
pub use update::MappingView;
