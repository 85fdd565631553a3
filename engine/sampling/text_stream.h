// Turns a sequence's generated tokens into the text a client may see, chunk by chunk:
// bytes wait until they form whole UTF-8 characters, and text that could be the start
// of a stop string waits until it is resolved, so no stop string (or any part of one)
// is ever sent. Bytes that can never form valid UTF-8 are sent as U+FFFD, so every
// chunk is valid UTF-8 (protobuf strings and JSON require it). Concatenating every
// Append result and Finish gives the full text up to (not including) the first stop
// string. One per sequence; not thread-safe.
#ifndef LLM_ENGINE_SAMPLING_TEXT_STREAM_H_
#define LLM_ENGINE_SAMPLING_TEXT_STREAM_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace llm {

class TextStream {
 public:
  explicit TextStream(std::vector<std::string> stop_strings) : stops_(std::move(stop_strings)) {}

  // Adds a token's bytes; returns the text now safe to send (maybe empty).
  std::string Append(absl::string_view token_bytes);

  // The stop string that ended the text, once one has appeared.
  const std::optional<std::string>& matched_stop() const { return matched_; }

  // At the end of generation: the text still held back (an unfinished possible stop
  // string is real text after all; incomplete UTF-8 becomes U+FFFD).
  std::string Finish();

 private:
  std::vector<std::string> stops_;
  std::string pending_;  // Not yet sent.
  std::optional<std::string> matched_;
};

}  // namespace llm

#endif  // LLM_ENGINE_SAMPLING_TEXT_STREAM_H_
