// The one mapping from absl::Status (inside the engine) to grpc::Status (on the wire).
#ifndef LLM_ENGINE_SERVICE_GRPC_STATUS_H_
#define LLM_ENGINE_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace llm {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace llm

#endif  // LLM_ENGINE_SERVICE_GRPC_STATUS_H_
