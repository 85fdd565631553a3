// GPU decode benchmark (not a test): decode step latency of the CUDA backend at several
// batch sizes for a Llama-2-7B-shaped model with random weights (bf16, or INT8 with
// --int8), beside the HBM floor: the bytes a step must read (every weight once, every
// sequence's keys and values) over the device-to-device copy bandwidth measured in the
// same run. Prints one line per batch; tools/device/gpu_bench.sh sets it beside PyTorch.
// --serial_launches turns off overlapped kernel launches (kernels/common/launch.h).
//   gpu_decode [--int8] [--serial_launches] [--context 512] [--steps 20]
//              [--batches 1,8,32,64] [--layers 32]
#include <cuda_profiler_api.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "engine/backend/cuda/cuda_backend.h"
#include "engine/model/llama_model.h"
#include "kernels/common/device_buffer.h"
#include "kernels/common/launch.h"

namespace llm {
namespace {

// Llama-2-7B's shapes.
ModelConfig SevenB() {
  ModelConfig c;
  c.architecture = "LlamaForCausalLM";
  c.vocab_size = 32000;
  c.hidden_size = 4096;
  c.intermediate_size = 11008;
  c.num_layers = 32;
  c.num_heads = 32;
  c.num_kv_heads = 32;
  c.head_dim = 128;
  c.context_length = 4096;
  c.rms_norm_eps = 1e-5f;
  return c;
}

// Every tensor of the model, made on first request: f16 matrices with small random
// values (filled by all cores), f32 norms of ones.
class RandomWeights : public WeightSource {
 public:
  explicit RandomWeights(const ModelConfig& c) {
    const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
    shapes_["token_embd.weight"] = {c.vocab_size, c.hidden_size};
    shapes_["output.weight"] = {c.vocab_size, c.hidden_size};
    shapes_["output_norm.weight"] = {c.hidden_size};
    for (int64_t l = 0; l < c.num_layers; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      shapes_[p + "attn_norm.weight"] = {c.hidden_size};
      shapes_[p + "ffn_norm.weight"] = {c.hidden_size};
      shapes_[p + "attn_q.weight"] = {q, c.hidden_size};
      shapes_[p + "attn_k.weight"] = {kv, c.hidden_size};
      shapes_[p + "attn_v.weight"] = {kv, c.hidden_size};
      shapes_[p + "attn_output.weight"] = {c.hidden_size, q};
      shapes_[p + "ffn_gate.weight"] = {c.intermediate_size, c.hidden_size};
      shapes_[p + "ffn_up.weight"] = {c.intermediate_size, c.hidden_size};
      shapes_[p + "ffn_down.weight"] = {c.hidden_size, c.intermediate_size};
    }
  }

  const std::string& path() const override { return path_; }

  std::optional<TensorView> Find(absl::string_view name) const override {
    auto shape = shapes_.find(std::string(name));
    if (shape == shapes_.end()) return std::nullopt;
    std::lock_guard<std::mutex> lock(mu_);
    auto [it, added] = data_.try_emplace(shape->first);
    int64_t count = 1;
    for (int64_t d : shape->second) count *= d;
    const bool matrix = shape->second.size() == 2;
    if (added) Fill(it->second, count, matrix);
    return TensorView{matrix ? DType::kF16 : DType::kF32, shape->second, it->second.data()};
  }

