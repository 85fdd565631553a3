// USE_INT: float weight matrices (F32, F16, BF16) re-stored at load as 8-bit integers
// with one scale per output channel (row): w[r][i] ≈ s_r · q[r][i], s_r = max_i |w[r][i]| / 127.
// The result is laid out as Q8_0 blocks that all carry their row's scale, so the
// integer matmul kernels run it unchanged. Quarter the bytes of f32, half of f16.
#ifndef LLM_ENGINE_BACKEND_CPU_INT8_WEIGHTS_H_
#define LLM_ENGINE_BACKEND_CPU_INT8_WEIGHTS_H_

#include <cstdint>
#include <vector>

#include "engine/backend/cpu/matmul.h"
#include "engine/backend/cpu/thread_pool.h"

namespace llm::cpu {

// Whether QuantizeInt8PerChannel applies (float matrices whose rows are 32-multiples).
bool CanQuantizeInt8(const WeightView& w);

// The Q8_0 bytes of `w` quantized per output channel; rows are split between threads.
std::vector<uint8_t> QuantizeInt8PerChannel(const WeightView& w, ThreadPool& pool);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_INT8_WEIGHTS_H_
