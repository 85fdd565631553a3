// An OpenAI completions or chat completions request body, parsed and checked: every
// field the API defines that we honour, with OpenAI's defaults and bounds. A field that
// would change the result but that we do not support (suffix, tools, ...) is an error
// naming it, never silently ignored; fields that change nothing (user, ...) are accepted.
#ifndef LLM_GATEWAY_OPENAI_API_REQUEST_H_
#define LLM_GATEWAY_OPENAI_API_REQUEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/errors/openai_error.h"

namespace llm {

enum class ApiKind { kCompletion, kChat };

// One prompt of a completions request: text, or token ids.
struct ApiPrompt {
  std::string text;
  std::vector<int32_t> token_ids;
  bool is_token_ids = false;
};

// One chat message; content parts of type "text" are joined into `content`.
struct ApiMessage {
  std::string role;
  std::string content;
  std::optional<std::string> name;
};

struct ApiRequest {
  ApiKind kind = ApiKind::kCompletion;
  std::string model;
  std::vector<ApiPrompt> prompts;    // Completions: one or more.
  std::vector<ApiMessage> messages;  // Chat.
  std::optional<int64_t> max_tokens;
  std::optional<float> temperature;
  std::optional<float> top_p;
  int n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::vector<std::string> stop;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  std::map<int32_t, float> logit_bias;
  bool logprobs = false;  // Completions: logprobs >= 0; chat: logprobs true.
  int top_logprobs = 0;   // Alternatives per token.
  bool echo = false;      // Completions only.
  std::optional<uint64_t> seed;
  // vLLM's extras.
  int top_k = 0;
  float min_p = 0.0f;
  std::optional<float> repetition_penalty;
  bool ignore_eos = false;
  std::vector<int32_t> stop_token_ids;
  std::optional<int64_t> min_tokens;
  std::optional<bool> skip_special_tokens;
};

// Parses `body`; the error is a 400 in OpenAI's shape with the field as param.
std::variant<ApiRequest, OpenAiError> ParseApiRequest(absl::string_view body, ApiKind kind);

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_API_REQUEST_H_
