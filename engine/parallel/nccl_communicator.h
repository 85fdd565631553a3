// Communicators over NCCL for ranks that are GPUs of this process, one rank per device,
// each driven by its own host thread. Buffers are device memory; a collective is queued
// on the rank's stream, ordered with the kernels around it, and the call returns once
// it is queued (as cudaMemcpyAsync does).
#ifndef LLM_ENGINE_PARALLEL_NCCL_COMMUNICATOR_H_
#define LLM_ENGINE_PARALLEL_NCCL_COMMUNICATOR_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/parallel/communicator.h"

// Declared here so C++ callers need no CUDA headers.
typedef struct CUstream_st* cudaStream_t;

namespace llm {

class NcclGroup {
 public:
  // One communicator per device in `devices` (rank r on devices[r]); an error naming the
  // cause when NCCL, the driver or a device is unavailable.
  static absl::StatusOr<std::unique_ptr<NcclGroup>> Create(const std::vector<int>& devices);
  ~NcclGroup();

  int size() const { return static_cast<int>(ranks_.size()); }
  Communicator& rank(int r);

  // The stream rank r queues its collectives on (by default the device's legacy stream).
  void SetStream(int r, cudaStream_t stream);

 private:
  class Rank;
  NcclGroup() = default;

  std::vector<std::unique_ptr<Rank>> ranks_;
};

}  // namespace llm

#endif  // LLM_ENGINE_PARALLEL_NCCL_COMMUNICATOR_H_
