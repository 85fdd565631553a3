// Sampler benchmark (not a test): microseconds to draw one token from a row of logits,
// for the vocabulary sizes of Llama 2 (32000) and Qwen2 (152064) and the sampling settings
// requests send most (the OpenAI default temperature 1; nucleus sampling; top-k), median
// of 201 draws. Every sequence samples once per decode step on the engine loop's thread,
// so at batch 32 a step spends 32 of these.
//   bazel run -c opt //tools/bench:sampler_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "engine/sampling/sampler.h"

int main() {
  std::printf("vocab    temperature  top_p  top_k  us_per_draw\n");
  for (const int vocab : {32000, 152064}) {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 3.0f);
    std::vector<float> logits(vocab);
    for (float& v : logits) v = normal(rng);
    for (const llm::SamplingConfig config :
         {llm::SamplingConfig{.temperature = 1.0f},
          llm::SamplingConfig{.temperature = 0.8f, .top_p = 0.95f},
          llm::SamplingConfig{.temperature = 0.7f, .top_k = 40}}) {
      llm::Sampler sampler(config);
      std::vector<double> times;
      std::vector<float> row;
      for (int i = 0; i < 201; ++i) {
        row = logits;  // Sampling may modify its row.
        const auto start = std::chrono::steady_clock::now();
        sampler.Sample(absl::MakeSpan(row));
        times.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
      }
      std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
      std::printf("%6d  %11.1f  %5.2f  %5d  %11.0f\n", vocab, config.temperature, config.top_p,
                  config.top_k, times[times.size() / 2]);
    }
  }
  return 0;
}
