#include "engine/backend/cpu/attention.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/backend/cpu/vec.h"

namespace llm::cpu {
namespace {

// Scores of one run of positions for `kHeads` query heads and `kTiles` tiles of eight
// positions: acc[h][t] lane i = Σ_d q_h[d] · keys[d][8t + i], where keys is one kv head's
// keys in a block, [head_dim, block_tokens] (one row of positions per dimension). Each key
// row is converted from f16 once for every head, and each lane is one position's sum, so
// no horizontal sums are needed.
template <int kHeads, int kTiles>
void ScoreTiles(const float* q, int64_t head_dim, const Half* keys, int64_t block_tokens,
                __m256 acc[kHeads][kTiles]) {
  for (int h = 0; h < kHeads; ++h) {
    for (int t = 0; t < kTiles; ++t) acc[h][t] = _mm256_setzero_ps();
  }
  for (int64_t d = 0; d < head_dim; ++d) {
    __m256 k[kTiles];
    for (int t = 0; t < kTiles; ++t) {
      k[t] = _mm256_cvtph_ps(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + d * block_tokens + 8 * t)));
    }
    for (int h = 0; h < kHeads; ++h) {
      const __m256 qd = _mm256_set1_ps(q[h * head_dim + d]);
      for (int t = 0; t < kTiles; ++t) acc[h][t] = _mm256_fmadd_ps(qd, k[t], acc[h][t]);
    }
  }
}

// scores[h * stride + i] = scale · q_h · key(first + i) for heads h < kHeads and i < count,
// where the tiles cover block rows tile_row .. tile_row + 8 · kTiles − 1 and first .. first +
// count − 1 lies within them (rows outside are computed and dropped).
template <int kHeads, int kTiles>
void StoreScoreTiles(const float* q, int64_t head_dim, const Half* keys, int64_t block_tokens,
                     int64_t tile_row, int64_t first, int64_t count, float scale, float* scores,
                     int64_t stride) {
  __m256 acc[kHeads][kTiles];
  ScoreTiles<kHeads, kTiles>(q, head_dim, keys + tile_row, block_tokens, acc);
  alignas(32) float lanes[8 * kTiles];
  for (int h = 0; h < kHeads; ++h) {
    for (int t = 0; t < kTiles; ++t) {
      _mm256_store_ps(lanes + 8 * t, _mm256_mul_ps(acc[h][t], _mm256_set1_ps(scale)));
    }
    std::copy_n(lanes + (first - tile_row), count, scores + h * stride);
  }
}

template <int kTiles>
void StoreScoreTilesForHeads(int64_t heads, const float* q, int64_t head_dim, const Half* keys,
                             int64_t block_tokens, int64_t tile_row, int64_t first, int64_t count,
                             float scale, float* scores, int64_t stride) {
  for (int64_t h = 0; h < heads; h += 4) {
    const float* qh = q + h * head_dim;
    float* sh = scores + h * stride;
    switch (std::min<int64_t>(4, heads - h)) {
      case 4:
        StoreScoreTiles<4, kTiles>(qh, head_dim, keys, block_tokens, tile_row, first, count, scale,
                                   sh, stride);
        break;
      case 3:
        StoreScoreTiles<3, kTiles>(qh, head_dim, keys, block_tokens, tile_row, first, count, scale,
                                   sh, stride);
        break;
      case 2:
        StoreScoreTiles<2, kTiles>(qh, head_dim, keys, block_tokens, tile_row, first, count, scale,
                                   sh, stride);
        break;
      default:
        StoreScoreTiles<1, kTiles>(qh, head_dim, keys, block_tokens, tile_row, first, count, scale,
                                   sh, stride);
    }
  }
}

