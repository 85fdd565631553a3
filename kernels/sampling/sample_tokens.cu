#include <algorithm>
#include <cfloat>
#include <climits>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "kernels/common/block_reduce.cuh"
#include "kernels/common/cuda_status.h"
#include "kernels/sampling/sample_tokens.h"

namespace llm::kernels {
namespace {

// Without a sort: one block per row makes passes over its logits (from L2 after the
// first). Top-k is the largest logit key with at least k tokens at or above it, top-p the
// largest key whose mass at or above it reaches top_p of the top-k mass; each is a search
// over the 32-bit order-preserving key of the logit, every pass counting (and summing) the
// tokens at or above kPivots pivots with fixed-order block reductions. A cut that falls
// inside a group of equal logits keeps their lowest ids (a like search over ids, only
// then). The kept mass is summed tile by tile, and a second walk stops at the tile and
// thread whose prefix passes u times that mass.
constexpr int kMaxThreads = 1024;

// Positions tried per pass of a threshold search. A pass reads the whole row (from L2 for
// large vocabularies) and tallies every pivot at once, narrowing the range about
// kPivots-fold: a 32-bit key needs some 11 passes where bisection needs 32, while the
// extra compares stay cheaper than the row's loads.
constexpr int kPivots = 8;

__host__ __device__ bool ValidParams(const SamplingParams& p) {
  // Written so that NaN fails every test.
  return p.temperature >= -FLT_MAX && p.temperature <= FLT_MAX && p.top_k >= 0 && p.top_p > 0.0f &&
         p.top_p <= 1.0f && p.min_p >= 0.0f && p.min_p <= 1.0f;
}

// Unsigned keys in the order of the floats: key(a) < key(b) iff a < b. -0 is read as +0
// so that equal floats get equal keys.
__device__ __forceinline__ uint32_t OrderedKey(float x) {
  const uint32_t bits = __float_as_uint(x + 0.0f);
  return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
}
__device__ __forceinline__ float KeyValue(uint32_t key) {
  return __uint_as_float((key & 0x80000000u) != 0 ? key & 0x7fffffffu : ~key);
}

template <typename T>
__device__ __forceinline__ T WarpSum(T value) {
  for (int offset = 16; offset > 0; offset /= 2) {
    value += __shfl_xor_sync(0xffffffff, value, offset);
  }
  return value;
}

// A count and a probability mass (unnormalized) of the tokens at or past some position.
struct Tally {
  int count;
  float mass;
};

// Sums N counts and N masses over the block, in place.
template <int N>
__device__ void BlockSumTallies(int (&count)[N], float (&mass)[N]) {
  __shared__ int warp_count[32][N];
  __shared__ float warp_mass[32][N];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
#pragma unroll
  for (int j = 0; j < N; ++j) {
    count[j] = WarpSum(count[j]);
    mass[j] = WarpSum(mass[j]);
  }
  __syncthreads();
  if (lane == 0) {
#pragma unroll
    for (int j = 0; j < N; ++j) {
      warp_count[warp][j] = count[j];
      warp_mass[warp][j] = mass[j];
    }
  }
  __syncthreads();
  const bool live = lane < static_cast<int>(blockDim.x / 32);
#pragma unroll
  for (int j = 0; j < N; ++j) {
    count[j] = WarpSum(live ? warp_count[lane][j] : 0);
    mass[j] = WarpSum(live ? warp_mass[lane][j] : 0.0f);
  }
}

// The largest value, lowest index among equals.
struct ArgMax {
  float value;
  int index;
};
__device__ __forceinline__ ArgMax Better(ArgMax a, ArgMax b) {
  return b.value > a.value || (b.value == a.value && b.index < a.index) ? b : a;
}
__device__ ArgMax BlockArgMax(ArgMax best) {
  __shared__ ArgMax warp_results[32];
  for (int offset = 16; offset > 0; offset /= 2) {
    best = Better(best, {__shfl_xor_sync(0xffffffff, best.value, offset),
                         __shfl_xor_sync(0xffffffff, best.index, offset)});
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) warp_results[warp] = best;
  __syncthreads();
  best = lane < static_cast<int>(blockDim.x / 32) ? warp_results[lane]
                                                  : ArgMax{-__builtin_huge_valf(), INT_MAX};
  for (int offset = 16; offset > 0; offset /= 2) {
    best = Better(best, {__shfl_xor_sync(0xffffffff, best.value, offset),
                         __shfl_xor_sync(0xffffffff, best.index, offset)});
  }
  return best;
}

// Inclusive prefix sum of `value` in thread order; `total` gets the value of the last
// thread's sum, computed with the same operations, so that a walk which adds tile totals
// reaches exactly the total that a walk over every prefix would. Floating-point prefix
// sums need not grow monotonically by thread (their association differs), which the
// caller allows for.
__device__ float BlockInclusiveScan(float value, float& total) {
  __shared__ float warp_totals[32];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int warps = static_cast<int>(blockDim.x / 32);
  for (int offset = 1; offset < 32; offset *= 2) {
    const float before = __shfl_up_sync(0xffffffff, value, offset);
    if (lane >= offset) value += before;
  }
  __syncthreads();  // An earlier call's readers are done with warp_totals.
  if (lane == 31) warp_totals[warp] = value;
  __syncthreads();
  float prefix = lane < warps ? warp_totals[lane] : 0.0f;  // Inclusive over warps below.
  for (int offset = 1; offset < 32; offset *= 2) {
    const float before = __shfl_up_sync(0xffffffff, prefix, offset);
    if (lane >= offset) prefix += before;
  }
  const float below_mine = __shfl_sync(0xffffffff, prefix, warp > 0 ? warp - 1 : 0);
  const float below_last = __shfl_sync(0xffffffff, prefix, warps > 1 ? warps - 2 : 0);
  total = warps > 1 ? below_last + warp_totals[warps - 1] : warp_totals[0];
  return warp > 0 ? below_mine + value : value;
}

// Finds the largest position p in [lo, hi] whose tally (over the row's members at
// positions >= p) is `enough`, given that the tally at lo, `at_lo`, is. `member(i, x,
// position, q)` says whether token i (logit x) counts, and sets its position and, when
// kMass, its probability. On return `at_lo` holds the tally at p and `above` the tally at
// p + 1 (its initial value must be the tally at hi + 1).
template <bool kMass, typename Member, typename Enough>
__device__ uint32_t SearchThreshold(const float* __restrict__ row, int vocab, uint32_t lo,
                                    uint32_t hi, Tally& at_lo, Tally& above, Member member,
                                    Enough enough) {
  while (lo < hi) {
    // Pivots in (lo, hi], non-decreasing; repeats are harmless.
    uint32_t pivot[kPivots];
    const uint64_t span = hi - lo - 1;
#pragma unroll
    for (int j = 0; j < kPivots; ++j) {
      pivot[j] = lo + 1 + static_cast<uint32_t>(span * j / kPivots);
    }
    int count[kPivots] = {};
    float mass[kPivots] = {};
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      uint32_t position = 0;
      float q = 0.0f;
      if (!member(i, row[i], position, q)) continue;
#pragma unroll
      for (int j = 0; j < kPivots; ++j) {
        if (position >= pivot[j]) {
          ++count[j];
          if constexpr (kMass) mass[j] += q;
        }
      }
    }
    BlockSumTallies(count, mass);
    // Tallies shrink as pivots grow (sums of fewer non-negative terms, added in the
    // same order), so the pivots that are enough form a prefix.
    int last = -1;
#pragma unroll
    for (int j = 0; j < kPivots; ++j) {
      if (enough(Tally{count[j], mass[j]})) last = j;
    }
    // Constant indices only, so the arrays stay in registers.
#pragma unroll
    for (int j = 0; j < kPivots; ++j) {
      if (j == last) {
        lo = pivot[j];
        at_lo = {count[j], mass[j]};
      }
      if (j == last + 1) {
        hi = pivot[j] - 1;
        above = {count[j], mass[j]};
      }
    }
  }
  return lo;
}

// Among `tied` tokens that `in_group` selects, the bound c that keeps the `wanted` of
// lowest id (those with id < c).
template <typename InGroup>
__device__ int TieCut(const float* __restrict__ row, int vocab, int tied, int wanted,
                      InGroup in_group) {
  // Positions vocab - 1 - id, so the lowest ids are the largest positions.
  Tally at_lo = {tied, 0.0f}, above = {0, 0.0f};
  const uint32_t position = SearchThreshold<false>(
      row, vocab, 0, static_cast<uint32_t>(vocab - 1), at_lo, above,
      [=](int i, float x, uint32_t& pos, float&) {
        pos = static_cast<uint32_t>(vocab - 1 - i);
        return in_group(i, x);
      },
      [=](Tally t) { return t.count >= wanted; });
  return vocab - static_cast<int>(position);
}

// The sampled token of one row (not greedy): see the header for the semantics.
__device__ int SampleRow(const float* __restrict__ row, int vocab, const SamplingParams& p,
                         float scale, float u, float top) {
  // Probabilities relative to the top one (which is exactly 1): exp((x - top) / T).
  auto prob = [=](float x) { return exp2f((x - top) * scale); };
  const uint32_t max_key = OrderedKey(top);

  // Top-k: the k-th largest logit k_key; all above it stay, and of those equal to it,
  // the lowest ids up to k. Counts only, no exp.
  uint32_t k_key = 0;
  int k_cut = vocab;
  if (p.top_k > 0 && p.top_k < vocab) {
    const int k = p.top_k;
    Tally at_lo = {vocab, 0.0f}, above = {0, 0.0f};
    k_key = SearchThreshold<false>(
        row, vocab, 0, max_key, at_lo, above,
        [](int, float x, uint32_t& pos, float&) {
          pos = OrderedKey(x);
          return true;
        },
        [=](Tally t) { return t.count >= k; });
    const int tied = at_lo.count - above.count, wanted = k - above.count;
    if (wanted < tied) {
      k_cut =
          TieCut(row, vocab, tied, wanted, [=](int, float x) { return OrderedKey(x) == k_key; });
    }
  }
  auto in_top_k = [=](uint32_t key, int i) { return key > k_key || (key == k_key && i < k_cut); };

  // Top-p: the smallest most-likely-first prefix of the top-k set whose mass reaches
  // top_p of the set's mass. Same search with masses; ties at the cut again keep the
  // lowest ids, as many as the mass needs.
  uint32_t p_key = 0;
  int p_cut = vocab;
  if (p.top_p < 1.0f) {
    int count[1] = {0};
    float mass[1] = {0.0f};
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) {
      const float x = row[i];
      if (in_top_k(OrderedKey(x), i)) {
        ++count[0];
        mass[0] += prob(x);
      }
    }
    BlockSumTallies(count, mass);
    const float target = p.top_p * mass[0];
    Tally at_lo = {count[0], mass[0]}, above = {0, 0.0f};
    p_key = SearchThreshold<true>(
        row, vocab, k_key, max_key, at_lo, above,
        [=](int i, float x, uint32_t& pos, float& q) {
          pos = OrderedKey(x);
          if (!in_top_k(pos, i)) return false;
          q = prob(x);
          return true;
        },
        [=](Tally t) { return t.mass >= target; });
    const int tied = at_lo.count - above.count;
    if (tied > 1) {
      // Tied tokens share one probability; take as many as reach the target.
      const float needed = ceilf((target - above.mass) / prob(KeyValue(p_key)));
      const int wanted = max(1, static_cast<int>(fminf(needed, static_cast<float>(tied))));
      if (wanted < tied) {
        p_cut = TieCut(row, vocab, tied, wanted, [=](int i, float x) {
          const uint32_t key = OrderedKey(x);
          return key == p_key && in_top_k(key, i);
        });
      }
    }
  }

