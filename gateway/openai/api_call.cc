#include "gateway/openai/api_call.h"

#include "absl/strings/str_cat.h"
#include "gateway/errors/grpc_error.h"
#include "gateway/openai/engine_request.h"

namespace llm {
namespace {

namespace http = boost::beast::http;

// Longest an engine call may take, so a wedged engine cannot hold a client forever.
constexpr absl::Duration kCallDeadline = absl::Minutes(30);

}  // namespace

void ApiCall::Start(ApiRequest request, std::vector<ApiPrompt> prompts, std::string adapter,
                    ResponseHeader header, unsigned http_version, EnginePool& pool,
                    std::shared_ptr<HttpResponder> responder, std::shared_ptr<void> slot) {
  std::shared_ptr<ApiCall> call(new ApiCall(std::move(request), std::move(prompts),
                                            std::move(adapter), std::move(header), http_version,
                                            pool, std::move(responder), std::move(slot)));
  call->responder_->OnDisconnect([weak = std::weak_ptr<ApiCall>(call)] {
    if (std::shared_ptr<ApiCall> self = weak.lock()) {
      absl::MutexLock lock(&self->mu_);
      self->finished_ = true;
      self->CancelCalls();
    }
  });
  for (int p = 0; p < static_cast<int>(call->prompts_.size()); ++p) {
    if (!call->StartPrompt(p)) {
      absl::MutexLock lock(&call->mu_);
      call->Fail({.status = http::status::service_unavailable,
                  .message = "no engine is serving; try again shortly",
                  .type = "server_error"});
      return;
    }
  }
}

ApiCall::ApiCall(ApiRequest request, std::vector<ApiPrompt> prompts, std::string adapter,
                 ResponseHeader header, unsigned http_version, EnginePool& pool,
                 std::shared_ptr<HttpResponder> responder, std::shared_ptr<void> slot)
    : request_(std::move(request)),
      prompts_(std::move(prompts)),
      adapter_(std::move(adapter)),
      header_(std::move(header)),
      http_version_(http_version),
      pool_(pool),
      responder_(std::move(responder)),
      slot_(std::move(slot)),
      calls_(prompts_.size()) {
  const int choices = static_cast<int>(prompts_.size()) * request_.n;
  for (int i = 0; i < choices; ++i) choices_.push_back({.index = i});
  role_sent_.assign(choices, false);
}

bool ApiCall::StartPrompt(int p) {
  std::vector<int> tried;
  {
    absl::MutexLock lock(&mu_);
    if (finished_) return true;
    tried = calls_[p].tried;
  }
  std::optional<EnginePool::Lease> lease = pool_.Acquire(tried);
  if (!lease) return false;
  const llm::v1::GenerateRequest engine_request =
      ToGenerateRequest(request_, prompts_[p], absl::StrCat(header_.id, "-", p), adapter_);
  int attempt;
  {
    absl::MutexLock lock(&mu_);
    calls_[p].lease = lease;
    attempt = ++calls_[p].attempts;
  }
  // Not under mu_: gRPC may run the callbacks before Start returns.
  std::shared_ptr<GenerateCall> call = GenerateCall::Start(
      *lease->stub, engine_request, kCallDeadline,
      [self = shared_from_this(), p](llm::v1::GenerateResponse response) {
        self->OnResponse(p, std::move(response));
      },
      [self = shared_from_this(), p](const grpc::Status& status) { self->OnDone(p, status); });
  absl::MutexLock lock(&mu_);
  if (calls_[p].attempts != attempt) return true;  // It ended, and a retry runs already.
  calls_[p].call = std::move(call);
  if (finished_) calls_[p].call->Cancel();
  return true;
}

void ApiCall::OnResponse(int p, llm::v1::GenerateResponse response) {
  absl::MutexLock lock(&mu_);
  if (finished_) return;
  calls_[p].answered = true;
  if (request_.stream && !streaming_) {
    HttpResponse head = Response(http::status::ok, "text/event-stream", "");
    head.set(http::field::cache_control, "no-cache");
    responder_->StartStream(std::move(head));
    streaming_ = true;
  }
  const int n = request_.n;
  if (response.has_prompt()) {  // echo: every choice starts with the prompt.
    for (int j = 0; j < n; ++j) {
      ChoiceOutput echo{.index = p * n + j, .text = response.prompt().text()};
      echo.logprobs.assign(response.prompt().logprobs().begin(),
                           response.prompt().logprobs().end());
      Emit(std::move(echo));
    }
  }
  for (llm::v1::ChoiceDelta& delta : *response.mutable_choices()) {
    ChoiceOutput output{.index = p * n + static_cast<int>(delta.index()),
                        .text = std::move(*delta.mutable_text()),
                        .finish = delta.finish_reason()};
    output.logprobs.assign(delta.logprobs().begin(), delta.logprobs().end());
    if (delta.finish_reason() == llm::v1::FINISH_REASON_ERROR) {
      Fail({.status = http::status::internal_server_error,
            .message = absl::StrCat("the engine failed: ", delta.error()),
            .type = "server_error"});
      return;
    }
    Emit(std::move(output));
  }
  if (response.has_usage()) calls_[p].usage = response.usage();
}

void ApiCall::Emit(ChoiceOutput output) {
  ChoiceOutput& choice = choices_[output.index];
  if (!request_.stream) {
    choice.text += output.text;
    for (auto& entry : output.logprobs) choice.logprobs.push_back(std::move(entry));
    if (output.finish != llm::v1::FINISH_REASON_UNSPECIFIED) choice.finish = output.finish;
    return;
  }
  const bool role = header_.kind == ApiKind::kChat && !role_sent_[output.index];
  if (!role && output.text.empty() && output.logprobs.empty() &&
      output.finish == llm::v1::FINISH_REASON_UNSPECIFIED) {
    return;
  }
  output.text_offset = choice.text_offset;
  choice.text_offset += static_cast<int64_t>(output.text.size());
  role_sent_[output.index] = true;
  responder_->Send(SseEvent(ChunkBody(header_, output, request_.logprobs, role)));
}

void ApiCall::OnDone(int p, const grpc::Status& status) {
  bool retry = false;
  {
    absl::MutexLock lock(&mu_);
    PromptCall& call = calls_[p];
    if (call.lease) pool_.Release(*call.lease);
    // The call holds callbacks that hold this ApiCall: let go of it to break the cycle.
    call.call.reset();
    if (finished_) return;
    if (status.ok()) {
      call.done = true;
      bool all = true;
      for (const PromptCall& c : calls_) all = all && c.done;
      if (all) Finish();
      return;
    }
    retry = status.error_code() == grpc::StatusCode::UNAVAILABLE && !call.answered;
    if (retry) {
      call.tried.push_back(call.lease->index);
      call.lease.reset();
    } else {
      Fail(FromGrpcStatus(status));
      return;
    }
  }
  if (!StartPrompt(p)) {
    absl::MutexLock lock(&mu_);
    Fail(FromGrpcStatus(status));
  }
}

void ApiCall::Fail(const OpenAiError& error) {
  if (finished_) return;
  finished_ = true;
  CancelCalls();
  if (streaming_) {  // Too late for an HTTP status: the error travels as an event.
    responder_->Send(SseEvent(OpenAiErrorJson(error)));
    responder_->Send(kSseDone);
    responder_->EndStream();
  } else {
    responder_->Respond(Response(error.status, "application/json", OpenAiErrorJson(error)));
  }
}

void ApiCall::Finish() {
  finished_ = true;
  llm::v1::Usage usage;
  for (const PromptCall& call : calls_) {
    usage.set_prompt_tokens(usage.prompt_tokens() + call.usage.prompt_tokens());
    usage.set_completion_tokens(usage.completion_tokens() + call.usage.completion_tokens());
    usage.set_cached_tokens(usage.cached_tokens() + call.usage.cached_tokens());
  }
  if (!request_.stream) {
    responder_->Respond(Response(http::status::ok, "application/json",
                                 ResponseBody(header_, choices_, request_.logprobs, usage)));
    return;
  }
  if (!streaming_) {  // Nothing was generated at all; still a well-formed stream.
    responder_->StartStream(Response(http::status::ok, "text/event-stream", ""));
    streaming_ = true;
  }
  if (request_.include_usage) responder_->Send(SseEvent(UsageChunkBody(header_, usage)));
  responder_->Send(kSseDone);
  responder_->EndStream();
}

void ApiCall::CancelCalls() {
  for (PromptCall& call : calls_) {
    if (call.call) call.call->Cancel();
  }
}

HttpResponse ApiCall::Response(http::status status, std::string content_type,
                               std::string body) const {
  HttpRequest request;
  request.version(http_version_);
  return MakeHttpResponse(request, status, std::move(content_type), std::move(body));
}

}  // namespace llm
