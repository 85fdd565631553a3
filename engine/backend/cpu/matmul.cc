#include "engine/backend/cpu/matmul.h"

#include <algorithm>
#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/quant_dot.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {

void MatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool) {
  if (const QuantKernels kernels = QuantDotFor(w.type); kernels.dot != nullptr) {
    // Integer path: quantize each token's activations once, then dot every row.
    const int64_t blocks = w.cols / 32;
    // Tokens go through the eight-token kernel in groups; a last group of two to seven
    // is padded with zero activations (cheaper than one-token calls, and bit-identical).
    // A lone token takes the one-token kernel.
    const int64_t groups = tokens % 8 >= 2 ? (tokens + 7) / 8 : tokens / 8;
    const int64_t padded = std::max(tokens, groups * 8);
    thread_local std::vector<BlockQ8> xq;
    xq.assign(padded * blocks, BlockQ8{});
    for (int64_t t = 0; t < tokens; ++t) QuantizeRowQ8(x + t * w.cols, w.cols, &xq[t * blocks]);
    thread_local std::vector<BlockQ8x8> xq8;
    xq8.resize(groups * blocks);
    for (int64_t g = 0; g < groups; ++g) {
      InterleaveQ8x8(&xq[g * 8 * blocks], blocks, blocks, &xq8[g * blocks]);
    }
    // thread_local names resolve per thread: hand the workers plain pointers.
    const BlockQ8* activations = xq.data();
    const BlockQ8x8* interleaved = xq8.data();
    pool.ParallelFor(w.rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const uint8_t* row = w.row(r);
        for (int64_t g = 0; g < groups; ++g) {
          float sums[8];
          kernels.dot8(row, interleaved + g * blocks, blocks, sums);
          for (int64_t i = 0; i < 8 && g * 8 + i < tokens; ++i)
            y[(g * 8 + i) * w.rows + r] = sums[i];
        }
        for (int64_t t = groups * 8; t < tokens; ++t) {
          y[t * w.rows + r] = kernels.dot(row, activations + t * blocks, blocks);
        }
      }
    });
    return;
  }
  pool.ParallelFor(w.rows, 16, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> decoded;
    decoded.resize(w.cols);
    for (int64_t r = begin; r < end; ++r) {
      const float* row = reinterpret_cast<const float*>(w.row(r));
      if (w.type != DType::kF32) {
        DequantizeRow(w.type, w.row(r), w.cols, decoded.data());
        row = decoded.data();
      }
      for (int64_t t = 0; t < tokens; ++t) y[t * w.rows + r] = Dot(row, x + t * w.cols, w.cols);
    }
  });
}

}  // namespace llm::cpu
