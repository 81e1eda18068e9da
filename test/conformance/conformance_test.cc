// Both operators held against upstream's: for every case under upstream/network/
// and upstream/gpu/ (fake nodes, the objects a user applies, and what upstream's
// operator created for them on a real control plane), a fresh control plane
// gets the same nodes and input, our operator runs until the resources reach
// the state upstream's did, and what we created is captured and normalised as
// upstream's was, then compared field by field. A difference passes only when
// the operator's deliberate-differences file lists it, with both values and the
// reason.
//
// CONFORMANCE_WAIT_SECONDS bounds how long a case waits for its differences to
// settle (default 15, stretched by Patience; 0: one look). CONFORMANCE_REPORT_DIR,
// when set, receives one report per case listing every difference.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "eventually.h"
#include "kube/config.h"
#include "manifests/renderer.h"
#include "nic_cluster_policy_reconciler.h"
#include "nic_node_policy_reconciler.h"
#include "object_diff.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kSource = ACCELOPS_SOURCE_DIR;

// Kinds applied before the operator starts, as upstream's capture did.
const std::set<std::string> kPreludeKinds = {"Namespace", "ConfigMap", "Secret", "PriorityClass",
                                             "CustomResourceDefinition"};
// Kinds their controllers, not the operator, create: left out of the comparison.
const std::set<std::string> kControllerMadeResources = {
    "pods", "replicasets.apps", "controllerrevisions.apps", "events", "events.events.k8s.io",
    "endpointslices.discovery.k8s.io", "endpoints", "leases.coordination.k8s.io",
    "ipaddresses.networking.k8s.io"};

std::vector<json> ReadObjects(const fs::path& file) {
  auto text = kube::ReadFile(file.string());
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  if (!text.ok()) return {};
  auto objects = manifests::YamlToObjects(*text);
  EXPECT_TRUE(objects.ok()) << file << ": " << objects.status().ToString();
  return objects.ok() ? *objects : std::vector<json>{};
}

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// Everything the rig's API server lists, each object once.
std::vector<json> Snapshot(const rig::RigEnvironment& rig) {
  std::string names;
  EXPECT_EQ(rig.RigCommand("kubectl api-resources --verbs=list -o name", &names), 0);
  std::string wanted;
  std::istringstream lines(names);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || kControllerMadeResources.contains(line)) continue;
    wanted += (wanted.empty() ? "" : ",") + line;
  }
  std::string out;
  EXPECT_EQ(rig.RigCommand("kubectl get " + wanted + " -A -o json", &out), 0) << out;
  json list = json::parse(out, nullptr, false);
  std::vector<json> objects;
  std::set<std::string> uids;
  if (!list.is_object()) return objects;
  for (auto& item : list.value("items", json::array())) {
    const std::string uid = item["metadata"].value("uid", "");
    if (uids.insert(uid).second) objects.push_back(std::move(item));
  }
  return objects;
}

std::set<std::string> Uids(const std::vector<json>& objects) {
  std::set<std::string> out;
  for (const auto& o : objects) out.insert(o["metadata"].value("uid", ""));
  return out;
}

void EraseIfEmpty(json& parent, const char* key) {
  if (parent.contains(key) && parent[key].empty()) parent.erase(key);
}

// The README's normalisation: what the API server or a controller adds, and what differs run to run.
json Normalise(json o) {
  json& meta = o["metadata"];
  for (const char* key : {"uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink"}) {
    meta.erase(key);
  }
  if (meta.contains("ownerReferences")) {
    for (auto& ref : meta["ownerReferences"]) ref.erase("uid");
  }
  if (meta.contains("annotations")) {
    json& a = meta["annotations"];
    a.erase("deprecated.daemonset.template.generation");
    a.erase("deployment.kubernetes.io/revision");
    for (const char* key : {"nvidia.network-operator.revision", "nvidia.com/last-applied-hash"}) {
      if (a.contains(key)) a[key] = "<run-specific>";
    }
    EraseIfEmpty(meta, "annotations");
  }
  o.erase("status");
  if (o.value("kind", "") == "Service" && o.contains("spec")) {
    json& spec = o["spec"];
    if (spec.value("clusterIP", "") != "None" && spec.contains("clusterIP")) spec["clusterIP"] = "<allocated>";
    if (spec.contains("clusterIPs") && spec.value("clusterIP", "") != "None") spec["clusterIPs"] = {"<allocated>"};
  }
  return o;
}

