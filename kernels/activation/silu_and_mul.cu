#include "kernels/activation/gated_activation.cuh"
#include "kernels/activation/silu_and_mul.h"

namespace llm::kernels {
namespace {

struct Silu {
  __device__ __forceinline__ float operator()(float g) const { return g / (1.0f + __expf(-g)); }
};

}  // namespace

absl::Status SiluAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                        cudaStream_t stream) {
  return LaunchGatedActivation<Silu>("SiluAndMul", gate_up, out, rows, cols, dtype, stream);
}

}  // namespace llm::kernels
