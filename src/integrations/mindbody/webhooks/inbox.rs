//! The inbox: verified deliveries are appended to the inbox file in groups, durable before they
//! are answered, by group commit on the deliveries' own path, with no thread of the inbox's own
//! to hand them to:
//! - a delivery joins the group forming (under a mutex) and awaits its answer;
//! - the delivery that finds no write running *leads*: on a blocking thread (the write and its
//!   fdatasync block) it appends its group to the inbox file ([`crate::store::webhook_inbox`]),
//!   syncs it once, answers every member and hands the group to the [`super::filer`], which
//!   files it into the webhook trees off this path; the deliveries that arrived meanwhile (their
//!   signatures checked on their own tasks) formed the next group, which the same thread takes
//!   at once, until none waits.
//!
//! So a delivery waits for at most one write it is not part of (the one running when it
//! arrived), and the only hand-offs are one per group to the blocking thread and one answer per
//! delivery. The leading thread goes on with the next group rather than handing the lead to
//! the group's first member, which would cost a wake of that member's task and a blocking
//! thread per group; the leader's own delivery is answered like every other, when its group is
//! on disk, and never waits for a later group. At most `capacity` deliveries wait for the write
//! running, and at most [`MAX_UNFILED`] for the filer; past either the receiver answers 503 (the
//! disk is slower than the deliveries).

use std::sync::{Arc, Condvar, Mutex};

use tokio::sync::oneshot;

use super::filer::Filer;
use crate::engine::host::Core;
use crate::store::webhooks::WebhookEvent;

/// A delivery's answer: Ok once it is on disk, or why it is not.
pub(super) type Answered = Result<(), String>;

/// Deliveries on disk that the filer has not filed yet, past which the receiver answers 503: the
/// trees cannot keep up (or cannot be written), and what waits is held in memory too.
pub(super) const MAX_UNFILED: usize = 50_000;

/// A delivery waiting to be stored, with where its answer goes.
pub(super) struct Arrival {
    event: WebhookEvent,
    answer: oneshot::Sender<Answered>,
}

/// The inbox is full: `capacity` deliveries wait for the write running.
#[derive(Debug)]
pub(super) struct Full;

/// The group forming and the write storing the one before, shared by the deliveries' tasks.
pub(super) struct Inbox {
    groups: Groups<Arrival>,
    hold: Hold,
    /// Files what is on disk into the trees (and wakes the processor and the notifier).
    filer: Arc<Filer>,
}

impl Inbox {
    pub(super) fn new(capacity: usize, filer: Arc<Filer>) -> Inbox {
        Inbox {
            groups: Groups::new(capacity),
            hold: Hold::default(),
            filer,
        }
    }

    /// Puts `event` in the group forming (leading it to disk when no write runs); its answer
    /// arrives on the receiver.
    pub(super) fn join(
        self: &Arc<Self>,
        core: &Core,
        event: WebhookEvent,
    ) -> Result<oneshot::Receiver<Answered>, Full> {
        if self.filer.backlog() >= MAX_UNFILED {
            return Err(Full);
        }
        let (answer, answered) = oneshot::channel();
        match self.groups.join(Arrival { event, answer }) {
            Joined::Waits => {}
            Joined::Full(_) => return Err(Full),
            Joined::Leads(group) => {
                let (inbox, core) = (self.clone(), core.clone());
                // Should the runtime refuse (it is shutting down), the answer is dropped and the
                // delivery answered 503.
                drop(tokio::task::spawn_blocking(move || {
                    inbox.lead(&core, group)
                }));
            }
        }
        Ok(answered)
    }

    /// Stores `group`, then each group formed meanwhile, until none waits.
    fn lead(&self, core: &Core, mut group: Vec<Arrival>) {
        // A panic in the store must not leave the inbox believing a write runs forever: the
        // next delivery then leads (this group's answers are dropped: 503, delivered again).
        struct Unwinding<'a>(&'a Groups<Arrival>);
        impl Drop for Unwinding<'_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    self.0.abandon();
                }
            }
        }
        let _unwinding = Unwinding(&self.groups);
        loop {
            // Held (a test standing in for a stalled disk): the group forming fills up.
            self.hold.wait_until_released();
            self.store(core, group);
            match self.groups.next() {
                Some(next) => group = next,
                None => return,
            }
        }
    }

    /// One append and one fdatasync of the inbox file for the whole group, then every member's
    /// answer, then the group to the filer.
    fn store(&self, core: &Core, group: Vec<Arrival>) {
        let (inbound, answers): (Vec<_>, Vec<_>) =
            group.into_iter().map(|a| (a.event, a.answer)).unzip();
        let inbound = with_site(core, inbound);
        match core.inner.store.append_webhook_deliveries(&inbound) {
            Ok(through) => {
                for answer in answers {
                    let _ = answer.send(Ok(()));
                }
                self.filer.hand_over(inbound, through);
            }
            Err(e) => {
                tracing::error!("storing webhook deliveries: {e}");
                let message = crate::text::one_line(&e.to_string());
                for answer in answers {
                    let _ = answer.send(Err(message.clone()));
                }
            }
        }
    }

    pub(super) fn hold(self: &Arc<Self>) -> InboxHold {
        *self.hold.holders.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        InboxHold(self.clone())
    }
}

/// What joining the group forming made of an item.
#[derive(Debug)]
enum Joined<T> {
    /// No write runs: the caller writes this group (the item alone) and then asks for
    /// [`Groups::next`] until it gets None.
    Leads(Vec<T>),
    /// A write runs; the item is in the next group.
    Waits,
    /// The next group has its fill; the item is given back.
    Full(T),
}

/// Leader and followers: the group forming, and whether a write runs. Apart from the store so
/// the hand-over of the lead can be tested on its own.
struct Groups<T> {
    state: Mutex<Forming<T>>,
    capacity: usize,
}