bool LeftOut(const json& o, const std::set<std::string>& inputs) {
  const std::string kind = o.value("kind", "");
  const json meta = o.value("metadata", json::object());
  if (inputs.contains(conformance::ObjectKey(o))) return true;
  if (kind == "APIService" && meta.value("labels", json::object()).contains("kube-aggregator.kubernetes.io/automanaged")) {
    return true;
  }
  if (kind == "ConfigMap" && meta.value("name", "") == "kube-root-ca.crt") return true;
  if (kind == "ServiceAccount" && meta.value("name", "") == "default") return true;
  return false;
}

// Timestamps in a status, which differ run to run.
void MaskTimes(json& v) {
  if (v.is_object()) {
    for (auto& [k, child] : v.items()) {
      if (child.is_string() && k.size() > 4 && k.ends_with("Time")) child = "<time>";
      else MaskTimes(child);
    }
  } else if (v.is_array()) {
    for (auto& child : v) MaskTimes(child);
  }
}

// An input resource as upstream-status.yaml records it.
json StatusView(const json& o) {
  json view = {{"apiVersion", o["apiVersion"]}, {"kind", o["kind"]}, {"metadata", {{"name", o["metadata"]["name"]}}}};
  const json& meta = o["metadata"];
  for (const char* key : {"labels", "annotations", "finalizers"}) {
    if (meta.contains(key) && !meta[key].empty()) view["metadata"][key] = meta[key];
  }
  if (o.value("kind", "") == "Namespace") {
    if (view["metadata"].contains("labels")) {
      view["metadata"]["labels"].erase("kubernetes.io/metadata.name");
      EraseIfEmpty(view["metadata"], "labels");
    }
    return view;
  }
  if (o.contains("status")) {
    view["status"] = o["status"];
    MaskTimes(view["status"]);
  }
  return view;
}

// A node as nodes-after.yaml records it.
json NodeView(const json& node) {
  json view = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", node["metadata"]["name"]}}}};
  const json& meta = node["metadata"];
  if (meta.contains("labels")) view["metadata"]["labels"] = meta["labels"];
  if (meta.contains("annotations")) {
    json a = meta["annotations"];
    a.erase("node.alpha.kubernetes.io/ttl");
    if (!a.empty()) view["metadata"]["annotations"] = a;
  }
  const json spec = node.value("spec", json::object());
  if (spec.contains("taints")) view["spec"]["taints"] = spec["taints"];
  if (spec.value("unschedulable", false)) view["spec"]["unschedulable"] = true;
  return view;
}

// One operator as the suite runs it: where its cases and deliberate differences are, its CRDs,
// and the command line (environment included) upstream's chart gives upstream's operator.
struct OperatorUnderTest {
  fs::path cases;
  fs::path differences;
  fs::path crds;
  std::vector<std::string> (*command)(const fs::path& case_dir, const std::string& kubeconfig);
};

// Like upstream's capture, the network operator has no registry to ask about precompiled driver tags.
std::vector<std::string> NetworkOperatorCommand(const fs::path&, const std::string& kubeconfig) {
  return {"POD_NAMESPACE=nvidia-network-operator", "OPERATOR_NAME=network-operator", "ENABLE_WEBHOOKS=false",
          "USE_DTK=true", "CNI_BIN_DIR=/opt/cni/bin", "CNI_NETWORK_DIR=/etc/cni/net.d",
          "OFED_INIT_CONTAINER_IMAGE=nvcr.io/nvstaging/mellanox/network-operator-init-container:network-operator-v26.7.0-rc.1",
          NETWORK_OPERATOR_BIN, "--kubeconfig", kubeconfig, "--metrics-bind-address", "0",
          "--health-probe-bind-address", "0"};
}

// The GPU operator's environment is the case's operator.env (what the chart renders for its values).
std::vector<std::string> GpuOperatorCommand(const fs::path& case_dir, const std::string& kubeconfig) {
  std::vector<std::string> out = {"OPERATOR_NAMESPACE=gpu-operator"};
  auto env = kube::ReadFile((case_dir / "operator.env").string());
  EXPECT_TRUE(env.ok()) << env.status().ToString();
  std::istringstream lines(env.ok() ? *env : "");
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.find('=') != std::string::npos) out.push_back(line);
  }
  for (std::string arg : {GPU_OPERATOR_BIN, "--kubeconfig", kubeconfig.c_str(), "--metrics-bind-address", "0",
                          "--health-probe-bind-address", "0"}) {
    out.push_back(std::move(arg));
  }
  return out;
}

