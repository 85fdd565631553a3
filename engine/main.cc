// engine_server: loads the model MODEL_PATH names and serves llm.v1.Engine over gRPC.
// Flags and wiring only; see README.md for the settings.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/env.h"
#include "common/host_port.h"
#include "common/http/http_server.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/startup.h"
#include "engine/backend/backend_factory.h"
#include "engine/config/engine_config.h"
#include "engine/kv_cache/kv_blocks.h"
#include "engine/model/model_source.h"
#include "engine/runtime/loaded_model.h"
#include "engine/runtime/step_plan.h"
#include "engine/service/engine_server.h"
#include "engine/service/engine_service.h"
#include "engine/service/metrics_page.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:50051", "gRPC address (HOST:PORT) for llm.v1.Engine");
ABSL_FLAG(std::string, metrics_listen, "0.0.0.0:9090",
          "HTTP address (HOST:PORT) for Prometheus metrics at /metrics");
ABSL_FLAG(int, threads, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())),
          "compute threads");
ABSL_FLAG(int, max_running, llm::SchedulerLimits{}.max_running,
          "most sequences generated at once; later requests wait");
ABSL_FLAG(int, max_queued, llm::SchedulerLimits{}.max_queued,
          "most requests waiting; more get RESOURCE_EXHAUSTED at once");
ABSL_FLAG(int64_t, step_tokens, llm::SchedulerLimits{}.step_tokens,
          "most tokens one batched step feeds: a longer prompt is prefilled in chunks over "
          "several steps while running streams keep decoding");
ABSL_FLAG(int64_t, kv_cache_mb, 0,
          "memory for the paged KV cache in MiB; 0 (the default) is 4096 on the CPU "
          "(committed as it fills) and, on a GPU, 90% of the memory the weights leave less "
          "1.5 GiB for activations; if it holds fewer tokens than the model's context window, "
          "requests are limited to what it holds");
ABSL_FLAG(int64_t, kv_block_tokens, llm::SchedulerLimits{}.kv_block_tokens,
          "positions per KV cache block, the unit of prefix reuse");
ABSL_FLAG(int, sampling_threads, 0,
          "threads the sequences of a step draw their tokens on; 0 (the default) is 1 on the "
          "CPU (its cores are the forward pass's) and up to 8 on a GPU");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(30),
          "on SIGTERM, how long requests in flight may run before they are cancelled");

