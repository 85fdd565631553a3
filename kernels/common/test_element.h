// Host-side conversions between float and each element type the kernels support, with
// the tolerance a kernel test allows for results stored in that type.
#ifndef LLM_KERNELS_COMMON_TEST_ELEMENT_H_
#define LLM_KERNELS_COMMON_TEST_ELEMENT_H_

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "gtest/gtest.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

template <typename T>
struct Element;

// The element types a typed kernel test runs over.
using ElementTypes = ::testing::Types<float, __half, __nv_bfloat16>;

template <>
struct Element<float> {
  static float From(float x) { return x; }
  static float To(float x) { return x; }
  static constexpr DType kDType = DType::kF32;
  static constexpr float kTolerance = 1e-5f;
};
template <>
struct Element<__half> {
  static __half From(float x) { return __float2half_rn(x); }
  static float To(__half x) { return __half2float(x); }
  static constexpr DType kDType = DType::kF16;
  static constexpr float kTolerance = 2e-3f;
};
template <>
struct Element<__nv_bfloat16> {
  static __nv_bfloat16 From(float x) { return __float2bfloat16_rn(x); }
  static float To(__nv_bfloat16 x) { return __bfloat162float(x); }
  static constexpr DType kDType = DType::kBF16;
  static constexpr float kTolerance = 1e-2f;
};

// A value of random sign and a magnitude `magnitude` draws: the kernel tests' inputs, non-zero
// so that an unwritten or misindexed output cannot pass by accident.
template <typename Rng, typename Distribution>
float RandomSigned(Rng& rng, Distribution& magnitude) {
  return rng() % 2 ? magnitude(rng) : -magnitude(rng);
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_TEST_ELEMENT_H_
