// The gated activations' one kernel: out[r, c] = act(gate[r, c]) · up[r, c], for
// [rows, 2 · cols] inputs (each row's gate columns, then its up columns). Included by
// the activations' .cu files, which name the activation.
#ifndef LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CUH_
#define LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CUH_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/common/launch.cuh"

namespace llm::kernels {

// One thread per kVec adjacent columns of one row, over a flat grid of every row's
// columns: a decode step's few rows still spread over the whole GPU.
template <typename T, int kVec, typename Activation>
__global__ void GatedActivationKernel(const T* __restrict__ gate_up, T* __restrict__ out,
                                      int64_t rows, int64_t cols) {
  using Vector = Packet<T, kVec>;
  WaitForPriorKernel();
  AllowNextKernel();
  const int64_t vectors_per_row = cols / kVec;
  const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= rows * vectors_per_row) return;
  const int64_t row = i / vectors_per_row, c = i % vectors_per_row * kVec;
  const T* gate = gate_up + row * 2 * cols + c;
  const Vector g = *reinterpret_cast<const Vector*>(gate);
  const Vector u = *reinterpret_cast<const Vector*>(gate + cols);
  Vector o;
#pragma unroll
  for (int j = 0; j < kVec; ++j) {
    o.v[j] = FromFloat<T>(Activation()(ToFloat(g.v[j])) * ToFloat(u.v[j]));
  }
  *reinterpret_cast<Vector*>(out + row * cols + c) = o;
}

// Checks the arguments and enqueues the kernel; `name` names it in errors.
template <typename Activation>
absl::Status LaunchGatedActivation(const char* name, const void* gate_up, void* out, int64_t rows,
                                   int64_t cols, DType dtype, cudaStream_t stream) {
  if (gate_up == nullptr || out == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": null pointer"));
  }
  if (rows < 0 || cols < 0 || rows > 0x7fffffff || cols > 0x7fffffff) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": bad shape"));
  }
  if (rows == 0 || cols == 0) return absl::OkStatus();
  constexpr int kThreads = 256;
  return DispatchDType(dtype, [&]<typename T>() {
    auto launch = [&]<int kVec>() {
      const int64_t threads = rows * (cols / kVec);
      const auto blocks = static_cast<unsigned>((threads + kThreads - 1) / kThreads);
      return LaunchKernel(name, GatedActivationKernel<T, kVec, Activation>, blocks, kThreads, 0,
                          stream, static_cast<const T*>(gate_up), static_cast<T*>(out), rows, cols);
    };
    // 16-byte accesses where the rows allow them; else one element each.
    if (FitsWidePackets<T>(cols, {gate_up, out})) {
      return launch.template operator()<kWidePacket<T>>();
    }
    return launch.template operator()<1>();
  });
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CUH_