const OperatorUnderTest kNetwork = {kSource / "test/conformance/upstream/network",
                                    kSource / "test/conformance/deliberate-differences.yaml",
                                    kSource / "deploy/network-operator/chart/crds", NetworkOperatorCommand};
const OperatorUnderTest kGpu = {kSource / "test/conformance/upstream/gpu",
                                kSource / "test/conformance/gpu-deliberate-differences.yaml",
                                kSource / "deploy/gpu-operator/chart/crds", GpuOperatorCommand};

std::vector<std::string> CaseNames(const OperatorUnderTest& op) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(op.cases)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// One case on a fresh control plane: its nodes, our CRDs and the input's
// prelude (namespaces, ConfigMaps, Secrets) applied, the operator not yet running.
class CaseRig {
 public:
  CaseRig(const OperatorUnderTest& op, const std::string& name) : op_(op), dir_(op.cases / name) {
    rig_.SetUp();
    up_ = !::testing::Test::HasFatalFailure();
  }
  ~CaseRig() {
    operator_.reset();
    if (up_) rig_.TearDown();
  }
  CaseRig(const CaseRig&) = delete;
  CaseRig& operator=(const CaseRig&) = delete;

  // Nodes, CRDs and prelude; the input's other objects are kept for ApplyResources.
  void Prepare() {
    ASSERT_TRUE(up_);
    auto applied = rig_.ApplyObjects(ReadObjects(dir_ / "nodes.yaml"));
    ASSERT_TRUE(applied.ok()) << applied.ToString();
    applied = rig_.ApplyPath(op_.crds.string());
    ASSERT_TRUE(applied.ok()) << applied.ToString();
    std::vector<json> prelude;
    for (auto& o : ReadObjects(dir_ / "input.yaml")) {
      input_keys_.insert(conformance::ObjectKey(o));
      (kPreludeKinds.contains(o.value("kind", "")) ? prelude : resources_).push_back(std::move(o));
    }
    applied = rig_.ApplyObjects(prelude);
    ASSERT_TRUE(applied.ok()) << applied.ToString();
  }
  void ApplyResources() {
    auto applied = rig_.ApplyObjects(resources_);
    ASSERT_TRUE(applied.ok()) << applied.ToString();
  }
  // Our operator, with the environment upstream's chart gives its own and, like upstream's
  // capture, every registry unreachable.
  void StartOperator() {
    operator_ = std::make_unique<rig::ChildProcess>("/usr/bin/env", op_.command(dir_, rig_.kubeconfig()),
                                                    rig::NoRegistryAccess());
    ASSERT_TRUE(operator_->WaitForOutput("starting workers", rig::Patience(std::chrono::seconds(30))))
        << operator_->Output();
  }
  void StopOperator() {
    if (!operator_) return;
    EXPECT_EQ(operator_->Terminate(rig::Patience(std::chrono::seconds(30))), 0) << operator_->Output();
    operator_.reset();
  }
  std::string OperatorOutput() const { return operator_ ? operator_->Output() : ""; }

  const fs::path& dir() const { return dir_; }
  const rig::RigEnvironment& rig() const { return rig_; }
  const std::set<std::string>& input_keys() const { return input_keys_; }
  const std::vector<json>& resources() const { return resources_; }

 private:
  const OperatorUnderTest& op_;
  fs::path dir_;
  rig::RigEnvironment rig_;
  bool up_ = false;
  std::set<std::string> input_keys_;
  std::vector<json> resources_;
  std::unique_ptr<rig::ChildProcess> operator_;
};

