// Internal services code against proto/ directly, so every service, method, message,
// field, enum and enum value must carry a comment that says what it means.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::SourceLocation;

class CollectErrors : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& file, int line, int column,
                const std::string& message) override {
    errors.push_back(absl::StrCat(file, ":", line, ": ", message));
  }
  std::vector<std::string> errors;
};

template <typename D>
void ExpectDocumented(const D* d, std::vector<std::string>* undocumented) {
  SourceLocation location;
  if (!d->GetSourceLocation(&location) || location.leading_comments.empty()) {
    undocumented->push_back(d->full_name());
  }
}

void CheckEnum(const EnumDescriptor* e, std::vector<std::string>* undocumented) {
  ExpectDocumented(e, undocumented);
  for (int i = 0; i < e->value_count(); ++i) ExpectDocumented(e->value(i), undocumented);
}

void CheckMessage(const Descriptor* m, std::vector<std::string>* undocumented) {
  ExpectDocumented(m, undocumented);
  for (int i = 0; i < m->field_count(); ++i) ExpectDocumented(m->field(i), undocumented);
  for (int i = 0; i < m->nested_type_count(); ++i) {
    if (!m->nested_type(i)->options().map_entry()) CheckMessage(m->nested_type(i), undocumented);
  }
  for (int i = 0; i < m->enum_type_count(); ++i) CheckEnum(m->enum_type(i), undocumented);
  for (int i = 0; i < m->oneof_decl_count(); ++i) {
    // proto3 `optional` fields make synthetic oneofs that have no source of their own.
    if (!m->oneof_decl(i)->is_synthetic()) ExpectDocumented(m->oneof_decl(i), undocumented);
  }
}

class ProtoDocsTest : public testing::TestWithParam<std::string> {};

TEST_P(ProtoDocsTest, EveryElementHasAComment) {
  google::protobuf::compiler::DiskSourceTree tree;
  tree.MapPath("", "proto");
  CollectErrors errors;
  google::protobuf::compiler::Importer importer(&tree, &errors);
  const FileDescriptor* file = importer.Import(GetParam());
  ASSERT_NE(file, nullptr) << testing::PrintToString(errors.errors);

  std::vector<std::string> undocumented;
  for (int i = 0; i < file->service_count(); ++i) {
    ExpectDocumented(file->service(i), &undocumented);
    for (int j = 0; j < file->service(i)->method_count(); ++j) {
      ExpectDocumented(file->service(i)->method(j), &undocumented);
    }
  }
  for (int i = 0; i < file->message_type_count(); ++i) {
    CheckMessage(file->message_type(i), &undocumented);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) CheckEnum(file->enum_type(i), &undocumented);
  EXPECT_THAT(undocumented, testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(AllProtos, ProtoDocsTest,
                         testing::Values("llm/v1/engine.proto", "grpc/health/v1/health.proto"));

}  // namespace
