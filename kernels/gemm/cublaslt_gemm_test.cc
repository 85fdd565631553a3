// CublasLtGemm on the GPU against a float64 host product, for f16 and bf16, on shapes of
// a decode step (one token), a batch and a prefill, on fresh random non-zero inputs with
// a poisoned output; a repeated shape reuses its plan. Skips visibly without a GPU,
// where Create must fail cleanly instead.
#include "kernels/gemm/cublaslt_gemm.h"

#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class CublasLtGemmTest : public testing::Test {};

using ElementTypes = testing::Types<__half, __nv_bfloat16>;
TYPED_TEST_SUITE(CublasLtGemmTest, ElementTypes);

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

TEST(CublasLtGemmSetupTest, FailsCleanlyWithoutAGpu) {
  if (CudaDeviceCount().ok()) GTEST_SKIP() << "a GPU is present";
  EXPECT_EQ(CublasLtGemm::Create().status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace llm::kernels
