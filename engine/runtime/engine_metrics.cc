#include "engine/runtime/engine_metrics.h"

#include "absl/strings/str_cat.h"

namespace llm {

void LatencyHistogram::Observe(double seconds) {
  size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<int64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::string LatencyHistogram::Render(absl::string_view name, absl::string_view help) const {
  std::string out = absl::StrCat("# HELP ", name, " ", help, "\n# TYPE ", name, " histogram\n");
  int64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    const std::string le = i < kBounds.size() ? absl::StrCat(kBounds[i]) : "+Inf";
    absl::StrAppend(&out, name, "_bucket{le=\"", le, "\"} ", cumulative, "\n");
  }
  absl::StrAppend(&out, name, "_sum ", sum_micros_.load(std::memory_order_relaxed) / 1e6, "\n",
                  name, "_count ", cumulative, "\n");
  return out;
}

namespace {

void Gauge(std::string& out, absl::string_view name, absl::string_view type, absl::string_view help,
           int64_t value) {
  absl::StrAppend(&out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n", name, " ",
                  value, "\n");
}

}  // namespace

std::string EngineMetrics::Render() const {
  std::string out;
  Gauge(out, "llm_engine_running_sequences", "gauge", "Sequences being generated.", running.load());
  Gauge(out, "llm_engine_queued_requests", "gauge", "Requests waiting to start.", queued.load());
  Gauge(out, "llm_engine_prompt_tokens_total", "counter", "Prompt tokens admitted.",
        prompt_tokens.load());
  Gauge(out, "llm_engine_generated_tokens_total", "counter", "Tokens generated.",
        generated_tokens.load());
  absl::StrAppend(&out,
                  "# HELP llm_engine_requests_total Requests by outcome.\n"
                  "# TYPE llm_engine_requests_total counter\n",
                  "llm_engine_requests_total{outcome=\"stop\"} ", finished_stop.load(), "\n",
                  "llm_engine_requests_total{outcome=\"length\"} ", finished_length.load(), "\n",
                  "llm_engine_requests_total{outcome=\"cancelled\"} ", cancelled.load(), "\n",
                  "llm_engine_requests_total{outcome=\"error\"} ", failed.load(), "\n",
                  "llm_engine_requests_total{outcome=\"rejected\"} ", rejected.load(), "\n");
  Gauge(out, "llm_engine_preemptions_total", "counter",
        "Sequences preempted (freed and recomputed later) because KV blocks ran out.",
        preempted.load());
  Gauge(out, "llm_engine_kv_blocks_used", "gauge", "KV cache blocks held by sequences.",
        kv_blocks_used.load());
  Gauge(out, "llm_engine_kv_blocks_cached", "gauge",
        "KV cache blocks kept only by the prefix cache (reclaimed when needed).",
        kv_blocks_cached.load());
  Gauge(out, "llm_engine_kv_blocks_total", "gauge", "KV cache blocks in the pool.",
        kv_blocks_total.load());
  const int64_t queries = prefix_query_tokens.load(), hits = prefix_hit_tokens.load();
  Gauge(out, "llm_engine_prefix_cache_query_tokens_total", "counter",
        "Prompt tokens looked up in the prefix cache.", queries);
  Gauge(out, "llm_engine_prefix_cache_hit_tokens_total", "counter",
        "Prompt tokens whose KV cache came from the prefix cache.", hits);
  absl::StrAppend(&out,
                  "# HELP llm_engine_prefix_cache_hit_rate Hit tokens / query tokens so far.\n"
                  "# TYPE llm_engine_prefix_cache_hit_rate gauge\n"
                  "llm_engine_prefix_cache_hit_rate ",
                  queries == 0 ? 0.0 : static_cast<double>(hits) / queries, "\n");
  out += time_to_first_token.Render("llm_engine_time_to_first_token_seconds",
                                    "Time from a request's arrival to its first generated token.");
  out += inter_token_latency.Render("llm_engine_inter_token_latency_seconds",
                                    "Time between consecutive tokens of a sequence.");
  return out;
}

}  // namespace llm
