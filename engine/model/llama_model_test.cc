// LlamaModel on a tiny random-weight GGUF built in the test (quantized and float
// tensors): batching sequences together never changes a sequence's logits, and broken
// files give errors that name the problem.
#include "engine/model/llama_model.h"

#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "engine/model/gguf/gguf_builder.h"
#include "engine/tensor/random_weights.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

constexpr int kVocab = 80, kHidden = 64, kFfn = 96, kLayers = 2, kHeads = 4, kKvHeads = 2;

// A llama GGUF: Q8_0 embeddings, Q4_1/Q4_0 projections, F32 norms and LM head.
// `skip` names a tensor to leave out; `arch` replaces the architecture.
std::string TinyLlama(const std::string& skip = "", const std::string& arch = "llama") {
  std::mt19937 rng(42);
  GgufBuilder b;
  b.AddString("general.architecture", arch);
  b.AddU32("llama.embedding_length", kHidden);
  b.AddU32("llama.feed_forward_length", kFfn);
  b.AddU32("llama.block_count", kLayers);
  b.AddU32("llama.attention.head_count", kHeads);
  b.AddU32("llama.attention.head_count_kv", kKvHeads);
  b.AddU32("llama.context_length", 128);
  b.AddF32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  std::vector<std::string> tokens;
  for (int i = 0; i < kVocab; ++i) tokens.push_back(absl::StrCat("t", i));
  b.AddStrings("tokenizer.ggml.tokens", tokens);
  auto matrix = [&](const std::string& name, int rows, int cols, DType type) {
    if (name == skip) return;
    b.AddTensor(name, {static_cast<uint64_t>(cols), static_cast<uint64_t>(rows)}, type,
                RandomWeights(type, rows, cols, 0.3f, rng));
  };
  auto norm = [&](const std::string& name) {
    if (name == skip) return;
    std::vector<float> w(kHidden);
    for (float& v : w) v = 1.0f + 0.1f * std::normal_distribution<float>()(rng);
    b.AddF32Tensor(name, {kHidden}, w);
  };
  const int head_dim = kHidden / kHeads;
  matrix("token_embd.weight", kVocab, kHidden, DType::kQ8_0);
  matrix("output.weight", kVocab, kHidden, DType::kF32);
  norm("output_norm.weight");
  for (int l = 0; l < kLayers; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    norm(p + "attn_norm.weight");
    norm(p + "ffn_norm.weight");
    matrix(p + "attn_q.weight", kHeads * head_dim, kHidden, DType::kQ4_1);
    matrix(p + "attn_k.weight", kKvHeads * head_dim, kHidden, DType::kQ4_1);
    matrix(p + "attn_v.weight", kKvHeads * head_dim, kHidden, DType::kQ4_0);
    matrix(p + "attn_output.weight", kHidden, kHeads * head_dim, DType::kQ4_1);
    matrix(p + "ffn_gate.weight", kFfn, kHidden, DType::kQ4_1);
    matrix(p + "ffn_up.weight", kFfn, kHidden, DType::kQ8_0);
    matrix(p + "ffn_down.weight", kHidden, kFfn, DType::kQ4_1);
  }
  return b.Build();
}

absl::StatusOr<std::unique_ptr<LlamaModel>> Load(const std::string& bytes) {
  const std::string path = testing::TempDir() + "/tiny.gguf";
  std::ofstream(path, std::ios::binary) << bytes;
  absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path);
  if (!gguf.ok()) return gguf.status();
  return LlamaModel::FromGguf(*std::move(gguf));
}