void MatchesUpstream(const OperatorUnderTest& op, const std::string& name) {
  auto deliberate_text = kube::ReadFile(op.differences.string());
  ASSERT_TRUE(deliberate_text.ok()) << deliberate_text.status().ToString();
  auto deliberate = conformance::ParseDeliberateDifferences(*deliberate_text);
  ASSERT_TRUE(deliberate.ok()) << deliberate.status().ToString();
  auto counterparts = conformance::ParseCounterparts(*deliberate_text);
  ASSERT_TRUE(counterparts.ok()) << counterparts.status().ToString();

  CaseRig c(op, name);
  ASSERT_NO_FATAL_FAILURE(c.Prepare());
  const fs::path& dir = c.dir();
  const rig::RigEnvironment& rig = c.rig();
  const std::set<std::string>& input_keys = c.input_keys();
  const std::set<std::string> before = Uids(Snapshot(rig));
  ASSERT_NO_FATAL_FAILURE(c.StartOperator());
  ASSERT_NO_FATAL_FAILURE(c.ApplyResources());

  const std::vector<json> upstream_objects = ReadObjects(dir / "upstream.yaml");
  std::vector<json> upstream = upstream_objects;
  std::map<std::string, std::string> upstream_states;
  std::set<std::string> upstream_status_keys;  // the input objects upstream-status.yaml records
  for (auto& o : ReadObjects(dir / "upstream-status.yaml")) {
    upstream_status_keys.insert(conformance::ObjectKey(o));
    if (o.contains("status") && o["status"].contains("state")) {
      upstream_states[conformance::ObjectKey(o)] = o["status"]["state"].get<std::string>();
    }
    upstream.push_back(std::move(o));
  }
  for (auto& o : ReadObjects(dir / "nodes-after.yaml")) upstream.push_back(std::move(o));

  // What we created, as upstream's capture shows it.
  auto capture = [&]() {
    std::vector<json> ours;
    for (const auto& o : Snapshot(rig)) {
      const std::string kind = o.value("kind", "");
      if (kind == "Node") {
        ours.push_back(NodeView(o));
      } else if (input_keys.contains(conformance::ObjectKey(o))) {
        if (upstream_status_keys.contains(conformance::ObjectKey(o))) {
          ours.push_back(StatusView(o));
        }
      } else if (!before.contains(o["metadata"].value("uid", "")) && !LeftOut(o, input_keys)) {
        ours.push_back(Normalise(o));
      }
    }
    return ours;
  };
  auto states_reached = [&]() {
    for (const auto& o : capture()) {
      auto it = upstream_states.find(conformance::ObjectKey(o));
      if (it == upstream_states.end()) continue;
      if (o.value("status", json::object()).value("state", "") != it->second) return false;
    }
    return true;
  };
  EXPECT_TRUE(rig::Eventually(states_reached, std::chrono::seconds(120))) << c.OperatorOutput();

  const auto wait = std::chrono::seconds(std::stoi(Env("CONFORMANCE_WAIT_SECONDS", "15")));
  std::vector<json> ours;
  conformance::Tally tally;
  rig::Eventually(
      [&]() {
        ours = capture();
        tally = conformance::Classify(name, ours, upstream, *deliberate, *counterparts);
        return tally.unlisted.empty();
      },
      wait);

  // Every CRD the operator installs takes every field upstream's takes.
  for (const auto& theirs : upstream_objects) {
    if (theirs.value("kind", "") != "CustomResourceDefinition") continue;
    auto mine = std::find_if(ours.begin(), ours.end(),
                             [&](const json& o) { return conformance::ObjectKey(o) == conformance::ObjectKey(theirs); });
    if (mine == ours.end()) continue;  // reported as a missing object
    for (const auto& gap : conformance::SchemaGaps(*mine, theirs)) {
      ADD_FAILURE() << conformance::ObjectKey(theirs) << " " << gap;
    }
  }

  std::string listing;
  for (const auto& d : tally.unlisted) listing += "  " + d.Describe() + "\n";
  std::printf(
      "conformance: %s: only ours %d, only upstream %d, fields differing %d, deliberate %d, pending %d, counterparts %d\n",
      name.c_str(), tally.only_ours, tally.only_upstream, tally.fields_differing, tally.deliberate, tally.pending,
      tally.counterparts);
  if (const std::string report = Env("CONFORMANCE_REPORT_DIR", ""); !report.empty()) {
    fs::create_directories(report);
    std::string pending;
    for (const auto& d : tally.pending_differences) pending += "  " + d.Describe() + "\n";
    std::ofstream(fs::path(report) / (name + ".txt")) << listing;
    std::ofstream(fs::path(report) / (name + ".pending.txt")) << pending;
    json all = json::array();
    for (const auto& o : ours) all.push_back(o);
    std::ofstream(fs::path(report) / (name + ".ours.json")) << all.dump(1);
  }
  EXPECT_TRUE(tally.unlisted.empty()) << tally.unlisted.size() << " differences are not listed as deliberate:\n"
                                      << listing;
  c.StopOperator();
}

