// A small asynchronous HTTP/1.1 server (Boost.Beast) for request/response endpoints:
// the gateway's API and health checks, the engine's /metrics. A fixed pool of threads
// runs one io_context; connections are kept alive between requests.
//
// Thread-safety: the handler runs on the pool's threads, possibly concurrently, so it
// must be thread-safe. Start/Stop/port are called from the owning thread.
#ifndef LLM_COMMON_HTTP_HTTP_SERVER_H_
#define LLM_COMMON_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"
#include "common/host_port.h"

namespace llm {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  // Binds `address` and starts `threads` threads serving `handler`. Fails (with the
  // address in the message) when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HostPort& address, int threads,
                                                           HttpHandler handler);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Stops accepting, drops open connections and joins the threads. Idempotent.
  void Stop();

 private:
  explicit HttpServer(HttpHandler handler);
  void Accept();

  HttpHandler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
};

// A response with `status`, content type and body, ready to send.
HttpResponse MakeHttpResponse(const HttpRequest& request, boost::beast::http::status status,
                              std::string content_type, std::string body);

}  // namespace llm

#endif  // LLM_COMMON_HTTP_HTTP_SERVER_H_
