#include "engine/backend/cpu/quant_dot.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace llm::cpu {

// From quant_dot_avx512.cc, built for AVX-512 VNNI.
QuantKernels QuantDotForAvx512Vnni(DType type);

namespace {

struct Avx2 {
  // Tokens a rows8 kernel keeps in registers at once (sixteen vector registers).
  static constexpr int64_t kRows8Tokens = 4;
  // Whether DotU8S8 is exact for any u8 (AVX2's goes through saturating 16-bit sums).
  static constexpr bool kExactU8S8 = false;
  // u8 × s8 pairs to int16 (no overflow: |products| ≤ 31·127·2), then pairs to int32.
  static __m256i DotU8S8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
  }
  static __m256i DotU8S8Add(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc, DotU8S8(u, s));
  }
};

#include "engine/backend/cpu/quant_dot_kernels.inc"

bool HasAvx512Vnni() {
  static const bool has = __builtin_cpu_supports("avx512vnni") &&
                          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
  return has;
}

}  // namespace

void QuantizeRowQ8(const float* x, int64_t n, BlockQ8* out) {
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    float max_abs = 0.0f;
    for (int i = 0; i < 32; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
    const float d = max_abs / 127.0f;
    const float inverse = d > 0.0f ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int i = 0; i < 32; ++i) {
      out[b].q[i] = static_cast<int8_t>(std::nearbyint(x[i] * inverse));
      sum += out[b].q[i];
    }
    out[b].d = d;
    out[b].sum = d * static_cast<float>(sum);
    out[b].q_sum = sum;
  }
}

void InterleaveQ8x8(const BlockQ8* x, int64_t blocks, int64_t stride, BlockQ8x8* out) {
  for (int64_t b = 0; b < blocks; ++b) {
    for (int t = 0; t < 8; ++t) {
      const BlockQ8& block = x[t * stride + b];
      out[b].d[t] = block.d;
      out[b].sum[t] = block.sum;
      std::memcpy(out[b].q[t], block.q, 32);
    }
  }
}

bool HasRows8(DType type) {
  return type == DType::kQ4_0 || type == DType::kQ4_1 || type == DType::kQ8_0;
}

int64_t Rows8GroupBytes(DType type, int64_t cols) { return 8 * RowBytes(type, cols); }

std::vector<uint8_t> RepackRows8(DType type, int64_t rows, int64_t cols, const uint8_t* data) {
  const int64_t blocks = cols / 32, row_bytes = RowBytes(type, cols);
  const int header = type == DType::kQ4_1 ? 4 : 2;  // d (and m) per stored block.
  const int64_t values_bytes = type == DType::kQ8_0 ? 32 : 16;
  const int64_t block_bytes = header + values_bytes;
  std::vector<uint8_t> out(rows / 8 * Rows8GroupBytes(type, cols));
  uint8_t* p = out.data();
  for (int64_t g = 0; g < rows / 8; ++g) {
    for (int64_t b = 0; b < blocks; ++b) {
      const uint8_t* stored[8];
      for (int r = 0; r < 8; ++r) stored[r] = data + (8 * g + r) * row_bytes + b * block_bytes;
      for (int r = 0; r < 8; ++r) std::memcpy(p + 2 * r, stored[r], 2);  // d
      p += 16;
      if (type == DType::kQ4_1) {
        for (int r = 0; r < 8; ++r) std::memcpy(p + 2 * r, stored[r] + 2, 2);  // m
        p += 16;
      }
      // Four-byte runs of the stored values, lane 4r + i of vector j taking byte 4j + i of
      // row r: Q8_0's values 4j..4j+3, stored as unsigned (q + 128) for the u8 × s8
      // instruction; for 4-bit types qs[k] holds values k and k + 16 as its low and high
      // nibbles, just what vector j wants.
      for (int j = 0; j < values_bytes / 4; ++j) {
        for (int r = 0; r < 8; ++r) std::memcpy(p + 4 * r, stored[r] + header + 4 * j, 4);
        if (type == DType::kQ8_0) {
          for (int i = 0; i < 32; ++i) p[i] ^= 0x80;
        }
        p += 32;
      }
    }
  }
  return out;
}

QuantKernels QuantDotFor(DType type) {
  return HasAvx512Vnni() ? QuantDotForAvx512Vnni(type) : Kernel<Avx2>(type);
}

QuantKernels QuantDotForAvx2(DType type) { return Kernel<Avx2>(type); }

}  // namespace llm::cpu
