#include "engine/model/rope.h"

#include <cmath>

#include "gtest/gtest.h"

namespace llm {
namespace {

ModelConfig Config(RopeScaling scaling, int64_t context = 32) {
  ModelConfig c;
  c.head_dim = 16;
  c.rope_theta = 500.0f;
  c.context_length = context;
  c.rope_scaling = scaling;
  return c;
}

TEST(RopeTest, PlainFrequenciesFollowTheBase) {
  const std::vector<float> inv = RopeInvFreq(Config({}), 1);
  ASSERT_EQ(inv.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(inv[i], std::pow(500.0, -2.0 * i / 16), 1e-7);
}

TEST(RopeTest, YarnBlendsInterpolationAndExtrapolation) {
  // Correction range for beta 32/1 over 32 positions, head_dim 16, base 500: dims 0..3.
  // Dim i keeps (1 - i/3) of its own frequency and takes i/3 of frequency / factor.
  RopeScaling yarn;
  yarn.type = RopeScaling::kYarn;
  yarn.factor = 4.0;
  const std::vector<float> inv = RopeInvFreq(Config(yarn), 1);
  for (int i = 0; i < 8; ++i) {
    const double base = std::pow(500.0, -2.0 * i / 16);
    const double ramp = std::min(1.0, i / 3.0);
    EXPECT_NEAR(inv[i], base / 4.0 * ramp + base * (1 - ramp), 1e-6) << i;
  }
  EXPECT_NEAR(RopeAttentionFactor(Config(yarn)), 0.1 * std::log(4.0) + 1.0, 1e-6);
}

TEST(RopeTest, LinearDividesEveryFrequency) {
  RopeScaling linear;
  linear.type = RopeScaling::kLinear;
  linear.factor = 2.0;
  const std::vector<float> inv = RopeInvFreq(Config(linear), 1);
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(inv[i], std::pow(500.0, -2.0 * i / 16) / 2, 1e-7);
}

TEST(RopeTest, RotationKeepsLengthAndScalesByTheAttentionFactor) {
  float x[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  float cos[2], sin[2];
  RopeRotation(3, {0.5f, 0.25f}, 2.0f, cos, sin);
  ApplyRope(x, 4, RopeStyle::kHalfSplit, cos, sin);
  EXPECT_NEAR(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] + x[3] * x[3], 4 * 30.0f, 1e-4);
  // Pair 0 is (x[0], x[2]) rotated by 1.5 rad.
  EXPECT_NEAR(x[0], 2 * (1 * std::cos(1.5f) - 3 * std::sin(1.5f)), 1e-5);
}

}  // namespace
}  // namespace llm