  // The kept tokens: top-k, top-p and, for min-p, probability >= min_p times the top
  // one (which is 1). Zero when dropped.
  const float min_p = p.min_p;
  auto kept_prob = [=](int i, float x) {
    const uint32_t key = OrderedKey(x);
    if (!in_top_k(key, i) || !(key > p_key || (key == p_key && i < p_cut))) return 0.0f;
    const float q = prob(x);
    return q >= min_p ? q : 0.0f;
  };

  // The kept mass, tile by tile in the order of the walk below, so that both add the same
  // numbers the same way. The largest kept id is the answer should rounding leave the
  // draw past every prefix (u at or within an ulp of 1).
  float total = 0.0f;
  int last = -1;
  for (int base = 0; base < vocab; base += blockDim.x) {
    const int i = base + threadIdx.x;
    const float q = i < vocab ? kept_prob(i, row[i]) : 0.0f;
    if (q > 0.0f) last = i;
    float tile;
    BlockInclusiveScan(q, tile);
    total += tile;
  }
  last = BlockReduce(last, MaxIntOp());

  // Inverse CDF in id order: the first kept token whose prefix mass passes u * total.
  const float draw = u * total;
  float running = 0.0f;
  for (int base = 0; base < vocab; base += blockDim.x) {
    const int i = base + threadIdx.x;
    const float q = i < vocab ? kept_prob(i, row[i]) : 0.0f;
    float tile;
    const float prefix = BlockInclusiveScan(q, tile);
    const bool hit = q > 0.0f && running + prefix > draw;
    const int first = BlockReduce(hit ? i : INT_MAX, MinIntOp());
    if (first != INT_MAX) return first;
    running += tile;
  }
  return last;
}

