// Reductions over a thread block (blockDim.x a multiple of 32, at most 1024): every
// thread gets the result. Each call syncs the block, so calls may follow each other.
#ifndef LLM_KERNELS_COMMON_BLOCK_REDUCE_CUH_
#define LLM_KERNELS_COMMON_BLOCK_REDUCE_CUH_

namespace llm::kernels {

struct SumOp {
  __device__ float operator()(float a, float b) const { return a + b; }
  static constexpr float kIdentity = 0.0f;
};
struct MaxOp {
  __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
  static constexpr float kIdentity = -__builtin_huge_valf();
};

// Op has operator()(T, T) and its identity, Op::kIdentity (of type T).
template <typename T, typename Op>
__device__ T BlockReduce(T value, Op op) {
  __shared__ T warp_results[32];
  for (int offset = 16; offset > 0; offset /= 2) {
    value = op(value, __shfl_xor_sync(0xffffffff, value, offset));
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();  // An earlier call's readers are done with warp_results.
  if (lane == 0) warp_results[warp] = value;
  __syncthreads();
  value = lane < static_cast<int>(blockDim.x / 32) ? warp_results[lane] : Op::kIdentity;
  for (int offset = 16; offset > 0; offset /= 2) {
    value = op(value, __shfl_xor_sync(0xffffffff, value, offset));
  }
  return value;
}

__device__ inline float BlockSum(float value) { return BlockReduce(value, SumOp()); }
__device__ inline float BlockMax(float value) { return BlockReduce(value, MaxOp()); }

struct MinIntOp {
  __device__ int operator()(int a, int b) const { return min(a, b); }
  static constexpr int kIdentity = 0x7fffffff;
};
struct MaxIntOp {
  __device__ int operator()(int a, int b) const { return max(a, b); }
  static constexpr int kIdentity = -0x7fffffff - 1;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_COMMON_BLOCK_REDUCE_CUH_
