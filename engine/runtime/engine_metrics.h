// What the engine loop counts for /metrics, declared once as a struct so the hot path
// never looks a metric up by name. Atomics: the loop writes, the metrics thread reads.
#ifndef LLM_ENGINE_RUNTIME_ENGINE_METRICS_H_
#define LLM_ENGINE_RUNTIME_ENGINE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace llm {

// A latency histogram in seconds with fixed Prometheus buckets.
class LatencyHistogram {
 public:
  static constexpr std::array<double, 11> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1.0,  2.5,   5.0,  10.0};
  void Observe(double seconds);
  // Prometheus text: _bucket{le=...}, _sum and _count lines under `name`.
  std::string Render(absl::string_view name, absl::string_view help) const;

 private:
  std::array<std::atomic<int64_t>, kBounds.size() + 1> counts_{};  // Last: +Inf.
  std::atomic<int64_t> sum_micros_{0};
};

struct EngineMetrics {
  std::atomic<int64_t> running{0};
  std::atomic<int64_t> queued{0};
  std::atomic<int64_t> prompt_tokens{0};
  std::atomic<int64_t> generated_tokens{0};
  std::atomic<int64_t> finished_stop{0};
  std::atomic<int64_t> finished_length{0};
  std::atomic<int64_t> cancelled{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> rejected{0};
  std::atomic<int64_t> preempted{0};
  // KV cache blocks: held by sequences, kept only by the prefix cache, in the pool.
  std::atomic<int64_t> kv_blocks_used{0};
  std::atomic<int64_t> kv_blocks_cached{0};
  std::atomic<int64_t> kv_blocks_total{0};
  // Prompt tokens looked up in the prefix cache when a sequence starts, and those found.
  std::atomic<int64_t> prefix_query_tokens{0};
  std::atomic<int64_t> prefix_hit_tokens{0};
  LatencyHistogram time_to_first_token;
  LatencyHistogram inter_token_latency;

  std::string Render() const;
};

}  // namespace llm

#endif  // LLM_ENGINE_RUNTIME_ENGINE_METRICS_H_
