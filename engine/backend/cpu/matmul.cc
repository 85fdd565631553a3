#include "engine/backend/cpu/matmul.h"

#include <vector>

#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {

void MatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool) {
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
