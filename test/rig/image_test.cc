// The project's images (hack/images) run with podman against the rig, as a
// cluster would run them: host network, the kubeconfig mounted, the user the
// image names. The network operator's image brings the seed policy to ready;
// the nv-ipam image runs with exactly the command, args and env that policy's
// nvIpam state rendered, and the CNI plugin its node daemon installed answers
// an ADD in a network namespace; the GPU operator's image brings seed 003's
// ClusterPolicy to ready; the node agent's image labels a Node from the H100
// fixture mounted as its host root.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "eventually.h"
#include "gpu_operator_rig.h"
#include "hook_job_runner.h"
#include "cluster_policy_reconciler.h"
#include "kube/resource.h"
#include "nic_cluster_policy_reconciler.h"
#include "pool/pool_resources.h"
#include "rig_environment.h"

namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
namespace fs = std::filesystem;

const std::string kVersion = ACCELOPS_VERSION;
const std::string kFixtures = std::string(ACCELOPS_SOURCE_DIR) + "/test/fixtures/node-discovery/";

std::string Image(const std::string& name) { return "localhost/accelops/" + name + ":" + kVersion; }

std::vector<std::string> PodmanEnv() {
  return {"CONTAINERS_CONF=" + std::string(CONTAINERS_CONF_FILE),
          "CONTAINERS_STORAGE_CONF=" + std::string(IMAGE_STORE) + "/storage.conf"};
}

int Podman(const std::string& args, std::string* out = nullptr) {
  std::string prefix;
  for (const auto& e : PodmanEnv()) prefix += e + " ";
  std::string ignored;
  return rig::Shell(prefix + "podman " + args + " 2>&1", out ? out : &ignored);
}

// One `podman run` in the foreground, removed when the object goes.
class Container {
 public:
  Container(const std::string& name, const std::vector<std::string>& podman_args, const std::string& image,
            const std::vector<std::string>& args)
      : name_(name) {
    Podman("rm -f " + name_);
    std::vector<std::string> all = {"run", "--rm", "--name", name_, "--network", "host"};
    all.insert(all.end(), podman_args.begin(), podman_args.end());
    all.push_back(image);
    all.insert(all.end(), args.begin(), args.end());
    process_ = std::make_unique<rig::ChildProcess>("/usr/bin/podman", all, PodmanEnv());
  }
  ~Container() {
    process_->Terminate(seconds(30));
    Podman("rm -f " + name_);
  }
  rig::ChildProcess& process() { return *process_; }
  // SIGTERM through podman to the program: its exit code.
  std::optional<int> Stop() { return process_->Terminate(seconds(60)); }
  std::string Tail() const {
    const std::string log = process_->Output();
    return name_ + " log tail:\n" + log.substr(log.size() > 4000 ? log.size() - 4000 : 0);
  }

 private:
  std::string name_;
  std::unique_ptr<rig::ChildProcess> process_;
};

class ImageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto& env = rig::RigEnvironment::Get();
    // A kubeconfig with its certificates inline, readable by the images' non-root user.
    dir_ = fs::temp_directory_path() / ("image-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::all);
    kubeconfig_ = (dir_ / "kubeconfig").string();
    std::string out;
    ASSERT_EQ(env.RigCommand("kubectl config view --flatten --raw > " + kubeconfig_, &out), 0) << out;
    ::chmod(kubeconfig_.c_str(), 0644);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }
  void SetUp() override {
    std::string out;
    for (const std::string name : {"network-operator", "gpu-operator", "node-agent", "nv-ipam"}) {
      ASSERT_EQ(Podman("image exists " + Image(name), &out), 0)
          << Image(name) << " is not built (hack/images): " << out;
    }
    client_ = rig::RigEnvironment::Get().NewClient();
  }

  // podman arguments shared by the operators: the kubeconfig, a read-only root as the charts run them.
  static std::vector<std::string> OperatorOptions() {
    std::vector<std::string> o = {"--read-only", "-v", kubeconfig_ + ":/kubeconfig:ro"};
    for (const auto& e : rig::NoRegistryAccess()) o.insert(o.end(), {"-e", e});
    return o;
  }

  json Get(const kube::Resource& r, const std::string& ns, const std::string& name) {
    auto o = client_->Get(r, ns, name);
    return o.ok() ? o->Tree() : json::object();
  }

  static inline fs::path dir_;
  static inline std::string kubeconfig_;
  std::shared_ptr<kube::Client> client_;
};

