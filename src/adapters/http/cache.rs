//! A read-through cache for order reads, in front of any [`OrderPlatform`]: a customer who
//! writes three times in five minutes costs the vendor one lookup. Entries live 5 minutes by
//! default, the cache is bounded, and a write (cancel) evicts what it changed, so the read that
//! follows it goes to the vendor.
//!
//! Only successes are cached: a failure is tried again next time.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use moka::future::Cache;

use crate::adapters::{normalize_order_number, AdapterError, OrderPlatform};
use crate::respond::facts::Order;

/// Cache settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// How long an answer is reused. Default: 5 minutes. Zero turns the cache off.
    pub ttl: Duration,
    /// Most answers kept (orders by number plus order lists by e-mail). Default: 10 000.
    pub capacity: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            ttl: Duration::from_secs(300),
            capacity: 10_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Number(String),
    /// Lower-cased e-mail and the limit asked for.
    Email(String, usize),
}

#[derive(Debug, Clone)]
enum Value {
    One(Box<Order>),
    Many(Vec<Order>),
}

/// `inner` with its reads cached.
pub struct CachedPlatform<P> {
    inner: P,
    cache: Option<Cache<Key, Value>>,
}

impl<P: OrderPlatform> CachedPlatform<P> {
    /// Caches `inner`'s reads as `config` says.
    pub fn new(inner: P, config: CacheConfig) -> Self {
        let cache = (!config.ttl.is_zero()).then(|| {
            Cache::builder()
                .max_capacity(config.capacity)
                .time_to_live(config.ttl)
                .support_invalidation_closures()
                .build()
        });
        CachedPlatform { inner, cache }
    }

    /// The platform behind the cache.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    async fn forget(&self, order: &Order) {
        let Some(cache) = &self.cache else { return };
        cache
            .invalidate(&Key::Number(normalize_order_number(&order.number)))
            .await;
        let email = order.email.trim().to_lowercase();
        // Lists by e-mail hold the order too, whatever limit they were asked with.
        // Closures are enabled on every cache built here, so this cannot fail.
        let _ = cache
            .invalidate_entries_if(move |key, _| matches!(key, Key::Email(e, _) if *e == email));
        cache.run_pending_tasks().await;
    }
}

#[async_trait]
impl<P: OrderPlatform> OrderPlatform for CachedPlatform<P> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
        let Some(cache) = &self.cache else {
            return self.inner.order_by_number(number).await;
        };
        let key = Key::Number(normalize_order_number(number));
        if let Some(Value::One(order)) = cache.get(&key).await {
            return Ok(*order);
        }
        let order = self.inner.order_by_number(number).await?;
        cache.insert(key, Value::One(Box::new(order.clone()))).await;
        Ok(order)
    }

    async fn recent_orders_by_email(
        &self,
        email: &str,
        limit: usize,
    ) -> Result<Vec<Order>, AdapterError> {
        let Some(cache) = &self.cache else {
            return self.inner.recent_orders_by_email(email, limit).await;
        };
        let key = Key::Email(email.trim().to_lowercase(), limit);
        if let Some(Value::Many(orders)) = cache.get(&key).await {
            return Ok(orders);
        }
        let orders = self.inner.recent_orders_by_email(email, limit).await?;
        cache.insert(key, Value::Many(orders.clone())).await;
        Ok(orders)
    }

    async fn check_connection(&self) -> Result<(), AdapterError> {
        self.inner.check_connection().await
    }

    async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
        let result = self.inner.cancel_order(number, at).await;
        // Whatever happened, the cached view of this order may be wrong now.
        if let Some(cache) = &self.cache {
            cache
                .invalidate(&Key::Number(normalize_order_number(number)))
                .await;
        }
        if let Ok(order) = &result {
            self.forget(order).await;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::adapters::conformance::{self, fixture_orders, TWO_ORDER_CUSTOMER};
    use crate::adapters::MemoryOrderPlatform;

    /// Counts the reads that reach the platform.
    struct Counting {
        inner: MemoryOrderPlatform,
        reads: Arc<AtomicUsize>,
    }

    #[async_trait]
    impl OrderPlatform for Counting {
        fn name(&self) -> &str {
            "counting"
        }
        async fn order_by_number(&self, number: &str) -> Result<Order, AdapterError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.order_by_number(number).await
        }
        async fn recent_orders_by_email(
            &self,
            email: &str,
            limit: usize,
        ) -> Result<Vec<Order>, AdapterError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.recent_orders_by_email(email, limit).await
        }
        async fn cancel_order(&self, number: &str, at: Timestamp) -> Result<Order, AdapterError> {
            self.inner.cancel_order(number, at).await
        }
    }

    fn counting() -> (CachedPlatform<Counting>, Arc<AtomicUsize>) {
        let reads = Arc::new(AtomicUsize::new(0));
        let platform = Counting {
            inner: MemoryOrderPlatform::new(fixture_orders()),
            reads: reads.clone(),
        };
        (CachedPlatform::new(platform, CacheConfig::default()), reads)
    }

    #[tokio::test]
    async fn the_cached_platform_keeps_the_contract() {
        let platform = CachedPlatform::new(
            MemoryOrderPlatform::new(fixture_orders()),
            CacheConfig::default(),
        );
        conformance::order_platform(&platform).await;
    }

    #[tokio::test]
    async fn repeated_reads_reach_the_platform_once() {
        let (platform, reads) = counting();
        for written in ["500", "#500", " 500 "] {
            platform.order_by_number(written).await.unwrap();
        }
        for email in [TWO_ORDER_CUSTOMER, " PAT@example.com"] {
            platform.recent_orders_by_email(email, 5).await.unwrap();
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn the_read_after_a_cancel_goes_to_the_platform() {
        let (platform, reads) = counting();
        let before = platform.order_by_number("500").await.unwrap();
        assert_eq!(before.cancelled_at, None);
        platform
            .recent_orders_by_email(TWO_ORDER_CUSTOMER, 5)
            .await
            .unwrap();
        let at: Timestamp = "2026-03-06T10:00:00Z".parse().unwrap();
        platform.cancel_order("500", at).await.unwrap();
        let after = platform.order_by_number("500").await.unwrap();
        assert_eq!(after.cancelled_at, Some(at), "not the stale cached order");
        let listed = platform
            .recent_orders_by_email(TWO_ORDER_CUSTOMER, 5)
            .await
            .unwrap();
        assert!(listed
            .iter()
            .any(|o| o.number == "500" && o.cancelled_at == Some(at)));
        assert_eq!(reads.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn failures_are_not_cached_and_zero_ttl_turns_the_cache_off() {
        let (platform, reads) = counting();
        for _ in 0..2 {
            assert!(platform.order_by_number("999999").await.is_err());
        }
        assert_eq!(reads.load(Ordering::SeqCst), 2);
        let reads = Arc::new(AtomicUsize::new(0));
        let off = CachedPlatform::new(
            Counting {
                inner: MemoryOrderPlatform::new(fixture_orders()),
                reads: reads.clone(),
            },
            CacheConfig {
                ttl: Duration::ZERO,
                ..CacheConfig::default()
            },
        );
        off.order_by_number("500").await.unwrap();
        off.order_by_number("500").await.unwrap();
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }
}
