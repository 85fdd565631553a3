// The CUDA backend on tiny random-weight Llama and Qwen2 (Q/K/V biases) models with F16
// weights: batched steps (prefills of different lengths, then decode steps of 3, 5 and 1
// sequences, which run padded to their buckets as CUDA graphs) give the CPU backend's f32
// logits up to bf16 rounding and its greedy tokens; a decode step replayed from its graph
// gives exactly the logits of the same step run eagerly; USE_INT's two product paths
// agree. Skips without a GPU.
#include "engine/backend/cuda/cuda_backend.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend/backend_factory.h"
#include "engine/model/tiny_llama_gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kernels/common/device.h"

namespace llm {
namespace {

constexpr int32_t kBlocks = 64;
constexpr int64_t kBlockTokens = 4;

// The parameter is the architecture: "llama", or "qwen2" with Q/K/V biases.
class CudaBackendTest : public testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    absl::StatusOr<int> devices = kernels::CudaDeviceCount();
    if (!devices.ok()) GTEST_SKIP() << "needs a GPU: " << devices.status().message();
    const std::string path = testing::TempDir() + "/tiny_cuda.gguf";
    std::ofstream(path, std::ios::binary) << TinyLlamaGguf({.vocab = 83,
                                                            .hidden = 128,
                                                            .ffn = 256,
                                                            .heads = 8,
                                                            .kv_heads = 4,
                                                            .arch = GetParam(),
                                                            .float_weights = true});
    for (bool gpu : {false, true}) {
      absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path);
      ASSERT_TRUE(gguf.ok()) << gguf.status();
      absl::StatusOr<std::unique_ptr<LlamaModel>> model =
          LlamaModel::FromGguf(*std::move(gguf), {.keep_stored_layout = gpu});
      ASSERT_TRUE(model.ok()) << model.status();
      absl::StatusOr<std::unique_ptr<Backend>> backend =
          CreateBackend(gpu ? DeviceKind::kCuda : DeviceKind::kCpu, {model->get()},
                        /*threads=*/2, kBlocks, kBlockTokens, /*int8_weights=*/false);
      ASSERT_TRUE(backend.ok()) << backend.status();
      (gpu ? gpu_model_ : cpu_model_) = *std::move(model);
      (gpu ? gpu_ : cpu_) = *std::move(backend);
    }
    vocab_ = cpu_model_->config().vocab_size;
  }

  std::vector<float> Run(Backend& backend, const std::vector<SequenceStep>& steps) {
    int64_t rows = 0;
    for (const SequenceStep& s : steps) rows += s.all_logits ? s.tokens.size() : 1;
    // Written where the engine loop has them written: the backend's own (for the GPU,
    // page-locked) memory, poisoned first.
    absl::StatusOr<float*> buffer = backend.LogitsBuffer(rows * vocab_);
    EXPECT_TRUE(buffer.ok()) << buffer.status();
    if (!buffer.ok()) return {};
    std::fill(*buffer, *buffer + rows * vocab_, NAN);
    const absl::Status status = backend.Forward(steps, *buffer);
    EXPECT_TRUE(status.ok()) << status;
    return std::vector<float>(*buffer, *buffer + rows * vocab_);
  }

  std::unique_ptr<LlamaModel> cpu_model_, gpu_model_;
  std::unique_ptr<Backend> cpu_, gpu_;
  int64_t vocab_ = 0;
};

// Five sequences, each with blocks of its own.
std::vector<std::vector<int32_t>> Tables() {
  std::vector<std::vector<int32_t>> tables(5);
  for (int32_t s = 0; s < 5; ++s) {
    for (int32_t b = 0; b < 12; ++b) tables[s].push_back(s * 12 + b);
  }
  return tables;
}

