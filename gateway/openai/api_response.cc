#include "gateway/openai/api_response.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace llm {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void String(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Bytes(Writer& w, const std::string& bytes) {
  w.StartArray();
  for (unsigned char c : bytes) w.Int(c);
  w.EndArray();
}

void Usage(Writer& w, const llm::v1::Usage& usage) {
  w.Key("usage");
  w.StartObject();
  w.Key("prompt_tokens");
  w.Uint(usage.prompt_tokens());
  w.Key("completion_tokens");
  w.Uint(usage.completion_tokens());
  w.Key("total_tokens");
  w.Uint(usage.prompt_tokens() + usage.completion_tokens());
  w.Key("prompt_tokens_details");
  w.StartObject();
  w.Key("cached_tokens");
  w.Uint(usage.cached_tokens());
  w.EndObject();
  w.EndObject();
}

// Legacy completions: parallel lists of tokens, their log-probabilities, the top
// alternatives as {token: logprob} and each token's offset in the text.
void CompletionLogprobs(Writer& w, const ChoiceOutput& choice) {
  w.StartObject();
  w.Key("tokens");
  w.StartArray();
  for (const auto& entry : choice.logprobs) String(w, entry.token());
  w.EndArray();
  w.Key("token_logprobs");
  w.StartArray();
  for (const auto& entry : choice.logprobs) {
    if (entry.has_logprob()) {
      w.Double(entry.logprob());
    } else {
      w.Null();
    }
  }
  w.EndArray();
  w.Key("top_logprobs");
  w.StartArray();
  for (const auto& entry : choice.logprobs) {
    if (!entry.has_logprob()) {
      w.Null();
      continue;
    }
    w.StartObject();
    for (const auto& top : entry.top_logprobs()) {
      String(w, top.token());
      w.Double(top.logprob());
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("text_offset");
  w.StartArray();
  int64_t offset = choice.text_offset;
  for (const auto& entry : choice.logprobs) {
    w.Int64(offset);
    offset += static_cast<int64_t>(entry.token().size());
  }
  w.EndArray();
  w.EndObject();
}

// A chat logprobs entry's own fields, shared by the token and its alternatives.
void TokenFields(Writer& w, const std::string& token, float logprob, const std::string& bytes) {
  w.Key("token");
  String(w, token);
  w.Key("logprob");
  w.Double(logprob);
  w.Key("bytes");
  Bytes(w, bytes);
}

void ChatLogprobs(Writer& w, const ChoiceOutput& choice) {
  w.StartObject();
  w.Key("content");
  w.StartArray();
  for (const auto& entry : choice.logprobs) {
    w.StartObject();
    TokenFields(w, entry.token(), entry.logprob(), entry.token_bytes());
    w.Key("top_logprobs");
    w.StartArray();
    for (const auto& top : entry.top_logprobs()) {
      w.StartObject();
      TokenFields(w, top.token(), top.logprob(), top.token_bytes());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void Header(Writer& w, const ResponseHeader& header, bool chunk) {
  w.Key("id");
  String(w, header.id);
  w.Key("object");
  w.String(header.kind == ApiKind::kCompletion ? "text_completion"
           : chunk                             ? "chat.completion.chunk"
                                               : "chat.completion");
  w.Key("created");
  w.Int64(header.created);
  w.Key("model");
  String(w, header.model);
  w.Key("system_fingerprint");
  w.Null();
}

void FinishReason(Writer& w, llm::v1::FinishReason reason) {
  w.Key("finish_reason");
  if (const char* name = FinishReasonName(reason)) {
    w.String(name);
  } else {
    w.Null();
  }
}

// One entry of "choices": whole (message) or a chunk (delta).
void Choice(Writer& w, ApiKind kind, const ChoiceOutput& choice, bool logprobs, bool chunk,
            bool role) {
  w.StartObject();
  w.Key("index");
  w.Int(choice.index);
  if (kind == ApiKind::kCompletion) {
    w.Key("text");
    String(w, choice.text);
  } else {
    w.Key(chunk ? "delta" : "message");
    w.StartObject();
    if (role || !chunk) {
      w.Key("role");
      w.String("assistant");
    }
    if (!chunk || role || !choice.text.empty()) {
      w.Key("content");
      String(w, choice.text);
    }
    w.EndObject();
  }
  w.Key("logprobs");
  if (!logprobs || (chunk && choice.logprobs.empty())) {
    w.Null();
  } else if (kind == ApiKind::kCompletion) {
    CompletionLogprobs(w, choice);
  } else {
    ChatLogprobs(w, choice);
  }
  FinishReason(w, choice.finish);
  w.EndObject();
}

std::string Done(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

const char* FinishReasonName(llm::v1::FinishReason reason) {
  switch (reason) {
    case llm::v1::FINISH_REASON_STOP:
      return "stop";
    case llm::v1::FINISH_REASON_LENGTH:
      return "length";
    default:
      return nullptr;
  }
}

std::string ResponseBody(const ResponseHeader& header, const std::vector<ChoiceOutput>& choices,
                         bool logprobs, const llm::v1::Usage& usage) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Header(w, header, /*chunk=*/false);
  w.Key("choices");
  w.StartArray();
  for (const ChoiceOutput& choice : choices) {
    Choice(w, header.kind, choice, logprobs, /*chunk=*/false, /*role=*/false);
  }
  w.EndArray();
  Usage(w, usage);
  w.EndObject();
  return Done(buffer);
}

std::string ChunkBody(const ResponseHeader& header, const ChoiceOutput& choice, bool logprobs,
                      bool role) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Header(w, header, /*chunk=*/true);
  w.Key("choices");
  w.StartArray();
  Choice(w, header.kind, choice, logprobs, /*chunk=*/true, role);
  w.EndArray();
  w.EndObject();
  return Done(buffer);
}

std::string UsageChunkBody(const ResponseHeader& header, const llm::v1::Usage& usage) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Header(w, header, /*chunk=*/true);
  w.Key("choices");
  w.StartArray();
  w.EndArray();
  Usage(w, usage);
  w.EndObject();
  return Done(buffer);
}

std::string SseEvent(const std::string& json) { return absl::StrCat("data: ", json, "\n\n"); }

}  // namespace llm
