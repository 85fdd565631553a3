#include "engine/backend/cpu_backend.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace llm {
namespace {

// The CPU's model name from /proc/cpuinfo.
std::string CpuName() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (absl::StartsWith(line, "model name")) {
      const size_t colon = line.find(':');
      return colon == std::string::npos ? line
                                        : std::string(absl::StripLeadingAsciiWhitespace(
                                              absl::string_view(line).substr(colon + 1)));
    }
  }
  return "CPU";
}

}  // namespace

CpuBackend::CpuBackend(std::vector<const LlamaModel*> shards, int threads, int32_t kv_blocks,
                       int64_t kv_block_tokens)
    : description_{.kind = "cpu",
                   .name = CpuName(),
                   .count = static_cast<int>(shards.size()),
                   .memory_bytes = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                                   static_cast<uint64_t>(sysconf(_SC_PAGESIZE)),
                   .threads = threads} {
  const int size = static_cast<int>(shards.size());
  for (const LlamaModel* shard : shards) {
    ranks_.push_back({shard,
                      std::make_unique<KvBlocks>(shard->KvConfig(), kv_blocks, kv_block_tokens),
                      std::make_unique<cpu::ThreadPool>(std::max(1, threads / size)),
                      {}});
  }
  if (size > 1) {
    group_ = std::make_unique<LocalGroup>(size);
    team_ = std::make_unique<cpu::ThreadPool>(size);
  }
}

CpuBackend::~CpuBackend() = default;

absl::Status CpuBackend::Forward(const std::vector<SequenceStep>& steps, float* logits) {
  if (ranks_.size() == 1) {
    return ranks_[0].model->Forward(steps, *ranks_[0].cache, logits, *ranks_[0].pool);
  }
  int64_t rows = 0;
  for (const SequenceStep& step : steps) {
    rows += step.all_logits ? static_cast<int64_t>(step.tokens.size()) : 1;
  }
  const int64_t vocab = ranks_[0].model->config().vocab_size;
  std::vector<absl::Status> statuses(ranks_.size());
  // One rank per thread: each blocks in its collectives until every rank reaches them.
  team_->ParallelFor(static_cast<int64_t>(ranks_.size()), 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      Rank& rank = ranks_[r];
      float* out = logits;
      if (r > 0) {
        rank.logits.resize(rows * vocab);
        out = rank.logits.data();
      }
      statuses[r] = rank.model->Forward(steps, *rank.cache, out, *rank.pool,
                                        &group_->rank(static_cast<int>(r)));
    }
  });
  for (const absl::Status& status : statuses) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void CpuBackend::CopyKvBlock(int32_t from, int32_t to) {
  for (Rank& rank : ranks_) rank.cache->Copy(from, to);
}

}  // namespace llm
