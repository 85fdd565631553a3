// Render limits: a template that loops or grows without bound fails with
// ResourceExhausted instead of hanging or exhausting memory. Real chat templates stay
// far below every one of them.
#ifndef LLM_COMMON_JINJA_LIMITS_H_
#define LLM_COMMON_JINJA_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace llm::jinja {

// Bytes of any one string, the rendered output included.
inline constexpr size_t kMaxStringBytes = size_t{64} << 20;
// Items of any one list.
inline constexpr size_t kMaxListItems = size_t{1} << 20;
// Loop iterations over a whole render.
inline constexpr int64_t kMaxLoopIterations = 1'000'000;
// Nested macro calls.
inline constexpr int kMaxCallDepth = 100;
// range() items, as jinja2's sandbox (MAX_RANGE).
inline constexpr int64_t kMaxRange = 100'000;

}  // namespace llm::jinja

#endif  // LLM_COMMON_JINJA_LIMITS_H_
