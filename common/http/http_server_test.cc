#include "common/http/http_server.h"

#include <atomic>

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

TEST_F(HttpServerTest, MalformedRequestGets400) {
  asio::write(socket_, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  HttpResponse response;
  beast::error_code error;
  http::read(socket_, buffer_, response, error);
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(calls_.load(), 0);
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
