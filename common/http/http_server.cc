#include "common/http/http_server.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <deque>
#include <optional>
#include <sstream>
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

// A streamed write that makes no progress for this long drops the connection.
constexpr std::chrono::seconds kWriteTimeout(60);

// One connection: read a request, hand it to the handler, write its answer (whole or
// chunk by chunk) and repeat while the client keeps the connection alive. Everything
// runs on the connection's strand; responders post onto it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServerOptions& options, const AsyncHttpHandler& handler)
      : stream_(std::move(socket)), options_(options), handler_(handler) {
    // Streamed events are small writes: without this, each waits for the previous one's
    // delayed ACK (tens of milliseconds).
    beast::error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
  }

  void Read() {
    state_ = State::kReading;
    parser_.emplace();
    parser_->body_limit(options_.max_body_bytes);
    parser_->header_limit(options_.max_header_bytes);
    stream_.expires_after(absl::ToChronoSeconds(options_.idle_timeout));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

 private:
  enum class State { kReading, kAnswering, kStreaming, kFinished };

  // The handler's view of one request: posts every call onto the connection's strand.
  class Responder : public HttpResponder {
   public:
    Responder(std::shared_ptr<Session> session, uint64_t request)
        : session_(std::move(session)), request_(request) {}

    void Respond(HttpResponse response) override {
      Post([response = std::move(response)](Session& s, uint64_t id) mutable {
        s.Respond(id, std::move(response));
      });
    }
    void StartStream(HttpResponse head) override {
      Post([head = std::move(head)](Session& s, uint64_t id) mutable {
        s.StartStream(id, std::move(head));
      });
    }
    void Send(std::string data) override {
      Post([data = std::move(data)](Session& s, uint64_t id) mutable {
        s.Send(id, std::move(data));
      });
    }
    void EndStream() override {
      Post([](Session& s, uint64_t id) { s.EndStream(id); });
    }
    void OnDisconnect(std::function<void()> on_gone) override {
      Post([on_gone = std::move(on_gone)](Session& s, uint64_t id) mutable {
        s.OnDisconnect(id, std::move(on_gone));
      });
    }

   private:
    template <typename Fn>
    void Post(Fn fn) {
      asio::post(
          session_->stream_.get_executor(),
          [session = session_, id = request_, fn = std::move(fn)]() mutable { fn(*session, id); });
    }

    const std::shared_ptr<Session> session_;
    const uint64_t request_;
  };

  void OnRead(beast::error_code error, size_t) {
    if (error) {
      // Anything but a clean close by the peer deserves an answer before closing.
      if (error != http::error::end_of_stream && error != beast::error::timeout &&
          error != asio::error::operation_aborted && error != asio::error::connection_reset) {
        ++request_;
        keep_alive_ = false;
        state_ = State::kAnswering;
        const http::status status =
            error == http::error::body_limit     ? http::status::payload_too_large
            : error == http::error::header_limit ? http::status::request_header_fields_too_large
                                                 : http::status::bad_request;
        const std::string message = status == http::status::payload_too_large
                                        ? absl::StrCat("the request body is larger than ",
                                                       options_.max_body_bytes, " bytes")
                                    : status == http::status::request_header_fields_too_large
                                        ? absl::StrCat("the request headers are larger than ",
                                                       options_.max_header_bytes, " bytes")
                                        : absl::StrCat("bad HTTP request: ", error.message());
        HttpRequest head = parser_->get();  // What was read of it: version, target.
        Respond(request_, options_.error_response
                              ? options_.error_response(head, status, message)
                              : MakeHttpResponse(head, status, "text/plain", message + "\n"));
        return;
      }
      Close();
      return;
    }
    HttpRequest request = parser_->release();
    ++request_;
    keep_alive_ = request.keep_alive();
    state_ = State::kAnswering;
    gone_ = false;
    on_gone_.clear();
    stream_.expires_never();
    WatchForClose();
    handler_(std::move(request), std::make_shared<Responder>(shared_from_this(), request_));
  }

  // The steps of an answer, on the strand; calls for an earlier request or after the
  // end are ignored.
  bool Current(uint64_t request, std::initializer_list<State> states) const {
    return request == request_ && !gone_ &&
           std::find(states.begin(), states.end(), state_) != states.end();
  }

  void Respond(uint64_t request, HttpResponse response) {
    if (!Current(request, {State::kAnswering})) return;
    response.keep_alive(keep_alive_);
    response.prepare_payload();
    std::ostringstream bytes;
    bytes << response;
    state_ = State::kFinished;
    Enqueue(std::move(bytes).str());
  }

  void StartStream(uint64_t request, HttpResponse head) {
    if (!Current(request, {State::kAnswering})) return;
    head.keep_alive(keep_alive_);
    head.chunked(true);
    std::ostringstream bytes;
    bytes << head.base();
    state_ = State::kStreaming;
    Enqueue(std::move(bytes).str());
  }

  void Send(uint64_t request, std::string data) {
    if (data.empty() || !Current(request, {State::kStreaming})) return;  // 0 would end it.
    std::ostringstream size;
    size << std::hex << data.size() << "\r\n";
    Enqueue(absl::StrCat(size.str(), data, "\r\n"));
  }

  void EndStream(uint64_t request) {
    if (!Current(request, {State::kStreaming})) return;
    state_ = State::kFinished;
    Enqueue("0\r\n\r\n");
  }

  void OnDisconnect(uint64_t request, std::function<void()> on_gone) {
    if (request != request_) return;
    if (gone_) {
      on_gone();
    } else if (state_ != State::kFinished) {
      on_gone_.push_back(std::move(on_gone));
    }
  }

  void Enqueue(std::string bytes) {
    out_.push_back(std::move(bytes));
    if (!writing_) WriteNext();
  }

  // Writes everything queued so far in one go; what is queued meanwhile goes next.
  void WriteNext() {
    if (out_.empty()) {
      writing_ = false;
      if (state_ == State::kFinished) AfterAnswer();
      return;
    }
    writing_ = true;
    writing_now_.clear();
    for (std::string& bytes : out_) writing_now_ += bytes;
    out_.clear();
    stream_.expires_after(kWriteTimeout);
    asio::async_write(stream_, asio::buffer(writing_now_),
                      [self = shared_from_this()](beast::error_code error, size_t) {
                        if (error) {
                          self->Gone();
                          self->Close();
                          return;
                        }
                        self->WriteNext();
                      });
  }

  void AfterAnswer() {
    stream_.expires_never();
    if (!keep_alive_) {
      Close();
    } else if (watching_) {
      resume_after_watch_ = true;  // The watch read owns the socket until it returns.
    } else {
      Read();
    }
  }

  // While an answer is being prepared or streamed, a read notices a client that hangs
  // up. Bytes that arrive meanwhile are the next request: sent pipelined, or sent as soon
  // as the client had the answer, before this side saw its write complete. They are kept
  // for the next Read and the watch ends there: a read left waiting would wait for bytes
  // the client will not send until it is answered (a failed write still notices a client
  // that has gone).
  void WatchForClose() {
    watching_ = true;
    stream_.socket().async_read_some(
        asio::buffer(watch_), [self = shared_from_this()](beast::error_code error, size_t n) {
          self->watching_ = false;
          if (error) {
            self->Gone();
            if (self->resume_after_watch_ || self->state_ == State::kFinished) self->Close();
            return;
          }
          const auto space = self->buffer_.prepare(n);
          std::memcpy(space.data(), self->watch_.data(), n);
          self->buffer_.commit(n);
          if (self->resume_after_watch_) {
            self->resume_after_watch_ = false;
            self->Read();
          }
        });
  }

  void Gone() {
    if (gone_ || state_ == State::kReading) return;
    gone_ = true;
    std::vector<std::function<void()>> callbacks = std::move(on_gone_);
    for (auto& callback : callbacks) callback();
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServerOptions& options_;
  const AsyncHttpHandler& handler_;
  State state_ = State::kReading;
  uint64_t request_ = 0;  // Which request of the connection is being answered.
  bool keep_alive_ = true;
  std::deque<std::string> out_;  // Bytes to write, in order.
  std::string writing_now_;      // Bytes being written.
  bool writing_ = false;
  bool watching_ = false;
  bool resume_after_watch_ = false;
  std::array<char, 4096> watch_;
  bool gone_ = false;
  std::vector<std::function<void()>> on_gone_;
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

HttpServer::HttpServer(const HttpServerOptions& options, AsyncHttpHandler handler)
    : options_(options), handler_(std::move(handler)), acceptor_(asio::make_strand(io_)) {}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HostPort& address, int threads,
                                                              HttpHandler handler) {
  return StartAsync(address, {.threads = threads},
                    [handler = std::move(handler)](HttpRequest request,
                                                   std::shared_ptr<HttpResponder> responder) {
                      responder->Respond(handler(request));
                    });
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::StartAsync(const HostPort& address,
                                                                   const HttpServerOptions& options,
                                                                   AsyncHttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer(options, std::move(handler)));
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
  for (int i = 0; i < std::max(options.threads, 1); ++i) {
    server->threads_.emplace_back([io = &server->io_] { io->run(); });
  }
  return server;
}

void HttpServer::Accept() {
  acceptor_.async_accept(
      asio::make_strand(io_), [this](beast::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted) return;
        if (error) {
          LLM_LOG(WARNING) << "accept failed: " << error.message();
        } else {
          std::make_shared<Session>(std::move(socket), options_, handler_)->Read();
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