TEST_F(ImageTest, ProgramsPrintTheVersionTheImagesAreLabelledWith) {
  std::string out;
  ASSERT_EQ(Podman("run --rm " + Image("network-operator") + " --version", &out), 0) << out;
  EXPECT_EQ(out.rfind("network-operator " + kVersion + " (revision ", 0), 0u) << out;
  ASSERT_EQ(Podman("run --rm --entrypoint /nv-ipam " + Image("nv-ipam") + " --version", &out), 0) << out;
  EXPECT_EQ(out.rfind("nv-ipam " + kVersion, 0), 0u) << out;
  ASSERT_EQ(Podman("image inspect --format '{{index .Labels \"org.opencontainers.image.version\"}} {{.User}}' " +
                       Image("gpu-operator"),
                   &out),
            0)
      << out;
  EXPECT_EQ(out, kVersion + " 65532:65532\n");
}

// The chart's CRD hook Job, run as its pod: the operator image, the Job's command and args.
TEST_F(ImageTest, NetworkChartsCrdHookRunsFromTheOperatorImage) {
  auto& env = rig::RigEnvironment::Get();
  const std::string ns = "image-chart";
  const std::string chart = std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart";
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix image-chart"), 0);  // where the hook's pod is scheduled
  rig::HookJobRunner hook(client_, ns, "imgchart-upgrade-crds", [&](const json& pod, std::string* out) {
    const json& c = pod["containers"][0];
    if (c.value("image", "") != "accelops/network-operator:" + kVersion) {
      *out = "the hook runs " + c.value("image", "") + ", not the image built here";
      return 1;
    }
    std::string args = "run --rm --network host --read-only -v " + kubeconfig_ + ":/kubeconfig:ro --entrypoint " +
                       c["command"][0].get<std::string>() + " " + Image("network-operator") + " --kubeconfig /kubeconfig";
    for (const auto& a : c["args"]) args += " " + a.get<std::string>();
    return Podman(args, out);
  });
  std::string out;
  ASSERT_EQ(env.RigCommand("helm install imgchart " + chart + " --namespace " + ns +
                               " --create-namespace --wait=false --set nfd.enabled=false 2>&1",
                           &out),
            0)
      << out << hook.output();
  EXPECT_EQ(hook.runs(), 1) << hook.output();
  EXPECT_NE(hook.output().find("CRDs applied and served"), std::string::npos) << hook.output();
  EXPECT_EQ(env.RigCommand("helm uninstall imgchart --namespace " + ns + " 2>&1", &out), 0) << out;
}

// The CNI ADD a runtime would make for a pod on `node_dir`'s node: the plugin the daemon installed,
// in a container that sees the node's CNI directories where the host has them, in its own netns.
json CniAdd(const fs::path& node_dir, const std::string& netns, const std::string& config, std::string* raw) {
  const std::string conf_file = (node_dir / "add.json").string();
  std::ofstream(conf_file) << config;
  Podman("run --rm -i --user 0 --network ns:/var/run/netns/" + netns + " -v " + (node_dir / "cnibin").string() +
             ":/opt/cni/bin:ro -v " + (node_dir / "cniconf").string() + ":/etc/cni/net.d/nv-ipam.d:ro -v " +
             (node_dir / "daemonstate").string() +
             ":/var/lib/cni/nv-ipam -e CNI_COMMAND=ADD -e CNI_CONTAINERID=image-test -e CNI_IFNAME=net1 "
             "-e CNI_NETNS=/var/run/netns/" + netns + " -e CNI_PATH=/opt/cni/bin "
             "-e 'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=image-test' "
             "--entrypoint /opt/cni/bin/nv-ipam " + Image("nv-ipam") + " < " + conf_file,
         raw);
  return json::parse(*raw, nullptr, false);
}

// A container's env for podman, fieldRefs resolved as the kubelet would for `node` and `ns`.
std::vector<std::string> EnvOptions(const json& container, const std::string& node, const std::string& ns) {
  std::vector<std::string> out;
  for (const auto& e : container.value("env", json::array())) {
    std::string value = e.value("value", "");
    const std::string path = e.contains("valueFrom") ? e["valueFrom"]["fieldRef"].value("fieldPath", "") : "";
    if (path == "spec.nodeName") value = node;
    if (path == "metadata.namespace") value = ns;
    out.insert(out.end(), {"-e", e["name"].get<std::string>() + "=" + value});
  }
  return out;
}

