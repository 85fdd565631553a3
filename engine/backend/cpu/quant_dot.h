// Dot products of quantized weight rows with activations quantized to 8 bits, computed
// on the integer blocks (as llama.cpp does): activations are cut into 32-value blocks
// x = d·q (q int8), and each weight block contributes
//   Q8_0: d_w·d_x·Σ q_w·q_x
//   Q4_0: d_w·d_x·Σ (n−8)·q_x            (n: the 4-bit value)
//   Q4_1: d_w·d_x·Σ n·q_x + m_w·Σ x      (Σ x = d_x·Σ q_x, kept per block)
// so a matmul reads the weights once, in their stored size, and multiplies bytes.
#ifndef LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_
#define LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_

#include <cstdint>

#include "engine/tensor/dtype.h"

namespace llm::cpu {

// 32 activations as d·q, with their sum (d·Σq) for the weight types that have a min.
struct BlockQ8 {
  float d;
  float sum;
  int8_t q[32];
};

// Block b of eight tokens' activations side by side, for the prefill kernels: token
// t's values are d[t]·q[t][i], and sum[t] = d[t]·Σ q[t][i].
struct BlockQ8x8 {
  float d[8];
  float sum[8];
  int8_t q[8][32];
};

// Quantizes n floats (a multiple of 32) into n/32 blocks: d = max|x|/127, q = round(x/d).
void QuantizeRowQ8(const float* x, int64_t n, BlockQ8* out);

// Σ over one weight row stored as a type with an integer kernel; `blocks` counts
// 32-value blocks (cols / 32), also for K-quants whose stored blocks hold 256 values.
using QuantDotFn = float (*)(const uint8_t* row, const BlockQ8* x, int64_t blocks);

// Eight tokens against one row; writes the eight sums to out[0..7].
using QuantDot8Fn = void (*)(const uint8_t* row, const BlockQ8x8* x, int64_t blocks, float* out);

// Interleaves eight tokens' quantized rows (each `blocks` blocks, `stride` apart in x).
void InterleaveQ8x8(const BlockQ8* x, int64_t blocks, int64_t stride, BlockQ8x8* out);

struct QuantKernels {
  // Both give bit-identical sums for a (row, token) pair, so results never depend on
  // how tokens are grouped into batches (batching never changes a greedy result).
  QuantDotFn dot = nullptr;  // nullptr: the type has no integer kernel; decode to f32.
  QuantDot8Fn dot8 = nullptr;
};

// The kernels for `type` on this CPU: AVX-512 VNNI when present, else AVX2.
QuantKernels QuantDotFor(DType type);

// The AVX2 kernels for `type`, whatever the CPU (tests compare the ISA levels).
QuantKernels QuantDotForAvx2(DType type);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_
