#include "engine/backend/cpu/matmul.h"

#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/quant_dot.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {

void MatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool) {
  if (const QuantKernels kernels = QuantDotFor(w.type); kernels.dot != nullptr) {
    // Integer path: quantize each token's activations once, then dot every row.
    const int64_t blocks = w.cols / 32;
    thread_local std::vector<BlockQ8> xq;
    xq.resize(tokens * blocks);
    for (int64_t t = 0; t < tokens; ++t) QuantizeRowQ8(x + t * w.cols, w.cols, &xq[t * blocks]);
    const BlockQ8* activations = xq.data();
    pool.ParallelFor(w.rows, 16, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const uint8_t* row = w.row(r);
        int64_t t = 0;
        for (; t + 4 <= tokens; t += 4) {
          float sums[4];
          kernels.dot4(row, activations + t * blocks, blocks, blocks, sums);
          for (int i = 0; i < 4; ++i) y[(t + i) * w.rows + r] = sums[i];
        }
        for (; t < tokens; ++t) {
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
