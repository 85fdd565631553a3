// An instant engine for the gateway benchmark: serves llm.v1.Engine with no model, so
// what is measured is the gateway. Generate answers at once with `--tokens` tokens in
// one response; ModelInfo describes a model called "fake".
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "llm/v1/engine.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50090", "gRPC address");
ABSL_FLAG(int, tokens, 8, "tokens in each answer");

namespace {

class FakeEngine final : public llm::v1::Engine::Service {
  grpc::Status ModelInfo(grpc::ServerContext*, const llm::v1::ModelInfoRequest*,
                         llm::v1::ModelInfoResponse* response) override {
    response->set_served_name("fake");
    response->set_source("fake");
    response->set_context_length(4096);
    response->mutable_chat_templates()->set_model_template(
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}");
    return grpc::Status::OK;
  }

  grpc::Status Generate(grpc::ServerContext*, const llm::v1::GenerateRequest* request,
                        grpc::ServerWriter<llm::v1::GenerateResponse>* writer) override {
    llm::v1::GenerateResponse response;
    response.set_request_id(request->request_id());
    const int n = request->n() == 0 ? 1 : static_cast<int>(request->n());
    for (int i = 0; i < n; ++i) {
      llm::v1::ChoiceDelta* choice = response.add_choices();
      choice->set_index(i);
      for (int t = 0; t < absl::GetFlag(FLAGS_tokens); ++t) {
        choice->add_token_ids(100 + t);
        choice->mutable_text()->append(" word");
      }
      choice->set_finish_reason(llm::v1::FINISH_REASON_LENGTH);
    }
    response.mutable_usage()->set_prompt_tokens(4);
    response.mutable_usage()->set_completion_tokens(n * absl::GetFlag(FLAGS_tokens));
    writer->Write(response);
    return grpc::Status::OK;
  }
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  grpc::EnableDefaultHealthCheckService(true);
  FakeEngine service;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials());
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  server->Wait();
  return 0;
}
