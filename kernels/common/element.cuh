// Device-side element conversions (math is in fp32 whatever the storage type) and the
// dispatch from a DType to the element type a kernel template is instantiated for.
// Included by .cu files only.
#ifndef LLM_KERNELS_COMMON_ELEMENT_CUH_
#define LLM_KERNELS_COMMON_ELEMENT_CUH_

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <initializer_list>

#include "absl/status/status.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

__device__ __forceinline__ float ToFloat(float x) { return x; }
__device__ __forceinline__ float ToFloat(__half x) { return __half2float(x); }
__device__ __forceinline__ float ToFloat(__nv_bfloat16 x) { return __bfloat162float(x); }
// INT8 weights (USE_INT) are read as floats too. Declared here with the others: an
// overload in a kernel's own namespace would hide these, and a bf16 would then convert
// to int8_t.
__device__ __forceinline__ float ToFloat(int8_t x) { return static_cast<float>(x); }

// kCount adjacent elements loaded or stored as one access (16 bytes when kCount ·
// sizeof(T) is), for kernels that read rows in wide pieces.
template <typename T, int kCount>
struct alignas(sizeof(T) * kCount) Packet {
  T v[kCount];
};

// Elements of T in one 16-byte packet.
template <typename T>
inline constexpr int kWidePacket = 16 / sizeof(T);

// Whether rows of `row_elements` elements at each of `pointers` can be read in 16-byte
// packets: every row a whole number of them, every row start 16-byte aligned.
template <typename T>
bool FitsWidePackets(int64_t row_elements, std::initializer_list<const void*> pointers) {
  if (row_elements % kWidePacket<T> != 0) return false;
  for (const void* p : pointers) {
    if (reinterpret_cast<uintptr_t>(p) % 16 != 0) return false;
  }
  return true;
}

template <typename T>
__device__ __forceinline__ T FromFloat(float x);
template <>
__device__ __forceinline__ float FromFloat<float>(float x) {
  return x;
}
template <>
__device__ __forceinline__ __half FromFloat<__half>(float x) {
  return __float2half_rn(x);
}
template <>
__device__ __forceinline__ __nv_bfloat16 FromFloat<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

// Calls launch.template operator()<T>() for the element type of `dtype`.
template <typename Launch>
absl::Status DispatchDType(DType dtype, Launch launch) {
  switch (dtype) {
    case DType::kF32:
      return launch.template operator()<float>();
    case DType::kF16:
      return launch.template operator()<__half>();
    case DType::kBF16:
      return launch.template operator()<__nv_bfloat16>();
  }
  return absl::InvalidArgumentError("unknown dtype");
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_ELEMENT_CUH_
