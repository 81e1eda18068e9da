#include "kube/probe_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "kube/metrics.h"

namespace kube {
namespace {

TEST(ProbeServer, ServesMetricsAndNamedChecks) {
  metrics::Default().Counter("probe_test_total", "Test.").With({}).Add(1);
  ProbeServer server;
  bool ready = false;
  server.AddHealthCheck("ping", [] { return Status::Ok(); });
  server.AddReadyCheck("synced", [&] { return ready ? Status::Ok() : Status(Code::kUnavailable, "not yet"); });
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  httplib::Client http("127.0.0.1", server.port());
  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->body.find("probe_test_total 1"), std::string::npos);
  EXPECT_EQ(http.Get("/healthz")->status, 200);
  auto not_ready = http.Get("/readyz");
  EXPECT_EQ(not_ready->status, 500);
  EXPECT_NE(not_ready->body.find("[-]synced failed: not yet"), std::string::npos);
  ready = true;
  auto verbose = http.Get("/readyz?verbose");
  EXPECT_EQ(verbose->status, 200);
  EXPECT_NE(verbose->body.find("[+]synced ok"), std::string::npos);
  server.Stop();
}

TEST(ProbeServer, BadAddressesAreClearErrors) {
  EXPECT_FALSE(ParseHostPort("nocolon").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:http").ok());
  EXPECT_FALSE(ParseHostPort("127.0.0.1:70000").ok());
  auto any = ParseHostPort(":8080");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->first, "0.0.0.0");
}

}  // namespace
}  // namespace kube
