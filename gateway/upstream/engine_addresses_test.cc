#include "gateway/upstream/engine_addresses.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace llm {
namespace {

TEST(EngineAddressesTest, AddressesStayAndDuplicatesGo) {
  const std::vector<HostPort> engines =
      ResolveEngineAddresses({{"10.0.0.1", 50051}, {"10.0.0.1", 50051}, {"::1", 7}});
  ASSERT_EQ(engines.size(), 2u);
  EXPECT_EQ(engines[0].ToString(), "10.0.0.1:50051");
  EXPECT_EQ(engines[1].ToString(), "[::1]:7");
}

TEST(EngineAddressesTest, ANameBecomesEachOfItsAddresses) {
  // As a Kubernetes headless service resolves: one address per engine pod.
  auto resolve = [](const std::string& host) {
    return host == "engines.default.svc" ? std::vector<std::string>{"10.1.0.4", "10.1.0.7"}
                                         : std::vector<std::string>{};
  };
  const std::vector<HostPort> engines =
      ResolveEngineAddresses({{"engines.default.svc", 50051}, {"localhost", 1}}, resolve);
  ASSERT_EQ(engines.size(), 3u);
  EXPECT_EQ(engines[0].ToString(), "10.1.0.4:50051");
  EXPECT_EQ(engines[1].ToString(), "10.1.0.7:50051");
  EXPECT_EQ(engines[2].ToString(), "localhost:1");  // One engine, whatever its addresses.
}

TEST(EngineAddressesTest, TheSystemResolverReadsTheHostsFile) {
  const std::vector<std::string> addresses = SystemResolve("localhost");
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1"), addresses.end());
}

TEST(EngineAddressesTest, UnresolvableNamesAreKept) {
  const std::vector<HostPort> engines = ResolveEngineAddresses({{"no-such-host.invalid", 1}});
  ASSERT_EQ(engines.size(), 1u);
  EXPECT_EQ(engines[0].host, "no-such-host.invalid");
}

}  // namespace
}  // namespace llm
