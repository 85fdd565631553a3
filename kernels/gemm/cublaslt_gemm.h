// Y = X · Wᵀ on the GPU through cuBLASLt: the projections of the forward pass. X is
// [m, k] (m tokens), W is [n, k] (nn.Linear's [out, in]) and Y is [m, n], all row-major
// in f16 or bf16, products accumulated in f32. cuBLASLt's heuristic picks an algorithm
// the first time a shape is seen; the choice and its descriptors are kept, so the GEMMs
// of a decode step plan nothing (and a CUDA graph can capture them).
#ifndef LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_
#define LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "kernels/common/device.h"
#include "kernels/common/dtype.h"

namespace llm::kernels {

class CublasLtGemm {
 public:
  // A handle and a `workspace_bytes` workspace on the current device; an error when
  // there is no GPU or cuBLASLt fails to start.
  static absl::StatusOr<std::unique_ptr<CublasLtGemm>> Create(size_t workspace_bytes = 32 << 20);
  ~CublasLtGemm();

  // Enqueues Y = X · Wᵀ (+ bias, [n] in dtype, when given) on `stream`; X and W are in
  // `dtype` (f16 or bf16), Y in `y_dtype` (dtype or f32: logits keep f32 precision). Not
  // thread-safe: one CublasLtGemm per stream.
  absl::Status Run(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k,
                   DType dtype, cudaStream_t stream, const void* bias = nullptr);
  absl::Status Run(const void* x, const void* w, void* y, int64_t m, int64_t n, int64_t k,
                   DType dtype, DType y_dtype, cudaStream_t stream, const void* bias = nullptr);

  // Shapes planned so far.
  size_t plans() const;

 private:
  struct State;
  explicit CublasLtGemm(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_
