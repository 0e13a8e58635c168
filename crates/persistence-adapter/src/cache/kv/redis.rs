//! [`RedisCache`]: one Redis server (deadpool-redis) or a Redis Cluster (the redis
//! crate's async cluster client), failing fast: a command timeout, a circuit breaker per
//! node and repair of keys whose update failed. Both kinds of connection share the code
//! below; only making a connection and routing a command to one node differ.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::ThreadId;
use std::time::Duration;

use async_trait::async_trait;
use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::cluster::ClusterClient;
use deadpool_redis::redis::cluster_async::ClusterConnection;
use deadpool_redis::redis::cluster_routing::{RoutingInfo, SingleNodeRoutingInfo};
use deadpool_redis::redis::{self, Value};
use deadpool_redis::{Config, Pool, PoolConfig, Runtime, Timeouts};

use super::breaker::Breaker;
use super::cluster::{Node, Topology, slot};
use super::{COMMAND_TIMEOUT, CacheError, KEY_TTL, KeyValue, REPAIR_INTERVAL};
use portal_billing::{Clock, SystemClock};

fn backend(e: impl std::fmt::Display) -> CacheError {
    CacheError::Backend(e.to_string())
}

/// Where connections come from.
enum Backend {
    /// One server: a pool that makes connections (with the create timeout) and checks
    /// them before handing one out.
    Single(Pool),
    /// A Redis Cluster (`REDIS_URL` lists several nodes): the client learns the slots
    /// from the nodes and keeps a connection to every master. Boxed: it is large and made
    /// once.
    Cluster(Box<ClusterClient>),
}

/// A worker thread's connection. Both kinds are multiplexed: the commands of the
/// thread's concurrent requests are pipelined over one socket per server.
enum Lane {
    /// Kept out of the pool while the thread uses it.
    Single(deadpool_redis::Connection),
    Cluster(ClusterConnection),
}

impl Lane {
    fn handle(&self) -> Conn {
        match self {
            Lane::Single(pooled) => Conn::Single(pooled.as_ref().clone()),
            Lane::Cluster(conn) => Conn::Cluster(conn.clone()),
        }
    }
}

/// A handle on a lane for one command.
enum Conn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Conn {
    /// Runs `cmd`: on `node` when given (cluster mode, keyless commands such as SCAN),
    /// else where the command's key lives.
    async fn query<T: redis::FromRedisValue>(
        &mut self,
        cmd: &redis::Cmd,
        node: Option<&Node>,
    ) -> Result<T, CacheError> {
        let value: Value = match (self, node) {
            (Conn::Cluster(conn), Some(node)) => {
                let route = SingleNodeRoutingInfo::ByAddress {
                    host: node.host.clone(),
                    port: node.port,
                };
                // An error reply comes back as a value here: made an error like elsewhere.
                Box::pin(conn.route_command(cmd.clone(), RoutingInfo::SingleNode(route)))
                    .await
                    .and_then(Value::extract_error)
            }
            // Boxed: the cluster's futures are large, and the single server's GET
            // should not carry their size.
            (Conn::Cluster(conn), None) => Box::pin(cmd.query_async(conn)).await,
            (Conn::Single(conn), _) => cmd.query_async(conn).await,
        }
        .map_err(backend)?;
        redis::from_redis_value(value).map_err(backend)
    }

    async fn query_pipeline(&mut self, pipe: &redis::Pipeline) -> Result<(), CacheError> {
        match self {
            Conn::Single(conn) => pipe.query_async::<()>(conn).await,
            Conn::Cluster(conn) => pipe.query_async::<()>(conn).await,
        }
        .map_err(backend)
    }
}

