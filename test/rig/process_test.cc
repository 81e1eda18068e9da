// The node-inventory example as real processes on the rig: leader election,
// failure exits with clear messages, zero writes at rest, metrics.
#include <signal.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdio>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "rig_environment.h"

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> InventoryArgs(const std::string& kubeconfig, const std::string& ns,
                                       std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--kubeconfig", kubeconfig, "--namespace", ns,
                                   "--metrics-bind-address", "127.0.0.1:" + std::to_string(rig::FreePort()),
                                   "--health-probe-bind-address", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Runs node-inventory to completion; returns (exit code, output).
std::pair<int, std::string> RunToExit(const std::vector<std::string>& args) {
  rig::ChildProcess p(NODE_INVENTORY_BIN, args);
  if (!p.Wait(seconds(60))) {
    p.Signal(SIGKILL);
    p.Wait(seconds(5));
    return {999, p.Output()};
  }
  return {p.exit_code(), p.Output()};
}

TEST(FailureExits, AMissingKubeconfigIsAClearErrorAndANonZeroExit) {
  auto [code, out] = RunToExit({"--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot read /nonexistent/kubeconfig"), std::string::npos) << out;
}

TEST(FailureExits, AMalformedKubeconfigIsAClearError) {
  const std::string path = rig::RigEnvironment::Get().dir() + "/bad.kubeconfig";
  std::ofstream(path) << "current-context: nowhere\ncontexts: []\n";
  auto [code, out] = RunToExit({"--kubeconfig", path});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("no context named \\\"nowhere\\\""), std::string::npos) << out;
}

TEST(FailureExits, AnUnreachableServerIsAClearError) {
  const std::string path = rig::RigEnvironment::Get().dir() + "/unreachable.kubeconfig";
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
                         "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:"
                      << rig::FreePort() << "', insecure-skip-tls-verify: true}}]\n"
                         "contexts: [{name: x, context: {cluster: c, user: u}}]\nusers: [{name: u, user: {token: t}}]\n";
  auto [code, out] = RunToExit({"--kubeconfig", path});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("cannot reach API server https://127.0.0.1:"), std::string::npos) << out;
}

TEST(FailureExits, AForbiddenAnswerIsAClearError) {
  auto [code, out] = RunToExit({"--kubeconfig", rig::RigEnvironment::Get().nobody_kubeconfig(),
                                "--metrics-bind-address", "0", "--health-probe-bind-address", "0"});
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("Forbidden"), std::string::npos) << out;
  EXPECT_NE(out.find("rig-nobody"), std::string::npos) << "names the user: " << out;
}

// The metric's value in a Prometheus text page, or -1.
double MetricValue(const std::string& page, const std::string& series) {
  auto pos = page.find("\n" + series + " ");
  if (pos == std::string::npos) return -1;
  return std::stod(page.substr(pos + series.size() + 2));
}

TEST(NodeInventory, KeepsTheConfigMapInStepAndWritesNothingAtRest) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("inventory");
  ASSERT_EQ(env.RigCommand("nodes 3 --prefix inv-a --labels nvidia.com/gpu.present=true"), 0);
  const int port = rig::FreePort();
  rig::ChildProcess p(NODE_INVENTORY_BIN, {"--kubeconfig", env.kubeconfig(), "--namespace", ns,
                                           "--metrics-bind-address", "127.0.0.1:" + std::to_string(port),
                                           "--health-probe-bind-address", "0"});
  ASSERT_TRUE(p.WaitForOutput("inventory updated", seconds(30))) << p.Output();
  auto cm = client->Get(kube::resources::ConfigMaps(), ns, "node-inventory");
  ASSERT_TRUE(cm.ok()) << cm.status().ToString();
  auto data = cm->Tree()["data"];
  EXPECT_TRUE(data.contains("node.inv-a-0"));
  EXPECT_NE(data["node.inv-a-0"].get<std::string>().find("\"nvidia.com/gpu.present\":\"true\""), std::string::npos);

  // More nodes: the ConfigMap follows, until every node is in and Ready (the cluster is at rest).
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix inv-b"), 0);
  bool followed = false;
  for (int i = 0; i < 300 && !followed; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    auto now = client->Get(kube::resources::ConfigMaps(), ns, "node-inventory");
    if (!now.ok() || !now->Tree()["data"].contains("node.inv-b-1")) continue;
    // Other tests share the cluster: every node, however many, must be in and Ready.
    int total = -1, ready = -2;
    std::sscanf(now->Tree()["data"]["summary"].get<std::string>().c_str(), "%d nodes, %d ready", &total, &ready);
    followed = total >= 5 && total == ready;
  }
  ASSERT_TRUE(followed) << p.Output();

  // The cluster is at rest once the ConfigMap has not changed for 3 s (controllers such as the
  // node lifecycle one may still be settling the new nodes).
  std::string last_rv;
  auto quiet_since = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    const std::string rv = client->Get(kube::resources::ConfigMaps(), ns, "node-inventory")->resource_version();
    if (rv != last_rv) {
      last_rv = rv;
      quiet_since = std::chrono::steady_clock::now();
    } else if (std::chrono::steady_clock::now() - quiet_since > seconds(3)) {
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  httplib::Client http("127.0.0.1", port);
  auto before = http.Get("/metrics");
  ASSERT_TRUE(before);
  const std::string rv_before = client->Get(kube::resources::ConfigMaps(), ns, "node-inventory")->resource_version();
  std::this_thread::sleep_for(seconds(5));
  auto after = http.Get("/metrics");
  ASSERT_TRUE(after);
  for (const char* verb : {"PATCH", "PUT", "POST", "DELETE"}) {
    // Every series of rest_client_requests_total for a writing verb must be unchanged.
    std::string b = before->body, a = after->body;
    size_t pos = 0;
    while ((pos = a.find("rest_client_requests_total{", pos)) != std::string::npos) {
      size_t end = a.find('}', pos);
      std::string series = a.substr(pos, end - pos + 1);
      if (series.find(std::string("method=\"") + verb + "\"") != std::string::npos) {
        EXPECT_EQ(MetricValue("\n" + a, series), MetricValue("\n" + b, series)) << series;
      }
      pos = end;
    }
  }
  EXPECT_EQ(client->Get(kube::resources::ConfigMaps(), ns, "node-inventory")->resource_version(), rv_before)
      << p.Output();
  EXPECT_NE(after->body.find("controller_runtime_reconcile_total{controller=\"node-inventory\",result=\"success\"}"),
            std::string::npos);
  EXPECT_NE(after->body.find("workqueue_adds_total{name=\"node-inventory\""), std::string::npos);

  p.Signal(SIGTERM);
  ASSERT_TRUE(p.Wait(seconds(30)));
  EXPECT_EQ(p.exit_code(), 0) << p.Output();
  EXPECT_NE(p.Output().find("stopped cleanly"), std::string::npos);
}

