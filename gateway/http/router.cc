#include "gateway/http/router.h"

#include "absl/strings/str_cat.h"
#include "gateway/errors/openai_error.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace llm {
namespace {

namespace http = boost::beast::http;

absl::string_view PathOf(const HttpRequest& request) {
  absl::string_view target(request.target().data(), request.target().size());
  return target.substr(0, target.find('?'));
}

HttpResponse Json(const HttpRequest& request, http::status status, std::string body) {
  return MakeHttpResponse(request, status, "application/json", std::move(body));
}

}  // namespace

HttpResponse Router::Handle(const HttpRequest& request) const {
  const absl::string_view path = PathOf(request);
  using Handler = HttpResponse (Router::*)(const HttpRequest&) const;
  struct Route {
    absl::string_view path;
    Handler handler;
  };
  static constexpr Route kGetRoutes[] = {
      {"/health", nullptr},
      {"/ready", &Router::Ready},
      {"/metrics", &Router::Metrics},
  };
  for (const Route& route : kGetRoutes) {
    if (route.path != path) continue;
    if (request.method() != http::verb::get && request.method() != http::verb::head) {
      return OpenAiErrorResponse(
          request, {.status = http::status::method_not_allowed,
                    .message = absl::StrCat("Method ", std::string(request.method_string()),
                                            " is not allowed for ", path, "; use GET")});
    }
    // /health only says the process is up and answering.
    if (route.handler == nullptr) return Json(request, http::status::ok, R"({"status":"ok"})");
    return (this->*route.handler)(request);
  }
  return OpenAiErrorResponse(
      request, {.status = http::status::not_found,
                .message = absl::StrCat(
                    "Unknown request URL: ", std::string(request.method_string()), " ", path),
                .code = "unknown_url"});
}

HttpResponse Router::Ready(const HttpRequest& request) const {
  const std::vector<EngineHealth> engines = engine_health_();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  int serving = 0;
  writer.StartObject();
  writer.Key("engines");
  writer.StartArray();
  for (const EngineHealth& engine : engines) {
    serving += engine.serving ? 1 : 0;
    writer.StartObject();
    writer.Key("address");
    writer.String(engine.address.c_str());
    writer.Key("serving");
    writer.Bool(engine.serving);
    writer.Key("detail");
    writer.String(engine.detail.c_str());
    writer.EndObject();
  }
  writer.EndArray();
  writer.Key("status");
  writer.String(serving > 0 ? "ready" : "unavailable");
  writer.EndObject();
  return Json(request, serving > 0 ? http::status::ok : http::status::service_unavailable,
              std::string(buffer.GetString(), buffer.GetSize()));
}

HttpResponse Router::Metrics(const HttpRequest& request) const {
  const std::vector<EngineHealth> engines = engine_health_();
  int serving = 0;
  for (const EngineHealth& engine : engines) serving += engine.serving ? 1 : 0;
  return MakeHttpResponse(
      request, http::status::ok, "text/plain; version=0.0.4",
      absl::StrCat("# HELP llm_gateway_engines Engine replicas configured.\n",
                   "# TYPE llm_gateway_engines gauge\n", "llm_gateway_engines ", engines.size(),
                   "\n", "# HELP llm_gateway_engines_serving Engine replicas answering SERVING.\n",
                   "# TYPE llm_gateway_engines_serving gauge\n", "llm_gateway_engines_serving ",
                   serving, "\n"));
}

}  // namespace llm
