//! Connection limits: in total and per client address. A slot is held by
//! a guard for the life of a connection and given back when it drops.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Counts open connections.
pub struct ConnectionLimits {
    total_limit: usize,
    per_ip_limit: usize,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// Why a connection was not admitted.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    Total,
    PerAddress,
}

/// One admitted connection.
pub struct Slot {
    limits: Arc<ConnectionLimits>,
    ip: IpAddr,
}

impl ConnectionLimits {
    pub fn new(total_limit: usize, per_ip_limit: usize) -> Arc<ConnectionLimits> {
        Arc::new(ConnectionLimits {
            total_limit,
            per_ip_limit,
            open: Mutex::new((0, HashMap::new())),
        })
    }

    /// Takes a slot for a connection from `ip`, or says which limit is hit.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0 >= self.total_limit {
            return Err(Refusal::Total);
        }
        let from_ip = open.1.entry(ip).or_insert(0);
        if *from_ip >= self.per_ip_limit {
            return Err(Refusal::PerAddress);
        }
        *from_ip += 1;
        open.0 += 1;
        Ok(Slot {
            limits: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.limits.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 -= 1;
        if let Some(n) = open.1.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_and_slots_come_back() {
        let limits = ConnectionLimits::new(3, 2);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let s1 = limits.admit(a).unwrap();
        let _s2 = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).err(), Some(Refusal::PerAddress));
        let _s3 = limits.admit(b).unwrap();
        assert_eq!(limits.admit(b).err(), Some(Refusal::Total));
        drop(s1);
        assert!(limits.admit(a).is_ok());
    }
}
