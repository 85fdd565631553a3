// Line-oriented logging to stderr: `LLM_LOG(INFO) << "loaded " << n << " tensors";`
// Each statement writes one line, prefixed with level, UTC time and source location,
// in a single write so lines from different threads never interleave. Thread-safe.
#ifndef LLM_COMMON_LOG_H_
#define LLM_COMMON_LOG_H_

#include <sstream>

namespace llm {

enum class LogLevel { kInfo, kWarning, kError };

// Collects one log line and writes it when destroyed.
class LogLine {
 public:
  LogLine(LogLevel level, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

}  // namespace llm

#define LLM_LOG_LEVEL_INFO ::llm::LogLevel::kInfo
#define LLM_LOG_LEVEL_WARNING ::llm::LogLevel::kWarning
#define LLM_LOG_LEVEL_ERROR ::llm::LogLevel::kError
#define LLM_LOG(level) ::llm::LogLine(LLM_LOG_LEVEL_##level, __FILE__, __LINE__).stream()

#endif  // LLM_COMMON_LOG_H_
