// EmbeddingGather on the GPU against a host lookup, for each dtype, with a poisoned
// output and an out-of-range id. Skips visibly without a GPU.
#include "kernels/embedding/embedding_gather.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {
namespace {

template <typename T>
class EmbeddingGatherTest : public testing::Test {};

TYPED_TEST_SUITE(EmbeddingGatherTest, ElementTypes);

TYPED_TEST(EmbeddingGatherTest, CopiesTheRowsOfTheIds) {
  absl::StatusOr<int> devices = CudaDeviceCount();
  if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();

  using E = Element<TypeParam>;
  constexpr int64_t kVocab = 301, kHidden = 1003;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> value(-3.0f, 3.0f);
  std::vector<TypeParam> table(kVocab * kHidden);
  for (TypeParam& v : table) v = E::From(value(rng));
  const std::vector<int32_t> ids = {5, 0, 300, 5, 123, -1, 301, 42};

  absl::StatusOr<DeviceBuffer> d_table = DeviceBuffer::Allocate(table.size() * sizeof(TypeParam));
  absl::StatusOr<DeviceBuffer> d_ids = DeviceBuffer::Allocate(ids.size() * sizeof(int32_t));
  absl::StatusOr<DeviceBuffer> d_out =
      DeviceBuffer::Allocate(ids.size() * kHidden * sizeof(TypeParam));
  ASSERT_TRUE(d_table.ok() && d_ids.ok() && d_out.ok());
  ASSERT_TRUE(d_table->CopyFromHost(table.data(), d_table->size()).ok());
  ASSERT_TRUE(d_ids->CopyFromHost(ids.data(), d_ids->size()).ok());
  ASSERT_TRUE(d_out->Fill(0xff).ok());
  ASSERT_TRUE(EmbeddingGather(d_table->data(), static_cast<const int32_t*>(d_ids->data()),
                              d_out->data(), static_cast<int64_t>(ids.size()), kVocab, kHidden,
                              E::kDType, nullptr)
                  .ok());
  std::vector<TypeParam> out(ids.size() * kHidden);
  ASSERT_TRUE(d_out->CopyToHost(out.data(), d_out->size()).ok());
  for (size_t t = 0; t < ids.size(); ++t) {
    const bool valid = ids[t] >= 0 && ids[t] < kVocab;
    for (int64_t c = 0; c < kHidden; ++c) {
      const float expected = valid ? E::To(table[ids[t] * kHidden + c]) : 0.0f;
      ASSERT_EQ(E::To(out[t * kHidden + c]), expected) << "token " << t << " col " << c;
    }
  }
}

TEST(EmbeddingGatherArgumentsTest, RejectsNullPointersWithoutTouchingTheDevice) {
  EXPECT_EQ(EmbeddingGather(nullptr, nullptr, nullptr, 1, 1, 1, DType::kF32, nullptr).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace llm::kernels
