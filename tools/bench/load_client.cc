// The gateway benchmark's client: keeps `--concurrency` requests in flight for
// `--seconds` against either an engine over gRPC (--grpc=HOST:PORT) or the gateway over
// HTTP (--http=HOST:PORT, keep-alive connections), the same small completion each time,
// and prints one JSON line: requests per second and latency percentiles (ms).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/connect.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/grpcpp.h"
#include "llm/v1/engine.grpc.pb.h"

ABSL_FLAG(std::string, grpc, "", "engine address: measure direct gRPC calls");
ABSL_FLAG(std::string, http, "", "gateway address: measure HTTP calls");
ABSL_FLAG(bool, stream, false, "streamed responses (SSE) instead of whole ones");
ABSL_FLAG(int, concurrency, 8, "requests in flight");
ABSL_FLAG(double, seconds, 5.0, "how long to measure");

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Clock = std::chrono::steady_clock;

constexpr char kPrompt[] = "Say something short.";

// One worker: a loop of calls until `end`; returns each call's latency in ms.
std::vector<double> GrpcWorker(llm::v1::Engine::Stub& stub, Clock::time_point end) {
  std::vector<double> latencies;
  llm::v1::GenerateRequest request;
  request.set_text(kPrompt);
  request.mutable_stopping()->set_max_tokens(8);
  while (Clock::now() < end) {
    const Clock::time_point start = Clock::now();
    grpc::ClientContext context;
    auto reader = stub.Generate(&context, request);
    llm::v1::GenerateResponse response;
    while (reader->Read(&response)) {
    }
    if (!reader->Finish().ok()) continue;
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return latencies;
}

std::vector<double> HttpWorker(const std::string& host, const std::string& port, bool stream,
                               Clock::time_point end) {
  std::vector<double> latencies;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream socket(io);
  socket.connect(resolver.resolve(host, port));
  http::request<http::string_body> request(http::verb::post, "/v1/completions", 11);
  request.set(http::field::host, host);
  request.set(http::field::content_type, "application/json");
  request.body() = absl::StrCat(R"({"model":"gpt-3.5-turbo","prompt":")", kPrompt,
                                R"(","max_tokens":8,"stream":)", stream ? "true" : "false", "}");
  request.prepare_payload();
  beast::flat_buffer buffer;
  while (Clock::now() < end) {
    const Clock::time_point start = Clock::now();
    http::write(socket, request);
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    if (response.result() != http::status::ok) continue;
    latencies.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return latencies;
}

double Percentile(std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[std::min(sorted.size() - 1, size_t(p * sorted.size()))];
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int concurrency = absl::GetFlag(FLAGS_concurrency);
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(absl::GetFlag(FLAGS_seconds)));
  std::mutex mu;
  std::vector<double> all;
  std::vector<std::thread> workers;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<llm::v1::Engine::Stub> stub;
  if (!absl::GetFlag(FLAGS_grpc).empty()) {
    channel = grpc::CreateChannel(absl::GetFlag(FLAGS_grpc), grpc::InsecureChannelCredentials());
    stub = llm::v1::Engine::NewStub(channel);
  }
  const std::string address = absl::GetFlag(FLAGS_http);
  const std::string host = address.substr(0, address.rfind(':'));
  const std::string port = address.substr(address.rfind(':') + 1);
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < concurrency; ++i) {
    workers.emplace_back([&] {
      std::vector<double> mine =
          stub ? GrpcWorker(*stub, end) : HttpWorker(host, port, absl::GetFlag(FLAGS_stream), end);
      std::lock_guard<std::mutex> lock(mu);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(all.begin(), all.end());
  std::printf("{\"requests_per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
              all.size() / elapsed, Percentile(all, 0.5), Percentile(all, 0.99));
  return 0;
}
