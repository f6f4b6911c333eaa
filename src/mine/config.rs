//! Miner configuration: a builder with documented defaults whose `build()` validates.

use serde::{Deserialize, Serialize};

/// Default similarity threshold. Drain3 uses 0.4 and the Loghub benchmark 0.2-0.7 per
/// dataset; with variables masked before the search, 0.5 keeps templates that share half of
/// their words apart while still letting an unmasked variable generalise.
pub const DEFAULT_SIM_THRESHOLD: f64 = 0.5;
/// Default number of leading words that route a line (Drain's depth minus two). The first
/// word of a message is almost always its verb or subject, so lines that differ there never
/// share a template.
pub const DEFAULT_PREFIX_WORDS: usize = 1;
/// Default cap on live clusters before least-recently-seen eviction.
pub const DEFAULT_MAX_CLUSTERS: usize = 100_000;
/// Default number of sample lines kept per cluster.
pub const DEFAULT_SAMPLES: usize = 3;
/// Default number of distinct values tracked per parameter slot before the rest count as "other".
pub const DEFAULT_VALUES_PER_SLOT: usize = 16;
/// Default cap on the bytes kept of one parameter value (longer values are cut).
pub const DEFAULT_MAX_VALUE_BYTES: usize = 128;
/// Default cap on the bytes kept of one sample line.
pub const DEFAULT_MAX_SAMPLE_BYTES: usize = 1024;
/// Default number of constant words a gap may swallow when a multi-word variable is aligned
/// (masked variables do not count against it).
pub const DEFAULT_MAX_GAP_WORDS: usize = 4;
/// Default number of different values a constant word must show before it becomes a
/// variable. Positions with two or three values are mostly states and modes (`startup` /
/// `shutdown`, `LOOKING` / `LEADING` / `FOLLOWING`, `ee0` / `alt0` / `scip0`) that people
/// read as different events; user names, hosts and ids show more values soon.
pub const DEFAULT_DISTINCT_VALUES: usize = 4;
/// Default size of the skeleton cache (entries) before it is cleared.
pub const DEFAULT_CACHE_ENTRIES: usize = 1 << 18;

/// Settings of a [`crate::mine::Miner`]. Build with [`MinerConfig::builder`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinerConfig {
    pub(crate) sim_threshold: f64,
    pub(crate) prefix_words: usize,
    pub(crate) max_clusters: usize,
    pub(crate) max_tokens: usize,
    pub(crate) samples: usize,
    pub(crate) values_per_slot: usize,
    pub(crate) max_value_bytes: usize,
    pub(crate) max_sample_bytes: usize,
    pub(crate) max_gap_words: usize,
    pub(crate) cache_entries: usize,
    pub(crate) distinct_values: usize,
}

impl Default for MinerConfig {
    fn default() -> Self {
        MinerConfig {
            sim_threshold: DEFAULT_SIM_THRESHOLD,
            prefix_words: DEFAULT_PREFIX_WORDS,
            max_clusters: DEFAULT_MAX_CLUSTERS,
            max_tokens: crate::mask::DEFAULT_MAX_TOKENS,
            samples: DEFAULT_SAMPLES,
            values_per_slot: DEFAULT_VALUES_PER_SLOT,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_sample_bytes: DEFAULT_MAX_SAMPLE_BYTES,
            max_gap_words: DEFAULT_MAX_GAP_WORDS,
            cache_entries: DEFAULT_CACHE_ENTRIES,
            distinct_values: DEFAULT_DISTINCT_VALUES,
        }
    }
}

