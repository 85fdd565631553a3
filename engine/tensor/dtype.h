// Element types of weight tensors, including GGUF's block-quantized types. A quantized
// type stores `block_elements` values in `block_bytes` bytes; rows are whole blocks.
#ifndef LLM_ENGINE_TENSOR_DTYPE_H_
#define LLM_ENGINE_TENSOR_DTYPE_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace llm {

enum class DType : uint8_t {
  kF32,
  kF16,
  kBF16,
  kQ4_0,
  kQ4_1,
  kQ5_0,
  kQ5_1,
  kQ8_0,
  kQ4_K,
  kQ5_K,
  kQ6_K,
};

struct DTypeInfo {
  absl::string_view name;
  int block_elements;
  int block_bytes;
};

// Layouts from ggml-common.h: scales are f16; legacy types hold 32 values, K-types 256.
constexpr DTypeInfo Info(DType type) {
  switch (type) {
    case DType::kF32:
      return {"F32", 1, 4};
    case DType::kF16:
      return {"F16", 1, 2};
    case DType::kBF16:
      return {"BF16", 1, 2};
    case DType::kQ4_0:
      return {"Q4_0", 32, 18};
    case DType::kQ4_1:
      return {"Q4_1", 32, 20};
    case DType::kQ5_0:
      return {"Q5_0", 32, 22};
    case DType::kQ5_1:
      return {"Q5_1", 32, 24};
    case DType::kQ8_0:
      return {"Q8_0", 32, 34};
    case DType::kQ4_K:
      return {"Q4_K", 256, 144};
    case DType::kQ5_K:
      return {"Q5_K", 256, 176};
    case DType::kQ6_K:
      return {"Q6_K", 256, 210};
  }
  return {"?", 1, 1};
}

// Bytes of one row of `elements` values; `elements` must be a multiple of the block.
constexpr size_t RowBytes(DType type, int64_t elements) {
  return static_cast<size_t>(elements / Info(type).block_elements) * Info(type).block_bytes;
}

}  // namespace llm

#endif  // LLM_ENGINE_TENSOR_DTYPE_H_
