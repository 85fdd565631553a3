#include "engine/backend/cpu/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/backend/cpu/vec.h"

namespace llm::cpu {
namespace {

// Eight 8-lane accumulators reduced to one vector of their eight sums.
inline __m256 Sum8(const __m256 acc[8]) {
  const __m256 a = _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
  const __m256 b = _mm256_hadd_ps(_mm256_hadd_ps(acc[4], acc[5]), _mm256_hadd_ps(acc[6], acc[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(a, b, 0x20), _mm256_permute2f128_ps(a, b, 0x31));
}

// out[i] = float(x[i]): a run of keys or values, converted once for every query head
// of its group.
void ToFloat(const Half* x, int64_t n, float* out) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_ps(out + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
  }
  for (; i < n; ++i) out[i] = _cvtsh_ss(x[i]);
}

// scores[p] = scale · q · keys[p], p < n; keys is [n, head_dim]. With head_dim % 8 == 0,
// eight positions at a time share each load of q.
void Scores(const float* q, const float* keys, int64_t n, int64_t head_dim, float scale,
            float* scores) {
  int64_t p = 0;
  for (; head_dim % 8 == 0 && p + 8 <= n; p += 8) {
    __m256 acc[8];
    for (__m256& a : acc) a = _mm256_setzero_ps();
    const float* k = keys + p * head_dim;
    for (int64_t d = 0; d < head_dim; d += 8) {
      const __m256 qv = _mm256_loadu_ps(q + d);
      for (int j = 0; j < 8; ++j) {
        acc[j] = _mm256_fmadd_ps(qv, _mm256_loadu_ps(k + j * head_dim + d), acc[j]);
      }
    }
    _mm256_storeu_ps(scores + p, _mm256_mul_ps(Sum8(acc), _mm256_set1_ps(scale)));
  }
  for (; p < n; ++p) {
    float sum = 0.0f;
    for (int64_t d = 0; d < head_dim; ++d) sum += q[d] * keys[p * head_dim + d];
    scores[p] = sum * scale;
  }
}

// out += Σ_p weights[p] · values[p]; values is [n, head_dim]. Each output element sums
// in position order. Sixty-four dimensions at a time keep eight independent vector sums
// in registers, so the multiply-adds do not wait on each other.
void AddWeightedSum(const float* weights, const float* values, int64_t n, int64_t head_dim,
                    float* out) {
  int64_t d0 = 0;
  for (; head_dim % 8 == 0 && d0 + 64 <= head_dim; d0 += 64) {
    __m256 acc[8];
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_loadu_ps(out + d0 + 8 * j);
    for (int64_t p = 0; p < n; ++p) {
      const __m256 w = _mm256_set1_ps(weights[p]);
      const float* v = values + p * head_dim + d0;
      for (int j = 0; j < 8; ++j) acc[j] = _mm256_fmadd_ps(w, _mm256_loadu_ps(v + 8 * j), acc[j]);
    }
    for (int j = 0; j < 8; ++j) _mm256_storeu_ps(out + d0 + 8 * j, acc[j]);
  }
  for (int64_t p = 0; p < n; ++p) {
    for (int64_t d = d0; d < head_dim; ++d)
      out[d] = std::fma(weights[p], values[p * head_dim + d], out[d]);
  }
}

// Calls fn(block, row, index, count) for each run of positions first .. first + count - 1
// that lies in one block: `block` is the block's first element (from the layer's block 0),
// `row` the run's first row in it, `index` the run's place in the span.
template <typename Fn>
void ForEachRun(const PagedKv& kv, int64_t kv_heads, int64_t head_dim, int64_t first, int64_t count,
                Fn fn) {
  const int64_t b = kv.block_tokens;
  for (int64_t p = first; p < first + count;) {
    const int64_t row = p % b, run = std::min(b - row, first + count - p);
    fn(kv.block_table[p / b] * kv_heads * b * head_dim, row, p - first, run);
    p += run;
  }
}

// Positions per attention work item: about 128, a whole number of blocks. Long contexts
// split into chunks so that even one decoded token keeps every thread busy; chunk results
// merge by their softmax maxima.
int64_t ChunkPositions(int64_t block_tokens) {
  return block_tokens * std::max<int64_t>(1, 128 / block_tokens);
}

}  // namespace

void CausalAttention(const AttentionShape& shape, absl::Span<const AttentionSequence> sequences,
                     const float* q, float* out, ThreadPool& pool) {
  const int64_t head_dim = shape.head_dim, heads = shape.heads, group = heads / shape.kv_heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));

