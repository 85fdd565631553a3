#include "common/jinja/template.h"

#include "common/jinja/test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm::jinja {
namespace {

using ::testing::HasSubstr;

// Every expected string below is what Python's jinja2 3.1 renders in transformers'
// environment (checked with the venv's jinja2 when the case was written).
constexpr char kMessages[] =
    R"({"messages": [{"role": "system", "content": "  Sys  "}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": null}, {"role": "user", "content": "Bye"}]})";

INSTANTIATE_TEST_SUITE_P(
    Whitespace, RenderTest,
    ::testing::Values(RenderCase{"{% if true %}\n    A\n{% endif %}\n  B", "    A\n  B"},
                      RenderCase{"{%- if true -%}\n    A\n{%- endif -%}\n  B", "AB"},
                      RenderCase{"  {% if true %}  C  {% endif %}\nD", "  C  D"},
                      RenderCase{"{% for i in [1, 2] %}\n  {{ i }}\n{% endfor %}", "  1\n  2\n"},
                      RenderCase{"  {{ 'x' }}\n  {%+ if true %}y{% endif %}", "  x\n  y"},
                      RenderCase{"D {# c #}\nE\n  {# own line #}\nF", "D E\nF"},
                      RenderCase{"{{- '  a  ' -}}   {{- ' b ' }}", "  a   b "},
                      RenderCase{"text\n\n", "text\n"},
                      RenderCase{"{% raw %}{{ x }}{% endraw %}", "{{ x }}"}));

INSTANTIATE_TEST_SUITE_P(
    Statements, RenderTest,
    ::testing::Values(
        RenderCase{"{% if not messages %}e{% elif messages|length > 3 %}m{% else %}f{% endif %}",
                   "m", kMessages},
        RenderCase{
            "{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}"
            "{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %}",
            "1043TrueFalse4|2132FalseFalse4|3221FalseFalse4|4310FalseTrue4|", kMessages},
        RenderCase{"{% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}",
                   "-2;1-3;2-;"},
        RenderCase{"{% for m in messages if m.role == 'user' %}{{ loop.index }}{{ m.content }}"
                   "{{ loop.length }};{% endfor %}",
                   "1Hi2;2Bye2;", kMessages},
        RenderCase{"{% for x in [] %}a{% else %}empty{% endfor %}", "empty"},
        RenderCase{"{% for i in range(10) %}{% if i == 5 %}{% break %}{% endif %}"
                   "{% if i % 2 %}{% continue %}{% endif %}{{ i }}{% endfor %}",
                   "024"},
        RenderCase{"{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }},{% endfor %}",
                   "a=1,b=2,"},
        RenderCase{"{% for i in range(3) %}{{ loop.cycle('o', 'e') }}{% endfor %}", "oeo"},
        RenderCase{"{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12"},
        RenderCase{"{% set x %}  some {{ 'text' }}  {% endset %}[{{ x }}]", "[  some text  ]"},
        RenderCase{"{% set x | upper %}abc{% endset %}{{ x }}", "ABC"},
        RenderCase{"{% filter upper %}hello {{ 'world' }}{% endfilter %}", "HELLO WORLD"},
        RenderCase{"{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a is defined }}", "3False"},
        RenderCase{"{% generation %}gen {{ 1 }}{% endgeneration %}", "gen 1"}));

INSTANTIATE_TEST_SUITE_P(
    Scoping, RenderTest,
    ::testing::Values(
        // A plain set inside a loop does not leak out, nor into the next iteration.
        RenderCase{"{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = 2 %}{% endfor %}{{ x }}",
                   "111"},
        RenderCase{"{% for i in [1, 2] %}{% if i == 2 %}{{ y }}{% endif %}{% set y = i %}"
                   "{% endfor %}",
                   ""},
        RenderCase{"{% if true %}{% set top = 1 %}{% endif %}{{ top }}", "1"},
        RenderCase{"{% set ns = namespace(found=false, n=0) %}{% for m in messages %}"
                   "{% if m.role == 'user' %}{% set ns.found = true %}{% set ns.n = ns.n + 1 %}"
                   "{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}",
                   "True 2", kMessages},
        RenderCase{"{% set messages = messages[1:] %}{{ messages|length }}", "3", kMessages}));

INSTANTIATE_TEST_SUITE_P(
    Macros, RenderTest,
    ::testing::Values(
        RenderCase{"{% macro g(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
                   "{{ g('Bob') }} {{ g('Al', greeting='Hi') }} {{ g(greeting='Yo', name='Z') }}",
                   "Hello, Bob! Hi, Al! Yo, Z!"},
        RenderCase{"{% macro m(a, b=a*2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, 5) }}",
                   "1-2 1-5"},
        RenderCase{"{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }}",
                   "(1, 2){'k': 3}"},
        RenderCase{"{% macro m(a) %}{{ a }}{% endmacro %}[{{ m() }}]", "[]"},
        RenderCase{"{% macro f(n) %}{% if n <= 1 %}1{% else %}{{ n * f(n - 1)|int }}{% endif %}"
                   "{% endmacro %}{{ f(5) }}",
                   "120"},
        RenderCase{"{% set x = 'a' %}{% macro show() %}{{ x }}{% endmacro %}{% set x = 'b' %}"
                   "{{ show() }}",
                   "b"},
        RenderCase{"{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}in{% endcall %}",
                   "[in]"},
        RenderCase{"{% macro m(x) %}[{{ caller(x * 2) }}]{% endmacro %}"
                   "{% call(v) m(21) %}got {{ v }}{% endcall %}",
                   "[got 42]"}));

