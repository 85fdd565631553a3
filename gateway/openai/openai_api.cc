#include "gateway/openai/openai_api.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gateway/errors/openai_error.h"
#include "gateway/openai/api_call.h"
#include "gateway/openai/api_request.h"
#include "gateway/openai/chat_prompt.h"
#include "gateway/openai/model_catalog.h"

namespace llm {
namespace {

namespace http = boost::beast::http;

// OpenAI-style ids: a prefix and 24 random hex digits.
std::string NewId(absl::string_view prefix) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(prefix, absl::Hex(rng(), absl::kZeroPad16),
                      absl::Hex(rng() & 0xffffffff, absl::kZeroPad8));
}

int64_t Now() { return absl::ToUnixSeconds(absl::Now()); }

void Reply(const std::shared_ptr<HttpResponder>& responder, const HttpRequest& request,
           const OpenAiError& error) {
  responder->Respond(OpenAiErrorResponse(request, error));
}

OpenAiError MethodNotAllowed(const HttpRequest& request, absl::string_view path,
                             absl::string_view allowed) {
  return {.status = http::status::method_not_allowed,
          .message = absl::StrCat("Method ", std::string(request.method_string()),
                                  " is not allowed for ", path, "; use ", allowed)};
}

}  // namespace

OpenAiApi::OpenAiApi(EnginePool& pool, const std::vector<std::string>& api_keys, int max_in_flight)
    : pool_(pool), api_keys_(api_keys.begin(), api_keys.end()), max_in_flight_(max_in_flight) {}

bool OpenAiApi::Handle(const HttpRequest& request,
                       const std::shared_ptr<HttpResponder>& responder) {
  absl::string_view path(request.target().data(), request.target().size());
  path = path.substr(0, path.find('?'));
  absl::ConsumePrefix(&path, "/api");  // /api/v1/... is /v1/...
  const bool models = path == "/v1/models" || absl::StartsWith(path, "/v1/models/");
  const bool completions = path == "/v1/completions";
  const bool chat = path == "/v1/chat/completions";
  if (!models && !completions && !chat) return false;

  if (!api_keys_.empty()) {
    absl::string_view key(request[http::field::authorization].data(),
                          request[http::field::authorization].size());
    if (!absl::ConsumePrefix(&key, "Bearer ") || !api_keys_.contains(key)) {
      Reply(responder, request,
            {.status = http::status::unauthorized,
             .message = key.empty() ? "You didn't provide an API key. Provide it in the "
                                      "Authorization header (Bearer <key>)."
                                    : "Incorrect API key provided.",
             .code = "invalid_api_key"});
      return true;
    }
  }
  if (models) {
    if (request.method() != http::verb::get) {
      Reply(responder, request, MethodNotAllowed(request, path, "GET"));
      return true;
    }
    const std::optional<llm::v1::ModelInfoResponse> info = pool_.ModelInfo();
    if (!info) {
      Reply(responder, request,
            {.status = http::status::service_unavailable,
             .message = "no engine has described its model yet; try again shortly",
             .type = "server_error"});
      return true;
    }
    if (path == "/v1/models") {
      responder->Respond(MakeHttpResponse(request, http::status::ok, "application/json",
                                          ModelListJson(*info, Now())));
      return true;
    }
    std::variant<std::string, OpenAiError> model =
        ModelJson(*info, path.substr(std::string_view("/v1/models/").size()), Now());
    if (auto* error = std::get_if<OpenAiError>(&model)) {
      Reply(responder, request, *error);
    } else {
      responder->Respond(MakeHttpResponse(request, http::status::ok, "application/json",
                                          std::get<std::string>(std::move(model))));
    }
    return true;
  }
  if (request.method() != http::verb::post) {
    Reply(responder, request, MethodNotAllowed(request, path, "POST"));
    return true;
  }
  Generate(request, chat, responder);
  return true;
}

void OpenAiApi::Generate(const HttpRequest& request, bool chat,
                         const std::shared_ptr<HttpResponder>& responder) {
  // A slot for the whole call, given back when the ApiCall holding it goes away.
  if (in_flight_->fetch_add(1) >= max_in_flight_) {
    in_flight_->fetch_sub(1);
    Reply(responder, request,
          {.status = http::status::too_many_requests,
           .message = absl::StrCat("this gateway is serving ", max_in_flight_,
                                   " requests already; retry shortly"),
           .type = "rate_limit_exceeded"});
    return;
  }
  std::shared_ptr<void> slot(nullptr, [in_flight = in_flight_](void*) { in_flight->fetch_sub(1); });
  const ApiKind kind = chat ? ApiKind::kChat : ApiKind::kCompletion;
  std::variant<ApiRequest, OpenAiError> parsed = ParseApiRequest(request.body(), kind);
  if (auto* error = std::get_if<OpenAiError>(&parsed)) {
    Reply(responder, request, *error);
    return;
  }
  ApiRequest api = std::get<ApiRequest>(std::move(parsed));
  const std::optional<llm::v1::ModelInfoResponse> info = pool_.ModelInfo();
  if (!info) {
    Reply(responder, request,
          {.status = http::status::service_unavailable,
           .message = "no engine is serving yet; try again shortly",
           .type = "server_error"});
    return;
  }
  std::variant<ModelChoice, OpenAiError> model = ResolveModel(*info, api.model);
  if (auto* error = std::get_if<OpenAiError>(&model)) {
    Reply(responder, request, *error);
    return;
  }
  std::vector<ApiPrompt> prompts = api.prompts;
  if (chat) {
    absl::StatusOr<std::string> rendered = RenderChatPrompt(*info, api.messages);
    if (!rendered.ok()) {
      Reply(responder, request,
            {.message = absl::StrCat("the chat template failed: ", rendered.status().message()),
             .param = "messages"});
      return;
    }
    prompts = {ApiPrompt{.text = *std::move(rendered)}};
  }
  ResponseHeader header{.kind = kind,
                        .id = NewId(chat ? "chatcmpl-" : "cmpl-"),
                        .created = Now(),
                        .model = api.model};
  ApiCall::Start(std::move(api), std::move(prompts), std::get<ModelChoice>(model).adapter,
                 std::move(header), request.version(), pool_, responder, std::move(slot));
}

}  // namespace llm
