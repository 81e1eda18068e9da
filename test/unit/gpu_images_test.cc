// GPU operator image references: upstream precedence, the registry override,
// and driver tags and DaemonSet names per OS and kernel.
#include <gtest/gtest.h>

#include <map>

#include <nlohmann/json.hpp>

#include "images/driver_image.h"
#include "images/image_reference.h"

namespace gpu {
namespace {

using nlohmann::json;

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) {
    auto it = vars.find(name);
    return it == vars.end() ? std::string() : it->second;
  };
}

TEST(ImageReferenceTest, UpstreamPrecedence) {
  const auto env = Env({{"DEVICE_PLUGIN_IMAGE", "nvcr.io/nvidia/k8s-device-plugin:v0.17.0"}});
  EXPECT_EQ(*ResolveImage({{"repository", "nvcr.io/nvidia"}, {"image", "k8s-device-plugin"}, {"version", "v0.18.0"}},
                          "spec.devicePlugin", "DEVICE_PLUGIN_IMAGE", env),
            "nvcr.io/nvidia/k8s-device-plugin:v0.18.0");
  EXPECT_EQ(*ResolveImage({{"repository", "nvcr.io/nvidia"}, {"image", "k8s-device-plugin"}, {"version", "sha256:" + std::string(64, 'a')}},
                          "spec.devicePlugin", "DEVICE_PLUGIN_IMAGE", env),
            "nvcr.io/nvidia/k8s-device-plugin@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(*ResolveImage({{"image", "mirror/plugin@sha256:" + std::string(64, 'd')}}, "spec.devicePlugin", "DEVICE_PLUGIN_IMAGE", env),
            "mirror/plugin@sha256:" + std::string(64, 'd'));
  EXPECT_EQ(*ResolveImage(json::object(), "spec.devicePlugin", "DEVICE_PLUGIN_IMAGE", env),
            "nvcr.io/nvidia/k8s-device-plugin:v0.17.0");
}

TEST(ImageReferenceTest, PartialSettingsAreClearErrors) {
  auto partial = ResolveImage({{"repository", "nvcr.io/nvidia"}, {"version", "v1"}}, "spec.dcgm", "DCGM_IMAGE", Env({}));
  ASSERT_FALSE(partial.ok());
  EXPECT_EQ(partial.status().message(), "spec.dcgm: repository, image and version go together; spec.dcgm.image is missing");
  auto two = ResolveImage({{"version", "v1"}}, "spec.dcgm", "DCGM_IMAGE", Env({}));
  EXPECT_NE(two.status().message().find("spec.dcgm.repository and spec.dcgm.image are missing"), std::string::npos);
  auto none = ResolveImage(json::object(), "spec.dcgm", "DCGM_IMAGE", Env({}));
  EXPECT_NE(none.status().message().find("or DCGM_IMAGE on the operator"), std::string::npos);
}

TEST(ImageReferenceTest, ReferencesThatCannotBePulledAreRefused) {
  for (const std::string& bad : std::vector<std::string>{"Bad Image!!", "nvcr.io/NVIDIA/driver:1", "nvcr.io/nvidia/driver:", "driver@sha256:1",
                                "a/" + std::string(300, 'b'), std::string(60000, 'x') + "!"}) {
    auto image = ResolveImage({{"image", bad}}, "spec.toolkit", "CONTAINER_TOOLKIT_IMAGE", Env({}));
    ASSERT_FALSE(image.ok()) << bad;
    EXPECT_EQ(image.status().message().rfind("spec.toolkit: \"", 0), 0u) << image.status().message();
    EXPECT_LT(image.status().message().size(), 300u);
  }
  auto from_env = ResolveImage(json::object(), "spec.toolkit", "CONTAINER_TOOLKIT_IMAGE",
                               Env({{"CONTAINER_TOOLKIT_IMAGE", "not an image"}}));
  EXPECT_FALSE(from_env.ok());
  EXPECT_TRUE(ResolveImage({{"image", "localhost:5000/a_b/c-d__e:v1.2-3"}}, "spec.toolkit", "X", Env({})).ok());
}

TEST(ImageReferenceTest, OneRegistryOverrideReachesEveryForm) {
  const std::string mirror = "registry.local:5000/mirror";
  EXPECT_EQ(WithRegistry("nvcr.io/nvidia/driver:550.54.15-ubuntu22.04", mirror),
            "registry.local:5000/mirror/nvidia/driver:550.54.15-ubuntu22.04");
  EXPECT_EQ(WithRegistry("localhost/x/y@sha256:1", mirror), "registry.local:5000/mirror/x/y@sha256:1");
  EXPECT_EQ(WithRegistry("busybox:1.36", mirror + "/"), "registry.local:5000/mirror/busybox:1.36");
  EXPECT_EQ(WithRegistry("library/busybox", mirror), "registry.local:5000/mirror/library/busybox");
  EXPECT_EQ(WithRegistry("nvcr.io/nvidia/driver:1", ""), "nvcr.io/nvidia/driver:1");
  // An image already from the mirror (a policy written for it) stays as it is.
  EXPECT_EQ(WithRegistry("registry.local:5000/mirror/nvidia/driver:1", mirror), "registry.local:5000/mirror/nvidia/driver:1");
}

