#include <algorithm>

#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"
#include "kernels/rotary/apply_rotary.h"

namespace llm::kernels {
namespace {

// One thread per (token, head, pair) over a flat grid, q's heads before k's: a decode
// step's few tokens still spread over the whole GPU.
template <typename T>
__global__ void ApplyRotaryKernel(T* __restrict__ q, T* __restrict__ k,
                                  const int32_t* __restrict__ positions,
                                  const float* __restrict__ inv_freq, RotaryShape shape) {
  WaitForPriorKernel();
  AllowNextKernel();
  const int64_t half = shape.head_dim / 2;
  const int64_t pairs = (shape.heads + shape.kv_heads) * half;  // Per token.
  const int64_t index = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (index >= shape.tokens * pairs) return;
  const int64_t token = index / pairs, p = index % pairs;
  const int64_t head = p / half, i = p % half;
  const int64_t q_stride =
      shape.token_stride > 0 ? shape.token_stride : shape.heads * shape.head_dim;
  const int64_t k_stride =
      shape.token_stride > 0 ? shape.token_stride : shape.kv_heads * shape.head_dim;
  T* x = head < shape.heads ? q + token * q_stride + head * shape.head_dim
                            : k + token * k_stride + (head - shape.heads) * shape.head_dim;
  float sin, cos;
  sincosf(static_cast<float>(positions[token]) * inv_freq[i], &sin, &cos);
  cos *= shape.attention_factor;
  sin *= shape.attention_factor;
  T& first = shape.adjacent_pairs ? x[2 * i] : x[i];
  T& second = shape.adjacent_pairs ? x[2 * i + 1] : x[i + half];
  const float a = ToFloat(first), b = ToFloat(second);
  first = FromFloat<T>(a * cos - b * sin);
  second = FromFloat<T>(a * sin + b * cos);
}

}  // namespace

absl::Status ApplyRotary(void* q, void* k, const int32_t* positions, const float* inv_freq,
                         const RotaryShape& shape, DType dtype, cudaStream_t stream) {
  if (q == nullptr || k == nullptr || positions == nullptr || inv_freq == nullptr) {
    return absl::InvalidArgumentError("ApplyRotary: null pointer");
  }
  if (shape.tokens < 0 || shape.tokens > 0x7fffffff || shape.heads <= 0 || shape.kv_heads <= 0 ||
      shape.head_dim <= 0 || shape.head_dim % 2 != 0 || shape.token_stride < 0 ||
      (shape.token_stride > 0 &&
       shape.token_stride < std::max(shape.heads, shape.kv_heads) * shape.head_dim)) {
    return absl::InvalidArgumentError("ApplyRotary: bad shape");
  }
  if (shape.tokens == 0) return absl::OkStatus();
  const int64_t threads = shape.tokens * (shape.heads + shape.kv_heads) * (shape.head_dim / 2);
  constexpr int kThreads = 256;
  if ((threads + kThreads - 1) / kThreads > 0x7fffffff) {
    return absl::InvalidArgumentError("ApplyRotary: too many tokens for one launch");
  }
  return DispatchDType(dtype, [&]<typename T>() {
    return LaunchKernel("ApplyRotaryKernel", ApplyRotaryKernel<T>,
                        static_cast<unsigned>((threads + kThreads - 1) / kThreads), kThreads, 0,
                        stream, static_cast<T*>(q), static_cast<T*>(k), positions, inv_freq, shape);
  });
}

}  // namespace llm::kernels
