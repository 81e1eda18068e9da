// The EventRecorder against a real apiserver: repeats aggregate into a count.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "kube/event_recorder.h"
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

}  // namespace
