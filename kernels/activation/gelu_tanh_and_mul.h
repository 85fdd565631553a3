// Gated GELU with the tanh approximation, the activation of Gemma-family (GeGLU) MLPs:
// out = gelu_tanh(gate) * up, where
//   gelu_tanh(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³))).
// The tanh form is the one these checkpoints were trained with, so it is computed as
// written rather than replaced by the erf GELU.
//
// Layout (as SiluAndMul): `gate_up` is row-major [rows, 2 * cols], each row holding the
// gate projection (cols values) followed by the up projection (cols values); `out` is
// row-major [rows, cols]. Both use `dtype`; math is in fp32.
#ifndef LLM_KERNELS_ACTIVATION_GELU_TANH_AND_MUL_H_
#define LLM_KERNELS_ACTIVATION_GELU_TANH_AND_MUL_H_

#include <cstdint>

#include "absl/status/status.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

// Enqueues the kernel on `stream`; returns an error for bad arguments or a failed launch.
absl::Status GeluTanhAndMul(const void* gate_up, void* out, int64_t rows, int64_t cols, DType dtype,
                            cudaStream_t stream);

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ACTIVATION_GELU_TANH_AND_MUL_H_