  // Work items: (token, chunk) pairs of every sequence, times heads. Row `row` of q is
  // token t of its sequence, which sees start + t + 1 positions.
  struct Span {
    const AttentionSequence* seq;
    int64_t row, first, count;
  };
  std::vector<Span> spans;
  int64_t rows = 0;
  for (const AttentionSequence& seq : sequences) {
    const int64_t chunk = ChunkPositions(seq.kv.block_tokens);
    for (int64_t t = 0; t < seq.tokens; ++t, ++rows) {
      const int64_t end = seq.start + t + 1;
      const int64_t begin = shape.window > 0 ? std::max<int64_t>(0, end - shape.window) : 0;
      // Chunks on a fixed grid of absolute positions, whatever else is in the batch.
      for (int64_t first = begin; first < end; first = (first / chunk + 1) * chunk) {
        spans.push_back({&seq, rows, first, std::min((first / chunk + 1) * chunk, end) - first});
      }
    }
  }
  // Per (span, head): the chunk's max score, Σ exp(score − max), and Σ exp(score − max)·v.
  const int64_t kv_heads = shape.kv_heads;
  const int64_t entries = static_cast<int64_t>(spans.size()) * heads;
  std::vector<float> maxima(entries), sums(entries), partial(entries * head_dim);

  // Work items: spans. A block holds every kv head's run of its positions side by side,
  // so visiting the heads inside each run reads the span's keys (then values) front to
  // back, which the hardware prefetcher follows; the heads of a group share each run,
  // converted from f16 once for all of them.
  pool.ParallelFor(static_cast<int64_t>(spans.size()), 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scores, run_f32;
    for (int64_t s = begin; s < end; ++s) {
      const Span& span = spans[s];
      const PagedKv& kv = span.seq->kv;
      const int64_t run_size = kv.block_tokens * head_dim;
      run_f32.resize(run_size);
      scores.resize(heads * span.count);
      ForEachRun(kv, kv_heads, head_dim, span.first, span.count,
                 [&](int64_t block, int64_t row, int64_t index, int64_t run) {
                   for (int64_t kv_head = 0; kv_head < kv_heads; ++kv_head) {
                     ToFloat(kv.keys + block + (kv_head * kv.block_tokens + row) * head_dim,
                             run * head_dim, run_f32.data());
                     for (int64_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
                       Scores(q + (span.row * heads + h) * head_dim, run_f32.data(), run, head_dim,
                              scale, &scores[h * span.count + index]);
                     }
                   }
                 });
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t entry = s * heads + h;
        float* head_scores = &scores[h * span.count];
        maxima[entry] = *std::max_element(head_scores, head_scores + span.count);
        sums[entry] = ExpInPlace(head_scores, span.count, maxima[entry]);
        std::fill_n(&partial[entry * head_dim], head_dim, 0.0f);
      }
      ForEachRun(kv, kv_heads, head_dim, span.first, span.count,
                 [&](int64_t block, int64_t row, int64_t index, int64_t run) {
                   for (int64_t kv_head = 0; kv_head < kv_heads; ++kv_head) {
                     ToFloat(kv.values + block + (kv_head * kv.block_tokens + row) * head_dim,
                             run * head_dim, run_f32.data());
                     for (int64_t h = kv_head * group; h < (kv_head + 1) * group; ++h) {
                       AddWeightedSum(&scores[h * span.count + index], run_f32.data(), run,
                                      head_dim, &partial[(s * heads + h) * head_dim]);
                     }
                   }
                 });
    }
  });

  // Merge each (token, head)'s chunks: out = Σ_c e^(m_c − M)·acc_c / Σ_c e^(m_c − M)·l_c.
  std::vector<int64_t> first_span(rows + 1, 0);
  for (size_t i = 0; i < spans.size(); ++i) first_span[spans[i].row + 1] = i + 1;
  pool.ParallelFor(rows * heads, 8, [&](int64_t begin, int64_t end) {
    for (int64_t th = begin; th < end; ++th) {
      const int64_t t = th / heads, h = th % heads;
      float* o = out + th * head_dim;
      float global_max = -INFINITY;
      for (int64_t i = first_span[t]; i < first_span[t + 1]; ++i) {
        global_max = std::max(global_max, maxima[i * heads + h]);
      }
      std::fill_n(o, head_dim, 0.0f);
      float total = 0.0f;
      for (int64_t i = first_span[t]; i < first_span[t + 1]; ++i) {
        const float weight = std::exp(maxima[i * heads + h] - global_max);
        total += weight * sums[i * heads + h];
        Axpy(weight, &partial[(i * heads + h) * head_dim], o, head_dim);
      }
      const float inverse = 1.0f / total;
      for (int64_t d = 0; d < head_dim; ++d) o[d] *= inverse;
    }
  });
}

}  // namespace llm::cpu
