#include "engine/tensor/random_weights.h"

#include <immintrin.h>

#include <cstring>
#include <vector>

namespace llm {
namespace {

void StoreF16(char* at, float value) {
  const uint16_t bits = _cvtss_sh(value, 0);
  std::memcpy(at, &bits, 2);
}

// Byte offsets of each block's f16 fields (ggml-common.h).
std::vector<int> F16Fields(DType type) {
  switch (type) {
    case DType::kQ4_1:
    case DType::kQ5_1:
    case DType::kQ4_K:
    case DType::kQ5_K:
      return {0, 2};
    case DType::kQ6_K:
      return {208};
    default:
      return {0};
  }
}

}  // namespace

std::string RandomWeights(DType type, int64_t rows, int64_t cols, float scale, std::mt19937& rng) {
  std::string data(rows * RowBytes(type, cols), '\0');
  std::normal_distribution<float> normal(0.0f, scale);
  const int64_t values = rows * cols;
  switch (type) {
    case DType::kF32:
      for (int64_t i = 0; i < values; ++i) {
        const float v = normal(rng);
        std::memcpy(&data[4 * i], &v, 4);
      }
      return data;
    case DType::kF16:
      for (int64_t i = 0; i < values; ++i) StoreF16(&data[2 * i], normal(rng));
      return data;
    case DType::kBF16:
      for (int64_t i = 0; i < values; ++i) {
        const float v = normal(rng);
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const uint16_t high = static_cast<uint16_t>(bits >> 16);
        std::memcpy(&data[2 * i], &high, 2);
      }
      return data;
    default:
      break;
  }
  for (char& byte : data) byte = static_cast<char>(rng());
  const int block_bytes = Info(type).block_bytes;
  for (size_t b = 0; b < data.size(); b += block_bytes) {
    for (int offset : F16Fields(type)) StoreF16(&data[b + offset], normal(rng) / 8.0f);
  }
  return data;
}

}  // namespace llm
