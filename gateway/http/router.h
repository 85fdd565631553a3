// The gateway's HTTP requests other than the OpenAI API (gateway/openai handles those
// first): health (/health, /ready) and /metrics. Unknown paths answer 404 and known
// paths with the wrong method 405, both in OpenAI's error JSON.
//
// Thread-safety: Handle may run on many threads at once (the state it reads comes
// from thread-safe callbacks).
#ifndef LLM_GATEWAY_HTTP_ROUTER_H_
#define LLM_GATEWAY_HTTP_ROUTER_H_

#include <functional>
#include <vector>

#include "common/http/http_server.h"
#include "gateway/upstream/engine_pool.h"

namespace llm {

class Router {
 public:
  // `engine_health` reports the engines' latest health (EnginePool::Health).
  explicit Router(std::function<std::vector<EngineHealth>()> engine_health)
      : engine_health_(std::move(engine_health)) {}

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  HttpResponse Ready(const HttpRequest& request) const;
  HttpResponse Metrics(const HttpRequest& request) const;

  std::function<std::vector<EngineHealth>()> engine_health_;
};

}  // namespace llm

#endif  // LLM_GATEWAY_HTTP_ROUTER_H_