/// What a command is about, which picks its breaker (and in cluster mode its node).
#[derive(Clone, Copy)]
enum Target<'a> {
    /// Any node: making a connection, learning the cluster's slots.
    Any,
    /// The node serving this key.
    Key(&'a str),
    /// This master (cluster mode).
    Node(&'a Node),
}

struct RedisInner {
    backend: Backend,
    /// The connection each worker thread uses: its driver runs on the same thread
    /// (actix runs a single-threaded runtime per worker), so a command wakes no other
    /// thread, and there is no health check per command. Dropped after a failure, so
    /// the next command makes (or takes from the pool) a checked one.
    lanes: Mutex<HashMap<ThreadId, Lane>>,
    /// One breaker per node, keyed by address; in single-server mode, and in cluster
    /// mode before the slots are known, the one under "". A dead master thus stops the
    /// cache for its own slots only.
    breakers: Mutex<HashMap<String, Arc<Breaker>>>,
    /// The breakers' clock.
    clock: Arc<dyn Clock>,
    /// Cluster mode: which master serves which slot, as of the last connection made.
    topology: RwLock<Topology>,
    dirty: Mutex<HashSet<String>>,
}

/// Redis (one server or a cluster), failing fast.
#[derive(Clone)]
pub struct RedisCache {
    inner: Arc<RedisInner>,
}

impl RedisCache {
    /// A cache over `url`: one server, or a Redis Cluster when `url` lists several nodes
    /// separated by commas (`redis://h1:p1,redis://h2:p2`). Connections are made lazily,
    /// so a dead Redis does not stop the start. Spawns the repair task (needs a Tokio
    /// runtime).
    pub fn connect(url: &str) -> Result<Self, CacheError> {
        Self::connect_with_clock(url, Arc::new(SystemClock))
    }

    /// [`RedisCache::connect`] with the clock its breakers read.
    pub fn connect_with_clock(url: &str, clock: Arc<dyn Clock>) -> Result<Self, CacheError> {
        let backend = if url.contains(',') {
            Backend::Cluster(Box::new(cluster_client(url)?))
        } else {
            Backend::Single(pool(url)?)
        };
        let cache = Self {
            inner: Arc::new(RedisInner {
                backend,
                lanes: Mutex::new(HashMap::new()),
                breakers: Mutex::new(HashMap::new()),
                clock,
                topology: RwLock::new(Topology::default()),
                dirty: Mutex::new(HashSet::new()),
            }),
        };
        let weak = Arc::downgrade(&cache.inner);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(REPAIR_INTERVAL).await;
                let Some(inner) = weak.upgrade() else { break };
                RedisCache { inner }.repair().await;
            }
        });
        Ok(cache)
    }

    fn is_cluster(&self) -> bool {
        matches!(self.inner.backend, Backend::Cluster(_))
    }

    /// Deletes the keys whose update failed, as far as their nodes answer.
    async fn repair(&self) {
        let keys: Vec<String> = match self.inner.dirty.lock() {
            Ok(d) if !d.is_empty() => d.iter().cloned().collect(),
            _ => return,
        };
        let (deleted, _) = self.delete(&keys).await;
        if deleted.is_empty() {
            return;
        }
        if let Ok(mut d) = self.inner.dirty.lock() {
            for k in &deleted {
                d.remove(k);
            }
        }
        tracing::info!(keys = deleted.len(), "cache repaired after an outage");
    }

    /// Deletes `keys`; returns those deleted and the first failure. One `DEL` on a
    /// single server; in cluster mode one per hash slot, since Redis refuses a `DEL`
    /// across slots (CROSSSLOT), each through its master's breaker, so the keys of the
    /// live masters go even while one master is down.
    async fn delete(&self, keys: &[String]) -> (Vec<String>, Option<CacheError>) {
        let groups: Vec<Vec<String>> = if self.is_cluster() {
            let mut by_slot: BTreeMap<u16, Vec<String>> = BTreeMap::new();
            for k in keys {
                by_slot
                    .entry(slot(k.as_bytes()))
                    .or_default()
                    .push(k.clone());
            }
            by_slot.into_values().collect()
        } else {
            vec![keys.to_vec()]
        };
        let mut deleted = Vec::with_capacity(keys.len());
        let mut failure = None;
        for group in groups {
            let Some(first) = group.first() else { continue };
            let mut cmd = redis::cmd("DEL");
            cmd.arg(&group);
            match self.run::<i64>(Target::Key(first), cmd).await {
                Ok(_) => deleted.extend(group),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        (deleted, failure)
    }

    /// SCANs one node (the server, or one master) and deletes what matches.
    async fn delete_matching_on(
        &self,
        node: Option<&Node>,
        pattern: &str,
    ) -> Result<(), CacheError> {
        let target = node.map_or(Target::Any, Target::Node);
        let mut cursor: u64 = 0;
        loop {
            let mut scan = redis::cmd("SCAN");
            scan.arg(cursor)
                .arg("MATCH")
                .arg(pattern)
                .arg("COUNT")
                .arg(1000);
            let (next, keys): (u64, Vec<String>) = self
                .guarded(target, async {
                    self.connection().await?.query(&scan, node).await
                })
                .await?;
            if let (_, Some(e)) = self.delete(&keys).await {
                return Err(e);
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }

    async fn connection(&self) -> Result<Conn, CacheError> {
        let thread = std::thread::current().id();
        if let Ok(lanes) = self.inner.lanes.lock()
            && let Some(lane) = lanes.get(&thread)
        {
            return Ok(lane.handle());
        }
        // Boxed: connecting (a cluster's above all) is a large future; inline, it would
        // make every command's future as large, to be copied on each one (the profile
        // showed 14 kB copied per GET).
        Box::pin(self.open_lane(thread)).await
    }

    /// A connection kept for this thread: the next thread to ask makes one of its own.
    async fn open_lane(&self, thread: std::thread::ThreadId) -> Result<Conn, CacheError> {
        let lane = match &self.inner.backend {
            Backend::Single(pool) => Lane::Single(pool.get().await.map_err(backend)?),
            Backend::Cluster(client) => {
                let conn = client.get_async_connection().await.map_err(backend)?;
                let mut handle = Conn::Cluster(conn.clone());
                let mut slots = redis::cmd("CLUSTER");
                slots.arg("SLOTS");
                let reply: Value = handle.query(&slots, None).await?;
                let topology = Topology::parse(&reply).map_err(CacheError::Backend)?;
                if let Ok(mut known) = self.inner.topology.write() {
                    *known = topology;
                }
                Lane::Cluster(conn)
            }
        };
        let conn = lane.handle();
        if let Ok(mut lanes) = self.inner.lanes.lock() {
            lanes.insert(thread, lane);
        }
        Ok(conn)
    }

    fn drop_connection(&self) {
        if let Ok(mut lanes) = self.inner.lanes.lock() {
            lanes.remove(&std::thread::current().id());
        }
    }

    /// The breaker of the node `target` is on.
    fn breaker(&self, target: Target<'_>) -> Arc<Breaker> {
        let node = match target {
            _ if !self.is_cluster() => String::new(),
            Target::Any => String::new(),
            Target::Node(node) => node.to_string(),
            Target::Key(key) => self
                .inner
                .topology
                .read()
                .ok()
                .and_then(|t| t.owner(key).map(ToString::to_string))
                .unwrap_or_default(),
        };
        match self.inner.breakers.lock() {
            Ok(mut breakers) => breakers
                .entry(node)
                .or_insert_with(|| Arc::new(Breaker::new(self.inner.clock.clone())))
                .clone(),
            // Never poisoned in practice (no panics under the lock); fail open.
            Err(_) => Arc::new(Breaker::new(self.inner.clock.clone())),
        }
    }

    /// Runs `attempt` unless the target's breaker is open, within the command timeout,
    /// and records the outcome with that breaker.
    async fn guarded<T>(
        &self,
        target: Target<'_>,
        attempt: impl std::future::Future<Output = Result<T, CacheError>>,
    ) -> Result<T, CacheError> {
        let breaker = self.breaker(target);
        if !breaker.allows() {
            return Err(CacheError::Open);
        }
        let result = match tokio::time::timeout(COMMAND_TIMEOUT, attempt).await {
            Ok(r) => r,
            Err(_) => Err(CacheError::Timeout),
        };
        match &result {
            Ok(_) => breaker.success(),
            Err(e) => {
                breaker.failure();
                self.drop_connection();
                tracing::debug!(error = %e, "cache command failed");
            }
        }
        result
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        target: Target<'_>,
        cmd: redis::Cmd,
    ) -> Result<T, CacheError> {
        self.guarded(target, async {
            self.connection().await?.query(&cmd, None).await
        })
        .await
    }
}

/// The single server's pool; connections are made on first use.
fn pool(url: &str) -> Result<Pool, CacheError> {
    let mut config = Config::from_url(url);
    config.pool = Some(PoolConfig {
        max_size: 32,
        timeouts: Timeouts {
            wait: Some(Duration::from_millis(100)),
            create: Some(Duration::from_millis(200)),
            recycle: Some(Duration::from_millis(100)),
        },
        ..Default::default()
    });
    config.create_pool(Some(Runtime::Tokio1)).map_err(backend)
}

/// The cluster client over the comma-separated node URLs; it connects on first use.
/// Its own timeouts and retries stay within [`COMMAND_TIMEOUT`], which bounds every
/// command anyway: a connection attempt to one node takes at most half of it, so a
/// blackholed node does not make every reconnect miss the deadline.
fn cluster_client(urls: &str) -> Result<ClusterClient, CacheError> {
    let nodes: Vec<&str> = urls
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    ClusterClient::builder(nodes)
        .connection_timeout(COMMAND_TIMEOUT / 2)
        .response_timeout(COMMAND_TIMEOUT)
        .retries(1)
        .build()
        .map_err(backend)
}

#[async_trait]
impl KeyValue for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<String>, CacheError> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(key);
        self.run(Target::Key(key), cmd).await
    }

    async fn set(&self, key: &str, value: &str) -> Result<(), CacheError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(key).arg(value).arg("EX").arg(KEY_TTL.as_secs());
        self.run::<()>(Target::Key(key), cmd).await
    }

    /// One key: MULTI/EXEC works in cluster mode too (the pipeline goes to its master).
    async fn hset(&self, key: &str, fields: &[(&str, String)]) -> Result<(), CacheError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        let hset = pipe.cmd("HSET").arg(key);
        for (f, v) in fields {
            hset.arg(*f).arg(v);
        }
        pipe.cmd("EXPIRE").arg(key).arg(KEY_TTL.as_secs() * 12);
        self.guarded(Target::Key(key), async {
            self.connection().await?.query_pipeline(&pipe).await
        })
        .await
    }

    async fn del(&self, keys: &[String]) -> Result<(), CacheError> {
        match self.delete(keys).await {
            (_, Some(e)) => Err(e),
            (_, None) => Ok(()),
        }
    }

    /// Scans the server, or in cluster mode every master (each holds its own keys);
    /// a master that fails does not stop the others from being cleared.
    async fn del_matching(&self, pattern: &str) -> Result<(), CacheError> {
        if !self.is_cluster() {
            return self.delete_matching_on(None, pattern).await;
        }
        let known = |cache: &Self| {
            cache
                .inner
                .topology
                .read()
                .map(|t| t.masters())
                .unwrap_or_default()
        };
        let mut masters = known(self);
        if masters.is_empty() {
            // Not connected yet: connecting learns the masters.
            self.guarded(Target::Any, async { self.connection().await.map(drop) })
                .await?;
            masters = known(self);
        }
        let mut failure = None;
        for node in &masters {
            if let Err(e) = self.delete_matching_on(Some(node), pattern).await {
                tracing::debug!(node = %node, error = %e, "bulk invalidation failed on a master");
                failure.get_or_insert(e);
            }
        }
        failure.map_or(Ok(()), Err)
    }

    fn mark_dirty(&self, keys: &[String]) {
        if let Ok(mut d) = self.inner.dirty.lock() {
            d.extend(keys.iter().cloned());
        }
    }

    fn is_dirty(&self, key: &str) -> bool {
        self.inner
            .dirty
            .lock()
            .map(|d| d.contains(key))
            .unwrap_or(true)
    }
}
