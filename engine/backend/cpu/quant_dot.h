// Dot products of quantized weight rows with activations quantized to 8 bits, computed
// on the integer blocks (as llama.cpp does): activations are cut into 32-value blocks
// x = d·q (q int8), and each weight block contributes
//   Q8_0: d_w·d_x·Σ q_w·q_x
//   Q4_0: d_w·d_x·Σ (n−8)·q_x            (n: the 4-bit value)
//   Q4_1: d_w·d_x·Σ n·q_x + m_w·Σ x      (Σ x = d_x·Σ q_x, kept per block)
//   Q5_0, Q5_1: as Q4_0 (n−16) and Q4_1, n the 5-bit value
// so a matmul reads the weights once, in their stored size, and multiplies bytes.
#ifndef LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_
#define LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_

#include <cstdint>
#include <vector>

#include "engine/tensor/dtype.h"

namespace llm::cpu {

// 32 activations as d·q, with their sums.
struct BlockQ8 {
  float d;
  float sum;      // d · Σ q: what a weight block's offset (its min) multiplies.
  int32_t q_sum;  // Σ q, exact: corrects products taken with weights stored as unsigned.
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

// Rows stored eight at a time ("rows8"), for Q4_0, Q4_1 and Q8_0: the eight rows' blocks
// side by side, so that one instruction multiplies four values of all eight rows with
// one token's activations, and each (row, token) sum stays in its own lane from the
// first block to the last: no horizontal sums, and one float multiply-add per block for
// eight rows instead of eight. Per group of eight rows and 32-value block: d[8] (f16;
// Q4_1 then m[8]), then 32-byte vectors of values: Q8_0's vector j (of 8) holds values
// 4j..4j+3 of row r in bytes 4r..4r+3; for the 4-bit types byte 4r + i of vector j (of 4)
// holds values 4j + i (low nibble) and 4j + 16 + i (high nibble) of row r.
bool HasRows8(DType type);

// The rows8 form of a matrix of `type` (rows a multiple of 8, stored row by row).
std::vector<uint8_t> RepackRows8(DType type, int64_t rows, int64_t cols, const uint8_t* data);

// Bytes of one group of eight rows in rows8 form.
int64_t Rows8GroupBytes(DType type, int64_t cols);

// One rows8 group against `tokens` tokens (`blocks` blocks each, one token after
// another in x); writes row r's sum for token t to y[t * y_stride + r], r < 8. A
// (row, token) sum does not depend on the other tokens of the call.
using QuantRows8Fn = void (*)(const uint8_t* group, const BlockQ8* x, int64_t blocks,
                              int64_t tokens, float* y, int64_t y_stride);

struct QuantKernels {
  // Both give bit-identical sums for a (row, token) pair, so results never depend on
  // how tokens are grouped into batches (batching never changes a greedy result).
  QuantDotFn dot = nullptr;  // nullptr: the type has no integer kernel; decode to f32.
  QuantDot8Fn dot8 = nullptr;
  QuantRows8Fn rows8 = nullptr;  // For weights in rows8 form; nullptr if the type has none.
};

// The kernels for `type` on this CPU: AVX-512 VNNI when present, else AVX2.
QuantKernels QuantDotFor(DType type);

// The AVX2 kernels for `type`, whatever the CPU (tests compare the ISA levels).
QuantKernels QuantDotForAvx2(DType type);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_QUANT_DOT_H_
