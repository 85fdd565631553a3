#include <algorithm>

#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/common/element.cuh"
#include "kernels/gemm/dequantize_int8.h"

namespace llm::kernels {
namespace {

constexpr int kChunk = 16;  // Weights per thread: one 16-byte load.
constexpr int kThreads = 256;

// A thread per 16 weights of a row (one 16-byte load, stored as one packet): grid-stride
// over the n·k/16 chunks.
template <typename T>
__global__ void DequantizeInt8RowsKernel(const int8_t* __restrict__ q,
                                         const float* __restrict__ scales, T* __restrict__ w,
                                         int64_t n, int64_t k) {
  const int64_t chunks = n * (k / kChunk), chunks_per_row = k / kChunk;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < chunks;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const float scale = scales[i / chunks_per_row];
    const int4 packed = reinterpret_cast<const int4*>(q)[i];
    const int8_t* q8 = reinterpret_cast<const int8_t*>(&packed);
    Packet<T, kChunk> out;
#pragma unroll
    for (int j = 0; j < kChunk; ++j) out.v[j] = FromFloat<T>(scale * q8[j]);
    reinterpret_cast<Packet<T, kChunk>*>(w)[i] = out;
  }
}

}  // namespace

absl::Status DequantizeInt8Rows(const int8_t* q, const float* scales, void* w, int64_t n, int64_t k,
                                DType dtype, cudaStream_t stream) {
  if (q == nullptr || scales == nullptr || w == nullptr) {
    return absl::InvalidArgumentError("DequantizeInt8Rows: null pointer");
  }
  if (n < 0 || k <= 0 || k % kChunk != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("DequantizeInt8Rows: k = ", k, " must be a positive multiple of ", kChunk));
  }
  if (reinterpret_cast<uintptr_t>(q) % 16 != 0) {
    return absl::InvalidArgumentError("DequantizeInt8Rows: weights must be 16-byte aligned");
  }
  if (n == 0) return absl::OkStatus();
  const int64_t chunks = n * (k / kChunk);
  const auto blocks = static_cast<unsigned>(
      std::min<int64_t>((chunks + kThreads - 1) / kThreads, int64_t{1} << 16));
  return DispatchDType(dtype, [&]<typename T>() {
    // W is written 16 elements at a time.
    if (reinterpret_cast<uintptr_t>(w) % alignof(Packet<T, kChunk>) != 0) {
      return absl::InvalidArgumentError("DequantizeInt8Rows: W must be aligned to 16 elements");
    }
    DequantizeInt8RowsKernel<T>
        <<<blocks, kThreads, 0, stream>>>(q, scales, static_cast<T*>(w), n, k);
    return LaunchStatus("DequantizeInt8RowsKernel");
  });
}

}  // namespace llm::kernels
