#include "engine/tokenizer/bpe_merge.h"

#include <queue>

#include "engine/tokenizer/unicode.h"

namespace llm {
namespace {

// A symbol of the doubly linked list being merged; `length` 0 marks a merged-away one.
struct Symbol {
  int prev, next;
  size_t offset, length;
};

// A candidate merge of symbols left and left.next, valid while their lengths still add
// up to `length` (a merge on either side makes it stale).
struct Candidate {
  float score;
  int left;
  size_t length;
  bool operator<(const Candidate& other) const {
    // Max-heap on score; on equal scores the leftmost pair first.
    return score < other.score || (score == other.score && left > other.left);
  }
};

}  // namespace

std::vector<absl::string_view> BpeMerge(absl::string_view text, const PairScore& score) {
  std::vector<Symbol> symbols;
  const std::vector<Utf8Char> chars = DecodeUtf8(text);
  for (size_t i = 0; i < chars.size(); ++i) {
    symbols.push_back({static_cast<int>(i) - 1, i + 1 < chars.size() ? static_cast<int>(i) + 1 : -1,
                       chars[i].offset, chars[i].length});
  }
  std::priority_queue<Candidate> queue;
  auto consider = [&](int left) {
    if (left < 0 || symbols[left].next < 0) return;
    const Symbol& a = symbols[left];
    const Symbol& b = symbols[a.next];
    const size_t length = a.length + b.length;
    if (std::optional<float> s =
            score(text.substr(a.offset, a.length), text.substr(b.offset, b.length));
        s.has_value()) {
      queue.push({*s, left, length});
    }
  };
  for (size_t i = 0; i + 1 < symbols.size(); ++i) consider(static_cast<int>(i));

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.left];
    if (left.length == 0 || left.next < 0 ||
        left.length + symbols[left.next].length != top.length) {
      continue;  // Stale: one side was merged since this candidate was queued.
    }
    Symbol& right = symbols[left.next];
    left.length += right.length;
    right.length = 0;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.left;
    consider(left.prev);
    consider(top.left);
  }

  std::vector<absl::string_view> pieces;
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    pieces.push_back(text.substr(symbols[i].offset, symbols[i].length));
  }
  return pieces;
}

}  // namespace llm
