// Host references for the MoE kernel tests: routing in double and a plain stable
// counting sort, written as directly from the kernels' contracts as possible.
#ifndef LLM_KERNELS_MOE_MOE_REFERENCE_H_
#define LLM_KERNELS_MOE_MOE_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

namespace llm::kernels::testing_moe {

// A routing shape the MoE kernel tests run: `experts` experts, `k` of them per token.
struct ExpertCase {
  int64_t experts;
  int64_t k;
};

struct HostRouting {
  std::vector<int32_t> expert_ids;  // [tokens, k]
  std::vector<double> weights;      // [tokens, k]
};

// Softmax over each row in double, then the k highest logits (NaN as -inf), ties to the
// lower expert id, weights optionally renormalized over the chosen k.
inline HostRouting RouteOnHost(const std::vector<float>& logits, int64_t tokens, int64_t experts,
                               int64_t k, bool renormalize) {
  HostRouting routing;
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<double> row(experts);
    for (int64_t e = 0; e < experts; ++e) {
      const float logit = logits[t * experts + e];
      row[e] = std::isnan(logit) ? -std::numeric_limits<double>::infinity() : logit;
    }
    const double max = *std::max_element(row.begin(), row.end());
    double total = 0;
    for (double v : row) total += std::exp(v - max);
    std::vector<int32_t> order(experts);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return row[a] > row[b]; });
    double chosen_total = 0;
    for (int64_t s = 0; s < k; ++s) chosen_total += std::exp(row[order[s]] - max);
    for (int64_t s = 0; s < k; ++s) {
      routing.expert_ids.push_back(order[s]);
      routing.weights.push_back(std::exp(row[order[s]] - max) /
                                (renormalize ? chosen_total : total));
    }
  }
  return routing;
}

struct HostAlignment {
  std::vector<int32_t> counts;                // [experts]
  std::vector<int32_t> offsets;               // [experts + 1]
  std::vector<int32_t> sorted_assignments;    // [assignments], -1 past offsets[experts]
  std::vector<int32_t> assignment_positions;  // [assignments], -1 for ids out of range
};

// Expert by expert, each expert's assignments in increasing number.
inline HostAlignment AlignOnHost(const std::vector<int32_t>& expert_ids, int64_t experts) {
  const int64_t assignments = static_cast<int64_t>(expert_ids.size());
  HostAlignment alignment;
  alignment.counts.assign(experts, 0);
  alignment.offsets.assign(experts + 1, 0);
  alignment.sorted_assignments.assign(assignments, -1);
  alignment.assignment_positions.assign(assignments, -1);
  int32_t position = 0;
  for (int64_t e = 0; e < experts; ++e) {
    alignment.offsets[e] = position;
    for (int64_t i = 0; i < assignments; ++i) {
      if (expert_ids[i] != e) continue;
      alignment.sorted_assignments[position] = static_cast<int32_t>(i);
      alignment.assignment_positions[i] = position;
      ++alignment.counts[e];
      ++position;
    }
  }
  alignment.offsets[experts] = position;
  return alignment;
}

// Router-like ids: k distinct experts per token, drawn at random.
template <typename Rng>
std::vector<int32_t> DistinctExpertIds(Rng& rng, int64_t tokens, int64_t experts, int64_t k) {
  std::vector<int32_t> ids;
  std::vector<int32_t> all(experts);
  std::iota(all.begin(), all.end(), 0);
  for (int64_t t = 0; t < tokens; ++t) {
    std::shuffle(all.begin(), all.end(), rng);
    ids.insert(ids.end(), all.begin(), all.begin() + k);
  }
  return ids;
}

}  // namespace llm::kernels::testing_moe

#endif  // LLM_KERNELS_MOE_MOE_REFERENCE_H_
