// Network operator benchmarks: what one reconcile of the seed NicClusterPolicy
// costs in rendering (every state's templates, with the OFED pools of N nodes),
// without the API calls. Ends with a markdown table.
#include <benchmark/benchmark.h>

#include <cstdio>

#include <nlohmann/json.hpp>

#include "kube/config.h"
#include "manifests/renderer.h"
#include "markdown_reporter.h"
#include "ofed_pools.h"
#include "state.h"

namespace {

nlohmann::json SeedSpec() {
  auto text = kube::ReadFile(std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/nicclusterpolicy.yaml");
  if (!text.ok()) return nlohmann::json::object();
  auto objects = manifests::YamlToObjects(*text);
  return objects.ok() && !objects->empty() ? (*objects)[0]["spec"] : nlohmann::json::object();
}

std::vector<network::NodeLabels> NicNodes(int count) {
  std::vector<network::NodeLabels> nodes;
  for (int i = 0; i < count; ++i) {
    nodes.push_back({"nic-" + std::to_string(i),
                     {{network::kNicLabel, "true"},
                      {network::kOsIdLabel, "ubuntu"},
                      {network::kOsVersionLabel, i % 2 ? "22.04" : "24.04"},
                      {network::kKernelLabel, i % 3 ? "5.15.0-105-generic" : "6.8.0-40-generic"},
                      {network::kArchLabel, "amd64"}},
                     nlohmann::json::array()});
  }
  return nodes;
}

// Renders every configured state once per iteration, as a reconcile does.
void BM_RenderSeedPolicy(benchmark::State& state) {
  const nlohmann::json spec = SeedSpec();
  const auto nodes = NicNodes(static_cast<int>(state.range(0)));
  size_t objects = 0;
  for (auto _ : state) {
    objects = 0;
    for (const auto& s : network::NicClusterPolicyStates()) {
      const nlohmann::json::json_pointer pointer(s.section);
      if (!spec.contains(pointer)) continue;
      auto rendered = network::RenderState(s, {spec, spec.at(pointer), "spec", "nvidia-network-operator", &nodes});
      if (!rendered.ok()) {
        state.SkipWithError(rendered.status().ToString().c_str());
        return;
      }
      objects += rendered->objects.size();
    }
  }
  state.counters["objects"] = static_cast<double>(objects);
}
BENCHMARK(BM_RenderSeedPolicy)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) { return bench::RunWithMarkdownTable(argc, argv); }
