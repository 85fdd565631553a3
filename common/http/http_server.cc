#include "common/http/http_server.h"

#include <chrono>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/strand.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/log.h"

namespace llm {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// OpenAI requests carry long prompts; bound them well above any context window.
constexpr uint64_t kMaxBodyBytes = 32 << 20;
// A keep-alive connection that sends nothing for this long is closed.
constexpr std::chrono::seconds kIdleTimeout(120);

// One connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void Read() {
    parser_.emplace();
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

 private:
  void OnRead(beast::error_code error, size_t) {
    if (error) {
      // Anything but a clean close by the peer deserves a 400 before closing.
      if (error != http::error::end_of_stream && error != beast::error::timeout &&
          error != asio::error::operation_aborted && error != asio::error::connection_reset) {
        HttpRequest empty;
        Write(MakeHttpResponse(empty, http::status::bad_request, "text/plain",
                               absl::StrCat("bad HTTP request: ", error.message(), "\n")),
              /*close=*/true);
        return;
      }
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    HttpRequest request = parser_->release();
    HttpResponse response = handler_(request);
    response.keep_alive(request.keep_alive());
    Write(std::move(response), !request.keep_alive());
  }

  void Write(HttpResponse response, bool close) {
    response.prepare_payload();
    response_ = std::make_shared<HttpResponse>(std::move(response));
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), close](beast::error_code error, size_t) {
                        if (error || close) {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;
  const HttpHandler& handler_;
};

}  // namespace

HttpResponse MakeHttpResponse(const HttpRequest& request, http::status status,
                              std::string content_type, std::string body) {
  HttpResponse response(status, request.version() != 0 ? request.version() : 11);
  response.set(http::field::server, "llm-serving");
  response.set(http::field::content_type, std::move(content_type));
  response.body() = std::move(body);
  return response;
}

HttpServer::HttpServer(HttpHandler handler)
    : handler_(std::move(handler)), acceptor_(asio::make_strand(io_)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HostPort& address, int threads,
                                                              HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(std::move(handler)));
  beast::error_code error;
  tcp::resolver resolver(server->io_);
  const auto endpoints = resolver.resolve(address.host, std::to_string(address.port), error);
  if (error || endpoints.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot resolve ", address.ToString(), ": ", error.message()));
  }
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  tcp::acceptor& acceptor = server->acceptor_;
  acceptor.open(endpoint.protocol(), error);
  if (!error) acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint, error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address.ToString(), ": ", error.message()));
  }
  server->port_ = acceptor.local_endpoint().port();
  server->Accept();
  for (int i = 0; i < std::max(threads, 1); ++i) {
    server->threads_.emplace_back([io = &server->io_] { io->run(); });
  }
  return server;
}

void HttpServer::Accept() {
  acceptor_.async_accept(asio::make_strand(io_),
                         [this](beast::error_code error, tcp::socket socket) {
                           if (error == asio::error::operation_aborted) return;
                           if (error) {
                             LLM_LOG(WARNING) << "accept failed: " << error.message();
                           } else {
                             std::make_shared<Session>(std::move(socket), handler_)->Read();
                           }
                           Accept();
                         });
}

void HttpServer::Stop() {
  if (threads_.empty()) return;
  asio::post(acceptor_.get_executor(), [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
  });
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

HttpServer::~HttpServer() { Stop(); }

}  // namespace llm
