// Runtime benchmarks: LIST decoding, cache memory (full and trimmed objects),
// work-queue throughput, and the server-side-apply round trip against a real
// apiserver (when BENCH_KUBECONFIG names one). Ends with a markdown table.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "kube/json_decode.h"
#include "kube/store.h"
#include "kube/work_queue.h"
#include "markdown_reporter.h"
#include "synthetic_objects.h"

namespace {

size_t HeapInUse() { return mallinfo2().uordblks; }

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

const std::string& NodeList5000() {
  static const std::string body = bench::ListJson("Node", 5000, bench::NodeJson);
  return body;
}

void BM_DecodeNodeList5000(benchmark::State& state) {
  const std::string& body = NodeList5000();
  size_t heap = 0;
  for (auto _ : state) {
    const size_t before = HeapInUse();
    auto page = kube::DecodeList(body);
    heap = HeapInUse() - before;
    benchmark::DoNotOptimize(page);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["list_mb"] = static_cast<double>(body.size()) / 1e6;
  state.counters["decoded_heap_mb"] = static_cast<double>(heap) / 1e6;
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_DecodeNodeList5000)->Unit(benchmark::kMillisecond);

// Heap held by a Store of `count` objects decoded from `item`, trimmed by `mask` when given.
void CacheMemory(benchmark::State& state, int count, std::string (*item)(int), const kube::FieldMask* mask) {
  std::vector<std::string> docs;
  docs.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) docs.push_back(item(i));
  size_t held = 0, wire = 0;
  for (const auto& d : docs) wire += d.size();
  for (auto _ : state) {
    const size_t before = HeapInUse();
    kube::Store store;
    for (const auto& d : docs) {
      auto obj = kube::DecodeObject(d, mask);
      store.Upsert(std::make_shared<const kube::Object>(std::move(obj).value()));
    }
    held = HeapInUse() - before;
    benchmark::DoNotOptimize(store.size());
  }
  state.counters["objects"] = count;
  state.counters["wire_mb"] = static_cast<double>(wire) / 1e6;
  state.counters["cache_mb"] = static_cast<double>(held) / 1e6;
  state.counters["bytes_per_object"] = static_cast<double>(held) / count;
}

void BM_CacheNodes1000Full(benchmark::State& s) { CacheMemory(s, 1000, bench::NodeJson, nullptr); }
void BM_CacheNodes1000Trimmed(benchmark::State& s) {
  static const kube::FieldMask mask = kube::FieldMask::WithMetadata({"status.conditions", "status.nodeInfo"});
  CacheMemory(s, 1000, bench::NodeJson, &mask);
}
void BM_CachePods10000Full(benchmark::State& s) { CacheMemory(s, 10000, bench::PodJson, nullptr); }
void BM_CachePods10000Trimmed(benchmark::State& s) {
  static const kube::FieldMask mask = kube::FieldMask::WithMetadata({"spec.nodeName", "status.phase"});
  CacheMemory(s, 10000, bench::PodJson, &mask);
}
BENCHMARK(BM_CacheNodes1000Full)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_CacheNodes1000Trimmed)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_CachePods10000Full)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_CachePods10000Trimmed)->Unit(benchmark::kMillisecond)->Iterations(3);

// Add, Get and Done of distinct keys through one queue, by `threads` workers.
void BM_WorkQueueThroughput(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  constexpr int kItems = 100000;
  for (auto _ : state) {
    kube::WorkQueue q("bench", kube::DefaultControllerRateLimiter());
    std::atomic<int> done{0};
    std::vector<std::jthread> pool;
    for (int w = 0; w < workers; ++w) {
      pool.emplace_back([&] {
        while (auto key = q.Get()) {
          q.Done(*key);
          if (++done == kItems) q.ShutDown();
        }
      });
    }
    for (int i = 0; i < kItems; ++i) q.Add("ns/object-" + std::to_string(i));
    pool.clear();
  }
  state.SetItemsProcessed(state.iterations() * kItems);
}
BENCHMARK(BM_WorkQueueThroughput)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();

std::shared_ptr<kube::Client> BenchClient() {
  const char* path = std::getenv("BENCH_KUBECONFIG");
  if (path == nullptr) return nullptr;
  auto cfg = kube::Config::FromKubeconfigFile(path);
  if (!cfg.ok()) return nullptr;
  auto rest = kube::RestClient::Create(*cfg);
  if (!rest.ok()) return nullptr;
  return std::make_shared<kube::Client>(std::shared_ptr<kube::RestClient>(std::move(rest).value()));
}

// One server-side apply round trip; arg 0: unchanged object (a server no-op), 1: a changed one.
void BM_ServerSideApplyRoundTrip(benchmark::State& state) {
  auto client = BenchClient();
  if (!client) {
    state.SkipWithError("set BENCH_KUBECONFIG to a rig's kubeconfig");
    return;
  }
  const bool change = state.range(0) == 1;
  nlohmann::json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
                       {"metadata", {{"name", "bench-apply"}, {"namespace", "default"}}}, {"data", {{"n", "0"}}}};
  int n = 0;
  for (auto _ : state) {
    if (change) cm["data"]["n"] = std::to_string(++n);
    auto r = client->Apply(kube::resources::ConfigMaps(), cm, {"bench", true, ""});
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      return;
    }
  }
}
BENCHMARK(BM_ServerSideApplyRoundTrip)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) { return bench::RunWithMarkdownTable(argc, argv); }
