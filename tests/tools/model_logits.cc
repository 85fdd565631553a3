// Test helper: the engine's logits for a token sequence, for comparison with an
// independent reference. Feeds the tokens one at a time through the KV cache and
// writes the logits after each ([n, vocab] f32) to OUT.incremental.f32, then runs the
// whole sequence as one prefill and writes its last logits to OUT.prefill.f32. With
// USE_INT=true in the environment, float weights are loaded as INT8 (the engine's USE_INT).
//   model_logits MODEL OUT TOKEN_ID...   (MODEL: a .gguf file or an HF checkpoint directory)
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "engine/backend/cpu/thread_pool.h"
#include "engine/model/llama_model.h"

void CheckOk(const absl::Status& status) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  std::exit(1);
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: model_logits MODEL OUT TOKEN_ID...\n");
    return 2;
  }
  const char* use_int = std::getenv("USE_INT");
  const llm::LoadOptions options{.int8_weights =
                                     use_int != nullptr && std::string(use_int) == "true"};
  absl::StatusOr<std::unique_ptr<llm::LlamaModel>> model =
      std::filesystem::is_directory(argv[1])
          ? llm::LlamaModel::FromHfDirectory(argv[1], options)
          : [&]() -> absl::StatusOr<std::unique_ptr<llm::LlamaModel>> {
    auto gguf = llm::GgufFile::Open(argv[1]);
    if (!gguf.ok()) return gguf.status();
    return llm::LlamaModel::FromGguf(*std::move(gguf), options);
  }();
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  std::vector<int32_t> tokens;
  for (int i = 3; i < argc; ++i) tokens.push_back(std::atoi(argv[i]));
  const llm::ModelConfig& config = (*model)->config();
  llm::cpu::ThreadPool pool(2);
  std::vector<float> logits(config.vocab_size);

  const auto blocks = static_cast<int32_t>(
      llm::BlocksFor(static_cast<int64_t>(tokens.size()), llm::kDefaultBlockTokens));
  llm::KvBlocks incremental(config, blocks, llm::kDefaultBlockTokens);
  std::ofstream out(std::string(argv[2]) + ".incremental.f32", std::ios::binary);
  for (size_t i = 0; i < tokens.size(); ++i) {
    CheckOk(
        (*model)->Forward({tokens[i]}, static_cast<int64_t>(i), incremental, logits.data(), pool));
    out.write(reinterpret_cast<const char*>(logits.data()), logits.size() * sizeof(float));
  }
  llm::KvBlocks prefill(config, blocks, llm::kDefaultBlockTokens);
  CheckOk((*model)->Forward(tokens, 0, prefill, logits.data(), pool));
  std::ofstream(std::string(argv[2]) + ".prefill.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(logits.data()), logits.size() * sizeof(float));
  return 0;
}
