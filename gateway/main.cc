// gateway_server: the OpenAI-compatible HTTP front of the engines. Flags and wiring
// only; see README.md.
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/env.h"
#include "common/host_port.h"
#include "common/http/http_server.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/startup.h"
#include "gateway/config/api_keys.h"
#include "gateway/errors/openai_error.h"
#include "gateway/http/router.h"
#include "gateway/openai/openai_api.h"
#include "gateway/upstream/engine_addresses.h"
#include "gateway/upstream/engine_pool.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:8080", "HTTP address (HOST:PORT) for the OpenAI API");
ABSL_FLAG(std::string, engines, "127.0.0.1:50051",
          "engine gRPC addresses, comma-separated HOST:PORT list");
ABSL_FLAG(int, threads, 4, "HTTP server threads");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "how often each engine's health is checked");
ABSL_FLAG(int, max_concurrent_requests, 512,
          "completions in flight at once; more get 429 until some finish");
ABSL_FLAG(int64_t, max_request_bytes, 32 << 20, "largest request body; larger get 413");
ABSL_FLAG(std::string, api_keys_file, "",
          "file of accepted API keys, one per line (besides GATEWAY_API_KEYS); none: open");

namespace llm {
namespace {

int Run(int argc, char** argv) {
  BlockTerminationSignals();
  ParseFlagsOrExit(argc, argv, "Serves the OpenAI REST API in front of engines. See README.md.");
  const HostPort listen = ValueOrExit(ParseHostPort(absl::GetFlag(FLAGS_listen)), "--listen");
  const std::vector<HostPort> engines = ResolveEngineAddresses(
      ValueOrExit(ParseHostPortList(absl::GetFlag(FLAGS_engines)), "--engines"));
  const int threads = absl::GetFlag(FLAGS_threads);
  if (threads < 1 || threads > 256) {
    ExitWithError("--threads",
                  absl::InvalidArgumentError(absl::StrCat("must be 1 to 256, got ", threads)));
  }
  const int max_concurrent = absl::GetFlag(FLAGS_max_concurrent_requests);
  if (max_concurrent < 1) {
    ExitWithError("--max_concurrent_requests", absl::InvalidArgumentError("must be at least 1"));
  }
  const int64_t max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  if (max_request_bytes < 1024) {
    ExitWithError("--max_request_bytes", absl::InvalidArgumentError("must be at least 1024"));
  }
  const absl::Duration health_interval = absl::GetFlag(FLAGS_health_interval);
  if (health_interval < absl::Milliseconds(10)) {
    ExitWithError("--health_interval", absl::InvalidArgumentError("must be at least 10ms"));
  }
  std::vector<std::string> engine_names;
  for (const HostPort& engine : engines) engine_names.push_back(engine.ToString());
  LLM_LOG(INFO) << "gateway_server --listen=" << listen.ToString()
                << " --engines=" << absl::StrJoin(engine_names, ",") << " --threads=" << threads
                << " --health_interval=" << absl::FormatDuration(health_interval);

  const std::vector<std::string> api_keys =
      ValueOrExit(LoadApiKeys(ProcessEnv(), absl::GetFlag(FLAGS_api_keys_file)), "API keys");
  if (api_keys.empty()) {
    LLM_LOG(WARNING) << "no API keys configured (GATEWAY_API_KEYS, --api_keys_file): the API "
                        "is open to anyone who can reach it";
  }

  EnginePool pool(engines, health_interval);
  OpenAiApi api(pool, api_keys, max_concurrent);
  Router router([&pool] { return pool.Health(); });
  HttpServerOptions options{.threads = threads,
                            .max_body_bytes = static_cast<uint64_t>(max_request_bytes)};
  options.error_response = [](const HttpRequest& request, boost::beast::http::status status,
                              const std::string& message) {
    return OpenAiErrorResponse(request, {.status = status, .message = message});
  };
  std::unique_ptr<HttpServer> server = ValueOrExit(
      HttpServer::StartAsync(listen, options,
                             [&](HttpRequest request, std::shared_ptr<HttpResponder> responder) {
                               if (!api.Handle(request, responder)) {
                                 responder->Respond(router.Handle(request));
                               }
                             }),
      "--listen");
  LLM_LOG(INFO) << "listening on " << listen.ToString();

  const int signal = WaitForTerminationSignal();
  LLM_LOG(INFO) << "signal " << signal << ": shutting down";
  server->Stop();
  LLM_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
