// Y = X · Wᵀ for a weight matrix in any dtype: the projections of the forward pass.
#ifndef LLM_ENGINE_BACKEND_CPU_MATMUL_H_
#define LLM_ENGINE_BACKEND_CPU_MATMUL_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
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
  // Stored eight rows at a time (quant_dot.h's rows8 form); row() does not apply.
  bool rows8 = false;

  const uint8_t* row(int64_t r) const { return data + r * RowBytes(type, cols); }
};

// `w` in rows8 form (quant_dot.h) if its type has a rows8 kernel and its rows come in
// eights, storing the repacked bytes in `storage`; else `w` as it is.
WeightView ToRows8(const WeightView& w, std::vector<uint8_t>& storage);

// Rows begin .. begin + count − 1 of `w` (not in rows8 form): a view of the same bytes.
// A column-parallel shard (its slice of the output features).
WeightView SliceRows(const WeightView& w, int64_t begin, int64_t count);

// Columns begin .. begin + count − 1 of every row of `w` (not in rows8 form), copied into
// `storage`: a row-parallel shard (its slice of the input features). Both must fall on
// whole blocks of w's type, else an error saying so.
absl::StatusOr<WeightView> SliceColumns(const WeightView& w, int64_t begin, int64_t count,
                                        std::vector<uint8_t>& storage);

// One product of a MatMuls call: y = x · wᵀ, y being [tokens, w->rows] row-major.
struct MatMulOutput {
  const WeightView* w;
  float* y;
};

// Computes token t's row of a product's input, for MatMuls' `prepare`.
using PrepareRow = std::function<void(int64_t t)>;

// Products of one input x ([tokens, cols] row-major) with several weight matrices of
// `cols` columns (Q, K and V; gate and up), as one job: the output rows of all of them
// are split between the pool's threads. Types with an integer kernel (quant_dot.h)
// multiply the stored blocks with 8-bit activations, quantized once for all; the others
// decode each row to f32 once for all tokens. `prepare`, if given, writes each token's
// row of x first, in the same pass over the tokens as the quantization (one wait for the
// threads fewer than a job of its own).
void MatMuls(absl::Span<const MatMulOutput> outputs, const float* x, int64_t tokens,
             ThreadPool& pool, const PrepareRow& prepare = nullptr);

// One product: y = x · wᵀ.
inline void MatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool,
                   const PrepareRow& prepare = nullptr) {
  MatMuls({MatMulOutput{&w, y}}, x, tokens, pool, prepare);
}

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_MATMUL_H_
