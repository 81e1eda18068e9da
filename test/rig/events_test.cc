// The EventRecorder against a real apiserver: repeats aggregate into a count; the StatusWriter
// writes a status only when it changes and records an Event once per event key.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kube/event_recorder.h"
#include "kube/status_writer.h"
#include "rig_environment.h"

namespace {

TEST(EventRecorder, RepeatsBecomeOneEventWithACount) {
  auto& env = rig::RigEnvironment::Get();
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("events");
  nlohmann::json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "subject"}, {"namespace", ns}}}};
  auto subject = client->Create(kube::resources::ConfigMaps(), cm);
  ASSERT_TRUE(subject.ok());
  {
    kube::EventRecorder recorder(*client, "events-test", ns);
    auto ref = kube::ObjectReference::To(*subject, "v1", "ConfigMap");
    for (int i = 0; i < 3; ++i) recorder.Normal(ref, "Synced", "all good");
    recorder.Warning(ref, "Failed", "something else");
    recorder.Flush();
  }
  auto events = client->ListAll(kube::resources::Events(), ns, {.field_selector = "involvedObject.name=subject"});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->items.size(), 2u);
  std::map<std::string, int> counts;
  for (const auto& e : events->items) {
    auto t = e.Tree();
    counts[t["reason"]] = t["count"];
    EXPECT_EQ(t["source"]["component"], "events-test");
    EXPECT_EQ(t["involvedObject"]["uid"], subject->meta().uid);
  }
  EXPECT_EQ(counts["Synced"], 3);
  EXPECT_EQ(counts["Failed"], 1);
}

// A namespaced kind with a status subresource (nv-ipam's IPPool).
TEST(StatusWriter, WritesOnlyChangesAndRecordsAnEventOncePerKey) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/manifests/network-operator/state-nv-ipam-cni/0005-crds.yaml").ok());
  auto client = env.NewClient();
  const std::string ns = env.NewNamespace("status-writer");
  const kube::Resource pools{"nv-ipam.nvidia.com", "v1alpha1", "ippools", "IPPool", true};
  const nlohmann::json pool = {{"apiVersion", "nv-ipam.nvidia.com/v1alpha1"},
                               {"kind", "IPPool"},
                               {"metadata", {{"name", "subject"}, {"namespace", ns}}},
                               {"spec", {{"subnet", "192.168.0.0/16"}, {"perNodeBlockSize", 16}, {"gateway", "192.168.0.1"}}}};
  auto created = client->Create(pools, pool);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto status = [](const std::string& reason) {
    return nlohmann::json{{"allocations", nlohmann::json::array()},
                          {"conditions", {{{"type", "Ready"}, {"status", "False"}, {"reason", reason},
                                           {"message", "m"}, {"lastTransitionTime", "2026-01-01T00:00:00Z"}}}}};
  };
  auto rule = [](const nlohmann::json&, const nlohmann::json& desired) -> std::optional<kube::StatusEvent> {
    const std::string reason = desired["conditions"][0]["reason"];
    return kube::StatusEvent{reason, true, reason, "now " + reason};
  };
  {
    kube::EventRecorder recorder(*client, "status-writer-test", ns);
    kube::StatusWriter writer(*client, recorder, "status-writer-test");
    auto wrote = writer.Write(pools, *created, status("First"), rule);
    ASSERT_TRUE(wrote.ok()) << wrote.status().ToString();
    EXPECT_TRUE(*wrote);
    auto live = client->Get(pools, ns, "subject");
    ASSERT_TRUE(live.ok());
    EXPECT_EQ(live->StatusTree(), status("First"));
    // The same status again (as the cache now has it): no write, no Event.
    wrote = writer.Write(pools, *live, status("First"), rule);
    ASSERT_TRUE(wrote.ok());
    EXPECT_FALSE(*wrote);
    // Another status with the same event key from a stale object: written, no second Event.
    nlohmann::json other = status("First");
    other["conditions"][0]["message"] = "other";
    wrote = writer.Write(pools, *created, other, rule);
    ASSERT_TRUE(wrote.ok());
    EXPECT_TRUE(*wrote);
    wrote = writer.Write(pools, *created, status("Second"), rule);
    ASSERT_TRUE(wrote.ok());
    EXPECT_TRUE(*wrote);
    recorder.Flush();
  }
  auto events = client->ListAll(kube::resources::Events(), ns, {.field_selector = "involvedObject.name=subject"});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  std::map<std::string, int> counts;
  for (const auto& e : events->items) counts[e.Tree()["reason"]] += e.Tree().value("count", 1);
  EXPECT_EQ(counts, (std::map<std::string, int>{{"First", 1}, {"Second", 1}}));
}

}  // namespace
