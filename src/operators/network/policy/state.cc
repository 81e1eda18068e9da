#include "state.h"

#include <openssl/evp.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <optional>

#include "fnv_hash.h"
#include "image_spec.h"
#include "kube/json_limits.h"
#include "manifests/renderer.h"

namespace network {
namespace {

kube::Status Invalid(const std::string& field, const std::string& message) {
  return kube::Status(kube::Code::kInvalid, field + ": " + message);
}

// Base64 of the SHA-256 of `text`, as upstream's config-hash annotation.
std::string ConfigHash(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out(4 * ((len + 2) / 3), '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(len));
  return out;
}

// Dot-separated DNS-1123 labels, as domain names and Kubernetes object names are spelled
// (object names are also at most 253 characters).
bool IsDnsSubdomain(const std::string& name) {
  static const RE2 kSubdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return RE2::FullMatch(name, kSubdomain);
}

// A device plugin's config: JSON text holding an object with the array `list_key`, whose
// entries are objects that each name a resource. Returns the parsed config.
kube::Result<nlohmann::json> ParseResourceConfig(const RenderInputs& in, const std::string& list_key) {
  const std::string field = in.field + ".config";
  const std::string text = in.section.value("config", "");
  if (text.empty()) return Invalid(field, "is required");
  auto parsed = kube::ParseJson(text);
  if (!parsed.ok()) return Invalid(field, parsed.status().message());
  nlohmann::json config = std::move(*parsed);
  if (!config.is_object() || !config.contains(list_key) || !config[list_key].is_array()) {
    return Invalid(field, "must be an object with a \"" + list_key + "\" array");
  }
  static const RE2 kResourceName("[A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]");
  for (size_t i = 0; i < config[list_key].size(); ++i) {
    const auto& entry = config[list_key][i];
    const std::string at = field + "." + list_key + "[" + std::to_string(i) + "]";
    if (!entry.is_object()) return Invalid(at, "must be an object");
    if (!entry.contains("resourceName") || !entry["resourceName"].is_string() ||
        !RE2::FullMatch(entry["resourceName"].get<std::string>(), kResourceName)) {
      return Invalid(at + ".resourceName", "is required and must match [A-Za-z0-9][-A-Za-z0-9_.]*[A-Za-z0-9]");
    }
  }
  return config;
}

// The RDMA shared device plugin's config: the fields its schema requires, checked.
kube::Status CheckRdmaConfig(const RenderInputs& in, nlohmann::json* ctx) {
  auto config = ParseResourceConfig(in, "configList");
  if (!config.ok()) return config.status();
  for (size_t i = 0; i < (*config)["configList"].size(); ++i) {
    const auto& entry = (*config)["configList"][i];
    const std::string at = in.field + ".config.configList[" + std::to_string(i) + "]";
    if (entry.contains("rdmaHcaMax") && (!entry["rdmaHcaMax"].is_number_integer() || entry["rdmaHcaMax"].get<int64_t>() < 0)) {
      return Invalid(at + ".rdmaHcaMax", "must be a non-negative integer");
    }
    if (entry.contains("selectors") && !entry["selectors"].is_object()) return Invalid(at + ".selectors", "must be an object");
  }
  (*ctx)["useCdi"] = in.section.value("useCdi", false);
  return kube::Status::Ok();
}

// The SR-IOV network device plugin's config: the fields its schema requires, checked.
kube::Status CheckSriovConfig(const RenderInputs& in, nlohmann::json* ctx) {
  auto config = ParseResourceConfig(in, "resourceList");
  if (!config.ok()) return config.status();
  for (size_t i = 0; i < (*config)["resourceList"].size(); ++i) {
    const auto& entry = (*config)["resourceList"][i];
    const std::string at = in.field + ".config.resourceList[" + std::to_string(i) + "]";
    if (entry.contains("resourcePrefix") &&
        (!entry["resourcePrefix"].is_string() || !IsDnsSubdomain(entry["resourcePrefix"].get<std::string>()))) {
      return Invalid(at + ".resourcePrefix", "must be a domain name");
    }
    if (entry.contains("deviceType")) {
      const std::string type = entry["deviceType"].is_string() ? entry["deviceType"].get<std::string>() : "";
      if (type != "netDevice" && type != "accelerator" && type != "auxNetDevice") {
        return Invalid(at + ".deviceType", "must be netDevice, accelerator or auxNetDevice");
      }
    }
    if (entry.contains("selectors") && !entry["selectors"].is_object() && !entry["selectors"].is_array()) {
      return Invalid(at + ".selectors", "must be an object or a list of objects");
    }
  }
  (*ctx)["useCdi"] = in.section.value("useCdi", false);
  return kube::Status::Ok();
}

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
kube::Status OfedDriver(const RenderInputs& in, nlohmann::json* ctx) {
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
                          {{{"labelSelector", {{"matchExpressions", {{{"key", "nvidia.com/ofed-driver"}, {"operator", "Exists"}}}}}},
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

// A GUID as ib-kubernetes reads it: eight hex bytes separated by colons.
std::optional<uint64_t> ParseGuid(const std::string& text) {
  static const RE2 kGuid("([0-9A-Fa-f]{2}:){7}[0-9A-Fa-f]{2}");
  if (!RE2::FullMatch(text, kGuid)) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < text.size(); i += 3) value = value << 8 | std::stoul(text.substr(i, 2), nullptr, 16);
  return value;
}

kube::Status IbKubernetes(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json& sec = in.section;
  const std::string start_field = in.field + ".pKeyGUIDPoolRangeStart";
  const std::string end_field = in.field + ".pKeyGUIDPoolRangeEnd";
  const std::string start_text = sec.value("pKeyGUIDPoolRangeStart", "");
  const std::string end_text = sec.value("pKeyGUIDPoolRangeEnd", "");
  auto start = ParseGuid(start_text);
  auto end = ParseGuid(end_text);
  if (!start) return Invalid(start_field, kube::Quoted(start_text) + " is not a GUID of the form xx:xx:xx:xx:xx:xx:xx:xx");
  if (!end) return Invalid(end_field, kube::Quoted(end_text) + " is not a GUID of the form xx:xx:xx:xx:xx:xx:xx:xx");
  if (*start > *end) return Invalid(start_field, "must not be above " + end_field + " (" + end_text + ")");
  if (*start == 0 || *end == UINT64_MAX) {
    return Invalid(*start == 0 ? start_field : end_field, "the all-zero and all-ones GUIDs are reserved");
  }
  const std::string secret = sec.value("ufmSecret", "");
  static const RE2 kName("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  if (secret.empty()) return Invalid(in.field + ".ufmSecret", "is required: the Secret with the UFM address and credentials");
  if (!RE2::FullMatch(secret, kName)) return Invalid(in.field + ".ufmSecret", kube::Quoted(secret) + " is not a Secret name");
  const auto period = sec.value("periodicUpdateSeconds", nlohmann::json(5));
  if (!period.is_number_integer() || period.get<int64_t>() < 0) {
    return Invalid(in.field + ".periodicUpdateSeconds", "must be a non-negative integer");
  }
  (*ctx)["guidRangeStart"] = start_text;
  (*ctx)["guidRangeEnd"] = end_text;
  (*ctx)["ufmSecret"] = secret;
  (*ctx)["periodicUpdateSeconds"] = std::to_string(period.get<int64_t>());
  return kube::Status::Ok();
}

kube::Status NvIpam(const RenderInputs& in, nlohmann::json* ctx) {
  const auto webhook = in.section.value("enableWebhook", nlohmann::json(false));
  if (!webhook.is_boolean()) return Invalid(in.field + ".enableWebhook", "must be true or false");
  if (webhook.get<bool>()) {
    return Invalid(in.field + ".enableWebhook",
                   "is not supported yet: the webhook needs cert-manager certificates, which this operator does not "
                   "manage; pool specs are still checked by the CRD schema");
  }
  // Two controller replicas, preferably on different nodes.
  nlohmann::json affinity = (*ctx)["deploymentAffinityJson"].is_string()
                                ? nlohmann::json::parse((*ctx)["deploymentAffinityJson"].get<std::string>())
                                : nlohmann::json::object();
  affinity["podAntiAffinity"] = {
      {"preferredDuringSchedulingIgnoredDuringExecution",
       {{{"weight", 100},
         {"podAffinityTerm",
          {{"labelSelector",
            {{"matchExpressions", {{{"key", "name"}, {"operator", "In"}, {"values", {"nv-ipam-controller"}}}}}}},
           {"topologyKey", "kubernetes.io/hostname"}}}}}}};
  (*ctx)["controllerAffinityJson"] = affinity.dump();
  return kube::Status::Ok();
}

kube::Status DocaTelemetry(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json config = in.section.value("config", nlohmann::json::object());
  const std::string from = config.is_object() ? config.value("fromConfigMap", "") : "";
  if (!from.empty() && (from.size() > 253 || !IsDnsSubdomain(from))) {
    return Invalid(in.field + ".config.fromConfigMap", kube::Quoted(from) + " is not a ConfigMap name (DNS-1123 subdomain)");
  }
  (*ctx)["deployConfigMap"] = from.empty();
  (*ctx)["configMapName"] = from.empty() ? "doca-telemetry-service" : from;
  return kube::Status::Ok();
}

kube::Status NicConfigurationOperator(const RenderInputs& in, nlohmann::json* ctx) {
  const nlohmann::json& sec = in.section;
  const std::string level = sec.value("logLevel", "info");
  if (level != "info" && level != "debug") return Invalid(in.field + ".logLevel", "must be info or debug");
  nlohmann::json env = sec.value("env", nlohmann::json::array());
  env.insert(env.begin(), nlohmann::json{{"name", "LOG_LEVEL"}, {"value", level}});
  (*ctx)["envJson"] = env.dump();
  nlohmann::json daemon_env = nlohmann::json::array({{{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}},
                                                   {{"name", "NAMESPACE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}},
                                                   {{"name", "LOG_LEVEL"}, {"value", level}}});
  // The user's env goes to the daemon too, where firmware settings such as FW_RESET_AFTER_CONFIG_UPDATE act.
  for (const auto& e : sec.value("env", nlohmann::json::array())) daemon_env.push_back(e);
  (*ctx)["daemonEnvJson"] = daemon_env.dump();
  (*ctx)["firmwareStorage"] = false;
  if (sec.contains("nicFirmwareStorage") && sec["nicFirmwareStorage"].is_object()) {
    const nlohmann::json& storage = sec["nicFirmwareStorage"];
    const std::string field = in.field + ".nicFirmwareStorage";
    const std::string pvc = storage.value("pvcName", "nic-fw-storage-pvc");
    static const RE2 kLabel("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    if (pvc.size() > 63 || !RE2::FullMatch(pvc, kLabel)) {
      return Invalid(field + ".pvcName", kube::Quoted(pvc) + " is not a valid PersistentVolumeClaim name (DNS label)");
    }
    const std::string size = storage.value("availableStorageSize", "1Gi");
    static const RE2 kSize("[0-9]+(Ei|Pi|Ti|Gi|Mi|Ki)");
    if (!RE2::FullMatch(size, kSize)) {
      return Invalid(field + ".availableStorageSize", kube::Quoted(size) + " must be a number with a unit Ki to Ei, like 1Gi");
    }
    (*ctx)["firmwareStorage"] = {{"create", storage.value("create", true)},
                                 {"pvcName", pvc},
                                 {"storageClassName", storage.value("storageClassName", "")},
                                 {"availableStorageSize", size}};
  }
  return kube::Status::Ok();
}

// The flow controller starts the X-plane itself; it is told the image through its environment.
kube::Status SpectrumX(const RenderInputs& in, nlohmann::json* ctx) {
  nlohmann::json env = nlohmann::json::array();
  if (in.section.contains("xPlane") && in.section["xPlane"].is_object()) {
    const std::string field = in.field + ".xPlane";
    auto xplane = ResolveImage(in.section["xPlane"], in.spec.value("global", nlohmann::json::object()), field);
    if (!xplane.ok()) return xplane.status();
    std::string secrets;
    for (const auto& s : xplane->pull_secrets) secrets += (secrets.empty() ? "" : ",") + s;
    env.push_back({{"name", "XPLANE_REPOSITORY"}, {"value", xplane->repository}});
    env.push_back({{"name", "XPLANE_IMAGE"}, {"value", xplane->image}});
    env.push_back({{"name", "XPLANE_VERSION"}, {"value", xplane->version}});
    env.push_back({{"name", "IMAGE_PULL_SECRETS"}, {"value", secrets}});
  }
  env.push_back({{"name", "POD_NAMESPACE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.namespace"}}}}}});
  env.push_back({{"name", "NODE_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}});
  (*ctx)["envJson"] = env.dump();
  return kube::Status::Ok();
}

kube::Status MultusConfig(const RenderInputs& in, nlohmann::json* ctx) {
  const std::string text = in.section.value("config", "");
  const bool has = text.find_first_not_of(" \t\r\n") != std::string::npos;
  if (has) {
    if (auto parsed = kube::ParseJson(text); !parsed.ok()) return Invalid(in.field + ".config", parsed.status().message());
  }
  (*ctx)["hasConfig"] = has;
  // Without a config, multus generates one from the primary CNI's file.
  (*ctx)["multusConfFile"] = has ? "/tmp/multus-conf/00-multus.conf" : "auto";
  return kube::Status::Ok();
}

}  // namespace

// Upstream's resources for the CNI installers: a tenth of a CPU and 50 MiB, guaranteed.
const nlohmann::json kSmallDaemon = {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}},
                                     {"limits", {{"cpu", "100m"}, {"memory", "50Mi"}}}};

const std::vector<StateDefinition>& NicClusterPolicyStates() {
  static const std::vector<StateDefinition> states = [] {
    std::vector<StateDefinition> all = {
      {"state-multus-cni", "MultusCNIReady", "/secondaryNetwork/multus", "network-operator/state-multus-cni",
       {"kube-multus"}, MultusConfig, {{"kube-multus", kSmallDaemon}}},
      {"state-container-networking-plugins", "CNIPluginsReady", "/secondaryNetwork/cniPlugins",
       "network-operator/state-container-networking-plugins", {"cni-plugins"}, nullptr, {{"cni-plugins", kSmallDaemon}}},
      {"state-ipoib-cni", "IPoIBCNIReady", "/secondaryNetwork/ipoib", "network-operator/state-ipoib-cni",
       {"ipoib-cni"}, nullptr, {{"ipoib-cni", kSmallDaemon}}},
      {"state-whereabouts-cni", "WhereaboutsCNIReady", "/secondaryNetwork/ipamPlugin",
       "network-operator/state-whereabouts-cni", {"whereabouts"}, nullptr},
      {"state-OFED", "OFEDDriverReady", "/ofedDriver", "network-operator/state-ofed-driver", {"mofed-container"},
       OfedDriver},
      {"state-SRIOV-device-plugin", "SRIOVDevicePluginReady", "/sriovDevicePlugin",
       "network-operator/state-sriov-device-plugin", {"kube-sriovdp"}, CheckSriovConfig},
      {"state-RDMA-device-plugin", "RDMASharedDevicePluginReady", "/rdmaSharedDevicePlugin",
       "network-operator/state-rdma-shared-device-plugin", {"rdma-shared-dp"}, CheckRdmaConfig},
      {"state-ib-kubernetes", "IBKubernetesReady", "/ibKubernetes", "network-operator/state-ib-kubernetes",
       {"ib-kubernetes"}, IbKubernetes, {{"ib-kubernetes", {{"requests", {{"cpu", "100m"}, {"memory", "300Mi"}}}}}}},
      {"state-nv-ipam-cni", "NVIPAMReady", "/nvIpam", "network-operator/state-nv-ipam-cni",
       {"nv-ipam-controller", "nv-ipam-node"}, NvIpam,
       {{"nv-ipam-controller", {{"requests", {{"cpu", "100m"}, {"memory", "300Mi"}}}}},
        {"nv-ipam-node", {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}, {"limits", {{"cpu", "300m"}, {"memory", "300Mi"}}}}}}},
      {"state-nic-feature-discovery", "NICFeatureDiscoveryReady", "/nicFeatureDiscovery",
       "network-operator/state-nic-feature-discovery", {"nic-feature-discovery"}, nullptr,
       {{"nic-feature-discovery", {{"requests", {{"cpu", "100m"}, {"memory", "50Mi"}}}, {"limits", {{"cpu", "300m"}, {"memory", "150Mi"}}}}}}},
      {"state-doca-telemetry-service", "DOCATelemetryServiceReady", "/docaTelemetryService",
       "network-operator/state-doca-telemetry-service", {"doca-telemetry-service"}, DocaTelemetry},
      {"state-nic-configuration-operator", "NICConfigurationOperatorReady", "/nicConfigurationOperator",
       "network-operator/state-nic-configuration-operator", {"nic-configuration-operator", "nic-configuration-daemon"},
       NicConfigurationOperator,
       {{"nic-configuration-operator", {{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}}, {"limits", {{"cpu", "1"}, {"memory", "5Gi"}}}}},
        {"nic-configuration-daemon", {{"requests", {{"cpu", "100m"}, {"memory", "512Mi"}}}, {"limits", {{"memory", "5Gi"}}}}}},
       {"/operator", "/configurationDaemon"}},
      {"state-spectrum-x-operator", "SpectrumXOperatorReady", "/spectrumXOperator",
       "network-operator/state-spectrum-x-operator", {"spectrum-x-flowcontroller"}, SpectrumX},
    };
    for (auto& s : all) {
      if (s.name == "state-whereabouts-cni") s.listed_when_unset = false;  // gone from upstream's list
    }
    return all;
  }();
  return states;
}

const std::vector<StateDefinition>& NicNodePolicyStates() {
  // Upstream's order for node policies: the driver, then the RDMA and SR-IOV device plugins.
  static const std::vector<StateDefinition> states = [] {
    std::vector<StateDefinition> out;
    for (const char* name : {"state-OFED", "state-RDMA-device-plugin", "state-SRIOV-device-plugin"}) {
      for (const auto& s : NicClusterPolicyStates()) {
        if (s.name == name) out.push_back(s);
      }
    }
    return out;
  }();
  return states;
}

kube::Result<nlohmann::json> CommonContext(const StateDefinition& state, const RenderInputs& in) {
  // Each image spec: its reference, its pull secrets (all of them go to every pod of the
  // state) and its containerResources.
  nlohmann::json images = nlohmann::json::object();
  nlohmann::json pull_secrets = nlohmann::json::array();
  std::vector<std::pair<std::string, const nlohmann::json*>> resource_lists;  // field, list
  std::string first_image;
  for (const auto& pointer : state.image_specs) {
    std::string field = in.field + pointer;
    std::replace(field.begin() + static_cast<std::ptrdiff_t>(in.field.size()), field.end(), '/', '.');
    const nlohmann::json::json_pointer at(pointer);
    if (!in.section.contains(at) || !in.section.at(at).is_object()) return Invalid(field, "is required");
    const nlohmann::json& spec = in.section.at(at);
    auto image = ResolveImage(spec, in.spec.value("global", nlohmann::json::object()), field);
    if (!image.ok()) return image.status();
    images[pointer.empty() ? "main" : pointer.substr(1)] = image->reference;
    if (first_image.empty()) first_image = image->reference;
    for (const auto& s : image->pull_secrets) {
      const nlohmann::json entry = {{"name", s}};
      if (std::find(pull_secrets.begin(), pull_secrets.end(), entry) == pull_secrets.end()) pull_secrets.push_back(entry);
    }
    if (spec.contains("containerResources")) resource_lists.emplace_back(field, &spec["containerResources"]);
  }

  // User tolerations, then the one every operand gets so GPU nodes are covered.
  nlohmann::json tolerations = in.spec.value("tolerations", nlohmann::json::array());
  if (!tolerations.is_array()) return Invalid("spec.tolerations", "must be a list");
  tolerations.push_back({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  nlohmann::json affinity = nlohmann::json::object();
  if (in.spec.contains("nodeAffinity")) affinity["nodeAffinity"] = in.spec["nodeAffinity"];

  // Deployments: the GPU and control-plane taints, then the user's; a preference for control-plane
  // nodes, with the user's node affinity.
  nlohmann::json user_tolerations = in.spec.value("deploymentTolerations", nlohmann::json::array());
  if (!user_tolerations.is_array()) return Invalid("spec.deploymentTolerations", "must be a list");
  nlohmann::json deployment_tolerations = nlohmann::json::array();
  nlohmann::json prefer = nlohmann::json::array();
  deployment_tolerations.push_back({{"key", "nvidia.com/gpu"}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  for (const char* key : {"node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"}) {
    deployment_tolerations.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
    prefer.push_back({{"weight", 1},
                      {"preference", {{"matchExpressions", {{{"key", key}, {"operator", "In"}, {"values", {""}}}}}}}});
  }
  for (const auto& t : user_tolerations) deployment_tolerations.push_back(t);
  // Some upstream Deployments (ib-kubernetes, the NIC configuration operator) list the
  // control-plane taints first; the same tolerations, in their order, keep their pods as they are.
  nlohmann::json control_plane_first = nlohmann::json::array();
  for (const char* key : {"node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane", "nvidia.com/gpu"}) {
    control_plane_first.push_back({{"key", key}, {"operator", "Exists"}, {"effect", "NoSchedule"}});
  }
  for (const auto& t : user_tolerations) control_plane_first.push_back(t);
  nlohmann::json node_affinity = in.spec.value("deploymentNodeAffinity", nlohmann::json::object());
  if (!node_affinity.is_object()) return Invalid("spec.deploymentNodeAffinity", "must be an object");
  for (const auto& p : node_affinity.value("preferredDuringSchedulingIgnoredDuringExecution", nlohmann::json::array())) {
    prefer.push_back(p);
  }
  node_affinity["preferredDuringSchedulingIgnoredDuringExecution"] = prefer;
  nlohmann::json deployment_affinity = {{"nodeAffinity", node_affinity}};

  nlohmann::json resources = nlohmann::json::object();
  for (const auto& c : state.containers) resources[c] = state.default_resources.value(c, nlohmann::json::object()).dump();
  for (const auto& [field, list_ptr] : resource_lists) {
    const auto& list = *list_ptr;
    for (size_t i = 0; i < list.size(); ++i) {
      const std::string name = list[i].value("name", "");
      if (!resources.contains(name)) {
        std::string known;
        for (const auto& c : state.containers) known += (known.empty() ? "" : ", ") + c;
        return Invalid(field + ".containerResources[" + std::to_string(i) + "].name",
                       "\"" + name + "\" is not a container of this component (" + known + ")");
      }
      nlohmann::json r = nlohmann::json::object();
      if (list[i].contains("limits")) r["limits"] = list[i]["limits"];
      if (list[i].contains("requests")) r["requests"] = list[i]["requests"];
      resources[name] = r.dump();
    }
  }
  // A string config is dropped verbatim into a ConfigMap; object configs are the state's own.
  const auto config_it = in.section.find("config");
  const std::string config = config_it != in.section.end() && config_it->is_string() ? config_it->get<std::string>() : "";
  nlohmann::json ctx = {{"namespace", in.namespace_},
                        {"image", first_image},
                        {"images", images},
                        {"imagePullSecretsJson", pull_secrets.dump()},
                        {"tolerationsJson", tolerations.dump()},
                        {"affinityJson", affinity.dump()},
                        {"deploymentTolerationsJson", deployment_tolerations.dump()},
                        {"deploymentAffinityJson", deployment_affinity.dump()},
                        {"controlPlaneFirstTolerationsJson", control_plane_first.dump()},
                        {"resourcesJson", resources},
                        {"cniBinDir", "/opt/cni/bin"},
                        {"cniNetworkDir", "/etc/cni/net.d"},
                        {"configJsonString", nlohmann::json(config).dump()},
                        {"configHash", ConfigHash(config)}};
  // A NicNodePolicy's objects: ConfigMaps and selectors carry its name, DaemonSet names its hash.
  ctx["nameSuffix"] = in.node_policy.empty() ? "" : "-" + in.node_policy;
  ctx["nameHash"] = in.node_policy.empty() ? "" : "-" + operators::Fnv32SafeEncoded(in.node_policy);
  ctx["dsOwner"] = in.node_policy.empty() ? "NicClusterPolicy" : "nnp-" + in.node_policy;
  ctx["hasAffinity"] = !affinity.empty();
  nlohmann::json selector = nlohmann::json::array();
  for (const auto& [key, value] : in.node_selector) selector.push_back({{"key", key}, {"value", value}});
  ctx["nodeSelector"] = selector;
  if (state.customize) KUBE_RETURN_IF_ERROR(state.customize(in, &ctx));
  return ctx;
}

namespace {
kube::Result<RenderedState> RenderStateUnchecked(const StateDefinition& state, const RenderInputs& in) {
  auto context = CommonContext(state, in);
  if (!context.ok()) return context.status();
  auto objects = manifests::RenderDirectory(manifests::ManifestRoot() + "/" + state.manifests, *context);
  if (!objects.ok()) return objects.status();
  return RenderedState{std::move(objects).value(), context->value("pending", ""), context->value("note", "")};
}
}  // namespace

kube::Result<RenderedState> RenderState(const StateDefinition& state, const RenderInputs& in) {
  // The CRD schema keeps field types right; should a value still have the wrong type, the
  // state fails with the section named instead of the reconcile failing as a whole.
  try {
    return RenderStateUnchecked(state, in);
  } catch (const nlohmann::json::exception& e) {
    return Invalid(in.field, std::string("a field has the wrong type (") + e.what() + ")");
  }
}

}  // namespace network
