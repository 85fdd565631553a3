#include "engine/runtime/step_plan.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Blocks of 4 positions.
constexpr SchedulerLimits kLimits{
    .max_running = 8, .max_queued = 8, .step_tokens = 512, .kv_block_tokens = 4};

SchedulerLimits WithBudget(int64_t step_tokens) {
  SchedulerLimits limits = kLimits;
  limits.step_tokens = step_tokens;
  return limits;
}

// A sequence decoding at `position`, its blocks exactly covering what it holds.
RunningDemand Decoding(int64_t position) {
  return {.pending = 1,
          .position = position,
          .blocks = (position + 3) / 4,
          .releasable = (position + 3) / 4};
}

// A sequence with `pending` prompt tokens left after `position`.
RunningDemand Prefilling(int64_t pending, int64_t position = 0) {
  RunningDemand seq = Decoding(position);
  seq.pending = pending;
  return seq;
}

TEST(PlanStepTest, EverythingFitsInOneStep) {
  const StepPlan plan = PlanStep({Decoding(5), Decoding(6), Prefilling(30)}, {}, 100, kLimits);
  EXPECT_THAT(plan.take, ElementsAre(1, 1, 30));
  EXPECT_THAT(plan.preempt, IsEmpty());
}

TEST(PlanStepTest, ALongPromptIsChunkedWhileOthersDecode) {
  // Two decoding streams keep their token; the prompt gets the rest of the budget.
  const StepPlan plan =
      PlanStep({Decoding(5), Prefilling(2000), Decoding(9)}, {}, 1000, WithBudget(512));
  EXPECT_THAT(plan.take, ElementsAre(1, 510, 1));
}

TEST(PlanStepTest, OlderPromptsFillTheBudgetFirstButNoneStalls) {
  const StepPlan plan =
      PlanStep({Prefilling(300), Prefilling(300), Prefilling(300)}, {}, 1000, WithBudget(512));
  EXPECT_THAT(plan.take, ElementsAre(300, 211, 1));
}

TEST(PlanStepTest, EverySequenceMovesEvenPastTheBudget) {
  const StepPlan plan =
      PlanStep({Decoding(1), Decoding(2), Decoding(3), Prefilling(50)}, {}, 100, WithBudget(2));
  EXPECT_THAT(plan.take, ElementsAre(1, 1, 1, 1));
}

TEST(PlanStepTest, APromptTakesOnlyWhatItsBlocksHold) {
  // 3 free blocks: 12 positions for the prompt, none left for more.
  const StepPlan plan = PlanStep({Prefilling(40)}, {}, 3, kLimits);
  EXPECT_THAT(plan.take, ElementsAre(12));
  EXPECT_THAT(plan.preempt, IsEmpty());
}

TEST(PlanStepTest, TheNewestArePreemptedWhenBlocksRunOut) {
  // Each decoding sequence is at a block boundary and needs a new block; one is free.
  // The newest gives its 2 blocks back, enough for the second.
  const StepPlan plan = PlanStep({Decoding(8), Decoding(8), Decoding(8)}, {}, 1, kLimits);
  EXPECT_THAT(plan.preempt, ElementsAre(2));
  EXPECT_THAT(plan.take, ElementsAre(1, 1, 0));
}

TEST(PlanStepTest, PreemptionGoesOnUntilTheOldestFits) {
  RunningDemand shares_everything = Decoding(8);
  shares_everything.releasable = 0;  // Its blocks are held by another choice too.
  const StepPlan plan = PlanStep({Decoding(8), Decoding(4), shares_everything}, {}, 0, kLimits);
  EXPECT_THAT(plan.preempt, ElementsAre(2, 1));
  EXPECT_THAT(plan.take, ElementsAre(1, 0, 0));
}

TEST(PlanStepTest, WritingASharedBlockNeedsACopy) {
  RunningDemand forked = Decoding(6);  // Block 1 holds positions 4-5 and is shared.
  forked.shared_tail = true;
  EXPECT_THAT(PlanStep({forked}, {}, 1, kLimits).take, ElementsAre(1));
  const StepPlan plan = PlanStep({Decoding(3), forked}, {}, 0, kLimits);
  EXPECT_THAT(plan.preempt, ElementsAre(1));
}

TEST(PlanStepTest, WaitingRequestsStartWhileSlotsAndBlocksLast) {
  // 10 free blocks: the first request needs 5 (20 tokens), the second 5 (17 tokens),
  // the third does not fit and neither does anything behind it.
  const StepPlan plan =
      PlanStep({Decoding(3)}, {{20, 1}, {17, 1}, {1, 1}, {1, 1}}, 10, WithBudget(30));
  EXPECT_EQ(plan.admit, 2);
  EXPECT_THAT(plan.take, ElementsAre(1, 20, 9));
}

TEST(PlanStepTest, WaitingRequestsCountTheirChoicesAgainstMaxRunning) {
  const StepPlan plan = PlanStep({Decoding(3)}, {{5, 4}, {5, 4}}, 100, kLimits);  // 1 + 4 + 4 > 8.
  EXPECT_EQ(plan.admit, 1);
}

TEST(PlanStepTest, NothingStartsInAStepThatPreempts) {
  const StepPlan plan = PlanStep({Decoding(8), Decoding(8)}, {{1, 1}}, 1, kLimits);
  EXPECT_THAT(plan.preempt, ElementsAre(1));
  EXPECT_EQ(plan.admit, 0);
}

TEST(PlanStepTest, EmptyIsEmpty) {
  const StepPlan plan = PlanStep({}, {}, 0, kLimits);
  EXPECT_THAT(plan.take, IsEmpty());
  EXPECT_EQ(plan.admit, 0);
}

}  // namespace
}  // namespace llm
