#include "synthetic_objects.h"

#include <nlohmann/json.hpp>

namespace bench {

using nlohmann::json;

std::string NodeJson(int i) {
  const std::string name = "gpu-node-" + std::to_string(i);
  json labels = {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"}, {"kubernetes.io/arch", "amd64"},
                 {"node.kubernetes.io/instance-type", "p5.48xlarge"}, {"topology.kubernetes.io/zone", "zone-a"},
                 {"feature.node.kubernetes.io/pci-10de.present", "true"},
                 {"feature.node.kubernetes.io/pci-15b3.present", "true"},
                 {"feature.node.kubernetes.io/kernel-version.full", "5.15.0-105-generic"},
                 {"feature.node.kubernetes.io/system-os_release.ID", "ubuntu"},
                 {"feature.node.kubernetes.io/system-os_release.VERSION_ID", "22.04"},
                 {"nvidia.com/gpu.present", "true"}, {"nvidia.com/gpu.product", "NVIDIA-H100-80GB-HBM3"},
                 {"nvidia.com/gpu.count", "8"}, {"nvidia.com/gpu.memory", "81559"},
                 {"nvidia.com/cuda.driver.major", "550"}, {"nvidia.com/mig.capable", "true"}};
  json conditions = json::array();
  for (const char* type : {"MemoryPressure", "DiskPressure", "PIDPressure", "Ready"}) {
    conditions.push_back({{"type", type}, {"status", std::string(type) == "Ready" ? "True" : "False"},
                          {"lastHeartbeatTime", "2026-11-22T10:00:00Z"},
                          {"lastTransitionTime", "2026-11-01T10:00:00Z"},
                          {"reason", std::string("Kubelet") + type}, {"message", "kubelet is posting status"}});
  }
  json images = json::array();
  for (int k = 0; k < 12; ++k) {
    images.push_back({{"names", {"registry.example/team/image-" + std::to_string(k) +
                                 "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}},
                      {"sizeBytes", 123456789 + k}});
  }
  json node = {
      {"metadata",
       {{"name", name}, {"uid", "6f1c2d3e-0000-4000-8000-" + std::to_string(100000000000 + i)},
        {"resourceVersion", std::to_string(1000 + i)}, {"creationTimestamp", "2026-11-01T10:00:00Z"},
        {"labels", labels},
        {"annotations", {{"node.alpha.kubernetes.io/ttl", "0"}, {"volumes.kubernetes.io/controller-managed-attach-detach", "true"},
                         {"nfd.node.kubernetes.io/feature-labels", "pci-10de.present,pci-15b3.present,kernel-version.full"}}},
        {"managedFields", json::array({{{"manager", "kubelet"}, {"operation", "Update"}, {"apiVersion", "v1"},
                                        {"fieldsType", "FieldsV1"},
                                        {"fieldsV1", {{"f:status", {{"f:conditions", json::object()},
                                                                    {"f:images", json::object()}}}}}}})}}},
      {"spec", {{"podCIDR", "10.244." + std::to_string(i % 250) + ".0/24"}, {"providerID", "aws:///zone-a/i-0" + std::to_string(i)}}},
      {"status",
       {{"capacity", {{"cpu", "192"}, {"memory", "2097152Mi"}, {"nvidia.com/gpu", "8"}, {"pods", "110"}}},
        {"allocatable", {{"cpu", "191"}, {"memory", "2000000Mi"}, {"nvidia.com/gpu", "8"}, {"pods", "110"}}},
        {"conditions", conditions},
        {"addresses", {{{"type", "InternalIP"}, {"address", "10.0.0." + std::to_string(i % 250)}},
                       {{"type", "Hostname"}, {"address", name}}}},
        {"nodeInfo", {{"kernelVersion", "5.15.0-105-generic"}, {"osImage", "Ubuntu 22.04.4 LTS"},
                      {"containerRuntimeVersion", "containerd://1.7.12"}, {"kubeletVersion", "v1.36.3"},
                      {"architecture", "amd64"}, {"operatingSystem", "linux"}}},
        {"images", images}}}};
  return node.dump();
}

std::string PodJson(int i) {
  const std::string name = "worker-" + std::to_string(i);
  json pod = {
      {"metadata",
       {{"name", name}, {"namespace", "team-" + std::to_string(i % 20)},
        {"uid", "7a1c2d3e-0000-4000-8000-" + std::to_string(100000000000 + i)},
        {"resourceVersion", std::to_string(5000 + i)},
        {"labels", {{"app", "trainer"}, {"pod-template-hash", "5d8f7c9b6"}, {"job", "llm-" + std::to_string(i % 50)}}},
        {"ownerReferences", {{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "trainer-5d8f7c9b6"},
                              {"uid", "rs-uid-" + std::to_string(i % 50)}, {"controller", true}}}},
        {"managedFields", json::array({{{"manager", "kube-controller-manager"}, {"operation", "Update"},
                                        {"fieldsV1", {{"f:metadata", {{"f:labels", json::object()}}}}}}})}}},
      {"spec",
       {{"nodeName", "gpu-node-" + std::to_string(i % 1000)},
        {"containers", {{{"name", "trainer"}, {"image", "registry.example/team/trainer:2.4.1"},
                         {"args", {"--epochs=10", "--batch=512"}},
                         {"env", {{{"name", "NCCL_DEBUG"}, {"value", "INFO"}}, {{"name", "OMP_NUM_THREADS"}, {"value", "8"}}}},
                         {"resources", {{"limits", {{"nvidia.com/gpu", "1"}, {"cpu", "8"}}}}},
                         {"volumeMounts", {{{"name", "kube-api-access", }, {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}}}}}}},
        {"tolerations", {{{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}}}}}},
      {"status",
       {{"phase", "Running"}, {"podIP", "10.244.1." + std::to_string(i % 250)},
        {"conditions", {{{"type", "Ready"}, {"status", "True"}}, {{"type", "PodScheduled"}, {"status", "True"}}}},
        {"containerStatuses", {{{"name", "trainer"}, {"ready", true}, {"restartCount", 0},
                                {"image", "registry.example/team/trainer:2.4.1"},
                                {"containerID", "containerd://0123456789abcdef0123456789abcdef"}}}}}}};
  return pod.dump();
}

std::string ListJson(const char* kind, int count, std::string (*item)(int)) {
  std::string out = std::string(R"({"kind":")") + kind + R"(List","apiVersion":"v1","metadata":{"resourceVersion":"999999"},"items":[)";
  for (int i = 0; i < count; ++i) {
    if (i) out += ',';
    out += item(i);
  }
  out += "]}";
  return out;
}

}  // namespace bench
