// LlamaModel on a tiny random-weight GGUF built in the test (quantized and float
// tensors): batching sequences together never changes a sequence's logits, and broken
// files give errors that name the problem.
#include "engine/model/llama_model.h"

#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "engine/model/tiny_llama_gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

constexpr int kVocab = 80;

std::string TinyLlama(const std::string& skip = "", const std::string& arch = "llama") {
  return TinyLlamaGguf({.arch = arch, .skip = skip});
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
  ASSERT_TRUE(model->Forward(a, 0, cache_a, alone_a.data(), pool).ok());
  ASSERT_TRUE(model->Forward(history, 0, cache_b, alone_b.data(), pool).ok());
  ASSERT_TRUE(
      model->Forward({3}, static_cast<int64_t>(history.size()), cache_b, alone_b.data(), pool)
          .ok());
  ASSERT_TRUE(model->Forward(c, 0, cache_c, alone_c.data(), pool).ok());

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
  ASSERT_TRUE(
      model->Forward({SequenceStep{history, 0, table_b.data()}}, pool_cache, scratch.data(), pool)
          .ok());
  ASSERT_TRUE(
      model
          ->Forward({SequenceStep{a, 0, table_a.data()},
                     SequenceStep{{3}, static_cast<int64_t>(history.size()), table_b.data()},
                     SequenceStep{c, 0, table_c.data()}},
                    pool_cache, together.data(), pool)
          .ok());

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
    EXPECT_TRUE((*model)->Forward({1, 2}, 0, cache, logits.data(), pool).ok()) << what;
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
