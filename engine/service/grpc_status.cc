#include "engine/service/grpc_status.h"

#include <string>

namespace llm {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  // absl's canonical codes are gRPC's, number for number.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

}  // namespace llm
