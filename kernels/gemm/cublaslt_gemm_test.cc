// CublasLtGemm on the GPU against a float64 host product, for f16 and bf16, on shapes of
// a decode step (one token), a batch and a prefill, on fresh random non-zero inputs with
// a poisoned output; a repeated shape reuses its plan; every algorithm Tune times gives
// the same product, and the one it keeps too. Skips visibly without a GPU, where Create
// must fail cleanly instead.
#include "kernels/gemm/cublaslt_gemm.h"

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "common/status_macros.h"
#include "gtest/gtest.h"
#include "kernels/common/cuda_stream.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class CublasLtGemmTest : public testing::Test {};

using HalfTypes = testing::Types<__half, __nv_bfloat16>;  // cuBLASLt takes 16-bit inputs.
TYPED_TEST_SUITE(CublasLtGemmTest, HalfTypes);

TYPED_TEST(CublasLtGemmTest, MatchesAFloat64Product) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<TypeParam>;
  absl::StatusOr<std::unique_ptr<CublasLtGemm>> gemm = CublasLtGemm::Create();
  ASSERT_TRUE(gemm.ok()) << gemm.status();
  std::mt19937 rng(77);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  struct Shape {
    int64_t m, n, k;
  };
  for (const Shape s : {Shape{1, 768, 1024}, Shape{13, 1000, 512}, Shape{256, 384, 4096}}) {
    std::vector<TypeParam> x(s.m * s.k), w(s.n * s.k);
    for (TypeParam& v : x) v = E::From(normal(rng));
    for (TypeParam& v : w) v = E::From(normal(rng) * 0.05f);
    absl::StatusOr<DeviceBuffer> dx =
        DeviceBuffer::FromHost(x.data(), x.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> dw =
        DeviceBuffer::FromHost(w.data(), w.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(s.m * s.n * sizeof(TypeParam));
    ASSERT_TRUE(dx.ok() && dw.ok() && dy.ok());
    for (int repeat = 0; repeat < 2; ++repeat) {
      ASSERT_TRUE(dy->Fill(0xff).ok());
      ASSERT_TRUE(
          (*gemm)->Run(dx->data(), dw->data(), dy->data(), s.m, s.n, s.k, E::kDType, nullptr).ok());
      std::vector<TypeParam> y(s.m * s.n);
      ASSERT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
      double error = 0, norm = 0;
      for (int64_t i = 0; i < s.m; ++i) {
        for (int64_t j = 0; j < s.n; ++j) {
          double expected = 0;
          for (int64_t c = 0; c < s.k; ++c) {
            expected += double{E::To(x[i * s.k + c])} * E::To(w[j * s.k + c]);
          }
          const double got = E::To(y[i * s.n + j]);
          ASSERT_FALSE(std::isnan(got)) << "unwritten output " << i << "," << j;
          error += (got - expected) * (got - expected);
          norm += expected * expected;
        }
      }
      EXPECT_LT(std::sqrt(error / norm), 1e-2) << s.m << "x" << s.n << "x" << s.k;
    }
  }
  EXPECT_EQ((*gemm)->plans(), 3u);  // One per shape, reused on the repeat.
}

// Random bf16 operands of a biased product, Y = X · Wᵀ + bias: X [m, k], W [n, k], the
// bias [n], on the host and on the device.
struct BiasedOperands {
  int64_t m, n, k;
  std::vector<__nv_bfloat16> x, w, bias;
  DeviceBuffer dx, dw, db;

  // Σ_c x[i, c] · w[j, c] in float64, without the bias.
  double Product(int64_t i, int64_t j) const {
    using E = Element<__nv_bfloat16>;
    double sum = 0;
    for (int64_t c = 0; c < k; ++c) sum += double{E::To(x[i * k + c])} * E::To(w[j * k + c]);
    return sum;
  }
};

absl::StatusOr<BiasedOperands> RandomBiasedOperands(int64_t m, int64_t n, int64_t k,
                                                    uint32_t seed) {
  using E = Element<__nv_bfloat16>;
  BiasedOperands o{.m = m, .n = n, .k = k, .x = {}, .w = {}, .bias = {}};
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t i = 0; i < m * k; ++i) o.x.push_back(E::From(normal(rng)));
  for (int64_t i = 0; i < n * k; ++i) o.w.push_back(E::From(normal(rng) * 0.05f));
  for (int64_t i = 0; i < n; ++i) o.bias.push_back(E::From(normal(rng)));
  ASSIGN_OR_RETURN(o.dx, DeviceBuffer::FromHost(o.x.data(), o.x.size() * 2));
  ASSIGN_OR_RETURN(o.dw, DeviceBuffer::FromHost(o.w.data(), o.w.size() * 2));
  ASSIGN_OR_RETURN(o.db, DeviceBuffer::FromHost(o.bias.data(), o.bias.size() * 2));
  return o;
}

