#include "common/jinja/parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm::jinja {
namespace {

using ::testing::HasSubstr;

std::string ParseError(absl::string_view source) {
  absl::StatusOr<ast::Body> body = Parse(source);
  if (body.ok()) return "ok";
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(body.status().message());
}

TEST(ParserTest, BuildsStatements) {
  absl::StatusOr<ast::Body> body = Parse(
      "a{{ x }}{% if y %}b{% elif z %}c{% else %}d{% endif %}{% for k, v in m %}{% endfor %}");
  ASSERT_TRUE(body.ok()) << body.status();
  ASSERT_EQ(body->size(), 4u);
  EXPECT_TRUE(std::holds_alternative<ast::Text>((*body)[0]->node));
  EXPECT_TRUE(std::holds_alternative<ast::Output>((*body)[1]->node));
  const auto& branch = std::get<ast::If>((*body)[2]->node);
  EXPECT_EQ(branch.branches.size(), 2u);
  EXPECT_EQ(branch.else_body.size(), 1u);
  const auto& loop = std::get<ast::For>((*body)[3]->node);
  EXPECT_TRUE(loop.target.unpack);
  EXPECT_EQ(loop.target.names, (std::vector<std::string>{"k", "v"}));
}

TEST(ParserTest, NamespaceAssignmentTarget) {
  absl::StatusOr<ast::Body> body = Parse("{% set ns.count = 1 %}");
  ASSERT_TRUE(body.ok()) << body.status();
  const auto& set = std::get<ast::Set>((*body)[0]->node);
  EXPECT_EQ(set.target.names[0], "ns");
  EXPECT_EQ(set.target.attribute, "count");
}

TEST(ParserTest, PrecedenceMatchesJinja) {
  // `not x is defined` is not (x is defined); `-x|abs` filters the negation.
  absl::StatusOr<ast::Body> body = Parse("{{ not x is defined }}");
  ASSERT_TRUE(body.ok());
  const ast::Expr& expr = *std::get<ast::Output>((*body)[0]->node).expr;
  ASSERT_TRUE(std::holds_alternative<ast::Unary>(expr.node));
  EXPECT_TRUE(std::holds_alternative<ast::Test>(std::get<ast::Unary>(expr.node).operand->node));
}

TEST(ParserTest, ErrorsNameLineAndColumn) {
  EXPECT_THAT(ParseError("{% if x %}"), HasSubstr("expected 'elif' or 'else' or 'endif'"));
  EXPECT_THAT(ParseError("line\n{% foo %}"),
              HasSubstr("line 2, column 8: unknown or unexpected tag 'foo'"));
  EXPECT_THAT(ParseError("{% endif %}"), HasSubstr("unexpected tag 'endif'"));
  EXPECT_THAT(ParseError("{{ x|nosuchfilter }}"), HasSubstr("no filter named 'nosuchfilter'"));
  EXPECT_THAT(ParseError("{{ x is nosuchtest }}"), HasSubstr("no test named 'nosuchtest'"));
  EXPECT_THAT(ParseError("{% break %}"), HasSubstr("'break' outside of a loop"));
  EXPECT_THAT(ParseError("{{ 1 + }}"), HasSubstr("expected an expression"));
  EXPECT_THAT(ParseError("{{ f(a=1, 2) }}"), HasSubstr("positional argument after keyword"));
  EXPECT_THAT(ParseError("{% for x in y recursive %}{% endfor %}"), HasSubstr("not supported"));
  EXPECT_THAT(ParseError("{{ x }"), HasSubstr("line 1, column 6: unexpected '}'"));
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  const std::string source = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_THAT(ParseError(source), HasSubstr("nested too deeply"));
  std::string chain = "{{ 1";
  for (int i = 0; i < 2000; ++i) chain += " + 1";
  EXPECT_THAT(ParseError(chain + " }}"), HasSubstr("nested too deeply"));
  std::string blocks;
  for (int i = 0; i < 1000; ++i) blocks += "{% if true %}";
  EXPECT_THAT(ParseError(blocks), HasSubstr("blocks nested too deeply"));
}

}  // namespace
}  // namespace llm::jinja