impl MinerConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> MinerConfigBuilder {
        MinerConfigBuilder {
            cfg: MinerConfig::default(),
        }
    }
    /// Similarity threshold in (0, 1].
    pub fn sim_threshold(&self) -> f64 {
        self.sim_threshold
    }
    /// Leading words that route a line.
    pub fn prefix_words(&self) -> usize {
        self.prefix_words
    }
    /// Cap on live clusters.
    pub fn max_clusters(&self) -> usize {
        self.max_clusters
    }
    /// Cap on tokens per line.
    pub fn max_tokens(&self) -> usize {
        self.max_tokens
    }
    /// Sample lines kept per cluster.
    pub fn samples(&self) -> usize {
        self.samples
    }
    /// Distinct values tracked per slot.
    pub fn values_per_slot(&self) -> usize {
        self.values_per_slot
    }

    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let bad = |field: &'static str, reason: String| Err(ConfigError { field, reason });
        if !(self.sim_threshold > 0.0 && self.sim_threshold <= 1.0) {
            return bad(
                "sim_threshold",
                format!(
                    "{} is outside (0, 1]; 0.5 is a good start",
                    self.sim_threshold
                ),
            );
        }
        if self.prefix_words > 8 {
            return bad(
                "prefix_words",
                format!("{} is above 8; 1 or 2 is usual", self.prefix_words),
            );
        }
        if self.max_clusters == 0 || self.max_clusters > u32::MAX as usize / 2 {
            return bad(
                "max_clusters",
                format!(
                    "{} must be between 1 and {}",
                    self.max_clusters,
                    u32::MAX / 2
                ),
            );
        }
        if self.max_tokens < 2 || self.max_tokens > 65_535 {
            return bad(
                "max_tokens",
                format!("{} must be between 2 and 65535", self.max_tokens),
            );
        }
        if self.samples > 64 {
            return bad(
                "samples",
                format!(
                    "{} is above 64; samples are for people to read",
                    self.samples
                ),
            );
        }
        if self.values_per_slot > 1024 {
            return bad(
                "values_per_slot",
                format!("{} is above 1024", self.values_per_slot),
            );
        }
        if self.max_value_bytes == 0 || self.max_value_bytes > 65_536 {
            return bad(
                "max_value_bytes",
                format!("{} must be between 1 and 65536", self.max_value_bytes),
            );
        }
        if self.max_sample_bytes == 0 || self.max_sample_bytes > 1 << 20 {
            return bad(
                "max_sample_bytes",
                format!("{} must be between 1 and 1048576", self.max_sample_bytes),
            );
        }
        if self.distinct_values == 0 || self.distinct_values > 64 {
            return bad(
                "distinct_values",
                format!(
                    "{} must be between 1 and 64; 4 is the default",
                    self.distinct_values
                ),
            );
        }
        if self.cache_entries == 0 {
            return bad("cache_entries", "must be at least 1".into());
        }
        Ok(())
    }
}

/// Builder for [`MinerConfig`]; every setter documents its default.
#[derive(Debug, Clone)]
pub struct MinerConfigBuilder {
    cfg: MinerConfig,
}

impl MinerConfigBuilder {
    /// Similarity threshold in (0, 1] (default [`DEFAULT_SIM_THRESHOLD`]).
    pub fn sim_threshold(mut self, v: f64) -> Self {
        self.cfg.sim_threshold = v;
        self
    }
    /// Leading words that route a line, 0-8 (default [`DEFAULT_PREFIX_WORDS`]).
    pub fn prefix_words(mut self, v: usize) -> Self {
        self.cfg.prefix_words = v;
        self
    }
    /// Live clusters before eviction (default [`DEFAULT_MAX_CLUSTERS`]).
    pub fn max_clusters(mut self, v: usize) -> Self {
        self.cfg.max_clusters = v;
        self
    }
    /// Tokens per line; the rest becomes one trailing variable (default 512).
    pub fn max_tokens(mut self, v: usize) -> Self {
        self.cfg.max_tokens = v;
        self
    }
    /// Sample lines per cluster, 0-64 (default [`DEFAULT_SAMPLES`]).
    pub fn samples(mut self, v: usize) -> Self {
        self.cfg.samples = v;
        self
    }
    /// Distinct values tracked per slot (default [`DEFAULT_VALUES_PER_SLOT`]).
    pub fn values_per_slot(mut self, v: usize) -> Self {
        self.cfg.values_per_slot = v;
        self
    }
    /// Bytes kept of one parameter value (default [`DEFAULT_MAX_VALUE_BYTES`]).
    pub fn max_value_bytes(mut self, v: usize) -> Self {
        self.cfg.max_value_bytes = v;
        self
    }
    /// Bytes kept of one sample line (default [`DEFAULT_MAX_SAMPLE_BYTES`]).
    pub fn max_sample_bytes(mut self, v: usize) -> Self {
        self.cfg.max_sample_bytes = v;
        self
    }
    /// Constant words a gap may swallow (default [`DEFAULT_MAX_GAP_WORDS`]).
    pub fn max_gap_words(mut self, v: usize) -> Self {
        self.cfg.max_gap_words = v;
        self
    }
    /// Skeleton cache entries (default [`DEFAULT_CACHE_ENTRIES`]).
    pub fn cache_entries(mut self, v: usize) -> Self {
        self.cfg.cache_entries = v;
        self
    }
    /// Different values a constant word must show before it becomes a variable; 1 turns
    /// the wait off (default [`DEFAULT_DISTINCT_VALUES`]).
    pub fn distinct_values(mut self, v: usize) -> Self {
        self.cfg.distinct_values = v;
        self
    }
    /// Validate and return the configuration.
    pub fn build(self) -> Result<MinerConfig, ConfigError> {
        self.cfg.validate()?;
        Ok(self.cfg)
    }
}

/// An invalid miner setting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid miner setting `{field}`: {reason}")]
pub struct ConfigError {
    /// The setting.
    pub field: &'static str,
    /// What is wrong and what to use instead.
    pub reason: String,
}