struct Forming<T> {
    waiting: Vec<T>,
    /// A leader is writing: whoever joins now waits for it to take the group.
    writing: bool,
}

impl<T> Groups<T> {
    fn new(capacity: usize) -> Groups<T> {
        Groups {
            state: Mutex::new(Forming {
                waiting: Vec::new(),
                writing: false,
            }),
            capacity,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Forming<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn join(&self, item: T) -> Joined<T> {
        let mut state = self.lock();
        if !state.writing {
            state.writing = true;
            return Joined::Leads(vec![item]);
        }
        if state.waiting.len() >= self.capacity {
            return Joined::Full(item);
        }
        state.waiting.push(item);
        Joined::Waits
    }

    /// For the leader whose write ended: the group formed meanwhile, oldest first, or None, and
    /// then the next item to join leads. One lock, so no item joins a group nobody takes.
    fn next(&self) -> Option<Vec<T>> {
        let mut state = self.lock();
        if state.waiting.is_empty() {
            state.writing = false;
            return None;
        }
        Some(std::mem::take(&mut state.waiting))
    }

    /// The leader died mid-write: the next item to join leads (and takes those waiting).
    fn abandon(&self) {
        self.lock().writing = false;
    }
}

/// Keeps the inbox from storing while held: a stalled disk, for tests.
#[derive(Default)]
struct Hold {
    holders: Mutex<u32>,
    released: Condvar,
}

impl Hold {
    fn wait_until_released(&self) {
        let mut holders = self.holders.lock().unwrap_or_else(|e| e.into_inner());
        while *holders > 0 {
            holders = self
                .released
                .wait(holders)
                .unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// While this lives the inbox stores nothing (see [`Core::hold_webhook_inbox`]).
pub struct InboxHold(Arc<Inbox>);

impl Drop for InboxHold {
    fn drop(&mut self) {
        let hold = &self.0.hold;
        let mut holders = hold.holders.lock().unwrap_or_else(|e| e.into_inner());
        *holders = holders.saturating_sub(1);
        hold.released.notify_all();
    }
}

/// Events that named no site get the configured one (read once per group, only when needed),
/// or `unknown` when none is configured: a delivery is never refused for want of a site.
fn with_site(core: &Core, mut events: Vec<WebhookEvent>) -> Vec<WebhookEvent> {
    if events.iter().all(|e| !e.account.is_empty()) {
        return events;
    }
    let site = core
        .mindbody_account()
        .map_or_else(|_| UNKNOWN_SITE.to_string(), |a| a.account().to_string());
    for event in events.iter_mut().filter(|e| e.account.is_empty()) {
        event.account = site.clone();
    }
    events
}

/// The account of a delivery that names no site while none is configured.
const UNKNOWN_SITE: &str = "unknown";

#[cfg(test)]
mod tests {
    use super::*;

    fn leads(joined: Joined<u32>) -> Vec<u32> {
        match joined {
            Joined::Leads(group) => group,
            other => panic!("expected to lead, got {other:?}"),
        }
    }

    #[test]
    fn the_first_leads_and_those_arriving_during_its_write_are_the_next_group_in_order() {
        let groups = Groups::new(8);
        assert_eq!(leads(groups.join(1)), vec![1]);
        assert!(matches!(groups.join(2), Joined::Waits));
        assert!(matches!(groups.join(3), Joined::Waits));
        assert_eq!(groups.next(), Some(vec![2, 3]), "the leader takes them all");
        assert!(
            matches!(groups.join(4), Joined::Waits),
            "still writing: the leader took a group"
        );
        assert_eq!(groups.next(), Some(vec![4]));
        assert_eq!(groups.next(), None, "none waits: the write ends");
        assert_eq!(leads(groups.join(5)), vec![5], "the next arrival leads");
    }

    #[test]
    fn past_its_capacity_the_group_forming_gives_the_item_back_until_the_leader_takes_it() {
        let groups = Groups::new(2);
        leads(groups.join(1));
        assert!(matches!(groups.join(2), Joined::Waits));
        assert!(matches!(groups.join(3), Joined::Waits));
        assert!(matches!(groups.join(4), Joined::Full(4)));
        assert_eq!(groups.next(), Some(vec![2, 3]));
        assert!(matches!(groups.join(4), Joined::Waits), "room again");
    }

    #[test]
    fn a_leader_that_died_mid_write_lets_the_next_arrival_lead() {
        let groups = Groups::new(4);
        leads(groups.join(1));
        assert!(matches!(groups.join(2), Joined::Waits));
        groups.abandon();
        assert_eq!(leads(groups.join(3)), vec![3]);
        assert_eq!(
            groups.next(),
            Some(vec![2]),
            "those waiting are not forgotten"
        );
    }

    #[test]
    fn no_item_joins_a_group_nobody_takes_however_the_threads_interleave() {
        // Many joiners against leaders that end their writes: every item is led or taken.
        let groups = Arc::new(Groups::new(usize::MAX));
        let taken = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..4u32)
            .map(|t| {
                let (groups, taken) = (groups.clone(), taken.clone());
                std::thread::spawn(move || {
                    for i in 0..2_000 {
                        if let Joined::Leads(mut group) = groups.join(t * 10_000 + i) {
                            loop {
                                taken.lock().unwrap().append(&mut group);
                                match groups.next() {
                                    Some(next) => group = next,
                                    None => break,
                                }
                            }
                        }
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut taken = taken.lock().unwrap().clone();
        taken.sort_unstable();
        taken.dedup();
        assert_eq!(taken.len(), 8_000);
        assert!(!groups.lock().writing && groups.lock().waiting.is_empty());
    }
}