TEST(LeaderElection, OneLeaderAtATimeAndFastFailover) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("leader");
  const std::vector<std::string> le = {"--leader-elect", "--leader-elect-lease-duration", "4",
                                       "--leader-elect-renew-deadline", "3", "--leader-elect-retry-period", "1"};
  auto a = std::make_unique<rig::ChildProcess>(NODE_INVENTORY_BIN, InventoryArgs(env.kubeconfig(), ns, le));
  ASSERT_TRUE(a->WaitForOutput("acquired leader lease", seconds(30))) << a->Output();
  auto b = std::make_unique<rig::ChildProcess>(NODE_INVENTORY_BIN, InventoryArgs(env.kubeconfig(), ns, le));
  ASSERT_TRUE(b->WaitForOutput("attempting to acquire leader lease", seconds(30))) << b->Output();
  std::this_thread::sleep_for(seconds(3));
  EXPECT_NE(a->Output().find("starting workers"), std::string::npos);
  EXPECT_EQ(b->Output().find("starting workers"), std::string::npos) << "only the leader reconciles";
  EXPECT_EQ(b->Output().find("acquired leader lease"), std::string::npos);

  // SIGKILL: no release; the follower takes over once the lease expires.
  const auto killed_at = std::chrono::steady_clock::now();
  a->Signal(SIGKILL);
  ASSERT_TRUE(b->WaitForOutput("acquired leader lease", seconds(20))) << b->Output();
  const auto failover = std::chrono::steady_clock::now() - killed_at;
  // leaseDuration (4 s) + retryPeriod with jitter (1.2 s), plus the time the follower needs to notice.
  EXPECT_LT(failover, milliseconds(4000 + 1200 + 1500)) << "took " << failover.count() / 1000000 << " ms";
  EXPECT_TRUE(b->WaitForOutput("starting workers", seconds(10)));

  // SIGTERM: the leader releases the lease, and the next candidate takes it at once.
  auto c = std::make_unique<rig::ChildProcess>(NODE_INVENTORY_BIN, InventoryArgs(env.kubeconfig(), ns, le));
  ASSERT_TRUE(c->WaitForOutput("attempting to acquire leader lease", seconds(30))) << c->Output();
  std::this_thread::sleep_for(seconds(1));
  const auto termed_at = std::chrono::steady_clock::now();
  b->Signal(SIGTERM);
  ASSERT_TRUE(b->Wait(seconds(30)));
  EXPECT_EQ(b->exit_code(), 0) << b->Output();
  EXPECT_NE(b->Output().find("released leader lease"), std::string::npos) << b->Output();
  ASSERT_TRUE(c->WaitForOutput("acquired leader lease", seconds(10))) << c->Output();
  const auto handover = std::chrono::steady_clock::now() - termed_at;
  EXPECT_LT(handover, milliseconds(1200 + 1500)) << "a released lease is taken within one retry period";

  auto lease = client->Get(kube::resources::Leases(), ns, "node-inventory");
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease->Tree()["spec"]["leaseTransitions"].get<int>(), 2);
}

TEST(LeaderElection, ALostLeaseStopsTheControllersAndExitsNonZero) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("lost");
  rig::ChildProcess leader(NODE_INVENTORY_BIN,
                           InventoryArgs(env.kubeconfig(), ns,
                                         {"--leader-elect", "--leader-elect-lease-duration", "4",
                                          "--leader-elect-renew-deadline", "3", "--leader-elect-retry-period", "1"}));
  ASSERT_TRUE(leader.WaitForOutput("starting workers", seconds(30))) << leader.Output();
  // Someone else takes the lease (as after a long network partition of the leader).
  auto lease = client->Get(kube::resources::Leases(), ns, "node-inventory");
  ASSERT_TRUE(lease.ok());
  auto tree = lease->Tree();
  tree["spec"]["holderIdentity"] = "intruder";
  tree["spec"]["leaseDurationSeconds"] = 600;
  ASSERT_TRUE(client->Update(kube::resources::Leases(), tree).ok());
  ASSERT_TRUE(leader.Wait(seconds(20))) << leader.Output();
  EXPECT_EQ(leader.exit_code(), 1);
  EXPECT_NE(leader.Output().find("leadership lost"), std::string::npos) << leader.Output();
  EXPECT_NE(leader.Output().find("workers stopped"), std::string::npos) << leader.Output();
}

}  // namespace
