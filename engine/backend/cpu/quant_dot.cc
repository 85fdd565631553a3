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
  // u8 × s8 pairs to int16 (no overflow: |products| ≤ 31·127·2), then pairs to int32.
  static __m256i DotU8S8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
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

QuantKernels QuantDotFor(DType type) {
  return HasAvx512Vnni() ? QuantDotForAvx512Vnni(type) : Kernel<Avx2>(type);
}

QuantKernels QuantDotForAvx2(DType type) { return Kernel<Avx2>(type); }

}  // namespace llm::cpu
