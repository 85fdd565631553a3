// GPU decode attention benchmark (not a test): the paged decode kernel against the
// flash-style prefill kernel given one new token per sequence, on one layer's paged KV
// cache, for Llama-2-7B's heads (32 query and 32 kv heads of 128) and a grouped-query
// shape (32 query heads over 8 kv heads), at several batch sizes and context lengths.
// Prints the time per launch and the bandwidth each reaches reading the keys and values
// (the bytes attention must read): the CUDA backend's decode steps should use the faster.
// Then the decode kernel with each number of splits forced, and the fastest: what the
// splits heuristic (PagedAttentionDecodeSplits) is measured against.
//   gpu_attention [--context 512] [--batches 1,8,32,64]
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "kernels/attention/paged_attention_decode.h"
#include "kernels/attention/prefill_attention.h"
#include "kernels/common/device_buffer.h"

namespace llm {
namespace {

constexpr int64_t kBlockTokens = 16;
constexpr int64_t kHeadDim = 128;
constexpr int kLaunches = 50;

// Median seconds of one enqueue over kLaunches launches, timed in five rounds.
template <typename Enqueue>
double TimeLaunches(Enqueue enqueue) {
  std::vector<double> rounds;
  for (int round = 0; round < 5; ++round) {
    cudaDeviceSynchronize();
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kLaunches; ++i) {
      if (absl::Status s = enqueue(); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return -1.0;
      }
    }
    cudaDeviceSynchronize();
    rounds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
        kLaunches);
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

int Run(int argc, char** argv) {
  int64_t context = 512;
  std::vector<int64_t> batches = {1, 8, 32, 64};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--context" && i + 1 < argc) {
      context = std::stoll(argv[++i]);
    } else if (arg == "--batches" && i + 1 < argc) {
      batches.clear();
      for (absl::string_view b : absl::StrSplit(argv[++i], ',')) {
        batches.push_back(std::stoll(std::string(b)));
      }
    } else {
      std::fprintf(stderr, "usage: gpu_attention [--context 512] [--batches 1,8,32,64]\n");
      return 2;
    }
  }
  const int64_t per_sequence = (context + kBlockTokens - 1) / kBlockTokens;
  const int64_t max_batch = *std::max_element(batches.begin(), batches.end());
  constexpr int64_t kHeads = 32;
  std::printf("context %lld, head_dim %lld, bf16\n", static_cast<long long>(context),
              static_cast<long long>(kHeadDim));
  std::printf(
      "heads/kv  batch  splits  decode_us  prefill_us  decode_GB/s  prefill_GB/s  best_splits  "
      "best_us\n");
  for (int64_t kv_heads : {int64_t{32}, int64_t{8}}) {
    const size_t cache_bytes = max_batch * per_sequence * kv_heads * kBlockTokens * kHeadDim * 2;
    absl::StatusOr<kernels::DeviceBuffer> keys = kernels::DeviceBuffer::Allocate(cache_bytes);
    absl::StatusOr<kernels::DeviceBuffer> values = kernels::DeviceBuffer::Allocate(cache_bytes);
    absl::StatusOr<kernels::DeviceBuffer> q =
        kernels::DeviceBuffer::Allocate(max_batch * kHeads * kHeadDim * 2);
    absl::StatusOr<kernels::DeviceBuffer> out =
        kernels::DeviceBuffer::Allocate(max_batch * kHeads * kHeadDim * 2);
    if (!keys.ok() || !values.ok() || !q.ok() || !out.ok()) {
      std::fprintf(stderr, "cannot allocate the cache: %s\n", keys.status().ToString().c_str());
      return 1;
    }
    // 0x3c3c: bf16 0.0115, finite everywhere.
    if (!keys->Fill(0x3c).ok() || !values->Fill(0x3c).ok() || !q->Fill(0x3c).ok()) return 1;
    for (int64_t batch : batches) {
      std::vector<int32_t> tables(batch * per_sequence), lengths(batch, context), starts;
      for (int64_t i = 0; i < batch * per_sequence; ++i) tables[i] = static_cast<int32_t>(i);
      for (int64_t s = 0; s <= batch; ++s) starts.push_back(static_cast<int32_t>(s));
      absl::StatusOr<kernels::DeviceBuffer> d_tables =
          kernels::DeviceBuffer::FromHost(tables.data(), tables.size() * 4);
      absl::StatusOr<kernels::DeviceBuffer> d_lengths =
          kernels::DeviceBuffer::FromHost(lengths.data(), lengths.size() * 4);
      absl::StatusOr<kernels::DeviceBuffer> d_starts =
          kernels::DeviceBuffer::FromHost(starts.data(), starts.size() * 4);
      if (!d_tables.ok() || !d_lengths.ok() || !d_starts.ok()) return 1;
      const auto* table = static_cast<const int32_t*>(d_tables->data());
      const auto* length = static_cast<const int32_t*>(d_lengths->data());
      const kernels::PagedAttentionShape decode{.sequences = batch,
                                                .heads = kHeads,
                                                .kv_heads = kv_heads,
                                                .head_dim = kHeadDim,
                                                .block_tokens = kBlockTokens,
                                                .max_blocks = per_sequence};
      // Room for the most splits, which the sweep below tries.
      kernels::PagedAttentionShape widest = decode;
      widest.splits = 16;
      absl::StatusOr<kernels::DeviceBuffer> workspace = kernels::DeviceBuffer::Allocate(
          std::max<size_t>(1, kernels::PagedAttentionDecodeWorkspace(widest)));
      if (!workspace.ok()) return 1;
      const kernels::PrefillAttentionShape prefill{.sequences = batch,
                                                   .heads = kHeads,
                                                   .kv_heads = kv_heads,
                                                   .head_dim = kHeadDim,
                                                   .block_tokens = kBlockTokens,
                                                   .max_blocks = per_sequence,
                                                   .max_q_len = 1};
      auto time_decode = [&](const kernels::PagedAttentionShape& shape) {
        return TimeLaunches([&] {
          return kernels::PagedAttentionDecode(q->data(), keys->data(), values->data(), table,
                                               length, out->data(), shape, kernels::DType::kBF16,
                                               workspace->data(), nullptr);
        });
      };
      const double decode_s = time_decode(decode);
      // The splits the heuristic might have chosen instead, and the fastest of them.
      int64_t best_splits = 0;
      double best_s = 0;
      for (int64_t splits : {1, 2, 4, 8, 16}) {
        kernels::PagedAttentionShape forced = decode;
        forced.splits = splits;
        const double s = time_decode(forced);
        if (s > 0 && (best_splits == 0 || s < best_s)) {
          best_splits = splits;
          best_s = s;
        }
      }
      const double prefill_s = TimeLaunches([&] {
        return kernels::PrefillAttention(q->data(), keys->data(), values->data(), table,
                                         static_cast<const int32_t*>(d_starts->data()), length,
                                         out->data(), prefill, kernels::DType::kBF16, nullptr);
      });
      if (decode_s < 0 || prefill_s < 0) return 1;
      const double bytes = 2.0 * batch * context * kv_heads * kHeadDim * 2;
      std::printf("%5lld/%-3lld %5lld  %6lld  %9.1f  %10.1f  %11.0f  %12.0f  %11lld  %7.1f\n",
                  static_cast<long long>(kHeads), static_cast<long long>(kv_heads),
                  static_cast<long long>(batch),
                  static_cast<long long>(kernels::PagedAttentionDecodeSplits(decode)),
                  decode_s * 1e6, prefill_s * 1e6, bytes / decode_s / 1e9, bytes / prefill_s / 1e9,
                  static_cast<long long>(best_splits), best_s * 1e6);
    }
  }
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
