// quant_dot's kernels built for AVX-512 VNNI (Zen 4, Ice Lake and later), where one
// vpdpbusd replaces AVX2's two-instruction u8 × s8 multiply-add. Chosen at run time.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/backend/cpu/quant_dot.h"

namespace llm::cpu {
namespace {

struct Avx512Vnni {
  // Tokens a rows8 kernel keeps in registers at once (thirty-two vector registers).
  static constexpr int64_t kRows8Tokens = 8;
  // Whether DotU8S8 is exact for any u8 (AVX2's goes through saturating 16-bit sums).
  static constexpr bool kExactU8S8 = true;
  static __m256i DotU8S8(__m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s);
  }
  static __m256i DotU8S8Add(__m256i acc, __m256i u, __m256i s) {
    return _mm256_dpbusd_epi32(acc, u, s);
  }
  // DotU8S8Add with s = four bytes at `word` in every lane, broadcast by the instruction's
  // memory operand. GCC does not fold the broadcast itself, and the separate load is one
  // more instruction per multiply-add: 7% (Q4_1) and 19% (Q8_0) of a 16-token matmul.
  static __m256i DotU8S8AddWord(__m256i acc, __m256i u, const int8_t* word) {
    asm("vpdpbusd %2%{1to8%}, %1, %0"
        : "+v"(acc)
        : "v"(u), "m"(*reinterpret_cast<const int32_t*>(word)));
    return acc;
  }
};

#include "engine/backend/cpu/quant_dot_kernels.inc"

}  // namespace

QuantKernels QuantDotForAvx512Vnni(DType type) { return Kernel<Avx512Vnni>(type); }

}  // namespace llm::cpu
