// Decodes rows of any weight dtype (float or GGUF block-quantized) into f32. Block
// layouts follow ggml-common.h / ggml-quants.c, summarised in shared/FORMATS.md §3.5.
// Pure functions; thread-safe.
#ifndef LLM_ENGINE_BACKEND_CPU_DEQUANTIZE_H_
#define LLM_ENGINE_BACKEND_CPU_DEQUANTIZE_H_

#include <cstdint>

#include "engine/tensor/dtype.h"

namespace llm::cpu {

// Writes the `n` values of a row stored as `type` at `row` into `out`. `n` must be a
// multiple of the type's block size.
void DequantizeRow(DType type, const uint8_t* row, int64_t n, float* out);

}  // namespace llm::cpu

#endif  // LLM_ENGINE_BACKEND_CPU_DEQUANTIZE_H_
