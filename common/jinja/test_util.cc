#include "common/jinja/test_util.h"

#include "common/jinja/json.h"
#include "common/jinja/template.h"
#include "common/status_macros.h"

namespace llm::jinja {

absl::StatusOr<std::string> RenderForTest(absl::string_view source,
                                          absl::string_view context_json) {
  ASSIGN_OR_RETURN(const Template parsed, Template::Parse(source));
  ASSIGN_OR_RETURN(const Value context, ParseJson(context_json));
  return parsed.Render(context);
}

TEST_P(RenderTest, MatchesJinja2) {
  const RenderCase& c = GetParam();
  absl::StatusOr<std::string> out = RenderForTest(c.source, c.context);
  ASSERT_TRUE(out.ok()) << c.source << ": " << out.status();
  EXPECT_EQ(*out, c.expected) << c.source;
}

}  // namespace llm::jinja
