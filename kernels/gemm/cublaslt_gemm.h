// Y = X · Wᵀ on the GPU through cuBLASLt: the projections of the forward pass. X is
// [m, k] (m tokens), W is [n, k] (nn.Linear's [out, in]) and Y is [m, n], all row-major
// in f16 or bf16, products accumulated in f32. cuBLASLt's heuristic picks an algorithm
// the first time a shape is seen; the choice and its descriptors are kept, so the GEMMs
// of a decode step plan nothing (and a CUDA graph can capture them). Tune replaces the
// heuristic's first choice with the fastest of its candidates as timed on the card.
#ifndef LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_
#define LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
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

  // What Tune found: the times of the heuristic's first choice and of the fastest of the
  // `tried` candidates, in microseconds.
  struct Tuning {
    float first_us = 0, best_us = 0;
    int tried = 0;
  };
  // Times Y = X · Wᵀ (as Run would compute it) with each of up to `candidates` algorithms
  // cuBLASLt's heuristic offers for the shape, through `time` (which enqueues its
  // argument, waits, and returns microseconds), and keeps the fastest for the shape from
  // then on. A candidate that fails is skipped; an error if none runs.
  using Timer = std::function<absl::StatusOr<float>(const std::function<absl::Status()>&)>;
  absl::StatusOr<Tuning> Tune(const void* x, const void* w, void* y, int64_t m, int64_t n,
                              int64_t k, DType dtype, cudaStream_t stream, const void* bias,
                              const Timer& time, int candidates = 8);

  // Shapes planned so far.
  size_t plans() const;

 private:
  struct State;
  explicit CublasLtGemm(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace llm::kernels

#endif  // LLM_KERNELS_GEMM_CUBLASLT_GEMM_H_
