// generate: runs one prompt (or one chat message, --chat) through a model on the CPU
// (or the GPU, --device), for people and scripts.
// Prints only the generated text on stdout (token ids with --token_ids) and the
// load, prefill and decode timings on stderr.
//   bazel run //engine:generate -- --prompt "The capital of France is" --max_tokens 32
#include <cstdio>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/env.h"
#include "common/jinja/chat_context.h"
#include "common/jinja/template.h"
#include "common/startup.h"
#include "engine/backend/backend_factory.h"
#include "engine/config/engine_config.h"
#include "engine/kv_cache/block_size.h"
#include "engine/model/model_source.h"
#include "engine/runtime/loaded_model.h"
#include "engine/sampling/logits_processor.h"
#include "engine/sampling/sampler.h"
#include "engine/sampling/text_stream.h"
#include "engine/tokenizer/tokenizer.h"

ABSL_FLAG(std::string, model, "",
          "a .gguf model file or an HF checkpoint directory (default: the embedded model)");
ABSL_FLAG(std::string, prompt, "", "the prompt text");
ABSL_FLAG(std::string, chat, "",
          "a user message, sent as a chat: rendered with the model's chat template (instead "
          "of --prompt)");
ABSL_FLAG(int, max_tokens, 128, "most tokens to generate");
ABSL_FLAG(double, temperature, 0.0, "sampling temperature; 0 = greedy");
ABSL_FLAG(int, top_k, 0, "keep the k most likely tokens (0 = all)");
ABSL_FLAG(double, top_p, 1.0, "nucleus sampling threshold");
ABSL_FLAG(double, min_p, 0.0, "drop tokens below min_p x the top probability");
ABSL_FLAG(uint64_t, seed, 0, "random seed for sampling");
ABSL_FLAG(int, threads, 0, "compute threads (0 = one per core)");
ABSL_FLAG(double, repetition_penalty, 1.0, "transformers-style repetition penalty (1 = off)");
ABSL_FLAG(double, presence_penalty, 0.0, "OpenAI-style presence penalty");
ABSL_FLAG(double, frequency_penalty, 0.0, "OpenAI-style frequency penalty");
ABSL_FLAG(std::vector<std::string>, stop, {}, "stop strings (comma-separated), never printed");
ABSL_FLAG(bool, ignore_eos, false, "keep generating past end-of-sequence tokens");
ABSL_FLAG(bool, token_ids, false, "print generated token ids instead of text");
ABSL_FLAG(std::string, device, "cpu", "cpu, cuda, or auto (a GPU when there is one)");
ABSL_FLAG(bool, use_int8, false,
          "re-store float weights as INT8 with per-channel scales (the engine's USE_INT)");

namespace llm {
namespace {

// `message` as one user turn of a chat, in the model's own template, ready for the
// assistant's answer (as transformers' apply_chat_template renders it).
absl::StatusOr<std::string> ChatPrompt(const LoadedModel& loaded, const std::string& message) {
  if (loaded.chat_template.empty()) {
    return absl::InvalidArgumentError("the model has no chat template; use --prompt");
  }
  absl::StatusOr<jinja::Template> chat_template = jinja::Template::Parse(loaded.chat_template);
  if (!chat_template.ok()) return chat_template.status();
  const Tokenizer& tokenizer = *loaded.tokenizer;
  const std::vector<int32_t>& eos = loaded.model->config().eos_token_ids;
  const jinja::Value context =
      jinja::ChatContext({{.role = "user", .content = message}}, /*add_generation_prompt=*/true,
                         tokenizer.bos_id() >= 0 ? tokenizer.TokenText(tokenizer.bos_id()) : "",
                         eos.empty() ? "" : tokenizer.TokenText(eos[0]));
  return chat_template->Render(context);
}

int Run(int argc, char** argv) {
  ParseFlagsOrExit(argc, argv, "Generates a continuation of --prompt. See README.md.");
  std::string path = absl::GetFlag(FLAGS_model);
  if (path.empty()) path = DefaultModelPath(ProcessEnv());
  const int max_tokens = absl::GetFlag(FLAGS_max_tokens);
  if (max_tokens < 0) ExitWithError("--max_tokens", absl::InvalidArgumentError("must be >= 0"));
  int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 0) ExitWithError("--threads", absl::InvalidArgumentError("must be >= 0"));
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  const DeviceKind device = ValueOrExit(ResolveDevice(absl::GetFlag(FLAGS_device)), "--device");
  const absl::Time load_start = absl::Now();
  const ModelSource source = ValueOrExit(ResolveModelSource(path, ProcessEnv()), "--model");
  EngineConfig engine_config;
  engine_config.use_int8 = absl::GetFlag(FLAGS_use_int8);
  std::unique_ptr<LoadedModel> loaded =
      ValueOrExit(LoadModel(source, engine_config, device == DeviceKind::kCuda), "--model");
  const LlamaModel* model = loaded->model.get();
  const Tokenizer* tokenizer = loaded->tokenizer.get();
  const ModelConfig& config = model->config();
  const double load_s = absl::ToDoubleSeconds(absl::Now() - load_start);
  std::fprintf(stderr, "loaded %s in %.2fs: %s\n", path.c_str(), load_s, model->Summary().c_str());

