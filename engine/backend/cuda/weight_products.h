// The forward pass's products with a weight matrix, Y = X · Wᵀ (+ bias), on the GPU, and
// how each runs. A product runs one of four ways: cuBLASLt on bf16 weights; SkinnyGemm
// on bf16 weights (up to eight tokens a pass); the INT8 kernel on USE_INT's weights; or
// cuBLASLt on USE_INT's weights widened to bf16 first. A decode step's products (a
// handful of shapes, run again for every token generated) take whichever way, and
// whichever of cuBLASLt's candidate algorithms, ran fastest when each was timed on the
// card the first time the shape ran outside a CUDA graph capture, with the L2 cache
// overwritten before each run as a decode step finds it. Other steps' products (prefills,
// whose token counts vary) follow fixed rules: cuBLASLt's heuristic for bf16; for INT8,
// the INT8 kernel for one pass (up to eight tokens) and widening past that.
#ifndef LLM_ENGINE_BACKEND_CUDA_WEIGHT_PRODUCTS_H_
#define LLM_ENGINE_BACKEND_CUDA_WEIGHT_PRODUCTS_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/gemm/cublaslt_gemm.h"

namespace llm {

// Activations, weights and the KV cache on the GPU: bf16 has f32's range, so no model
// overflows.
inline constexpr kernels::DType kGpuActivations = kernels::DType::kBF16;
inline constexpr size_t kGpuActivationBytes = 2;

// A weight matrix on the GPU: bf16 rows, or INT8 rows with one f32 scale per row.
struct GpuMatrix {
  kernels::DeviceBuffer data;
  kernels::DeviceBuffer scales;  // Empty for bf16.
  int64_t rows = 0, cols = 0;
};

class WeightProducts {
 public:
  // `widening_elements`: the largest INT8 matrix's elements (0 without USE_INT), the room
  // for widening one to bf16.
  static absl::StatusOr<std::unique_ptr<WeightProducts>> Create(int64_t widening_elements);

  // Enqueues y = x · wᵀ (+ bias) for `tokens` rows of x in bf16 on `stream`. `decode`:
  // a decode step's product, timed every way the first time its shape runs eagerly.
  absl::Status Run(const GpuMatrix& w, const void* x, void* y, int64_t tokens,
                   const kernels::DeviceBuffer* bias, bool decode, cudaStream_t stream);

  // For products outside a weight matrix's (the LM head's f32 logits).
  kernels::CublasLtGemm& gemm() { return *gemm_; }

 private:
  enum class Way { kCublasLt, kSkinnyGemm, kInt8, kWidened };

  WeightProducts() = default;
  absl::Status RunWay(Way way, const GpuMatrix& w, const void* x, void* y, int64_t tokens,
                      const void* bias, cudaStream_t stream);
  // Times every way (and cuBLASLt's candidates) for the product; returns the fastest.
  absl::StatusOr<Way> TimeWays(const GpuMatrix& w, const void* x, void* y, int64_t tokens,
                               const void* bias, cudaStream_t stream);

  std::unique_ptr<kernels::CublasLtGemm> gemm_;
  kernels::DeviceBuffer widened_;
  // Per (tokens, rows, cols) of a decode step's product: the fastest way on this card.
  absl::flat_hash_map<std::tuple<int64_t, int64_t, int64_t>, Way> fastest_;
};

}  // namespace llm

#endif  // LLM_ENGINE_BACKEND_CUDA_WEIGHT_PRODUCTS_H_
