// The one mapping from an engine's gRPC status to OpenAI's HTTP status and error JSON:
// INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, UNIMPLEMENTED 400, anything else 500.
#ifndef LLM_GATEWAY_ERRORS_GRPC_ERROR_H_
#define LLM_GATEWAY_ERRORS_GRPC_ERROR_H_

#include "gateway/errors/openai_error.h"
#include "grpcpp/support/status.h"

namespace llm {

OpenAiError FromGrpcStatus(const grpc::Status& status);

}  // namespace llm

#endif  // LLM_GATEWAY_ERRORS_GRPC_ERROR_H_