TEST(LlamaModelTest, BatchingAndPagingNeverChangeASequencesLogits) {
  std::unique_ptr<LlamaModel> model = Load(TinyLlama()).value();
  const ModelConfig& config = model->config();
  cpu::ThreadPool pool(3);

  // Three sequences in one step: a long prefill, a decode after history, a short prefill.
  const std::vector<int32_t> a = {1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41};
  const std::vector<int32_t> history = {2, 4, 6, 8, 10, 12, 14, 16, 18};
  const std::vector<int32_t> c = {70, 71, 72};

  // Alone, each in a cache of its own (blocks of 4 positions, in order).
  std::vector<float> alone_a(kVocab), alone_b(kVocab), alone_c(kVocab);
  KvBlocks cache_a(config, 8, 4), cache_b(config, 8, 4), cache_c(config, 8, 4);
  model->Forward(a, 0, cache_a, alone_a.data(), pool);
  model->Forward(history, 0, cache_b, alone_b.data(), pool);
  model->Forward({3}, static_cast<int64_t>(history.size()), cache_b, alone_b.data(), pool);
  model->Forward(c, 0, cache_c, alone_c.data(), pool);

  // Together in one pool, their blocks interleaved: b's history first runs alone, then
  // its next token joins a and c.
  KvBlocks pool_cache(config, 24, 4);
  std::vector<int32_t> table_a, table_b, table_c;
  for (int32_t i = 0; i < 8; ++i) {
    table_a.push_back(3 * i + 2);
    table_b.push_back(3 * i);
    table_c.push_back(3 * i + 1);
  }
  std::vector<float> scratch(kVocab), together(3 * kVocab);
  model->Forward({SequenceStep{history, 0, table_b.data()}}, pool_cache, scratch.data(), pool);
  model->Forward({SequenceStep{a, 0, table_a.data()},
                  SequenceStep{{3}, static_cast<int64_t>(history.size()), table_b.data()},
                  SequenceStep{c, 0, table_c.data()}},
                 pool_cache, together.data(), pool);

  for (int i = 0; i < kVocab; ++i) {
    ASSERT_EQ(together[i], alone_a[i]) << i;  // Bit for bit.
    ASSERT_EQ(together[kVocab + i], alone_b[i]) << i;
    ASSERT_EQ(together[2 * kVocab + i], alone_c[i]) << i;
  }
  EXPECT_NE(alone_a, alone_c);  // The sequences really differ.
}

TEST(LlamaModelTest, MissingTensorsAndUnknownArchitecturesAreNamed) {
  EXPECT_THAT(Load(TinyLlama("blk.1.ffn_up.weight")).status().message(),
              HasSubstr("tensor blk.1.ffn_up.weight is missing"));
  EXPECT_THAT(Load(TinyLlama("", "falcon")).status().message(),
              HasSubstr("architecture 'falcon' is not supported"));
}

TEST(LlamaModelTest, TruncatedAndGarbledFilesFailCleanly) {
  const std::string bytes = TinyLlama();
  cpu::ThreadPool pool(1);
  auto check = [&](const std::string& variant, const std::string& what) {
    absl::StatusOr<std::unique_ptr<LlamaModel>> model = Load(variant);
    if (!model.ok()) {
      EXPECT_THAT(model.status().message(), HasSubstr("tiny.gguf")) << what;
      return false;
    }
    // A flip inside tensor data leaves a loadable model: it must still run.
    const ModelConfig& config = (*model)->config();
    KvBlocks cache(config, 1, 4);
    std::vector<float> logits(config.vocab_size);
    (*model)->Forward({1, 2}, 0, cache, logits.data(), pool);
    return true;
  };
  for (int cut = 0; cut < 200; ++cut) {
    const size_t length = bytes.size() * cut / 200;
    EXPECT_FALSE(check(bytes.substr(0, length), absl::StrCat("cut at ", length)));
  }
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::string garbled = bytes;
    garbled[rng() % garbled.size()] ^= static_cast<char>(1 + rng() % 255);
    check(garbled, absl::StrCat("flip trial ", trial));
  }
}

TEST(LlamaModelTest, TiedEmbeddingsServeAsTheLmHead) {
  std::unique_ptr<LlamaModel> model = Load(TinyLlama("output.weight")).value();
  EXPECT_TRUE(model->config().tied_embeddings);
}

}  // namespace
}  // namespace llm
