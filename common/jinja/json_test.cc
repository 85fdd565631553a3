#include "common/jinja/json.h"

#include "gtest/gtest.h"

namespace llm::jinja {
namespace {

std::string Dump(absl::string_view json, const JsonOptions& options = {}) {
  absl::StatusOr<Value> value = ParseJson(json);
  EXPECT_TRUE(value.ok()) << value.status();
  absl::StatusOr<std::string> out = ToJson(*value, options);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.value_or("");
}

// Expected strings are Python's json.dumps(x, ensure_ascii=False, ...) output.
TEST(JsonTest, DefaultSeparatorsAndKeyOrder) {
  EXPECT_EQ(Dump(R"({"b": 1, "a": [1, 2.5, null, true, "x\"y"]})"),
            R"({"b": 1, "a": [1, 2.5, null, true, "x\"y"]})");
  EXPECT_EQ(Dump("[]"), "[]");
  EXPECT_EQ(Dump("{}"), "{}");
  EXPECT_EQ(Dump("1.0"), "1.0");
  EXPECT_EQ(Dump("1e20"), "1e+20");
}

TEST(JsonTest, StringsKeepUnicodeAndEscapeControls) {
  EXPECT_EQ(Dump(R"("ünï \"q\" \n\t\\ \u0001 \u007f")"),
            "\"ünï \\\"q\\\" \\n\\t\\\\ \\u0001 \x7f\"");
  JsonOptions ascii;
  ascii.ensure_ascii = true;
  EXPECT_EQ(Dump(R"("é😀")", ascii), R"("\u00e9\ud83d\ude00")");
}

TEST(JsonTest, IndentPutsItemsOnLines) {
  JsonOptions options;
  options.indent = "  ";
  EXPECT_EQ(
      Dump(R"({"a": 1, "b": [1, {"c": 2}], "d": {}})", options),
      "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    {\n      \"c\": 2\n    }\n  ],\n  \"d\": {}\n}");
  options.indent = "";
  EXPECT_EQ(Dump(R"({"a": [1]})", options), "{\n\"a\": [\n1\n]\n}");
}

TEST(JsonTest, SeparatorsAndSortKeys) {
  JsonOptions options;
  options.separators = std::make_pair(",", ":");
  options.sort_keys = true;
  EXPECT_EQ(Dump(R"({"b": 1, "a": [1, 2]})", options), R"({"a":[1,2],"b":1})");
}

TEST(JsonTest, NonStringKeysAndUnserializableValues) {
  Dict dict;
  dict.Set(Value(1), Value(true));
  dict.Set(Value::None(), Value(2));
  EXPECT_EQ(*ToJson(Value::FromDict(dict)), R"({"1": true, "null": 2})");
  EXPECT_FALSE(ToJson(Value()).ok());
  EXPECT_FALSE(ToJson(Value::MakeNamespace({})).ok());
}

TEST(JsonTest, ParsesNumbersAsPythonDoes) {
  EXPECT_TRUE(ParseJson("5")->is_int());
  EXPECT_TRUE(ParseJson("5.0")->is_float());
  EXPECT_FALSE(ParseJson("{bad").ok());
}

}  // namespace
}  // namespace llm::jinja
