// state-OFED: the DOCA/OFED driver container, one DaemonSet per node pool (OS, version, kernel, arch).
#include "states/states.h"

#include <array>
#include <optional>

#include "fnv_hash.h"
#include "image_spec.h"
#include "network_labels.h"
#include "states/state_rules.h"

namespace network::states {
namespace {

// A probe with the spec's timings where set (values below 1 are unset), else the defaults.
nlohmann::json Probe(const nlohmann::json& spec, const char* key, const std::string& command, int delay, int period,
                     int failures, int timeout) {
  const nlohmann::json given = spec.value(key, nlohmann::json::object());
  auto pick = [&](const char* field, int fallback) {
    const int v = given.contains(field) && given[field].is_number_integer() ? given[field].get<int>() : 0;
    return v >= 1 ? v : fallback;
  };
  return {{"exec", {{"command", {"sh", "-c", command}}}},
          {"initialDelaySeconds", pick("initialDelaySeconds", delay)},
          {"periodSeconds", pick("periodSeconds", period)},
          {"failureThreshold", pick("failureThreshold", failures)},
          {"timeoutSeconds", pick("timeoutSeconds", timeout)}};
}

// Where an OS keeps CA certificates and package-repository files.
bool OsPaths(const std::string& os, std::string* certs, std::string* repos) {
  if (os == "ubuntu" || os == "debian") {
    *certs = "/usr/local/share/ca-certificates";
    *repos = "/etc/apt/sources.list.d";
  } else if (os == "rhel" || os == "rhcos" || os == "rocky" || os == "ol" || os == "centos") {
    *certs = "/etc/pki/ca-trust/extracted/pem";
    *repos = "/etc/yum.repos.d";
  } else if (os == "sles" || os == "sl-micro") {
    *certs = "/etc/ssl";
    *repos = "/etc/zypp/repos.d";
  } else {
    return false;
  }
  return true;
}

// Host paths a RHEL or SLES driver container needs to install packages under the host's
// subscription (mount path, host path, type), in mount-path order as upstream numbers them.
// CRI-O mounts a RHEL host's subscription into every container itself: none then, as upstream.
nlohmann::json SubscriptionMounts(const std::string& os, bool cri_o) {
  using Paths = std::vector<std::array<const char*, 3>>;
  static const Paths kRhel = {{"/run/secrets/etc-pki-entitlement", "/etc/pki/entitlement", "Directory"},
                              {"/run/secrets/redhat.repo", "/etc/yum.repos.d/redhat.repo", "File"},
                              {"/run/secrets/rhsm", "/etc/rhsm", "Directory"}};
  static const Paths kSles = {{"/etc/SUSEConnect", "/etc/SUSEConnect", "FileOrCreate"},
                              {"/etc/zypp/credentials.d", "/etc/zypp/credentials.d", "Directory"}};
  nlohmann::json mounts = nlohmann::json::array();
  const Paths* found = os == "rhel" && !cri_o ? &kRhel : os == "sles" ? &kSles : nullptr;
  if (found == nullptr) return mounts;
  const Paths& paths = *found;
  for (size_t i = 0; i < paths.size(); ++i) {
    mounts.push_back({{"volume", "subscription-config-" + std::to_string(i)},
                      {"mountPath", paths[i][0]},
                      {"hostPath", paths[i][1]},
                      {"type", paths[i][2]}});
  }
  return mounts;
}

// A user's ConfigMap (certificates or package repositories) mounted key by key into `dir`.
kube::Status ConfigMapMounts(const RenderInputs& in, const std::string& field, const std::string& name,
                             const std::string& dir, nlohmann::json* mounts, nlohmann::json* volumes) {
  if (name.empty()) return kube::Status::Ok();
  if (!in.read_config_map) return Invalid(field, "cannot be read here");
  auto data = in.read_config_map(in.namespace_, name);
  if (!data.ok()) {
    return kube::Status(kube::IsNotFound(data.status()) ? kube::Code::kInvalid : data.status().code(),
                        field + ": ConfigMap " + in.namespace_ + "/" + name + " " +
                            (kube::IsNotFound(data.status()) ? "does not exist" : data.status().message()));
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [key, value] : data->items()) {  // keys in order
    items.push_back({{"key", key}, {"path", key}});
    mounts->push_back({{"volume", name}, {"path", dir + "/" + key}, {"key", key}});
  }
  volumes->push_back({{"volume", name}, {"configMap", name}, {"itemsJson", items.dump()}});
  return kube::Status::Ok();
}

// What the driver pods' init container reads: upstream's layout, which the init image parses.
std::string InitContainerConfig(bool safe_load) {
  return std::string("{\n  \"safeDriverLoad\": {\n    \"enable\": ") + (safe_load ? "true" : "false") +
         ",\n    \"annotation\": \"nvidia.com/ofed-driver-upgrade.driver-wait-for-safe-load\"\n  },\n"
         "  \"moduleDependencyCheck\": {\n"
         "    \"modules\": [\"mlx5_core\", \"mlx5_ib\", \"ib_umad\", \"ib_uverbs\", \"ib_ipoib\", \"rdma_cm\", "
         "\"rdma_ucm\", \"ib_core\", \"ib_cm\"],\n"
         "    \"hostProcPath\": \"/host/proc\",\n    \"hostSysPath\": \"/host/sys\"\n  }\n}";
}

// A pool's driver image: the precompiled tag when the registry has it (forcePrecompiled: a state
// error when it does not), else the one built on the node. While the registry's first answer is
// out, a pool keeps the image its live DaemonSet runs; a pool with none waits (Unavailable:
// nothing is applied). When the registry cannot be asked, forcePrecompiled waits too, and
// otherwise the pool builds on the node, as upstream.
kube::Result<std::string> OfedPoolImage(const RenderInputs& in, const OfedPool& p, const ResolvedImage& image,
                                        const std::string& daemonset,
                                        const std::optional<registry::TagCache::Answer>& tags) {
  using State = registry::TagCache::Answer::State;
  const bool forced = in.section.value("forcePrecompiled", false);
  const std::string repository = image.repository + "/" + image.image;
  const std::string built = repository + ":" + image.version + "-" + p.os_id + p.os_version + "-" + p.arch;
  const std::string precompiled =
      repository + ":" + image.version + "-" + p.kernel + "-" + p.os_id + p.os_version + "-" + p.arch;
  if (!tags) return forced ? precompiled : built;
  const std::string tag = precompiled.substr(repository.size() + 1);
  switch (tags->state) {
    case State::kPending: {
      const std::string live = in.live_driver_image ? in.live_driver_image(daemonset) : "";
      if (!live.empty()) return live;
      return kube::Status(kube::Code::kUnavailable,
                          "asking the registry whether " + kube::Quoted(precompiled, 300) + " exists");
    }
    case State::kKnown:
      if (tags->Has(tag)) return precompiled;
      if (forced) {
        return Invalid(in.field + ".forcePrecompiled",
                       "the registry has no precompiled driver image " + kube::Quoted(precompiled, 300) +
                           " for kernel " + p.kernel + " (nodes " + p.nodes.front() + (p.nodes.size() > 1 ? ", ...)" : ")"));
      }
      return built;
    case State::kFailed:
      if (forced) {
        return kube::Status(kube::Code::kUnavailable, "cannot tell whether " + kube::Quoted(precompiled, 300) +
                                                          " exists (forcePrecompiled): " + tags->error);
      }
      return built;
  }
  return built;
}

// The OFED driver: one DaemonSet per node pool, its image tag composed per pool.
kube::Status OfedDriverContext(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json& sec = in.section;
  auto image = ResolveImage(sec, in.spec.value("global", nlohmann::json::object()), in.field);
  if (!image.ok()) return image.status();
  static const std::vector<NodeLabels> kNoNodes;
  OfedPools pools = ComputeOfedPools(in.nodes ? *in.nodes : kNoNodes, in.spec.value("tolerations", nlohmann::json::array()));
  const bool precompiled = sec.value("forcePrecompiled", false);
  const bool digest = image->version.rfind("sha256:", 0) == 0;
  if (precompiled && digest) {
    return Invalid(in.field + ".forcePrecompiled", "cannot be used with a sha256 version: a digest names one image");
  }
  // Upstream asks the registry whether the precompiled tag exists (one listing per repository,
  // answered from the cache); without a lookup, forcePrecompiled alone decides.
  std::optional<registry::TagCache::Answer> tags;
  const std::string repository = image->repository + "/" + image->image;
  if (!digest && in.driver_tags) tags = in.driver_tags(repository, image->pull_secrets);
  const std::string cert_name = sec.value("certConfig", nlohmann::json::object()).value("name", "");
  const std::string repo_name = sec.value("repoConfig", nlohmann::json::object()).value("name", "");
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : pools.pools) {
    std::string app = p.daemonset.substr(0, p.daemonset.size() - 3);  // "mofed-<os><version>-<kernel hash>"
    if (!in.node_policy.empty()) app += "-" + operators::Fnv32SafeEncoded(in.node_policy);
    nlohmann::json pool = {{"app", app},          {"osId", p.os_id}, {"osVersion", p.os_version},
                           {"kernel", p.kernel}, {"arch", p.arch},  {"archSelector", p.arch_selector}};
    if (digest) {
      pool["image"] = image->reference;
    } else {
      auto chosen = OfedPoolImage(in, p, *image, app + "-ds", tags);
      if (!chosen.ok()) return chosen.status();
      pool["image"] = *chosen;
    }
    std::string certs, repos;
    const bool known = OsPaths(p.os_id, &certs, &repos);
    if ((!cert_name.empty() || !repo_name.empty()) && !known) {
      return Invalid(in.field + (cert_name.empty() ? ".repoConfig" : ".certConfig"),
                     "no known path for OS \"" + p.os_id + "\" (nodes " + p.nodes.front() + ", ...)");
    }
    nlohmann::json mounts = nlohmann::json::array(), volumes = nlohmann::json::array();
    KUBE_RETURN_IF_ERROR(ConfigMapMounts(in, in.field + ".certConfig.name", cert_name, certs, &mounts, &volumes));
    KUBE_RETURN_IF_ERROR(ConfigMapMounts(in, in.field + ".repoConfig.name", repo_name, repos, &mounts, &volumes));
    pool["configMounts"] = mounts;
    pool["configVolumes"] = volumes;
    pool["subscriptionMounts"] = SubscriptionMounts(p.os_id, p.all_cri_o);
    list.push_back(pool);
  }
  (*ctx)["pools"] = list;
  (*ctx)["terminationGracePeriodSeconds"] = sec.value("terminationGracePeriodSeconds", 300);
  // The policy's node affinity takes the place of the one-driver-per-node anti-affinity, as upstream.
  nlohmann::json affinity = in.spec.contains("nodeAffinity")
      ? nlohmann::json{{"nodeAffinity", in.spec["nodeAffinity"]}}
      : nlohmann::json{{"podAntiAffinity",
                        {{"requiredDuringSchedulingIgnoredDuringExecution",
                          {{{"labelSelector", {{"matchExpressions", {{{"key", kOfedDriverPodLabel}, {"operator", "Exists"}}}}}},
                            {"topologyKey", "kubernetes.io/hostname"}}}}}}};
  (*ctx)["driverAffinityJson"] = affinity.dump();
  nlohmann::json env = sec.value("env", nlohmann::json::array());
  auto has = [&env](const char* name) {
    for (const auto& e : env) {
      if (e.value("name", "") == name) return true;
    }
    return false;
  };
  if (!has("CREATE_IFNAMES_UDEV")) env.push_back({{"name", "CREATE_IFNAMES_UDEV"}, {"value", "true"}});
  if (!has("NVIDIA_NIC_DRIVERS_INVENTORY_PATH")) {
    env.push_back({{"name", "NVIDIA_NIC_DRIVERS_INVENTORY_PATH"}, {"value", "/mnt/drivers-inventory"}});
  }
  (*ctx)["envJson"] = env.dump();
  nlohmann::json init_env = nlohmann::json::array(
      {{{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "spec.nodeName"}}}}}}});
  for (const auto& e : env) init_env.push_back(e);
  (*ctx)["initEnvJson"] = init_env.dump();
  (*ctx)["initImage"] = in.ofed_init_image.empty() ? nlohmann::json(false) : nlohmann::json(in.ofed_init_image);
  // Safe loading is part of the upgrade flow: only with autoUpgrade, as upstream.
  const nlohmann::json upgrade = sec.value("upgradePolicy", nlohmann::json::object());
  const bool safe_load = upgrade.is_object() && upgrade.value("autoUpgrade", false) && upgrade.value("safeLoad", false);
  (*ctx)["initConfigJsonString"] = nlohmann::json(InitContainerConfig(safe_load)).dump();
  (*ctx)["startupProbeJson"] = Probe(sec, "startupProbe", "ls /run/mellanox/drivers/.driver-ready", 30, 10, 120, 10).dump();
  (*ctx)["livenessProbeJson"] = Probe(sec, "livenessProbe", "lsmod | grep mlx5_core", 10, 30, 1, 10).dump();
  (*ctx)["readinessProbeJson"] = Probe(sec, "readinessProbe", "lsmod | grep mlx5_core", 10, 30, 1, 10).dump();
  if (!pools.unlabelled.empty()) {
    (*ctx)["pending"] = std::to_string(pools.unlabelled.size()) +
                        " NIC nodes lack OS, kernel or arch labels (is node discovery running?): " +
                        pools.unlabelled.front() + (pools.unlabelled.size() > 1 ? ", ..." : "");
  }
  if (pools.pools.empty()) (*ctx)["note"] = "no NIC node to run the driver on";
  if (!pools.untolerated.empty()) {
    (*ctx)["note"] = std::to_string(pools.untolerated.size()) + " NIC nodes have taints the driver does not tolerate: " +
                     pools.untolerated.front() + (pools.untolerated.size() > 1 ? ", ..." : "");
  }
  return kube::Status::Ok();
}

}  // namespace

StateDefinition OfedDriver() {
  StateDefinition s;
  s.name = "state-OFED";
  s.manifests = "network-operator/state-ofed-driver";
  s.kinds = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet"};
  s.customize = OfedDriverContext;
  s.condition_type = "OFEDDriverReady";
  s.section = "/ofedDriver";
  s.containers = {"mofed-container"};
  return s;
}

}  // namespace network::states
