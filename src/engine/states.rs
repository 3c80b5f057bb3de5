//! The rooms' shares of the engine's state, kept by the host without naming them: a map from
//! each share's type to the one value of it (as `http::Extensions` keeps a request's extras). The
//! engine fills it once, at open, with every room's share; a room asks for its own by type
//! (`core.state::<MindbodyState>()`). So the host never imports a room, and a new room adds its
//! share without touching the host.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use crate::api::view::IntegrationView;
use crate::store::{Store, StoreError};

/// A room's share of the engine's state.
pub trait RoomState: Any + Send + Sync {
    /// Writes what the room keeps in memory to the store (the engine's `flush`): most rooms keep
    /// nothing that is not written already.
    fn flush(&self, _store: &Store) -> Result<(), StoreError> {
        Ok(())
    }

    /// Adds to a live view what only this process knows, nothing in the store (so a glance
    /// from the status snapshot never shows it): most rooms have nothing to add.
    fn live_notes(&self, _view: &mut IntegrationView) {}
}

/// One value of each room's share, by type.
#[derive(Default)]
pub struct States {
    shares: HashMap<TypeId, Box<dyn RoomState>>,
}

impl States {
    /// Adds a room's share (at open); a second share of the same type replaces the first.
    pub fn with<T: RoomState>(mut self, share: T) -> States {
        self.shares.insert(TypeId::of::<T>(), Box::new(share));
        self
    }

    /// The share of type `T`, when it was added.
    pub fn get<T: RoomState>(&self) -> Option<&T> {
        let share: &dyn Any = self.shares.get(&TypeId::of::<T>())?.as_ref();
        share.downcast_ref::<T>()
    }

    /// Every share, for what the host does to all of them (flush, live notes).
    pub fn all(&self) -> impl Iterator<Item = &dyn RoomState> {
        self.shares.values().map(|share| share.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Counter(u32);
    impl RoomState for Counter {}

    #[derive(Debug, PartialEq)]
    struct Name(&'static str);
    impl RoomState for Name {}

    #[test]
    fn each_share_is_found_by_its_type() {
        let states = States::default().with(Counter(3)).with(Name("mindbody"));
        assert_eq!(states.get::<Counter>(), Some(&Counter(3)));
        assert_eq!(states.get::<Name>(), Some(&Name("mindbody")));
        assert_eq!(states.all().count(), 2);
    }

    #[test]
    fn a_share_never_added_is_none() {
        let states = States::default().with(Counter(3));
        assert_eq!(states.get::<Name>(), None);
    }
}
