#include "engine/backend/cpu/int8_weights.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/backend/cpu/dequantize.h"

namespace llm::cpu {

bool CanQuantizeInt8(const WeightView& w) {
  const bool is_float = w.type == DType::kF32 || w.type == DType::kF16 || w.type == DType::kBF16;
  return is_float && w.cols % 32 == 0;
}

std::vector<uint8_t> QuantizeInt8PerChannel(const WeightView& w, ThreadPool& pool) {
  const size_t row_bytes = RowBytes(DType::kQ8_0, w.cols);
  std::vector<uint8_t> out(row_bytes * w.rows);
  pool.ParallelFor(w.rows, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> row(w.cols);
    for (int64_t r = begin; r < end; ++r) {
      DequantizeRow(w.type, w.row(r), w.cols, row.data());
      float max_abs = 0.0f;
      for (float v : row) max_abs = std::max(max_abs, std::fabs(v));
      // The scale is stored as f16 in every block; quantize against the stored value so
      // decoding reproduces q·s exactly.
      const uint16_t scale_bits = _cvtss_sh(max_abs / 127.0f, _MM_FROUND_TO_NEAREST_INT);
      const float scale = _cvtsh_ss(scale_bits);
      const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
      uint8_t* block = &out[r * row_bytes];
      for (int64_t b = 0; b < w.cols / 32; ++b, block += 34) {
        std::memcpy(block, &scale_bits, 2);
        for (int i = 0; i < 32; ++i) {
          const float q = std::nearbyint(row[b * 32 + i] * inverse);
          block[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(std::clamp(q, -127.0f, 127.0f)));
        }
      }
    }
  });
  return out;
}

}  // namespace llm::cpu
