#include "common/jinja/value.h"

#include <cmath>

#include "common/jinja/python_format.h"
#include "common/jinja/utf8.h"
#include "gtest/gtest.h"

namespace llm::jinja {
namespace {

TEST(PythonFormatTest, FloatsPrintLikePythonRepr) {
  EXPECT_EQ(FormatPythonFloat(1.0), "1.0");
  EXPECT_EQ(FormatPythonFloat(1.5), "1.5");
  EXPECT_EQ(FormatPythonFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatPythonFloat(1e16), "1e+16");
  EXPECT_EQ(FormatPythonFloat(1e15), "1000000000000000.0");
  EXPECT_EQ(FormatPythonFloat(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatPythonFloat(0.000123), "0.000123");
  EXPECT_EQ(FormatPythonFloat(123456789.123), "123456789.123");
  EXPECT_EQ(FormatPythonFloat(-0.0), "-0.0");
  EXPECT_EQ(FormatPythonFloat(1.2345678901234568e+17), "1.2345678901234568e+17");
  EXPECT_EQ(FormatPythonFloat(INFINITY), "inf");
  EXPECT_EQ(FormatPythonFloat(-INFINITY), "-inf");
  EXPECT_EQ(FormatPythonFloat(NAN), "nan");
}

TEST(PythonFormatTest, StringReprChoosesQuotesAndEscapes) {
  EXPECT_EQ(PythonStringRepr("abc"), "'abc'");
  EXPECT_EQ(PythonStringRepr("it's"), "\"it's\"");
  EXPECT_EQ(PythonStringRepr("both ' \""), "'both \\' \"'");
  EXPECT_EQ(PythonStringRepr("\n\t\\"), "'\\n\\t\\\\'");
  // repr keeps printable non-ASCII and escapes controls and separators (jinja2's output).
  EXPECT_EQ(PythonStringRepr("\x01 \xc2\xa0 \xe2\x80\x8b é"), "'\\x01 \\xa0 \\u200b é'");
}

TEST(ValueTest, StrAndReprFollowPython) {
  EXPECT_EQ(Value::None().Str(), "None");
  EXPECT_EQ(Value(true).Str(), "True");
  EXPECT_EQ(Value(false).Repr(), "False");
  EXPECT_EQ(Value(int64_t{-7}).Str(), "-7");
  EXPECT_EQ(Value(2.0).Str(), "2.0");
  EXPECT_EQ(Value("x").Str(), "x");
  EXPECT_EQ(Value("x").Repr(), "'x'");
  EXPECT_EQ(Value().Str(), "");
  EXPECT_EQ(Value::List({Value(1), Value("a"), Value::None()}).Str(), "[1, 'a', None]");
  EXPECT_EQ(Value::Tuple({Value(1)}).Str(), "(1,)");
  EXPECT_EQ(Value::Tuple({}).Str(), "()");
  Dict dict;
  dict.Set(Value("b"), Value(1));
  dict.Set(Value("a"), Value::List({}));
  EXPECT_EQ(Value::FromDict(dict).Str(), "{'b': 1, 'a': []}");
}

TEST(ValueTest, TruthinessFollowsPython) {
  EXPECT_FALSE(Value().Truthy());
  EXPECT_FALSE(Value::None().Truthy());
  EXPECT_FALSE(Value(0).Truthy());
  EXPECT_FALSE(Value(0.0).Truthy());
  EXPECT_FALSE(Value("").Truthy());
  EXPECT_FALSE(Value::List({}).Truthy());
  EXPECT_FALSE(Value::FromDict({}).Truthy());
  EXPECT_TRUE(Value(" ").Truthy());
  EXPECT_TRUE(Value::List({Value::None()}).Truthy());
  EXPECT_TRUE(Value::MakeNamespace({}).Truthy());
}

TEST(ValueTest, EqualityFollowsPython) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_EQ(Value(true), Value(1));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_EQ(Value(), Value());
  EXPECT_NE(Value(), Value::None());
  EXPECT_NE(Value::List({Value(1)}), Value::Tuple({Value(1)}));
  Dict a;
  a.Set(Value("x"), Value(1));
  a.Set(Value("y"), Value(2));
  Dict b;
  b.Set(Value("y"), Value(2));
  b.Set(Value("x"), Value(1.0));
  EXPECT_EQ(Value::FromDict(a), Value::FromDict(b));  // order does not matter
}

TEST(DictTest, KeepsInsertionOrderAndReplacesInPlace) {
  Dict dict;
  dict.Set(Value("b"), Value(1));
  dict.Set(Value("a"), Value(2));
  dict.Set(Value("b"), Value(3));
  ASSERT_EQ(dict.size(), 2u);
  EXPECT_EQ(dict.begin()->first.string_value(), "b");
  EXPECT_EQ(*dict.Find("b"), Value(3));
  EXPECT_EQ(*dict.Find(Value(std::string("a"))), Value(2));
  EXPECT_EQ(dict.Find("c"), nullptr);
}

TEST(Utf8Test, CodePointsRoundTrip) {
  const std::string text = "aé日😀";
  const std::vector<char32_t> cps = DecodeUtf8(text);
  EXPECT_EQ(cps, (std::vector<char32_t>{U'a', U'é', U'日', U'😀'}));
  EXPECT_EQ(EncodeUtf8(cps), text);
  EXPECT_EQ(CodePointCount(text), 4u);
  EXPECT_EQ(DecodeUtf8("\xff"), std::vector<char32_t>{0xFFFD});
}

TEST(Utf8Test, CaseMappingCoversNonAscii) {
  EXPECT_EQ(Utf8Upper("héllo straße"), "HÉLLO STRASSE");
  EXPECT_EQ(Utf8Lower("ÀÉ ΑΒ"), "àé αβ");
  EXPECT_TRUE(IsPythonSpace(0x3000));
  EXPECT_FALSE(IsPythonSpace(U'x'));
}

}  // namespace
}  // namespace llm::jinja
