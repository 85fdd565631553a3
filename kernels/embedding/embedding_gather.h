// The embedding lookup that starts the forward pass: out[t, :] = table[ids[t], :].
// Layout: `table` is row-major [vocab, hidden], `out` [tokens, hidden], both in `dtype`;
// `ids` is int32 [tokens] on the device. An id outside [0, vocab) yields a zero row
// (the engine validates ids before they reach the device).
#ifndef LLM_KERNELS_EMBEDDING_EMBEDDING_GATHER_H_
#define LLM_KERNELS_EMBEDDING_EMBEDDING_GATHER_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

absl::Status EmbeddingGather(const void* table, const int32_t* ids, void* out, int64_t tokens,
                             int64_t vocab, int64_t hidden, DType dtype, cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_EMBEDDING_EMBEDDING_GATHER_H_
