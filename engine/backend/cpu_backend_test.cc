// CpuBackend with tensor parallelism: 2 and 4 ranks, each holding a shard of the model
// and combining partial results through the LocalGroup, give the logits of one rank up
// to the rounding of adding partial sums in another order — over a batch that mixes a
// prefill with decodes — for a Llama with an LM head whose vocabulary the ranks do not
// split evenly, a Qwen2 (Q, K and V biases) and a tied LM head. A split the model's
// heads do not allow is refused with the reason.
#include "engine/backend/cpu_backend.h"

#include <cmath>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/model/tiny_llama_gguf.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

absl::StatusOr<std::vector<std::unique_ptr<LlamaModel>>> LoadShards(const std::string& bytes,
                                                                    int ranks) {
  const std::string path = testing::TempDir() + "/tiny_tp.gguf";
  std::ofstream(path, std::ios::binary) << bytes;
  std::vector<std::unique_ptr<LlamaModel>> shards;
  for (int r = 0; r < ranks; ++r) {
    absl::StatusOr<std::unique_ptr<GgufFile>> gguf = GgufFile::Open(path);
    if (!gguf.ok()) return gguf.status();
    absl::StatusOr<std::unique_ptr<LlamaModel>> shard = LlamaModel::FromGguf(
        *std::move(gguf), {.tensor_parallel_rank = r, .tensor_parallel_size = ranks});
    if (!shard.ok()) return shard.status();
    shards.push_back(*std::move(shard));
  }
  return shards;
}

// Logits of three steps: sequence A's 7-token prompt beside B's first 3 tokens, then
// both decoding one token at a time.
std::vector<std::vector<float>> RunSteps(const std::vector<std::unique_ptr<LlamaModel>>& shards) {
  std::vector<const LlamaModel*> models;
  for (const auto& shard : shards) models.push_back(shard.get());
  CpuBackend backend(models, /*threads=*/2, /*kv_blocks=*/16, /*kv_block_tokens=*/4);
  const std::vector<int32_t> table_a = {3, 0, 7}, table_b = {5, 9};
  const std::vector<std::vector<SequenceStep>> steps = {
      {{{5, 17, 42, 8, 60, 1, 33}, 0, table_a.data()}, {{9, 2, 71}, 0, table_b.data(), true}},
      {{{12}, 7, table_a.data()}, {{40}, 3, table_b.data()}},
      {{{77}, 8, table_a.data()}, {{3}, 4, table_b.data()}}};
  const int64_t vocab = shards[0]->config().vocab_size;
  std::vector<std::vector<float>> out;
  for (const std::vector<SequenceStep>& step : steps) {
    int64_t rows = 0;
    for (const SequenceStep& s : step) rows += s.all_logits ? s.tokens.size() : 1;
    std::vector<float> logits(rows * vocab, NAN);
    EXPECT_TRUE(backend.Forward(step, logits.data()).ok());
    out.push_back(std::move(logits));
  }
  return out;
}

struct Case {
  const char* name;
  TinyLlamaShape shape;
};

class TensorParallelTest : public testing::TestWithParam<Case> {};

TEST_P(TensorParallelTest, RanksGiveTheLogitsOfOne) {
  const std::string bytes = TinyLlamaGguf(GetParam().shape);
  const std::vector<std::vector<float>> one = RunSteps(LoadShards(bytes, 1).value());
  for (int ranks : {2, 4}) {
    const std::vector<std::vector<float>> split = RunSteps(LoadShards(bytes, ranks).value());
    for (size_t s = 0; s < one.size(); ++s) {
      ASSERT_EQ(split[s].size(), one[s].size());
      for (size_t i = 0; i < one[s].size(); ++i) {
        ASSERT_NEAR(split[s][i], one[s][i], 2e-3f * (1.0f + std::fabs(one[s][i])))
            << ranks << " ranks, step " << s << ", logit " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, TensorParallelTest,
    testing::Values(
        Case{"llama", {.vocab = 83, .hidden = 128, .ffn = 256, .heads = 8, .kv_heads = 4}},
        Case{"qwen2",
             {.vocab = 64, .hidden = 128, .ffn = 256, .heads = 8, .kv_heads = 4, .arch = "qwen2"}},
        Case{"tied",
             {.vocab = 90,
              .hidden = 128,
              .ffn = 256,
              .heads = 4,
              .kv_heads = 4,
              .skip = "output.weight"}}),
    [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(TensorParallelTest, RefusesASplitOfUnevenHeads) {
  const std::string bytes =
      TinyLlamaGguf({.vocab = 83, .hidden = 128, .ffn = 256, .heads = 8, .kv_heads = 4});
  EXPECT_THAT(
      LoadShards(bytes, 3).status().message(),
      testing::AllOf(testing::HasSubstr("TENSOR_PARALLEL=3"), testing::HasSubstr("kv heads (4)")));
}

}  // namespace
}  // namespace llm
