#include "common/jinja/lexer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm::jinja {
namespace {

using ::testing::HasSubstr;

// Tokens as "kind:value" words, e.g. "text:a {{ name:x }}".
std::string Lex(absl::string_view source) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(source);
  if (!tokens.ok()) return absl::StrCat("error: ", tokens.status().message());
  std::vector<std::string> words;
  for (const Token& token : *tokens) {
    switch (token.type) {
      case Token::Type::kText:
        words.push_back(absl::StrCat("text:", token.value));
        break;
      case Token::Type::kVariableBegin:
        words.push_back("{{");
        break;
      case Token::Type::kVariableEnd:
        words.push_back("}}");
        break;
      case Token::Type::kBlockBegin:
        words.push_back("{%");
        break;
      case Token::Type::kBlockEnd:
        words.push_back("%}");
        break;
      case Token::Type::kName:
        words.push_back(absl::StrCat("name:", token.value));
        break;
      case Token::Type::kString:
        words.push_back(absl::StrCat("str:", token.value));
        break;
      case Token::Type::kInteger:
        words.push_back(absl::StrCat("int:", token.value));
        break;
      case Token::Type::kFloat:
        words.push_back(absl::StrCat("float:", token.value));
        break;
      case Token::Type::kOperator:
        words.push_back(token.value);
        break;
      case Token::Type::kEnd:
        break;
    }
  }
  return absl::StrJoin(words, " ");
}

TEST(LexerTest, TextAndTags) {
  EXPECT_EQ(Lex("a{{ x }}b{% if y %}c"), "text:a {{ name:x }} text:b {% name:if name:y %} text:c");
  EXPECT_EQ(Lex("a{# comment #}b"), "text:a text:b");
  EXPECT_EQ(Lex(""), "");
}

TEST(LexerTest, NumbersStringsAndOperators) {
  EXPECT_EQ(Lex("{{ 1_000 2.5 1e3 x.0.1 }}"),
            "{{ int:1000 float:2.5 float:1e3 name:x . int:0 . int:1 }}");
  EXPECT_EQ(Lex("{{ a//b**c==d!=e<=f>=g ~ h|i }}"),
            "{{ name:a // name:b ** name:c == name:d != name:e <= name:f >= name:g ~ name:h | "
            "name:i }}");
  EXPECT_EQ(Lex(R"({{ 'it\'s' "a\"b" '\n\t\\' '\x41\u00e9' '\d' }})"),
            "{{ str:it's str:a\"b str:\n\t\\ str:Aé str:\\d }}");
}

TEST(LexerTest, EndTagsInsideBracketsDoNotCloseTheTag) {
  EXPECT_EQ(Lex("{{ {'a': {'b': 1}} }}"), "{{ { str:a : { str:b : int:1 } } }}");
}

TEST(LexerTest, WhitespaceControl) {
  // trim_blocks eats the newline after %}; "-" strips all whitespace on its side.
  EXPECT_EQ(Lex("{% x %}\nA"), "{% name:x %} text:A");
  EXPECT_EQ(Lex("{{ x }}\nA"), "{{ name:x }} text:\nA");
  EXPECT_EQ(Lex("A  \n {%- x -%} \n B"), "text:A {% name:x %} text:B");
  EXPECT_EQ(Lex("A  {{- x -}}  B"), "text:A {{ name:x }} text:B");
  // lstrip_blocks: indentation before a block tag on its own line goes; "+" keeps it.
  EXPECT_EQ(Lex("A\n    {% x %}"), "text:A\n {% name:x %}");
  EXPECT_EQ(Lex("A\n    {%+ x %}"), "text:A\n     {% name:x %}");
  EXPECT_EQ(Lex("A  {% x %}"), "text:A   {% name:x %}");
  EXPECT_EQ(Lex("A\n    {{ x }}"), "text:A\n     {{ name:x }}");
}

TEST(LexerTest, NormalizesNewlinesAndDropsOneTrailingNewline) {
  EXPECT_EQ(Lex("a\r\nb\rc\n\n"), "text:a\nb\nc\n");
}

TEST(LexerTest, RawBlocksStayText) {
  EXPECT_EQ(Lex("{% raw %}{{ x }}{% endraw %}"), "text:{{ x }}");
  EXPECT_EQ(Lex("{% raw -%}  a  {%- endraw %}"), "text:a");
}

TEST(LexerTest, ErrorsNameLineAndColumn) {
  EXPECT_THAT(Lex("a\n  {{ x"), HasSubstr("line 2, column 3"));
  EXPECT_THAT(Lex("{{ 'open }}"), HasSubstr("unterminated string"));
  EXPECT_THAT(Lex("{# open"), HasSubstr("missing end of comment"));
  EXPECT_THAT(Lex("{{ x ) }}"), HasSubstr("unexpected ')'"));
  EXPECT_THAT(Lex("{{ x $ }}"), HasSubstr("unexpected char '$'"));
  EXPECT_THAT(Lex("{% raw %}x"), HasSubstr("missing end of raw directive"));
}

}  // namespace
}  // namespace llm::jinja
