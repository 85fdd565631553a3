#include "engine/backend/cpu/matmul.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/backend/cpu/dequantize.h"
#include "engine/backend/cpu/quant_dot.h"
#include "engine/backend/cpu/vec.h"

namespace llm::cpu {
namespace {

// Output rows are handed to threads in units of eight (a rows8 group), two at a time.
constexpr int64_t kUnitRows = 8;
constexpr int64_t kUnitGrain = 2;

// Units of every output, numbered one after another: calls fn(output, first, last) with
// the rows [first, last) of each output that the units [begin, end) cover.
template <typename Fn>
void ForEachOutputRange(const std::vector<MatMulOutput>& outputs, int64_t begin, int64_t end,
                        Fn fn) {
  int64_t offset = 0;  // Units before output o.
  for (size_t o = 0; o < outputs.size() && offset < end; ++o) {
    const int64_t rows = outputs[o].w->rows;
    const int64_t units = (rows + kUnitRows - 1) / kUnitRows;
    const int64_t from = std::max(begin, offset), to = std::min(end, offset + units);
    if (from < to) {
      fn(o, (from - offset) * kUnitRows, std::min(rows, (to - offset) * kUnitRows));
    }
    offset += units;
  }
}

void FloatMatMul(const WeightView& w, const float* x, int64_t tokens, float* y, ThreadPool& pool) {
  pool.ParallelFor(w.rows, kUnitRows * kUnitGrain, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float> decoded;
    decoded.resize(w.cols);
    for (int64_t r = begin; r < end; ++r) {
      const float* row = reinterpret_cast<const float*>(w.row(r));
      if (w.type != DType::kF32) {
        DequantizeRow(w.type, w.row(r), w.cols, decoded.data());
        row = decoded.data();
      }
      for (int64_t t = 0; t < tokens; ++t) y[t * w.rows + r] = Dot(row, x + t * w.cols, w.cols);
    }
  });
}

}  // namespace

WeightView SliceRows(const WeightView& w, int64_t begin, int64_t count) {
  return {w.type, count, w.cols, w.row(begin)};
}

absl::StatusOr<WeightView> SliceColumns(const WeightView& w, int64_t begin, int64_t count,
                                        std::vector<uint8_t>& storage) {
  const int64_t block = Info(w.type).block_elements;
  if (begin % block != 0 || count % block != 0) {
    return absl::InvalidArgumentError(absl::StrCat("columns ", begin, "..", begin + count - 1,
                                                   " are not whole ", Info(w.type).name,
                                                   " blocks of ", block, " values"));
  }
  const size_t offset = RowBytes(w.type, begin), bytes = RowBytes(w.type, count);
  storage.resize(bytes * w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    std::memcpy(storage.data() + r * bytes, w.row(r) + offset, bytes);
  }
  return WeightView{w.type, w.rows, count, storage.data()};
}

WeightView ToRows8(const WeightView& w, std::vector<uint8_t>& storage) {
  if (w.rows8 || !HasRows8(w.type) || w.rows % 8 != 0 || w.cols % 32 != 0) return w;
  storage = RepackRows8(w.type, w.rows, w.cols, w.data);
  return {w.type, w.rows, w.cols, storage.data(), /*rows8=*/true};
}

void MatMuls(absl::Span<const MatMulOutput> all, const float* x, int64_t tokens, ThreadPool& pool,
             const PrepareRow& prepare) {
  // Types with an integer kernel share one job; the others go one by one.
  std::vector<MatMulOutput> outputs, float_outputs;
  std::vector<QuantKernels> kernels;
  int64_t units = 0;
  bool any_row_by_row = false;
  for (const MatMulOutput& out : all) {
    const QuantKernels k = QuantDotFor(out.w->type);
    if (k.dot == nullptr) {
      float_outputs.push_back(out);
      continue;
    }
    outputs.push_back(out);
    kernels.push_back(k);
    units += (out.w->rows + kUnitRows - 1) / kUnitRows;
    any_row_by_row |= !out.w->rows8;
  }
  // The integer path quantizes each token's activations once, then dots every row.
  const int64_t cols = all[0].w->cols;
  const int64_t blocks = outputs.empty() ? 0 : cols / 32;
  // Tokens go through the eight-token kernel in groups; a last group of two to seven
  // is padded with zero activations (cheaper than one-token calls, and bit-identical).
  // A lone token takes the one-token kernel.
  // (rows8 weights take every token in one call and need none of this.)
  const int64_t groups = !any_row_by_row ? 0 : tokens % 8 >= 2 ? (tokens + 7) / 8 : tokens / 8;
  const int64_t padded = std::max(tokens, groups * 8);
  thread_local std::vector<BlockQ8> xq;
  thread_local std::vector<BlockQ8x8> xq8;
  // Only the padding needs clearing: every token's blocks are written below.
  xq.resize(padded * blocks);
  std::fill(xq.begin() + tokens * blocks, xq.end(), BlockQ8{});
  xq8.resize(groups * blocks);
  // thread_local names resolve per thread: hand the workers plain pointers.
  BlockQ8* activations = xq.data();
  BlockQ8x8* interleaved = xq8.data();
  if (prepare || !outputs.empty()) {
    pool.ParallelFor(tokens, 1, [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        if (prepare) prepare(t);
        if (blocks > 0) QuantizeRowQ8(x + t * cols, cols, &activations[t * blocks]);
      }
    });
  }
  for (const MatMulOutput& out : float_outputs) FloatMatMul(*out.w, x, tokens, out.y, pool);
  if (outputs.empty()) return;
  pool.ParallelFor(groups, 1, [&](int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) {
      InterleaveQ8x8(&activations[g * 8 * blocks], blocks, blocks, &interleaved[g * blocks]);
    }
  });
  pool.ParallelFor(units, kUnitGrain, [&](int64_t begin, int64_t end) {
    ForEachOutputRange(outputs, begin, end, [&](size_t o, int64_t first, int64_t last) {
      const WeightView& w = *outputs[o].w;
      float* y = outputs[o].y;
      if (w.rows8) {
        for (int64_t r = first; r < last; r += 8) {
          kernels[o].rows8(w.data + r / 8 * Rows8GroupBytes(w.type, w.cols), activations, blocks,
                           tokens, y + r, w.rows);
        }
        return;
      }
      for (int64_t r = first; r < last; ++r) {
        const uint8_t* row = w.row(r);
        for (int64_t g = 0; g < groups; ++g) {
          float sums[8];
          kernels[o].dot8(row, interleaved + g * blocks, blocks, sums);
          for (int64_t i = 0; i < 8 && g * 8 + i < tokens; ++i) {
            y[(g * 8 + i) * w.rows + r] = sums[i];
          }
        }
        for (int64_t t = groups * 8; t < tokens; ++t) {
          y[t * w.rows + r] = kernels[o].dot(row, activations + t * blocks, blocks);
        }
      }
    });
  });
}

}  // namespace llm::cpu
