// IEEE binary16 and bfloat16 to float, bit-exact, for weight decoding.
#ifndef LLM_ENGINE_TENSOR_HALF_H_
#define LLM_ENGINE_TENSOR_HALF_H_

#include <cstdint>
#include <cstring>

namespace llm {

inline float BitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

inline float Bf16ToFloat(uint16_t bits) { return BitsToFloat(static_cast<uint32_t>(bits) << 16); }

inline float F16ToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  uint32_t mantissa = h & 0x3ff;
  if (exponent == 0x1f) return BitsToFloat(sign | 0x7f800000 | (mantissa << 13));  // Inf/NaN.
  if (exponent != 0) return BitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0) return BitsToFloat(sign);
  // Subnormal: normalise the mantissa.
  int shift = 0;
  while ((mantissa & 0x400) == 0) {
    mantissa <<= 1;
    ++shift;
  }
  return BitsToFloat(sign | ((113 - shift) << 23) | ((mantissa & 0x3ff) << 13));
}

// Reads a little-endian f16 at `p` (block fields are not aligned).
inline float LoadF16(const uint8_t* p) {
  return F16ToFloat(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

}  // namespace llm

#endif  // LLM_ENGINE_TENSOR_HALF_H_
