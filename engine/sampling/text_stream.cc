#include "engine/sampling/text_stream.h"

#include <algorithm>

#include "engine/tokenizer/unicode.h"

namespace llm {

std::string TextStream::Append(absl::string_view token_bytes) {
  if (matched_.has_value()) return "";
  pending_.append(token_bytes.data(), token_bytes.size());

  // A complete stop string ends the text just before it (the earliest one wins).
  size_t cut = std::string::npos;
  for (const std::string& stop : stops_) {
    const size_t at = pending_.find(stop);
    if (at != std::string::npos && at < cut) {
      cut = at;
      matched_ = stop;
    }
  }
  if (cut != std::string::npos) {
    std::string out = SanitizeUtf8(absl::string_view(pending_).substr(0, cut));
    pending_.clear();
    return out;
  }
  // Hold back the longest tail that is a prefix of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    for (size_t length = std::min(stop.size() - 1, pending_.size()); length > hold; --length) {
      if (absl::string_view(pending_).substr(pending_.size() - length) ==
          absl::string_view(stop).substr(0, length)) {
        hold = length;
        break;
      }
    }
  }
  // And any incomplete UTF-8 character before that.
  size_t ready = pending_.size() - hold;
  ready -= IncompleteUtf8Suffix(absl::string_view(pending_).substr(0, ready));
  std::string out = SanitizeUtf8(absl::string_view(pending_).substr(0, ready));
  pending_.erase(0, ready);
  return out;
}

std::string TextStream::Finish() {
  std::string out = SanitizeUtf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace llm