INSTANTIATE_TEST_SUITE_P(
    Expressions, RenderTest,
    ::testing::Values(
        RenderCase{"{{ 1.0 }} {{ 3/2 }} {{ 4/2 }} {{ 2**10 }} {{ 7//2 }} {{ -7//2 }} {{ -7 % 3 }}",
                   "1.0 1.5 2.0 1024 3 -4 2"},
        RenderCase{"{{ 10 - 2 * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ (1 + 2) ~ 3 }}",
                   "4 64 4 33"},
        RenderCase{"{{ [1, 'a', none, true, 1.5, {'k': 'v'}, (1,)] }}",
                   "[1, 'a', None, True, 1.5, {'k': 'v'}, (1,)]"},
        RenderCase{"{{ none }} {{ True }} {{ \"a\" 'b' }}", "None True ab"},
        RenderCase{
            "{{ 'abc'[1:] }} {{ 'abcdef'[::2] }} {{ 'abcdef'[::-1] }} {{ [1, 2, 3, 4][-2:] }}"
            " {{ 'héllo'[1:3] }} {{ [1, 2, 3][5:] }} {{ 'abc'[-1] }}",
            "bc ace fedcba [3, 4] él [] c"},
        RenderCase{"{{ messages[-1].content }} {{ messages.0.role }} {{ messages[1]['content'] }}",
                   "Bye system Hi", kMessages},
        RenderCase{"{{ 'y' if true else 'n' }}|{{ 'y' if false }}|{{ 'a' if none else 'b' }}",
                   "y||b"},
        RenderCase{"{{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 'a' in 'abc' }} {{ 'x' not in 'abc' }}"
                   " {{ 'a' in {'a': 1} }} {{ not 1 == 2 }}",
                   "True False True True True True"},
        RenderCase{"{{ 1 and 2 }} {{ 0 and 2 }} {{ 0 or 'x' }} {{ x or 'def' }}", "2 0 x def"},
        RenderCase{"{{ x ~ 'y' }} {{ 1 ~ 2 }} {{ none ~ 'z' }}", "y 12 Nonez"},
        RenderCase{"{{ x }}|{{ none.x }}|{{ messages[0].nope }}|{{ messages[99] }}", "|||",
                   kMessages},
        RenderCase{"{{ range(5)|list }} {{ range(5, 0, -2)|list }} {{ dict(a=1) }}",
                   "[0, 1, 2, 3, 4] [5, 3, 1] {'a': 1}"},
        RenderCase{"{{ '%s and %d' % ('x', 5) }} {{ '%05.2f|%-4s|%x' % (3.14159, 'ab', 255) }}",
                   "x and 5 03.14|ab  |ff"}));

TEST(TemplateTest, RaiseExceptionCarriesTheExactMessage) {
  absl::StatusOr<std::string> out =
      RenderForTest("a{{ raise_exception('Roles must alternate!') }}");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(out.status().message(), "Roles must alternate!");
}

TEST(TemplateTest, RuntimeErrorsAreInvalidArgument) {
  const struct {
    const char* source;
    const char* message;
  } cases[] = {
      {"{{ x.y }}", "'x' is undefined"},
      {"{{ x + 1 }}", "'x' is undefined"},
      {"{{ {}.a.b }}", "'dict object' has no attribute 'a'"},
      {"{{ 'a' + 1 }}", "can only concatenate str"},
      {"{{ 1 / 0 }}", "division by zero"},
      {"{{ [1].append(2) }}", "access to attribute 'append' of 'list' object is unsafe."},
      {"{{ {'a': 1}.pop('a') }}", "access to attribute 'pop' of 'dict' object is unsafe."},
      {"{% set x = 5 %}{% set x.y = 1 %}", "non-namespace"},
      {"{% for a, b in [[1]] %}{% endfor %}", "not enough values to unpack"},
      {"{% for x in 5 %}{% endfor %}", "'int' object is not iterable"},
      {"{{ 'ab' < 3 }}", "not supported between instances of 'str' and 'int'"},
      {"{{ 'x'() }}", "'str' object is not callable"},
  };
  for (const auto& c : cases) {
    absl::StatusOr<std::string> out = RenderForTest(c.source);
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << c.source;
    EXPECT_THAT(out.status().message(), HasSubstr(c.message)) << c.source;
  }
}

TEST(TemplateTest, RunawayTemplatesHitLimits) {
  for (const char* source : {
           "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
           "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
           "{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}"
           "{% set ns.s = ns.s + ns.s %}{% endfor %}",
           "{{ range(100001)|length }}",
       }) {
    EXPECT_EQ(RenderForTest(source).status().code(), absl::StatusCode::kResourceExhausted)
        << source;
  }
}

TEST(TemplateTest, ParseErrorsNameTheLine) {
  absl::StatusOr<Template> parsed = Template::Parse("ok\n{% if %}");
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("line 2"));
}

TEST(TemplateTest, RendersManyTimesAndContextMustBeADict) {
  absl::StatusOr<Template> parsed = Template::Parse("{{ name }}!");
  ASSERT_TRUE(parsed.ok());
  Dict context;
  context.Set(Value("name"), Value("a"));
  EXPECT_EQ(*parsed->Render(Value::FromDict(context)), "a!");
  context.Set(Value("name"), Value("b"));
  const Template copy = *parsed;
  EXPECT_EQ(*copy.Render(Value::FromDict(context)), "b!");
  EXPECT_FALSE(parsed->Render(Value(1)).ok());
}

}  // namespace
}  // namespace llm::jinja
