#include "kernels/activation/gated_activation.cuh"
#include "kernels/activation/gelu_tanh_and_mul.h"

namespace llm::kernels {
namespace {

// gelu(x) ≈ x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))). tanhf (not a fast
// approximation) keeps fp32 results within a few ulp of the formula; the kernel is bound
// by memory either way.
struct GeluTanh {
  static constexpr float kSqrt2OverPi = 0.7978845608028654f;
  static constexpr float kCubicCoefficient = 0.044715f;
  __device__ __forceinline__ float operator()(float g) const {
    return 0.5f * g * (1.0f + tanhf(kSqrt2OverPi * (g + kCubicCoefficient * g * g * g)));
  }
};

}  // namespace

absl::Status GeluTanhAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                            cudaStream_t stream) {
  return LaunchGatedActivation<GeluTanh>("GeluTanhAndMul", gate_up, out, rows, cols, dtype, stream);
}

}  // namespace llm::kernels
