// Y = X · Wᵀ for a weight matrix in any dtype: the projections of the forward pass.
#ifndef LLM_ENGINE_BACKEND_CPU_MATMUL_H_
#define LLM_ENGINE_BACKEND_CPU_MATMUL_H_

#include <cstdint>

#include "engine/backend/cpu/thread_pool.h"
#include "engine/tensor/dtype.h"

namespace llm::cpu {

// A weight matrix as stored: `rows` output features of `cols` inputs each, row-major,
// each row `RowBytes(type, cols)` bytes (nn.Linear's [out, in]; GGUF's ne = [in, out]).
struct WeightView {
  DType type = DType::kF32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;

  const uint8_t* row(int64_t r) const { return data + r * RowBytes(type, cols); }
};

// x: [tokens, w.cols] row-major; y: [tokens, w.rows] row-major. Output rows are split
// between the pool's threads. Types with an integer kernel (quant_dot.h) multiply the
// stored blocks with 8-bit activations; the others decode each row to f32 once for all
// tokens.
void MatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_MATMUL_H_
