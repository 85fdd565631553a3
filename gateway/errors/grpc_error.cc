#include "gateway/errors/grpc_error.h"

namespace llm {

OpenAiError FromGrpcStatus(const grpc::Status& status) {
  namespace http = boost::beast::http;
  OpenAiError error{.message = status.error_message()};
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::UNIMPLEMENTED:
      error.status = http::status::bad_request;
      break;
    case grpc::StatusCode::NOT_FOUND:
      error.status = http::status::not_found;
      error.code = "model_not_found";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      error.status = http::status::too_many_requests;
      error.type = "rate_limit_exceeded";
      break;
    case grpc::StatusCode::UNAVAILABLE:
      error.status = http::status::service_unavailable;
      error.type = "server_error";
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      error.status = http::status::gateway_timeout;
      error.type = "timeout";
      break;
    default:
      error.status = http::status::internal_server_error;
      error.type = "server_error";
  }
  if (error.message.empty()) error.message = "the engine failed the request";
  return error;
}

}  // namespace llm
