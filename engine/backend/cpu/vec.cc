#include "engine/backend/cpu/vec.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

namespace llm::cpu {
namespace {

float HorizontalSum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// e^x for eight lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial,
// 2^n built in the exponent bits. Below −87.3 (and for NaN) exactly 0, so that a −∞ mask
// weighs nothing.
__m256 Exp8(__m256 x) {
  const __m256 in_range = _mm256_cmp_ps(x, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.3f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  const __m256i exponent =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_and_ps(_mm256_mul_ps(p, _mm256_castsi256_ps(exponent)), in_range);
}

// The eight lanes' sums of exp(x[i] − shift) over [begin, end) (a multiple of eight
// long), storing each term in out[i] when kStore.
template <bool kStore>
__m256 ExpLanes(const float* x, float* out, int64_t begin, int64_t end, float shift) {
  const __m256 vshift = _mm256_set1_ps(shift);
  __m256 sum = _mm256_setzero_ps();
  for (int64_t i = begin; i < end; i += 8) {
    const __m256 e = Exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vshift));
    if constexpr (kStore) _mm256_storeu_ps(out + i, e);
    sum = _mm256_add_ps(sum, e);
  }
  return sum;
}

}  // namespace

float ExpInPlace(float* x, int64_t n, float shift) {
  const int64_t body = n / 8 * 8;
  float total = HorizontalSum(ExpLanes<true>(x, x, 0, body, shift));
  for (int64_t i = body; i < n; ++i) total += (x[i] = std::exp(x[i] - shift));
  return total;
}

double SumExp(const float* x, int64_t n, float shift) {
  // The lanes' float sums move into a double every 1024 elements, so that a
  // vocabulary-long sum keeps its digits.
  constexpr int64_t kBlock = 1024;
  const int64_t body = n / 8 * 8;
  double total = 0.0;
  for (int64_t i = 0; i < body; i += kBlock) {
    total += HorizontalSum(ExpLanes<false>(x, nullptr, i, std::min(i + kBlock, body), shift));
  }
  for (int64_t i = body; i < n; ++i) total += std::exp(x[i] - shift);
  return total;
}

void FloatToHalf(const float* x, int64_t n, Half* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  }
  for (; i < n; ++i) out[i] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

void FloatToHalfStrided(const float* x, int64_t n, int64_t stride, Half* out) {
  for (int64_t i = 0; i < n; ++i) out[i * stride] = _cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT);
}

float Dot(const float* a, const float* b, int64_t n) {
  // Four independent accumulators hide the FMA latency.
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  __m256 acc2 = _mm256_setzero_ps(), acc3 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
    acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
    acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
  }
  for (; i + 8 <= n; i += 8) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  }
  float sum = HorizontalSum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void Axpy(float alpha, const float* x, float* y, int64_t n) {
  const __m256 va = _mm256_set1_ps(alpha);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  }
  for (; i < n; ++i) y[i] += alpha * x[i];
}

void RmsNorm(const float* x, const float* weight, float eps, int64_t n, float* out) {
  const float mean_square = Dot(x, x, n) / static_cast<float>(n);
  const float scale = 1.0f / std::sqrt(mean_square + eps);
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] * scale * weight[i];
}

void Softmax(float* x, int64_t n) {
  const float inverse = 1.0f / ExpInPlace(x, n, *std::max_element(x, x + n));
  for (int64_t i = 0; i < n; ++i) x[i] *= inverse;
}

void SiluMul(const float* gate, const float* up, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // e^−g capped at e^88 (finite): below g = −88, silu(g) is −0 to float precision anyway.
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e =
        Exp8(_mm256_min_ps(_mm256_sub_ps(_mm256_setzero_ps(), g), _mm256_set1_ps(88.0f)));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace llm::cpu
