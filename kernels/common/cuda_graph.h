// Decode steps replayed as CUDA graphs. A decode step launches hundreds of small kernels
// whose launch gaps can cost more than their work at small batches; a captured graph
// replays them with one launch. The engine keeps one graph per batch-size bucket
// (DecodeBucket) and pads a batch up to its bucket. The captured kernels read and write
// the same device buffers on every replay (each bucket's static inputs and outputs), so
// only those buffers' contents change from step to step.
#ifndef LLM_KERNELS_COMMON_CUDA_GRAPH_H_
#define LLM_KERNELS_COMMON_CUDA_GRAPH_H_

#include <cstdint>
#include <map>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "kernels/common/device.h"

typedef struct CUgraphExec_st* cudaGraphExec_t;

namespace llm::kernels {

// Batches larger than this decode without a graph.
constexpr int64_t kMaxGraphBatch = 256;

// The bucket a decode batch of `sequences` (≥ 1) runs in: 1, 2, 4, 8, then multiples of
// 8 up to kMaxGraphBatch; 0 (no graph) above that.
int64_t DecodeBucket(int64_t sequences);

class CudaGraphCache {
 public:
  CudaGraphCache() = default;
  ~CudaGraphCache();
  CudaGraphCache(const CudaGraphCache&) = delete;
  CudaGraphCache& operator=(const CudaGraphCache&) = delete;

  // Launches the graph of `key` on `stream`; the first time, captures what `enqueue`
  // launches on `stream` (a created stream, not the legacy default one) and keeps it.
  absl::Status Run(int64_t key, cudaStream_t stream,
                   absl::FunctionRef<absl::Status(cudaStream_t)> enqueue);

  // Graphs captured so far.
  size_t size() const { return graphs_.size(); }

 private:
  std::map<int64_t, cudaGraphExec_t> graphs_;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_CUDA_GRAPH_H_
