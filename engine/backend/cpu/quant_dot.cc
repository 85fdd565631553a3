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
  // DotU8S8Add with s = the four bytes at `word` in every lane.
  static __m256i DotU8S8AddWord(__m256i acc, __m256i u, const int8_t* word) {
    int32_t w;
    std::memcpy(&w, word, 4);
    return DotU8S8Add(acc, u, _mm256_set1_epi32(w));
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
  const __m256 sign = _mm256_set1_ps(-0.0f);
  // packs_epi32 then packs_epi16 leave the four vectors' halves interleaved by 32-bit
  // group; this puts the values back in order.
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  for (int64_t b = 0; b < n / 32; ++b, x += 32) {
    __m256 v[4];
    __m256 max = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(x + 8 * j);
      max = _mm256_max_ps(max, _mm256_andnot_ps(sign, v[j]));
    }
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(max), _mm256_extractf128_ps(max, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    const float d = _mm_cvtss_f32(m) / 127.0f;
    const __m256 inverse = _mm256_set1_ps(d > 0.0f ? 1.0f / d : 0.0f);
    // q = round-half-even(x / d), as std::nearbyint rounds: |q| ≤ 127.
    __m256i q[4];
    __m256i sum = _mm256_setzero_si256();
    for (int j = 0; j < 4; ++j) {
      q[j] = _mm256_cvtps_epi32(_mm256_mul_ps(v[j], inverse));
      sum = _mm256_add_epi32(sum, q[j]);
    }
    const __m256i bytes =
        _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].q),
                        _mm256_permutevar8x32_epi32(bytes, order));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum), _mm256_extracti128_si256(sum, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    const int total = _mm_cvtsi128_si32(s);
    out[b].d = d;
    out[b].sum = d * static_cast<float>(total);
    out[b].q_sum = total;
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