TEST_F(ImageTest, NetworkOperatorAndNvIpamImagesRunTheSeedPolicies) {
  auto& env = rig::RigEnvironment::Get();
  const std::string ns = "nvidia-network-operator";
  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/deploy/network-operator/chart/crds").ok());
  (void)client_->Create(kube::resources::Namespaces(),
                        {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
  ASSERT_EQ(env.RigCommand("nodes 2 --prefix image-nic --labels "
                           "feature.node.kubernetes.io/pci-15b3.present=true,network.nvidia.com/operator.mofed.wait=false,"
                           "feature.node.kubernetes.io/system-os_release.ID=ubuntu,"
                           "feature.node.kubernetes.io/system-os_release.VERSION_ID=22.04,"
                           "feature.node.kubernetes.io/kernel-version.full=5.15.0-105-generic"),
            0);
  std::vector<std::string> options = OperatorOptions();
  Container op("accelops-network-operator", options, Image("network-operator"),
               {"--kubeconfig", "/kubeconfig", "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                "--operand-namespace", ns});
  ASSERT_TRUE(op.process().WaitForOutput("starting workers", seconds(60))) << op.Tail();

  auto settled = [&] {
    json p = Get(network::NicClusterPolicies(), "", "nic-cluster-policy");
    json status = p.value("status", json::object());
    return status.value("state", "") == "ready" &&
           status.value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  };
  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) + "/examples/network-operator/nicclusterpolicy.yaml").ok());
  ASSERT_TRUE(rig::Eventually(settled, seconds(90)))
      << Get(network::NicClusterPolicies(), "", "nic-cluster-policy").dump() << "\n" << op.Tail();
  ASSERT_TRUE(env.ApplyPath(std::string(ACCELOPS_SOURCE_DIR) +
                            "/examples/network-operator/nicclusterpolicy-nvidia-ipam.yaml").ok());
  ASSERT_TRUE(rig::Eventually(settled, seconds(90)))
      << Get(network::NicClusterPolicies(), "", "nic-cluster-policy").dump() << "\n" << op.Tail();

  // What the nvIpam state rendered, run from our nv-ipam image instead of upstream's.
  const json deployment = Get(kube::resources::Deployments(), ns, "nv-ipam-controller");
  const json daemonset = Get(kube::resources::DaemonSets(), ns, "nv-ipam-node");
  ASSERT_FALSE(deployment.empty());
  ASSERT_FALSE(daemonset.empty());
  const std::string node = "image-nic-0";
  json by_name = {{"nodeSelectorTerms",
                   {{{"matchFields", {{{"key", "metadata.name"}, {"operator", "In"}, {"values", {node}}}}}}}}};
  ASSERT_TRUE(client_
                  ->Create(ipam::PoolResource(ipam::PoolType::kIPPool),
                           {{"apiVersion", "nv-ipam.nvidia.com/v1alpha1"},
                            {"kind", "IPPool"},
                            {"metadata", {{"name", "my-pool"}, {"namespace", ns}}},
                            {"spec", {{"subnet", "192.168.120.0/24"}, {"perNodeBlockSize", 16},
                                      {"gateway", "192.168.120.1"}, {"nodeSelector", by_name}}}})
                  .ok());

  auto container_options = [&](const json& pod_spec, const fs::path& host_root) {
    const json& c = pod_spec["containers"][0];
    std::vector<std::string> o = {"-v", kubeconfig_ + ":/kubeconfig:ro", "-e", "KUBECONFIG=/kubeconfig",
                                  "--entrypoint", c["command"][0].get<std::string>()};
    const json security = c.value("securityContext", json::object());
    if (security.contains("runAsUser")) o.insert(o.end(), {"--user", std::to_string(security["runAsUser"].get<int>())});
    auto env_options = EnvOptions(c, node, ns);
    o.insert(o.end(), env_options.begin(), env_options.end());
    // Each hostPath volume: a directory of this test's node, at the container's mount path.
    std::map<std::string, std::string> host_dirs;
    for (const auto& v : pod_spec.value("volumes", json::array())) {
      if (v.contains("hostPath")) host_dirs[v["name"]] = (host_root / v["name"].get<std::string>()).string();
    }
    for (const auto& m : c.value("volumeMounts", json::array())) {
      const std::string dir = host_dirs.at(m["name"].get<std::string>());
      fs::create_directories(dir);
      o.insert(o.end(), {"-v", dir + ":" + m["mountPath"].get<std::string>()});
    }
    return o;
  };
  auto args_of = [&](const json& pod_spec) {
    std::vector<std::string> args;
    const json& c = pod_spec["containers"][0];
    for (size_t i = 1; i < c["command"].size(); ++i) args.push_back(c["command"][i]);
    for (const auto& a : c.value("args", json::array())) args.push_back(a);
    return args;  // $(VAR) references are left to expand below, as the kubelet does
  };
  auto expand = [&](std::vector<std::string> args, const json& c) {
    std::map<std::string, std::string> vars;
    auto env_options = EnvOptions(c, node, ns);
    for (size_t i = 1; i < env_options.size(); i += 2) {
      const auto eq = env_options[i].find('=');
      vars[env_options[i].substr(0, eq)] = env_options[i].substr(eq + 1);
    }
    for (auto& a : args) {
      for (const auto& [k, v] : vars) {
        for (size_t at; (at = a.find("$(" + k + ")")) != std::string::npos;) a.replace(at, k.size() + 3, v);
      }
    }
    return args;
  };
  const json controller_pod = deployment["spec"]["template"]["spec"];
  const json node_pod = daemonset["spec"]["template"]["spec"];
  const fs::path node_dir = dir_ / node;
  Container controller("accelops-nv-ipam-controller", container_options(controller_pod, dir_ / "controller"),
                       Image("nv-ipam"), expand(args_of(controller_pod), controller_pod["containers"][0]));
  Container daemon("accelops-nv-ipam-node", container_options(node_pod, node_dir), Image("nv-ipam"),
                   expand(args_of(node_pod), node_pod["containers"][0]));
  ASSERT_TRUE(daemon.process().WaitForOutput("serving the nv-ipam CNI plugin", seconds(60))) << daemon.Tail();
  ASSERT_TRUE(rig::Eventually([&] {
    json pool = Get(ipam::PoolResource(ipam::PoolType::kIPPool), ns, "my-pool");
    return !pool.value("status", json::object()).value("allocations", json::array()).empty();
  }, seconds(60))) << controller.Tail();
  // The daemon installed the plugin and its defaults file on the node.
  EXPECT_TRUE(fs::exists(node_dir / "cnibin" / "nv-ipam"));
  std::ifstream defaults(node_dir / "cniconf" / "nv-ipam.conf");
  const json conf = json::parse(defaults, nullptr, false);
  EXPECT_EQ(conf.value("daemonSocket", ""), "unix:///var/lib/cni/nv-ipam/daemon.sock") << conf.dump();

  const std::string netns = "image-test-" + std::to_string(::getpid());
  ASSERT_EQ(rig::Shell("ip netns add " + netns, nullptr), 0);
  std::shared_ptr<void> remove_netns(nullptr, [&](void*) { rig::Shell("ip netns del " + netns, nullptr); });
  const std::string network =
      R"({"cniVersion":"1.0.0","name":"example-macvlannetwork","type":"macvlan","master":"ens2f0",)"
      R"("mode":"bridge","ipam":{"type":"nv-ipam","poolName":"my-pool"}})";
  std::string raw;
  json result;
  // The daemon answers "no allocation for node" until it has seen the controller's block.
  ASSERT_TRUE(rig::Eventually([&] {
    result = CniAdd(node_dir, netns, network, &raw);
    return result.contains("ips");
  }, seconds(30))) << raw << "\n" << daemon.Tail();
  EXPECT_EQ(result["ips"][0].value("address", "").rfind("192.168.120.", 0), 0u) << raw;
  EXPECT_EQ(result["ips"][0].value("gateway", ""), "192.168.120.1") << raw;

  EXPECT_EQ(daemon.Stop(), 0) << daemon.Tail();
  EXPECT_EQ(controller.Stop(), 0) << controller.Tail();
  EXPECT_EQ(op.Stop(), 0) << op.Tail();

  // The diagnostics archive holds the policy, its operands, the pools and the nodes' labels.
  std::string bin, out;
  ASSERT_EQ(rig::Shell("sed -n 's/^BIN=//p' " + env.dir() + "/ports.env", &bin), 0);
  while (!bin.empty() && bin.back() == '\n') bin.pop_back();
  const std::string archive = (dir_ / "must-gather.tar.gz").string();
  ASSERT_EQ(rig::Shell("PATH=" + bin + ":$PATH " + ACCELOPS_SOURCE_DIR + "/hack/must-gather --kubeconfig " +
                           env.kubeconfig() + " --output " + archive + " 2>&1 && tar -C " + dir_.string() +
                           " -xzf " + archive + " 2>&1",
                       &out),
            0)
      << out;
  auto gathered = [&](const std::string& path) {
    std::ifstream in(dir_ / "must-gather" / path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_NE(gathered("cluster/nicclusterpolicies.mellanox.com.yaml").find("name: nic-cluster-policy"), std::string::npos);
  EXPECT_NE(gathered("namespaces/" + ns + "/daemonsets.yaml").find("name: nv-ipam-node"), std::string::npos);
  EXPECT_NE(gathered("cluster/ippools.yaml").find("name: my-pool"), std::string::npos);
  EXPECT_NE(gathered("cluster/node-labels/" + node + ".txt").find("feature.node.kubernetes.io/pci-15b3.present=true"),
            std::string::npos);
}

TEST_F(ImageTest, GpuOperatorImageBringsSeed003sClusterPolicyToReady) {
  auto& env = rig::RigEnvironment::Get();
  const std::string ns = "gpu-operator";
  ASSERT_TRUE(rig::InstallGpuOperatorApi(ns).ok());
  const std::string nfd = "feature.node.kubernetes.io/";
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix image-gpu --labels " + nfd + "pci-10de.present=true," + nfd +
                           "system-os_release.ID=ubuntu," + nfd + "system-os_release.VERSION_ID=22.04," + nfd +
                           "system-os_release.VERSION_ID.major=22," + nfd + "kernel-version.full=5.15.0-131-generic"),
            0);
  Container op("accelops-gpu-operator", OperatorOptions(), Image("gpu-operator"),
               {"--kubeconfig", "/kubeconfig", "--metrics-bind-address", "0", "--health-probe-bind-address", "0",
                "--operand-namespace", ns});
  ASSERT_TRUE(op.process().WaitForOutput("starting workers", seconds(60))) << op.Tail();
  const std::string policy_file = (dir_ / "seed-clusterpolicy.yaml").string();
  std::string out;
  ASSERT_EQ(env.RigCommand("helm template gpu-operator " + std::string(ACCELOPS_SOURCE_DIR) +
                               "/deploy/gpu-operator/chart --namespace " + ns + " -f " + ACCELOPS_SOURCE_DIR +
                               "/examples/gpu-operator/air-gapped-values.yaml --show-only templates/clusterpolicy.yaml > " +
                               policy_file + " 2>&1",
                           &out),
            0)
      << out;
  ASSERT_TRUE(env.ApplyPath(policy_file).ok());
  EXPECT_TRUE(rig::Eventually([&] {
    json p = Get(gpu::ClusterPolicies(), "", "cluster-policy");
    json status = p.value("status", json::object());
    return status.value("state", "") == "ready" && status.contains("conditions") &&
           status["conditions"][0].value("observedGeneration", -1) == p["metadata"].value("generation", -2);
  }, seconds(120))) << Get(gpu::ClusterPolicies(), "", "cluster-policy").value("status", json::object()).dump() << "\n"
                    << op.Tail();
  json driver = Get(kube::resources::DaemonSets(), ns, "nvidia-driver-daemonset-ubuntu22.04");
  EXPECT_EQ(driver["status"].value("numberAvailable", 0), 1) << driver.dump();
  EXPECT_EQ(op.Stop(), 0) << op.Tail();
  EXPECT_TRUE(client_->Delete(gpu::ClusterPolicies(), "", "cluster-policy").ok());
}

TEST_F(ImageTest, NodeAgentImageLabelsANodeFromTheH100HostRoot) {
  auto& env = rig::RigEnvironment::Get();
  ASSERT_EQ(env.RigCommand("nodes 1 --prefix image-agent"), 0);
  const std::string node = "image-agent-0";
  Container agent("accelops-node-agent",
                  {"-v", kubeconfig_ + ":/kubeconfig:ro", "-v", kFixtures + "h100:/host:ro", "-v",
                   std::string(FAKE_NVML_LIBRARY) + ":/opt/nvml/libnvidia-ml.so.1:ro", "--read-only"},
                  Image("node-agent"),
                  {"--kubeconfig", "/kubeconfig", "--root", "/host", "--nvml-library", "/opt/nvml/libnvidia-ml.so.1",
                   "--node-name", node, "--interval", "3600"});
  ASSERT_TRUE(agent.process().WaitForOutput("node labels updated", seconds(60))) << agent.Tail();
  auto labels = client_->Get(kube::resources::Nodes(), "", node)->Labels();
  EXPECT_EQ(labels["nvidia.com/gpu.product"], "NVIDIA-H100-80GB-HBM3");
  EXPECT_EQ(labels["nvidia.com/gpu.count"], "1");  // the stand-in NVML has one
  EXPECT_EQ(labels["feature.node.kubernetes.io/pci-10de.present"], "true");
  EXPECT_EQ(agent.Stop(), 0) << agent.Tail();
}

}  // namespace
