// Test support: random weight matrices in any dtype, with the f16 fields of quantized
// blocks (scales, mins) set to small finite values so every block decodes to sane
// numbers. Not for production use.
#ifndef LLM_ENGINE_TENSOR_RANDOM_WEIGHTS_H_
#define LLM_ENGINE_TENSOR_RANDOM_WEIGHTS_H_

#include <cstdint>
#include <random>
#include <string>

#include "engine/tensor/dtype.h"

namespace llm {

// rows × cols values stored as `type` (cols a multiple of the block size). Float types
// hold normal(0, scale) values; quantized blocks hold random quants with scales near
// scale / 8.
std::string RandomWeights(DType type, int64_t rows, int64_t cols, float scale, std::mt19937& rng);

}  // namespace llm

#endif  // LLM_ENGINE_TENSOR_RANDOM_WEIGHTS_H_
