// A small asynchronous HTTP/1.1 server (Boost.Beast): the gateway's API (including
// server-sent event streams) and health checks, the engine's /metrics. A fixed pool of
// threads runs one io_context; connections are kept alive between requests.
//
// Handlers either return a whole response (HttpHandler) or answer later through an
// HttpResponder (AsyncHttpHandler), which can also stream a chunked body and tells the
// handler when the client goes away, so work done for it can stop.
//
// Thread-safety: handlers run on the pool's threads, possibly concurrently, so they must
// be thread-safe. Start/Stop/port are called from the owning thread.
#ifndef LLM_COMMON_HTTP_HTTP_SERVER_H_
#define LLM_COMMON_HTTP_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/http/message.hpp"
#include "boost/beast/http/string_body.hpp"
#include "common/host_port.h"

namespace llm {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// How an asynchronous handler answers one request. Every method is thread-safe and may
// be called after the handler has returned. Answer with Respond, or with StartStream,
// any number of Send, then EndStream; calls once the answer is complete, or once the
// client has gone, do nothing.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  // The whole response.
  virtual void Respond(HttpResponse response) = 0;
  // The status and headers of a response whose body follows in chunks
  // (Transfer-Encoding: chunked), as server-sent events need; `head`'s body is ignored.
  virtual void StartStream(HttpResponse head) = 0;
  // The next piece of a streamed body, sent as soon as the connection allows.
  virtual void Send(std::string data) = 0;
  virtual void EndStream() = 0;
  // Calls `on_gone` once if the client disconnects before the answer is complete (at
  // once if it already has).
  virtual void OnDisconnect(std::function<void()> on_gone) = 0;
};

using AsyncHttpHandler =
    std::function<void(HttpRequest request, std::shared_ptr<HttpResponder> responder)>;

struct HttpServerOptions {
  int threads = 1;
  uint64_t max_body_bytes = 32 << 20;    // Larger bodies get 413.
  uint32_t max_header_bytes = 16 << 10;  // Larger headers get 431.
  // A keep-alive connection that sends nothing for this long is closed.
  absl::Duration idle_timeout = absl::Seconds(120);
  // Shapes the answer to a request the server rejects itself (malformed, too large):
  // the body for `status` and `message`. Unset: plain text.
  std::function<HttpResponse(const HttpRequest& request, boost::beast::http::status status,
                             const std::string& message)>
      error_response;
};

class HttpServer {
 public:
  // Binds `address` and starts `threads` threads serving `handler`. Fails (with the
  // address in the message) when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HostPort& address, int threads,
                                                           HttpHandler handler);
  static absl::StatusOr<std::unique_ptr<HttpServer>> StartAsync(const HostPort& address,
                                                                const HttpServerOptions& options,
                                                                AsyncHttpHandler handler);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port.
  int port() const { return port_; }

  // Stops accepting, drops open connections and joins the threads. Idempotent.
  void Stop();

 private:
  HttpServer(const HttpServerOptions& options, AsyncHttpHandler handler);
  void Accept();

  const HttpServerOptions options_;
  AsyncHttpHandler handler_;
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
