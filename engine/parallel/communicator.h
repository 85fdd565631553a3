// Collective operations among the ranks of a tensor-parallel group. Each rank holds a
// shard of every layer (a slice of the heads and of the MLP's width) and the ranks
// combine their partial results with these calls; every rank must make the same calls
// in the same order.
#ifndef LLM_ENGINE_PARALLEL_COMMUNICATOR_H_
#define LLM_ENGINE_PARALLEL_COMMUNICATOR_H_

#include <cstdint>

#include "absl/status/status.h"

namespace llm {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // data[i] = Σ over ranks of their data[i], the same bits on every rank (row-parallel
  // layers add their partial products this way). Buffers live in the memory of the
  // communicator's device.
  virtual absl::Status AllReduceSum(float* data, int64_t n) = 0;

  // out[r · n + i] = rank r's in[i], on every rank (the vocabulary-parallel LM head's
  // logits gather this way).
  virtual absl::Status AllGather(const float* in, int64_t n, float* out) = 0;
};

}  // namespace llm

#endif  // LLM_ENGINE_PARALLEL_COMMUNICATOR_H_