// scores[h * stride + i] = scale · q_h · key(row + i) for the `heads` query heads of one kv
// head (q holds their rows, [heads, head_dim]) and i < run, where keys is that kv head's
// [head_dim, block_tokens] in a block. Each score sums over dimensions in order.
void GroupScores(const float* q, int64_t heads, int64_t head_dim, const Half* keys,
                 int64_t block_tokens, int64_t row, int64_t run, float scale, float* scores,
                 int64_t stride) {
  if (block_tokens % 8 != 0) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < run; ++i) {
        float sum = 0.0f;
        for (int64_t d = 0; d < head_dim; ++d) {
          sum = std::fma(q[h * head_dim + d], _cvtsh_ss(keys[d * block_tokens + row + i]), sum);
        }
        scores[h * stride + i] = sum * scale;
      }
    }
    return;
  }
  // Sixteen positions at a time keep eight independent sums in flight for four heads.
  for (int64_t tile = row / 8 * 8; tile < row + run;) {
    const int64_t first = std::max(tile, row);
    if (tile + 16 <= block_tokens && row + run > tile + 8) {
      const int64_t count = std::min(tile + 16, row + run) - first;
      StoreScoreTilesForHeads<2>(heads, q, head_dim, keys, block_tokens, tile, first, count, scale,
                                 scores + (first - row), stride);
      tile += 16;
    } else {
      const int64_t count = std::min(tile + 8, row + run) - first;
      StoreScoreTilesForHeads<1>(heads, q, head_dim, keys, block_tokens, tile, first, count, scale,
                                 scores + (first - row), stride);
      tile += 8;
    }
  }
}

// out_h[d0 .. d0 + 8·kVecs) += Σ_i weights[h * stride + i] · values[i][d0 ..] for kHeads
// heads; values is [run, head_dim] in f16, each row converted once for every head.
template <int kHeads, int kVecs>
void WeightedSumTile(const float* weights, int64_t stride, const Half* values, int64_t run,
                     int64_t head_dim, int64_t d0, float* out) {
  __m256 acc[kHeads][kVecs];
  for (int h = 0; h < kHeads; ++h) {
    for (int v = 0; v < kVecs; ++v) acc[h][v] = _mm256_loadu_ps(out + h * head_dim + d0 + 8 * v);
  }
  for (int64_t i = 0; i < run; ++i) {
    __m256 w[kHeads];
    for (int h = 0; h < kHeads; ++h) w[h] = _mm256_set1_ps(weights[h * stride + i]);
    for (int v = 0; v < kVecs; ++v) {
      const __m256 x = _mm256_cvtph_ps(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(values + i * head_dim + d0 + 8 * v)));
      for (int h = 0; h < kHeads; ++h) acc[h][v] = _mm256_fmadd_ps(w[h], x, acc[h][v]);
    }
  }
  for (int h = 0; h < kHeads; ++h) {
    for (int v = 0; v < kVecs; ++v) _mm256_storeu_ps(out + h * head_dim + d0 + 8 * v, acc[h][v]);
  }
}

template <int kHeads>
void WeightedSumForHeads(const float* weights, int64_t stride, const Half* values, int64_t run,
                         int64_t head_dim, float* out) {
  int64_t d0 = 0;
  for (; d0 + 32 <= head_dim; d0 += 32) {
    WeightedSumTile<kHeads, 4>(weights, stride, values, run, head_dim, d0, out);
  }
  for (; d0 < head_dim; d0 += 8) {
    WeightedSumTile<kHeads, 1>(weights, stride, values, run, head_dim, d0, out);
  }
}