// One block per row; threads stride over the vocabulary so loads coalesce. Every branch
// below depends only on values the whole block shares, so all threads take it together.
__global__ void __launch_bounds__(kMaxThreads)
    SampleTokensKernel(const float* __restrict__ logits, int vocab,
                       const SamplingParams* __restrict__ params,
                       const float* __restrict__ uniforms, int32_t* __restrict__ tokens,
                       float* __restrict__ logprobs) {
  const int64_t r = blockIdx.x;
  const float* row = logits + r * vocab;
  const SamplingParams p = params[r];
  // log2(e) / T; greedy when infinite too (T so small that only the top token is left).
  const float scale = p.temperature > 0.0f ? 1.4426950408889634f / p.temperature : 0.0f;
  const bool greedy = p.temperature <= 0.0f || p.top_k == 1 || !(scale <= FLT_MAX);
  const float u = greedy ? 0.0f : uniforms[r];
  if (!ValidParams(p) || !(u >= 0.0f && u <= 1.0f)) {
    if (threadIdx.x == 0) {
      tokens[r] = -1;
      if (logprobs != nullptr) logprobs[r] = __int_as_float(0x7fc00000);
    }
    return;
  }

  ArgMax best = {-__builtin_huge_valf(), INT_MAX};
  for (int i = threadIdx.x; i < vocab; i += blockDim.x) best = Better(best, {row[i], i});
  best = BlockArgMax(best);
  const int token = greedy ? best.index : SampleRow(row, vocab, p, scale, u, best.value);

  if (logprobs != nullptr) {
    float sum = 0.0f;
    for (int i = threadIdx.x; i < vocab; i += blockDim.x) sum += expf(row[i] - best.value);
    sum = BlockSum(sum);
    if (threadIdx.x == 0) logprobs[r] = row[token] - (best.value + logf(sum));
  }
  if (threadIdx.x == 0) tokens[r] = token;
}

}  // namespace

