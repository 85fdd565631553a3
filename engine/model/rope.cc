#include "engine/model/rope.h"

#include <algorithm>
#include <cmath>

namespace llm {
namespace {

constexpr double kPi = 3.14159265358979323846;

// yarn: the dimension index whose wavelength fits `rotations` times in the context.
double CorrectionDim(double rotations, int64_t dim, double base, double context) {
  return dim * std::log(context / (rotations * 2 * kPi)) / (2 * std::log(base));
}

}  // namespace

std::vector<float> RopeInvFreq(const ModelConfig& c, int64_t seq_len) {
  const RopeScaling& s = c.rope_scaling;
  const int64_t dim = c.head_dim, half = dim / 2;
  double base = c.rope_theta;
  if (s.type == RopeScaling::kDynamic && seq_len > c.context_length) {
    base *= std::pow(s.factor * seq_len / c.context_length - (s.factor - 1.0),
                     static_cast<double>(dim) / (dim - 2));
  }
  std::vector<double> inv(half);
  for (int64_t i = 0; i < half; ++i) inv[i] = std::pow(base, -2.0 * i / dim);

  switch (s.type) {
    case RopeScaling::kNone:
    case RopeScaling::kDynamic:
      break;
    case RopeScaling::kLinear:
      for (double& f : inv) f /= s.factor;
      break;
    case RopeScaling::kLlama3: {
      const double low_wavelen = s.original_context / s.low_freq_factor;
      const double high_wavelen = s.original_context / s.high_freq_factor;
      for (double& f : inv) {
        const double wavelen = 2 * kPi / f;
        if (wavelen < high_wavelen) continue;
        if (wavelen > low_wavelen) {
          f /= s.factor;
          continue;
        }
        const double smooth = (s.original_context / wavelen - s.low_freq_factor) /
                              (s.high_freq_factor - s.low_freq_factor);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
      break;
    }
    case RopeScaling::kYarn: {
      const double context =
          s.correction_context > 0 ? s.correction_context : static_cast<double>(c.context_length);
      const double low =
          std::max(0.0, std::floor(CorrectionDim(s.beta_fast, dim, c.rope_theta, context)));
      const double high = std::min<double>(
          dim - 1, std::ceil(CorrectionDim(s.beta_slow, dim, c.rope_theta, context)));
      for (int64_t i = 0; i < half; ++i) {
        // Linear ramp from extrapolation (below `low`) to interpolation (above `high`).
        const double ramp = std::clamp((i - low) / std::max(high - low, 1e-3), 0.0, 1.0);
        const double extrapolation = 1.0 - ramp;
        inv[i] = inv[i] / s.factor * (1 - extrapolation) + inv[i] * extrapolation;
      }
      break;
    }
  }
  for (size_t i = 0; i < c.rope_freq_factors.size(); ++i) inv[i] /= c.rope_freq_factors[i];
  return std::vector<float>(inv.begin(), inv.end());
}

float RopeAttentionFactor(const ModelConfig& c) {
  const RopeScaling& s = c.rope_scaling;
  if (s.type != RopeScaling::kYarn) return 1.0f;
  if (s.attention_factor > 0) return s.attention_factor;
  return static_cast<float>(0.1 * std::log(s.factor) + 1.0);
}

void RopeRotation(int64_t position, const std::vector<float>& inv_freq, float attention_factor,
                  float* cos, float* sin) {
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    const float angle = static_cast<float>(position) * inv_freq[i];
    cos[i] = std::cos(angle) * attention_factor;
    sin[i] = std::sin(angle) * attention_factor;
  }
}

void ApplyRope(float* x, int64_t head_dim, RopeStyle style, const float* cos, const float* sin) {
  const int64_t half = head_dim / 2;
  for (int64_t i = 0; i < half; ++i) {
    float& a = style == RopeStyle::kAdjacentPairs ? x[2 * i] : x[i];
    float& b = style == RopeStyle::kAdjacentPairs ? x[2 * i + 1] : x[i + half];
    const float a0 = a, b0 = b;
    a = a0 * cos[i] - b0 * sin[i];
    b = a0 * sin[i] + b0 * cos[i];
  }
}

}  // namespace llm