// out[h, :] += Σ_i weights[h * stride + i] · values[i, :] for the `heads` query heads of one
// kv head; values is that kv head's [run, head_dim] rows in a block. Each output element
// sums in position order.
void GroupWeightedSum(const float* weights, int64_t stride, int64_t heads, const Half* values,
                      int64_t run, int64_t head_dim, float* out) {
  if (head_dim % 8 != 0) {
    for (int64_t h = 0; h < heads; ++h) {
      for (int64_t i = 0; i < run; ++i) {
        for (int64_t d = 0; d < head_dim; ++d) {
          out[h * head_dim + d] = std::fma(
              weights[h * stride + i], _cvtsh_ss(values[i * head_dim + d]), out[h * head_dim + d]);
        }
      }
    }
    return;
  }
  // Three heads at a time: twelve accumulators in registers.
  for (int64_t h = 0; h < heads; h += 3) {
    const float* wh = weights + h * stride;
    float* oh = out + h * head_dim;
    switch (std::min<int64_t>(3, heads - h)) {
      case 3:
        WeightedSumForHeads<3>(wh, stride, values, run, head_dim, oh);
        break;
      case 2:
        WeightedSumForHeads<2>(wh, stride, values, run, head_dim, oh);
        break;
      default:
        WeightedSumForHeads<1>(wh, stride, values, run, head_dim, oh);
    }
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
    bool whole;  // The token's only span: its result goes straight to `out`.
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
        const int64_t last = std::min((first / chunk + 1) * chunk, end);
        spans.push_back({&seq, rows, first, last - first, first == begin && last == end});
      }
    }
  }
  // Per (span, head): the chunk's max score, Σ exp(score − max), and Σ exp(score − max)·v
  // (in `partial`, or for a whole span in `out` until divided by the sum).
  const int64_t kv_heads = shape.kv_heads;
  const int64_t entries = static_cast<int64_t>(spans.size()) * heads;
  std::vector<float> maxima(entries), sums(entries), partial(entries * head_dim);
  auto accumulator = [&](int64_t s, int64_t h) {
    return spans[s].whole ? out + (spans[s].row * heads + h) * head_dim
                          : &partial[(s * heads + h) * head_dim];
  };

  // Work items: spans. A block holds every kv head's part side by side, so visiting the
  // heads inside each run reads the span's keys (then values) front to back, which the
  // hardware prefetcher follows; the query heads of a group share each f16 conversion.
  pool.ParallelFor(static_cast<int64_t>(spans.size()), 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> scores;
    for (int64_t s = begin; s < end; ++s) {
      const Span& span = spans[s];
      const PagedKv& kv = span.seq->kv;
      const int64_t kv_size = kv.block_tokens * head_dim;  // One kv head's part of a block.
      scores.resize(heads * span.count);
      ForEachRun(kv, kv_heads, head_dim, span.first, span.count,
                 [&](int64_t block, int64_t row, int64_t index, int64_t run) {
                   for (int64_t kv_head = 0; kv_head < kv_heads; ++kv_head) {
                     const int64_t h = kv_head * group;
                     GroupScores(q + (span.row * heads + h) * head_dim, group, head_dim,
                                 kv.keys + block + kv_head * kv_size, kv.block_tokens, row, run,
                                 scale, &scores[h * span.count + index], span.count);
                   }
                 });
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t entry = s * heads + h;
        float* head_scores = &scores[h * span.count];
        maxima[entry] = *std::max_element(head_scores, head_scores + span.count);
        sums[entry] = ExpInPlace(head_scores, span.count, maxima[entry]);
        std::fill_n(accumulator(s, h), head_dim, 0.0f);
      }
      ForEachRun(kv, kv_heads, head_dim, span.first, span.count,
                 [&](int64_t block, int64_t row, int64_t index, int64_t run) {
                   for (int64_t kv_head = 0; kv_head < kv_heads; ++kv_head) {
                     const int64_t h = kv_head * group;
                     GroupWeightedSum(&scores[h * span.count + index], span.count, group,
                                      kv.values + block + kv_head * kv_size + row * head_dim, run,
                                      head_dim, accumulator(s, h));
                   }
                 });
      if (span.whole) {
        for (int64_t h = 0; h < heads; ++h) {
          float* o = accumulator(s, h);
          const float inverse = 1.0f / sums[s * heads + h];
          for (int64_t d = 0; d < head_dim; ++d) o[d] *= inverse;
        }
      }
    }
  });

  // Merge each (token, head)'s chunks where a token has several: out = Σ_c e^(m_c − M)·acc_c /
  // Σ_c e^(m_c − M)·l_c. (With one chunk that is acc / l, as the spans above wrote it.)
  std::vector<int64_t> first_span(rows + 1, 0), split;  // split: rows with several spans.
  for (size_t i = 0; i < spans.size(); ++i) first_span[spans[i].row + 1] = i + 1;
  for (int64_t t = 0; t < rows; ++t) {
    if (first_span[t + 1] - first_span[t] > 1) split.push_back(t);
  }
  pool.ParallelFor(static_cast<int64_t>(split.size()) * heads, 8, [&](int64_t begin, int64_t end) {
    for (int64_t th = begin; th < end; ++th) {
      const int64_t t = split[th / heads], h = th % heads;
      float* o = out + (t * heads + h) * head_dim;
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