class NetworkConformance : public ::testing::TestWithParam<std::string> {};
TEST_P(NetworkConformance, MatchesUpstream) { MatchesUpstream(kNetwork, GetParam()); }

class GpuConformance : public ::testing::TestWithParam<std::string> {};
TEST_P(GpuConformance, MatchesUpstream) { MatchesUpstream(kGpu, GetParam()); }

// Switching from upstream: upstream's objects for a case are in place, their
// pods running, when our operator starts on the same input. It takes them over:
// no DaemonSet or Deployment deleted or recreated, no pod replaced, no rolling
// DaemonSet or Deployment changed; the policy reaches ready.
class Adoption : public ::testing::TestWithParam<std::string> {};

struct Workloads {
  std::map<std::string, std::string> uids;       // "DaemonSet/name" -> uid
  std::map<std::string, int64_t> rolling;        // rolling DaemonSets and Deployments -> generation
  std::set<std::string> pods;                    // "name uid" of each pod
  std::string Describe() const {
    std::string out;
    for (const auto& [k, v] : uids) out += k + "=" + v + " ";
    return out + std::to_string(pods.size()) + " pods";
  }
};

Workloads ReadWorkloads(kube::Client& client, const std::string& ns) {
  Workloads w;
  for (const auto& res : {kube::resources::DaemonSets(), kube::resources::Deployments()}) {
    auto list = client.ListAll(res, ns, {});
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (!list.ok()) continue;
    for (const auto& o : list->items) {
      const std::string key = res.kind + "/" + o.name();
      w.uids[key] = o.meta().uid;
      const json tree = o.Tree();
      const std::string strategy = res.kind == "DaemonSet"
                                       ? tree["spec"].value("updateStrategy", json::object()).value("type", "")
                                       : "Deployment";
      if (strategy != "OnDelete") w.rolling[key] = o.meta().generation;
    }
  }
  auto pods = client.ListAll(kube::resources::Pods(), ns, {});
  EXPECT_TRUE(pods.ok()) << pods.status().ToString();
  if (pods.ok()) {
    for (const auto& p : pods->items) w.pods.insert(p.name() + " " + p.meta().uid);
  }
  return w;
}

// Every DaemonSet's pods scheduled and ready, every Deployment's replicas available, as the
// controllers last saw the spec.
bool WorkloadsSettled(kube::Client& client, const std::string& ns, std::string* left) {
  left->clear();
  for (const auto& res : {kube::resources::DaemonSets(), kube::resources::Deployments()}) {
    auto list = client.ListAll(res, ns, {});
    if (!list.ok()) return false;
    for (const auto& o : list->items) {
      const json st = o.Tree().value("status", json::object());
      const bool seen = st.value("observedGeneration", int64_t{-1}) == o.meta().generation;
      const bool ready = res.kind == "DaemonSet"
                             ? st.value("numberReady", -1) == st.value("desiredNumberScheduled", -2)
                             : st.value("availableReplicas", 0) == o.Tree()["spec"].value("replicas", 1);
      if (!seen || !ready) *left += res.kind + " " + o.name() + " " + st.dump() + "\n";
    }
  }
  return left->empty();
}

// What a switch may change: the DaemonSets upstream runs that ours replace (their pods kept), and
// the prefix of the names of ours that replace them.
struct Replacements {
  std::set<std::string> upstream;  // "DaemonSet/name"
  std::string ours_prefix;         // "DaemonSet/nvidia-driver-daemonset-"
};

// Whether a policy's status is what the switch should leave, given the policy and the client; its
// second argument receives what it saw.
using SettledPolicy = std::function<bool(kube::Client&, const kube::Object&, std::string*)>;

// Ready, and about the current generation.
bool ReadyPolicy(kube::Client&, const kube::Object& p, std::string* seen) {
  const json status = p.Tree().value("status", json::object());
  *seen += status.dump();
  bool current = status.value("observedGeneration", p.meta().generation) == p.meta().generation;
  for (const auto& condition : status.value("conditions", json::array())) {
    current = current && condition.value("observedGeneration", p.meta().generation) == p.meta().generation;
  }
  return status.value("state", "") == "ready" && current;
}