TEST_P(CudaBackendTest, BatchedStepsGiveTheCpuBackendsLogits) {
  const std::vector<std::vector<int32_t>> tables = Tables();
  const std::vector<std::vector<int32_t>> prompts = {
      {5, 17, 42, 8, 60}, {9, 2, 71, 33, 1, 12, 7, 70, 4}, {3, 44}, {81, 6, 6, 20}, {50}};
  std::vector<std::vector<SequenceStep>> steps;
  std::vector<SequenceStep> prefill;
  std::vector<int64_t> length(prompts.size());
  for (size_t s = 0; s < prompts.size(); ++s) {
    prefill.push_back({prompts[s], 0, tables[s].data()});
    length[s] = static_cast<int64_t>(prompts[s].size());
  }
  steps.push_back(prefill);
  // Decodes of 3 sequences (bucket 4), then all 5 (bucket 8), then one (bucket 1), three
  // steps each: the first runs eagerly, the second is captured, the third replayed.
  int32_t token = 11;
  for (int64_t count : {3, 5, 1}) {
    for (int i = 0; i < 3; ++i) {
      std::vector<SequenceStep> decode;
      for (int64_t s = 0; s < count; ++s) {
        decode.push_back({{token}, length[s]++, tables[s].data()});
        token = (token * 7 + 3) % static_cast<int32_t>(vocab_);
      }
      steps.push_back(decode);
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::vector<float> cpu = Run(*cpu_, steps[i]);
    const std::vector<float> gpu = Run(*gpu_, steps[i]);
    for (size_t row = 0; row < cpu.size() / vocab_; ++row) {
      const float* c = &cpu[row * vocab_];
      const float* g = &gpu[row * vocab_];
      float scale = 0.0f;
      for (int64_t v = 0; v < vocab_; ++v) scale = std::max(scale, std::fabs(c[v]));
      for (int64_t v = 0; v < vocab_; ++v) {
        // bf16 activations (the residual stream included) and weights on the GPU, f32
        // on the CPU (F16 weights, no 8-bit activations). Each rounding is 0.4%; over two
        // layers of these random weights they reached 4.4% of the largest logit on an
        // H200. A wrong offset, head or position moves logits by their whole size, and
        // the greedy token is checked below.
        ASSERT_NEAR(g[v], c[v], 0.06f * scale + 0.02f) << "step " << i << ", row " << row;
      }
      const int64_t best = std::max_element(c, c + vocab_) - c;
      std::vector<float> rest(c, c + vocab_);
      rest[best] = -INFINITY;
      const float margin = c[best] - *std::max_element(rest.begin(), rest.end());
      if (margin > 0.1f * scale) {
        EXPECT_EQ(std::max_element(g, g + vocab_) - g, best) << "step " << i << ", row " << row;
      }
    }
  }
}

TEST_P(CudaBackendTest, AGraphReplayGivesTheEagerStepsLogits) {
  const std::vector<std::vector<int32_t>> tables = Tables();
  std::vector<SequenceStep> prefill, decode;
  for (int32_t s = 0; s < 3; ++s) {
    prefill.push_back({{7, 8, 9, s + 20}, 0, tables[s].data()});
    decode.push_back({{s + 30}, 4, tables[s].data()});
  }
  Run(*gpu_, prefill);
  // The same step three times (it stores the same keys and values each time): run
  // eagerly, captured and run, replayed.
  const std::vector<float> eager = Run(*gpu_, decode);
  for (int i = 0; i < 2; ++i) {
    const std::vector<float> replayed = Run(*gpu_, decode);
    for (size_t v = 0; v < eager.size(); ++v) {
      ASSERT_EQ(replayed[v], eager[v]) << "run " << i + 2 << ", logit " << v;
    }
  }
}

// With USE_INT, a prefill's product over more than 8 tokens widens the INT8 weights to
// bf16 for the tensor cores; over fewer it reads them as INT8. A 48-token prompt at once
// (widened) and as 40 + 8 tokens (the 8 through the INT8 kernel) must give the same
// logits up to bf16 rounding (of the widened weights, besides the activations): on an
// H200 the two ways parted by up to 4.2% of the largest logit on these random weights; a
// wrong scale or row moves logits by their whole size.
TEST_P(CudaBackendTest, Int8WeightsGiveTheSameLogitsWidenedOrNot) {
  absl::StatusOr<std::unique_ptr<Backend>> int8 =
      CudaBackend::Create(*gpu_model_, kBlocks, kBlockTokens, /*int8_weights=*/true);
  ASSERT_TRUE(int8.ok()) << int8.status();
  const std::vector<std::vector<int32_t>> tables = Tables();
  std::vector<int32_t> prompt(48);
  for (int32_t i = 0; i < 48; ++i) prompt[i] = (i * 37 + 5) % static_cast<int32_t>(vocab_);
  const std::vector<float> whole = Run(**int8, {{prompt, 0, tables[0].data()}});
  const std::vector<int32_t> head(prompt.begin(), prompt.begin() + 40);
  const std::vector<int32_t> tail(prompt.begin() + 40, prompt.end());
  Run(**int8, {{head, 0, tables[1].data()}});
  const std::vector<float> split = Run(**int8, {{tail, 40, tables[1].data()}});
  float scale = 0.0f;
  for (float v : whole) scale = std::max(scale, std::fabs(v));
  ASSERT_GT(scale, 0.0f);
  for (int64_t v = 0; v < vocab_; ++v) {
    ASSERT_NEAR(split[v], whole[v], 0.06f * scale + 0.02f) << "logit " << v;
  }
}

INSTANTIATE_TEST_SUITE_P(Architectures, CudaBackendTest, testing::Values("llama", "qwen2"));

// Refused before the GPU is touched, so this runs everywhere.
TEST(CudaBackendCreateTest, RefusesAHeadSizeTheDecodeKernelCannotRead) {
  const std::string path = testing::TempDir() + "/tiny_head_dim_12.gguf";
  std::ofstream(path, std::ios::binary)
      << TinyLlamaGguf({.vocab = 40, .hidden = 96, .ffn = 64, .heads = 8, .kv_heads = 4});
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path);
  ASSERT_TRUE(gguf.ok()) << gguf.status();
  absl::StatusOr<std::unique_ptr<LlamaModel>> model =
      LlamaModel::FromGguf(*std::move(gguf), {.keep_stored_layout = true});
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<std::unique_ptr<Backend>> backend =
      CudaBackend::Create(**model, kBlocks, kBlockTokens, /*int8_weights=*/false);
  EXPECT_EQ(backend.status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_THAT(std::string(backend.status().message()), testing::HasSubstr("head_dim 12"));
}

}  // namespace
}  // namespace llm
