#include "gateway/openai/api_request.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;

ApiRequest Parse(const std::string& body, ApiKind kind = ApiKind::kCompletion) {
  std::variant<ApiRequest, OpenAiError> parsed = ParseApiRequest(body, kind);
  if (auto* error = std::get_if<OpenAiError>(&parsed)) {
    ADD_FAILURE() << error->message;
    return {};
  }
  return std::get<ApiRequest>(std::move(parsed));
}

OpenAiError Error(const std::string& body, ApiKind kind = ApiKind::kCompletion) {
  std::variant<ApiRequest, OpenAiError> parsed = ParseApiRequest(body, kind);
  EXPECT_TRUE(std::holds_alternative<OpenAiError>(parsed)) << body;
  return std::holds_alternative<OpenAiError>(parsed) ? std::get<OpenAiError>(parsed)
                                                     : OpenAiError{};
}

TEST(ApiRequestTest, PromptsComeInFourShapes) {
  EXPECT_EQ(Parse(R"({"model":"m","prompt":"hi"})").prompts[0].text, "hi");
  const ApiRequest many = Parse(R"({"model":"m","prompt":["a","b"]})");
  ASSERT_EQ(many.prompts.size(), 2u);
  EXPECT_EQ(many.prompts[1].text, "b");
  const ApiRequest ids = Parse(R"({"model":"m","prompt":[1,2,3]})");
  ASSERT_EQ(ids.prompts.size(), 1u);
  EXPECT_THAT(ids.prompts[0].token_ids, ElementsAre(1, 2, 3));
  const ApiRequest lists = Parse(R"({"model":"m","prompt":[[1],[2,3]]})");
  ASSERT_EQ(lists.prompts.size(), 2u);
  EXPECT_TRUE(lists.prompts[1].is_token_ids);
}

TEST(ApiRequestTest, ReadsEveryOptionNullMeaningUnset) {
  const ApiRequest r = Parse(
      R"({"model":"m","prompt":"x","max_tokens":7,"temperature":0.5,"top_p":0.9,"n":2,
          "stream":true,"stream_options":{"include_usage":true},"stop":"\n",
          "presence_penalty":1,"frequency_penalty":-1,"logit_bias":{"42":-100},
          "logprobs":3,"echo":true,"seed":9,"user":"u","top_k":40,"min_p":0.1,
          "repetition_penalty":1.1,"ignore_eos":true,"stop_token_ids":[5],"suffix":null})");
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_EQ(r.temperature, 0.5f);
  EXPECT_EQ(r.n, 2);
  EXPECT_TRUE(r.stream && r.include_usage && r.echo && r.ignore_eos && r.logprobs);
  EXPECT_THAT(r.stop, ElementsAre("\n"));
  EXPECT_EQ(r.logit_bias.at(42), -100.0f);
  EXPECT_EQ(r.top_logprobs, 3);
  EXPECT_EQ(r.seed, 9u);
  EXPECT_EQ(r.top_k, 40);
  EXPECT_THAT(r.stop_token_ids, ElementsAre(5));
}

TEST(ApiRequestTest, ChatMessagesTakeStringsOrTextParts) {
  const ApiRequest r = Parse(
      R"({"model":"m","messages":[{"role":"developer","content":"be nice"},
          {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}],
           "name":"ann"},{"role":"assistant","content":null}],
          "logprobs":true,"top_logprobs":2,"max_completion_tokens":5})",
      ApiKind::kChat);
  ASSERT_EQ(r.messages.size(), 3u);
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
  EXPECT_EQ(r.messages[1].name, "ann");
  EXPECT_EQ(r.top_logprobs, 2);
  EXPECT_EQ(r.max_tokens, 5);
}

TEST(ApiRequestTest, ErrorsNameTheField) {
  EXPECT_EQ(Error("{oops").param, std::nullopt);
  EXPECT_THAT(Error("{oops").message, HasSubstr("could not parse the JSON body"));
  EXPECT_EQ(Error(R"({"prompt":"x"})").param, "model");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","n":0})").param, "n");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","temperature":-1})").param, "temperature");
  EXPECT_THAT(Error(R"({"model":"m","prompt":"x","temperature":-1})").message,
              HasSubstr("-1 is less than the minimum of 0"));
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","top_p":2})").param, "top_p");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","max_tokens":0})").param, "max_tokens");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","max_tokens":1.5})").param, "max_tokens");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","suffix":"y"})").param, "suffix");
  EXPECT_EQ(Error(R"({"model":"m","prompt":"x","stream_options":{}})").param, "stream_options");
  EXPECT_EQ(Error(R"({"model":"m","messages":[]})", ApiKind::kChat).param, "messages");
  EXPECT_EQ(Error(R"({"model":"m","messages":[{"role":"x","content":"y"}]})", ApiKind::kChat).param,
            "messages[0].role");
  EXPECT_EQ(Error(R"({"model":"m","messages":[{"role":"user","content":"y"}],"tools":[]})",
                  ApiKind::kChat)
                .param,
            "tools");
  EXPECT_EQ(Error(R"({"model":"m","messages":[{"role":"user","content":"y"}],"top_logprobs":2})",
                  ApiKind::kChat)
                .param,
            "top_logprobs");
}

}  // namespace
}  // namespace llm
