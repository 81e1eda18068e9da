// The floor of a driver upgrade: the requests a driver upgrade cannot do
// without, issued by a plain loop at a given parallelism, with no engine, no
// state labels, no status and no Events. For every node that runs a driver pod:
// cordon it, delete its out-of-date driver pod (its OnDelete DaemonSet makes a
// new one from the changed template), poll until the new pod is Ready,
// uncordon. Prints the time taken and the requests made, for
// bench/upgrade-scale to set beside the operator's numbers.
//
// usage: upgrade_floor KUBECONFIG NAMESPACE DRIVER_POD_SELECTOR PARALLEL

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/resource.h"

namespace {

using nlohmann::json;
namespace r = kube::resources;

struct Counts {
  std::atomic<int64_t> reads{0}, writes{0};
};

bool Ready(const json& pod) {
  if (pod["metadata"].contains("deletionTimestamp")) return false;
  for (const auto& c : pod["status"].value("conditions", json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// One node's upgrade: false with a message on stderr when a request fails.
bool UpgradeNode(kube::Client& client, const std::string& ns, const std::string& selector, const std::string& node,
                 const std::string& old_uid, const std::string& old_pod, Counts& counts) {
  auto fail = [&](const std::string& what, const kube::Status& s) {
    std::fprintf(stderr, "%s: %s: %s\n", node.c_str(), what.c_str(), s.ToString().c_str());
    return false;
  };
  ++counts.writes;
  auto cordon = client.Patch(r::Nodes(), "", node, kube::PatchType::kMerge, R"({"spec":{"unschedulable":true}})");
  if (!cordon.ok()) return fail("cordon", cordon.status());
  ++counts.writes;
  kube::Status deleted = client.Delete(r::Pods(), ns, old_pod, {.precondition_uid = old_uid});
  if (!deleted.ok() && !kube::IsNotFound(deleted)) return fail("delete the driver pod", deleted);
  for (;;) {
    ++counts.reads;
    auto pods = client.ListAll(r::Pods(), ns, {.label_selector = selector, .field_selector = "spec.nodeName=" + node});
    if (!pods.ok()) return fail("list the driver pods", pods.status());
    bool renewed = false;
    for (const auto& p : pods->items) renewed = renewed || (p.meta().uid != old_uid && Ready(p.Tree()));
    if (renewed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ++counts.writes;
  auto uncordon = client.Patch(r::Nodes(), "", node, kube::PatchType::kMerge, R"({"spec":{"unschedulable":null}})");
  if (!uncordon.ok()) return fail("uncordon", uncordon.status());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: upgrade_floor KUBECONFIG NAMESPACE DRIVER_POD_SELECTOR PARALLEL\n");
    return 2;
  }
  const std::string kubeconfig = argv[1], ns = argv[2], selector = argv[3];
  const int parallel = std::atoi(argv[4]);
  auto lister = kube::Client::Connect(kubeconfig, "upgrade-floor");
  if (!lister.ok()) {
    std::fprintf(stderr, "%s\n", lister.status().ToString().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  Counts counts;
  ++counts.reads;
  auto pods = (*lister)->ListAll(r::Pods(), ns, {.label_selector = selector});
  if (!pods.ok()) {
    std::fprintf(stderr, "listing the driver pods: %s\n", pods.status().ToString().c_str());
    return 1;
  }
  struct Work {
    std::string node, pod, uid;
  };
  std::vector<Work> work;
  for (const auto& p : pods->items) {
    if (p.meta().deleting) continue;
    work.push_back({p.Tree()["spec"].value("nodeName", ""), p.name(), p.meta().uid});
  }
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < parallel; ++i) {
    workers.emplace_back([&] {
      auto client = kube::Client::Connect(kubeconfig, "upgrade-floor");
      if (!client.ok()) {
        failed = true;
        return;
      }
      for (size_t w = next++; w < work.size(); w = next++) {
        if (!UpgradeNode(**client, ns, selector, work[w].node, work[w].uid, work[w].pod, counts)) failed = true;
      }
    });
  }
  for (auto& t : workers) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("nodes=%zu seconds=%.1f reads=%lld writes=%lld\n", work.size(), seconds,
              static_cast<long long>(counts.reads.load()), static_cast<long long>(counts.writes.load()));
  return failed ? 1 : 0;
}
