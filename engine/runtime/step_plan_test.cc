#include "engine/runtime/step_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using ::testing::ElementsAre;

TEST(PlanStepTest, EverythingFitsInOneStep) {
  EXPECT_THAT(PlanStep({1, 1, 30}, 512), ElementsAre(1, 1, 30));
}

TEST(PlanStepTest, ALongPromptIsChunkedWhileOthersDecode) {
  // Two decoding streams keep their token; the prompt gets the rest of the budget.
  EXPECT_THAT(PlanStep({1, 2000, 1}, 512), ElementsAre(1, 510, 1));
}

TEST(PlanStepTest, OlderPromptsFillTheBudgetFirstButNoneStalls) {
  EXPECT_THAT(PlanStep({300, 300, 300}, 512), ElementsAre(300, 211, 1));
}

TEST(PlanStepTest, EverySequenceMovesEvenPastTheBudget) {
  EXPECT_THAT(PlanStep({1, 1, 1, 50}, 2), ElementsAre(1, 1, 1, 1));
}

TEST(PlanStepTest, NeverTakesMoreThanPending) {
  EXPECT_THAT(PlanStep({0, 3}, 512), ElementsAre(0, 3));
  EXPECT_THAT(PlanStep({}, 512), ElementsAre());
}

}  // namespace
}  // namespace llm
