// The service benchmark's client (serve_throughput.py): `--streams` concurrent greedy
// Generate calls of `--max_tokens` tokens each (end of sequence ignored), prompt i being
// "Story number i: ...", and one JSON line: generated tokens per second over all streams,
// and time to the first streamed tokens (p50, p99, ms). In C++ so that the client, which
// shares the machine with the engine, takes as little of it as a real service would.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "llm/v1/engine.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "127.0.0.1:50051", "engine address");
ABSL_FLAG(int, streams, 1, "concurrent calls");
ABSL_FLAG(int, max_tokens, 128, "tokens each call generates");

namespace {

using Clock = std::chrono::steady_clock;

struct StreamResult {
  int64_t tokens = 0;
  double first_ms = 0.0;  // Until the first response carrying tokens.
  bool ok = false;
};

StreamResult RunStream(llm::v1::Engine::Stub& stub, int index, int max_tokens) {
  llm::v1::GenerateRequest request;
  request.set_text(
      absl::StrCat("Story number ", index, ": once upon a time, in a small village by the sea,"));
  request.mutable_sampling()->set_temperature(0.0f);
  request.mutable_stopping()->set_max_tokens(max_tokens);
  request.mutable_stopping()->set_ignore_eos(true);
  StreamResult result;
  grpc::ClientContext context;
  const Clock::time_point start = Clock::now();
  auto reader = stub.Generate(&context, request);
  llm::v1::GenerateResponse response;
  while (reader->Read(&response)) {
    for (const auto& choice : response.choices()) {
      if (result.tokens == 0 && choice.token_ids_size() > 0) {
        result.first_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      }
      result.tokens += choice.token_ids_size();
    }
  }
  const grpc::Status status = reader->Finish();
  result.ok = status.ok();
  if (!result.ok) std::fprintf(stderr, "stream %d: %s\n", index, status.error_message().c_str());
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int streams = absl::GetFlag(FLAGS_streams);
  auto stub = llm::v1::Engine::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials()));
  std::vector<StreamResult> results(streams);
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = RunStream(*stub, i, absl::GetFlag(FLAGS_max_tokens)); });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  int64_t tokens = 0;
  std::vector<double> first;
  for (const StreamResult& r : results) {
    if (!r.ok) return 1;
    tokens += r.tokens;
    first.push_back(r.first_ms);
  }
  std::sort(first.begin(), first.end());
  const auto percentile = [&](double p) {
    return first[std::min(first.size() - 1, static_cast<size_t>(p * first.size()))];
  };
  std::printf("{\"tokens_per_second\": %.1f, \"ttft_p50_ms\": %.1f, \"ttft_p99_ms\": %.1f}\n",
              tokens / elapsed, percentile(0.5), percentile(0.99));
  return 0;
}