namespace llm {
namespace {

// Settings this build reads but cannot honour yet: refusing them beats serving
// something other than what the deployment asked for.
absl::Status CheckSupported(const EngineConfig& config) {
  if (!config.medusa.empty()) return absl::UnimplementedError("MEDUSA is not supported yet");
  if (!config.loras.empty()) return absl::UnimplementedError("LORAS is not supported yet");
  return absl::OkStatus();
}

int Run(int argc, char** argv) {
  BlockTerminationSignals();
  ParseFlagsOrExit(argc, argv, "Serves one model over gRPC (llm.v1.Engine). See README.md.");
  const HostPort listen = ValueOrExit(ParseHostPort(absl::GetFlag(FLAGS_listen)), "--listen");
  const HostPort metrics_listen =
      ValueOrExit(ParseHostPort(absl::GetFlag(FLAGS_metrics_listen)), "--metrics_listen");
  if (absl::GetFlag(FLAGS_shutdown_grace) < absl::ZeroDuration()) {
    ExitWithError("--shutdown_grace", absl::InvalidArgumentError("must not be negative"));
  }
  if (absl::GetFlag(FLAGS_threads) < 1 || absl::GetFlag(FLAGS_threads) > 1024) {
    ExitWithError("--threads", absl::InvalidArgumentError("must be 1 to 1024"));
  }
  if (absl::GetFlag(FLAGS_sampling_threads) < 0 || absl::GetFlag(FLAGS_sampling_threads) > 1024) {
    ExitWithError("--sampling_threads",
                  absl::InvalidArgumentError("must be 0 (automatic) to 1024"));
  }
  if (absl::GetFlag(FLAGS_max_running) < 1) {
    ExitWithError("--max_running", absl::InvalidArgumentError("must be at least 1"));
  }
  if (absl::GetFlag(FLAGS_max_queued) < 0) {
    ExitWithError("--max_queued", absl::InvalidArgumentError("must not be negative"));
  }
  if (absl::GetFlag(FLAGS_step_tokens) < 1) {
    ExitWithError("--step_tokens", absl::InvalidArgumentError("must be at least 1"));
  }
  if (absl::GetFlag(FLAGS_kv_cache_mb) < 0 ||
      absl::GetFlag(FLAGS_kv_cache_mb) > (int64_t{1} << 30)) {
    ExitWithError("--kv_cache_mb", absl::InvalidArgumentError("must be 0 (automatic) to 2^30"));
  }
  if (absl::GetFlag(FLAGS_kv_block_tokens) < 1 || absl::GetFlag(FLAGS_kv_block_tokens) > 1024) {
    ExitWithError("--kv_block_tokens", absl::InvalidArgumentError("must be 1 to 1024"));
  }
  const EngineConfig config = ValueOrExit(EngineConfigFromEnv(ProcessEnv()), "environment");
  ExitIfError("environment", CheckSupported(config));
  // Finding the model files is quick; a wrong MODEL_PATH fails here, before serving.
  const ModelSource source =
      ValueOrExit(ResolveModelSource(config.model_path, ProcessEnv()), "model");
  LLM_LOG(INFO) << "engine_server --listen=" << listen.ToString()
                << " --metrics_listen=" << metrics_listen.ToString() << " " << config.Describe();

  EngineService engine_service(config);
  std::unique_ptr<EngineServer> server =
      ValueOrExit(EngineServer::Start(listen, &engine_service), "--listen");
  std::atomic<bool> ready{false};
  std::unique_ptr<HttpServer> metrics = ValueOrExit(
      HttpServer::Start(metrics_listen, 1,
                        [&](const HttpRequest& request) {
                          return ServeMetricsPage(request, ready.load(), source.served_name,
                                                  engine_service.MetricsText());
                        }),
      "--metrics_listen");
  LLM_LOG(INFO) << "gRPC on " << listen.ToString() << ", metrics on " << metrics_listen.ToString()
                << "; loading " << source.path;

  DeviceKind device = ValueOrExit(ResolveDevice(config.device), "device");
  const absl::Time load_start = absl::Now();
  std::unique_ptr<LoadedModel> loaded =
      ValueOrExit(LoadModel(source, config, device == DeviceKind::kCuda), "model");
  LLM_LOG(INFO) << "loaded in " << absl::FormatDuration(absl::Now() - load_start) << ": "
                << loaded->model->Summary();
  const int64_t kv_cache_mb = absl::GetFlag(FLAGS_kv_cache_mb);
  const SchedulerLimits limits{
      .max_running = absl::GetFlag(FLAGS_max_running),
      .max_queued = absl::GetFlag(FLAGS_max_queued),
      .step_tokens = absl::GetFlag(FLAGS_step_tokens),
      .kv_cache_bytes = kv_cache_mb > 0 ? kv_cache_mb << 20 : SchedulerLimits{}.kv_cache_bytes,
      .kv_block_tokens = absl::GetFlag(FLAGS_kv_block_tokens)};
  auto create_backend = [&] {
    // 0 blocks asks the CUDA backend to size the cache from the memory the weights leave.
    const int32_t kv_blocks =
        kv_cache_mb == 0 && device == DeviceKind::kCuda
            ? 0
            : KvBlocks::CountFor(loaded->model->config(), limits.kv_cache_bytes,
                                 limits.kv_block_tokens);
    return CreateBackend(device, loaded->Shards(), absl::GetFlag(FLAGS_threads), kv_blocks,
                         limits.kv_block_tokens, config.use_int8);
  };
  absl::StatusOr<std::unique_ptr<Backend>> created = create_backend();
  // DEVICE=auto must not turn away a model the CPU serves: what the GPU path does not
  // support yet runs on the CPU, saying why (DEVICE=cuda still stops).
  if (!created.ok() && absl::IsUnimplemented(created.status()) && config.device == "auto" &&
      device == DeviceKind::kCuda) {
    LLM_LOG(WARNING) << created.status().message() << "; DEVICE=auto runs it on the CPU";
    device = DeviceKind::kCpu;
    loaded.reset();  // The CPU lays the weights out its own way: load them again.
    loaded = ValueOrExit(LoadModel(source, config, /*cuda=*/false), "model");
    created = create_backend();
  }
  std::unique_ptr<Backend> backend = ValueOrExit(std::move(created), "DEVICE");
  const DeviceDescription described = backend->Describe();
  LLM_LOG(INFO) << "computing on " << described.kind << " (" << described.name << ")";
  int sampling_threads = absl::GetFlag(FLAGS_sampling_threads);
  if (sampling_threads == 0) {
    sampling_threads =
        described.kind == "cuda"
            ? static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u))
            : 1;
  }
  engine_service.SetModel(std::move(loaded), std::move(backend), limits, sampling_threads);
  ready = true;
  server->SetServing(true);
  LLM_LOG(INFO) << "serving " << source.served_name << " from " << source.path;

  const int signal = WaitForTerminationSignal();
  LLM_LOG(INFO) << "signal " << signal << ": shutting down (grace "
                << absl::FormatDuration(absl::GetFlag(FLAGS_shutdown_grace)) << ")";
  ready = false;
  server->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  metrics->Stop();
  LLM_LOG(INFO) << "stopped";
  return 0;
}

}  // namespace
}  // namespace llm

int main(int argc, char** argv) { return llm::Run(argc, argv); }
