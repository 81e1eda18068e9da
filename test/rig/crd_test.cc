// Custom resources: discovery after a CRD appears, and server-side apply of
// spec and of the status subresource.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "rig_environment.h"

namespace {

using nlohmann::json;

TEST(CustomResources, ApplySpecAndStatusSeparately) {
  auto client = rig::RigEnvironment::Get().NewClient();
  const std::string ns = rig::RigEnvironment::Get().NewNamespace("crd");
  // Before the CRD exists the kind is unknown.
  EXPECT_TRUE(kube::IsNotFound(client->mapper().ResourceFor({"test.accelops.io", "v1", "Widget"}).status()));

  json crd = json::parse(R"({
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.test.accelops.io"},
    "spec": {"group": "test.accelops.io", "scope": "Namespaced",
      "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
      "versions": [{"name": "v1", "served": true, "storage": true, "subresources": {"status": {}},
        "schema": {"openAPIV3Schema": {"type": "object", "properties": {
          "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
          "status": {"type": "object", "properties": {"state": {"type": "string"}}}}}}}]}})");
  auto created = client->Create(kube::resources::CustomResourceDefinitions(), crd);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  kube::Result<kube::Resource> widgets = kube::Status(kube::Code::kNotFound, "");
  for (int i = 0; i < 100 && !widgets.ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    widgets = client->mapper().ResourceFor({"test.accelops.io", "v1", "Widget"});
  }
  ASSERT_TRUE(widgets.ok()) << widgets.status().ToString();
  EXPECT_EQ(widgets->plural, "widgets");

  json w = {{"apiVersion", "test.accelops.io/v1"}, {"kind", "Widget"},
            {"metadata", {{"name", "w"}, {"namespace", ns}}}, {"spec", {{"size", 3}}}};
  kube::Result<kube::Object> applied = kube::Status(kube::Code::kNotFound, "");
  for (int i = 0; i < 50 && !applied.ok(); ++i) {  // the new resource may need a moment to serve
    applied = client->Apply(*widgets, w, {"widget-operator", true, ""});
    if (!applied.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  const int64_t generation = applied->meta().generation;

  json status = {{"apiVersion", "test.accelops.io/v1"}, {"kind", "Widget"},
                 {"metadata", {{"name", "w"}, {"namespace", ns}}}, {"status", {{"state", "ready"}}}};
  auto with_status = client->Apply(*widgets, status, {"widget-operator-status", true, "status"});
  ASSERT_TRUE(with_status.ok()) << with_status.status().ToString();
  EXPECT_EQ(with_status->Tree()["status"]["state"], "ready");
  EXPECT_EQ(with_status->meta().generation, generation) << "status writes do not bump generation";

  // Re-applying spec leaves the status (owned by another manager) alone.
  w["spec"]["size"] = 4;
  auto respec = client->Apply(*widgets, w, {"widget-operator", true, ""});
  ASSERT_TRUE(respec.ok());
  EXPECT_EQ(respec->Tree()["status"]["state"], "ready");
  EXPECT_EQ(respec->meta().generation, generation + 1);
}

}  // namespace
