// Vector primitives of the forward pass on f32 rows. Built for AVX2 + FMA (the CPU
// baseline); every loop keeps the math as written in the comment above it.
#ifndef LLM_ENGINE_BACKEND_CPU_VEC_H_
#define LLM_ENGINE_BACKEND_CPU_VEC_H_

#include <cstdint>

namespace llm::cpu {

// IEEE f16 values stored as their bits (the KV cache keeps keys and values so).
using Half = uint16_t;

// out[i] = f16(x[i]), rounded to nearest even.
void FloatToHalf(const float* x, int64_t n, Half* out);

// out[i * stride] = f16(x[i]): a column of a row-major f16 matrix.
void FloatToHalfStrided(const float* x, int64_t n, int64_t stride, Half* out);

// sum_i a[i] * b[i]
float Dot(const float* a, const float* b, int64_t n);

// y[i] += alpha * x[i]
void Axpy(float alpha, const float* x, float* y, int64_t n);

// out[i] = x[i] / sqrt(mean(x^2) + eps) * weight[i]
void RmsNorm(const float* x, const float* weight, float eps, int64_t n, float* out);

// x[i] = exp(x[i] - shift), in place; returns Σ x[i]. The exponential is a polynomial
// (Cephes' expf) accurate to about 1e-7 relative, for x[i] - shift ≤ 88, and exactly 0
// below −87.3 (a −∞ mask, or NaN).
float ExpInPlace(float* x, int64_t n, float shift);

// Σ exp(x[i] − shift) with the same exponential, summed in double over float blocks.
double SumExp(const float* x, int64_t n, float shift);

// x = softmax(x), in place, stable (subtracts the max).
void Softmax(float* x, int64_t n);

// out[i] = silu(gate[i]) * up[i], silu(g) = g / (1 + exp(-g))
void SiluMul(const float* gate, const float* up, int64_t n, float* out);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_VEC_H_
