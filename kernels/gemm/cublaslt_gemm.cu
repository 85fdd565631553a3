#include <cublasLt.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "kernels/common/cuda_status.h"
#include "kernels/gemm/cublaslt_gemm.h"

namespace llm::kernels {
namespace {

absl::Status LtStatus(cublasStatus_t status, const char* what) {
  if (status == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(what, ": ", cublasLtGetStatusName(status), ": ",
                                          cublasLtGetStatusString(status)));
}

// cuBLASLt is column-major: row-major Y[m, n] = X · Wᵀ is column-major Yᵀ[n, m] = W · Xᵀ,
// where W (row-major [n, k]) reads as column-major [k, n] and is transposed, and X
// (row-major [m, k]) reads as column-major [k, m] as it is.
struct Plan {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t w = nullptr, x = nullptr, y = nullptr;
  cublasLtMatmulAlgo_t algo;  // The one Run uses.
  // The heuristic's, best first. (An array: nvcc's front end crashes on a std::vector
  // of cuBLASLt's anonymous algorithm struct.)
  static constexpr int kMaxCandidates = 8;
  cublasLtMatmulAlgo_t candidates[kMaxCandidates];
  int candidate_count = 0;

  ~Plan() {
    if (y != nullptr) cublasLtMatrixLayoutDestroy(y);
    if (x != nullptr) cublasLtMatrixLayoutDestroy(x);
    if (w != nullptr) cublasLtMatrixLayoutDestroy(w);
    if (op != nullptr) cublasLtMatmulDescDestroy(op);
  }
};

}  // namespace

struct CublasLtGemm::State {
  cublasLtHandle_t handle = nullptr;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
  // (m, n, k, dtype, y dtype, bias) → plan.
  std::map<std::tuple<int64_t, int64_t, int64_t, DType, DType, bool>, std::unique_ptr<Plan>> plans;

  ~State() {
    plans.clear();
    if (workspace != nullptr) cudaFree(workspace);
    if (handle != nullptr) cublasLtDestroy(handle);
  }

  absl::StatusOr<Plan*> PlanFor(int64_t m, int64_t n, int64_t k, DType dtype, DType y_dtype,
                                bool bias) {
    const auto key = std::make_tuple(m, n, k, dtype, y_dtype, bias);
    auto it = plans.find(key);
    if (it != plans.end()) return it->second.get();
    auto plan = std::make_unique<Plan>();
    if (absl::Status s = Build(*plan, m, n, k, dtype, y_dtype, bias); !s.ok()) return s;
    return plans.emplace(key, std::move(plan)).first->second.get();
  }

  absl::Status Build(Plan& plan, int64_t m, int64_t n, int64_t k, DType dtype, DType y_dtype,
                     bool bias) {
    const cudaDataType_t type = dtype == DType::kF16 ? CUDA_R_16F : CUDA_R_16BF;
    const cudaDataType_t y_type = y_dtype == DType::kF32 ? CUDA_R_32F : type;
    const cublasOperation_t transpose = CUBLAS_OP_T;
    // The bias adds per row of the column-major result, that is per output feature; it is
    // in the output's type (cuBLASLt's default), which Run checks are the inputs'. Naming a
    // bias type apart from that made cuBLASLt refuse f32 outputs even without a bias.
    const cublasLtEpilogue_t epilogue = bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
    // Every call runs (they only fill host-side descriptors); the first failure is reported.
    for (const auto& [status, what] : {
             std::pair{cublasLtMatmulDescCreate(&plan.op, CUBLAS_COMPUTE_32F, CUDA_R_32F),
                       "cublasLtMatmulDescCreate"},
             std::pair{cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_TRANSA,
                                                      &transpose, sizeof(transpose)),
                       "cublasLtMatmulDescSetAttribute"},
             std::pair{cublasLtMatrixLayoutCreate(&plan.w, type, k, n, k), "layout of W"},
             std::pair{cublasLtMatrixLayoutCreate(&plan.x, type, k, m, k), "layout of X"},
             std::pair{cublasLtMatmulDescSetAttribute(plan.op, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                      &epilogue, sizeof(epilogue)),
                       "cublasLtMatmulDescSetAttribute"},
             std::pair{cublasLtMatrixLayoutCreate(&plan.y, y_type, n, m, n), "layout of Y"},
         }) {
      if (absl::Status s = LtStatus(status, what); !s.ok()) return s;
    }
    cublasLtMatmulPreference_t preference = nullptr;
    if (absl::Status s =
            LtStatus(cublasLtMatmulPreferenceCreate(&preference), "cublasLtMatmulPreferenceCreate");
        !s.ok()) {
      return s;
    }
    cublasLtMatmulHeuristicResult_t results[Plan::kMaxCandidates];
    int found = 0;
    cublasStatus_t status =
        cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                             &workspace_bytes, sizeof(workspace_bytes));
    if (status == CUBLAS_STATUS_SUCCESS) {
      status = cublasLtMatmulAlgoGetHeuristic(handle, plan.op, plan.w, plan.x, plan.y, plan.y,
                                              preference, Plan::kMaxCandidates, results, &found);
    }
    cublasLtMatmulPreferenceDestroy(preference);
    if (absl::Status s = LtStatus(status, "cublasLtMatmulAlgoGetHeuristic"); !s.ok()) return s;
    if (found == 0) {
      return absl::UnimplementedError(
          absl::StrCat("cuBLASLt has no algorithm for a ", m, "x", n, "x", k, " GEMM"));
    }
    for (int i = 0; i < found; ++i) plan.candidates[i] = results[i].algo;
    plan.candidate_count = found;
    plan.algo = plan.candidates[0];
    return absl::OkStatus();
  }
};

