//! Counted slots for long-lived connections (sync WebSockets, queue event streams): at most `total` open at
//! once, and at most a quota per key (a user, a device, a client address), so that one caller cannot take
//! every slot or every file descriptor. A [`Slot`] is given back when it is dropped.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

#[derive(Debug, Clone)]
pub struct Slots {
    total: Arc<Semaphore>,
    by_key: Arc<Mutex<HashMap<String, usize>>>,
}

/// Why no slot was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The key named has `open` slots already, its whole quota.
    Quota { key: String, open: usize },
    /// Every slot is taken.
    Full,
}

/// One open connection's slot.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    keys: Vec<String>,
    by_key: Arc<Mutex<HashMap<String, usize>>>,
}

impl Slots {
    pub fn new(total: usize) -> Self {
        Self {
            total: Arc::new(Semaphore::new(total)),
            by_key: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot counted against each `(key, quota)`; refused if any key has used its quota (checked first,
    /// so the answer names the caller's own limit) or every slot is taken.
    pub fn take(&self, quotas: &[(String, usize)]) -> Result<Slot, Refused> {
        let mut counts = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        for (key, quota) in quotas {
            let open = counts.get(key).copied().unwrap_or(0);
            if open >= (*quota).max(1) {
                return Err(Refused::Quota {
                    key: key.clone(),
                    open,
                });
            }
        }
        let permit = self
            .total
            .clone()
            .try_acquire_owned()
            .map_err(|_| Refused::Full)?;
        for (key, _) in quotas {
            *counts.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(Slot {
            _permit: permit,
            keys: quotas.iter().map(|(key, _)| key.clone()).collect(),
            by_key: self.by_key.clone(),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut counts = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        for key in &self.keys {
            if let Some(open) = counts.get_mut(key) {
                *open -= 1;
                if *open == 0 {
                    counts.remove(key);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(key: &str, quota: usize) -> (String, usize) {
        (key.to_owned(), quota)
    }

    #[test]
    fn a_key_gets_its_quota_and_no_more_until_a_slot_is_given_back() {
        let slots = Slots::new(10);
        let first = slots.take(&[quota("user:a", 2)]).unwrap();
        let _second = slots.take(&[quota("user:a", 2)]).unwrap();
        assert_eq!(
            slots.take(&[quota("user:a", 2)]).unwrap_err(),
            Refused::Quota {
                key: "user:a".into(),
                open: 2
            }
        );
        // Another key is unaffected.
        slots.take(&[quota("user:b", 2)]).unwrap();
        drop(first);
        slots.take(&[quota("user:a", 2)]).unwrap();
    }

    #[test]
    fn every_key_of_a_slot_is_counted_and_the_total_is_shared() {
        let slots = Slots::new(2);
        let _a = slots
            .take(&[quota("user:a", 5), quota("addr:1", 1)])
            .unwrap();
        // The same address for another user is over the address quota.
        assert!(matches!(
            slots.take(&[quota("user:b", 5), quota("addr:1", 1)]),
            Err(Refused::Quota { .. })
        ));
        let _b = slots
            .take(&[quota("user:b", 5), quota("addr:2", 1)])
            .unwrap();
        assert_eq!(
            slots
                .take(&[quota("user:c", 5), quota("addr:3", 1)])
                .unwrap_err(),
            Refused::Full
        );
    }
}
