// Node discovery benchmarks: one full pass of the node agent (PCI, RDMA,
// kernel, OS and, with NVML, GPU labels) over the fixture trees and over this
// machine's own /sys and /proc; in process (time per pass) and as the
// `node-agent --oneshot --print` a DaemonSet pod runs (time and peak RSS of
// the process). Ends with a markdown table.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "gpu/nvml_reader.h"
#include "markdown_reporter.h"
#include "node_labels.h"

namespace {

// The trees a pass reads: the three fixtures, and this machine.
const char* const kTrees[] = {"h100", "cx6dx", "plain", "host"};

std::string Root(int tree) {
  const std::string name = kTrees[tree];
  return name == "host" ? "/" : std::string(ACCELOPS_SOURCE_DIR) + "/test/fixtures/node-discovery/" + name;
}

// The NVML the agent would load: the stand-in H100 for that fixture, the machine's own places otherwise.
std::vector<std::string> NvmlLibraries(int tree) {
  if (std::string(kTrees[tree]) == "h100") return {FAKE_NVML_LIBRARY};
  return discovery::NvmlCandidates(Root(tree));
}

// What one pass of the agent does before it talks to the API server.
void BM_DiscoveryPass(benchmark::State& state, int tree) {
  const discovery::HostRoot host(Root(tree));
  const discovery::DiscoveryOptions options;
  const auto libraries = NvmlLibraries(tree);
  size_t labels = 0;
  for (auto _ : state) {
    auto gpus = discovery::ReadGpus(libraries);
    labels = discovery::DiscoverNodeLabels(host, options, gpus.ok() ? &*gpus : nullptr).size();
  }
  state.counters["labels"] = static_cast<double>(labels);
}

// `node-agent --oneshot --print` once; its wall time in microseconds and peak RSS in KiB (-1 on failure).
std::pair<double, long> RunAgentOnce(int tree) {
  std::vector<std::string> args = {NODE_AGENT_BIN, "--oneshot", "--print", "--root", Root(tree)};
  if (std::string(kTrees[tree]) == "h100") args.insert(args.end(), {"--nvml-library", FAKE_NVML_LIBRARY});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  char* envp[] = {nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return {-1, -1};
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return {-1, -1};
  return {std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count(),
          usage.ru_maxrss};
}

void BM_AgentOneshot(benchmark::State& state, int tree) {
  long peak_kib = 0;
  for (auto _ : state) {
    auto [micros, rss] = RunAgentOnce(tree);
    if (micros < 0) return state.SkipWithError("node-agent --oneshot --print failed");
    state.SetIterationTime(micros / 1e6);
    peak_kib = std::max(peak_kib, rss);
  }
  state.counters["peak_rss_MiB"] = static_cast<double>(peak_kib) / 1024.0;
}
}  // namespace

int main(int argc, char** argv) {
  for (int tree = 0; tree < 4; ++tree) {
    benchmark::RegisterBenchmark((std::string("BM_DiscoveryPass/") + kTrees[tree]).c_str(), BM_DiscoveryPass, tree)
        ->Unit(benchmark::kMicrosecond);
  }
  for (int tree = 0; tree < 4; ++tree) {
    benchmark::RegisterBenchmark((std::string("BM_AgentOneshot/") + kTrees[tree]).c_str(), BM_AgentOneshot, tree)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
  }
  return bench::RunWithMarkdownTable(argc, argv);
}
