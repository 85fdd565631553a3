// The CPU backend: the model's forward pass on this machine's cores. With tensor
// parallelism (TENSOR_PARALLEL > 1) each rank is a shard of the model with its own KV
// cache and threads, and the ranks combine their partial results through a LocalGroup;
// the logits equal one rank's up to float rounding. (On one machine this splits the
// same cores, so it serves to check sharded models, not to speed them up.)
#ifndef LLM_ENGINE_BACKEND_CPU_BACKEND_H_
#define LLM_ENGINE_BACKEND_CPU_BACKEND_H_

#include <memory>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/backend/cpu/thread_pool.h"
#include "engine/kv_cache/kv_blocks.h"
#include "engine/model/llama_model.h"
#include "engine/parallel/local_communicator.h"

namespace llm {

class CpuBackend : public Backend {
 public:
  // `shards` are the ranks of a tensor-parallel group in rank order (one whole model for
  // a group of one); they must outlive the backend. `threads` are shared out among the
  // ranks; each rank's cache has `kv_blocks` blocks of `kv_block_tokens` positions.
  CpuBackend(std::vector<const LlamaModel*> shards, int threads, int32_t kv_blocks,
             int64_t kv_block_tokens);
  ~CpuBackend() override;

  DeviceDescription Describe() const override { return description_; }
  int32_t kv_blocks() const override { return ranks_[0].cache->count(); }
  absl::Status Forward(const std::vector<SequenceStep>& steps, float* logits) override;
  void CopyKvBlock(int32_t from, int32_t to) override;

 private:
  struct Rank {
    const LlamaModel* model;
    std::unique_ptr<KvBlocks> cache;
    std::unique_ptr<cpu::ThreadPool> pool;
    std::vector<float> logits;  // Every rank gets all logits; rank 0 writes the caller's.
  };

  std::vector<Rank> ranks_;
  DeviceDescription description_;
  std::unique_ptr<LocalGroup> group_;      // With more than one rank.
  std::unique_ptr<cpu::ThreadPool> team_;  // Runs the ranks side by side, one thread each.
};

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_CPU_BACKEND_H_
