#include "container_runtime.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

json NodeReporting(const json& version) { return {{"status", {{"nodeInfo", {{"containerRuntimeVersion", version}}}}}}; }

TEST(ContainerRuntime, TheNameIsTheSchemeOfTheReportedVersion) {
  EXPECT_EQ(common::ContainerRuntimeName(NodeReporting("containerd://1.7.2-k3s1")), "containerd");
  EXPECT_EQ(common::ContainerRuntimeName(NodeReporting("cri-o://1.30.0")), "cri-o");
  EXPECT_EQ(common::ContainerRuntimeName(NodeReporting("docker://24.0.7")), "docker");
}

TEST(ContainerRuntime, ANodeReportingNoneOrNoSchemeHasNone) {
  EXPECT_EQ(common::ContainerRuntimeName(json::object()), "");
  EXPECT_EQ(common::ContainerRuntimeName(NodeReporting("1.7.2")), "");
  EXPECT_EQ(common::ContainerRuntimeName(NodeReporting(7)), "");
  EXPECT_EQ(common::ContainerRuntimeName({{"status", "Ready"}}), "");
  EXPECT_EQ(common::ContainerRuntimeName({{"status", {{"nodeInfo", nullptr}}}}), "");
}

}  // namespace