void TakesOverUpstreamInstall(const OperatorUnderTest& op, const std::string& name, const std::string& ns,
                              const Replacements& replaced, const SettledPolicy& settled) {
  CaseRig c(op, name);
  ASSERT_NO_FATAL_FAILURE(c.Prepare());
  ASSERT_NO_FATAL_FAILURE(c.ApplyResources());  // the policies, with no operator running yet
  auto client = c.rig().NewClient();

  // Upstream's objects, owned by these policies, and the node labels upstream's operator set.
  std::map<std::string, std::string> owner_uids;  // "Kind/name" -> uid
  std::map<std::string, kube::Resource> owner_resources;
  for (const auto& r : c.resources()) {
    auto gvk = kube::GroupVersionKind::FromApiVersion(r.value("apiVersion", ""), r.value("kind", ""));
    auto res = client->mapper().ResourceFor(gvk);
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    auto live = client->Get(*res, r["metadata"].value("namespace", ""), r["metadata"].value("name", ""));
    ASSERT_TRUE(live.ok()) << live.status().ToString();
    owner_uids[r.value("kind", "") + "/" + live->name()] = live->meta().uid;
    owner_resources.emplace(r.value("kind", "") + "/" + live->name(), *res);
  }
  // The node labels first, so upstream's DaemonSets count their nodes from the start.
  for (const auto& node : ReadObjects(c.dir() / "nodes-after.yaml")) {
    const json patch = {{"metadata", {{"labels", node["metadata"].value("labels", json::object())}}}};
    auto patched = client->Patch(kube::resources::Nodes(), "", node["metadata"].value("name", ""),
                                 kube::PatchType::kMerge, patch.dump());
    ASSERT_TRUE(patched.ok()) << patched.status().ToString();
  }
  std::vector<json> installed = ReadObjects(c.dir() / "upstream.yaml");
  for (auto& o : installed) {
    // What the capture replaced by a placeholder is the API server's to allocate again.
    if (o.value("kind", "") == "Service" && o.contains("spec")) {
      o["spec"].erase("clusterIP");
      o["spec"].erase("clusterIPs");
    }
    if (!o["metadata"].contains("ownerReferences")) continue;
    for (auto& ref : o["metadata"]["ownerReferences"]) {
      ref["uid"] = owner_uids[ref.value("kind", "") + "/" + ref.value("name", "")];
    }
  }
  auto applied = c.rig().ApplyObjects(installed);
  ASSERT_TRUE(applied.ok()) << applied.ToString();
  std::string left;
  ASSERT_TRUE(rig::Eventually([&] { return WorkloadsSettled(*client, ns, &left); }, std::chrono::seconds(60)))
      << "upstream's workloads did not come up:\n" << left;
  const Workloads before = ReadWorkloads(*client, ns);
  ASSERT_FALSE(before.pods.empty());

  ASSERT_NO_FATAL_FAILURE(c.StartOperator());
  std::string statuses;
  auto ready = [&]() {
    statuses.clear();
    bool all = true;
    for (const auto& [key, res] : owner_resources) {
      auto p = client->Get(res, "", key.substr(key.find('/') + 1));
      if (!p.ok()) return false;
      statuses += key + ": ";
      all = settled(*client, *p, &statuses) && all;
      statuses += "\n";
    }
    return all;
  };
  EXPECT_TRUE(rig::Eventually(ready, std::chrono::seconds(60))) << statuses << c.OperatorOutput();
  EXPECT_TRUE(rig::Eventually([&] { return WorkloadsSettled(*client, ns, &left); }, std::chrono::seconds(60))) << left;

  Workloads after = ReadWorkloads(*client, ns);
  // Upstream's replaced DaemonSets are gone, ours that replace them are new; the rest is as it was.
  Workloads expected = before;
  for (const auto& key : replaced.upstream) {
    EXPECT_TRUE(before.uids.contains(key)) << key << " was not in upstream's install";
    EXPECT_FALSE(after.uids.contains(key)) << key << " is still there";
    expected.uids.erase(key);
    expected.rolling.erase(key);
  }
  int replacements = 0;
  for (auto it = after.uids.begin(); it != after.uids.end();) {
    if (!replaced.ours_prefix.empty() && it->first.starts_with(replaced.ours_prefix) && !before.uids.contains(it->first)) {
      ++replacements;
      after.rolling.erase(it->first);
      it = after.uids.erase(it);
    } else {
      ++it;
    }
  }
  EXPECT_EQ(replacements > 0, !replaced.upstream.empty()) << "ours that replace upstream's: " << replacements;
  EXPECT_EQ(after.uids, expected.uids) << "a DaemonSet or Deployment was deleted or recreated:\nbefore "
                                       << before.Describe() << "\nafter " << after.Describe();
  EXPECT_EQ(after.rolling, expected.rolling) << "a rolling DaemonSet or Deployment was changed, restarting its pods";
  EXPECT_EQ(after.pods, before.pods) << "pods were replaced";
  c.StopOperator();
}