absl::Status CheckSamplingParams(const SamplingParams* params, int64_t rows) {
  if (params == nullptr && rows > 0) {
    return absl::InvalidArgumentError("CheckSamplingParams: null pointer");
  }
  for (int64_t r = 0; r < rows; ++r) {
    if (!ValidParams(params[r])) {
      const SamplingParams& p = params[r];
      return absl::InvalidArgumentError(
          absl::StrCat("CheckSamplingParams: row ", r, ": temperature ", p.temperature, ", top_k ",
                       p.top_k, ", top_p ", p.top_p, ", min_p ", p.min_p,
                       " (need a finite temperature, top_k >= 0, top_p in (0, 1], "
                       "min_p in [0, 1])"));
    }
  }
  return absl::OkStatus();
}

absl::Status SampleTokens(const float* logits, int64_t rows, int64_t vocab,
                          const SamplingParams* params, const float* uniforms, int32_t* tokens,
                          float* logprobs, cudaStream_t stream) {
  if (logits == nullptr || params == nullptr || uniforms == nullptr || tokens == nullptr) {
    return absl::InvalidArgumentError("SampleTokens: null pointer");
  }
  if (rows < 0 || rows > INT_MAX || vocab < 1 || vocab > INT_MAX) {
    return absl::InvalidArgumentError("SampleTokens: bad shape");
  }
  if (rows == 0) return absl::OkStatus();
  const int threads = static_cast<int>(std::min<int64_t>(kMaxThreads, (vocab + 31) / 32 * 32));
  SampleTokensKernel<<<static_cast<unsigned>(rows), threads, 0, stream>>>(
      logits, static_cast<int>(vocab), params, uniforms, tokens, logprobs);
  return LaunchStatus("SampleTokensKernel");
}

}  // namespace llm::kernels
