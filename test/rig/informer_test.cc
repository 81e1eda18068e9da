// The Informer against a real kube-apiserver: exactly-once delivery across
// an apiserver restart, and a relist after etcd compaction (410 Gone).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "kube/informer.h"
#include "eventually.h"
#include "rig_environment.h"

namespace {

using kube::resources::ConfigMaps;
using nlohmann::json;
using std::chrono::milliseconds;

json ConfigMap(const std::string& ns, const std::string& name, const std::string& value) {
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"set", "informer-test"}}}}},
          {"data", {{"v", value}}}};
}

// Counts each (object, resourceVersion) delivered, to catch losses and duplicates.
struct Recorder {
  std::mutex mu;
  std::map<std::string, int> adds;
  std::map<std::string, int> deletes;
  std::map<std::string, std::map<std::string, int>> versions;  // key -> rv -> times seen
  kube::EventHandlers Handlers() {
    kube::EventHandlers h;
    h.on_add = [this](const kube::ObjectPtr& o) {
      std::lock_guard lock(mu);
      adds[o->Key()]++;
      versions[o->Key()][o->resource_version()]++;
    };
    h.on_update = [this](const kube::ObjectPtr&, const kube::ObjectPtr& n) {
      std::lock_guard lock(mu);
      versions[n->Key()][n->resource_version()]++;
    };
    h.on_delete = [this](const kube::ObjectPtr& o) {
      std::lock_guard lock(mu);
      deletes[o->Key()]++;
    };
    return h;
  }
};

using rig::Eventually;

// The server's objects as key -> resourceVersion.
std::map<std::string, std::string> ServerState(kube::Client& client, const std::string& ns) {
  std::map<std::string, std::string> out;
  auto list = client.ListAll(ConfigMaps(), ns, {.label_selector = "set=informer-test"});
  EXPECT_TRUE(list.ok()) << list.status().ToString();
  if (list.ok()) for (const auto& o : list->items) out[o.Key()] = o.resource_version();
  return out;
}

std::map<std::string, std::string> CacheState(kube::Informer& inf) {
  std::map<std::string, std::string> out;
  for (const auto& o : inf.store().List()) out[o->Key()] = o->resource_version();
  return out;
}

// Blocks the informer inside its update handler for one key while the gate is closed.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool closed = false;
  bool blocked = false;
  std::string key;
  void MaybeBlock(const std::string& k) {
    std::unique_lock lock(mu);
    if (!closed || k != key) return;
    blocked = true;
    cv.notify_all();
    cv.wait(lock, [this] { return !closed; });
  }
  void Open() {
    std::lock_guard lock(mu);
    closed = false;
    cv.notify_all();
  }
  bool WaitBlocked() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [this] { return blocked; });
  }
};

void ExpectExactlyOnce(Recorder& rec) {
  std::lock_guard lock(rec.mu);
  for (const auto& [key, n] : rec.adds) EXPECT_EQ(n, 1) << "added twice: " << key;
  for (const auto& [key, n] : rec.deletes) EXPECT_EQ(n, 1) << "deleted twice: " << key;
  for (const auto& [key, rvs] : rec.versions) {
    for (const auto& [rv, n] : rvs) EXPECT_EQ(n, 1) << key << " at " << rv << " delivered " << n << " times";
  }
}

TEST(Informer, ResumesAcrossAnApiserverRestartWithNoLostOrDuplicatedEvents) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("restart");
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(client->Create(ConfigMaps(), ConfigMap(ns, "before-" + std::to_string(i), "0")).ok());
  }
  kube::Informer inf(*client, ConfigMaps(), {.namespace_ = ns, .label_selector = "set=informer-test"});
  Recorder rec;
  inf.AddHandlers(rec.Handlers());
  std::jthread runner([&](std::stop_token st) { inf.Run(st); });  // stops when the test returns
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced() && inf.store().size() == 20; }));

  std::vector<std::pair<std::string, std::string>> writes;  // (key, rv) we expect to be delivered
  auto patch = [&](const std::string& name, const std::string& v) {
    auto r = client->Patch(ConfigMaps(), ns, name, kube::PatchType::kMerge, json({{"data", {{"v", v}}}}).dump());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    writes.emplace_back(r->Key(), r->resource_version());
  };
  for (int i = 0; i < 10; ++i) patch("before-" + std::to_string(i), "1");
  ASSERT_TRUE(Eventually([&] { return CacheState(inf) == ServerState(*client, ns); }));

  ASSERT_EQ(env.RigCommand("restart-apiserver"), 0);

  for (int i = 0; i < 20; ++i) {
    auto r = client->Create(ConfigMaps(), ConfigMap(ns, "after-" + std::to_string(i), "0"));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    writes.emplace_back(r->Key(), r->resource_version());
  }
  for (int i = 0; i < 5; ++i) patch("before-" + std::to_string(i), "2");
  for (int i = 15; i < 20; ++i) ASSERT_TRUE(client->Delete(ConfigMaps(), ns, "before-" + std::to_string(i)).ok());

  ASSERT_TRUE(Eventually([&] { return CacheState(inf) == ServerState(*client, ns); }))
      << "the cache must converge to the server's contents";
  runner.request_stop();
  runner.join();

  EXPECT_EQ(inf.store().size(), 35u);
  ExpectExactlyOnce(rec);
  std::lock_guard lock(rec.mu);
  for (const auto& [key, rv] : writes) EXPECT_EQ(rec.versions[key][rv], 1) << "lost: " << key << " at " << rv;
  for (int i = 15; i < 20; ++i) EXPECT_EQ(rec.deletes[ns + "/before-" + std::to_string(i)], 1);
  EXPECT_GE(inf.watches(), 2u) << "the watch was resumed";
}

