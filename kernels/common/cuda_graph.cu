#include <cuda_runtime_api.h>

#include "kernels/common/cuda_graph.h"
#include "kernels/common/cuda_status.h"

namespace llm::kernels {

int64_t DecodeBucket(int64_t sequences) {
  if (sequences > kMaxGraphBatch) return 0;
  if (sequences <= 8) {
    int64_t bucket = 1;
    while (bucket < sequences) bucket *= 2;
    return bucket;
  }
  return (sequences + 7) / 8 * 8;
}

CudaGraphCache::~CudaGraphCache() {
  for (auto& [key, exec] : graphs_) cudaGraphExecDestroy(exec);
}

absl::Status CudaGraphCache::Run(int64_t key, cudaStream_t stream,
                                 absl::FunctionRef<absl::Status(cudaStream_t)> enqueue) {
  auto it = graphs_.find(key);
  if (it == graphs_.end()) {
    if (absl::Status s = CudaStatus(
            cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "begin capture");
        !s.ok()) {
      return s;
    }
    const absl::Status enqueued = enqueue(stream);
    cudaGraph_t graph = nullptr;
    // Capture must end whatever happened, or the stream stays in capture mode.
    const absl::Status ended = CudaStatus(cudaStreamEndCapture(stream, &graph), "end capture");
    if (!enqueued.ok() || !ended.ok()) {
      if (graph != nullptr) cudaGraphDestroy(graph);
      return enqueued.ok() ? ended : enqueued;
    }
    cudaGraphExec_t exec = nullptr;
    const absl::Status instantiated =
        CudaStatus(cudaGraphInstantiate(&exec, graph, 0), "cudaGraphInstantiate");
    cudaGraphDestroy(graph);
    if (!instantiated.ok()) return instantiated;
    it = graphs_.emplace(key, exec).first;
  }
  return CudaStatus(cudaGraphLaunch(it->second, stream), "cudaGraphLaunch");
}

}  // namespace llm::kernels
