#include "engine/backend/cpu/vec.h"

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace llm::cpu {
namespace {

TEST(VecTest, ExpMatchesLibm) {
  std::vector<float> x;
  for (float v = -100.0f; v <= 20.0f; v += 0.0137f) x.push_back(v);
  std::vector<float> y = x;
  const float sum = ExpInPlace(y.data(), static_cast<int64_t>(y.size()), 1.5f);
  double expected_sum = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = std::exp(double{x[i] - 1.5f});  // The shift is applied in float.
    expected_sum += expected;
    if (x[i] - 1.5f > -87.0f) {
      ASSERT_NEAR(y[i], expected, 3e-7 * expected) << x[i];
    }
    ASSERT_GE(y[i], 0.0f);
  }
  EXPECT_NEAR(sum, expected_sum, 1e-6 * expected_sum);
  // The same sum without storing the terms (x is about 8760 long: blocks of 1024 and a
  // tail).
  EXPECT_NEAR(SumExp(x.data(), static_cast<int64_t>(x.size()), 1.5f), expected_sum,
              1e-6 * expected_sum);
}

TEST(VecTest, AnInfiniteMaskWeighsNothing) {
  std::vector<float> x(16, 0.5f);
  x[3] = -INFINITY;
  x[12] = -INFINITY;  // In the vector body and in the tail.
  x.resize(13);
  const float sum = ExpInPlace(x.data(), static_cast<int64_t>(x.size()), 0.5f);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_EQ(x[12], 0.0f);
  EXPECT_FLOAT_EQ(sum, 11.0f);
}

TEST(VecTest, SiluMulMatchesTheFormula) {
  // Gates from −120 to 120 (past e^±88, where float exp overflows) and a tail that is not
  // a multiple of eight.
  std::vector<float> gate, up;
  for (float v = -120.0f; v <= 120.0f; v += 0.0731f) {
    gate.push_back(v);
    up.push_back(0.5f + std::fmod(v * 7.0f, 3.0f));
  }
  std::vector<float> out(gate.size(), NAN);
  SiluMul(gate.data(), up.data(), static_cast<int64_t>(gate.size()), out.data());
  for (size_t i = 0; i < gate.size(); ++i) {
    const double g = gate[i], expected = g / (1.0 + std::exp(-g)) * up[i];
    ASSERT_NEAR(out[i], expected, 4e-7 * std::fabs(expected) + 1e-30) << g;
  }
}

TEST(VecTest, SoftmaxSumsToOneAndKeepsOrder) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 5.0f);
  for (int n : {1, 7, 8, 33, 1000}) {
    std::vector<float> x(n);
    for (float& v : x) v = normal(rng);
    std::vector<float> p = x;
    Softmax(p.data(), n);
    EXPECT_NEAR(std::accumulate(p.begin(), p.end(), 0.0), 1.0, 1e-5);
    for (int i = 1; i < n; ++i) ASSERT_EQ(x[i] > x[0], p[i] > p[0]);
  }
}

TEST(VecTest, DotAndRmsNorm) {
  std::vector<float> a(77), b(77), w(77, 2.0f), out(77);
  double dot = 0, squares = 0;
  for (int i = 0; i < 77; ++i) {
    a[i] = 0.1f * i - 3.0f;
    b[i] = 1.0f / (i + 1);
    dot += double{a[i]} * b[i];
    squares += double{a[i]} * a[i];
  }
  EXPECT_NEAR(Dot(a.data(), b.data(), 77), dot, 1e-5);
  RmsNorm(a.data(), w.data(), 1e-6f, 77, out.data());
  EXPECT_NEAR(out[5], a[5] / std::sqrt(squares / 77 + 1e-6) * 2.0, 1e-5);
}

}  // namespace
}  // namespace llm::cpu
