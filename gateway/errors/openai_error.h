// Errors in the shape OpenAI's API returns them, so SDKs raise their usual exceptions:
//   {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": null}}
#ifndef LLM_GATEWAY_ERRORS_OPENAI_ERROR_H_
#define LLM_GATEWAY_ERRORS_OPENAI_ERROR_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/http/http_server.h"

namespace llm {

struct OpenAiError {
  boost::beast::http::status status = boost::beast::http::status::bad_request;
  std::string message;
  std::string type = "invalid_request_error";  // OpenAI's error.type.
  std::optional<std::string> param;            // The request field at fault.
  std::optional<std::string> code;             // Machine-readable, e.g. "model_not_found".
};

// The error's JSON body.
std::string OpenAiErrorJson(const OpenAiError& error);

// A complete HTTP response carrying the error.
HttpResponse OpenAiErrorResponse(const HttpRequest& request, const OpenAiError& error);

}  // namespace llm

#endif  // LLM_GATEWAY_ERRORS_OPENAI_ERROR_H_