  std::string prompt_text = absl::GetFlag(FLAGS_prompt);
  const bool chat = !absl::GetFlag(FLAGS_chat).empty();
  if (chat && !prompt_text.empty()) {
    ExitWithError("--chat", absl::InvalidArgumentError("give --chat or --prompt, not both"));
  }
  if (chat) prompt_text = ValueOrExit(ChatPrompt(*loaded, absl::GetFlag(FLAGS_chat)), "--chat");
  // A rendered chat carries its own special tokens.
  const std::vector<int32_t> prompt =
      tokenizer->Encode(prompt_text, /*add_special=*/!chat, /*parse_special=*/true);
  if (prompt.empty()) ExitWithError("--prompt", absl::InvalidArgumentError("is empty"));
  const int64_t total = static_cast<int64_t>(prompt.size()) + max_tokens;
  if (total > config.context_length) {
    ExitWithError("--max_tokens",
                  absl::InvalidArgumentError(
                      absl::StrCat("prompt (", prompt.size(), " tokens) + max_tokens (", max_tokens,
                                   ") exceeds the context of ", config.context_length)));
  }
  for (int32_t id : prompt) {
    if (id < 0 || id >= config.vocab_size) {
      ExitWithError("--prompt", absl::InvalidArgumentError("token id outside the model's vocab"));
    }
  }

  const auto blocks = static_cast<int32_t>(BlocksFor(total, kDefaultBlockTokens));
  std::unique_ptr<Backend> backend =
      ValueOrExit(CreateBackend(device, loaded->Shards(), threads, blocks, kDefaultBlockTokens,
                                engine_config.use_int8),
                  "--device");
  std::vector<int32_t> block_table(blocks);
  std::iota(block_table.begin(), block_table.end(), 0);
  Sampler sampler({.temperature = static_cast<float>(absl::GetFlag(FLAGS_temperature)),
                   .top_k = absl::GetFlag(FLAGS_top_k),
                   .top_p = static_cast<float>(absl::GetFlag(FLAGS_top_p)),
                   .min_p = static_cast<float>(absl::GetFlag(FLAGS_min_p)),
                   .seed = absl::GetFlag(FLAGS_seed)});
  const PenaltyConfig penalties{static_cast<float>(absl::GetFlag(FLAGS_repetition_penalty)),
                                static_cast<float>(absl::GetFlag(FLAGS_presence_penalty)),
                                static_cast<float>(absl::GetFlag(FLAGS_frequency_penalty))};
  if (penalties.repetition <= 0.0f) {
    ExitWithError("--repetition_penalty", absl::InvalidArgumentError("must be > 0"));
  }
  TokenCounts counts;
  for (int32_t id : prompt) counts.AddPrompt(id);
  TextStream text(absl::GetFlag(FLAGS_stop));
  std::vector<float> logits(config.vocab_size);

  const absl::Time prefill_start = absl::Now();
  ExitIfError("forward pass",
              backend->Forward({SequenceStep{prompt, 0, block_table.data()}}, logits.data()));
  const double prefill_s = absl::ToDoubleSeconds(absl::Now() - prefill_start);

  const absl::Time decode_start = absl::Now();
  int generated = 0;
  int64_t position = static_cast<int64_t>(prompt.size());
  while (generated < max_tokens) {
    counts.ApplyPenalties(penalties, absl::MakeSpan(logits));
    const int32_t token = sampler.Sample(absl::MakeSpan(logits));
    counts.AddGenerated(token);
    ++generated;
    const bool eos = std::find(config.eos_token_ids.begin(), config.eos_token_ids.end(), token) !=
                     config.eos_token_ids.end();
    if (eos && !absl::GetFlag(FLAGS_ignore_eos)) break;
    if (absl::GetFlag(FLAGS_token_ids)) {
      std::printf("%d\n", token);
    } else if (!tokenizer->IsSpecial(token)) {
      const std::string chunk = text.Append(tokenizer->TokenBytes(token));
      std::fwrite(chunk.data(), 1, chunk.size(), stdout);
    }
    std::fflush(stdout);
    if (generated == max_tokens || text.matched_stop().has_value()) break;
    ExitIfError(
        "forward pass",
        backend->Forward({SequenceStep{{token}, position++, block_table.data()}}, logits.data()));
  }
  if (!absl::GetFlag(FLAGS_token_ids)) std::printf("%s\n", text.Finish().c_str());
  const double decode_s = absl::ToDoubleSeconds(absl::Now() - decode_start);
  std::fprintf(stderr,
               "prompt %zu tokens in %.3fs (%.1f tok/s); generated %d tokens in %.3fs "
               "(%.1f tok/s); %d threads\n",
               prompt.size(), prefill_s, prompt.size() / prefill_s, generated, decode_s,
               generated > 1 ? (generated - 1) / decode_s : 0.0, threads);
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
