#include "gateway/errors/openai_error.h"

#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

TEST(OpenAiErrorTest, HasOpenAisShapeAndEscapesText) {
  OpenAiError error;
  error.status = boost::beast::http::status::not_found;
  error.message = "The model `gpt-\"5\"\n` does not exist";
  error.param = "model";
  error.code = "model_not_found";

  rapidjson::Document json;
  json.Parse(OpenAiErrorJson(error).c_str());
  ASSERT_FALSE(json.HasParseError());
  const rapidjson::Value& body = json["error"];
  EXPECT_STREQ(body["message"].GetString(), "The model `gpt-\"5\"\n` does not exist");
  EXPECT_STREQ(body["type"].GetString(), "invalid_request_error");
  EXPECT_STREQ(body["param"].GetString(), "model");
  EXPECT_STREQ(body["code"].GetString(), "model_not_found");

  HttpResponse response = OpenAiErrorResponse(HttpRequest(), error);
  EXPECT_EQ(response.result(), boost::beast::http::status::not_found);
  EXPECT_EQ(response[boost::beast::http::field::content_type], "application/json");
}

TEST(OpenAiErrorTest, UnsetParamAndCodeAreNull) {
  rapidjson::Document json;
  json.Parse(OpenAiErrorJson(OpenAiError{.message = "bad"}).c_str());
  EXPECT_TRUE(json["error"]["param"].IsNull());
  EXPECT_TRUE(json["error"]["code"].IsNull());
}

}  // namespace
}  // namespace llm