TEST_P(Adoption, TakesOverUpstreamInstall) {
  TakesOverUpstreamInstall(kNetwork, GetParam(), "nvidia-network-operator", {}, ReadyPolicy);
}

// After the switch every driver pod is one of ours: adopted by its pool's DaemonSet, current when
// it runs the pool's image; one that runs another OS's image (upstream picks one node's OS for
// all) is left behind for the upgrade flow, the only thing the policy then waits for.
bool DriverPodsHandedOver(kube::Client& client, const kube::Object& policy, std::string* seen) {
  std::map<std::string, json> ours;  // DaemonSet uid -> the DaemonSet
  auto daemonsets = client.ListAll(kube::resources::DaemonSets(), "gpu-operator", {});
  auto revisions = client.ListAll(kube::resources::ControllerRevisions(), "gpu-operator", {});
  kube::ListOptions driver_pods;
  driver_pods.label_selector = "app.kubernetes.io/component=nvidia-driver";
  auto pods = client.ListAll(kube::resources::Pods(), "gpu-operator", driver_pods);
  if (!daemonsets.ok() || !revisions.ok() || !pods.ok()) return false;
  for (const auto& ds : daemonsets->items) ours[ds.meta().uid] = ds.Tree();
  std::map<std::string, std::pair<int64_t, std::string>> newest;  // DaemonSet uid -> revision, hash
  for (const auto& rev : revisions->items) {
    const auto* owner = rev.meta().ControllerOwner();
    const json tree = rev.Tree();
    if (owner == nullptr || tree.value("revision", int64_t{0}) <= newest[owner->uid].first) continue;
    newest[owner->uid] = {tree.value("revision", int64_t{0}), rev.Labels()["controller-revision-hash"]};
  }
  int behind = 0;
  bool done = !pods->items.empty();
  for (const auto& pod : pods->items) {
    const auto* owner = pod.meta().ControllerOwner();
    const auto labels = pod.Labels();
    const json tree = pod.Tree();
    if (owner == nullptr || !ours.contains(owner->uid) || owner->name == "nvidia-driver-daemonset" ||
        labels.contains("nvidia.com/driver-handover")) {
      *seen += "pod " + pod.name() + " not handed over yet; ";
      done = false;
      continue;
    }
    const json& ds = ours[owner->uid];
    const bool same = tree["spec"]["containers"][0].value("image", "") ==
                      ds["spec"]["template"]["spec"]["containers"][0].value("image", "");
    const bool current = labels.contains("controller-revision-hash") &&
                         labels.at("controller-revision-hash") == newest[owner->uid].second;
    if (same != current) {
      *seen += "pod " + pod.name() + (same ? " runs its pool's image but not its revision; " : " is current on another image; ");
      done = false;
    }
    if (!same) ++behind;
  }
  const json status = policy.Tree().value("status", json::object());
  *seen += status.dump();
  if (behind == 0) return done && ReadyPolicy(client, policy, seen);
  std::string message;
  for (const auto& condition : status.value("conditions", json::array())) {
    if (condition.value("type", "") == "Ready") message = condition.value("message", "");
  }
  return done && status.value("state", "") == "notReady" &&
         message.find("states not ready: [state-driver]") != std::string::npos &&
         message.find("run an older revision") != std::string::npos;
}

