// nv-ipam benchmarks: the controller's allocation for 10,000 nodes across 10
// pools (fresh, and the at-rest pass that keeps every allocation), and the
// CNI ADD latency of the real nv-ipam binary against an in-process node
// daemon, sequential and 16-way parallel (p50 and p99 per call, exec
// included, as a container runtime sees it). Ends with a markdown table.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "markdown_reporter.h"
#include "node/daemon_handler.h"
#include "node/ipam_service.h"
#include "pool/allocator.h"
#include "pool/node_pool_config.h"
#include "rpc/unix_socket.h"

extern char** environ;

namespace {

using nlohmann::json;

std::vector<ipam::PoolSpec> TenPools() {
  std::vector<ipam::PoolSpec> pools;
  for (int i = 0; i < 5; ++i) {
    pools.push_back(*ipam::ParsePoolSpec(
        ipam::PoolType::kIPPool,
        {{"subnet", "10." + std::to_string(i) + ".0.0/16"}, {"perNodeBlockSize", 4}, {"gateway", "10." + std::to_string(i) + ".0.1"},
         {"exclusions", {{{"startIP", "10." + std::to_string(i) + ".1.0"}, {"endIP", "10." + std::to_string(i) + ".1.255"}}}}}));
    pools.push_back(*ipam::ParsePoolSpec(
        ipam::PoolType::kCIDRPool,
        {{"cidr", "fd0" + std::to_string(i) + "::/48"}, {"perNodeNetworkPrefix", 64}, {"gatewayIndex", 1}}));
  }
  return pools;
}

std::vector<std::string> Nodes(int n) {
  std::vector<std::string> nodes;
  for (int i = 0; i < n; ++i) nodes.push_back("node-" + std::to_string(100000 + i));
  return nodes;
}

double PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

void BM_AllocateFresh(benchmark::State& state) {
  const auto pools = TenPools();
  const auto nodes = Nodes(static_cast<int>(state.range(0)));
  size_t allocated = 0;
  for (auto _ : state) {
    allocated = 0;
    for (const auto& pool : pools) allocated += ipam::Allocate(pool, nodes, {}).allocations.size();
  }
  state.counters["allocations"] = static_cast<double>(allocated);
  state.counters["peak_rss_MiB"] = PeakRssMiB();
}
BENCHMARK(BM_AllocateFresh)->Arg(10000)->Unit(benchmark::kMillisecond);

// The pass a reconcile makes at rest: every existing allocation is checked and kept.
void BM_AllocateAtRest(benchmark::State& state) {
  const auto pools = TenPools();
  const auto nodes = Nodes(static_cast<int>(state.range(0)));
  std::vector<std::vector<ipam::NodeAllocation>> existing;
  for (const auto& pool : pools) existing.push_back(ipam::Allocate(pool, nodes, {}).allocations);
  size_t moved = 0;
  for (auto _ : state) {
    moved = 0;
    for (size_t i = 0; i < pools.size(); ++i) moved += ipam::Allocate(pools[i], nodes, existing[i]).moved.size();
  }
  state.counters["moved"] = static_cast<double>(moved);
}
BENCHMARK(BM_AllocateAtRest)->Arg(10000)->Unit(benchmark::kMillisecond);

class BenchCatalog : public ipam::PoolCatalog {
 public:
  BenchCatalog() {
    json pool = {{"spec", {{"subnet", "10.0.0.0/8"}, {"perNodeBlockSize", 60000}, {"gateway", "10.0.0.1"}}},
                 {"status", {{"allocations", {{{"nodeName", "n"}, {"startIP", "10.0.0.1"}, {"endIP", "10.0.234.96"}}}}}}};
    config_ = *ipam::NodePoolConfigFor("bench", pool, ipam::PoolType::kIPPool, "n");
  }
  kube::Result<ipam::NodePoolConfig> Get(const ipam::PoolRef&) const override { return config_; }

 private:
  ipam::NodePoolConfig config_;
};

// Runs the nv-ipam binary once as a runtime would; returns its wall time in microseconds.
double RunPlugin(const std::string& conf_file, const std::string& command, const std::string& id) {
  std::vector<std::string> env = {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + id, "CNI_NETNS=/var/run/netns/x",
                                  "CNI_IFNAME=net1", "CNI_PATH=/opt/cni/bin", "CNI_ARGS=K8S_POD_NAMESPACE=bench;K8S_POD_NAME=" + id};
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, conf_file.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string program = NV_IPAM_BIN;
  char* argv[] = {program.data(), nullptr};
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  if (posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, envp.data()) != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  posix_spawn_file_actions_destroy(&actions);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
}

void BM_CniAddLatency(benchmark::State& state) {
  const int parallel = static_cast<int>(state.range(0));
  const int calls = 640;
  const auto dir = std::filesystem::temp_directory_path() / ("ipam-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  BenchCatalog catalog;
  ipam::IpamService service(catalog, ipam::StoreFile((dir / "store").string()));
  if (!service.Open().ok()) return state.SkipWithError("cannot open the store");
  const std::string socket = (dir / "daemon.sock").string();
  auto server = ipam::UnixSocketServer::Start(socket, [&](const json& r) { return ipam::HandleDaemonRequest(service, r); });
  if (!server.ok()) return state.SkipWithError("cannot listen");
  const std::string conf_file = (dir / "net.conf").string();
  std::ofstream(conf_file) << json({{"cniVersion", "1.0.0"}, {"name", "bench"}, {"type", "macvlan"},
                                    {"ipam", {{"type", "nv-ipam"}, {"poolName", "bench"}, {"daemonSocket", "unix://" + socket},
                                              {"confDir", dir.string()}, {"logFile", ""}}}})
                                  .dump();
  std::vector<double> latencies(calls);
  int round = 0, failures = 0;
  for (auto _ : state) {
    ++round;
    std::vector<std::thread> workers;
    for (int w = 0; w < parallel; ++w) {
      workers.emplace_back([&, w] {
        for (int i = w; i < calls; i += parallel) {
          latencies[i] = RunPlugin(conf_file, "ADD", "r" + std::to_string(round) + "c" + std::to_string(i));
        }
      });
    }
    for (auto& t : workers) t.join();
    for (double l : latencies) failures += l < 0;
  }
  std::sort(latencies.begin(), latencies.end());
  state.counters["calls"] = calls;
  state.counters["failures"] = failures;
  state.counters["p50_ms"] = latencies[calls / 2] / 1000.0;
  state.counters["p99_ms"] = latencies[calls * 99 / 100] / 1000.0;
  state.counters["adds_per_s"] = benchmark::Counter(calls, benchmark::Counter::kIsIterationInvariantRate);
  server->reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_CniAddLatency)->ArgName("parallel")->Arg(1)->Arg(16)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return bench::RunWithMarkdownTable(argc, argv); }
