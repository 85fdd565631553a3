#include "gateway/chat_templates/named_templates.h"

#include "common/chat_template_names.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

TEST(NamedTemplatesTest, EveryPromisedNameHasATemplate) {
  for (absl::string_view name : kChatTemplateNames) {
    const std::optional<absl::string_view> source = NamedChatTemplate(name);
    ASSERT_TRUE(source.has_value()) << name;
    EXPECT_NE(source->find("messages"), absl::string_view::npos) << name;
  }
  EXPECT_FALSE(NamedChatTemplate("no-such-template").has_value());
}

TEST(NamedTemplatesTest, PicksByTheFamilyInTheModelName) {
  EXPECT_EQ(ChatTemplateNameForModel("meta-llama/Meta-Llama-3-8B-Instruct"), "llama-3");
  EXPECT_EQ(ChatTemplateNameForModel("codellama/CodeLlama-7b-Instruct-hf"), "codellama");
  EXPECT_EQ(ChatTemplateNameForModel("meta-llama/Llama-2-13b-chat-hf"), "llama-2");
  EXPECT_EQ(ChatTemplateNameForModel("THUDM/chatglm2-6b"), "chatglm2");
  EXPECT_EQ(ChatTemplateNameForModel("THUDM/chatglm3-6b"), "chatglm-chatml");
  EXPECT_EQ(ChatTemplateNameForModel("Qwen/Qwen1.5-7B-Chat"), "qwen");
  EXPECT_EQ(ChatTemplateNameForModel("some/unknown-model"), "openchat");
}

}  // namespace
}  // namespace llm
