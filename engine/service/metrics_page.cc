#include "engine/service/metrics_page.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace llm {

namespace http = boost::beast::http;

HttpResponse ServeMetricsPage(const HttpRequest& request, bool ready, absl::string_view model,
                              absl::string_view engine_metrics) {
  if (request.target() != "/metrics") {
    return MakeHttpResponse(request, http::status::not_found, "text/plain", "not found\n");
  }
  // Label values escape backslash, quote and newline (Prometheus text format 0.0.4).
  const std::string label =
      absl::StrReplaceAll(model, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
  std::string body = absl::StrCat(
      "# HELP llm_engine_ready Whether the model is loaded and the engine takes requests.\n",
      "# TYPE llm_engine_ready gauge\n", "llm_engine_ready ", ready ? 1 : 0, "\n",
      "# HELP llm_engine_model_info The served model (value is always 1).\n",
      "# TYPE llm_engine_model_info gauge\n", "llm_engine_model_info{model=\"", label, "\"} 1\n",
      engine_metrics);
  return MakeHttpResponse(request, http::status::ok, "text/plain; version=0.0.4", std::move(body));
}

}  // namespace llm
