// The OpenAI endpoints, under /v1/ and /api/v1/ (the documented base URL is the
// deployment URL + /api/v1/): GET models, GET models/{id}, POST completions and POST
// chat/completions. Checks the API key when keys are configured, parses and checks the
// body, resolves the model, renders chat prompts, and hands the request to an ApiCall.
//
// Thread-safety: Handle runs on the HTTP server's threads, concurrently.
#ifndef LLM_GATEWAY_OPENAI_OPENAI_API_H_
#define LLM_GATEWAY_OPENAI_OPENAI_API_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "common/http/http_server.h"
#include "gateway/upstream/engine_pool.h"

namespace llm {

class OpenAiApi {
 public:
  // `api_keys` empty: no key is required. At most `max_in_flight` completions run at
  // once; more are refused with 429.
  OpenAiApi(EnginePool& pool, const std::vector<std::string>& api_keys, int max_in_flight);

  // Serves `request` if its path is an API endpoint and returns true; false leaves it
  // to the router (health, metrics, 404).
  bool Handle(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder);

 private:
  void Generate(const HttpRequest& request, bool chat,
                const std::shared_ptr<HttpResponder>& responder);

  EnginePool& pool_;
  const absl::flat_hash_set<std::string> api_keys_;
  const int max_in_flight_;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
};

}  // namespace llm

#endif  // LLM_GATEWAY_OPENAI_OPENAI_API_H_
