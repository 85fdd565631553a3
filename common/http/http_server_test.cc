#include "common/http/http_server.h"

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "boost/asio/connect.hpp"
#include "boost/asio/read.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using testing::HasSubstr;

class HttpServerTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start({"127.0.0.1", 0}, 2, [this](const HttpRequest& request) {
          ++calls_;
          return MakeHttpResponse(request, http::status::ok, "text/plain",
                                  std::string(request.target()) + ":" + request.body());
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  }

  HttpResponse RoundTrip(const std::string& target, const std::string& body) {
    HttpRequest request(http::verb::post, target, 11);
    request.body() = body;
    request.prepare_payload();
    http::write(socket_, request);
    HttpResponse response;
    http::read(socket_, buffer_, response);
    return response;
  }

  std::atomic<int> calls_{0};
  std::unique_ptr<HttpServer> server_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

TEST_F(HttpServerTest, AnswersSeveralRequestsOnOneConnection) {
  HttpResponse first = RoundTrip("/a", "one");
  EXPECT_EQ(first.result(), http::status::ok);
  EXPECT_EQ(first.body(), "/a:one");
  HttpResponse second = RoundTrip("/b", "two");
  EXPECT_EQ(second.body(), "/b:two");
  EXPECT_EQ(calls_.load(), 2);
}

// A client sends its next request as soon as it has read an answer, which can reach the
// server before the server has seen its own write of that answer complete: the server
// must still read that request (it once left it in its buffer and waited for more).
TEST_F(HttpServerTest, KeepsAnsweringAClientThatAsksAgainAtOnce) {
  constexpr int kRequests = 3000;
  std::atomic<int> answered{0};
  std::thread client([&] {
    HttpRequest request(http::verb::get, "/again", 11);
    request.prepare_payload();
    for (int i = 0; i < kRequests; ++i) {
      beast::error_code error;
      http::write(socket_, request, error);
      HttpResponse response;
      if (!error) http::read(socket_, buffer_, response, error);
      if (error || response.result() != http::status::ok) return;
      ++answered;
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (answered.load() < kRequests && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);  // Unblocks a stalled read.
  client.join();
  EXPECT_EQ(answered.load(), kRequests);
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
  asio::write(socket_, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  HttpResponse response;
  beast::error_code error;
  http::read(socket_, buffer_, response, error);
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(calls_.load(), 0);
}

// An asynchronous handler: /stream answers with three chunks from another thread, /hang
// never answers and records when its client goes away.
class AsyncHttpServerTest : public testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::StartAsync(
        {"127.0.0.1", 0}, {.threads = 2},
        [this](HttpRequest request, std::shared_ptr<HttpResponder> responder) {
          if (request.target() == "/hang") {
            responder->OnDisconnect([this] { gone_ = true; });
            return;
          }
          responder->StartStream(
              MakeHttpResponse(request, http::status::ok, "text/event-stream", ""));
          senders_.emplace_back([responder] {
            for (int i = 0; i < 3; ++i) responder->Send("data: " + std::to_string(i) + "\n\n");
            responder->EndStream();
            responder->Send("ignored after the end");
          });
        });
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
  }
  void TearDown() override {
    for (std::thread& sender : senders_) sender.join();
  }

  void Send(const std::string& target) {
    HttpRequest request(http::verb::get, target, 11);
    http::write(socket_, request);
  }

  std::atomic<bool> gone_{false};
  std::vector<std::thread> senders_;
  std::unique_ptr<HttpServer> server_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
};

TEST_F(AsyncHttpServerTest, StreamsAChunkedBodyAndKeepsTheConnection) {
  for (int round = 0; round < 2; ++round) {
    Send("/stream");
    HttpResponse response;
    http::read(socket_, buffer_, response);
    EXPECT_EQ(response.result(), http::status::ok);
    EXPECT_TRUE(response.chunked());
    EXPECT_EQ(response[http::field::content_type], "text/event-stream");
    EXPECT_EQ(response.body(), "data: 0\n\ndata: 1\n\ndata: 2\n\n");
  }
}

TEST_F(AsyncHttpServerTest, TellsTheHandlerWhenTheClientHangsUp) {
  Send("/hang");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(gone_.load());
  socket_.close();
  for (int i = 0; i < 200 && !gone_.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone_.load());
}

TEST(HttpServerLimitsTest, OversizedBodiesAndHeadersGetTheirStatus) {
  HttpServerOptions options{.threads = 1, .max_body_bytes = 100, .max_header_bytes = 200};
  options.error_response = [](const HttpRequest& request, http::status status,
                              const std::string& message) {
    return MakeHttpResponse(request, status, "application/json", "{\"error\":\"" + message + "\"}");
  };
  absl::StatusOr<std::unique_ptr<HttpServer>> server = HttpServer::StartAsync(
      {"127.0.0.1", 0}, options, [](HttpRequest request, std::shared_ptr<HttpResponder> r) {
        r->Respond(MakeHttpResponse(request, http::status::ok, "text/plain", "fine"));
      });
  ASSERT_TRUE(server.ok());
  auto exchange = [&](HttpRequest request) {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), (*server)->port()));
    request.prepare_payload();
    http::write(socket, request);
    beast::flat_buffer buffer;
    HttpResponse response;
    http::read(socket, buffer, response);
    return response;
  };
  HttpRequest small(http::verb::post, "/", 11);
  small.body() = std::string(100, 'x');
  EXPECT_EQ(exchange(small).result(), http::status::ok);
  HttpRequest big(http::verb::post, "/", 11);
  big.body() = std::string(101, 'x');
  const HttpResponse too_large = exchange(big);
  EXPECT_EQ(too_large.result(), http::status::payload_too_large);
  EXPECT_THAT(too_large.body(), HasSubstr("larger than 100 bytes"));
  EXPECT_EQ(too_large[http::field::content_type], "application/json");
  HttpRequest long_header(http::verb::get, "/", 11);
  long_header.set("X-Long", std::string(300, 'y'));
  EXPECT_EQ(exchange(long_header).result(), http::status::request_header_fields_too_large);
}

TEST(HttpServerStartTest, BusyPortIsAClearError) {
  absl::StatusOr<std::unique_ptr<HttpServer>> first =
      HttpServer::Start({"127.0.0.1", 0}, 1, [](const HttpRequest& r) { return HttpResponse(); });
  ASSERT_TRUE(first.ok());
  absl::StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(
      {"127.0.0.1", (*first)->port()}, 1, [](const HttpRequest& r) { return HttpResponse(); });
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("cannot listen on 127.0.0.1:"));
}

}  // namespace
}  // namespace llm
