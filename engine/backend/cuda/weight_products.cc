#include "engine/backend/cuda/weight_products.h"

#include <functional>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "kernels/common/cuda_stream.h"
#include "kernels/gemm/dequantize_int8.h"
#include "kernels/gemm/skinny_gemm.h"

namespace llm {
namespace {

using kernels::DeviceBuffer;

// The INT8 kernel reads each weight byte once per pass of 8 tokens, and with 8 tokens it
// is bound by its CUDA cores' arithmetic (on an H200, 2.5 times the bf16 product's time);
// widening the matrix to bf16 for the tensor cores moves 5 bytes per weight whatever the
// tokens. Past one pass, widening.
constexpr int64_t kInt8KernelTokens = kernels::kSkinnyGemmTokens;

}  // namespace

absl::StatusOr<std::unique_ptr<WeightProducts>> WeightProducts::Create(int64_t widening_elements) {
  std::unique_ptr<WeightProducts> products(new WeightProducts());
  ASSIGN_OR_RETURN(products->gemm_, kernels::CublasLtGemm::Create());
  if (widening_elements > 0) {
    ASSIGN_OR_RETURN(products->widened_,
                     DeviceBuffer::Allocate(widening_elements * kGpuActivationBytes));
  }
  return products;
}

absl::Status WeightProducts::RunWay(Way way, const GpuMatrix& w, const void* x, void* y,
                                    int64_t tokens, const void* bias, cudaStream_t stream) {
  const auto* scales = static_cast<const float*>(w.scales.data());
  switch (way) {
    case Way::kSkinnyGemm:
      return kernels::SkinnyGemm(x, w.data.data(), y, tokens, w.rows, w.cols, kGpuActivations,
                                 stream, bias);
    case Way::kInt8:
      return kernels::Int8WeightGemm(x, static_cast<const int8_t*>(w.data.data()), scales, y,
                                     tokens, w.rows, w.cols, kGpuActivations, stream, bias);
    case Way::kWidened:
      RETURN_IF_ERROR(kernels::DequantizeInt8Rows(static_cast<const int8_t*>(w.data.data()), scales,
                                                  widened_.data(), w.rows, w.cols, kGpuActivations,
                                                  stream));
      return gemm_->Run(x, widened_.data(), y, tokens, w.rows, w.cols, kGpuActivations, stream,
                        bias);
    case Way::kCublasLt:
      break;
  }
  return gemm_->Run(x, w.data.data(), y, tokens, w.rows, w.cols, kGpuActivations, stream, bias);
}

absl::Status WeightProducts::Run(const GpuMatrix& w, const void* x, void* y, int64_t tokens,
                                 const DeviceBuffer* bias, bool decode, cudaStream_t stream) {
  const void* b = bias != nullptr && bias->size() > 0 ? bias->data() : nullptr;
  const bool int8 = w.scales.size() > 0;
  const Way rule =
      !int8 ? Way::kCublasLt : (tokens <= kInt8KernelTokens ? Way::kInt8 : Way::kWidened);
  if (!decode) return RunWay(rule, w, x, y, tokens, b, stream);
  const auto shape = std::make_tuple(tokens, w.rows, w.cols);
  auto fastest = fastest_.find(shape);
  if (fastest == fastest_.end()) {
    // A capture cannot time: it takes the rule until the shape runs eagerly.
    if (kernels::IsCapturing(stream)) return RunWay(rule, w, x, y, tokens, b, stream);
    ASSIGN_OR_RETURN(const Way way, TimeWays(w, x, y, tokens, b, stream));
    fastest = fastest_.emplace(shape, way).first;
  }
  return RunWay(fastest->second, w, x, y, tokens, b, stream);
}

absl::StatusOr<WeightProducts::Way> WeightProducts::TimeWays(const GpuMatrix& w, const void* x,
                                                             void* y, int64_t tokens,
                                                             const void* bias,
                                                             cudaStream_t stream) {
  // Each run after the L2 cache was overwritten, as a decode step finds it: another
  // layer's weights went through it since.
  constexpr size_t kPastL2 = size_t{256} << 20;  // Twice the largest L2 (B200's 126 MB).
  absl::StatusOr<DeviceBuffer> flush = DeviceBuffer::Allocate(kPastL2);
  std::function<absl::Status()> evict;  // Without the memory to spare, timed warm.
  if (flush.ok()) evict = [&] { return flush->Fill(0, stream); };
  const kernels::CublasLtGemm::Timer time =
      [&](const std::function<absl::Status()>& launch) -> absl::StatusOr<float> {
    return kernels::MinLaunchMicros(stream, 3, launch, evict);
  };
  const bool int8 = w.scales.size() > 0;
  Way best = Way::kCublasLt;
  float best_us = std::numeric_limits<float>::infinity();
  std::string report;
  auto consider = [&](Way way, float us, const std::string& what) {
    absl::StrAppend(&report, report.empty() ? "" : ", ", what);
    if (us < best_us) {
      best = way;
      best_us = us;
    }
  };
  // cuBLASLt on the weights as stored, or widened (then the widening counts too).
  const void* weights = w.data.data();
  float widen_us = 0;
  if (int8) {
    auto widen = [&] {
      return kernels::DequantizeInt8Rows(static_cast<const int8_t*>(w.data.data()),
                                         static_cast<const float*>(w.scales.data()),
                                         widened_.data(), w.rows, w.cols, kGpuActivations, stream);
    };
    ASSIGN_OR_RETURN(widen_us, time(widen));
    weights = widened_.data();
  }
  ASSIGN_OR_RETURN(
      const kernels::CublasLtGemm::Tuning tuning,
      gemm_->Tune(x, weights, y, tokens, w.rows, w.cols, kGpuActivations, stream, bias, time));
  consider(int8 ? Way::kWidened : Way::kCublasLt, widen_us + tuning.best_us,
           absl::StrCat(int8 ? "widened and " : "", "cuBLASLt ", widen_us + tuning.best_us,
                        " us (the fastest of its ", tuning.tried, " candidates; its first choice ",
                        widen_us + tuning.first_us, " us)"));
  // The weight-streaming kernels, over one pass of tokens (both take eight).
  if (tokens <= kInt8KernelTokens) {
    const Way way = int8 ? Way::kInt8 : Way::kSkinnyGemm;
    ASSIGN_OR_RETURN(const float us,
                     time([&] { return RunWay(way, w, x, y, tokens, bias, stream); }));
    consider(way, us, absl::StrCat(int8 ? "the INT8 kernel " : "SkinnyGemm ", us, " us"));
  }
  LLM_LOG(INFO) << "timed a " << tokens << "-token product by " << w.rows << "x" << w.cols << ": "
                << report;
  return best;
}

}  // namespace llm
