#include "common/host_port.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace llm {
namespace {

using testing::HasSubstr;

TEST(HostPortTest, ParsesNamesIpv4AndIpv6) {
  absl::StatusOr<HostPort> a = ParseHostPort("0.0.0.0:50051");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 50051);

  absl::StatusOr<HostPort> b = ParseHostPort("engine-0.engine.default.svc:8080");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->host, "engine-0.engine.default.svc");

  absl::StatusOr<HostPort> c = ParseHostPort("[::1]:9090");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->ToString(), "[::1]:9090");
}

TEST(HostPortTest, RejectsBadInputWithTheReason) {
  struct Case {
    const char* text;
    const char* reason;
  };
  for (const Case& c :
       {Case{"localhost", "no port"}, Case{":80", "empty host"}, Case{"a b:80", "bad host name"},
        Case{"[::1:80", "unclosed"}, Case{"host:0", "1 to 65535"}, Case{"host:65536", "1 to 65535"},
        Case{"host:http", "1 to 65535"}, Case{"[zz]:80", "IPv6"}}) {
    absl::StatusOr<HostPort> parsed = ParseHostPort(c.text);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.reason)) << c.text;
    EXPECT_THAT(parsed.status().message(), HasSubstr(c.text));
  }
}

TEST(HostPortTest, ParsesLists) {
  absl::StatusOr<std::vector<HostPort>> list = ParseHostPortList("a:1, b:2,[::1]:3");
  ASSERT_TRUE(list.ok()) << list.status();
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[1].ToString(), "b:2");
  EXPECT_FALSE(ParseHostPortList("a:1,,b:2").ok());
  EXPECT_FALSE(ParseHostPortList("").ok());
}

}  // namespace
}  // namespace llm
