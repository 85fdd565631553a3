// The gated activation kernels' shared test: out[r, c] = act(gate[r, c]) · up[r, c] for
// [rows, 2 · cols] inputs (gate columns, then up), on the GPU against `act` on the CPU
// in double, with random non-zero inputs and a poisoned output buffer.
#ifndef LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CHECK_H_
#define LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CHECK_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/test_element.h"

namespace llm::kernels {

// `launch` is the kernel's host launcher (gate_up, out, rows, cols, dtype, stream);
// gates reach ±max_gate.
template <typename T, typename Launch, typename Activation>
void ExpectGatedActivationMatches(Launch launch, Activation act, uint32_t seed, float max_gate) {
  using E = Element<T>;
  constexpr int64_t kRows = 37;  // More threads than one block has, at either width.
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> magnitude(0.05f, max_gate);
  // 1003 columns take the kernel's one-element path; 1024 its 16-byte one.
  for (const int64_t cols : {int64_t{1003}, int64_t{1024}}) {
    SCOPED_TRACE(testing::Message() << cols << " columns");
    std::vector<T> input(kRows * 2 * cols);
    for (T& x : input) x = E::From(RandomSigned(rng, magnitude));

    absl::StatusOr<DeviceBuffer> gate_up = DeviceBuffer::Allocate(input.size() * sizeof(T));
    absl::StatusOr<DeviceBuffer> out = DeviceBuffer::Allocate(kRows * cols * sizeof(T));
    ASSERT_TRUE(gate_up.ok() && out.ok());
    ASSERT_TRUE(gate_up->CopyFromHost(input.data(), gate_up->size()).ok());
    ASSERT_TRUE(out->Fill(0xff).ok());

    ASSERT_TRUE(launch(gate_up->data(), out->data(), kRows, cols, E::kDType, nullptr).ok());
    std::vector<T> result(kRows * cols);
    ASSERT_TRUE(out->CopyToHost(result.data(), out->size()).ok());

    for (int64_t r = 0; r < kRows; ++r) {
      for (int64_t c = 0; c < cols; ++c) {
        const double g = E::To(input[r * 2 * cols + c]);
        const double u = E::To(input[r * 2 * cols + cols + c]);
        const double expected = act(g) * u;
        const double got = E::To(result[r * cols + c]);
        ASSERT_NEAR(got, expected, E::kTolerance * (1.0 + std::fabs(expected)))
            << "row " << r << " col " << c << " gate " << g << " up " << u;
      }
    }
  }
}

}  // namespace llm::kernels

#endif  // LLM_KERNELS_ACTIVATION_GATED_ACTIVATION_CHECK_H_
