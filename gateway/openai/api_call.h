// Serves one completions or chat completions request once its prompts are known: one
// engine call per prompt (each asking for the request's n choices), retried on another
// engine when one is unavailable before it answers, and their outputs merged into one
// OpenAI response, or one server-sent event stream when the client asked to stream.
// A client that hangs up cancels the engine calls.
//
// Thread-safety: engine callbacks arrive on gRPC's threads; the state is behind mu_.
#ifndef LLM_GATEWAY_OPENAI_API_CALL_H_
#define LLM_GATEWAY_OPENAI_API_CALL_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/http/http_server.h"
#include "gateway/errors/openai_error.h"
#include "gateway/openai/api_request.h"
#include "gateway/openai/api_response.h"
#include "gateway/upstream/engine_pool.h"
#include "gateway/upstream/generate_call.h"

namespace llm {

class ApiCall : public std::enable_shared_from_this<ApiCall> {
 public:
  // `prompts` replace request.prompts (chat: the rendered conversation); `adapter` is
  // empty for the base model. `http_version` shapes the HTTP responses. `slot` is held
  // until the call is over (the gateway's count of requests in flight).
  static void Start(ApiRequest request, std::vector<ApiPrompt> prompts, std::string adapter,
                    ResponseHeader header, unsigned http_version, EnginePool& pool,
                    std::shared_ptr<HttpResponder> responder, std::shared_ptr<void> slot);

 private:
  struct PromptCall {
    std::optional<EnginePool::Lease> lease;
    std::vector<int> tried;  // Engines that were unavailable.
    std::shared_ptr<GenerateCall> call;
    int attempts = 0;       // Calls started: a retry may start before the first Start returns.
    bool answered = false;  // A response came: no retry after that.
    bool done = false;
    llm::v1::Usage usage;
  };

  ApiCall(ApiRequest request, std::vector<ApiPrompt> prompts, std::string adapter,
          ResponseHeader header, unsigned http_version, EnginePool& pool,
          std::shared_ptr<HttpResponder> responder, std::shared_ptr<void> slot);

  // Sends prompt p to an engine not yet tried; false if none is serving.
  bool StartPrompt(int p);
  void OnResponse(int p, llm::v1::GenerateResponse response);
  void OnDone(int p, const grpc::Status& status);
  // Adds output of choice `index` (prompt p's choice j is p * n + j).
  void Emit(ChoiceOutput output) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Fail(const OpenAiError& error) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Finish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CancelCalls() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  HttpResponse Response(boost::beast::http::status status, std::string content_type,
                        std::string body) const;

  const ApiRequest request_;
  const std::vector<ApiPrompt> prompts_;
  const std::string adapter_;
  const ResponseHeader header_;
  const unsigned http_version_;
  EnginePool& pool_;
  const std::shared_ptr<HttpResponder> responder_;
  const std::shared_ptr<void> slot_;

  absl::Mutex mu_;
  std::vector<PromptCall> calls_ ABSL_GUARDED_BY(mu_);
  // Per choice: all its output (non-streamed), or where the next chunk starts (streamed).
  std::vector<ChoiceOutput> choices_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> role_sent_ ABSL_GUARDED_BY(mu_);
  bool streaming_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_API_CALL_H_
