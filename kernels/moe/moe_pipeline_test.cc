// The four MoE kernels chained as a layer runs them: route, align, gather, a stand-in for
// the expert GEMMs (expert e scales its rows by e + 1, on the host), combine. The result
// must be sum over the token's k experts of weight · (id + 1) · x, from the host routing
// in double, so every kernel has to agree with the others on ids, order and weights.
// For each dtype; skips visibly without a GPU.
#include <cmath>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"
#include "kernels/moe/moe_align.h"
#include "kernels/moe/moe_gather.h"
#include "kernels/moe/moe_reference.h"
#include "kernels/moe/moe_scatter_reduce.h"
#include "kernels/moe/moe_topk_routing.h"

namespace llm::kernels {
namespace {

using testing_moe::ExpertCase;
using testing_moe::HostRouting;
using testing_moe::RouteOnHost;

template <typename T>
class MoePipelineTest : public testing::Test {};

TYPED_TEST_SUITE(MoePipelineTest, ElementTypes);

template <typename T>
std::vector<T> Download(const DeviceBuffer& buffer) {
  std::vector<T> host(buffer.size() / sizeof(T));
  EXPECT_TRUE(buffer.CopyToHost(host.data(), buffer.size()).ok());
  return host;
}

TYPED_TEST(MoePipelineTest, RouteAlignGatherScaleCombine) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  constexpr int64_t kTokens = 37, kHidden = 1003;
  for (const ExpertCase& test : {ExpertCase{8, 2}, ExpertCase{64, 6}}) {
    SCOPED_TRACE(testing::Message() << "experts " << test.experts << " k " << test.k);
    const int64_t experts = test.experts, k = test.k, assignments = kTokens * k;
    std::mt19937 rng(static_cast<int>(experts + k));
    std::uniform_real_distribution<float> logit(-4.0f, 4.0f), magnitude(0.05f, 3.0f);
    std::vector<float> logits(kTokens * experts);
    for (float& v : logits) v = logit(rng);
    std::vector<TypeParam> x(kTokens * kHidden);
    for (TypeParam& v : x) v = E::From(RandomSigned(rng, magnitude));

    auto allocate = [](size_t bytes) { return DeviceBuffer::Allocate(bytes); };
    absl::StatusOr<DeviceBuffer> d_logits =
        DeviceBuffer::FromHost(logits.data(), logits.size() * sizeof(float));
    absl::StatusOr<DeviceBuffer> d_x =
        DeviceBuffer::FromHost(x.data(), x.size() * sizeof(TypeParam));
    absl::StatusOr<DeviceBuffer> d_ids = allocate(assignments * sizeof(int32_t)),
                                 d_weights = allocate(assignments * sizeof(float)),
                                 d_counts = allocate(experts * sizeof(int32_t)),
                                 d_offsets = allocate((experts + 1) * sizeof(int32_t)),
                                 d_sorted = allocate(assignments * sizeof(int32_t)),
                                 d_positions = allocate(assignments * sizeof(int32_t)),
                                 d_gathered = allocate(assignments * kHidden * sizeof(TypeParam)),
                                 d_out = allocate(kTokens * kHidden * sizeof(TypeParam));
    ASSERT_TRUE(d_logits.ok() && d_x.ok() && d_ids.ok() && d_weights.ok() && d_counts.ok() &&
                d_offsets.ok() && d_sorted.ok() && d_positions.ok() && d_gathered.ok() &&
                d_out.ok());
    for (DeviceBuffer* buffer : {&*d_ids, &*d_weights, &*d_counts, &*d_offsets, &*d_sorted,
                                 &*d_positions, &*d_gathered, &*d_out}) {
      ASSERT_TRUE(buffer->Fill(0xff).ok());
    }

    auto* ids = static_cast<int32_t*>(d_ids->data());
    auto* weights = static_cast<float*>(d_weights->data());
    auto* sorted = static_cast<int32_t*>(d_sorted->data());
    auto* positions = static_cast<int32_t*>(d_positions->data());
    ASSERT_TRUE(MoeTopKRouting(static_cast<const float*>(d_logits->data()), ids, weights, kTokens,
                               experts, k, /*renormalize=*/true, nullptr)
                    .ok());
    ASSERT_TRUE(MoeAlign(ids, static_cast<int32_t*>(d_counts->data()),
                         static_cast<int32_t*>(d_offsets->data()), sorted, positions, kTokens, k,
                         experts, nullptr)
                    .ok());
    ASSERT_TRUE(
        MoeGather(d_x->data(), sorted, d_gathered->data(), kTokens, k, kHidden, E::kDType, nullptr)
            .ok());

    // The experts: rows [offsets[e], offsets[e + 1]) belong to expert e.
    const std::vector<int32_t> offsets = Download<int32_t>(*d_offsets);
    std::vector<TypeParam> expert_out = Download<TypeParam>(*d_gathered);
    ASSERT_EQ(offsets[experts], assignments);
    for (int64_t e = 0; e < experts; ++e) {
      for (int64_t p = offsets[e]; p < offsets[e + 1]; ++p) {
        for (int64_t c = 0; c < kHidden; ++c) {
          TypeParam& v = expert_out[p * kHidden + c];
          v = E::From(static_cast<float>(e + 1) * E::To(v));
        }
      }
    }
    ASSERT_TRUE(d_gathered->CopyFromHost(expert_out.data(), d_gathered->size()).ok());
    ASSERT_TRUE(MoeScatterReduce(d_gathered->data(), positions, weights, d_out->data(), kTokens, k,
                                 kHidden, E::kDType, nullptr)
                    .ok());

    const HostRouting routing = RouteOnHost(logits, kTokens, experts, k, true);
    const std::vector<TypeParam> out = Download<TypeParam>(*d_out);
    for (int64_t t = 0; t < kTokens; ++t) {
      for (int64_t c = 0; c < kHidden; ++c) {
        double expected = 0;
        for (int64_t s = 0; s < k; ++s) {
          const float scale = static_cast<float>(routing.expert_ids[t * k + s] + 1);
          expected +=
              routing.weights[t * k + s] * E::To(E::From(scale * E::To(x[t * kHidden + c])));
        }
        ASSERT_NEAR(E::To(out[t * kHidden + c]), expected,
                    E::kTolerance * (1.0 + std::fabs(expected)))
            << "token " << t << " col " << c;
      }
    }
  }
}

}  // namespace
}  // namespace llm::kernels
