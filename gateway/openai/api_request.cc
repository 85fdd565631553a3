#include "gateway/openai/api_request.h"

#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace llm {
namespace {

using Json = rapidjson::Value;

// A field is null or absent alike (the SDKs send null for unset options).
const Json* Field(const Json& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::string TypeName(const Json& value) {
  if (value.IsBool()) return "boolean";
  if (value.IsNumber()) return "number";
  if (value.IsString()) return "string";
  if (value.IsArray()) return "array";
  if (value.IsObject()) return "object";
  return "null";
}

OpenAiError Invalid(const std::string& param, const std::string& message) {
  return OpenAiError{.message = message, .param = param};
}

OpenAiError WrongType(const std::string& param, const Json& value, const char* expected) {
  return Invalid(param,
                 absl::StrCat(TypeName(value), " is not of type '", expected, "' - '", param, "'"));
}

// Reads the request's fields; the first problem wins.
class Reader {
 public:
  explicit Reader(const Json& object) : object_(object) {}

  const std::optional<OpenAiError>& error() const { return error_; }

  bool Bool(const char* name, bool& out) {
    const Json* value = Field(object_, name);
    if (value == nullptr || error_) return false;
    if (!value->IsBool()) return Fail(WrongType(name, *value, "boolean"));
    out = value->GetBool();
    return true;
  }

  // A number within [min, max].
  bool Number(const char* name, double min, double max, double& out) {
    const Json* value = Field(object_, name);
    if (value == nullptr || error_) return false;
    if (!value->IsNumber()) return Fail(WrongType(name, *value, "number"));
    out = value->GetDouble();
    return CheckRange(name, out, min, max);
  }

  bool Integer(const char* name, double min, double max, int64_t& out) {
    const Json* value = Field(object_, name);
    if (value == nullptr || error_) return false;
    if (!value->IsInt64() &&
        !(value->IsDouble() && std::trunc(value->GetDouble()) == value->GetDouble())) {
      return Fail(WrongType(name, *value, "integer"));
    }
    const double number =
        value->IsInt64() ? static_cast<double>(value->GetInt64()) : value->GetDouble();
    if (!CheckRange(name, number, min, max)) return false;
    out = static_cast<int64_t>(number);
    return true;
  }

  bool Fail(OpenAiError error) {
    if (!error_) error_ = std::move(error);
    return false;
  }

 private:
  bool CheckRange(const char* name, double value, double min, double max) {
    if (value < min) {
      return Fail(Invalid(
          name, absl::StrCat(value, " is less than the minimum of ", min, " - '", name, "'")));
    }
    if (value > max) {
      return Fail(Invalid(
          name, absl::StrCat(value, " is greater than the maximum of ", max, " - '", name, "'")));
    }
    return true;
  }

  const Json& object_;
  std::optional<OpenAiError> error_;
};

constexpr double kMaxInt = static_cast<double>(std::numeric_limits<int32_t>::max());

// A list of token ids, each within the int32 range.
std::optional<std::vector<int32_t>> TokenIds(const Json& array) {
  std::vector<int32_t> ids;
  for (const Json& id : array.GetArray()) {
    if (!id.IsInt()) return std::nullopt;
    ids.push_back(id.GetInt());
  }
  return ids;
}

std::optional<OpenAiError> ReadPrompt(const Json& body, ApiRequest& request) {
  const Json* prompt = Field(body, "prompt");
  if (prompt == nullptr) return Invalid("prompt", "you must provide a prompt");
  if (prompt->IsString()) {
    request.prompts.push_back({.text = prompt->GetString()});
    return std::nullopt;
  }
  const OpenAiError bad =
      Invalid("prompt",
              "prompt must be a string, an array of strings, an array of tokens, or an array "
              "of token arrays");
  if (!prompt->IsArray() || prompt->Empty()) return bad;
  if ((*prompt)[0].IsNumber()) {  // One prompt of token ids.
    std::optional<std::vector<int32_t>> ids = TokenIds(*prompt);
    if (!ids) return bad;
    request.prompts.push_back({.token_ids = *std::move(ids), .is_token_ids = true});
    return std::nullopt;
  }
  for (const Json& item : prompt->GetArray()) {
    if (item.IsString()) {
      request.prompts.push_back({.text = item.GetString()});
    } else if (item.IsArray() && !item.Empty()) {
      std::optional<std::vector<int32_t>> ids = TokenIds(item);
      if (!ids) return bad;
      request.prompts.push_back({.token_ids = *std::move(ids), .is_token_ids = true});
    } else {
      return bad;
    }
  }
  return std::nullopt;
}

std::optional<OpenAiError> ReadMessages(const Json& body, ApiRequest& request) {
  const Json* messages = Field(body, "messages");
  if (messages == nullptr || !messages->IsArray() || messages->Empty()) {
    return Invalid("messages", "messages must be a non-empty array of messages");
  }
  for (rapidjson::SizeType i = 0; i < messages->Size(); ++i) {
    const std::string where = absl::StrCat("messages[", i, "]");
    const Json& message = (*messages)[i];
    if (!message.IsObject()) return Invalid(where, absl::StrCat(where, " must be an object"));
    ApiMessage out;
    const Json* role = Field(message, "role");
    if (role == nullptr || !role->IsString()) {
      return Invalid(where + ".role", absl::StrCat(where, ".role is required"));
    }
    out.role = role->GetString();
    if (out.role != "system" && out.role != "user" && out.role != "assistant" &&
        out.role != "developer") {
      return Invalid(where + ".role", absl::StrCat("'", out.role,
                                                   "' is not one of ['system', 'developer', "
                                                   "'user', 'assistant'] - '",
                                                   where, ".role'"));
    }
    if (out.role == "developer") out.role = "system";  // Newer SDKs' name for system.
    const Json* content = Field(message, "content");
    if (content == nullptr) {
      if (out.role != "assistant") {
        return Invalid(where + ".content", absl::StrCat(where, ".content is required"));
      }
    } else if (content->IsString()) {
      out.content = content->GetString();
    } else if (content->IsArray()) {
      for (const Json& part : content->GetArray()) {
        const Json* type = part.IsObject() ? Field(part, "type") : nullptr;
        const Json* text = part.IsObject() ? Field(part, "text") : nullptr;
        if (type == nullptr || !type->IsString() || std::string(type->GetString()) != "text" ||
            text == nullptr || !text->IsString()) {
          return Invalid(where + ".content",
                         "only content parts of type 'text' are supported by this model");
        }
        out.content += text->GetString();
      }
    } else {
      return WrongType(where + ".content", *content, "string");
    }
    if (const Json* name = Field(message, "name")) {
      if (!name->IsString()) return WrongType(where + ".name", *name, "string");
      out.name = name->GetString();
    }
    for (const char* unsupported : {"tool_calls", "function_call"}) {
      if (Field(message, unsupported) != nullptr) {
        return Invalid(absl::StrCat(where, ".", unsupported),
                       absl::StrCat(unsupported, " in messages is not supported yet"));
      }
    }
    request.messages.push_back(std::move(out));
  }
  return std::nullopt;
}

std::optional<OpenAiError> ReadStop(const Json& body, ApiRequest& request) {
  const Json* stop = Field(body, "stop");
  if (stop == nullptr) return std::nullopt;
  if (stop->IsString()) {
    if (stop->GetStringLength() > 0) request.stop.push_back(stop->GetString());
    return std::nullopt;
  }
  if (!stop->IsArray() || stop->Size() > 16) {
    return Invalid("stop", "stop must be a string or an array of at most 16 strings");
  }
  for (const Json& item : stop->GetArray()) {
    if (!item.IsString()) return WrongType("stop", item, "string");
    if (item.GetStringLength() > 0) request.stop.push_back(item.GetString());
  }
  return std::nullopt;
}

std::optional<OpenAiError> ReadLogitBias(const Json& body, ApiRequest& request) {
  const Json* bias = Field(body, "logit_bias");
  if (bias == nullptr) return std::nullopt;
  if (!bias->IsObject()) return WrongType("logit_bias", *bias, "object");
  for (const auto& member : bias->GetObject()) {
    int32_t id;
    if (!absl::SimpleAtoi(member.name.GetString(), &id) || !member.value.IsNumber()) {
      return Invalid("logit_bias", "logit_bias must map token ids to numbers");
    }
    const double value = member.value.GetDouble();
    if (value < -100 || value > 100) {
      return Invalid("logit_bias", "logit_bias values must be between -100 and 100");
    }
    request.logit_bias[id] = static_cast<float>(value);
  }
  return std::nullopt;
}

}  // namespace

std::variant<ApiRequest, OpenAiError> ParseApiRequest(absl::string_view body, ApiKind kind) {
  rapidjson::Document document;
  document.Parse(body.data(), body.size());
  if (document.HasParseError()) {
    return OpenAiError{.message =
                           absl::StrCat("We could not parse the JSON body of your request: ",
                                        rapidjson::GetParseError_En(document.GetParseError()),
                                        " at offset ", document.GetErrorOffset())};
  }
  if (!document.IsObject()) {
    return OpenAiError{.message = "The request body must be a JSON object."};
  }
  ApiRequest request;
  request.kind = kind;

  const Json* model = Field(document, "model");
  if (model == nullptr) return Invalid("model", "you must provide a model parameter");
  if (!model->IsString()) return WrongType("model", *model, "string");
  request.model = model->GetString();

  // Fields that would change the result and that this server does not implement.
  const std::vector<const char*> unsupported =
      kind == ApiKind::kCompletion
          ? std::vector<const char*>{"suffix"}
          : std::vector<const char*>{"tools",         "tool_choice",     "functions",
                                     "function_call", "response_format", "audio",
                                     "modalities",    "prediction"};
  for (const char* name : unsupported) {
    if (Field(document, name) != nullptr) {
      return Invalid(name, absl::StrCat("'", name, "' is not supported by this server"));
    }
  }

  std::optional<OpenAiError> error = kind == ApiKind::kCompletion ? ReadPrompt(document, request)
                                                                  : ReadMessages(document, request);
  if (!error) error = ReadStop(document, request);
  if (!error) error = ReadLogitBias(document, request);
  if (error) return *std::move(error);

  Reader r(document);
  int64_t integer;
  double number;
  bool flag;
  if (r.Integer("max_tokens", 1, kMaxInt, integer)) request.max_tokens = integer;
  if (r.Integer("max_completion_tokens", 1, kMaxInt, integer)) request.max_tokens = integer;
  if (r.Number("temperature", 0, 2, number)) request.temperature = static_cast<float>(number);
  if (r.Number("top_p", 0, 1, number)) {
    if (number == 0) return Invalid("top_p", "0 is less than or equal to the minimum of 0");
    request.top_p = static_cast<float>(number);
  }
  if (r.Integer("n", 1, 128, integer)) request.n = static_cast<int>(integer);
  if (r.Integer("best_of", 1, 128, integer) && integer != request.n) {
    return Invalid("best_of", "best_of other than n is not supported by this server");
  }
  r.Bool("stream", request.stream);
  if (r.Number("presence_penalty", -2, 2, number)) {
    request.presence_penalty = static_cast<float>(number);
  }
  if (r.Number("frequency_penalty", -2, 2, number)) {
    request.frequency_penalty = static_cast<float>(number);
  }
  if (r.Integer("seed", static_cast<double>(std::numeric_limits<int64_t>::min()),
                static_cast<double>(std::numeric_limits<int64_t>::max()), integer)) {
    request.seed = static_cast<uint64_t>(integer);
  }
  if (kind == ApiKind::kCompletion) {
    if (r.Integer("logprobs", 0, 20, integer)) {
      request.logprobs = true;
      request.top_logprobs = static_cast<int>(integer);
    }
    r.Bool("echo", request.echo);
  } else {
    r.Bool("logprobs", request.logprobs);
    if (r.Integer("top_logprobs", 0, 20, integer)) {
      if (!request.logprobs) {
        return Invalid("top_logprobs", "top_logprobs requires logprobs to be true");
      }
      request.top_logprobs = static_cast<int>(integer);
    }
  }
  if (r.Integer("top_k", -1, kMaxInt, integer))
    request.top_k = static_cast<int>(std::max<int64_t>(integer, 0));
  if (r.Number("min_p", 0, 1, number)) request.min_p = static_cast<float>(number);
  if (r.Number("repetition_penalty", 0, 100, number)) {
    if (number == 0) {
      return Invalid("repetition_penalty", "0 is less than or equal to the minimum of 0");
    }
    request.repetition_penalty = static_cast<float>(number);
  }
  r.Bool("ignore_eos", request.ignore_eos);
  if (r.Integer("min_tokens", 0, kMaxInt, integer)) request.min_tokens = integer;
  if (r.Bool("skip_special_tokens", flag)) request.skip_special_tokens = flag;
  if (const Json* ids = Field(document, "stop_token_ids")) {
    std::optional<std::vector<int32_t>> parsed =
        ids->IsArray() ? TokenIds(*ids) : std::optional<std::vector<int32_t>>();
    if (!parsed) return Invalid("stop_token_ids", "stop_token_ids must be an array of integers");
    request.stop_token_ids = *std::move(parsed);
  }
  if (const Json* options = Field(document, "stream_options")) {
    if (!options->IsObject()) return WrongType("stream_options", *options, "object");
    if (!request.stream) {
      return Invalid("stream_options", "stream_options is only allowed when stream is true");
    }
    Reader options_reader(*options);
    options_reader.Bool("include_usage", request.include_usage);
    if (options_reader.error()) return *options_reader.error();
  }
  if (r.error()) return *r.error();
  return request;
}

}  // namespace llm