TEST(Informer, ACompactedResourceVersionLeadsToARelistThatMatchesTheServer) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("compact");
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(client->Create(ConfigMaps(), ConfigMap(ns, "x" + std::to_string(i), "0")).ok());
  }
  kube::Informer inf(*client, ConfigMaps(), {.namespace_ = ns, .label_selector = "set=informer-test"});
  Recorder rec;
  Gate gate;
  auto handlers = rec.Handlers();
  auto record_update = handlers.on_update;
  handlers.on_update = [&](const kube::ObjectPtr& o, const kube::ObjectPtr& n) {
    record_update(o, n);
    gate.MaybeBlock(n->Key());
  };
  inf.AddHandlers(handlers);
  std::jthread runner([&](std::stop_token st) { inf.Run(st); });  // stops when the test returns
  struct OpenAtExit {  // declared after the runner: opens the gate before the runner is joined
    Gate& gate;
    ~OpenAtExit() { gate.Open(); }
  } open_at_exit{gate};
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced() && inf.store().size() == 10; }));
  ASSERT_EQ(inf.relists(), 1u);

  // Hold the informer inside an event so it cannot follow what happens next.
  {
    std::lock_guard lock(gate.mu);
    gate.closed = true;
    gate.key = ns + "/x0";
  }
  ASSERT_TRUE(client->Patch(ConfigMaps(), ns, "x0", kube::PatchType::kMerge, R"({"data":{"v":"1"}})").ok());
  ASSERT_TRUE(gate.WaitBlocked());
  ASSERT_EQ(env.RigCommand("restart-apiserver"), 0);  // the informer's stream is gone
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->Create(ConfigMaps(), ConfigMap(ns, "y" + std::to_string(i), "0")).ok());
  ASSERT_TRUE(client->Delete(ConfigMaps(), ns, "x1").ok());
  ASSERT_TRUE(client->Patch(ConfigMaps(), ns, "x2", kube::PatchType::kMerge, R"({"data":{"v":"9"}})").ok());
  // Compact etcd and restart the apiserver so neither its cache nor etcd holds the history.
  ASSERT_EQ(env.RigCommand("compact"), 0);
  ASSERT_EQ(env.RigCommand("restart-apiserver"), 0);
  gate.Open();

  ASSERT_TRUE(Eventually([&] { return CacheState(inf) == ServerState(*client, ns); }))
      << "after the relist the cache must equal the server's contents";
  runner.request_stop();
  runner.join();

  EXPECT_GE(inf.relists(), 2u) << "a 410 Gone must lead to a relist";
  ExpectExactlyOnce(rec);
  std::lock_guard lock(rec.mu);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rec.adds[ns + "/y" + std::to_string(i)], 1);
  EXPECT_EQ(rec.deletes[ns + "/x1"], 1);
  EXPECT_EQ(inf.store().size(), 14u);
}

TEST(Informer, ResyncRedeliversUnchangedObjects) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("resync");
  ASSERT_TRUE(client->Create(ConfigMaps(), ConfigMap(ns, "r", "0")).ok());
  kube::Informer inf(*client, ConfigMaps(), {.namespace_ = ns, .resync = std::chrono::seconds(1)});
  std::atomic<int> resyncs{0};
  kube::EventHandlers h;
  h.on_update = [&](const kube::ObjectPtr& o, const kube::ObjectPtr& n) {
    if (o == n) resyncs++;  // same object, same resourceVersion: a resync, not a change
  };
  inf.AddHandlers(h);
  std::jthread runner([&](std::stop_token st) { inf.Run(st); });  // stops when the test returns
  EXPECT_TRUE(Eventually([&] { return resyncs >= 2; }, milliseconds(10000)));
  runner.request_stop();
}

TEST(Informer, AFieldMaskKeepsTheCacheSmall) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("mask");
  ASSERT_TRUE(client->Create(ConfigMaps(), ConfigMap(ns, "m", std::string(4096, 'z'))).ok());
  auto mask = std::make_shared<kube::FieldMask>(kube::FieldMask::WithMetadata({}));
  kube::Informer inf(*client, ConfigMaps(), {.namespace_ = ns, .field_selector = "metadata.name=m", .mask = mask});
  std::jthread runner([&](std::stop_token st) { inf.Run(st); });  // stops when the test returns
  ASSERT_TRUE(Eventually([&] { return inf.HasSynced() && inf.store().size() == 1; }, milliseconds(60000)))
      << "synced " << inf.HasSynced() << ", " << inf.store().size() << " objects, last error " << inf.LastError().ToString();
  auto obj = inf.store().Get(ns + "/m");
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->json().find("zzzz"), std::string::npos) << "data was trimmed";
  EXPECT_EQ(obj->Labels().at("set"), "informer-test") << "metadata is kept";
  EXPECT_LT(obj->json().size(), 400u);
  runner.request_stop();
}

}  // namespace
