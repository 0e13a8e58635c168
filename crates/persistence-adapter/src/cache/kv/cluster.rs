//! What cluster mode needs to know of a Redis Cluster's layout: the hash slot of a key
//! and which master serves each slot (`CLUSTER SLOTS`), so each master gets a breaker of
//! its own and a bulk invalidation can scan every master.

use std::collections::BTreeSet;
use std::fmt;

use deadpool_redis::redis::{self, Value};

/// The number of hash slots of a Redis Cluster.
const SLOTS: u16 = 16384;

/// A master's address, as the cluster announces it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Node {
    pub host: String,
    pub port: u16,
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// The hash slot of `key` (CRC16/XMODEM of the key, or of its `{hash tag}`, modulo 16384).
pub(super) fn slot(key: &[u8]) -> u16 {
    let hashed = key
        .iter()
        .position(|b| *b == b'{')
        .and_then(|open| {
            let rest = key.get(open + 1..)?;
            let close = rest.iter().position(|b| *b == b'}')?;
            rest.get(..close).filter(|tag| !tag.is_empty())
        })
        .unwrap_or(key);
    crc16_xmodem(hashed) % SLOTS
}

fn crc16_xmodem(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for byte in data {
        crc ^= u16::from(*byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// Which master serves which slots.
#[derive(Default, Clone, Debug)]
pub(super) struct Topology {
    ranges: Vec<(u16, u16, Node)>,
}

impl Topology {
    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, ...], replicas...], ...]`.
    pub fn parse(reply: &Value) -> Result<Self, String> {
        let bad = || format!("unexpected CLUSTER SLOTS reply: {reply:?}");
        let Value::Array(entries) = reply else {
            return Err(bad());
        };
        let mut ranges = Vec::with_capacity(entries.len());
        for entry in entries {
            let Value::Array(items) = entry else {
                return Err(bad());
            };
            let (Some(start), Some(end), Some(Value::Array(master))) =
                (items.first(), items.get(1), items.get(2))
            else {
                return Err(bad());
            };
            let (Some(host), Some(port)) = (master.first(), master.get(1)) else {
                return Err(bad());
            };
            let number = |v: &Value| redis::from_redis_value_ref::<u16>(v).map_err(|_| bad());
            let host = redis::from_redis_value_ref::<String>(host).map_err(|_| bad())?;
            ranges.push((
                number(start)?,
                number(end)?,
                Node {
                    host,
                    port: number(port)?,
                },
            ));
        }
        Ok(Self { ranges })
    }

    /// The master serving `key`'s slot, if known.
    pub fn owner(&self, key: &str) -> Option<&Node> {
        let slot = slot(key.as_bytes());
        self.ranges
            .iter()
            .find(|(start, end, _)| (*start..=*end).contains(&slot))
            .map(|(_, _, node)| node)
    }

    /// Every master, once each.
    pub fn masters(&self) -> Vec<Node> {
        let masters: BTreeSet<&Node> = self.ranges.iter().map(|(_, _, node)| node).collect();
        masters.into_iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_redis_cluster_slots() {
        // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
        assert_eq!(crc16_xmodem(b"123456789"), 0x31C3);
        assert_eq!(slot(b"foo"), 12182);
        assert_eq!(slot(b"bar"), 5061);
        assert_eq!(slot(b"{user1000}.following"), slot(b"user1000"));
        // An empty tag is no tag: the whole key is hashed.
        assert_eq!(slot(b"foo{}{bar}"), crc16_xmodem(b"foo{}{bar}") % SLOTS);
    }

    #[test]
    fn a_cluster_slots_reply_gives_each_master_its_ranges() {
        let node = |port: i64| {
            Value::Array(vec![
                Value::BulkString(b"127.0.0.1".to_vec()),
                Value::Int(port),
                Value::BulkString(b"id".to_vec()),
            ])
        };
        let range =
            |start, end, port| Value::Array(vec![Value::Int(start), Value::Int(end), node(port)]);
        let reply = Value::Array(vec![
            range(0, 5460, 7000),
            range(5461, 10922, 7001),
            range(10923, 16383, 7002),
        ]);
        let topology = Topology::parse(&reply).unwrap();
        assert_eq!(topology.owner("foo").unwrap().port, 7002);
        assert_eq!(topology.owner("bar").unwrap().port, 7000);
        assert_eq!(topology.masters().len(), 3);
        assert!(Topology::parse(&Value::Int(1)).is_err());
    }
}