// The network operator's form: every component's repository in a policy spec, at any depth.
TEST(ImageReferenceTest, RegistryOverrideReachesEveryRepositoryOfASpec) {
  const json spec = {
      {"ofedDriver", {{"repository", "nvcr.io/nvidia/mellanox"}, {"image", "doca-driver"}, {"version", "1"}}},
      {"secondaryNetwork", {{"multus", {{"repository", "ghcr.io/k8snetworkplumbingwg"}, {"image", "multus-cni"}}}}},
      {"nicConfigurationOperator", {{"operator", {{"repository", "nvcr.io/nvidia/mellanox"}, {"image", "op"}}}}},
      {"nvIpam", {{"repository", "accelops"}, {"image", "nv-ipam"}}},
      {"other", {{"repository", "not-an-image-section"}}}};
  const json out = operators::WithRegistryInRepositories(spec, "mirror.local/m");
  EXPECT_EQ(out["ofedDriver"]["repository"], "mirror.local/m/nvidia/mellanox");
  EXPECT_EQ(out["secondaryNetwork"]["multus"]["repository"], "mirror.local/m/k8snetworkplumbingwg");
  EXPECT_EQ(out["nicConfigurationOperator"]["operator"]["repository"], "mirror.local/m/nvidia/mellanox");
  EXPECT_EQ(out["nvIpam"]["repository"], "mirror.local/m/accelops");
  EXPECT_EQ(out["other"]["repository"], "not-an-image-section");
  EXPECT_EQ(operators::WithRegistryInRepositories(spec, ""), spec);
}

TEST(DriverImageTest, TagsPerOsAndKernel) {
  EXPECT_EQ(OsTag("ubuntu", "22.04"), "ubuntu22.04");
  EXPECT_EQ(OsTag("rhel", "9.4"), "rhel9");
  EXPECT_EQ(OsTag("rocky", "8.10"), "rocky8");
  EXPECT_EQ(OsTag("ol", "9.2"), "ol9");
  EXPECT_EQ(OsTag("rhcos", "4.18"), "rhcos4.18");
  EXPECT_EQ(*DriverImage("nvcr.io/nvidia", "driver", "550.54.15", "ubuntu22.04", false, ""),
            "nvcr.io/nvidia/driver:550.54.15-ubuntu22.04");
  EXPECT_EQ(*DriverImage("nvcr.io/nvidia", "driver", "535.230.02", "ubuntu22.04", true, "5.15.0-131-generic"),
            "nvcr.io/nvidia/driver:535-5.15.0-131-generic-ubuntu22.04");
  EXPECT_EQ(*DriverImage("nvcr.io/nvidia", "driver", "sha256:abc", "ubuntu22.04", false, ""),
            "nvcr.io/nvidia/driver@sha256:abc");
  EXPECT_NE(DriverImage("nvcr.io/nvidia", "driver", "sha256:abc", "ubuntu22.04", true, "5.15.0-131-generic")
                .status().message().find("cannot be used with usePrecompiled"),
            std::string::npos);
  EXPECT_FALSE(DriverImage("nvcr.io/nvidia", "driver", "550.54.15", "", false, "").ok());
  EXPECT_FALSE(DriverImage("nvcr.io/nvidia", "driver", "535.230.02", "ubuntu22.04", true, "").ok());
}

TEST(DriverImageTest, DaemonSetNamesSanitizeTheKernel) {
  EXPECT_EQ(DriverDaemonSetName("ubuntu22.04", ""), "nvidia-driver-daemonset-ubuntu22.04");
  EXPECT_EQ(DriverDaemonSetName("ubuntu22.04", "5.15.0-131-generic"),
            "nvidia-driver-daemonset-5.15.0-131-generic-ubuntu22.04");
  EXPECT_EQ(SanitizeKernel("5.14.0-427.13.1.el9_4.x86_64"), "5.14.0-427.13.1.el9.4");
  EXPECT_EQ(SanitizeKernel("6.8.0-1015-NVIDIA-64K.aarch64_64k"), "6.8.0-1015-nvidia-64k");
}

}  // namespace
}  // namespace gpu