 private:
  static void Fill(std::vector<uint8_t>& bytes, int64_t count, bool matrix) {
    if (!matrix) {
      std::vector<float> ones(count, 1.0f);
      bytes.resize(count * 4);
      std::memcpy(bytes.data(), ones.data(), bytes.size());
      return;
    }
    bytes.resize(count * 2);
    const int threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::minstd_rand rng(1234 + t);
        uint16_t* h = reinterpret_cast<uint16_t*>(bytes.data());
        for (int64_t i = t; i < count; i += threads) {
          // |x| in [2^-7, 2^-6): f16 exponent 8, random mantissa and sign.
          const uint32_t r = rng();
          h[i] = static_cast<uint16_t>(((r & 1) << 15) | (8 << 10) | ((r >> 1) & 0x3ff));
        }
      });
    }
    for (std::thread& w : workers) w.join();
  }

  std::string path_ = "(random Llama-2-7B shapes)";
  std::map<std::string, std::vector<int64_t>> shapes_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::vector<uint8_t>> data_;
};

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Run(int argc, char** argv) {
  bool int8 = false;
  int64_t context = 512, steps = 20;
  std::vector<int64_t> batches = {1, 8, 32, 64};
  ModelConfig c = SevenB();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--int8") {
      int8 = true;
    } else if (arg == "--serial_launches") {  // What overlapped launches gain.
      kernels::SetOverlappedLaunches(false);
    } else if (arg == "--context" && i + 1 < argc) {
      context = std::stoll(argv[++i]);
    } else if (arg == "--layers" && i + 1 < argc) {  // Fewer layers: a quick look.
      c.num_layers = std::stoll(argv[++i]);
    } else if (arg == "--steps" && i + 1 < argc) {
      steps = std::stoll(argv[++i]);
    } else if (arg == "--batches" && i + 1 < argc) {
      batches.clear();
      for (absl::string_view b : absl::StrSplit(argv[++i], ','))
        batches.push_back(std::stoll(std::string(b)));
    } else {
      std::fprintf(stderr,
                   "usage: gpu_decode [--int8] [--serial_launches] [--context N] [--steps N] "
                   "[--batches 1,8] [--layers N]\n");
      return 2;
    }
  }
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<std::unique_ptr<LlamaModel>> model =
      LlamaModel::FromWeights(c, std::make_unique<RandomWeights>(c), {.keep_stored_layout = true});
  if (!model.ok()) return std::fprintf(stderr, "%s\n", model.status().ToString().c_str()), 1;
  constexpr int64_t kBlockTokens = 16;
  const int64_t per_sequence = (context + steps + kBlockTokens - 1) / kBlockTokens;
  const int64_t max_batch = *std::max_element(batches.begin(), batches.end());
  absl::StatusOr<std::unique_ptr<Backend>> backend = CudaBackend::Create(
      **model, static_cast<int32_t>(max_batch * per_sequence), kBlockTokens, int8);
  if (!backend.ok()) return std::fprintf(stderr, "%s\n", backend.status().ToString().c_str()), 1;
  std::fprintf(stderr, "model built and uploaded in %.1fs (%s)\n", Seconds(start),
               int8 ? "INT8 weights" : "bf16 weights");

  // HBM bandwidth: a 2 GiB device-to-device copy, bytes read plus written.
  constexpr size_t kCopy = size_t{1} << 30;
  absl::StatusOr<kernels::DeviceBuffer> scratch = kernels::DeviceBuffer::Allocate(2 * kCopy);
  if (!scratch.ok()) return 1;
  std::vector<double> copy_times;
  for (int i = 0; i < 6; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!scratch->CopyWithin(kCopy, 0, kCopy).ok()) return 1;
    cudaDeviceSynchronize();  // A device-to-device cudaMemcpy may return before it is done.
    copy_times.push_back(Seconds(t0));
  }
  std::sort(copy_times.begin(), copy_times.end());
  const double bandwidth = 2.0 * kCopy / copy_times[copy_times.size() / 2];
  scratch = kernels::DeviceBuffer();

  const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
  const int64_t layer_params =
      2 * q * c.hidden_size + 2 * kv * c.hidden_size + 3 * c.intermediate_size * c.hidden_size;
  const double weight_bytes = c.num_layers * layer_params * (int8 ? 1.0 : 2.0) +
                              c.vocab_size * c.hidden_size * 2.0;  // The LM head stays bf16.
  std::printf("copy bandwidth %.0f GB/s; weights read per step %.2f GB\n", bandwidth / 1e9,
              weight_bytes / 1e9);
  std::printf("%s batch  step_ms  floor_ms  step/floor  tok/s\n", int8 ? "int8" : "bf16");
  std::mt19937 rng(7);
  for (int64_t batch : batches) {
    std::vector<std::vector<int32_t>> tables(batch);
    std::vector<SequenceStep> prefill;
    for (int64_t s = 0; s < batch; ++s) {
      for (int64_t b = 0; b < per_sequence; ++b) {
        tables[s].push_back(static_cast<int32_t>(s * per_sequence + b));
      }
      std::vector<int32_t> prompt(context);
      for (int32_t& id : prompt) id = static_cast<int32_t>(rng() % c.vocab_size);
      prefill.push_back({prompt, 0, tables[s].data()});
    }
    // Where the engine loop has the logits written: the backend's page-locked memory.
    absl::StatusOr<float*> logits = (*backend)->LogitsBuffer(batch * c.vocab_size);
    if (!logits.ok()) return std::fprintf(stderr, "%s\n", logits.status().ToString().c_str()), 1;
    if (absl::Status s = (*backend)->Forward(prefill, *logits); !s.ok()) {
      return std::fprintf(stderr, "prefill: %s\n", s.ToString().c_str()), 1;
    }
    std::vector<double> times;
    cudaProfilerStart();  // A profiler started with the profiling off sees the decode steps.
    for (int64_t i = 0; i < steps; ++i) {
      std::vector<SequenceStep> decode;
      for (int64_t s = 0; s < batch; ++s) {
        decode.push_back(
            {{static_cast<int32_t>(rng() % c.vocab_size)}, context + i, tables[s].data()});
      }
      const auto t0 = std::chrono::steady_clock::now();
      if (absl::Status s = (*backend)->Forward(decode, *logits); !s.ok()) {
        return std::fprintf(stderr, "decode: %s\n", s.ToString().c_str()), 1;
      }
      times.push_back(Seconds(t0));
    }
    cudaProfilerStop();
    std::sort(times.begin(), times.end());
    const double step = times[times.size() / 2];
    const double kv_bytes = 2.0 * batch * (context + steps / 2) * c.num_layers * kv * 2;
    const double floor = (weight_bytes + kv_bytes) / bandwidth;
    std::printf("%s %5lld  %7.2f  %8.2f  %10.2f  %6.0f\n", int8 ? "int8" : "bf16",
                static_cast<long long>(batch), step * 1e3, floor * 1e3, step / floor, batch / step);
  }
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
