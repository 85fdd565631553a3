// OpenAI's response bodies, built from the engine's output: a whole completion or chat
// completion, and the chunks of a stream (each sent as one server-sent event).
#ifndef LLM_GATEWAY_OPENAI_API_RESPONSE_H_
#define LLM_GATEWAY_OPENAI_API_RESPONSE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/openai/api_request.h"
#include "llm/v1/engine.pb.h"

namespace llm {

// What every body of one response repeats.
struct ResponseHeader {
  ApiKind kind = ApiKind::kCompletion;
  std::string id;  // cmpl-… or chatcmpl-…
  int64_t created = 0;
  std::string model;  // As the client named it.
};

// New output of one choice: text, its tokens' log-probabilities (with echo, the prompt's
// come first), and the finish reason once it has one.
struct ChoiceOutput {
  int index = 0;
  std::string text;
  std::vector<llm::v1::TokenLogprob> logprobs;
  int64_t text_offset = 0;  // Where `text` starts in the choice's whole text (completions).
  llm::v1::FinishReason finish = llm::v1::FINISH_REASON_UNSPECIFIED;
};

// The body of a non-streamed response.
std::string ResponseBody(const ResponseHeader& header, const std::vector<ChoiceOutput>& choices,
                         bool logprobs, const llm::v1::Usage& usage);

// One streamed chunk of one choice; `role` adds the assistant role (a chat choice's first).
std::string ChunkBody(const ResponseHeader& header, const ChoiceOutput& choice, bool logprobs,
                      bool role);

// The last chunk of a stream that asked for usage: no choices, the usage.
std::string UsageChunkBody(const ResponseHeader& header, const llm::v1::Usage& usage);

// `json` as one server-sent event.
std::string SseEvent(const std::string& json);
inline constexpr char kSseDone[] = "data: [DONE]\n\n";

// OpenAI's name for a finish reason ("stop", "length"); null for none yet.
const char* FinishReasonName(llm::v1::FinishReason reason);

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_API_RESPONSE_H_
