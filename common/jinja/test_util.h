// Test helpers: parse and render a template source in one step.
#ifndef LLM_COMMON_JINJA_TEST_UTIL_H_
#define LLM_COMMON_JINJA_TEST_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace llm::jinja {

// Renders `source` with the variables of `context_json` (a JSON object); a parse or
// render error comes back as the status.
absl::StatusOr<std::string> RenderForTest(absl::string_view source,
                                          absl::string_view context_json = "{}");

// A source/context/expected row for table-driven tests.
struct RenderCase {
  const char* source;
  const char* expected;
  const char* context = "{}";
};

// Table-driven rendering: a test file instantiates it with its rows,
//   INSTANTIATE_TEST_SUITE_P(Filters, RenderTest, ::testing::Values(RenderCase{...}, ...));
// and each row must render exactly to its `expected` (test_util.cc holds the test).
class RenderTest : public ::testing::TestWithParam<RenderCase> {};

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_TEST_UTIL_H_
