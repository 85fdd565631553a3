#include "engine/sampling/text_stream.h"

#include "gtest/gtest.h"

namespace llm {
namespace {

std::string Feed(TextStream& stream, const std::vector<std::string>& tokens) {
  std::string out;
  for (const std::string& t : tokens) out += stream.Append(t);
  return out;
}

TEST(TextStreamTest, HoldsBackSplitUtf8Characters) {
  TextStream stream({});
  EXPECT_EQ(stream.Append("a\xE4"), "a");  // First byte of 中 (E4 B8 AD).
  EXPECT_EQ(stream.Append("\xB8"), "");
  EXPECT_EQ(stream.Append("\xAD!"), "中!");
  EXPECT_EQ(stream.Finish(), "");
}

TEST(TextStreamTest, InvalidBytesBecomeReplacementCharacters) {
  TextStream stream({});
  EXPECT_EQ(stream.Append("a\x80" "b"),
            "a\xEF\xBF\xBD"
            "b");                                                    // A stray continuation byte.
  EXPECT_EQ(stream.Append("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // Overlong '/'.
}

TEST(TextStreamTest, StopStringSpanningTokensIsNeverSent) {
  TextStream stream({"\n\nUser:"});
  const std::string sent = Feed(stream, {"Hello", "\n", "\nUs", "er", ":", " more"});
  EXPECT_EQ(sent, "Hello");
  ASSERT_TRUE(stream.matched_stop().has_value());
  EXPECT_EQ(*stream.matched_stop(), "\n\nUser:");
  EXPECT_EQ(stream.Finish(), "");
}

TEST(TextStreamTest, FalseStartIsReleasedOnceResolved) {
  TextStream stream({"STOP"});
  EXPECT_EQ(stream.Append("a ST"), "a ");
  EXPECT_EQ(stream.Append("OOP"), "STOOP");
  EXPECT_FALSE(stream.matched_stop().has_value());
  EXPECT_EQ(stream.Append("ST"), "");
  EXPECT_EQ(stream.Finish(), "ST");  // Generation ended: the held text is real.
}

TEST(TextStreamTest, EarliestOfSeveralStopsWins) {
  TextStream stream({"cd", "b"});
  EXPECT_EQ(stream.Append("abcd"), "a");
  EXPECT_EQ(*stream.matched_stop(), "b");
}

TEST(TextStreamTest, ConcatenationIsTheFullTextWithoutStops) {
  TextStream stream({});
  const std::vector<std::string> tokens = {"\xF0\x9F", "\x98", "\x80", " ok", "\xE2"};
  std::string out = Feed(stream, tokens);
  out += stream.Finish();
  EXPECT_EQ(out, "😀 ok\xEF\xBF\xBD");  // The dangling byte shows as U+FFFD.
}

}  // namespace
}  // namespace llm
