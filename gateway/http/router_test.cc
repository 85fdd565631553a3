#include "gateway/http/router.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rapidjson/document.h"

namespace llm {
namespace {

namespace http = boost::beast::http;
using testing::HasSubstr;

HttpRequest Request(http::verb method, const std::string& target) {
  return HttpRequest(method, target, 11);
}

class RouterTest : public testing::Test {
 protected:
  Router router_{[this] { return engines_; }};
  std::vector<EngineHealth> engines_ = {{"a:1", false, "UNAVAILABLE"}, {"b:2", false, "x"}};
};

TEST_F(RouterTest, HealthIsAlwaysOk) {
  HttpResponse response = router_.Handle(Request(http::verb::get, "/health"));
  EXPECT_EQ(response.result(), http::status::ok);
  EXPECT_EQ(response.body(), R"({"status":"ok"})");
}

TEST_F(RouterTest, ReadyNeedsAServingEngine) {
  HttpResponse down = router_.Handle(Request(http::verb::get, "/ready"));
  EXPECT_EQ(down.result(), http::status::service_unavailable);

  engines_[1].serving = true;
  HttpResponse up = router_.Handle(Request(http::verb::get, "/ready?verbose=1"));
  EXPECT_EQ(up.result(), http::status::ok);
  rapidjson::Document json;
  json.Parse(up.body().c_str());
  ASSERT_FALSE(json.HasParseError());
  EXPECT_STREQ(json["status"].GetString(), "ready");
  ASSERT_EQ(json["engines"].Size(), 2u);
  EXPECT_STREQ(json["engines"][0]["detail"].GetString(), "UNAVAILABLE");
  EXPECT_TRUE(json["engines"][1]["serving"].GetBool());
}

TEST_F(RouterTest, MetricsCountServingEngines) {
  engines_[0].serving = true;
  HttpResponse response = router_.Handle(Request(http::verb::get, "/metrics"));
  EXPECT_THAT(response.body(), HasSubstr("llm_gateway_engines 2\n"));
  EXPECT_THAT(response.body(), HasSubstr("llm_gateway_engines_serving 1\n"));
}

TEST_F(RouterTest, UnknownPathsAndMethodsGetOpenAiErrors) {
  HttpResponse missing = router_.Handle(Request(http::verb::post, "/v2/nothing"));
  EXPECT_EQ(missing.result(), http::status::not_found);
  rapidjson::Document json;
  json.Parse(missing.body().c_str());
  EXPECT_STREQ(json["error"]["code"].GetString(), "unknown_url");
  EXPECT_THAT(json["error"]["message"].GetString(), HasSubstr("POST /v2/nothing"));

  HttpResponse wrong = router_.Handle(Request(http::verb::post, "/health"));
  EXPECT_EQ(wrong.result(), http::status::method_not_allowed);
}

}  // namespace
}  // namespace llm