// Upstream's single driver DaemonSet gives way to ours per OS without a driver pod restarted:
// its pods are orphaned and adopted; every other operand is taken over in place.
class GpuAdoption : public ::testing::TestWithParam<std::string> {};

TEST_P(GpuAdoption, TakesOverUpstreamInstall) {
  TakesOverUpstreamInstall(kGpu, GetParam(), "gpu-operator",
                           {{"DaemonSet/nvidia-driver-daemonset"}, "DaemonSet/nvidia-driver-daemonset-"},
                           DriverPodsHandedOver);
}

// The harness itself: objects named differently on purpose are compared field by field when a
// counterpart rule pairs them (same captured groups, same owner), and only then.
TEST(Counterparts, AreComparedFieldByFieldUnderOneName) {
  const std::string rules = R"(
- counterpart:
    ours: 'DaemonSet/([^/]+)/driver-[a-z]+[0-9.]+'
    upstream: 'DaemonSet/([^/]+)/driver'
  reason: one driver DaemonSet per OS where upstream has one for all
)";
  auto counterparts = conformance::ParseCounterparts(rules);
  ASSERT_TRUE(counterparts.ok()) << counterparts.status().ToString();
  auto deliberate = conformance::ParseDeliberateDifferences(rules);
  ASSERT_TRUE(deliberate.ok()) << deliberate.status().ToString();
  EXPECT_TRUE(deliberate->empty()) << "a counterpart is no deliberate difference";
  auto daemonset = [](const std::string& name, const std::string& owner, const std::string& value) {
    return json{{"kind", "DaemonSet"},
                {"metadata",
                 {{"name", name}, {"namespace", "ns"}, {"ownerReferences", {{{"kind", "Policy"}, {"name", owner}, {"controller", true}}}}}},
                {"spec", {{"value", value}}}};
  };
  const std::vector<json> upstream = {daemonset("driver", "p", "theirs")};
  const std::vector<json> ours = {daemonset("driver-ubuntu22.04", "p", "theirs"), daemonset("driver-rhel9.4", "p", "mine")};
  conformance::Tally t = conformance::Classify("case", ours, upstream, *deliberate, *counterparts);
  EXPECT_EQ(t.counterparts, 2);
  EXPECT_EQ(t.only_ours + t.only_upstream, 0);
  ASSERT_EQ(t.unlisted.size(), 1u);
  EXPECT_EQ(t.unlisted[0].Describe(), R"(DaemonSet/ns/driver-rhel9.4 /spec/value: ours "mine", upstream "theirs")");

  // Another owner, or a name the rule does not match: no counterpart, each side its own object.
  t = conformance::Classify("case", {daemonset("driver-ubuntu22.04", "other", "theirs")}, upstream, *deliberate,
                            *counterparts);
  EXPECT_EQ(t.counterparts, 0);
  EXPECT_EQ(t.only_ours, 1);
  EXPECT_EQ(t.only_upstream, 1);
  t = conformance::Classify("case", {daemonset("driver-5.15.0-generic-ubuntu22.04", "p", "theirs")}, upstream,
                            *deliberate, *counterparts);
  EXPECT_EQ(t.counterparts, 0);
  EXPECT_EQ(t.only_ours + t.only_upstream, 2);

  EXPECT_FALSE(conformance::ParseCounterparts("- counterpart: {ours: a, upstream: b}\n").ok()) << "no reason";
  EXPECT_FALSE(conformance::ParseCounterparts("- counterpart: {ours: '(', upstream: b}\n  reason: a reason long enough to count\n").ok())
      << "no regex";
}

// A case's name as a test name: gtest takes letters, digits and underscores.
std::string CaseTestName(const ::testing::TestParamInfo<std::string>& param_info) {
  std::string n = param_info.param;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Cases, Adoption, ::testing::Values("net-01-seed", "net-06-node-policy"), CaseTestName);
INSTANTIATE_TEST_SUITE_P(Cases, GpuAdoption, ::testing::Values("gpu-01-defaults", "gpu-04-mig-sharing"), CaseTestName);
INSTANTIATE_TEST_SUITE_P(Cases, NetworkConformance, ::testing::ValuesIn(CaseNames(kNetwork)), CaseTestName);
INSTANTIATE_TEST_SUITE_P(Cases, GpuConformance, ::testing::ValuesIn(CaseNames(kGpu)), CaseTestName);

}  // namespace