// The two variants the forward pass uses: Q, K and V with their bias (Qwen2), and the LM
// head writing f32 logits.
TEST(CublasLtGemmVariantsTest, BiasAndF32Output) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<__nv_bfloat16>;
  absl::StatusOr<std::unique_ptr<CublasLtGemm>> gemm = CublasLtGemm::Create();
  ASSERT_TRUE(gemm.ok()) << gemm.status();
  constexpr int64_t kM = 5, kN = 520, kK = 896;
  absl::StatusOr<BiasedOperands> o = RandomBiasedOperands(kM, kN, kK, 5);
  ASSERT_TRUE(o.ok()) << o.status();
  absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(kM * kN * 2);
  absl::StatusOr<DeviceBuffer> dl = DeviceBuffer::Allocate(kM * kN * 4);
  ASSERT_TRUE(dy.ok() && dl.ok());
  ASSERT_TRUE(dy->Fill(0xff).ok() && dl->Fill(0xff).ok());
  ASSERT_TRUE((*gemm)
                  ->Run(o->dx.data(), o->dw.data(), dy->data(), kM, kN, kK, DType::kBF16, nullptr,
                        o->db.data())
                  .ok());
  ASSERT_TRUE((*gemm)
                  ->Run(o->dx.data(), o->dw.data(), dl->data(), kM, kN, kK, DType::kBF16,
                        DType::kF32, nullptr)
                  .ok());
  std::vector<__nv_bfloat16> y(kM * kN);
  std::vector<float> logits(kM * kN);
  ASSERT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
  ASSERT_TRUE(dl->CopyToHost(logits.data(), dl->size()).ok());
  for (int64_t i = 0; i < kM; ++i) {
    for (int64_t j = 0; j < kN; ++j) {
      const double product = o->Product(i, j);
      const double with_bias = product + E::To(o->bias[j]);
      ASSERT_NEAR(E::To(y[i * kN + j]), with_bias, 2e-2 * (1 + std::fabs(with_bias)))
          << i << "," << j;
      ASSERT_NEAR(logits[i * kN + j], product, 1e-3 * (1 + std::fabs(product))) << i << "," << j;
    }
  }
}

TEST(CublasLtGemmTuneTest, EveryCandidateAndTheKeptOneComputeTheProduct) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
  using E = Element<__nv_bfloat16>;
  absl::StatusOr<std::unique_ptr<CublasLtGemm>> gemm = CublasLtGemm::Create();
  ASSERT_TRUE(gemm.ok()) << gemm.status();
  constexpr int64_t kM = 8, kN = 1024, kK = 2048;
  absl::StatusOr<BiasedOperands> o = RandomBiasedOperands(kM, kN, kK, 9);
  ASSERT_TRUE(o.ok()) << o.status();
  std::vector<double> expected(kM * kN);
  for (int64_t i = 0; i < kM; ++i) {
    for (int64_t j = 0; j < kN; ++j) expected[i * kN + j] = o->Product(i, j) + E::To(o->bias[j]);
  }
  absl::StatusOr<DeviceBuffer> dy = DeviceBuffer::Allocate(kM * kN * 2);
  ASSERT_TRUE(dy.ok());
  // The relative RMS error of the product now in dy, against a poisoned start.
  auto error = [&]() -> double {
    std::vector<__nv_bfloat16> y(kM * kN);
    EXPECT_TRUE(dy->CopyToHost(y.data(), dy->size()).ok());
    double squared = 0, norm = 0;
    for (int64_t i = 0; i < kM * kN; ++i) {
      const double d = E::To(y[i]) - expected[i];
      squared += d * d;
      norm += expected[i] * expected[i];
    }
    return std::sqrt(squared / norm);  // NaN where an output went unwritten.
  };
  int timed = 0;
  const CublasLtGemm::Timer time =
      [&](const std::function<absl::Status()>& launch) -> absl::StatusOr<float> {
    if (absl::Status s = dy->Fill(0xff); !s.ok()) return s;
    absl::StatusOr<float> us = MinLaunchMicros(nullptr, 2, launch);
    if (us.ok()) {
      ++timed;
      EXPECT_LT(error(), 1e-2) << "candidate " << timed;
    }
    return us;
  };
  absl::StatusOr<CublasLtGemm::Tuning> tuning =
      (*gemm)->Tune(o->dx.data(), o->dw.data(), dy->data(), kM, kN, kK, DType::kBF16, nullptr,
                    o->db.data(), time);
  ASSERT_TRUE(tuning.ok()) << tuning.status();
  EXPECT_EQ(tuning->tried, timed);
  EXPECT_GE(timed, 1);
  EXPECT_GT(tuning->best_us, 0.0f);
  EXPECT_LE(tuning->best_us, tuning->first_us);
  ASSERT_TRUE(dy->Fill(0xff).ok());
  ASSERT_TRUE((*gemm)
                  ->Run(o->dx.data(), o->dw.data(), dy->data(), kM, kN, kK, DType::kBF16, nullptr,
                        o->db.data())
                  .ok());
  EXPECT_LT(error(), 1e-2) << "the algorithm kept";
}

TEST(CublasLtGemmSetupTest, FailsCleanlyWithoutAGpu) {
  if (CudaDeviceCount().ok()) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(CublasLtGemm::Create().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace llm::kernels
