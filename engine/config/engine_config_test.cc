#include "engine/config/engine_config.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;
using testing::Not;

TEST(EngineConfigTest, DefaultsPointAtTheEmbeddedModel) {
  absl::StatusOr<EngineConfig> config = EngineConfigFromEnv(MapEnv({{"HOME", "/home/u"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->model_path,
            "/home/u/.cache/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf");
  EXPECT_FALSE(config->use_int8);
  EXPECT_EQ(config->stream_chunk_tokens, 3);
  EXPECT_TRUE(config->loras.empty());

  EXPECT_EQ(DefaultModelPath(MapEnv({{"HOME", "/h"}, {"XDG_CACHE_HOME", "/c"}})),
            "/c/llm-serving/models/SmolLM2-135M-Instruct.Q4_1.gguf");
}

TEST(EngineConfigTest, ReadsEverySetting) {
  absl::StatusOr<EngineConfig> config = EngineConfigFromEnv(MapEnv({
      {"MODEL_PATH", "meta-llama/Llama-2-13b-chat-hf"},
      {"USE_INT", "true"},
      {"TUNA_STREAM_CB_STEP", "8"},
      {"MEDUSA", "FasterDecoding/medusa-vicuna-7b-v1.3"},
      {"LORAS", "org/sql-lora:sql | /data/lora2:chat-v2"},
      {"LEPTON_CHAT_TEMPLATE", "Llama-2"},
      {"LEPTON_CHAT_TEMPLATE_JINJA", "{{ messages[0]['content'] }} "},
      {"HUGGING_FACE_HUB_TOKEN", "hf_secret"},
      {"TENSOR_PARALLEL", "4"},
      {"DEVICE", "CPU"},
  }));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->model_path, "meta-llama/Llama-2-13b-chat-hf");
  EXPECT_TRUE(config->use_int8);
  EXPECT_EQ(config->stream_chunk_tokens, 8);
  EXPECT_EQ(config->medusa, "FasterDecoding/medusa-vicuna-7b-v1.3");
  ASSERT_EQ(config->loras.size(), 2u);
  EXPECT_EQ(config->loras[0].source, "org/sql-lora");
  EXPECT_EQ(config->loras[0].name, "sql");
  EXPECT_EQ(config->loras[1].source, "/data/lora2");
  EXPECT_EQ(config->loras[1].name, "chat-v2");
  EXPECT_EQ(config->chat_template_name, "llama-2");
  EXPECT_EQ(config->chat_template_jinja, "{{ messages[0]['content'] }} ");
  EXPECT_EQ(config->hf_token, "hf_secret");
  EXPECT_EQ(config->tensor_parallel, 4);
  EXPECT_EQ(config->device, "cpu");
}

TEST(EngineConfigTest, DescribeNeverShowsTheToken) {
  absl::StatusOr<EngineConfig> config =
      EngineConfigFromEnv(MapEnv({{"HOME", "/h"}, {"HUGGING_FACE_HUB_TOKEN", "hf_secret"}}));
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(config->Describe(), Not(HasSubstr("hf_secret")));
  EXPECT_THAT(config->Describe(), HasSubstr("HUGGING_FACE_HUB_TOKEN=(set)"));
}

TEST(EngineConfigTest, BadValuesNameTheVariable) {
  struct Case {
    const char* variable;
    const char* value;
    const char* message;
  };
  for (const Case& c : {
           Case{"USE_INT", "int8", "USE_INT='int8'"},
           Case{"TUNA_STREAM_CB_STEP", "0", "TUNA_STREAM_CB_STEP='0'"},
           Case{"TUNA_STREAM_CB_STEP", "three", "TUNA_STREAM_CB_STEP='three'"},
           Case{"LORAS", "org/adapter", "expected SOURCE:NAME"},
           Case{"LORAS", "a:x|b:x", "'x' appears twice"},
           Case{"LORAS", "a:bad name", "adapter name"},
           Case{"LEPTON_CHAT_TEMPLATE", "llama-9", "expected one of"},
           Case{"TENSOR_PARALLEL", "0", "TENSOR_PARALLEL='0'"},
           Case{"TENSOR_PARALLEL", "two", "TENSOR_PARALLEL='two'"},
           Case{"DEVICE", "tpu", "DEVICE='tpu'"},
       }) {
    absl::StatusOr<EngineConfig> config =
        EngineConfigFromEnv(MapEnv({{"HOME", "/h"}, {c.variable, c.value}}));
    ASSERT_FALSE(config.ok()) << c.variable << "=" << c.value;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace llm
