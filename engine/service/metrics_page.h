// The engine's Prometheus page (GET /metrics on --metrics_listen).
#ifndef LLM_ENGINE_SERVICE_METRICS_PAGE_H_
#define LLM_ENGINE_SERVICE_METRICS_PAGE_H_

#include "absl/strings/string_view.h"
#include "common/http/http_server.h"

namespace llm {

// Answers GET /metrics with the Prometheus text format (readiness, the model, then
// `engine_metrics`, the engine loop's figures); other paths get 404.
HttpResponse ServeMetricsPage(const HttpRequest& request, bool ready, absl::string_view model,
                              absl::string_view engine_metrics);

}  // namespace llm

#endif  // LLM_ENGINE_SERVICE_METRICS_PAGE_H_
