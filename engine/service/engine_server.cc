#include "engine/service/engine_server.h"

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace llm {

absl::StatusOr<std::unique_ptr<EngineServer>> EngineServer::Start(
    const HostPort& listen, llm::v1::Engine::Service* engine_service) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: a second engine on the same port would silently
  // take half the traffic instead of failing to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  int port = 0;
  builder.AddListeningPort(listen.ToString(), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(engine_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen.ToString(), " (address in use or not local?)"));
  }
  std::unique_ptr<EngineServer> engine_server(new EngineServer(std::move(server), port));
  engine_server->SetServing(false);
  return engine_server;
}

EngineServer::~EngineServer() { Shutdown(absl::ZeroDuration()); }

void EngineServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving && !shut_down_);
  health->SetServingStatus(llm::v1::Engine::service_full_name(), serving && !shut_down_);
}

void EngineServer::Shutdown(absl::Duration grace) {
  if (shut_down_.exchange(true)) return;
  SetServing(false);
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
}

}  // namespace llm