CublasLtGemm::CublasLtGemm(std::unique_ptr<State> state) : state_(std::move(state)) {}

CublasLtGemm::~CublasLtGemm() = default;

absl::StatusOr<std::unique_ptr<CublasLtGemm>> CublasLtGemm::Create(size_t workspace_bytes) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) return devices.status();
  auto state = std::make_unique<State>();
  if (absl::Status s = LtStatus(cublasLtCreate(&state->handle), "cublasLtCreate"); !s.ok()) {
    return s;
  }
  if (workspace_bytes > 0) {
    if (absl::Status s = CudaStatus(cudaMalloc(&state->workspace, workspace_bytes), "cudaMalloc");
        !s.ok()) {
      return s;
    }
  }
  state->workspace_bytes = workspace_bytes;
  return std::unique_ptr<CublasLtGemm>(new CublasLtGemm(std::move(state)));
}

absl::Status CublasLtGemm::Run(const void* x, const void* w, void* y, int64_t m, int64_t n,
                               int64_t k, DType dtype, cudaStream_t stream, const void* bias) {
  return Run(x, w, y, m, n, k, dtype, dtype, stream, bias);
}

absl::Status CublasLtGemm::Run(const void* x, const void* w, void* y, int64_t m, int64_t n,
                               int64_t k, DType dtype, DType y_dtype, cudaStream_t stream,
                               const void* bias) {
  if (x == nullptr || w == nullptr || y == nullptr) {
    return absl::InvalidArgumentError("CublasLtGemm: null pointer");
  }
  if (m <= 0 || n <= 0 || k <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("CublasLtGemm: bad shape ", m, "x", n, "x", k));
  }
  if ((dtype != DType::kF16 && dtype != DType::kBF16) ||
      (y_dtype != dtype && y_dtype != DType::kF32) || (bias != nullptr && y_dtype != dtype)) {
    return absl::InvalidArgumentError(
        "CublasLtGemm: f16 or bf16 inputs, output in their type or f32 (with a bias: their type)");
  }
  absl::StatusOr<Plan*> plan = state_->PlanFor(m, n, k, dtype, y_dtype, bias != nullptr);
  if (!plan.ok()) return plan.status();
  if (bias != nullptr) {
    if (absl::Status s =
            LtStatus(cublasLtMatmulDescSetAttribute((*plan)->op, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                    &bias, sizeof(bias)),
                     "cublasLtMatmulDescSetAttribute");
        !s.ok()) {
      return s;
    }
  }
  const float alpha = 1.0f, beta = 0.0f;
  return LtStatus(cublasLtMatmul(state_->handle, (*plan)->op, &alpha, w, (*plan)->w, x, (*plan)->x,
                                 &beta, y, (*plan)->y, y, (*plan)->y, &(*plan)->algo,
                                 state_->workspace, state_->workspace_bytes, stream),
                  "cublasLtMatmul");
}

absl::StatusOr<CublasLtGemm::Tuning> CublasLtGemm::Tune(const void* x, const void* w, void* y,
                                                        int64_t m, int64_t n, int64_t k,
                                                        DType dtype, cudaStream_t stream,
                                                        const void* bias, const Timer& time,
                                                        int candidates) {
  // Run checks the arguments and plans the shape.
  if (absl::Status s = Run(x, w, y, m, n, k, dtype, stream, bias); !s.ok()) return s;
  absl::StatusOr<Plan*> plan = state_->PlanFor(m, n, k, dtype, dtype, bias != nullptr);
  if (!plan.ok()) return plan.status();
  Plan& p = **plan;
  Tuning tuning;
  const cublasLtMatmulAlgo_t* best = nullptr;
  const int count = std::min(candidates, p.candidate_count);
  for (int i = 0; i < count; ++i) {
    p.algo = p.candidates[i];
    absl::StatusOr<float> us = time([&] { return Run(x, w, y, m, n, k, dtype, stream, bias); });
    if (!us.ok()) continue;  // Some algorithms refuse some pointers' alignment.
    if (i == 0) tuning.first_us = *us;
    if (best == nullptr || *us < tuning.best_us) {
      best = &p.candidates[i];
      tuning.best_us = *us;
    }
    ++tuning.tried;
  }
  if (best == nullptr) {
    p.algo = p.candidates[0];
    return absl::InternalError(
        absl::StrCat("CublasLtGemm::Tune: no algorithm ran a ", m, "x", n, "x", k, " product"));
  }
  p.algo = *best;
  return tuning;
}

size_t CublasLtGemm::plans() const { return state_->plans.size(); }

}  // namespace llm::kernels
